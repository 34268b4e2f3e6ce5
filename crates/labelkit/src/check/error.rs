//! What can stop a check.

use std::path::PathBuf;

use labelkit_diagnostics::output::OutputError;
use labelkit_rules::{BaselineError, ConfigError};

#[cfg(doc)]
use super::{CheckRequest, PluginTrust};
use crate::Error;

/// What can stop a check (findings never do: they are the outcome).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// A path could not be looked at or read, its format recognised, or a
    /// video's tracks expanded.
    #[error(transparent)]
    Read(#[from] Error),
    /// A file named in the request is not an annotation file
    /// ([`Error::Undetected`]); [`CheckRequest::skip_other_files`] skips
    /// such files instead.
    #[error(transparent)]
    NotAnnotation(Error),
    /// The configuration file could not be read.
    #[error("reading the configuration {}: {error}", path.display())]
    ReadConfig {
        /// The file.
        path: PathBuf,
        /// The error, stated in the message.
        error: std::io::Error,
    },
    /// The configuration file is not UTF-8.
    #[error("reading the configuration {}: not UTF-8: {error}", path.display())]
    ConfigNotUtf8 {
        /// The file.
        path: PathBuf,
        /// Where the text stops being UTF-8.
        error: std::str::Utf8Error,
    },
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A `[plugins.<name>]` table of the configuration has no `path`.
    #[error("[plugins.{name}] in the configuration has no `path`")]
    PluginWithoutPath {
        /// The table's name.
        name: String,
    },
    /// The [`PluginTrust`] refused the plugins of a configuration found by
    /// walking up.
    #[error(transparent)]
    Untrusted(Box<dyn std::error::Error + Send + Sync>),
    /// A plugin library could not be loaded.
    #[error(transparent)]
    Plugin(#[from] labelkit_plugin_host::PluginError),
    /// The baseline to write ([`CheckRequest::write_baseline`]) would go
    /// over or into an input, or over a file that is not a baseline.
    #[error("refusing to write the baseline {}", path.display())]
    BaselineRefused {
        /// The baseline file.
        path: PathBuf,
        /// Why.
        #[source]
        reason: BaselineRefusal,
    },
    /// The baseline could not be written.
    #[error("writing the baseline {}", path.display())]
    WriteBaseline {
        /// The baseline file.
        path: PathBuf,
        /// Why.
        #[source]
        error: BaselineError,
    },
    /// The baseline to apply ([`CheckRequest::baseline`]) could not be
    /// read.
    #[error("reading the baseline {}", path.display())]
    ReadBaseline {
        /// The baseline file.
        path: PathBuf,
        /// Why.
        #[source]
        error: BaselineError,
    },
}

/// Why a baseline output is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineRefusal {
    /// It would be, replace or go into an input, a file read or the
    /// dataset's label and image folders.
    #[error(transparent)]
    Guarded(#[from] OutputError),
    /// It exists and is not a baseline.
    #[error(transparent)]
    NotABaseline(#[from] BaselineError),
}
