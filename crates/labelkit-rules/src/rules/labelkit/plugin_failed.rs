//! # plugin-failed (L001)
//!
//! ## What it does
//! Reports a rule plugin that could not do its work: it refused the
//! dataset or its options when the check began, failed or panicked in a
//! call, returned invalid JSON or a finding with a code it did not declare,
//! or went past the host's limits (an invalid or over-64-MiB output buffer,
//! more than 100,000 findings in one check). The other rules still run.
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
