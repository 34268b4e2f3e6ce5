//! The configuration of a check (named, found by walking up, or the
//! defaults) and the rules it brings: built-in, and plugins, those of a
//! configuration found by walking up only through a [`PluginTrust`].

use std::path::{Path, PathBuf};

use labelkit_rules::{Config, Registry};

use super::CheckError;
#[cfg(doc)]
use super::CheckRequest;

/// Decides whether the plugins of a configuration found by walking up (not
/// named by the caller) may be loaded; see [`CheckRequest::trust`].
pub trait PluginTrust {
    /// The plugin libraries to load for the configuration `config` read
    /// from `file` (whose bytes, as parsed, are `bytes`), found by walking
    /// up from `start`; it names plugins. An error refuses the whole run,
    /// before any data is read.
    ///
    /// # Errors
    /// The configuration or its libraries are not trusted.
    fn libraries(
        &self,
        file: &Path,
        bytes: &[u8],
        config: &Config,
        start: &Path,
    ) -> Result<Vec<PathBuf>, Box<dyn std::error::Error + Send + Sync>>;
}

/// The default [`PluginTrust`]: the plugins of a configuration found by
/// walking up are never loaded, and the run is refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct RefuseDiscoveredPlugins;

impl PluginTrust for RefuseDiscoveredPlugins {
    fn libraries(
        &self,
        file: &Path,
        _bytes: &[u8],
        _config: &Config,
        start: &Path,
    ) -> Result<Vec<PathBuf>, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!(
            "refusing to load the plugins of {} (found by walking up from {}): a plugin is \
             native code, and a configuration found by walking up may come with a dataset \
             from anyone; name the configuration or the libraries to load them",
            file.display(),
            start.display()
        )
        .into())
    }
}

/// A configuration and where it came from, which decides whether its
/// plugins may be loaded.
#[derive(Debug)]
pub struct LoadedConfig {
    /// The configuration.
    pub config: Config,
    origin: ConfigOrigin,
}

/// Where a [`LoadedConfig`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigOrigin {
    /// No file: the defaults.
    Defaults,
    /// A file the caller named.
    Explicit,
    /// Found by walking up from `start`: its plugins need trust.
    Discovered {
        /// Where the walk started.
        start: PathBuf,
        /// The file found, absolute.
        file: PathBuf,
        /// The bytes read and parsed (for a trust check on exactly them).
        bytes: Vec<u8>,
    },
}

impl LoadedConfig {
    /// The configuration: `explicit`, else `labelkit.toml` found by
    /// walking up from `start` ([`Config::find`]), else the defaults. A
    /// file found is read once: the bytes parsed are the bytes a
    /// [`PluginTrust`] sees.
    ///
    /// # Errors
    /// The file cannot be read, is not UTF-8, or is not a valid
    /// configuration.
    pub fn load(explicit: Option<&Path>, start: &Path) -> Result<Self, CheckError> {
        if let Some(file) = explicit {
            let text = std::fs::read_to_string(file).map_err(|error| CheckError::ReadConfig {
                path: file.to_path_buf(),
                error,
            })?;
            return Ok(Self {
                config: Config::from_toml_str(&text, file)?,
                origin: ConfigOrigin::Explicit,
            });
        }
        let Some(file) = Config::find(start) else {
            return Ok(Self {
                config: Config::default(),
                origin: ConfigOrigin::Defaults,
            });
        };
        // Read once: the bytes parsed are the bytes a trust check sees.
        let bytes = std::fs::read(&file).map_err(|error| CheckError::ReadConfig {
            path: file.clone(),
            error,
        })?;
        let text = std::str::from_utf8(&bytes).map_err(|error| CheckError::ConfigNotUtf8 {
            path: file.clone(),
            error,
        })?;
        let config = Config::from_toml_str(text, &file)?;
        Ok(Self {
            config,
            origin: ConfigOrigin::Discovered {
                start: start.to_path_buf(),
                file,
                bytes,
            },
        })
    }

    /// Where the configuration came from.
    #[must_use]
    pub fn origin(&self) -> &ConfigOrigin {
        &self.origin
    }

    /// The built-in rules and the plugins: the libraries `plugins`, and
    /// those of the configuration's `[plugins.<name>]` tables (`path = ...`,
    /// relative to the configuration file), which for a configuration
    /// found by walking up are the libraries `trust` allows.
    ///
    /// # Errors
    /// A plugin table without `path`, a refusal of `trust`, a library that
    /// cannot be loaded.
    pub fn registry(
        &self,
        plugins: &[PathBuf],
        trust: &dyn PluginTrust,
    ) -> Result<Registry, CheckError> {
        let config = &self.config;
        let mut libraries: Vec<PathBuf> = plugins.to_vec();
        match &self.origin {
            ConfigOrigin::Discovered { start, file, bytes } if !config.plugins.is_empty() => {
                libraries.extend(
                    trust
                        .libraries(file, bytes, config, start)
                        .map_err(CheckError::Untrusted)?,
                );
            }
            ConfigOrigin::Defaults | ConfigOrigin::Explicit | ConfigOrigin::Discovered { .. } => {
                let base = config
                    .path
                    .as_deref()
                    .and_then(Path::parent)
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                libraries.extend(
                    plugin_libraries(config, &base)?
                        .into_iter()
                        .map(|(_, path)| path),
                );
            }
        }
        let mut registry = Registry::builtin();
        for library in &libraries {
            labelkit_plugin_host::register(&mut registry, library)?;
        }
        Ok(registry)
    }
}

/// The libraries of the `[plugins.<name>]` tables of `config` (`path =
/// ...`, relative to `base`), by name, in the configuration's order.
///
/// # Errors
/// A table without a `path` string.
pub fn plugin_libraries(
    config: &Config,
    base: &Path,
) -> Result<Vec<(String, PathBuf)>, CheckError> {
    config
        .plugins
        .iter()
        .map(|(name, table)| {
            let path = table
                .get("path")
                .and_then(|p| p.as_str())
                .ok_or_else(|| CheckError::PluginWithoutPath { name: name.clone() })?;
            Ok((name.clone(), base.join(path)))
        })
        .collect()
}
