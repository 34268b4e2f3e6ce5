//! Finding the files of a YOLO dataset and reading them into the model.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use labelkit_diagnostics::{
    ByteSpan, Diagnostic, FileId, ImageFacts, Loaded, ParseError, ReadIssue, Rounding, SizeUnknown,
    SourceFile, SourceSpan, StatedFlipIdx,
};
use labelkit_model::{
    Annotation, AnnotationId, BoxGeom, Geometry, GroupId, Image, ImageId, Keypoint, KeypointSchema,
    Keypoints, Label, LabelId, Point, Polygon, StatedCorners, Visibility,
};
use rayon::prelude::*;

use crate::data_yaml::{self, key_span, key_span_with, DataYaml};
use crate::guard::{self, Scope, Walker, ALLOW_HINT};
use crate::paths::{img2label, label2img_stem};
use crate::rows::{tokenize, RowFile};
use crate::{
    imagesize, Error, Layout, ReadOptions, Task, IMAGE_EXTENSIONS, KPT_DIMS_EXTRA,
    MAX_CONFIG_BYTES, MAX_LABEL_BYTES,
};

/// What the dataset declares about its classes and rows.
#[derive(Debug, Default)]
struct Schema {
    names: Vec<(u32, String)>,
    kpt: Option<(usize, usize)>,
    flip_idx: Option<Vec<usize>>,
    kpt_names: Option<Vec<String>>,
    task: Option<Task>,
    /// The file that declared the names, and the span of the declaration.
    names_at: Option<SourceSpan>,
    /// Where `flip_idx` was declared.
    flip_idx_at: Option<SourceSpan>,
}

/// One image of the dataset and where its label file is.
#[derive(Debug, Clone)]
struct Entry {
    image: PathBuf,
    label: PathBuf,
    file_name: String,
    subset: Option<String>,
    /// The line of the image list that named the image, if one did.
    listed: Option<Listed>,
}

/// A line of an image list (`train.txt`), for the positions of findings
/// about what it names.
#[derive(Debug, Clone)]
struct Listed {
    list: Arc<ListFile>,
    span: ByteSpan,
}

/// An image list and its bytes.
#[derive(Debug)]
struct ListFile {
    path: PathBuf,
    text: Arc<[u8]>,
}

/// The non-empty lines of an image list, trimmed, each with where it is.
fn list_lines(path: &Path, text: Vec<u8>) -> Vec<(String, Listed)> {
    let list = Arc::new(ListFile {
        path: path.to_path_buf(),
        text: text.into(),
    });
    let mut out = Vec::new();
    let mut offset = 0usize;
    for raw in list.text.split_inclusive(|&b| b == b'\n') {
        let start = offset + raw.iter().take_while(|b| b.is_ascii_whitespace()).count();
        offset += raw.len();
        let line = String::from_utf8_lossy(raw);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let end = offset
            - raw
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        out.push((
            line.to_owned(),
            Listed {
                list: Arc::clone(&list),
                span: ByteSpan::new(start, end.max(start)),
            },
        ));
    }
    out
}

