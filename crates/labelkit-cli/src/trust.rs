//! Which configurations may load plugins: `labelkit trust` and the check
//! made before a plugin named by a discovered `labelkit.toml` is loaded.
//!
//! A plugin is native code, and a `labelkit.toml` found by walking up from
//! the checked path may come with a dataset from a stranger. Its plugins are
//! loaded only when the user opted in: `--config FILE` names the file on the
//! command line, and `labelkit trust PATH` records it in a per-user trust
//! list (like direnv's `allow`) with the SHA-256 of its bytes and of every
//! plugin library it names. A changed file or library is no longer trusted.
//!
//! The list is a TOML file: `$LABELKIT_TRUST_FILE`, else
//! `$XDG_DATA_HOME/labelkit/trusted.toml`, else
//! `~/.local/share/labelkit/trusted.toml`; it is rewritten atomically.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};
use labelkit::check::PluginTrust;
use labelkit::rules::Config;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::args::TrustArgs;
use crate::out::Ui;

/// The environment variable naming the trust list.
pub(crate) const TRUST_FILE_ENV: &str = "LABELKIT_TRUST_FILE";

/// The trust list as stored.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustList {
    #[serde(default)]
    trusted: Vec<Entry>,
}

/// One trusted configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    /// The configuration's canonical path.
    config: String,
    /// The SHA-256 of its bytes, in hex.
    sha256: String,
    /// Each plugin library it names: canonical path -> SHA-256 in hex.
    #[serde(default)]
    plugins: BTreeMap<String, String>,
}

/// A configuration file and the plugin libraries it names, as they are now.
#[derive(Debug)]
pub(crate) struct Fingerprint {
    /// The configuration's canonical path.
    config: PathBuf,
    sha256: String,
    /// The libraries, in the configuration's order of names.
    pub(crate) libraries: Vec<Library>,
}

/// A plugin library named by a configuration.
#[derive(Debug)]
pub(crate) struct Library {
    /// The `[plugins.<name>]` table's name.
    pub(crate) name: String,
    /// The library: canonical when it exists.
    pub(crate) path: PathBuf,
    /// The SHA-256 of its bytes; `None` when it cannot be read.
    sha256: Option<String>,
}

impl Library {
    /// `\n  plugin `name`: path`, as messages list libraries.
    fn line(&self) -> String {
        format!("\n  plugin `{}`: {}", self.name, self.path.display())
    }
}

/// SHA-256 in lower-case hex.
fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// The fingerprint of the configuration at `path` with content `bytes`
/// (read once by the caller, so that what is hashed is what is used), read
/// as `config`. Plugin libraries are resolved against the folder of the
/// configuration's canonical path, so a symbolic link named `labelkit.toml`
/// cannot point a trusted file's relative paths at other libraries.
pub(crate) fn fingerprint(
    path: &Path,
    bytes: &[u8],
    config: &Config,
) -> anyhow::Result<Fingerprint> {
    let canonical = std::fs::canonicalize(path)
        .with_context(|| format!("resolving the configuration {}", path.display()))?;
    let base = canonical.parent().unwrap_or(Path::new("/"));
    let libraries = labelkit::check::plugin_libraries(config, base)?
        .into_iter()
        .map(|(name, path)| {
            let path = std::fs::canonicalize(&path).unwrap_or(path);
            let sha256 = std::fs::read(&path).ok().map(|b| sha256_hex(&b));
            Library { name, path, sha256 }
        })
        .collect();
    Ok(Fingerprint {
        config: canonical,
        sha256: sha256_hex(bytes),
        libraries,
    })
}

/// The command's [`PluginTrust`]: the plugins of a configuration found by
/// walking up are loaded when the user's trust list holds it and its
/// libraries as they are now (their canonical paths); otherwise the run is
/// refused with the message of [`require`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct UserTrust;

impl PluginTrust for UserTrust {
    fn libraries(
        &self,
        file: &Path,
        bytes: &[u8],
        config: &Config,
        start: &Path,
    ) -> Result<Vec<PathBuf>, Box<dyn std::error::Error + Send + Sync>> {
        let fingerprint = fingerprint(file, bytes, config)?;
        require(&fingerprint, start)?;
        Ok(fingerprint.libraries.into_iter().map(|l| l.path).collect())
    }
}

