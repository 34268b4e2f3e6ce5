//! # wrong-value-count (F002)
//!
//! ## What it does
//! Reports a row or list with the wrong number of values: a YOLO line with 4 numbers, a COCO `bbox` with 3, a keypoint list whose length is not a multiple of 3.
//!
//! The readers report this issue while reading; the checker applies the
//! selection, per-file ignores, severity overrides and the baseline to it
//! like any other finding.
//!
//! ## Why it matters
//! A short row is usually a truncated or hand-edited file; the reader skips it, and the object disappears from training.
//!
//! ## Example
//! ```text
//! # YOLO detect rows need a class and 4 numbers
//! 0 0.5 0.5 0.2
//! ```
//!
//! ## How to fix
//! Complete the row, or delete it if the object should not be labelled.
//!
//! ## Options
//! None.

/// The permanent code.
pub(crate) const CODE: &str = "F002";
