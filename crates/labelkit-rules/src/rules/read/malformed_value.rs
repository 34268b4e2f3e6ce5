//! # malformed-value (F001)
//!
//! ## What it does
//! Reports a value of the wrong type or syntax where the format expects a value: text where a number belongs, a JSON string for a COCO `bbox`, a CVAT attribute that is not a number.
//!
//! The readers report this issue while reading; the checker applies the
//! selection, per-file ignores, severity overrides and the baseline to it
//! like any other finding.
//!
//! ## Why it matters
//! The reader cannot tell what was meant, so the shape or field is skipped or read as a default; the dataset you train on is not the one you annotated.
//!
//! ## Example
//! ```text
//! # YOLO: a coordinate that is not a number
//! 0 0.5 0.5 abc 0.2
//! ```
//!
//! ## How to fix
//! Correct the value in the file, or re-export it from the annotation tool.
//!
//! ## Options
//! None.

/// The permanent code.
pub(crate) const CODE: &str = "F001";