/// Reads a small file with one open, reads and a close: no metadata call
/// for a size hint (`fs::read` and `File::read_to_end` make one), since
/// label files are a few hundred bytes. The bytes are kept in a vector of
/// their exact length (they are kept for the whole run, for diagnostics).
///
/// The file is opened through the dataset's [`Scope`] (regular files
/// inside the dataset only) and read up to [`MAX_LABEL_BYTES`].
fn read_small(scope: &Scope, path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut file = scope.open(path)?;
    let mut head = [0u8; 4096];
    let mut len = 0;
    while len < head.len() {
        match file.read(head.get_mut(len..).unwrap_or_default()) {
            Ok(0) => return Ok(head.get(..len).unwrap_or_default().to_vec()),
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let mut buf = head.to_vec();
    guard::read_rest_capped(file, &mut buf, MAX_LABEL_BYTES)?;
    Ok(buf)
}

/// A dataset description (`data.yaml`, `obj.data`, `obj.names`): a regular
/// file of at most [`MAX_CONFIG_BYTES`], without its UTF-8 byte order mark.
fn read_text(path: &Path) -> Result<String, Error> {
    let bytes = guard::read_capped(path, MAX_CONFIG_BYTES).map_err(|e| Error::io(path, e))?;
    let text = data_yaml::strip_bom(&String::from_utf8_lossy(&bytes)).to_owned();
    if let Some(conflict) = ParseError::conflict_marker(path, text.as_bytes()) {
        return Err(Error::Parse(conflict));
    }
    Ok(text)
}

/// A fatal refusal of a path named by a dataset description, at the line
/// of its key.
fn refuse_at(cfg: &Path, text: &str, span: ByteSpan, message: &str) -> Error {
    Error::Parse(ParseError::at_offset(
        cfg,
        text.as_bytes(),
        span.start as usize,
        format!("{message}; {ALLOW_HINT}"),
    ))
}

/// Lexically removes `.` and resolves `..` components.
fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                // `a/..` is nothing; `..` and `../..` stay; `/..` is `/`.
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

fn rel_name(root: &Path, path: &Path) -> String {
    let p = path.strip_prefix(root).unwrap_or(path);
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

pub(crate) fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn has_ext(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Lists a folder. Every listing of the reader goes through here, so that
/// tests can assert which folders were listed (listing a folder of a hundred
/// thousand label files costs more than everything else a one-file check
/// does).
pub(crate) fn list_dir(dir: &Path) -> std::io::Result<fs::ReadDir> {
    #[cfg(test)]
    tests::LISTED.with(|l| l.borrow_mut().push(dir.to_path_buf()));
    fs::read_dir(dir)
}

/// The image stem of a single label file, as a path relative like the
/// label's. A label path given from inside its `labels` folder (`a.txt`,
/// run in `labels/train`) names no `labels` folder: its image is looked for
/// through the absolute path, and the answer climbs out of the label's
/// folder (`../../images/train/a`), so the image is found and its size
/// known.
fn label_image_stem(label: &Path, labels_dir: &str) -> PathBuf {
    let stem = label2img_stem(label, labels_dir);
    if stem != label.with_extension("") {
        return stem;
    }
    let Ok(absolute) = std::path::absolute(label) else {
        return stem;
    };
    let parts: Vec<_> = absolute.components().collect();
    let Some(i) = parts.iter().rposition(|c| c.as_os_str() == labels_dir) else {
        return stem;
    };
    // Folders between `labels` and the file, then the file.
    let below: Vec<_> = parts.get(i + 1..).unwrap_or_default().iter().collect();
    if below.is_empty() {
        return stem;
    }
    let mut out = label.parent().unwrap_or(Path::new("")).to_path_buf();
    for _ in 0..below.len() {
        out.push("..");
    }
    out.push("images");
    for c in below {
        out.push(c.as_os_str());
    }
    out.set_extension("");
    out
}

/// Finds the image of a label by trying image extensions (no listing).
fn find_image(stem: &Path) -> Option<PathBuf> {
    for ext in IMAGE_EXTENSIONS {
        for e in [ext.to_owned(), ext.to_ascii_uppercase()] {
            let p = with_image_ext(stem, &e);
            // Not only a regular file: a FIFO or device named like the
            // image is the image, refused when it is read.
            if fs::metadata(&p).is_ok_and(|m| !m.is_dir()) {
                return Some(p);
            }
        }
    }
    None
}

/// `stem` with `.ext` appended to its file name, bytes kept as they are.
fn with_image_ext(stem: &Path, ext: &str) -> PathBuf {
    let mut name = stem.file_name().unwrap_or_default().to_owned();
    name.push(".");
    name.push(ext);
    stem.with_file_name(name)
}

fn guessed_image(stem: &Path) -> PathBuf {
    with_image_ext(stem, "jpg")
}

/// Where a `train`/`val`/`test` entry points.
#[derive(Debug)]
struct Resolved {
    /// The path, cleaned.
    path: PathBuf,
    /// Whether it exists.
    exists: bool,
    /// How it was found when not as written: the fallback that found it.
    fallback: Option<Fallback>,
}

/// A fallback of [`resolve_entry`] that found a path the entry as written
/// does not name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fallback {
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
fn resolve_entry(root: &Path, entry: &str) -> Resolved {
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
fn fallback_note(
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

/// A path listed in a `.txt` image list.
fn resolve_listed(root: &Path, list_dir: &Path, line: &str) -> PathBuf {
    let p = Path::new(line);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    let mut candidates = Vec::new();
    if let Some(rest) = line.strip_prefix("./") {
        candidates.push(list_dir.join(rest));
    }
    candidates.push(root.join(line));
    candidates.push(list_dir.join(line));
    // CVAT exports list `data/<...>` where `data/` is the dataset root.
    if let Some((_, rest)) = line.split_once('/') {
        candidates.push(root.join(rest));
    }
    for c in &candidates {
        if c.is_file() {
            return clean(c);
        }
    }
    // Missing: the first candidate whose folder exists.
    candidates
        .iter()
        .find(|c| c.parent().is_some_and(Path::is_dir))
        .map_or_else(|| clean(&candidates[0]), |c| clean(c))
}

struct Collector<'s> {
    entries: Vec<Entry>,
    seen: HashSet<PathBuf>,
    walker: Walker<'s>,
}

impl<'s> Collector<'s> {
    fn new(scope: &'s Scope) -> Self {
        Self {
            entries: Vec::new(),
            seen: HashSet::new(),
            walker: Walker::new(scope),
        }
    }

    /// The bytes of an image list (`train.txt`): `None` when it does not
    /// exist, or when it is refused (not a regular file, outside the
    /// dataset, larger than [`MAX_LABEL_BYTES`]), which is reported at
    /// `key_at` (the key of the description naming it) when given.
    fn read_list(&mut self, path: &Path, key_at: Option<SourceSpan>) -> Option<Vec<u8>> {
        match self.walker.scope().read(path, MAX_LABEL_BYTES) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                let mut d = guard::refused(path, format!("image list {}: {e}", path.display()));
                if let Some(at) = key_at {
                    d = d.at(at.file, at.span);
                }
                self.walker.issues.push(d);
                None
            }
        }
    }

    /// Files under `dir` accepted by `keep` ([`Walker::walk`]).
    fn walk(&mut self, dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
        self.walker.walk(dir, keep)
    }

    fn push(
        &mut self,
        root: &Path,
        image: PathBuf,
        label: PathBuf,
        subset: Option<&str>,
        listed: Option<Listed>,
    ) {
        let rel = image.strip_prefix(root).unwrap_or(&image);
        if let Some(d) = guard::not_utf8(rel) {
            if self.seen.insert(image.clone()) {
                self.walker.issues.push(d.with_path(image));
            }
            return;
        }
        if self.seen.insert(image.clone()) {
            self.entries.push(Entry {
                file_name: rel_name(root, &image),
                image,
                label,
                subset: subset.map(str::to_owned),
                listed,
            });
        }
    }

    /// Adds every label file under `labels` that no listed image claimed,
    /// so that labels without images are read (and reported) rather than
    /// ignored.
    fn orphans(
        &mut self,
        root: &Path,
        labels: &Path,
        subset: Option<&str>,
        labels_dir: &str,
        darknet: bool,
    ) {
        let claimed: HashSet<PathBuf> = self.entries.iter().map(|e| e.label.clone()).collect();
        // LabelImg's `classes.txt` beside the label files is their class
        // list, not the labels of an image `classes.jpg`.
        for label in self.walk(labels, &|p| has_ext(p, "txt") && !is_class_list(p)) {
            if claimed.contains(&label) {
                continue;
            }
            // A label file whose name is not UTF-8 is refused on its own:
            // its image name would be made lossy, and two such files would
            // become one image.
            if let Some(d) = guard::not_utf8(label.strip_prefix(root).unwrap_or(&label)) {
                if self.seen.insert(label.clone()) {
                    self.walker.issues.push(d.with_path(label));
                }
                continue;
            }
            let stem = if darknet {
                label.with_extension("")
            } else {
                label2img_stem(&label, labels_dir)
            };
            let image = find_image(&stem).unwrap_or_else(|| guessed_image(&stem));
            self.push(root, image, label, subset, None);
        }
    }
}

/// A `train`/`val`/`test` entry that names nothing, and the entries
/// collected while it was read (`before..after`).
struct Missing<'a> {
    key: &'a str,
    entry: &'a str,
    before: usize,
    after: usize,
    at: Option<SourceSpan>,
    path: PathBuf,
}

/// The description a dataset was read from, for the positions of
/// refusals: its path, text and id in the source map.
type Described<'a> = Option<(&'a Path, &'a str, FileId)>;

/// The entries of an Ultralytics dataset, and what the collection reported.
///
/// # Errors
/// A `train`/`val`/`test` entry of the description that resolves outside
/// the dataset folder (unless allowed), at the line of its key.
fn collect_ultralytics(
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

fn schema_from_yaml(yaml: &DataYaml, names_at: Option<SourceSpan>) -> Schema {
    Schema {
        names: yaml.names.clone(),
        kpt: yaml.kpt_shape,
        flip_idx: yaml.flip_idx.clone(),
        kpt_names: yaml.kpt_names.clone(),
        task: yaml.task,
        names_at,
        flip_idx_at: None,
    }
}

fn read_ultralytics(yaml_path: &Path, options: &ReadOptions) -> Result<Loaded, Error> {
    let text = read_text(yaml_path)?;
    let mut loaded = Loaded::default();
    let file = loaded
        .sources
        .add(SourceFile::with_text(yaml_path, text.as_bytes().to_vec()));
    loaded.spans.dataset_file = Some(file);
    let yaml = data_yaml::parse_data_yaml(&text, yaml_path, file, &mut loaded.issues)?;
    require_train(yaml_path, &text, &yaml)?;
    let (root, scope) = yaml_root(yaml_path, &yaml, &text, options)?;
    let names_at = SourceSpan {
        file,
        span: key_span(&text, "names"),
    };
    let mut schema = schema_from_yaml(&yaml, Some(names_at));
    place_flip_idx(&mut schema, file, &text, &mut loaded.issues);
    let (entries, issues) = collect_ultralytics(
        &root,
        &yaml,
        &scope,
        Some((yaml_path, &text, file)),
        options,
    )?;
    loaded.issues.extend(issues);
    build(loaded, &schema, &entries, &scope, options)
}

/// Refuses a `data.yaml` without `train:` (or with an empty one), as
/// Ultralytics' `check_det_dataset` does: without it no image is named,
/// and reading would give a dataset of nothing without a word.
///
/// # Errors
/// [`Error::Parse`] at the empty key, or at the start of the file when
/// the key is missing.
fn require_train(yaml_path: &Path, text: &str, yaml: &DataYaml) -> Result<(), Error> {
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
fn yaml_root(
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

/// Records where `flip_idx` is declared in `text` (for findings about it)
/// and reports one that is no permutation of the keypoints.
fn place_flip_idx(schema: &mut Schema, file: FileId, text: &str, issues: &mut Vec<Diagnostic>) {
    if schema.flip_idx.is_some() {
        schema.flip_idx_at = Some(SourceSpan {
            file,
            span: key_span(text, "flip_idx"),
        });
    }
    if let (Some(flip), Some((n, _))) = (&schema.flip_idx, schema.kpt) {
        let is_perm = flip.len() == n && {
            let mut seen = vec![false; n];
            flip.iter()
                .all(|&i| i < n && !std::mem::replace(&mut seen[i], true))
        };
        if !is_perm {
            issues.push(ReadIssue::MalformedValue.at(
                file,
                key_span(text, "flip_idx"),
                format!("`flip_idx` is not a permutation of the {n} keypoints of `kpt_shape`"),
            ));
        }
    }
}

fn read_darknet(obj_data: &Path, options: &ReadOptions) -> Result<Loaded, Error> {
    let root = clean(
        obj_data
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    );
    let text = read_text(obj_data)?;
    let mut loaded = Loaded::default();
    let file = loaded
        .sources
        .add(SourceFile::with_text(obj_data, text.as_bytes().to_vec()));
    loaded.spans.dataset_file = Some(file);
    let scope = Scope::new(&root, options.allow_outside_root);
    let obj = ObjData::new(obj_data, &text, &root, &scope);
    let mut schema = Schema::default();
    let names_path = obj.path_of("names")?;
    let names_path = names_path.unwrap_or_else(|| root.join("obj.names"));
    if let Some(loaded_names) = read_names(&mut loaded, &scope, &names_path)? {
        schema = loaded_names;
    } else {
        loaded.issues.push(ReadIssue::DanglingReference.at(
            file,
            key_span_with(&text, "names", '='),
            format!("class names file not found: {}", names_path.display()),
        ));
    }
    let mut c = Collector::new(&scope);
    for key in ["train", "valid", "test"] {
        let Some(list) = obj.path_of(key)? else {
            continue;
        };
        let key_at = SourceSpan {
            file,
            span: key_span_with(&text, key, '='),
        };
        let Some(list_text) = c.read_list(&list, Some(key_at)) else {
            continue;
        };
        let list_dir = list.parent().unwrap_or(&root).to_path_buf();
        for (line, listed) in list_lines(&list, list_text) {
            let image = resolve_listed(&root, &list_dir, &line);
            let subset = darknet_subset(&image).unwrap_or_else(|| key.to_owned());
            let label = image.with_extension("txt");
            c.push(&root, image, label, Some(&subset), Some(listed));
        }
    }
    collect_darknet_dirs(&mut c, &root);
    loaded.issues.append(&mut c.walker.issues);
    build(loaded, &schema, &c.entries, &scope, options)
}

/// The images and labels of the `obj_<subset>_data` folders of `root`.
fn collect_darknet_dirs(c: &mut Collector<'_>, root: &Path) {
    for dir in darknet_dirs(root) {
        let subset = darknet_subset(&dir.join("x"));
        for image in c.walk(&dir, &is_image) {
            let label = image.with_extension("txt");
            c.push(root, image, label, subset.as_deref(), None);
        }
        c.orphans(root, &dir, subset.as_deref(), "labels", true);
    }
}

/// An `obj.data` file, for resolving the paths it names.
struct ObjData<'a> {
    path: &'a Path,
    text: &'a str,
    keys: Vec<(String, String)>,
    root: &'a Path,
    scope: &'a Scope,
}

impl<'a> ObjData<'a> {
    fn new(path: &'a Path, text: &'a str, root: &'a Path, scope: &'a Scope) -> Self {
        Self {
            path,
            text,
            keys: data_yaml::parse_obj_data(text),
            root,
            scope,
        }
    }

    /// The path a key names, relative to the dataset folder (CVAT writes
    /// `data/obj.names` where `data/` is that folder); `None` when the key
    /// is absent.
    ///
    /// # Errors
    /// A path that resolves outside the dataset folder (`names =
    /// /etc/passwd`), unless allowed, at the line of its key.
    fn path_of(&self, key: &str) -> Result<Option<PathBuf>, Error> {
        let Some((_, v)) = self.keys.iter().find(|(k, _)| k == key) else {
            return Ok(None);
        };
        let direct = self.root.join(v);
        let path = if direct.exists() {
            direct
        } else {
            match v.split_once('/') {
                Some((_, rest)) => self.root.join(rest),
                None => direct,
            }
        };
        self.scope.check(&path).map_err(|m| {
            refuse_at(
                self.path,
                self.text,
                key_span_with(self.text, key, '='),
                &format!("`{key}`: {m}"),
            )
        })?;
        Ok(Some(path))
    }
}

/// Reads a class names file (`obj.names`) into a schema and the source
/// map; `None` when it does not exist.
///
/// # Errors
/// A names file that is not a regular file, leads outside the dataset
/// folder or is larger than [`MAX_CONFIG_BYTES`].
fn read_names(loaded: &mut Loaded, scope: &Scope, path: &Path) -> Result<Option<Schema>, Error> {
    let bytes = match scope.read(path, MAX_CONFIG_BYTES) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let file = loaded.sources.add(SourceFile::with_text(path, bytes));
    let names = data_yaml::read_obj_names(&text, file, &mut loaded.issues);
    Ok(Some(Schema {
        names,
        names_at: Some(SourceSpan {
            file,
            span: ByteSpan::at(0),
        }),
        ..Schema::default()
    }))
}

fn darknet_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = list_dir(root)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir() && darknet_subset(&p.join("x")).is_some())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// `obj_<subset>_data` of the folder holding `path`.
fn darknet_subset(path: &Path) -> Option<String> {
    let dir = path.parent()?.file_name()?.to_str()?;
    dir.strip_prefix("obj_")?
        .strip_suffix("_data")
        .map(str::to_owned)
}

/// `obj.names` with `images/` and `labels/` beside it (no `obj.data`).
fn read_loose(root: &Path, names: Option<&Path>, options: &ReadOptions) -> Result<Loaded, Error> {
    let mut loaded = Loaded::default();
    let mut schema = Schema::default();
    let scope = Scope::new(root, options.allow_outside_root);
    if let Some(names) = names {
        // The names file was named by the user (or found beside the
        // dataset): it is not confined, but it must be a small regular file.
        let text = guard::read_capped(names, MAX_CONFIG_BYTES).map_err(|e| Error::io(names, e))?;
        let file = loaded
            .sources
            .add(SourceFile::with_text(names, text.clone()));
        loaded.spans.dataset_file = Some(file);
        schema.names =
            data_yaml::read_obj_names(&String::from_utf8_lossy(&text), file, &mut loaded.issues);
        schema.names_at = Some(SourceSpan {
            file,
            span: ByteSpan::at(0),
        });
    }
    if !darknet_dirs(root).is_empty() && !root.join("images").is_dir() {
        let mut c = Collector::new(&scope);
        collect_darknet_dirs(&mut c, root);
        loaded.issues.append(&mut c.walker.issues);
        return build(loaded, &schema, &c.entries, &scope, options);
    }
    let images = root.join("images");
    let mut yaml = DataYaml::default();
    let mut subdirs: Vec<String> = Vec::new();
    for e in list_dir(&images).into_iter().flatten().flatten() {
        if !e.path().is_dir() {
            continue;
        }
        match e.file_name().into_string() {
            Ok(name) => subdirs.push(name),
            Err(_) => {
                let p = e.path();
                loaded.issues.extend(guard::not_utf8(&p));
            }
        }
    }
    subdirs.sort();
    let loose_files = list_dir(&images)
        .map(|rd| rd.flatten().any(|e| is_image(&e.path())))
        .unwrap_or(false);
    if subdirs.is_empty() || loose_files {
        yaml.subsets
            .push((String::new(), vec!["images".to_owned()]));
    }
    for s in subdirs {
        yaml.subsets.push((s.clone(), vec![format!("images/{s}")]));
    }
    let (entries, issues) = collect_ultralytics(root, &yaml, &scope, None, options)?;
    loaded.issues.extend(issues);
    build(loaded, &schema, &entries, &scope, options)
}

/// The `*.yaml`/`*.yml` files of `dir` that declare `names`, sorted; at
/// most the first `limit` entries of the folder are looked at, and `None`
/// is returned when it has more.
fn yaml_candidates_within(dir: &Path, limit: usize) -> Option<Vec<PathBuf>> {
    let Ok(rd) = list_dir(dir) else {
        return Some(Vec::new());
    };
    let mut yamls = Vec::new();
    for (i, e) in rd.enumerate() {
        if i >= limit {
            return None;
        }
        let Ok(e) = e else { continue };
        let p = e.path();
        if has_ext(&p, "yaml") || has_ext(&p, "yml") {
            yamls.push(p);
        }
    }
    yamls.retain(|p| p.is_file() && declares_names(p));
    yamls.sort();
    Some(yamls)
}

fn declares_names(path: &Path) -> bool {
    guard::read_capped(path, MAX_CONFIG_BYTES)
        .is_ok_and(|t| data_yaml::has_names_key(&String::from_utf8_lossy(&t)))
}

fn yaml_candidates(dir: &Path) -> Vec<PathBuf> {
    yaml_candidates_within(dir, 10_000).unwrap_or_default()
}

/// The names probed in each folder above a label file, in this order. The
/// `dataset.*` names count only when the file declares `names`.
const CONFIG_NAMES: [&str; 6] = [
    "data.yaml",
    "data.yml",
    "dataset.yaml",
    "dataset.yml",
    "obj.data",
    "obj.names",
];

/// A folder with more entries than this is never listed while looking for a
/// dataset description above a label file.
const LISTING_LIMIT: usize = 1000;

/// How many folders above a label file are looked at.
const CONFIG_DEPTH: usize = 12;

/// Finds the dataset description (`data.yaml`, `obj.data`, `obj.names`, or
/// another YAML file declaring `names`) that governs a label file, walking
/// up from the file's folder; `None` when there is none.
///
/// Each folder on the way up is first probed for the fixed names
/// `data.yaml`, `data.yml`, `dataset.yaml`, `dataset.yml` (these two only
/// when they declare `names`), `obj.data` and `obj.names`, with one
/// metadata call each. Only when none is there is the folder listed for
/// another `*.yaml`/`*.yml` declaring `names`, and only when listing it is
/// cheap and meaningful: never the folder holding the label file, never a
/// folder named `labels` or `images` (they hold the dataset's files, not its
/// description), never a darknet `obj_<subset>_data` folder, and never a
/// folder with more than 1,000 entries (its listing stops there). The walk
/// stops at a folder holding `.git` (the repository root) and after 12
/// folders.
///
/// A relative path gives a relative answer (`labels/train/a.txt` finds
/// `data.yaml`, or `../data.yaml` above the working folder).
#[must_use]
pub fn find_config(label_path: &Path) -> Option<PathBuf> {
    find_config_in(label_path, "labels")
}

/// The layout of the YOLO dataset whose label tree holds the `.txt` file
/// `path`, judged by its place alone (its content is not looked at): a
/// `.txt` in an `obj_<subset>_data` folder, below a folder named `labels`
/// (within the 12 folders [`find_config`] walks up), or beside an image of
/// its stem under a dataset description is a label file, as the whole-dataset
/// read takes it. A malformed label file is thereby still a label file, and
/// its bad rows are reported where they are. `None` for anything else
/// (`README.txt` beside `data.yaml`, a darknet image list `train.txt`).
///
/// Only fixed names are probed (no folder is listed).
#[must_use]
pub fn label_file_layout(path: &Path) -> Option<Layout> {
    if !has_ext(path, "txt") {
        return None;
    }
    if darknet_subset(path).is_some() {
        return Some(Layout::Darknet);
    }
    let config = find_config(path);
    let layout = || {
        let darknet = config
            .as_deref()
            .and_then(Path::file_name)
            .is_some_and(|n| {
                n.eq_ignore_ascii_case("obj.data") || n.eq_ignore_ascii_case("obj.names")
            });
        if darknet {
            Layout::Darknet
        } else {
            Layout::Ultralytics
        }
    };
    let absolute = std::path::absolute(path).map_or_else(|_| clean(path), |a| clean(&a));
    let in_labels = absolute
        .ancestors()
        .skip(1)
        .take(CONFIG_DEPTH)
        .any(|d| d.file_name().is_some_and(|n| n == "labels"));
    if in_labels {
        return Some(layout());
    }
    if config.is_some() && find_image(&path.with_extension("")).is_some() {
        return Some(layout());
    }
    None
}

fn find_config_in(label_path: &Path, labels_dir: &str) -> Option<PathBuf> {
    let label_dir = label_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let absolute = std::path::absolute(label_dir).map_or_else(|_| clean(label_dir), |a| clean(&a));
    // The folder `depth` levels above the label's folder, as the caller
    // would name it.
    let named = |depth: usize, dir: &Path, file: &str| -> PathBuf {
        if label_dir.is_absolute() {
            dir.join(file)
        } else {
            let mut p = label_dir.to_path_buf();
            for _ in 0..depth {
                p.push("..");
            }
            p.push(file);
            clean(&p)
        }
    };
    for (depth, dir) in absolute.ancestors().enumerate().take(CONFIG_DEPTH) {
        for name in CONFIG_NAMES {
            let p = dir.join(name);
            if p.is_file() && (!name.starts_with("dataset.") || declares_names(&p)) {
                return Some(named(depth, dir, name));
            }
        }
        let folder = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let skip = depth == 0
            || folder == "labels"
            || folder == "images"
            || folder == labels_dir
            || darknet_subset(&dir.join("x")).is_some();
        if !skip {
            if let Some(y) = yaml_candidates_within(dir, LISTING_LIMIT)
                .unwrap_or_default()
                .into_iter()
                .next()
            {
                let file = y.file_name().map(|n| n.to_string_lossy().into_owned());
                return Some(named(depth, dir, &file.unwrap_or_default()));
            }
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    None
}

/// Reads a YOLO dataset from `data.yaml` (or any yaml with `names`),
/// `obj.data`, `obj.names`, or the dataset folder.
///
/// # Errors
/// [`Error::Parse`] for a `data.yaml` with a syntax error (line and column),
/// [`Error::Io`] for an unreadable configuration file, and
/// [`Error::NotADataset`] for a folder without any YOLO configuration or with
/// several candidate yaml files.
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<Loaded, Error> {
    if path.is_file() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name == "obj.data" || has_ext(path, "data") {
            return read_darknet(path, options);
        }
        if is_class_list(path) {
            return read_class_list(path, options);
        }
        if name.ends_with(".names") {
            let root = clean(path.parent().unwrap_or(Path::new(".")));
            if root.join("obj.data").is_file() {
                return read_darknet(&root.join("obj.data"), options);
            }
            return read_loose(&root, Some(path), options);
        }
        if has_ext(path, "txt") {
            return read_label_file(path, options);
        }
        return read_ultralytics(path, options);
    }
    if has_ext(path, "txt") && fs::metadata(path).is_ok_and(|m| !m.is_dir()) {
        // A FIFO or device label file: refused by the read, with F011.
        return read_label_file(path, options);
    }
    if !path.is_dir() {
        return Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
        ));
    }
    for name in ["data.yaml", "data.yml"] {
        if path.join(name).is_file() {
            return read_ultralytics(&path.join(name), options);
        }
    }
    let yamls = yaml_candidates(path);
    match yamls.len() {
        1 => return read_ultralytics(&yamls[0], options),
        n if n > 1 => {
            let list: Vec<String> = yamls
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            return Err(Error::NotADataset {
                path: path.to_path_buf(),
                reason: format!(
                    "several dataset yaml files ({}): give one of them",
                    list.join(", ")
                ),
            });
        }
        _ => {}
    }
    if path.join("obj.data").is_file() {
        return read_darknet(&path.join("obj.data"), options);
    }
    let root = clean(path);
    if path.join("obj.names").is_file() {
        return read_loose(&root, Some(&path.join("obj.names")), options);
    }
    if path.join(options.labels_dir()).is_dir() || !darknet_dirs(&root).is_empty() {
        let mut loaded = read_loose(&root, None, options)?;
        loaded.issues.push(ReadIssue::Unsupported.in_file(
            path,
            "no data.yaml or obj.names: classes are named by their ids",
        ));
        return Ok(loaded);
    }
    Err(Error::NotADataset {
        path: path.to_path_buf(),
        reason: "no data.yaml, obj.data, obj.names or labels folder".into(),
    })
}

/// Whether `path` is LabelImg's class list: `classes.txt`, which LabelImg
/// writes (and reads) beside the label files of its YOLO format, one class
/// name per line.
#[must_use]
pub fn is_class_list(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.eq_ignore_ascii_case("classes.txt"))
}

/// Reads LabelImg's `classes.txt` as a class list (names declared twice are
/// reported at their line): with the dataset whose description lies above
/// it, whose label files are read against that description's classes, or
/// as the only class list when there is none.
///
/// # Errors
/// As [`read_path`] for the dataset's description; [`Error::Io`] for an
/// unreadable `classes.txt`.
fn read_class_list(path: &Path, options: &ReadOptions) -> Result<Loaded, Error> {
    let mut loaded = match find_config(path) {
        Some(cfg) => read_path(&cfg, options)?,
        None => Loaded::default(),
    };
    let bytes = guard::read_capped(path, MAX_CONFIG_BYTES).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let file = loaded.sources.add(SourceFile::with_text(path, bytes));
    let names = data_yaml::read_obj_names(&text, file, &mut loaded.issues);
    if loaded.spans.dataset_file.is_none() {
        loaded.spans.dataset_file = Some(file);
        let scope = Scope::new(
            path.parent().unwrap_or(Path::new(".")),
            options.allow_outside_root,
        );
        let schema = Schema {
            names,
            names_at: Some(SourceSpan {
                file,
                span: ByteSpan::at(0),
            }),
            ..Schema::default()
        };
        return build(loaded, &schema, &[], &scope, options);
    }
    Ok(loaded)
}

/// Which YOLO layout `path` (a folder or a file) holds, if any.
#[must_use]
pub fn sniff(path: &Path) -> Option<Layout> {
    if path.is_dir() {
        if path.join("data.yaml").is_file()
            || path.join("data.yml").is_file()
            || !yaml_candidates(path).is_empty()
        {
            return Some(Layout::Ultralytics);
        }
        if path.join("obj.data").is_file() || !darknet_dirs(path).is_empty() {
            return Some(Layout::Darknet);
        }
        if path.join("obj.names").is_file() || path.join("labels").is_dir() {
            return Some(Layout::Ultralytics);
        }
        return None;
    }
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name == "obj.data" || name == "obj.names" {
        return Some(Layout::Darknet);
    }
    if name.ends_with(".yaml") || name.ends_with(".yml") {
        let text = guard::read_capped(path, MAX_CONFIG_BYTES).ok()?;
        return data_yaml::has_names_key(&String::from_utf8_lossy(&text))
            .then_some(Layout::Ultralytics);
    }
    if name.ends_with(".txt") {
        let text = guard::read_capped(path, MAX_LABEL_BYTES).ok()?;
        let mut issues = Vec::new();
        let rows = tokenize(&text, FileId(0), &mut issues);
        let in_labels =
            path.components().any(|c| c.as_os_str() == "labels") || darknet_subset(path).is_some();
        let looks = issues.is_empty()
            && (!rows.rows.is_empty() || text.iter().all(u8::is_ascii_whitespace));
        if looks && in_labels {
            return Some(if darknet_subset(path).is_some() {
                Layout::Darknet
            } else {
                Layout::Ultralytics
            });
        }
    }
    None
}

/// Reads ONE label file of a dataset, for pre-commit checks: walks up from
/// the file to the dataset's `data.yaml` (or `obj.data` / `obj.names`),
/// finds the matching image by trying image extensions, reads its size from
/// its header, and returns a dataset with just that image and its rows.
///
/// The description is found as [`find_config`] finds it: by probing fixed
/// names in each folder on the way up, listing only small folders that are
/// neither the label's own folder nor a `labels`/`images` folder; the image
/// is found by probing its stem with each image extension (`jpg`, `JPG`,
/// `jpeg`, `png`, ...). No folder of the dataset's files is ever listed, so
/// this takes milliseconds even in a dataset of a hundred thousand files.
///
/// # Errors
/// [`Error::Io`] when the label file cannot be read, [`Error::Parse`] for a
/// `data.yaml` with a syntax error.
pub fn read_label_file(label_path: &Path, options: &ReadOptions) -> Result<Loaded, Error> {
    if is_class_list(label_path) && label_path.is_file() {
        return read_class_list(label_path, options);
    }
    // A FIFO, device or link to one is read like in a whole dataset: the
    // read refuses it and reports it (F011), never blocking.
    if std::fs::metadata(label_path).map_or(true, |m| m.is_dir()) {
        return Err(Error::io(
            label_path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "label file not found"),
        ));
    }
    let ld = options.labels_dir().to_owned();
    let label_dir = label_path.parent().unwrap_or(Path::new("."));
    let config = find_config_in(label_path, &ld);
    let mut loaded = Loaded::default();
    let mut schema = Schema::default();
    let darknet_like = darknet_subset(label_path).is_some();
    let stem = if darknet_like {
        label_path.with_extension("")
    } else {
        label_image_stem(label_path, &ld)
    };
    let image = find_image(&stem).unwrap_or_else(|| guessed_image(&stem));
    let mut root = clean(label_dir);
    let mut subset = darknet_subset(label_path);
    let scope = match &config {
        Some(cfg) if has_ext(cfg, "yaml") || has_ext(cfg, "yml") => {
            let text = read_text(cfg)?;
            let file = loaded
                .sources
                .add(SourceFile::with_text(cfg, text.as_bytes().to_vec()));
            loaded.spans.dataset_file = Some(file);
            let yaml = data_yaml::parse_data_yaml(&text, cfg, file, &mut loaded.issues)?;
            // The label file of a dataset Ultralytics refuses is refused as
            // the dataset is, so the hook says what the dataset check says.
            require_train(cfg, &text, &yaml)?;
            let scope;
            (root, scope) = yaml_root(cfg, &yaml, &text, options)?;
            let image_c = clean(&image);
            for (name, entries) in &yaml.subsets {
                for e in entries {
                    let dir = resolve_entry(&root, e).path;
                    if image_c.starts_with(&dir) && !has_ext(&dir, "txt") {
                        subset.get_or_insert_with(|| name.clone());
                    }
                }
            }
            schema = schema_from_yaml(
                &yaml,
                Some(SourceSpan {
                    file,
                    span: key_span(&text, "names"),
                }),
            );
            place_flip_idx(&mut schema, file, &text, &mut loaded.issues);
            scope
        }
        Some(cfg) => {
            let cfg_dir = clean(cfg.parent().unwrap_or(Path::new(".")));
            root = cfg_dir.clone();
            let scope = Scope::new(&cfg_dir, options.allow_outside_root);
            let names_path = if has_ext(cfg, "data") {
                let text = read_text(cfg)?;
                let obj = ObjData::new(cfg, &text, &cfg_dir, &scope);
                obj.path_of("names")?
                    .unwrap_or_else(|| cfg_dir.join("obj.names"))
            } else {
                cfg.clone()
            };
            if let Some(names) = read_names(&mut loaded, &scope, &names_path)? {
                loaded.spans.dataset_file = names.names_at.map(|at| at.file);
                schema = names;
            }
            if subset.is_none() {
                // images/<subset>/x.jpg
                let rel = rel_name(&root, &image);
                let parts: Vec<&str> = rel.split('/').collect();
                if parts.len() > 2 && parts[0] == "images" {
                    subset = Some(parts[1].to_owned());
                }
            }
            scope
        }
        None => {
            loaded.issues.push(ReadIssue::Unsupported.in_file(
                label_path,
                "no data.yaml, obj.data or obj.names found above the label file: classes are named by their ids",
            ));
            // The dataset folder is the one holding `labels/`.
            let parts: Vec<_> = root.components().collect();
            let top = match parts.iter().rposition(|c| c.as_os_str() == ld.as_str()) {
                Some(i) if !darknet_like => parts.iter().take(i).collect::<PathBuf>(),
                _ => root.clone(),
            };
            let top = if top.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                top
            };
            Scope::new(&top, options.allow_outside_root)
        }
    };
    // As in a whole dataset: a name that is not UTF-8 is refused.
    let rel = label_path.strip_prefix(&root).unwrap_or(label_path);
    if let Some(d) = guard::not_utf8(rel) {
        loaded.issues.push(d.with_path(label_path.to_path_buf()));
        return build(loaded, &schema, &[], &scope, options);
    }
    let entry = Entry {
        file_name: rel_name(&root, &clean(&image)),
        image,
        label: label_path.to_path_buf(),
        subset,
        listed: None,
    };
    build(loaded, &schema, &[entry], &scope, options)
}

