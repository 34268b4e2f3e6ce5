//! # duplicate-id (F005)
//!
//! ## What it does
//! Reports two images, annotations or categories that share one id in the file.
//!
//! The readers report this issue while reading; the checker applies the
//! selection, per-file ignores, severity overrides and the baseline to it
//! like any other finding.
//!
//! ## Why it matters
//! Lookups by id pick one of them at random; evaluation tools such as pycocotools merge or drop them.
//!
//! ## Example
//! ```text
//! {"images": [{"id": 1, "file_name": "a.jpg"}, {"id": 1, "file_name": "b.jpg"}]}
//! ```
//!
//! ## How to fix
//! Give each element its own id.
//!
//! ## Options
//! None.

/// The permanent code.
pub(crate) const CODE: &str = "F005";
