//! The Ultralytics layout: a `data.yaml` whose `train`/`val`/`test` entries
//! name image folders, image lists or lists of these, with the label files
//! in the matching `labels` folders.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use labelkit_diagnostics::{Diagnostic, FileId, Loaded, ParseError, ReadIssue, SourceSpan};

use super::build;
use super::discovery::{has_ext, is_image};
use super::entries::{list_lines, resolve_listed, Collector, Entry};
use super::schema::{place_flip_idx, read_description, refuse_at, schema_from_yaml, Schema};
use crate::data_yaml::{self, key_span, DataYaml};
use crate::guard::Scope;
use crate::paths::{clean, img2label, rel_name};
use crate::{Error, ReadOptions};

/// Where a `train`/`val`/`test` entry points.
#[derive(Debug)]
pub(super) struct Resolved {
    /// The path, cleaned.
    pub(super) path: PathBuf,
    /// Whether it exists.
    pub(super) exists: bool,
    /// How it was found when not as written: the fallback that found it.
    pub(super) fallback: Option<Fallback>,
}

/// A fallback of [`resolve_entry`] that found a path the entry as written
/// does not name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fallback {
    /// A leading `../` dropped (as Ultralytics does).
    DotDot,
    /// `valid` and `val` tried for each other (labelkit only).
    ValidVal,
}

/// Where a `train`/`val`/`test` entry points, relative to the dataset root
/// as Ultralytics resolves it, with the fallbacks for relative quirks: a
/// leading `../` is dropped when the path does not exist (as Ultralytics
/// does: Roboflow writes `train: ../train/images` beside `train/`), and
/// `valid`/`val` are tried for each other (labelkit's own, said when used).
pub(super) fn resolve_entry(root: &Path, entry: &str) -> Resolved {
    let mut candidates = vec![(root.join(entry), None)];
    if let Some(rest) = entry.strip_prefix("../") {
        candidates.push((root.join(rest), Some(Fallback::DotDot)));
    }
    let swapped: Vec<(PathBuf, Option<Fallback>)> = candidates
        .iter()
        .filter_map(|(c, _)| {
            let parts: Vec<String> = c
                .components()
                .map(|x| x.as_os_str().to_string_lossy().into_owned())
                .collect();
            let i = parts.iter().rposition(|p| p == "valid" || p == "val")?;
            let mut parts = parts;
            parts[i] = if parts[i] == "valid" {
                "val".into()
            } else {
                "valid".into()
            };
            Some((parts.iter().collect(), Some(Fallback::ValidVal)))
        })
        .collect();
    candidates.extend(swapped);
    for (c, fallback) in &candidates {
        if c.exists() {
            return Resolved {
                path: clean(c),
                exists: true,
                fallback: *fallback,
            };
        }
    }
    Resolved {
        path: clean(&candidates[0].0),
        exists: false,
        fallback: None,
    }
}

/// The note that says which folder an entry was read from when it was not
/// the one written ([`resolve_entry`]'s fallbacks), at its key.
pub(super) fn fallback_note(
    key: &str,
    entry: &str,
    root: &Path,
    used: &Resolved,
    at: Option<SourceSpan>,
) -> Option<Diagnostic> {
    let why = match used.fallback? {
        Fallback::DotDot => {
            "as Ultralytics does, the leading `../` was dropped; Ultralytics reads the same folder"
        }
        Fallback::ValidVal => {
            "`valid` and `val` were tried for each other; Ultralytics does not, and will not find these images"
        }
    };
    let mut d = ReadIssue::Unsupported.in_file(
        root,
        format!(
            "`{key}: {entry}` names nothing in the dataset root {}; read `{}` instead ({why})",
            root.display(),
            rel_name(root, &used.path)
        ),
    );
    d.severity = labelkit_diagnostics::Severity::Info;
    if let Some(at) = at {
        d = d.at(at.file, at.span);
    }
    Some(d)
}

/// A `train`/`val`/`test` entry that names nothing, and the entries
/// collected while it was read (`before..after`).
pub(super) struct Missing<'a> {
    pub(super) key: &'a str,
    pub(super) entry: &'a str,
    pub(super) before: usize,
    pub(super) after: usize,
    pub(super) at: Option<SourceSpan>,
    pub(super) path: PathBuf,
}

