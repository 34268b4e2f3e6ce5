//! # plugin-failed (L001)
//!
//! ## What it does
//! Reports a rule plugin that could not do its work: it refused the
//! dataset or its options when the check began, or returned a finding with
//! a code it did not declare. The other rules still run.
//!
//! ## Why it matters
//! A plugin that fails silently would let a dataset pass checks it never
//! went through.
//!
//! ## Example
//! ```text
//! plugin `noise-copies` failed to start: option `pairs` must be a table
//! ```
//!
//! ## How to fix
//! Read the plugin's message: usually a `[plugins.<name>]` option in
//! `labelkit.toml` is wrong, or the plugin is out of date.
//!
//! ## Options
//! None.

/// The permanent code.
pub(crate) const CODE: &str = "L001";
