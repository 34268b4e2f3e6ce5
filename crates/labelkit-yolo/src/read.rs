//! Finding the files of a YOLO dataset and reading them into the model.
//!
//! [`read_path`] takes what the user named (a folder, a `data.yaml`, an
//! `obj.data`, a label file) to the reader of its layout; each layout
//! collects the dataset's images paired with their label files, and
//! [`build`] turns them into the model in two parallel phases (scan: label
//! bytes, rows and image sizes; convert: rows to shapes) and an assembly
//! that numbers everything in order. The jobs live in submodules:
//! - `discovery`: the description above a label file, the image of a
//!   label file, which `.txt` files are label files;
//! - `schema`: what a description declares (classes, keypoints, task) and
//!   reading its text;
//! - `ultralytics`, `darknet`, `loose` (flat folders): the layouts;
//! - `single`: one label file alone (the pre-commit form), `classes.txt`;
//! - `entries`: the image/label pairs and the collector the layouts share;
//! - `convert`: one row to shapes, per task.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use labelkit_diagnostics::{
    ByteSpan, Diagnostic, FileId, ImageFacts, Loaded, ReadIssue, SizeUnknown, SourceFile,
    SourceSpan, StatedFlipIdx,
};
use labelkit_imagesize::{image_size, ImageSizeError};
use labelkit_model::{Annotation, AnnotationId, Geometry, GroupId, Image, ImageId, Label, LabelId};
use rayon::prelude::*;

use crate::data_yaml;
use crate::guard::{self, Scope, ALLOW_HINT};
use crate::paths::clean;
use crate::rows::{tokenize, RowFile};
use crate::{Error, Layout, ReadOptions, Task, YoloInfo, MAX_CONFIG_BYTES, MAX_LABEL_BYTES};

mod convert;
mod darknet;
mod discovery;
mod entries;
mod loose;
mod schema;
mod single;
mod ultralytics;

pub(crate) use self::convert::obb_corners;
#[cfg(feature = "fuzzing")]
pub(crate) use self::convert::{convert_for_fuzz, Task4};
pub use self::discovery::{find_config, is_class_list, label_file_layout};
pub(crate) use self::discovery::{is_image, list_dir};
pub use self::single::read_label_file;

use self::convert::{convert_rows, fixed_decimals, infer_task, Pending, RowCtx, Shape};
use self::darknet::{darknet_dirs, darknet_subset, read_darknet};
use self::discovery::{has_ext, yaml_candidates};
use self::entries::Entry;
use self::loose::read_loose;
use self::schema::{keypoint_schema, Schema};
use self::single::read_class_list;
use self::ultralytics::read_ultralytics;

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
            None => match image_size(&e.image) {
                Ok(size) => (Ok(size), Some(true)),
                Err(ImageSizeError::Io(err))
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
    // Pose rows end in integer visibilities: their decimals are not one
    // fixed number.
    let decimals = if task == Task::Pose {
        None
    } else {
        fixed_decimals(&scanned)
    };
    loaded.dataset.info.kept = YoloInfo::kept(kpt, decimals);
    if let Some(flip) = &schema.flip_idx {
        loaded.facts.flip_idx = Some(StatedFlipIdx {
            indices: flip.clone(),
            at: schema.flip_idx_at,
        });
    }
    loaded.dataset.info.source_format = Some("yolo".into());

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
