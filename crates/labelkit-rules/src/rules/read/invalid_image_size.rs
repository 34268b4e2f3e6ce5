//! # invalid-image-size (F010)
//!
//! ## What it does
//! Reports an image declared with a zero or negative width or height.
//!
//! The readers report this issue while reading; the checker applies the
//! selection, per-file ignores, severity overrides and the baseline to it
//! like any other finding.
//!
//! ## Why it matters
//! Every normalised coordinate of the image divides by its size.
//!
//! ## Example
//! ```text
//! <image id="0" name="a.jpg" width="0" height="480">
//! ```
//!
//! ## How to fix
//! Declare the real size of the image.
//!
//! ## Options
//! None.

/// The permanent code.
pub(crate) const CODE: &str = "F010";
