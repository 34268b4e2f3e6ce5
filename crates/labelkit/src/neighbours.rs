//! The label files beside a YOLO label file, read on a plugin's request.
//!
//! The pre-commit hook checks a changed label file alone; a plugin that
//! compares an image with others (a noise copy with its original) asks for
//! the files it needs through the host's `siblings` request, which
//! [`LabelFileNeighbours`] answers: it lists only the folder of the checked
//! label file, takes only `.txt` files whose stem matches the request, and
//! reads each through the YOLO reader (the same confinement to the dataset
//! as any read), at most the request's limit.

use std::path::{Path, PathBuf};

use labelkit_rules::{NeighbourQuery, Neighbourhood, Neighbours};

use crate::{Format, ReadOptions};

/// The most entries of the label folder looked at (the listing stops
/// there, and the answer says it is truncated).
pub const MAX_LISTED_ENTRIES: usize = 1_000_000;

/// The label files beside one YOLO label file (see the module docs).
#[derive(Debug, Clone)]
pub struct LabelFileNeighbours {
    label: PathBuf,
    format: Format,
    options: ReadOptions,
}

impl LabelFileNeighbours {
    /// The neighbours of the label file `label`, read as `format` with
    /// `options`.
    #[must_use]
    pub fn new(label: &Path, format: Format, options: ReadOptions) -> Self {
        Self {
            label: label.to_path_buf(),
            format,
            options,
        }
    }
}

/// `name` without its last extension (`a.png` -> `a`).
fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

impl Neighbours for LabelFileNeighbours {
    fn read(&self, _file_name: &str, query: &NeighbourQuery) -> Result<Neighbourhood, String> {
        let dir = self
            .label
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let own = self
            .label
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        let names: Vec<&str> = query.names.iter().map(|n| stem(n)).collect();
        let wanted = |s: &str| {
            names.contains(&s)
                || query
                    .prefixes
                    .iter()
                    .any(|p| !p.is_empty() && s.starts_with(p.as_str()))
        };
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let mut truncated = false;
        let mut found: Vec<PathBuf> = Vec::new();
        for (n, entry) in entries.enumerate() {
            if n >= MAX_LISTED_ENTRIES {
                truncated = true;
                break;
            }
            let Ok(entry) = entry else { continue };
            let path = entry.path();
            let is_txt = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("txt"));
            let Some(s) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if is_txt && own.as_deref() != Some(s) && wanted(s) {
                found.push(path);
            }
        }
        found.sort();
        if found.len() > query.limit {
            found.truncate(query.limit);
            truncated = true;
        }
        let mut datasets = Vec::with_capacity(found.len());
        for path in found {
            let loaded =
                crate::read(&path, Some(self.format), &self.options).map_err(|e| e.to_string())?;
            datasets.push(loaded.dataset);
        }
        Ok(Neighbourhood {
            datasets,
            truncated,
        })
    }
}