/// What phase one learns about an entry.
struct Scanned {
    /// The label file's bytes; `None` when there is no label file, or once
    /// they were moved into the source map.
    text: Option<Vec<u8>>,
    /// Whether the label file exists.
    has_label: bool,
    rows: RowFile,
    size: Result<(u32, u32), String>,
    /// Whether the image file exists; `None` when its size was supplied by
    /// [`ReadOptions::image_sizes`] and the file was not looked at.
    image_found: Option<bool>,
    issues: Vec<Diagnostic>,
}

impl Scanned {
    /// The reader's facts about the files of an image: no label file (an
    /// empty label file is a deliberate background image and is not
    /// marked), or labels whose image file does not exist.
    fn file_facts(&self) -> ImageFacts {
        ImageFacts {
            no_label_file: !self.has_label && self.image_found != Some(false),
            no_image_file: self.has_label && self.image_found == Some(false),
            file_size: None,
        }
    }
}

/// The size `sizes` gives the image of `e`: by its path relative to the
/// dataset root, its file name, or its file name without extension.
fn size_in(sizes: &HashMap<String, (u32, u32)>, e: &Entry) -> Option<(u32, u32)> {
    if sizes.is_empty() {
        return None;
    }
    let name = e
        .image
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let stem = e
        .image
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned());
    [Some(e.file_name.clone()), name, stem]
        .into_iter()
        .flatten()
        .find_map(|k| sizes.get(&k).copied())
}