/// The description a dataset was read from, for the positions of
/// refusals: its path, text and id in the source map.
pub(super) type Described<'a> = Option<(&'a Path, &'a str, FileId)>;

/// The entries of an Ultralytics dataset, and what the collection reported.
///
/// # Errors
/// A `train`/`val`/`test` entry of the description that resolves outside
/// the dataset folder (unless allowed), at the line of its key.
pub(super) fn collect_ultralytics(
    root: &Path,
    yaml: &DataYaml,
    scope: &Scope,
    described: Described<'_>,
    options: &ReadOptions,
) -> Result<(Vec<Entry>, Vec<Diagnostic>), Error> {
    let ld = options.labels_dir();
    let mut c = Collector::new(scope);
    let mut walked: HashSet<PathBuf> = HashSet::new();
    let mut missing: Vec<Missing<'_>> = Vec::new();
    for (subset, entries) in &yaml.subsets {
        let subset = (!subset.is_empty()).then_some(subset.as_str());
        for entry in entries {
            if let Some(m) = missing.last_mut() {
                m.after = m.after.min(c.entries.len());
            }
            let resolved = resolve_entry(root, entry);
            let key = subset.unwrap_or("train");
            let key_at = described.map(|(_, text, file)| SourceSpan {
                file,
                span: key_span(text, key),
            });
            c.walker
                .issues
                .extend(fallback_note(key, entry, root, &resolved, key_at));
            if !resolved.exists && described.is_some() && !walked.contains(&resolved.path) {
                // Said when nothing at all is found for the entry (a folder
                // named again, `val` as `train`, was said for the first).
                missing.push(Missing {
                    key,
                    entry,
                    before: c.entries.len(),
                    after: usize::MAX,
                    at: key_at,
                    path: resolved.path.clone(),
                });
            }
            let (path, exists) = (resolved.path, resolved.exists);
            if let (true, Some((cfg, text, _))) = (exists, described) {
                if let Err(m) = scope.check(&path) {
                    let key = subset.unwrap_or("train");
                    return Err(refuse_at(
                        cfg,
                        text,
                        key_span(text, key),
                        &format!("`{key}`: {m}"),
                    ));
                }
            }
            // A FIFO or device is a file here: reading it refuses it and
            // reports it (F011 for a list, F008 for an image).
            let file = exists && !path.is_dir();
            if file && has_ext(&path, "txt") {
                let list_dir = path.parent().unwrap_or(root).to_path_buf();
                let Some(text) = c.read_list(&path, key_at) else {
                    continue;
                };
                for (line, listed) in list_lines(&path, text) {
                    let image = resolve_listed(root, &list_dir, &line);
                    let label = img2label(&image, ld);
                    c.push(root, image, label, subset, Some(listed));
                }
            } else if file {
                let label = img2label(&path, ld);
                c.push(root, path, label, subset, None);
            } else {
                // A folder listed under two keys (`val: images/train` as
                // well as `train`) is walked once: its images belong to the
                // first key.
                if !walked.insert(path.clone()) {
                    continue;
                }
                for image in c.walk(&path, &is_image) {
                    let label = img2label(&image, ld);
                    c.push(root, image, label, subset, None);
                }
                let labels = img2label(&path.join("x"), ld);
                if let Some(dir) = labels.parent() {
                    if dir != path {
                        c.orphans(root, dir, subset, ld, false);
                    }
                }
            }
        }
    }
    // An entry that names nothing and for which no label file was found
    // either reads as no images at all: said, rather than silently empty.
    for m in missing {
        if m.after.min(c.entries.len()) > m.before {
            continue;
        }
        let mut d = ReadIssue::DanglingReference.in_file(
            &m.path,
            format!(
                "`{}: {}` names nothing in the dataset root {} and no label files were found for it: no images read for `{}` (Ultralytics refuses a split whose images are not found)",
                m.key,
                m.entry,
                root.display(),
                m.key
            ),
        );
        d.severity = labelkit_diagnostics::Severity::Warning;
        if let Some(at) = m.at {
            d = d.at(at.file, at.span);
        }
        c.walker.issues.push(d);
    }
    Ok((c.entries, c.walker.issues))
}

