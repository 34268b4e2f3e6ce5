//! Accepted findings.
//!
//! JSON and XML cannot carry suppression comments, so findings that a team
//! has reviewed and accepted are recorded in a baseline file and left out
//! of later checks. The file is JSON:
//!
//! ```json
//! {
//!   "version": 1,
//!   "findings": [
//!     {"code": "G004", "path": "ann/train.xml", "image": 12, "annotation": 345},
//!     {"code": "F002", "path": "labels/a.txt", "fingerprint": "9f1c0e2a77b3d4c1"}
//!   ]
//! }
//! ```
//!
//! A finding matches an entry when code and path are equal and either the
//! image and annotation ids are equal (findings about images and
//! annotations), or, for a finding that names neither, the fingerprint is
//! equal: a 64-bit FNV-1a hash of the trimmed text of the source line the
//! finding points at, else of its message. Ids and line text survive edits
//! elsewhere in the file, where line numbers would not. Each entry accepts
//! one finding; entries are written sorted, so the file diffs well.

use std::path::Path;

use labelkit_diagnostics::{diagnostic_path, Diagnostic, SourceMap};
use serde::{Deserialize, Serialize};

/// The baseline format version.
pub const BASELINE_VERSION: u32 = 1;

/// A baseline that cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineError {
    /// Reading or writing failed.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What happened.
        message: String,
    },
    /// The file is not a baseline.
    #[error("{path}:{line}:{column}: invalid baseline: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was expected.
        message: String,
    },
    /// Writing the baseline would replace a file that is not a baseline.
    #[error(
        "refusing to write the baseline over {path}: it exists and is not a labelkit baseline"
    )]
    NotABaseline {
        /// The file.
        path: String,
    },
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// The code.
    pub code: String,
    /// The file, as shown in diagnostics, with `/` separators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The image id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<u64>,
    /// The annotation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation: Option<u64>,
    /// For findings without ids: hash of the line text or message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<BaselineEntry>,
}

/// A set of accepted findings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Baseline {
    entries: Vec<BaselineEntry>,
}

fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The baseline entry a diagnostic would have.
#[must_use]
pub fn entry_of(d: &Diagnostic, sources: &SourceMap) -> BaselineEntry {
    let path = diagnostic_path(d, sources).map(|p| p.to_string_lossy().replace('\\', "/"));
    let fingerprint = (d.image.is_none() && d.annotation.is_none()).then(|| {
        let line = d.primary.as_ref().and_then(|l| {
            let file = sources.get(l.file)?;
            let text = file.text();
            if text.is_empty() {
                return None;
            }
            let lc = file.line_col(l.span.start);
            let (start, end) = file.line_index().line_range(text, lc.line);
            text.get(start..end).map(<[u8]>::trim_ascii)
        });
        fnv1a(line.unwrap_or(d.message.as_bytes()))
    });
    BaselineEntry {
        code: d.code.clone(),
        path,
        image: d.image,
        annotation: d.annotation,
        fingerprint,
    }
}

impl Baseline {
    /// A baseline accepting every given finding.
    #[must_use]
    pub fn from_diagnostics(diagnostics: &[Diagnostic], sources: &SourceMap) -> Self {
        let mut entries: Vec<BaselineEntry> =
            diagnostics.iter().map(|d| entry_of(d, sources)).collect();
        entries.sort();
        Self { entries }
    }

    /// The accepted findings, sorted.
    #[must_use]
    pub fn entries(&self) -> &[BaselineEntry] {
        &self.entries
    }

    /// Number of accepted findings.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is accepted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parses baseline JSON; `path` is used in errors.
    ///
    /// # Errors
    /// Invalid JSON or an unknown version.
    pub fn from_json(text: &str, path: &Path) -> Result<Self, BaselineError> {
        Self::from_parsed(serde_json::from_str(text), path)
    }

    /// The baseline of a parse result, or the error naming `path`.
    fn from_parsed(
        parsed: Result<BaselineFile, serde_json::Error>,
        path: &Path,
    ) -> Result<Self, BaselineError> {
        let file = parsed.map_err(|e| BaselineError::Invalid {
            path: path.display().to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if file.version != BASELINE_VERSION {
            return Err(BaselineError::Invalid {
                path: path.display().to_string(),
                line: 1,
                column: 1,
                message: format!(
                    "version {} is not supported, expected {BASELINE_VERSION}",
                    file.version
                ),
            });
        }
        let mut entries = file.findings;
        entries.sort();
        Ok(Self { entries })
    }

    /// Reads a baseline file.
    ///
    /// # Errors
    /// The file cannot be read or is invalid.
    pub fn load(path: &Path) -> Result<Self, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|e| BaselineError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Self::from_json(&text, path)
    }

    /// The baseline as pretty JSON, entries sorted, with a final newline.
    #[must_use]
    pub fn to_json(&self) -> String {
        let file = BaselineFile {
            version: BASELINE_VERSION,
            findings: self.entries.clone(),
        };
        let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Whether a baseline may be written at `path`: nothing is there, or a
    /// regular file (symlinks followed) that reads as a baseline
    /// ([`Baseline::load`]). Anything else (an image, a configuration, a
    /// label file, a folder, a FIFO, a dangling symlink) is never
    /// replaced. Reads only as far as needed to tell: a file that is not a
    /// baseline stops the parse at its first unexpected byte or key, and a
    /// file that is not regular is not opened.
    ///
    /// # Errors
    /// [`BaselineError::NotABaseline`].
    pub fn check_replaceable(path: &Path) -> Result<(), BaselineError> {
        if std::fs::symlink_metadata(path).is_err() {
            return Ok(());
        }
        let refuse = || BaselineError::NotABaseline {
            path: path.display().to_string(),
        };
        if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
            return Err(refuse());
        }
        let file = std::fs::File::open(path).map_err(|_| refuse())?;
        let parsed = serde_json::from_reader(std::io::BufReader::new(file));
        Self::from_parsed(parsed, path)
            .map(|_| ())
            .map_err(|_| refuse())
    }

    /// Writes the baseline atomically, never over a file that is not a
    /// baseline ([`Baseline::check_replaceable`]).
    ///
    /// # Errors
    /// [`BaselineError::NotABaseline`], or the file cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), BaselineError> {
        Self::check_replaceable(path)?;
        labelkit_diagnostics::output::write_atomic(path, self.to_json().as_bytes()).map_err(|e| {
            BaselineError::Io {
                path: path.display().to_string(),
                message: e.to_string(),
            }
        })
    }

    /// Removes the accepted findings; each entry accepts one finding. The
    /// order of the remaining findings is kept.
    #[must_use]
    pub fn filter(&self, diagnostics: Vec<Diagnostic>, sources: &SourceMap) -> Vec<Diagnostic> {
        let mut used = vec![false; self.entries.len()];
        diagnostics
            .into_iter()
            .filter(|d| {
                let entry = entry_of(d, sources);
                let start = self.entries.partition_point(|e| e < &entry);
                let mut i = start;
                while let Some(e) = self.entries.get(i) {
                    if e != &entry {
                        break;
                    }
                    if let Some(slot) = used.get_mut(i) {
                        if !*slot {
                            *slot = true;
                            return false;
                        }
                    }
                    i += 1;
                }
                true
            })
            .collect()
    }
}