/// The size the options give an image whose file gives none.
fn fallback_size(options: &ReadOptions, e: &Entry) -> Option<(u32, u32)> {
    size_in(&options.fallback_sizes, e).or(options.fallback_size)
}

/// One shape read from a row, before ids are assigned.
enum Shape {
    One(Geometry),
    Pose(BoxGeom, Keypoints),
    /// An OBB row: its corners as written.
    Obb(StatedCorners),
}

/// The corners of an OBB row (8 normalised values, written with at most
/// `decimals` decimals) on an image of `w` x `h` pixels, with the error
/// those decimals allow ([`StatedCorners::resolution`]).
pub(crate) fn obb_corners(v: &[f64], decimals: u32, (w, h): (f64, f64)) -> StatedCorners {
    let p = |i: usize| {
        Point::new(
            v.get(2 * i).copied().unwrap_or(0.0) * w,
            v.get(2 * i + 1).copied().unwrap_or(0.0) * h,
        )
    };
    let exponent = i32::try_from(decimals).unwrap_or(i32::MAX);
    StatedCorners {
        points: [p(0), p(1), p(2), p(3)],
        resolution: 0.5 * 10f64.powi(-exponent) * w.max(h),
    }
}

struct Pending {
    class: u32,
    shape: Shape,
    line: ByteSpan,
    /// The rounding of the shape's size, when the image size is known.
    rounding: Option<Rounding>,
}

