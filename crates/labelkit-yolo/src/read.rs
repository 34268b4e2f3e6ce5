//! Finding the files of a YOLO dataset and reading them into the model.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use labelkit_diagnostics::{
    ByteSpan, Diagnostic, FileId, Loaded, ReadIssue, SourceFile, SourceSpan,
};
use labelkit_model::{
    keys, Annotation, AnnotationId, BoxGeom, Geometry, GroupId, Image, ImageId, Keypoint,
    KeypointSchema, Keypoints, Label, LabelId, Point, Polygon, Visibility,
};
use rayon::prelude::*;

use crate::data_yaml::{self, key_span, DataYaml};
use crate::rows::{tokenize, RowFile};
use crate::{imagesize, Error, Layout, ReadOptions, Task, IMAGE_EXTENSIONS, KPT_DIMS_EXTRA};

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
}

/// One image of the dataset and where its label file is.
#[derive(Debug, Clone)]
struct Entry {
    image: PathBuf,
    label: PathBuf,
    file_name: String,
    subset: Option<String>,
}

fn read_text(path: &Path) -> Result<String, Error> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Lexically removes `.` and resolves `..` components.
fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
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

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn has_ext(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Files under `dir` (recursively) accepted by `keep`, sorted.
fn walk(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(_) if keep(&p) => out.push(p),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// The label path of an image: the last `/images/` becomes `/<labels>/` and
/// the extension `.txt`; an image outside any `images` folder has its label
/// beside it.
fn img2label(image: &Path, labels_dir: &str) -> PathBuf {
    let mut parts: Vec<_> = image
        .components()
        .map(|c| c.as_os_str().to_owned())
        .collect();
    if let Some(i) = parts.iter().rposition(|p| p == "images") {
        if i + 1 < parts.len() {
            parts[i] = labels_dir.into();
        }
    }
    let mut out: PathBuf = parts.iter().collect();
    out.set_extension("txt");
    out
}

/// The image folder of a label path (inverse of [`img2label`] without the
/// extension).
fn label2img_stem(label: &Path, labels_dir: &str) -> PathBuf {
    let mut parts: Vec<_> = label
        .components()
        .map(|c| c.as_os_str().to_owned())
        .collect();
    if let Some(i) = parts.iter().rposition(|p| p == labels_dir) {
        if i + 1 < parts.len() {
            parts[i] = "images".into();
        }
    }
    let mut out: PathBuf = parts.iter().collect();
    out.set_extension("");
    out
}

/// Finds the image of a label by trying image extensions (no listing).
fn find_image(stem: &Path) -> Option<PathBuf> {
    let name = stem.file_name()?.to_string_lossy().into_owned();
    for ext in IMAGE_EXTENSIONS {
        for e in [ext.to_owned(), ext.to_ascii_uppercase()] {
            let p = stem.with_file_name(format!("{name}.{e}"));
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn guessed_image(stem: &Path) -> PathBuf {
    let name = stem
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    stem.with_file_name(format!("{name}.jpg"))
}

/// Where a `train`/`val`/`test` entry points, with the fallbacks for
/// relative quirks: a leading `../` is dropped when the path does not exist
/// (as Ultralytics does), and `valid`/`val` are tried for each other.
fn resolve_entry(root: &Path, entry: &str) -> (PathBuf, bool) {
    let mut candidates = vec![root.join(entry)];
    if let Some(rest) = entry.strip_prefix("../") {
        candidates.push(root.join(rest));
    }
    let swapped: Vec<PathBuf> = candidates
        .iter()
        .filter_map(|c| {
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
            Some(parts.iter().collect())
        })
        .collect();
    candidates.extend(swapped);
    for c in &candidates {
        if c.exists() {
            return (clean(c), true);
        }
    }
    (
        clean(
            candidates
                .last()
                .filter(|_| false)
                .unwrap_or(&candidates[0]),
        ),
        false,
    )
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

struct Collector {
    entries: Vec<Entry>,
    seen: HashSet<PathBuf>,
}

impl Collector {
    fn new() -> Self {
        Self {
            entries: Vec::new(),
            seen: HashSet::new(),
        }
    }

    fn push(&mut self, root: &Path, image: PathBuf, label: PathBuf, subset: Option<&str>) {
        if self.seen.insert(image.clone()) {
            self.entries.push(Entry {
                file_name: rel_name(root, &image),
                image,
                label,
                subset: subset.map(str::to_owned),
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
        for label in walk(labels, &|p| has_ext(p, "txt")) {
            if claimed.contains(&label) {
                continue;
            }
            let stem = if darknet {
                label.with_extension("")
            } else {
                label2img_stem(&label, labels_dir)
            };
            let image = find_image(&stem).unwrap_or_else(|| guessed_image(&stem));
            self.push(root, image, label, subset);
        }
    }
}

fn collect_ultralytics(root: &Path, yaml: &DataYaml, options: &ReadOptions) -> Vec<Entry> {
    let ld = options.labels_dir();
    let mut c = Collector::new();
    let mut subsets = yaml.subsets.clone();
    if subsets.is_empty() {
        // No subsets: every image under `images/` (or the root).
        let images = root.join("images");
        let dir = if images.is_dir() {
            images
        } else {
            root.to_path_buf()
        };
        subsets.push((String::new(), vec![rel_name(root, &dir)]));
    }
    for (subset, entries) in &subsets {
        let subset = (!subset.is_empty()).then_some(subset.as_str());
        for entry in entries {
            let (path, exists) = resolve_entry(root, entry);
            if exists && path.is_file() && has_ext(&path, "txt") {
                let list_dir = path.parent().unwrap_or(root).to_path_buf();
                let text = fs::read(&path).unwrap_or_default();
                for line in String::from_utf8_lossy(&text).lines() {
                    let line = line.trim();
                    if line.is_empty() {
                        continue;
                    }
                    let image = resolve_listed(root, &list_dir, line);
                    let label = img2label(&image, ld);
                    c.push(root, image, label, subset);
                }
            } else if exists && path.is_file() {
                let label = img2label(&path, ld);
                c.push(root, path, label, subset);
            } else {
                for image in walk(&path, &is_image) {
                    let label = img2label(&image, ld);
                    c.push(root, image, label, subset);
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
    c.entries
}

fn schema_from_yaml(yaml: &DataYaml, names_at: Option<SourceSpan>) -> Schema {
    Schema {
        names: yaml.names.clone(),
        kpt: yaml.kpt_shape,
        flip_idx: yaml.flip_idx.clone(),
        kpt_names: yaml.kpt_names.clone(),
        task: yaml.task,
        names_at,
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
    let yaml_dir = yaml_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let root = match &yaml.path {
        Some(p) if yaml_dir.join(p).is_dir() => clean(&yaml_dir.join(p)),
        _ => clean(yaml_dir),
    };
    let names_at = SourceSpan {
        file,
        span: key_span(&text, "names"),
    };
    let schema = schema_from_yaml(&yaml, Some(names_at));
    check_flip_idx(&schema, file, &text, &mut loaded.issues);
    let entries = collect_ultralytics(&root, &yaml, options);
    build(loaded, &schema, &entries, &root, options)
}

fn check_flip_idx(schema: &Schema, file: FileId, text: &str, issues: &mut Vec<Diagnostic>) {
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
    let keys = data_yaml::parse_obj_data(&text);
    let get = |k: &str| {
        keys.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let in_root = |v: &str| {
        let direct = root.join(v);
        if direct.exists() {
            return direct;
        }
        match v.split_once('/') {
            Some((_, rest)) => root.join(rest),
            None => direct,
        }
    };
    let names_path = in_root(&get("names").unwrap_or_else(|| "obj.names".into()));
    let mut schema = Schema::default();
    if let Ok(names_text) = fs::read(&names_path) {
        let names_file = loaded
            .sources
            .add(SourceFile::with_text(&names_path, names_text.clone()));
        schema.names = data_yaml::parse_obj_names(&String::from_utf8_lossy(&names_text));
        schema.names_at = Some(SourceSpan {
            file: names_file,
            span: ByteSpan::at(0),
        });
    } else {
        loaded.issues.push(ReadIssue::DanglingReference.at(
            file,
            key_span(&text, "names"),
            format!("class names file not found: {}", names_path.display()),
        ));
    }
    let mut c = Collector::new();
    for key in ["train", "valid", "test"] {
        let Some(v) = get(key) else { continue };
        let list = in_root(&v);
        let Ok(list_text) = fs::read(&list) else {
            continue;
        };
        let list_dir = list.parent().unwrap_or(&root).to_path_buf();
        for line in String::from_utf8_lossy(&list_text).lines() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let image = resolve_listed(&root, &list_dir, line);
            let subset = darknet_subset(&image).unwrap_or_else(|| key.to_owned());
            let label = image.with_extension("txt");
            c.push(&root, image, label, Some(&subset));
        }
    }
    for dir in darknet_dirs(&root) {
        let subset = darknet_subset(&dir.join("x"));
        for image in walk(&dir, &is_image) {
            let label = image.with_extension("txt");
            c.push(&root, image, label, subset.as_deref());
        }
        c.orphans(&root, &dir, subset.as_deref(), "labels", true);
    }
    build(loaded, &schema, &c.entries, &root, options)
}

fn darknet_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root)
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
    if let Some(names) = names {
        let text = fs::read(names).map_err(|e| Error::io(names, e))?;
        let file = loaded
            .sources
            .add(SourceFile::with_text(names, text.clone()));
        loaded.spans.dataset_file = Some(file);
        schema.names = data_yaml::parse_obj_names(&String::from_utf8_lossy(&text));
        schema.names_at = Some(SourceSpan {
            file,
            span: ByteSpan::at(0),
        });
    }
    if !darknet_dirs(root).is_empty() && !root.join("images").is_dir() {
        let mut c = Collector::new();
        for dir in darknet_dirs(root) {
            let subset = darknet_subset(&dir.join("x"));
            for image in walk(&dir, &is_image) {
                let label = image.with_extension("txt");
                c.push(root, image, label, subset.as_deref());
            }
            c.orphans(root, &dir, subset.as_deref(), "labels", true);
        }
        return build(loaded, &schema, &c.entries, root, options);
    }
    let images = root.join("images");
    let mut yaml = DataYaml::default();
    let mut subdirs: Vec<String> = fs::read_dir(&images)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    subdirs.sort();
    let loose_files = fs::read_dir(&images)
        .map(|rd| rd.flatten().any(|e| is_image(&e.path())))
        .unwrap_or(false);
    if subdirs.is_empty() || loose_files {
        yaml.subsets
            .push((String::new(), vec!["images".to_owned()]));
    }
    for s in subdirs {
        yaml.subsets.push((s.clone(), vec![format!("images/{s}")]));
    }
    let entries = collect_ultralytics(root, &yaml, options);
    build(loaded, &schema, &entries, root, options)
}

fn yaml_candidates(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .take(10_000)
                .map(|e| e.path())
                .filter(|p| {
                    (has_ext(p, "yaml") || has_ext(p, "yml"))
                        && p.is_file()
                        && fs::read(p)
                            .map(|t| data_yaml::has_names_key(&String::from_utf8_lossy(&t)))
                            .unwrap_or(false)
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
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
        let text = fs::read(path).ok()?;
        return data_yaml::has_names_key(&String::from_utf8_lossy(&text))
            .then_some(Layout::Ultralytics);
    }
    if name.ends_with(".txt") {
        let text = fs::read(path).ok()?;
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
/// Nothing is listed but the few folders on the way up (the folder holding
/// the label file is never listed), so this takes milliseconds even in a
/// dataset of a hundred thousand files.
///
/// # Errors
/// [`Error::Io`] when the label file cannot be read, [`Error::Parse`] for a
/// `data.yaml` with a syntax error.
pub fn read_label_file(label_path: &Path, options: &ReadOptions) -> Result<Loaded, Error> {
    if !label_path.is_file() {
        return Err(Error::io(
            label_path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "label file not found"),
        ));
    }
    let ld = options.labels_dir().to_owned();
    let label_dir = label_path.parent().unwrap_or(Path::new("."));
    let mut config: Option<PathBuf> = None;
    for (depth, dir) in label_dir.ancestors().enumerate().take(12) {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        for name in ["data.yaml", "data.yml", "obj.data", "obj.names"] {
            if dir.join(name).is_file() {
                config = Some(dir.join(name));
                break;
            }
        }
        if config.is_none() && depth > 0 {
            if let Some(y) = yaml_candidates(dir).into_iter().next() {
                config = Some(y);
            }
        }
        if config.is_some() {
            break;
        }
    }
    let mut loaded = Loaded::default();
    let mut schema = Schema::default();
    let darknet_like = darknet_subset(label_path).is_some();
    let stem = if darknet_like {
        label_path.with_extension("")
    } else {
        label2img_stem(label_path, &ld)
    };
    let image = find_image(&stem).unwrap_or_else(|| guessed_image(&stem));
    let mut root = clean(label_dir);
    let mut subset = darknet_subset(label_path);
    match &config {
        Some(cfg) if has_ext(cfg, "yaml") || has_ext(cfg, "yml") => {
            let text = read_text(cfg)?;
            let file = loaded.sources.add(SourceFile::with_text(cfg, text.as_bytes().to_vec()));
            loaded.spans.dataset_file = Some(file);
            let yaml = data_yaml::parse_data_yaml(&text, cfg, file, &mut loaded.issues)?;
            let yaml_dir = cfg.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            root = match &yaml.path {
                Some(p) if yaml_dir.join(p).is_dir() => clean(&yaml_dir.join(p)),
                _ => clean(yaml_dir),
            };
            let image_c = clean(&image);
            for (name, entries) in &yaml.subsets {
                for e in entries {
                    let (dir, _) = resolve_entry(&root, e);
                    if image_c.starts_with(&dir) && !has_ext(&dir, "txt") {
                        subset.get_or_insert_with(|| name.clone());
                    }
                }
            }
            schema = schema_from_yaml(&yaml, Some(SourceSpan { file, span: key_span(&text, "names") }));
            check_flip_idx(&schema, file, &text, &mut loaded.issues);
        }
        Some(cfg) => {
            let cfg_dir = clean(cfg.parent().unwrap_or(Path::new(".")));
            root = cfg_dir.clone();
            let names_path = if has_ext(cfg, "data") {
                let text = read_text(cfg)?;
                let keys = data_yaml::parse_obj_data(&text);
                let v = keys.iter().find(|(k, _)| k == "names").map_or("obj.names", |(_, v)| v.as_str());
                let direct = cfg_dir.join(v);
                if direct.is_file() {
                    direct
                } else {
                    cfg_dir.join(v.split_once('/').map_or(v, |(_, r)| r))
                }
            } else {
                cfg.clone()
            };
            if let Ok(text) = fs::read(&names_path) {
                let file = loaded.sources.add(SourceFile::with_text(&names_path, text.clone()));
                loaded.spans.dataset_file = Some(file);
                schema.names = data_yaml::parse_obj_names(&String::from_utf8_lossy(&text));
                schema.names_at = Some(SourceSpan { file, span: ByteSpan::at(0) });
            }
            if subset.is_none() {
                // images/<subset>/x.jpg
                let rel = rel_name(&root, &image);
                let parts: Vec<&str> = rel.split('/').collect();
                if parts.len() > 2 && parts[0] == "images" {
                    subset = Some(parts[1].to_owned());
                }
            }
        }
        None => loaded.issues.push(ReadIssue::Unsupported.in_file(
            label_path,
            "no data.yaml, obj.data or obj.names found above the label file: classes are named by their ids",
        )),
    }
    let entry = Entry {
        file_name: rel_name(&root, &clean(&image)),
        image,
        label: label_path.to_path_buf(),
        subset,
    };
    build(loaded, &schema, &[entry], &root, options)
}

/// What phase one learns about an entry.
struct Scanned {
    /// The label file's bytes; `None` when there is no label file.
    text: Option<Vec<u8>>,
    rows: RowFile,
    size: Result<(u32, u32), String>,
    /// Whether the image file exists; `None` when its size was supplied by
    /// [`ReadOptions::image_sizes`] and the file was not looked at.
    image_found: Option<bool>,
    issues: Vec<Diagnostic>,
}

impl Scanned {
    /// The reader's facts about the files of an image, as `Image::extra`
    /// entries: no label file ([`keys::LABEL_FILE`]; an empty label file is
    /// a deliberate background image and is not marked), or labels whose
    /// image file does not exist ([`keys::IMAGE_FILE`]).
    fn file_facts(&self) -> Vec<(String, String)> {
        match (&self.text, self.image_found) {
            (None, Some(true) | None) => {
                vec![(keys::LABEL_FILE.to_owned(), MISSING.to_owned())]
            }
            (Some(_), Some(false)) => vec![(keys::IMAGE_FILE.to_owned(), MISSING.to_owned())],
            _ => Vec::new(),
        }
    }
}

/// The JSON text of the `"missing"` value of the file keys.
const MISSING: &str = "\"missing\"";

fn size_override(options: &ReadOptions, e: &Entry) -> Option<(u32, u32)> {
    if options.image_sizes.is_empty() {
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
        .find_map(|k| options.image_sizes.get(&k).copied())
}

/// One shape read from a row, before ids are assigned.
enum Shape {
    One(Geometry),
    Pose(BoxGeom, Keypoints),
}

struct Pending {
    class: u32,
    shape: Shape,
    line: ByteSpan,
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
    ctx: &RowCtx<'_>,
    issues: &mut Vec<Diagnostic>,
) -> Vec<Pending> {
    let mut out = Vec::with_capacity(rows.rows.len());
    'rows: for row in &rows.rows {
        let v = rows.values(row);
        if !(ctx.known)(row.class) {
            issues.push(ReadIssue::UnknownClass.at(
                file,
                ByteSpan::new(
                    row.line.start as usize,
                    row.line.start as usize + row.class.to_string().len(),
                ),
                format!(
                    "class id {} is not in `names` ({} classes)",
                    row.class, ctx.names_len
                ),
            ));
            continue;
        }
        let wrong = |issues: &mut Vec<Diagnostic>, what: String| {
            issues.push(ReadIssue::WrongValueCount.at(file, row.line, what));
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
                                issues.push(ReadIssue::MalformedValue.at(
                                    file,
                                    rows.span(row, i + 2),
                                    format!("expected a visibility 0, 1 or 2, found {c}"),
                                ));
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
            Task::Obb if v.len() == 8 => {
                let p = |i: usize| Point::new(v[2 * i] * w, v[2 * i + 1] * h);
                Shape::One(Geometry::Box(BoxGeom::from_corners([
                    p(0),
                    p(1),
                    p(2),
                    p(3),
                ])))
            }
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
                issues.push(ReadIssue::CoordinateOutOfRange.at(
                    file,
                    rows.span(row, i),
                    format!("expected a normalised coordinate in [-0.01, 1.01], found {x}"),
                ));
                continue 'rows;
            }
        }
        out.push(Pending {
            class: row.class,
            shape,
            line: row.line,
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

#[allow(clippy::too_many_lines)]
fn build(
    mut loaded: Loaded,
    schema: &Schema,
    entries: &[Entry],
    root: &Path,
    options: &ReadOptions,
) -> Result<Loaded, Error> {
    let _ = root;
    // Phase one, in parallel: label bytes, rows, image size.
    let base = u32::try_from(loaded.sources.len()).unwrap_or(u32::MAX);
    let scan = |(i, e): (usize, &Entry)| -> Scanned {
        let file = FileId(base.saturating_add(u32::try_from(i).unwrap_or(u32::MAX)));
        let mut issues = Vec::new();
        let text = fs::read(&e.label).ok();
        let rows = text
            .as_deref()
            .map(|t| tokenize(t, file, &mut issues))
            .unwrap_or_default();
        let (size, image_found) = match size_override(options, e) {
            Some(s) => (Ok(s), None),
            None if e.image.is_file() => (
                imagesize::image_size(&e.image).map_err(|err| err.to_string()),
                Some(true),
            ),
            None => (Err("image file not found".to_owned()), Some(false)),
        };
        Scanned {
            text,
            rows,
            size,
            image_found,
            issues,
        }
    };
    let scanned: Vec<Scanned> = if options.serial {
        entries.iter().enumerate().map(scan).collect()
    } else {
        entries.par_iter().enumerate().map(scan).collect()
    };
    for (e, s) in entries.iter().zip(&scanned) {
        let text: Vec<u8> = s.text.clone().unwrap_or_default();
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
        let list: Vec<String> = flip.iter().map(ToString::to_string).collect();
        loaded
            .dataset
            .info
            .extra
            .push((keys::FLIP_IDX.to_owned(), format!("[{}]", list.join(","))));
    }
    loaded.dataset.info.source_format = Some("yolo".into());

    // Phase two, in parallel: rows to shapes.
    let converted: Vec<(Vec<Pending>, Vec<Diagnostic>)> = scanned
        .par_iter()
        .enumerate()
        .map(|(i, s)| {
            let file = FileId(base.saturating_add(u32::try_from(i).unwrap_or(u32::MAX)));
            let scale = match s.size {
                Ok((w, h)) if w > 0 && h > 0 => (f64::from(w), f64::from(h)),
                _ => (1.0, 1.0),
            };
            let mut issues = Vec::new();
            let p = convert_rows(&s.rows, file, scale, &ctx, &mut issues);
            (p, issues)
        })
        .collect();

    // Assembly: ids in order.
    let mut next_ann = 1u64;
    let mut next_group = 1u64;
    for (i, ((e, s), (pending, conv_issues))) in
        entries.iter().zip(scanned).zip(converted).enumerate()
    {
        let file = FileId(base.saturating_add(u32::try_from(i).unwrap_or(u32::MAX)));
        let image_id = ImageId(i as u64 + 1);
        let (width, height) = match &s.size {
            Ok(size) => *size,
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
        let extra = s.file_facts();
        loaded.issues.extend(s.issues);
        loaded.issues.extend(conv_issues);
        loaded.dataset.images.push(Image {
            id: image_id,
            file_name: e.file_name.clone(),
            width,
            height,
            subset: e.subset.clone(),
            extra,
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
                    next_ann += 1;
                }
                Shape::Pose(b, k) => {
                    let group = Some(GroupId(next_group));
                    next_group += 1;
                    for g in [Geometry::Box(b), Geometry::Keypoints(k)] {
                        let mut a = Annotation::new(AnnotationId(next_ann), image_id, label, g);
                        a.group = group;
                        loaded.dataset.annotations.push(a);
                        loaded.spans.annotations.push(at);
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

    #[test]
    fn label_paths_follow_the_last_images_folder() {
        assert_eq!(
            img2label(Path::new("/d/images/x/images/train/a.b.jpg"), "labels"),
            PathBuf::from("/d/images/x/labels/train/a.b.txt")
        );
        assert_eq!(
            img2label(Path::new("/d/obj_train_data/1.jpg"), "labels"),
            PathBuf::from("/d/obj_train_data/1.txt")
        );
        assert_eq!(
            label2img_stem(Path::new("/d/labels_bbox/t.txt"), "labels_bbox"),
            PathBuf::from("/d/images/t")
        );
    }

    #[test]
    fn clean_paths() {
        assert_eq!(clean(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(clean(Path::new("./.")), PathBuf::from("."));
        assert_eq!(
            rel_name(Path::new("/r"), Path::new("/r/images/a.jpg")),
            "images/a.jpg"
        );
    }
}

/// The tasks the fuzz body drives the row converter with.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Task4 {
    Detect,
    Segment,
    Obb,
    Pose2,
    Pose3,
}

/// Converts rows as [`build`] does, for the fuzz body.
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
    convert_rows(rows, FileId(0), (640.0, 480.0), &ctx, issues).len()
}
