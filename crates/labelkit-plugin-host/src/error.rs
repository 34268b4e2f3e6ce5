//! Why a plugin could not be loaded or called.

use std::path::PathBuf;

/// Why a plugin library could not be loaded, or a call into it failed.
///
/// Every message names the library's path and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The file does not exist.
    #[error("plugin library {path} does not exist: expected a shared library (.so, .dylib or .dll) built as a labelkit plugin")]
    NotFound {
        /// The library.
        path: PathBuf,
    },
    /// The dynamic loader refused the file.
    #[error("cannot load plugin library {path}: {message}")]
    Open {
        /// The library.
        path: PathBuf,
        /// The loader's message.
        message: String,
    },
    /// The library exports no `labelkit_plugin_v1`.
    #[error("{path} is not a labelkit plugin for ABI major {expected}: it exports no `{symbol}` symbol{}", found_other(*found))]
    MissingEntry {
        /// The library.
        path: PathBuf,
        /// The symbol looked for.
        symbol: String,
        /// The major this host supports.
        expected: u32,
        /// The major of another entry symbol the library exports, if any.
        found: Option<u32>,
    },
    /// The entry function returned a null table.
    #[error("{path}: `labelkit_plugin_v1` returned a null table: expected a pointer to a static LkPluginV1")]
    NullTable {
        /// The library.
        path: PathBuf,
    },
    /// The table's minor version is outside the supported range.
    #[error("{path}: plugin ABI version 1.{found} is not supported: this labelkit supports 1.{min} to 1.{max}")]
    UnsupportedMinor {
        /// The library.
        path: PathBuf,
        /// The plugin's minor.
        found: u32,
        /// Oldest supported minor.
        min: u32,
        /// Newest supported minor.
        max: u32,
    },
    /// The table is smaller than its minor version requires.
    #[error("{path}: the plugin table is {found} bytes: expected at least {expected} bytes for ABI 1.{minor}")]
    TableTooSmall {
        /// The library.
        path: PathBuf,
        /// The declared `struct_size`.
        found: u32,
        /// The size required.
        expected: usize,
        /// The plugin's minor.
        minor: u32,
    },
    /// A required function of the table is null.
    #[error("{path}: the plugin table has no `{function}` function: expected every function of ABI 1.{minor}")]
    MissingFunction {
        /// The library.
        path: PathBuf,
        /// The function's field name.
        function: &'static str,
        /// The plugin's minor.
        minor: u32,
    },
    /// A plugin function returned an error status or panicked.
    #[error("{path}: `{function}` {}: {message}", failed_how(*panicked))]
    Failed {
        /// The library.
        path: PathBuf,
        /// The function's field name.
        function: &'static str,
        /// Whether the plugin reported a panic.
        panicked: bool,
        /// The plugin's message.
        message: String,
    },
    /// A plugin function returned something that is not the JSON expected.
    #[error("{path}: `{function}` returned invalid JSON: {message}; expected {expected}")]
    InvalidJson {
        /// The library.
        path: PathBuf,
        /// The function's field name.
        function: &'static str,
        /// What serde_json said.
        message: String,
        /// The document expected.
        expected: &'static str,
    },
    /// The manifest is well-formed JSON but breaks a rule.
    #[error("{path}: invalid plugin manifest: {message}")]
    InvalidManifest {
        /// The library.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The plugin's code prefix collides with built-in codes.
    #[error("{path}: plugin `{plugin}` declares code prefix `{prefix}`, which collides with the built-in {family} codes: a plugin prefix must not start with {reserved}")]
    PrefixCollision {
        /// The library.
        path: PathBuf,
        /// The plugin's name.
        plugin: String,
        /// Its prefix.
        prefix: String,
        /// The built-in family it collides with.
        family: String,
        /// The reserved first letters, in words.
        reserved: String,
    },
    /// The rule registry refused the plugin (for example a prefix already
    /// taken by another plugin).
    #[error("{path}: {message}")]
    Registry {
        /// The library.
        path: PathBuf,
        /// The registry's message.
        message: String,
    },
    /// A plugin function returned an output buffer the host refuses to
    /// read: a null pointer with a non-zero length, or more bytes than
    /// [`crate::MAX_OUTPUT_BYTES`]. The buffer is still given back to the
    /// plugin's `free_buffer`.
    #[error("{path}: `{function}` returned {problem}: its output is refused")]
    InvalidOutput {
        /// The library.
        path: PathBuf,
        /// The function's field name.
        function: &'static str,
        /// What is wrong with the buffer, with the limit it broke.
        problem: String,
    },
    /// A plugin returned more findings in one check than
    /// [`crate::MAX_FINDINGS_PER_SESSION`].
    #[error("{path}: plugin `{plugin}`: `{function}` returned findings beyond the limit of {limit} findings per check: {dropped} were left out, and the plugin is not called again in this check")]
    TooManyFindings {
        /// The library.
        path: PathBuf,
        /// The plugin's name.
        plugin: String,
        /// The function's field name.
        function: &'static str,
        /// The limit.
        limit: usize,
        /// How many findings of the call were left out.
        dropped: usize,
    },
    /// A call was made out of order (no open session).
    #[error("{path}: `{function}` called without an open session: call begin first")]
    NoSession {
        /// The library.
        path: PathBuf,
        /// The function's field name.
        function: &'static str,
    },
}

fn found_other(found: Option<u32>) -> String {
    match found {
        Some(major) => format!(
            "; it exports `labelkit_plugin_v{major}`, so it was built for ABI major {major}: rebuild it against this labelkit's plugin SDK"
        ),
        None => String::new(),
    }
}

fn failed_how(panicked: bool) -> &'static str {
    if panicked {
        "panicked"
    } else {
        "failed"
    }
}