/// The rounding of the size of a shape read from `v` (normalised values
/// written with `decimals`) on an image of `w` x `h` pixels. A box's
/// width and height are written values, each known to half a unit in its
/// last place; a polygon's extent is the difference of two coordinates,
/// known to two such halves (of the coarsest value on its axis); an
/// oriented box's edge joins two corners, each displaced by at most the
/// diagonal of half units on both axes.
fn rounding_of(shape: &Shape, decimals: &[u8], (w, h): (f64, f64)) -> Option<Rounding> {
    let half = Rounding::half_unit;
    let coarsest = |it: &mut dyn Iterator<Item = u8>| it.min();
    match shape {
        // A box row (4 values) or a pose row's box: centre and size.
        Shape::Pose(..) | Shape::One(Geometry::Box(_))
            if matches!(shape, Shape::Pose(..)) || decimals.len() == 4 =>
        {
            let (dw, dh) = (*decimals.get(2)?, *decimals.get(3)?);
            Some(Rounding {
                decimals: dw.min(dh),
                width: half(dw) * w,
                height: half(dh) * h,
            })
        }
        Shape::Pose(..) => None,
        // An oriented box: four corners.
        Shape::Obb(_) | Shape::One(Geometry::Box(_)) => {
            let d = coarsest(&mut decimals.iter().copied())?;
            let edge = 2.0 * (half(d) * w).hypot(half(d) * h);
            Some(Rounding {
                decimals: d,
                width: edge,
                height: edge,
            })
        }
        Shape::One(_) => {
            let dx = coarsest(&mut decimals.iter().step_by(2).copied())?;
            let dy = coarsest(&mut decimals.iter().skip(1).step_by(2).copied())?;
            Some(Rounding {
                decimals: dx.min(dy),
                width: 2.0 * half(dx) * w,
                height: 2.0 * half(dy) * h,
            })
        }
    }
}