/// Where the trust list lives.
///
/// # Errors
/// None of `$LABELKIT_TRUST_FILE`, `$XDG_DATA_HOME` and `$HOME` is set.
fn trust_file() -> anyhow::Result<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(file) = var(TRUST_FILE_ENV) {
        return Ok(PathBuf::from(file));
    }
    if let Some(dir) = var("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute())
    {
        return Ok(dir.join("labelkit/trusted.toml"));
    }
    if let Some(home) = var("HOME").map(PathBuf::from) {
        return Ok(home.join(".local/share/labelkit/trusted.toml"));
    }
    if let Some(dir) = var("APPDATA").map(PathBuf::from) {
        return Ok(dir.join("labelkit/trusted.toml"));
    }
    bail!("cannot tell where the trust list is: set {TRUST_FILE_ENV}, XDG_DATA_HOME or HOME")
}

impl TrustList {
    /// Reads the list; a missing file is an empty list.
    fn load(file: &Path) -> anyhow::Result<Self> {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(anyhow!("reading the trust list {}: {e}", file.display())),
        };
        toml::from_str(&text).map_err(|e| {
            anyhow!(
                "{}: invalid trust list: {}; `labelkit trust` writes it ({TRUST_FILE_ENV} names another)",
                file.display(),
                e.message()
            )
        })
    }

    /// Writes the list atomically (a temporary file renamed into place).
    fn save(&self, file: &Path) -> anyhow::Result<()> {
        let mut text = String::from(
            "# Configurations whose plugins labelkit may load, written by `labelkit trust`.\n\
             # A configuration or plugin library whose SHA-256 changed is no longer trusted.\n\n",
        );
        text.push_str(&toml::to_string(self).context("writing the trust list")?);
        labelkit::diagnostics::output::write_atomic(file, text.as_bytes())
            .map_err(|e| anyhow!("writing the trust list {}: {e}", file.display()))
    }

    fn entry(&self, config: &Path) -> Option<&Entry> {
        let key = config.to_string_lossy();
        self.trusted.iter().find(|e| e.config == key)
    }
}

/// Why a discovered configuration's plugins are not loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// It is not in the trust list.
    Unknown,
    /// Its bytes changed since it was trusted.
    Changed,
    /// A plugin library changed, appeared or went since it was trusted.
    LibraryChanged,
}

/// Whether `fp` is in `list` as it is now; the names of changed libraries.
fn verdict(list: &TrustList, fp: &Fingerprint) -> Result<(), (Refusal, Vec<String>)> {
    let Some(entry) = list.entry(&fp.config) else {
        return Err((Refusal::Unknown, Vec::new()));
    };
    if entry.sha256 != fp.sha256 {
        return Err((Refusal::Changed, Vec::new()));
    }
    let changed: Vec<String> = fp
        .libraries
        .iter()
        .filter(|l| {
            let recorded = entry.plugins.get(&*l.path.to_string_lossy());
            l.sha256.is_none() || recorded != l.sha256.as_ref()
        })
        .map(|l| l.name.clone())
        .collect();
    if changed.is_empty() {
        Ok(())
    } else {
        Err((Refusal::LibraryChanged, changed))
    }
}

/// Succeeds when the user trusted `fp` (a configuration found by walking up
/// from `start` that names plugins) as it is now; otherwise the refusal,
/// naming each plugin and how to opt in.
pub(crate) fn require(fp: &Fingerprint, start: &Path) -> anyhow::Result<()> {
    let list = match trust_file() {
        Ok(file) => TrustList::load(&file)?,
        Err(_) => TrustList::default(),
    };
    let Err((refusal, changed)) = verdict(&list, fp) else {
        return Ok(());
    };
    let config = fp.config.display();
    let reason = match refusal {
        Refusal::Unknown => "it is not trusted",
        Refusal::Changed => "it has changed since it was trusted",
        Refusal::LibraryChanged => "a plugin library has changed since it was trusted",
    };
    let mut message = format!(
        "refusing to load the plugins of {config} (found by walking up from {}): {reason}, and a plugin is native code that runs with your rights",
        start.display()
    );
    for library in &fp.libraries {
        message.push_str(&library.line());
        if library.sha256.is_none() {
            message.push_str(" (cannot be read)");
        } else if changed.contains(&library.name) {
            message.push_str(" (changed since it was trusted)");
        }
    }
    let _ = write!(
        message,
        "\nIf you trust this file and these libraries, run `labelkit trust {config}` \
         (again after any change), or pass `--config {config}`; `--plugin PATH` loads one \
         library. Stopped before reading any data."
    );
    Err(anyhow!(message))
}

/// The `labelkit.toml` a `trust` argument names: the file, or the one in
/// the folder.
fn config_file(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(labelkit::rules::CONFIG_FILE_NAME)
    } else {
        path.to_path_buf()
    }
}

