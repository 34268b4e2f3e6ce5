//! Loads labelkit rule plugins from shared libraries and runs their rules.
//!
//! A plugin is a shared library exporting `labelkit_plugin_v1` (see
//! `labelkit-plugin-abi`). [`load_plugin`] loads it, checks the version
//! handshake (the major is in the symbol's name; the table's minor must be
//! in the supported range), reads the plugin's manifest and checks its code
//! prefix against the built-in families. The resulting [`Plugin`]
//! implements [`labelkit_rules::ExternalRules`], so
//! [`labelkit_rules::Registry::add_external`] (or [`register`]) makes its
//! rules ordinary rules: listed by `labelkit rules`, documented by
//! `labelkit rule CODE`, selected and ignored by code prefix, and run by the
//! checker. Findings name images and annotations by id; the checker turns
//! them into file, line and column through the reader's span table.
//!
//! ```no_run
//! use std::path::Path;
//! use labelkit_rules::Registry;
//!
//! let mut registry = Registry::builtin();
//! labelkit_plugin_host::register(&mut registry, Path::new("target/release/libaugmented_copies.so"))?;
//! assert!(registry.get("CPY001").is_some());
//! # Ok::<(), labelkit_plugin_host::PluginError>(())
//! ```
//!
//! Failures:
//! - a plugin that cannot be loaded is a [`PluginError`] naming the library
//!   and what was expected (the CLI reports it as a usage error);
//! - a plugin that fails while checking (an error status, a panic caught by
//!   the SDK, invalid JSON, an undeclared code, an unknown id) becomes an
//!   `L001 plugin-failed` finding, and the run goes on. After
//!   [`MAX_FAILURES_PER_SESSION`] failures in one check the plugin is not
//!   called again until the next check;
//! - every output buffer is checked before it is read: a null pointer with
//!   a non-zero length, or more than [`MAX_OUTPUT_BYTES`] (64 MiB) in one
//!   call, is refused (and still given back to the plugin's `free_buffer`)
//!   with an `L001` finding; past [`MAX_FINDINGS_PER_SESSION`] (100,000)
//!   findings in one check the rest are counted, left out and reported in
//!   an `L001` finding, and the plugin is not called again in that check.
//!
//! Native code cannot be sandboxed or timed out: a plugin that crashes,
//! loops or corrupts memory takes the process with it. Load only libraries
//! you trust; libraries are never unloaded.
#![allow(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod external;
pub mod host;
mod plugin;
mod wire;

use std::path::Path;

pub use error::PluginError;
pub use plugin::{
    load_plugin, Plugin, PluginFinding, MAX_FAILURES_PER_SESSION, MAX_FINDINGS_PER_SESSION,
    MAX_OUTPUT_BYTES, PLUGIN_FAILED, RESERVED_FAMILIES,
};
pub use wire::{Manifest, RuleDoc, WireSeverity};

/// Loads the plugin at `path` and adds its rules to `registry`.
///
/// # Errors
/// The plugin cannot be loaded (see [`load_plugin`]) or the registry
/// refuses it (its prefix overlaps another plugin's, a rule name is taken).
pub fn register(registry: &mut labelkit_rules::Registry, path: &Path) -> Result<(), PluginError> {
    let plugin = load_plugin(path)?;
    registry
        .add_external(Box::new(plugin))
        .map_err(|e| PluginError::Registry {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}