/// The number of decimals every value of every row is written with, when
/// they all have the same (a fixed-point writer: Datumaro's and CVAT's YOLO
/// exports print `%.6f`); `None` when they differ or there is no row.
fn fixed_decimals(scanned: &[Scanned]) -> Option<u32> {
    let mut rows = scanned.iter().flat_map(|s| &s.rows.rows);
    let first = rows.next()?;
    let n = first.decimals;
    (first.fewest_decimals == n && rows.all(|r| r.decimals == n && r.fewest_decimals == n))
        .then_some(n)
}

fn infer_task(scanned: &[Scanned]) -> Task {
    let mut any = false;
    let mut all_obb = true;
    let mut any_poly = false;
    for s in scanned {
        for r in &s.rows.rows {
            any = true;
            if r.len != 8 {
                all_obb = false;
            }
            if r.len > 4 {
                any_poly = true;
            }
        }
    }
    if any && all_obb {
        Task::Obb
    } else if any_poly {
        Task::Segment
    } else {
        Task::Detect
    }
}

struct RowCtx<'a> {
    task: Task,
    kpt: Option<(usize, usize)>,
    known: &'a (dyn Fn(u32) -> bool + Sync),
    names_len: usize,
}

fn convert_rows(
    rows: &RowFile,
    file: FileId,
    (w, h): (f64, f64),
    sized: bool,
    ctx: &RowCtx<'_>,
    issues: &mut Vec<Diagnostic>,
) -> Vec<Pending> {
    let mut out = Vec::with_capacity(rows.rows.len());
    'rows: for row in &rows.rows {
        let v = rows.values(row);
        if !(ctx.known)(row.class) {
            issues.push(
                ReadIssue::UnknownClass
                    .at(
                        file,
                        ByteSpan::new(
                            row.line.start as usize,
                            row.line.start as usize + row.class.to_string().len(),
                        ),
                        format!(
                            "class id {} is not in `names` ({} classes)",
                            row.class, ctx.names_len
                        ),
                    )
                    .skipped(),
            );
            continue;
        }
        let wrong = |issues: &mut Vec<Diagnostic>, what: String| {
            issues.push(
                ReadIssue::WrongValueCount
                    .at(file, row.line, what)
                    .skipped(),
            );
        };
        // Indices of values that are coordinates and must lie in range.
        let mut absent = vec![false; v.len()];
        let shape = match ctx.task {
            Task::Pose => {
                let (n, d) = ctx.kpt.unwrap_or((0, 3));
                let expected = 4 + n * d;
                if v.len() != expected {
                    wrong(
                        issues,
                        format!(
                            "expected {expected} values after the class id for a pose row with kpt_shape [{n}, {d}], found {}",
                            v.len()
                        ),
                    );
                    continue;
                }
                let mut points = Vec::with_capacity(n);
                for k in 0..n {
                    let i = 4 + k * d;
                    let (x, y) = (v[i], v[i + 1]);
                    let vis = if d == 3 {
                        let c = v[i + 2];
                        if c == 0.0 {
                            Visibility::Absent
                        } else if c == 1.0 {
                            Visibility::Occluded
                        } else if c == 2.0 {
                            Visibility::Visible
                        } else {
                            {
                                issues.push(
                                    ReadIssue::MalformedValue
                                        .at(
                                            file,
                                            rows.span(row, i + 2),
                                            format!("expected a visibility 0, 1 or 2, found {c}"),
                                        )
                                        .skipped(),
                                );
                                continue 'rows;
                            }
                        }
                    } else if x < 0.0 || y < 0.0 || (x == 0.0 && y == 0.0) {
                        Visibility::Absent
                    } else {
                        Visibility::Visible
                    };
                    if vis == Visibility::Absent {
                        absent[i] = true;
                        absent[i + 1] = true;
                    }
                    if d == 3 {
                        absent[i + 2] = true;
                    }
                    points.push(Keypoint {
                        name: None,
                        x: x * w,
                        y: y * h,
                        visibility: vis,
                    });
                }
                let b = BoxGeom::from_center(v[0] * w, v[1] * h, v[2] * w, v[3] * h, 0.0);
                Shape::Pose(b, Keypoints { points })
            }
            _ if v.len() == 4 => Shape::One(Geometry::Box(BoxGeom::from_center(
                v[0] * w,
                v[1] * h,
                v[2] * w,
                v[3] * h,
                0.0,
            ))),
            Task::Obb if v.len() == 8 => Shape::Obb(obb_corners(v, row.decimals, (w, h))),
            Task::Obb => {
                wrong(
                    issues,
                    format!(
                        "expected 8 values (4 corners) after the class id for an OBB row, found {}",
                        v.len()
                    ),
                );
                continue;
            }
            _ if v.len() >= 6 && v.len().is_multiple_of(2) => {
                let ring = v
                    .chunks_exact(2)
                    .map(|c| Point::new(c[0] * w, c[1] * h))
                    .collect();
                Shape::One(Geometry::Polygon(Polygon { rings: vec![ring] }))
            }
            _ => {
                wrong(
                    issues,
                    format!(
                        "expected 4 values (a box) or an even number of at least 6 (a polygon) after the class id, found {}",
                        v.len()
                    ),
                );
                continue;
            }
        };
        for (i, &x) in v.iter().enumerate() {
            if !absent[i] && !(-0.01..=1.01).contains(&x) {
                issues.push(
                    ReadIssue::CoordinateOutOfRange
                        .at(
                            file,
                            rows.span(row, i),
                            format!("expected a normalised coordinate in [-0.01, 1.01], found {x}"),
                        )
                        .skipped(),
                );
                continue 'rows;
            }
        }
        let rounding = if sized {
            rounding_of(&shape, rows.decimals(row), (w, h))
        } else {
            None
        };
        out.push(Pending {
            class: row.class,
            shape,
            line: row.line,
            rounding,
        });
    }
    out
}

fn keypoint_schema(schema: &Schema) -> Option<KeypointSchema> {
    let (n, _) = schema.kpt?;
    let names: Vec<String> = match &schema.kpt_names {
        Some(k) if k.len() == n => k.clone(),
        _ => (0..n).map(|i| i.to_string()).collect(),
    };
    let mut ks = KeypointSchema {
        names,
        edges: Vec::new(),
        flip_pairs: Vec::new(),
    };
    match &schema.flip_idx {
        Some(flip) if flip.len() == n => {
            for (i, &j) in flip.iter().enumerate() {
                if i < j && flip.get(j) == Some(&i) {
                    ks.flip_pairs.push((i, j));
                }
            }
        }
        _ => ks.flip_pairs = ks.infer_flip_pairs(),
    }
    Some(ks)
}

/// The entries whose label and image folders lie inside the dataset
/// folder, or `None` when they all do. Each folder that resolves outside
/// it (a symlinked `labels/`, absolute paths in an image list) is reported
/// once with the number of its files left out.
/// The entries whose image and label folders lie inside the dataset;
/// `None` when all do. Each folder outside is reported once, at the line of
/// the image list that first named a file in it (the list joins the source
/// map), or against the folder when no list named it.
fn confine(entries: &[Entry], scope: &Scope, loaded: &mut Loaded) -> Option<Vec<Entry>> {
    if scope.allows_outside() {
        return None;
    }
    // Folders are few: each is resolved once.
    let mut verdict: HashMap<&Path, Option<String>> = HashMap::new();
    // Each folder outside, how many entries it holds and the first.
    let mut outside: Vec<(&Path, usize, &Entry)> = Vec::new();
    let mut keep = vec![true; entries.len()];
    for (i, e) in entries.iter().enumerate() {
        for p in [&e.label, &e.image] {
            let Some(dir) = p.parent() else { continue };
            let refused = verdict
                .entry(dir)
                .or_insert_with(|| scope.check(dir).err())
                .is_some();
            if refused {
                if keep[i] {
                    match outside.iter_mut().find(|(d, _, _)| *d == dir) {
                        Some((_, n, _)) => *n += 1,
                        None => outside.push((dir, 1, e)),
                    }
                }
                keep[i] = false;
            }
        }
    }
    if outside.is_empty() {
        return None;
    }
    let mut lists: HashMap<PathBuf, FileId> = HashMap::new();
    for (dir, n, first) in outside {
        let why = verdict.get(dir).cloned().flatten().unwrap_or_default();
        let mut d = guard::refused(
            dir,
            format!("{why}: its {n} listed files were not read ({ALLOW_HINT})"),
        );
        if let Some(listed) = &first.listed {
            let list = &listed.list;
            let file = *lists.entry(list.path.clone()).or_insert_with(|| {
                loaded.sources.add(SourceFile::with_text(
                    list.path.clone(),
                    Arc::clone(&list.text),
                ))
            });
            d = d.at(file, listed.span);
        }
        loaded.issues.push(d);
    }
    Some(
        entries
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(e, _)| e.clone())
            .collect(),
    )
}