/// `labelkit trust`.
pub(crate) fn run(ui: &Ui, args: &TrustArgs) -> anyhow::Result<u8> {
    let file = trust_file()?;
    let mut list = TrustList::load(&file)?;
    if args.list {
        ui.print(&listing(&list))
            .context("writing the trust list")?;
        return Ok(0);
    }
    let path = config_file(args.path.as_deref().unwrap_or(Path::new(".")));
    if args.revoke {
        let key = std::fs::canonicalize(&path)
            .or_else(|_| std::path::absolute(&path))
            .unwrap_or_else(|_| path.clone());
        let key = key.to_string_lossy();
        let before = list.trusted.len();
        list.trusted.retain(|e| e.config != key);
        if list.trusted.len() == before {
            ui.note(&format!("labelkit: {key} was not trusted"));
        } else {
            list.save(&file)?;
            ui.note(&format!("labelkit: {key} is no longer trusted"));
        }
        return Ok(0);
    }
    if !path.is_file() {
        bail!(
            "{}: no configuration file: expected a labelkit.toml or a folder holding one",
            path.display()
        );
    }
    let bytes = std::fs::read(&path)
        .with_context(|| format!("reading the configuration {}", path.display()))?;
    let text =
        std::str::from_utf8(&bytes).map_err(|e| anyhow!("{}: not UTF-8: {e}", path.display()))?;
    let config = Config::from_toml_str(text, &path)?;
    let fp = fingerprint(&path, &bytes, &config)?;
    let config_key = fp
        .config
        .to_str()
        .ok_or_else(|| {
            anyhow!(
                "{}: a path that is not UTF-8 cannot be recorded",
                fp.config.display()
            )
        })?
        .to_owned();
    let mut plugins = BTreeMap::new();
    for library in &fp.libraries {
        let Some(sha256) = &library.sha256 else {
            bail!(
                "{}: plugin `{}`: {} cannot be read: build or fetch it, then trust the configuration",
                fp.config.display(),
                library.name,
                library.path.display()
            );
        };
        let key = library.path.to_str().ok_or_else(|| {
            anyhow!(
                "{}: a path that is not UTF-8 cannot be recorded",
                library.path.display()
            )
        })?;
        plugins.insert(key.to_owned(), sha256.clone());
    }
    list.trusted.retain(|e| e.config != config_key);
    list.trusted.push(Entry {
        config: config_key,
        sha256: fp.sha256.clone(),
        plugins,
    });
    list.trusted.sort_by(|a, b| a.config.cmp(&b.config));
    list.save(&file)?;
    let mut note = format!(
        "labelkit: trusted {} (sha256 {})",
        fp.config.display(),
        fp.sha256
    );
    if fp.libraries.is_empty() {
        note.push_str("; it names no plugin");
    }
    for library in &fp.libraries {
        note.push_str(&library.line());
    }
    ui.note(&note);
    Ok(0)
}

/// `labelkit trust --list`: each trusted configuration, whether it is still
/// as trusted, and its plugin libraries.
fn listing(list: &TrustList) -> String {
    let mut out = String::new();
    for entry in &list.trusted {
        let state = match std::fs::read(&entry.config) {
            Ok(bytes) if sha256_hex(&bytes) == entry.sha256 => "trusted",
            Ok(_) => "changed since trusted",
            Err(_) => "missing",
        };
        let _ = writeln!(out, "{} ({state})", entry.config);
        for (library, sha256) in &entry.plugins {
            let state = match std::fs::read(library) {
                Ok(bytes) if sha256_hex(&bytes) == *sha256 => "",
                Ok(_) => " (changed since trusted)",
                Err(_) => " (missing)",
            };
            let _ = writeln!(out, "  plugin {library}{state}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_known_digests() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn verdict_follows_the_bytes_of_the_file_and_its_libraries() {
        let fp = Fingerprint {
            config: PathBuf::from("/d/labelkit.toml"),
            sha256: "aa".to_owned(),
            libraries: vec![Library {
                name: "x".to_owned(),
                path: PathBuf::from("/d/x.so"),
                sha256: Some("bb".to_owned()),
            }],
        };
        let mut list = TrustList::default();
        assert_eq!(verdict(&list, &fp), Err((Refusal::Unknown, vec![])));
        list.trusted.push(Entry {
            config: "/d/labelkit.toml".to_owned(),
            sha256: "aa".to_owned(),
            plugins: BTreeMap::from([("/d/x.so".to_owned(), "bb".to_owned())]),
        });
        assert_eq!(verdict(&list, &fp), Ok(()));
        list.trusted[0]
            .plugins
            .insert("/d/x.so".to_owned(), "cc".to_owned());
        assert_eq!(
            verdict(&list, &fp),
            Err((Refusal::LibraryChanged, vec!["x".to_owned()]))
        );
        list.trusted[0].sha256 = "ab".to_owned();
        assert_eq!(verdict(&list, &fp), Err((Refusal::Changed, vec![])));
    }
}
