//! # non-finite-value (F006)
//!
//! ## What it does
//! Reports NaN or infinity where a coordinate, size or score belongs.
//!
//! The readers report this issue while reading; the checker applies the
//! selection, per-file ignores, severity overrides and the baseline to it
//! like any other finding.
//!
//! ## Why it matters
//! A NaN coordinate poisons a training loss; comparisons with NaN are always false, so checks downstream silently pass.
//!
//! ## Example
//! ```text
//! 0 0.5 nan 0.2 0.2
//! ```
//!
//! ## How to fix
//! Replace the value with the real coordinate, or remove the shape.
//!
//! ## Options
//! None.

/// The permanent code.
pub(crate) const CODE: &str = "F006";