#[allow(clippy::too_many_lines)]
fn build(
    mut loaded: Loaded,
    schema: &Schema,
    entries: &[Entry],
    scope: &Scope,
    options: &ReadOptions,
) -> Result<Loaded, Error> {
    let inside = confine(entries, scope, &mut loaded);
    let entries: &[Entry] = inside.as_deref().unwrap_or(entries);
    // Phase one, in parallel: label bytes, rows, image size.
    // File ids are 32 bits: the label files get the ids after the files
    // already read, and a dataset with more is refused rather than given
    // ids that collide.
    let base = u32::try_from(loaded.sources.len())
        .ok()
        .filter(|&b| u32::try_from(entries.len()).is_ok_and(|n| b.checked_add(n).is_some()))
        .ok_or_else(|| Error::NotADataset {
            path: entries
                .first()
                .and_then(|e| e.label.parent())
                .map(Path::to_path_buf)
                .unwrap_or_default(),
            reason: format!(
                "{} label files, more than the {} labelkit can tell apart",
                entries.len(),
                u32::MAX
            ),
        })?;
    // `i` indexes `entries`, whose ids were checked to fit above.
    let file_id = |i: usize| FileId(base + u32::try_from(i).expect("checked above"));
    let scan = |(i, e): (usize, &Entry)| -> Scanned {
        let file = file_id(i);
        let mut issues = Vec::new();
        let (text, has_label) = match read_small(scope, &e.label) {
            Ok(t) => (Some(t), true),
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::IsADirectory
                ) =>
            {
                (None, false)
            }
            Err(err) => {
                // A refusal of the scope (a link leading out) names the
                // file already, as a folder walk reports it.
                let message = if guard::is_outside_refusal(&err) {
                    err.to_string()
                } else {
                    format!("label file {}: {err}", e.label.display())
                };
                issues.extend(scope.refuse_once(&e.label, message));
                (None, true)
            }
        };
        let rows = text
            .as_deref()
            .map(|t| tokenize(t, file, &mut issues))
            .unwrap_or_default();
        // The image is opened directly: a missing file is told by the error
        // of the open, without a metadata call first.
        let (size, image_found) = match size_in(&options.image_sizes, e) {
            Some(s) => (Ok(s), None),
            // An image file may be a symlink to anywhere: only its header
            // is read, from a regular file (see `guard`).
            None => match imagesize::image_size(&e.image) {
                Ok(size) => (Ok(size), Some(true)),
                Err(imagesize::ImageSizeError::Io(err))
                    if matches!(
                        err.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::IsADirectory
                    ) =>
                {
                    let size =
                        fallback_size(options, e).ok_or_else(|| "image file not found".to_owned());
                    (size, Some(false))
                }
                Err(err) => (
                    fallback_size(options, e).ok_or_else(|| err.to_string()),
                    Some(true),
                ),
            },
        };
        Scanned {
            has_label,
            text,
            rows,
            size,
            image_found,
            issues,
        }
    };
    let mut scanned: Vec<Scanned> = if options.serial {
        entries.iter().enumerate().map(scan).collect()
    } else {
        entries.par_iter().enumerate().map(scan).collect()
    };
    for (e, s) in entries.iter().zip(&mut scanned) {
        let text: Vec<u8> = s.text.take().unwrap_or_default();
        loaded.sources.add(SourceFile::with_text(&e.label, text));
    }
    let task = options
        .task
        .or(schema.task)
        .unwrap_or_else(|| infer_task(&scanned));
    let kpt = if task == Task::Pose {
        Some(schema.kpt.unwrap_or((0, 3)))
    } else {
        None
    };
    if task == Task::Pose && schema.kpt.is_none() {
        loaded.issues.push(ReadIssue::Unsupported.in_file(
            entries.first().map(|e| e.label.clone()).unwrap_or_default(),
            "pose rows without `kpt_shape`: no keypoints can be read",
        ));
    }

    // Labels.
    let kschema = if task == Task::Pose {
        keypoint_schema(schema)
    } else {
        None
    };
    let mut class_to_label: HashMap<u32, LabelId> = HashMap::new();
    for (id, name) in &schema.names {
        let mut label = Label::new(name.clone());
        label.source_id = Some(i64::from(*id));
        label.keypoints.clone_from(&kschema);
        let lid = loaded.dataset.labels.push(label);
        loaded.spans.labels.push(schema.names_at);
        class_to_label.insert(*id, lid);
    }
    let names_declared = !schema.names.is_empty();
    let known_ids: HashSet<u32> = schema.names.iter().map(|(i, _)| *i).collect();
    let known = |c: u32| !names_declared || known_ids.contains(&c);
    let ctx = RowCtx {
        task,
        kpt,
        known: &known,
        names_len: schema.names.len(),
    };
    if let Some((n, d)) = kpt {
        loaded
            .dataset
            .info
            .extra
            .push((KPT_DIMS_EXTRA.to_owned(), format!("[{n},{d}]")));
    }
    if let Some(flip) = &schema.flip_idx {
        loaded.facts.flip_idx = Some(StatedFlipIdx {
            indices: flip.clone(),
            at: schema.flip_idx_at,
        });
    }
    loaded.dataset.info.source_format = Some("yolo".into());
    if task != Task::Pose {
        loaded.dataset.info.fixed_decimals = fixed_decimals(&scanned);
    }

    // Phase two, in parallel: rows to shapes.
    let converted: Vec<(Vec<Pending>, Vec<Diagnostic>)> = scanned
        .par_iter()
        .enumerate()
        .map(|(i, s)| {
            let file = file_id(i);
            let (scale, sized) = match s.size {
                Ok((w, h)) if w > 0 && h > 0 => ((f64::from(w), f64::from(h)), true),
                _ => ((1.0, 1.0), false),
            };
            let mut issues = Vec::new();
            let p = convert_rows(&s.rows, file, scale, sized, &ctx, &mut issues);
            (p, issues)
        })
        .collect();

    // Assembly: ids in order. The measurements stay aligned with the
    // dataset's vectors.
    let m = &mut loaded.measurements;
    m.annotations.resize(loaded.dataset.annotations.len(), None);
    m.images.resize(loaded.dataset.images.len(), None);
    let mut next_ann = 1u64;
    let mut next_group = 1u64;
    for (i, ((e, s), (pending, conv_issues))) in
        entries.iter().zip(scanned).zip(converted).enumerate()
    {
        let file = file_id(i);
        let image_id = ImageId(i as u64 + 1);
        let unknown = match (&s.size, s.image_found) {
            (Ok(_), _) => None,
            (Err(_), Some(false)) => Some(SizeUnknown::ImageMissing),
            (Err(_), _) => Some(SizeUnknown::ImageUnreadable),
        };
        loaded.measurements.images.push(unknown);
        let (width, height) = match &s.size {
            Ok(size) => *size,
            // A missing image is no read issue: D006 reports the labels
            // without their image, G005 the images not measured, and a
            // conversion to a pixel format refuses in one message.
            Err(_) if unknown == Some(SizeUnknown::ImageMissing) => (0, 0),
            Err(why) => {
                let n = pending.len();
                loaded.issues.push(
                    ReadIssue::ImageUnreadable
                        .in_file(
                            &e.image,
                            format!(
                                "{}: {why}; its size is unknown, so its {n} shapes keep normalised coordinates",
                                e.image.display()
                            ),
                        )
                        .about(Some(image_id.0), None),
                );
                (0, 0)
            }
        };
        let facts = s.file_facts();
        if !facts.is_empty() {
            *loaded.facts.image_mut(loaded.dataset.images.len()) = facts;
        }
        loaded.issues.extend(s.issues);
        loaded.issues.extend(conv_issues);
        loaded.dataset.images.push(Image {
            id: image_id,
            file_name: e.file_name.clone(),
            width,
            height,
            subset: e.subset.clone(),
            ..Image::default()
        });
        loaded.spans.images.push(Some(SourceSpan {
            file,
            span: ByteSpan::at(0),
        }));
        for p in pending {
            let label = match class_to_label.get(&p.class) {
                Some(l) => *l,
                None => {
                    let mut label = Label::new(p.class.to_string());
                    label.source_id = Some(i64::from(p.class));
                    label.keypoints.clone_from(&kschema);
                    let lid = loaded.dataset.labels.push(label);
                    loaded.spans.labels.push(None);
                    class_to_label.insert(p.class, lid);
                    lid
                }
            };
            let at = Some(SourceSpan { file, span: p.line });
            match p.shape {
                Shape::One(g) => {
                    loaded.dataset.annotations.push(Annotation::new(
                        AnnotationId(next_ann),
                        image_id,
                        label,
                        g,
                    ));
                    loaded.spans.annotations.push(at);
                    loaded.measurements.annotations.push(p.rounding);
                    next_ann += 1;
                }
                Shape::Obb(corners) => {
                    let mut a = Annotation::new(
                        AnnotationId(next_ann),
                        image_id,
                        label,
                        Geometry::Box(corners.fit()),
                    );
                    a.stated_corners = Some(Box::new(corners));
                    loaded.dataset.annotations.push(a);
                    loaded.spans.annotations.push(at);
                    next_ann += 1;
                }
                Shape::Pose(b, k) => {
                    let group = Some(GroupId(next_group));
                    next_group += 1;
                    for (g, rounding) in [
                        (Geometry::Box(b), p.rounding),
                        (Geometry::Keypoints(k), None),
                    ] {
                        let mut a = Annotation::new(AnnotationId(next_ann), image_id, label, g);
                        a.group = group;
                        loaded.dataset.annotations.push(a);
                        loaded.spans.annotations.push(at);
                        loaded.measurements.annotations.push(rounding);
                        next_ann += 1;
                    }
                }
            }
        }
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    thread_local! {
        /// The folders [`list_dir`] listed on this thread.
        pub(super) static LISTED: RefCell<Vec<PathBuf>> = const { RefCell::new(Vec::new()) };
    }

    fn listed_during<T>(f: impl FnOnce() -> T) -> (T, Vec<PathBuf>) {
        LISTED.with(|l| l.borrow_mut().clear());
        let out = f();
        (out, LISTED.with(RefCell::take))
    }

    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    /// A dataset whose `labels/train` holds `n` empty label files and
    /// `images/train` 100 images besides `target.txt` and `target.png`.
    fn big_dataset(config: &str, n: usize) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("labels/train")).unwrap();
        fs::create_dir_all(root.join("images/train")).unwrap();
        fs::write(
            root.join(config),
            "train: images/train\nval: images/train\nnames:\n  0: person\n  1: head\n",
        )
        .unwrap();
        for i in 0..n {
            fs::write(root.join(format!("labels/train/{i:06}.txt")), "").unwrap();
        }
        for i in 0..100 {
            fs::write(root.join(format!("images/train/{i:06}.jpg")), "").unwrap();
        }
        fs::write(root.join("labels/train/target.txt"), "1 0.5 0.5 0.25 0.5\n").unwrap();
        fs::write(root.join("images/train/target.png"), png_header(640, 480)).unwrap();
        dir
    }

    #[test]
    fn one_label_file_in_a_big_dataset_lists_no_folder() {
        let dir = big_dataset("data.yaml", 20_000);
        let label = dir.path().join("labels/train/target.txt");
        let (loaded, listed) =
            listed_during(|| read_label_file(&label, &ReadOptions::default()).unwrap());
        assert_eq!(listed, Vec::<PathBuf>::new());
        let d = &loaded.dataset;
        assert_eq!(d.images.len(), 1);
        assert_eq!(d.images[0].file_name, "images/train/target.png");
        assert_eq!((d.images[0].width, d.images[0].height), (640, 480));
        assert_eq!(d.images[0].subset.as_deref(), Some("train"));
        assert_eq!(d.annotations.len(), 1);
        assert_eq!(d.labels.get(d.annotations[0].label).unwrap().name, "head");
        let Geometry::Box(b) = &d.annotations[0].geometry else {
            panic!("not a box: {:?}", d.annotations[0].geometry)
        };
        assert_eq!(
            (b.x_min, b.y_min, b.x_max, b.y_max),
            (240.0, 120.0, 400.0, 360.0)
        );
    }

    #[test]
    fn an_unusual_yaml_name_lists_only_the_small_root() {
        let dir = big_dataset("people.yaml", 2_000);
        let root = clean(dir.path());
        let label = root.join("labels/train/target.txt");
        let (found, listed) = listed_during(|| find_config(&label));
        assert_eq!(found, Some(root.join("people.yaml")));
        // `labels/train` and `labels` are never listed.
        assert_eq!(listed, vec![root.clone()]);
        let (loaded, _) =
            listed_during(|| read_label_file(&label, &ReadOptions::default()).unwrap());
        assert_eq!(loaded.dataset.labels.len(), 2);
    }

    #[test]
    fn a_folder_of_more_than_a_thousand_entries_is_not_searched() {
        let dir = tempfile::tempdir().unwrap();
        let root = clean(dir.path());
        let big = root.join("annotations");
        fs::create_dir_all(big.join("train")).unwrap();
        for i in 0..=LISTING_LIMIT {
            fs::write(big.join(format!("{i}.txt")), "").unwrap();
        }
        let names = "names: [a]\n";
        fs::write(big.join("near.yaml"), names).unwrap();
        fs::write(root.join("far.yaml"), names).unwrap();
        let label = big.join("train/x.txt");
        fs::write(&label, "0 0.5 0.5 0.1 0.1\n").unwrap();
        let (found, listed) = listed_during(|| find_config(&label));
        assert_eq!(found, Some(root.join("far.yaml")));
        assert_eq!(listed, vec![big.clone(), root.clone()]);
        // The same folder with fewer entries is searched.
        for i in 0..=LISTING_LIMIT {
            fs::remove_file(big.join(format!("{i}.txt"))).unwrap();
        }
        assert_eq!(find_config(&label), Some(big.join("near.yaml")));
    }

    #[test]
    fn dataset_yaml_counts_only_with_names() {
        let dir = tempfile::tempdir().unwrap();
        let root = clean(dir.path());
        fs::create_dir_all(root.join("labels")).unwrap();
        let label = root.join("labels/x.txt");
        fs::write(&label, "").unwrap();
        fs::write(root.join("dataset.yaml"), "description: not yolo\n").unwrap();
        fs::write(root.join("obj.names"), "a\n").unwrap();
        assert_eq!(find_config(&label), Some(root.join("obj.names")));
        fs::write(root.join("dataset.yaml"), "names: [a]\n").unwrap();
        assert_eq!(find_config(&label), Some(root.join("dataset.yaml")));
        fs::write(root.join("data.yml"), "names: [a]\n").unwrap();
        assert_eq!(find_config(&label), Some(root.join("data.yml")));
    }

    #[test]
    fn the_walk_up_stops_at_the_repository_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = clean(dir.path());
        fs::write(root.join("data.yaml"), "names: [a]\n").unwrap();
        let repo = root.join("repo");
        fs::create_dir_all(repo.join(".git")).unwrap();
        fs::create_dir_all(repo.join("labels")).unwrap();
        let label = repo.join("labels/x.txt");
        fs::write(&label, "").unwrap();
        assert_eq!(find_config(&label), None);
        fs::write(repo.join("data.yaml"), "names: [a]\n").unwrap();
        assert_eq!(find_config(&label), Some(repo.join("data.yaml")));
    }

    #[test]
    fn walk_orders_paths_component_by_component() {
        let dir = tempfile::tempdir().unwrap();
        let root = clean(dir.path());
        for f in [
            "a-b/1.jpg",
            "a/2.jpg",
            "a/b/3.jpg",
            "a/a.jpg",
            "a.jpg",
            "b.txt",
        ] {
            let p = root.join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "").unwrap();
        }
        let scope = Scope::new(&root, false);
        let got = Walker::new(&scope).walk(&root, &is_image);
        let mut expected: Vec<PathBuf> = ["a-b/1.jpg", "a/2.jpg", "a/b/3.jpg", "a/a.jpg", "a.jpg"]
            .iter()
            .map(|f| root.join(f))
            .collect();
        expected.sort();
        assert_eq!(got, expected);
    }

    #[test]
    fn clean_paths() {
        assert_eq!(clean(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(clean(Path::new("./.")), PathBuf::from("."));
        assert_eq!(clean(Path::new("./../../x")), PathBuf::from("../../x"));
        assert_eq!(clean(Path::new("a/../../x")), PathBuf::from("../x"));
        assert_eq!(clean(Path::new("/../x")), PathBuf::from("/x"));
        assert_eq!(
            rel_name(Path::new("/r"), Path::new("/r/images/a.jpg")),
            "images/a.jpg"
        );
    }
}

/// The tasks the fuzz body drives the row converter with.
#[cfg(feature = "fuzzing")]
#[derive(Debug, Clone, Copy)]
pub(crate) enum Task4 {
    Detect,
    Segment,
    Obb,
    Pose2,
    Pose3,
}

/// Converts rows as [`build`] does, for the fuzz body.
#[cfg(feature = "fuzzing")]
pub(crate) fn convert_for_fuzz(rows: &RowFile, task: Task4, issues: &mut Vec<Diagnostic>) -> usize {
    let (task, kpt) = match task {
        Task4::Detect => (Task::Detect, None),
        Task4::Segment => (Task::Segment, None),
        Task4::Obb => (Task::Obb, None),
        Task4::Pose2 => (Task::Pose, Some((3, 2))),
        Task4::Pose3 => (Task::Pose, Some((3, 3))),
    };
    let known = |c: u32| c < 80;
    let ctx = RowCtx {
        task,
        kpt,
        known: &known,
        names_len: 80,
    };
    convert_rows(rows, FileId(0), (640.0, 480.0), true, &ctx, issues).len()
}
