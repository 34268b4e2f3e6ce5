//! # unsupported-content (F011)
//!
//! ## What it does
//! Reports an element, key or value the reader does not know and skipped.
//!
//! The readers report this issue while reading; the checker applies the
//! selection, per-file ignores, severity overrides and the baseline to it
//! like any other finding.
//!
//! ## Why it matters
//! Something in the file is not carried into the model, so a conversion would lose it; the finding says what.
//!
//! ## Example
//! ```text
//! <polygon label="x" points="..."><unknown/></polygon>
//! ```
//!
//! ## How to fix
//! Nothing, if the content does not matter; otherwise convert it to something the format supports, or open an issue.
//!
//! ## Options
//! None.

/// The permanent code.
pub(crate) const CODE: &str = "F011";
