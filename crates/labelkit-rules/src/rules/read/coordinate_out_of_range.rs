//! # coordinate-out-of-range (F007)
//!
//! ## What it does
//! Reports a normalised YOLO coordinate outside `[-0.01, 1.01]`.
//!
//! The readers report this issue while reading; the checker applies the
//! selection, per-file ignores, severity overrides and the baseline to it
//! like any other finding.
//!
//! ## Why it matters
//! Normalised coordinates above 1 usually mean pixel coordinates were written where fractions belong; the box lies far outside the image.
//!
//! ## Example
//! ```text
//! 0 320 240 50 80
//! ```
//!
//! ## How to fix
//! Divide pixel coordinates by the image size, or re-export the labels.
//!
//! ## Options
//! None.

/// The permanent code.
pub(crate) const CODE: &str = "F007";
