//! # unknown-class (F003)
//!
//! ## What it does
//! Reports a class id or label name the dataset does not declare: a YOLO class index beyond `names`, a COCO `category_id` with no category, a CVAT shape whose label is not in `meta`.
//!
//! The readers report this issue while reading; the checker applies the
//! selection, per-file ignores, severity overrides and the baseline to it
//! like any other finding.
//!
//! ## Why it matters
//! Training code either crashes on the id or, worse, maps it to a wrong class.
//!
//! ## Example
//! ```text
//! # data.yaml declares names: [person, car]
//! 2 0.5 0.5 0.2 0.2
//! ```
//!
//! ## How to fix
//! Declare the class, or correct the class id of the shape.
//!
//! ## Options
//! None.

/// The permanent code.
pub(crate) const CODE: &str = "F003";
