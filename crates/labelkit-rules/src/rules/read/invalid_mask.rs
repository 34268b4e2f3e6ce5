//! # invalid-mask (F009)
//!
//! ## What it does
//! Reports a run-length mask whose runs do not add up to the image size, or an invalid compressed COCO RLE string.
//! Also a mask covering more than 4,294,967,295 pixels (2^32 - 1, labelkit's
//! limit for masks): it is kept as written, but not converted.
//!
//! The readers report this issue while reading; the checker applies the
//! selection, per-file ignores, severity overrides and the baseline to it
//! like any other finding.
//!
//! ## Why it matters
//! A broken mask decodes to garbage or crashes pycocotools; a mask beyond
//! 2^32 pixels overflows the 32-bit run counts of pycocotools and COCO.
//!
//! ## Example
//! ```text
//! {"segmentation": {"size": [4, 4], "counts": [3, 2]}}
//! ```
//!
//! ## How to fix
//! Re-export the mask from the annotation tool.
//!
//! ## Options
//! None.

/// The permanent code.
pub(crate) const CODE: &str = "F009";
