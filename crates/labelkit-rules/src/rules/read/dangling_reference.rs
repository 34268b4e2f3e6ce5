//! # dangling-reference (F004)
//!
//! ## What it does
//! Reports a reference to an image, category or track that does not exist, such as a COCO annotation whose `image_id` names no image.
//!
//! The readers report this issue while reading; the checker applies the
//! selection, per-file ignores, severity overrides and the baseline to it
//! like any other finding.
//!
//! ## Why it matters
//! The annotation belongs to nothing; converters and trainers drop it silently.
//!
//! ## Example
//! ```text
//! {"annotations": [{"id": 1, "image_id": 99, "category_id": 1, "bbox": [0, 0, 5, 5]}]}
//! ```
//!
//! ## How to fix
//! Add the missing image or category, or fix the id.
//!
//! ## Options
//! None.

/// The permanent code.
pub(crate) const CODE: &str = "F004";