pub(super) fn read_ultralytics(yaml_path: &Path, options: &ReadOptions) -> Result<Loaded, Error> {
    let mut loaded = Loaded::default();
    let y = open_data_yaml(&mut loaded, yaml_path, options)?;
    let (entries, issues) = collect_ultralytics(
        &y.root,
        &y.yaml,
        &y.scope,
        Some((yaml_path, &y.text, y.file)),
        options,
    )?;
    loaded.issues.extend(issues);
    build(loaded, &y.schema, &entries, &y.scope, options)
}

/// A `data.yaml` read by [`open_data_yaml`].
pub(super) struct OpenedYaml {
    /// Its text.
    pub(super) text: String,
    /// Its id in the source map.
    pub(super) file: FileId,
    /// What it says.
    pub(super) yaml: DataYaml,
    /// The dataset root (its `path:`, or its folder).
    pub(super) root: PathBuf,
    /// The folder reads are confined to: its own.
    pub(super) scope: Scope,
    /// Its classes, keypoints and task, with their positions.
    pub(super) schema: Schema,
}

/// Reads a `data.yaml` into `loaded` (as the dataset's file, its findings
/// with it) and checks it as Ultralytics would before any image is named:
/// the whole-dataset read and the one-label-file read (the hook) refuse the
/// same files, so the hook says what the dataset check says.
///
/// # Errors
/// An unreadable file, a syntax error, no `train:` ([`require_train`]), a
/// `path:` leading outside its folder ([`yaml_root`]).
pub(super) fn open_data_yaml(
    loaded: &mut Loaded,
    yaml_path: &Path,
    options: &ReadOptions,
) -> Result<OpenedYaml, Error> {
    let (text, file) = read_description(loaded, yaml_path)?;
    let yaml = data_yaml::parse_data_yaml(&text, yaml_path, file, &mut loaded.issues)?;
    require_train(yaml_path, &text, &yaml)?;
    let (root, scope) = yaml_root(yaml_path, &yaml, &text, options)?;
    let names_at = SourceSpan {
        file,
        span: key_span(&text, "names"),
    };
    let mut schema = schema_from_yaml(&yaml, Some(names_at));
    place_flip_idx(&mut schema, file, &text, &mut loaded.issues);
    Ok(OpenedYaml {
        text,
        file,
        yaml,
        root,
        scope,
        schema,
    })
}

/// Refuses a `data.yaml` without `train:` (or with an empty one), as
/// Ultralytics' `check_det_dataset` does: without it no image is named,
/// and reading would give a dataset of nothing without a word.
///
/// # Errors
/// [`Error::Parse`] at the empty key, or at the start of the file when
/// the key is missing.
pub(super) fn require_train(yaml_path: &Path, text: &str, yaml: &DataYaml) -> Result<(), Error> {
    if yaml.subsets.iter().any(|(k, _)| k == "train") {
        return Ok(());
    }
    let (at, what) = match data_yaml::find_key(text, "train", ':') {
        Some(span) => (span.start as usize, "is empty"),
        None => (0, "key missing"),
    };
    Err(Error::Parse(ParseError::at_offset(
        yaml_path,
        text.as_bytes(),
        at,
        format!(
            "`train:` {what}: Ultralytics requires `train` and `val` in every data.yaml, each naming images relative to the dataset root (a folder, a .txt list of images, or a list of these)"
        ),
    )))
}

/// The dataset root of a `data.yaml` (its `path:` when that is a folder,
/// else the yaml's folder) and the scope reads are confined to: the yaml's
/// folder.
///
/// # Errors
/// A `path:` that resolves outside the yaml's folder, unless
/// [`ReadOptions::allow_outside_root`].
pub(super) fn yaml_root(
    yaml_path: &Path,
    yaml: &DataYaml,
    text: &str,
    options: &ReadOptions,
) -> Result<(PathBuf, Scope), Error> {
    let yaml_dir = yaml_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let scope = Scope::new(yaml_dir, options.allow_outside_root);
    let root = match &yaml.path {
        Some(p) if yaml_dir.join(p).is_dir() => {
            let root = clean(&yaml_dir.join(p));
            scope.check(&yaml_dir.join(p)).map_err(|m| {
                refuse_at(
                    yaml_path,
                    text,
                    key_span(text, "path"),
                    &format!("`path`: {m}"),
                )
            })?;
            root
        }
        _ => clean(yaml_dir),
    };
    Ok((root, scope))
}
