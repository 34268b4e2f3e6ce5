//! # image-unreadable (F008)
//!
//! ## What it does
//! Reports an image file that is missing or whose header cannot be read, so its size is unknown.
//!
//! The readers report this issue while reading; the checker applies the
//! selection, per-file ignores, severity overrides and the baseline to it
//! like any other finding.
//!
//! ## Why it matters
//! Formats that store normalised coordinates need the image size; without it the labels cannot be converted or checked.
//!
//! ## Example
//! ```text
//! images/train/0001.jpg (0 bytes)
//! ```
//!
//! ## How to fix
//! Restore the image file, or remove its labels.
//!
//! ## Options
//! None.

/// The permanent code.
pub(crate) const CODE: &str = "F008";
