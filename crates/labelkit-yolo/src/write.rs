//! Writing a dataset as Ultralytics or darknet YOLO.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use labelkit_diagnostics::output::{safe_join, OutputError, StagedDir};
use labelkit_model::{Dataset, Image, Precision, Visibility, WriteReport};
use rayon::prelude::*;

use crate::paths::img2label_name;
use crate::project::{output_name, scale, subset_folder, Plan, PlannedRow, Planner, RowGeom};

/// The number of images planned, formatted and written at once: large
/// enough to keep every thread busy, small enough that their rows and
/// label text are a small part of the dataset.
const WRITE_BATCH: usize = 4096;
use crate::{Error, ImageMode, Layout, Task, WriteOptions};

fn push_num(out: &mut String, precision: Precision, v: f64) {
    out.push(' ');
    precision.write(out, v);
}

/// Formats the rows of one image.
pub(crate) fn format_rows(
    rows: &[PlannedRow],
    (sw, sh): (f64, f64),
    kpt: Option<(usize, usize)>,
    precision: Precision,
    report: &mut WriteReport,
) -> String {
    let mut out = String::with_capacity(rows.len() * 48);
    let mut seen: HashSet<String> = HashSet::new();
    let mut line = String::with_capacity(64);
    for r in rows {
        line.clear();
        let _ = write!(line, "{}", r.class);
        match &r.geom {
            RowGeom::Box(b) | RowGeom::Pose(b, _) => {
                let c = b.center();
                push_num(&mut line, precision, c.x / sw);
                push_num(&mut line, precision, c.y / sh);
                push_num(&mut line, precision, b.width() / sw);
                push_num(&mut line, precision, b.height() / sh);
            }
            RowGeom::Polygon(points) => {
                for p in points {
                    push_num(&mut line, precision, p.x / sw);
                    push_num(&mut line, precision, p.y / sh);
                }
            }
            RowGeom::Obb(corners) => {
                for p in corners {
                    push_num(&mut line, precision, p.x / sw);
                    push_num(&mut line, precision, p.y / sh);
                }
            }
        }
        if let RowGeom::Pose(_, points) = &r.geom {
            let dims = kpt.map_or(3, |(_, d)| d);
            for p in points {
                push_num(&mut line, precision, p.x / sw);
                push_num(&mut line, precision, p.y / sh);
                if dims == 3 {
                    let _ = write!(line, " {}", p.visibility.coco_code());
                } else if p.visibility == Visibility::Absent {
                    // Already at (0, 0): read back as absent.
                }
            }
        }
        if seen.insert(line.clone()) {
            out.push_str(&line);
            out.push('\n');
        } else {
            report.lose_one("duplicate rows after rounding");
        }
    }
    out
}

/// A YAML scalar for `s` that reads back as exactly `s`: plain when that is
/// unambiguous, else double-quoted with every character that could end the
/// line or the scalar escaped (`\r`, `\n`, U+0085 `\N`, U+2028 `\L`,
/// U+2029 `\P`, other control and non-printable characters as `\u`).
pub(crate) fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ' '))
        && !s.starts_with([' ', '-', '.', '/'])
        && !s.ends_with(' ')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        )
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.parse::<f64>().is_err();
    if plain {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if yaml_printable(c) => out.push(c),
            c => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

/// Whether YAML (1.1 and 1.2) allows `c` as is inside a double-quoted
/// scalar; the byte order mark is escaped too, so that no reader strips it.
fn yaml_printable(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

/// A subset of the dataset and the folder it is written to
/// ([`subset_folder`]).
struct Subset {
    name: String,
    folder: String,
}

/// The text of `data.yaml`. Without `yaml_path` it has no `path:` key:
/// Ultralytics then takes the yaml's own folder as the dataset root, where
/// a relative `path:` would be resolved against the working folder or its
/// datasets folder.
fn data_yaml_text(plan: &Plan, subsets: &[Subset], yaml_path: Option<&str>) -> String {
    let mut y = String::new();
    y.push_str("# written by labelkit\n");
    if let Some(p) = yaml_path {
        let _ = writeln!(y, "path: {}", yaml_scalar(p));
    }
    let images = |s: &Subset| yaml_scalar(&format!("images/{}", s.folder));
    for key in ["train", "val", "test"] {
        if let Some(s) = subsets.iter().find(|s| s.name == key) {
            let _ = writeln!(y, "{key}: {}", images(s));
        }
    }
    for s in subsets {
        if !["train", "val", "test"].contains(&s.name.as_str()) {
            // Both are free of line breaks: the comment stays one line.
            let _ = writeln!(y, "# subset {}: {}", yaml_scalar(&s.name), images(s));
        }
    }
    if !subsets.iter().any(|s| s.name == "train") {
        if let Some(first) = subsets.first() {
            let _ = writeln!(y, "train: {}", images(first));
        }
    }
    if !subsets.iter().any(|s| s.name == "val") {
        if let Some(first) = subsets
            .iter()
            .find(|s| s.name != "train")
            .or_else(|| subsets.first())
        {
            let _ = writeln!(y, "val: {}", images(first));
        }
    }
    let _ = writeln!(y, "task: {}", plan.task.as_str());
    let _ = writeln!(y, "nc: {}", plan.names.len());
    y.push_str("names:\n");
    for (i, n) in plan.names.iter().enumerate() {
        let _ = writeln!(y, "  {i}: {}", yaml_scalar(n));
    }
    if let (Some((n, d)), Some(schema)) = (plan.kpt, &plan.schema) {
        let _ = writeln!(y, "kpt_shape: [{n}, {d}]");
        let flip: Vec<String> = schema.flip_idx().iter().map(ToString::to_string).collect();
        let _ = writeln!(y, "flip_idx: [{}]", flip.join(", "));
        let default_names = schema
            .names
            .iter()
            .enumerate()
            .all(|(i, s)| *s == i.to_string());
        if !default_names {
            y.push_str("kpt_names:\n");
            for i in 0..plan.names.len() {
                let _ = writeln!(y, "  {i}:");
                for name in &schema.names {
                    let _ = writeln!(y, "    - {}", yaml_scalar(name));
                }
            }
        }
    }
    y
}

/// The folders images are looked for in, as given (for messages) and as
/// they are on disk (symlinks resolved; `None` when the folder does not
/// exist), the boundary of every image found in each.
struct ImageRoots(Vec<(PathBuf, Option<PathBuf>)>);

impl ImageRoots {
    fn new(roots: &[PathBuf]) -> Result<Self, Error> {
        if roots.is_empty() {
            return Err(Error::Invalid(
                "copying or linking images needs `image_roots`".into(),
            ));
        }
        Ok(Self(
            roots
                .iter()
                .map(|r| (r.clone(), fs::canonicalize(r).ok()))
                .collect(),
        ))
    }

    /// Where the image `file_name` was looked for, as the user named the
    /// folders, comma-separated.
    fn looked_for(&self, file_name: &str) -> String {
        self.0
            .iter()
            .map(|(given, _)| given.join(file_name).display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What looking for an image's file found.
enum Lookup {
    /// The file, resolved and checked.
    Found(PathBuf),
    /// No file of that name in any image folder.
    Missing,
    /// A file that may not be brought into the output, and why.
    Refused(String),
}

/// The file an image name of the dataset stands for: the first of the
/// image folders holding it, resolved (symlinks followed) and checked: it
/// must lie inside the folder it was found in (canonical) and be a regular
/// file. A name such as `/etc/passwd`, `../../x.jpg`, or a symlink in the
/// image folder that points outside it, is refused, as are FIFOs, devices
/// and folders: a dataset never makes labelkit read, copy or link a file
/// outside its own folder.
fn image_source(roots: &ImageRoots, file_name: &str) -> Lookup {
    let name = file_name.replace('\\', "/");
    for (_, root) in &roots.0 {
        let Some(root) = root else { continue };
        let joined = root.join(&name);
        // A dangling symlink is a missing image, like no file at all.
        let Ok(resolved) = fs::canonicalize(&joined) else {
            continue;
        };
        if !resolved.starts_with(root) {
            return Lookup::Refused(format!(
                "refusing to copy or link the image {file_name:?}: it resolves to {}, outside the image folder {}",
                resolved.display(),
                root.display()
            ));
        }
        return match fs::metadata(&resolved) {
            Ok(meta) if meta.is_file() => Lookup::Found(resolved),
            Ok(_) => Lookup::Refused(format!(
                "refusing to copy or link the image {file_name:?}: {} is not a regular file",
                resolved.display()
            )),
            Err(e) => Lookup::Refused(format!("{}: {e}", resolved.display())),
        };
    }
    Lookup::Missing
}

/// How an image was brought into the output.
enum Placed {
    /// Not brought in (reference mode, or no source file).
    Nothing,
    /// As asked.
    AsAsked,
    /// Hard-linked because a symlink could not be made (the error).
    HardLinked(String),
    /// Copied because no link could be made (the error).
    Copied(String),
}

/// Brings the checked image file `src` (see [`image_source`]) to `dest`.
fn place_image(mode: ImageMode, src: &Path, dest: &Path) -> Result<Placed, Error> {
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let result = match mode {
        ImageMode::Reference => Ok(Placed::Nothing),
        ImageMode::Copy => copy_regular(src, dest).map(|()| Placed::AsAsked),
        ImageMode::HardLink => fs::hard_link(src, dest).map(|()| Placed::AsAsked),
        ImageMode::Symlink => symlink(src, dest).map(|()| Placed::AsAsked),
        ImageMode::Link => link_or_copy(src, dest, symlink, |s, d| fs::hard_link(s, d)),
    };
    result.map_err(|e| Error::io(src, e))
}

/// [`ImageMode::Link`]: `symlink`, else `hard_link`, else a copy, saying
/// which and why.
fn link_or_copy(
    src: &Path,
    dest: &Path,
    symlink: impl Fn(&Path, &Path) -> std::io::Result<()>,
    hard_link: impl Fn(&Path, &Path) -> std::io::Result<()>,
) -> std::io::Result<Placed> {
    let no_symlink = match symlink(src, dest) {
        Ok(()) => return Ok(Placed::AsAsked),
        Err(e) => e,
    };
    let no_link = match hard_link(src, dest) {
        Ok(()) => return Ok(Placed::HardLinked(no_symlink.to_string())),
        Err(e) => e,
    };
    copy_regular(src, dest).map(|()| Placed::Copied(format!("{no_symlink}; {no_link}")))
}

/// Copies `src` to the new file `dest`, checking on the open file that it is
/// still a regular file (it was checked by name before).
fn copy_regular(src: &Path, dest: &Path) -> std::io::Result<()> {
    let mut from = fs::File::open(src)?;
    if !from.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut to = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dest)?;
    std::io::copy(&mut from, &mut to).map(|_| ())
}

#[cfg(unix)]
fn symlink(src: &Path, dest: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(src, dest)
}

#[cfg(windows)]
fn symlink(src: &Path, dest: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_file(src, dest)
}

#[cfg(not(any(unix, windows)))]
fn symlink(_src: &Path, _dest: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "symlinks are not supported here",
    ))
}

/// Writes `dataset` as YOLO into `out_dir`, atomically: everything is
/// staged in a temporary folder beside `out_dir` and renamed into place, so
/// a failure leaves nothing half-written. `out_dir` must not exist or be an
/// empty folder.
///
/// Ultralytics layout: `data.yaml` (no `path:` unless
/// [`WriteOptions::yaml_path`] gives one, one entry per subset, `nc`,
/// `names`, and for pose `kpt_shape` and a `flip_idx` derived from the
/// keypoint schema's left/right pairs), a label file for every image (an
/// empty file for an image without objects) where Ultralytics looks for it:
/// its image path `images/<subset>/<name>` with the last `images` folder
/// made `labels` and the extension `.txt` (`labels/<subset>/<name>.txt`
/// unless `<name>` has an `images` folder of its own) and, by
/// [`WriteOptions::images`], the images in `images/<subset>/`. Darknet
/// layout: `obj.names`, `obj.data`, `<subset>.txt` lists and
/// `obj_<subset>_data/`.
///
/// Class ids follow [`WriteOptions::class_map`] matched by label name (or
/// the dataset's top-level labels in order). Everything YOLO cannot hold is
/// counted in the returned [`WriteReport`].
///
/// A row is one object: the shapes of one group with one label (a COCO
/// annotation's box, polygon and keypoints) make one row. Detect writes the
/// object's box (or, without one, the bounds of its polygons and masks),
/// segment its first polygon (its parts joined into one ring, as
/// Ultralytics' converter joins them), else its mask traced into one ring,
/// else its box as a 4-corner polygon, OBB its box, pose its box and
/// keypoints; the other shapes of
/// the object are counted in the report ("polygons (detect keeps the
/// box)"). Each box is a row of its own.
///
/// Every path is checked first; then the rows of 4096 images at a time
/// are planned, formatted and written before the next, so the writer holds
/// the label text of one batch beside the dataset, not of all images.
///
/// Values written into `data.yaml` are quoted and escaped for YAML (see
/// `yaml_scalar`); subset folders are made safe by `subset_folder`;
/// darknet's line-based files refuse names they cannot hold. Every path is
/// checked before anything is written: two outputs at one path (labels of
/// `a.jpg` and `a.png`, a copied image `b.txt` and the labels of `b.jpg`),
/// or at two paths equal but for case (`c.png` and `C.png`, one file on
/// macOS and Windows), are refused, naming both. Images brought into the output must resolve,
/// symlinks followed, inside the folder of [`WriteOptions::image_roots`]
/// they were found in and be regular files (see [`ImageMode`] for what
/// each mode does with an image that is missing or refused).
///
/// # Errors
/// [`Error::Output`] when the output exists or cannot be written,
/// [`Error::Io`] for an image that cannot be copied or linked,
/// [`Error::Invalid`] for two outputs (or two subset folders) that would
/// share one path, an image missing, outside its image folder or not a
/// regular file (but in [`ImageMode::Link`]), a name darknet cannot hold,
/// or a copy or link mode without `image_roots`.
pub fn write_path(
    dataset: &Dataset,
    out_dir: &Path,
    options: &WriteOptions,
) -> Result<WriteReport, Error> {
    if let Some(d) = options.keypoint_dims {
        if d != 2 && d != 3 {
            return Err(Error::Invalid(format!(
                "keypoint_dims must be 2 or 3, not {d}"
            )));
        }
    }
    let mut planner = Planner::new(
        dataset,
        options.task,
        options.class_map.as_deref(),
        options.keypoint_dims,
    );
    // The planner's losses are added when planning is done.
    let mut report = WriteReport::new();

    // Output names, subsets and their folders.
    let mut names = Vec::with_capacity(dataset.images.len());
    let mut subsets: Vec<Subset> = Vec::new();
    for img in &dataset.images {
        let name = output_name(img, options.layout);
        if options.layout == Layout::Darknet && !line_safe(&name) {
            return Err(Error::Invalid(format!(
                "refusing to write the image {:?}: a darknet list holds one name per line and this name holds a line break or control character",
                img.file_name
            )));
        }
        let subset = img.subset.as_deref().unwrap_or("train");
        if !subsets.iter().any(|s| s.name == subset) {
            let folder = subset_folder(subset);
            if let Some(other) = subsets.iter().find(|s| s.folder == folder) {
                return Err(Error::Invalid(format!(
                    "the subsets {:?} and {subset:?} would both be written to the folder {folder:?}: rename one of them",
                    other.name
                )));
            }
            subsets.push(Subset {
                name: subset.to_owned(),
                folder,
            });
        }
        names.push(name);
    }
    if options.layout == Layout::Darknet {
        for n in &planner.names {
            if !line_safe(n) || n.trim().is_empty() || n.trim() != n {
                return Err(Error::Invalid(format!(
                    "refusing to write the class name {n:?} to obj.names: it holds one name per line, trimmed, and cannot represent this one"
                )));
            }
        }
    }

    // Ultralytics finds a label where its rule maps the image path written
    // in data.yaml (`images/<subset>/<name>`): the last `images` folder of
    // the path, which may be inside `<name>`. Darknet keeps labels beside
    // the images.
    let label_rel = |name: &str| -> String {
        match options.layout {
            Layout::Ultralytics => img2label_name(name, "labels"),
            Layout::Darknet => match name.rfind('.') {
                Some(dot) if dot > name.rfind('/').map_or(0, |s| s + 1) => {
                    format!("{}.txt", &name[..dot])
                }
                _ => format!("{name}.txt"),
            },
        }
    };
    let copies = options.images != ImageMode::Reference;
    let fixed: Vec<String> = match options.layout {
        Layout::Ultralytics => vec!["data.yaml".to_owned()],
        Layout::Darknet => ["obj.names", "obj.data"]
            .into_iter()
            .map(str::to_owned)
            .chain(subsets.iter().map(|s| format!("{}.txt", s.folder)))
            .collect(),
    };
    let labels: Vec<String> = names.iter().map(|n| label_rel(n)).collect();
    check_collisions(dataset, &names, &labels, &fixed, copies)?;

    // Every image brought into the output is resolved and checked before
    // anything is written.
    let sources = image_sources(dataset, &names, options, &mut report)?;

    let staged = StagedDir::create(out_dir)?;
    let root = staged.path().to_path_buf();

    // Planned, formatted and written a batch of images at a time, so that
    // the rows and label text of at most `WRITE_BATCH` images are held at
    // once. Planning is sequential (it counts losses in order); formatting
    // a batch is parallel, and so is writing it unless asked otherwise.
    let precision = crate::project::precision_for(dataset, options.precision);
    let mut rows_planned = 0u64;
    let mut fallbacks = Fallbacks::default();
    let mut start = 0;
    while start < dataset.images.len() {
        let end = dataset.images.len().min(start + WRITE_BATCH);
        let rows: Vec<Vec<PlannedRow>> = (start..end).map(|i| planner.image_rows(i)).collect();
        rows_planned += rows.iter().map(|r| r.len() as u64).sum::<u64>();
        let kpt = planner.kpt;
        let format = |(img, rows): (&Image, &Vec<PlannedRow>)| {
            let mut r = WriteReport::new();
            let text = format_rows(rows, scale(img), kpt, precision, &mut r);
            (text, r)
        };
        let formatted: Vec<(String, WriteReport)> = dataset.images[start..end]
            .par_iter()
            .zip(rows.par_iter())
            .map(format)
            .collect();
        drop(rows);
        let jobs: Vec<(PathBuf, &str, PathBuf, Option<&Path>)> = names[start..end]
            .iter()
            .zip(&labels[start..end])
            .zip(&formatted)
            .zip(&sources[start..end])
            .map(|(((name, label), (text, _)), source)| {
                Ok((
                    safe_join(&root, label)?,
                    text.as_str(),
                    safe_join(&root, name)?,
                    source.as_deref(),
                ))
            })
            .collect::<Result<_, OutputError>>()?;
        let mut dirs: Vec<&Path> = jobs.iter().filter_map(|(l, _, _, _)| l.parent()).collect();
        dirs.sort_unstable();
        dirs.dedup();
        for d in dirs {
            fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
        }
        let write_one = |(label, text, image, source): &(PathBuf, &str, PathBuf, Option<&Path>)|
         -> Result<Placed, Error> {
            fs::write(label, text.as_bytes()).map_err(|e| Error::io(label, e))?;
            match source {
                Some(source) => place_image(options.images, source, image),
                None => Ok(Placed::Nothing),
            }
        };
        let placed: Vec<Placed> = if options.parallel_writes {
            jobs.par_iter()
                .map(write_one)
                .collect::<Result<_, Error>>()?
        } else {
            jobs.iter().map(write_one).collect::<Result<_, Error>>()?
        };
        fallbacks.add(placed);
        for (_, r) in &formatted {
            report.merge(r);
        }
        start = end;
    }
    fallbacks.note(&mut report);
    let plan = planner.finish(Vec::new());
    report.merge(&plan.report);

    match options.layout {
        Layout::Ultralytics => {
            let text = data_yaml_text(&plan, &subsets, options.yaml_path.as_deref());
            fs::write(root.join("data.yaml"), text)
                .map_err(|e| Error::io(root.join("data.yaml"), e))?;
        }
        Layout::Darknet => {
            if plan.task != Task::Detect {
                report.lose(
                    &format!(
                        "{} rows in a darknet dataset (darknet readers expect boxes)",
                        plan.task.as_str()
                    ),
                    rows_planned,
                );
            }
            let mut names_text = String::new();
            for n in &plan.names {
                names_text.push_str(n);
                names_text.push('\n');
            }
            fs::write(root.join("obj.names"), names_text)
                .map_err(|e| Error::io(root.join("obj.names"), e))?;
            let mut obj_data = format!("classes = {}\n", plan.names.len());
            for s in &subsets {
                let list: String = dataset
                    .images
                    .iter()
                    .zip(&names)
                    .filter(|(img, _)| img.subset.as_deref().unwrap_or("train") == s.name)
                    .map(|(_, n)| format!("data/{n}\n"))
                    .collect();
                let file = format!("{}.txt", s.folder);
                fs::write(root.join(&file), list).map_err(|e| Error::io(root.join(&file), e))?;
                let key = if s.name == "train" { "train" } else { "valid" };
                if !obj_data.contains(&format!("\n{key} =")) {
                    // `file` is a sanitised folder name: no line break.
                    let _ = writeln!(obj_data, "{key} = data/{file}");
                }
            }
            obj_data.push_str("names = data/obj.names\nbackup = backup/\n");
            fs::write(root.join("obj.data"), obj_data)
                .map_err(|e| Error::io(root.join("obj.data"), e))?;
        }
    }
    staged.commit()?;
    report.images_written = dataset.images.len() as u64;
    report.annotations_written = rows_planned;
    Ok(report)
}

/// The checked source file of every image, or `None` for an image not
/// brought into the output, by [`WriteOptions::images`]:
/// - [`ImageMode::Reference`]: none; the report notes how many images the
///   output names but does not hold;
/// - [`ImageMode::Link`]: images not found, or refused, are left out and
///   noted, the first of each named (where a missing one was looked for,
///   where its place in the output is);
/// - the other modes: the first refused image, or any missing one, is an
///   error ([`Error::Invalid`]) naming how many are missing and where the
///   first was looked for.
fn image_sources(
    dataset: &Dataset,
    names: &[String],
    options: &WriteOptions,
    report: &mut WriteReport,
) -> Result<Vec<Option<PathBuf>>, Error> {
    let mode = options.images;
    let why_not = match mode {
        ImageMode::Reference => Some("reference mode"),
        ImageMode::Link if options.image_roots.is_empty() => Some("no image folder to link from"),
        _ => None,
    };
    if let Some(why_not) = why_not {
        if let Some(first) = names.first() {
            report.note(
                &format!(
                    "images named but not brought into the output ({why_not}): \
                     put them where data.yaml names them, {first} for the first"
                ),
                names.len() as u64,
            );
        }
        return Ok(vec![None; dataset.images.len()]);
    }
    let roots = ImageRoots::new(&options.image_roots)?;
    let looked: Vec<Lookup> = dataset
        .images
        .par_iter()
        .map(|img| image_source(&roots, &img.file_name))
        .collect();
    let missing: Vec<usize> = looked
        .iter()
        .enumerate()
        .filter_map(|(i, l)| matches!(l, Lookup::Missing).then_some(i))
        .collect();
    let missing_note = |first: usize| {
        let img = &dataset.images[first];
        format!(
            "images not found (the first, {:?}, was looked for at {}; its place in the output is {})",
            img.file_name,
            roots.looked_for(&img.file_name),
            names[first]
        )
    };
    if mode == ImageMode::Link {
        if let Some(&first) = missing.first() {
            report.note(
                &format!("{}: labels written without them", missing_note(first)),
                missing.len() as u64,
            );
        }
        let refused: Vec<&String> = looked
            .iter()
            .filter_map(|l| match l {
                Lookup::Refused(why) => Some(why),
                _ => None,
            })
            .collect();
        if let Some(first) = refused.first() {
            report.note(
                &format!("images left out of the output, labels written ({first})"),
                refused.len() as u64,
            );
        }
        return Ok(looked
            .into_iter()
            .map(|l| match l {
                Lookup::Found(path) => Some(path),
                _ => None,
            })
            .collect());
    }
    // The first refusal in image order, whatever the threads did.
    if let Some(why) = looked.iter().find_map(|l| match l {
        Lookup::Refused(why) => Some(why),
        _ => None,
    }) {
        return Err(Error::Invalid(why.clone()));
    }
    if let Some(&first) = missing.first() {
        let n = missing.len();
        return Err(Error::Invalid(format!(
            "{n} {} not found, nothing written: {}; name the folder of the images \
             as the image root (--image-root DIR), or write the labels alone \
             (--images reference)",
            if n == 1 { "image" } else { "images" },
            missing_note(first)
        )));
    }
    Ok(looked
        .into_iter()
        .map(|l| match l {
            Lookup::Found(path) => Some(path),
            _ => None,
        })
        .collect())
}

/// The images of [`ImageMode::Link`] that were hard-linked or copied
/// because a link could not be made: how many of each, and the first
/// reason.
#[derive(Default)]
struct Fallbacks {
    hard: Option<(String, u64)>,
    copied: Option<(String, u64)>,
}

impl Fallbacks {
    /// Counts how the images `placed` were brought in.
    fn add(&mut self, placed: Vec<Placed>) {
        for p in placed {
            let (slot, why) = match p {
                Placed::HardLinked(why) => (&mut self.hard, why),
                Placed::Copied(why) => (&mut self.copied, why),
                Placed::Nothing | Placed::AsAsked => continue,
            };
            slot.get_or_insert((why, 0)).1 += 1;
        }
    }

    /// Notes the fallbacks in `report`.
    fn note(self, report: &mut WriteReport) {
        if let Some((why, n)) = self.hard {
            report.note(
                &format!("images hard-linked, not symlinked (a symlink could not be made: {why})"),
                n,
            );
        }
        if let Some((why, n)) = self.copied {
            report.note(
                &format!("images copied, not linked (no link could be made: {why})"),
                n,
            );
        }
    }
}

/// Whether `s` can stand on one line of a line-based file (obj.names, a
/// darknet list): no control character and no Unicode line break.
fn line_safe(s: &str) -> bool {
    !s.chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
}

/// Refuses two written files at one path, or one written path that another
/// needs as a folder: labels (`labels`, one per image), the images when
/// they are brought into the output (`names`, when `copies`) and the fixed
/// files (`fixed`) together. The error names both sources. Two paths that
/// differ only in case are allowed (they are distinct on the file systems
/// labelkit writes to by default).
fn check_collisions(
    dataset: &Dataset,
    names: &[String],
    labels: &[String],
    fixed: &[String],
    copies: bool,
) -> Result<(), Error> {
    // What is written at each path, described only for a message.
    enum What<'a> {
        File(&'a str),
        Labels(&'a str),
        Image(&'a str),
    }
    let describe = |w: &What<'_>| match w {
        What::File(f) => format!("the file {f}"),
        What::Labels(name) => format!("the labels of image {name:?}"),
        What::Image(name) => format!("the image {name:?}"),
    };
    let mut entries: Vec<(&str, What<'_>)> = Vec::with_capacity(labels.len() * 2 + fixed.len());
    for f in fixed {
        entries.push((f.as_str(), What::File(f)));
    }
    for ((img, label), name) in dataset.images.iter().zip(labels).zip(names) {
        entries.push((label.as_str(), What::Labels(&img.file_name)));
        if copies {
            entries.push((name.as_str(), What::Image(&img.file_name)));
        }
    }
    let mut by_path: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    // Paths equal but for case are one file on macOS and Windows.
    let mut by_folded: HashMap<Cow<'_, str>, usize> = HashMap::with_capacity(entries.len());
    for (i, (path, what)) in entries.iter().enumerate() {
        if let Some(&first) = by_path.get(path) {
            return Err(Error::Invalid(format!(
                "{} and {} would both be written to {path}: rename one of them",
                describe(&entries[first].1),
                describe(what)
            )));
        }
        let folded = path.to_lowercase();
        let folded = if folded == *path {
            Cow::Borrowed(*path)
        } else {
            Cow::Owned(folded)
        };
        if let Some(&first) = by_folded.get(&folded) {
            let (other, first_what) = &entries[first];
            return Err(Error::Invalid(format!(
                "{} and {} would be written to {other} and {path}, which collide on case-insensitive file systems (macOS, Windows): rename one of them",
                describe(first_what),
                describe(what)
            )));
        }
        by_path.insert(path, i);
        by_folded.insert(folded, i);
    }
    // A path that is also the folder of another path.
    for (path, what) in &entries {
        let mut at = *path;
        while let Some(slash) = at.rfind('/') {
            at = &at[..slash];
            if let Some(&first) = by_path.get(at) {
                return Err(Error::Invalid(format!(
                    "{} would be written to {at}, the folder of {} ({path}): rename one of them",
                    describe(&entries[first].1),
                    describe(what)
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a symlink cannot be made (FAT, some Windows accounts), the
    /// default mode hard-links, and where neither can (another device), it
    /// copies; the report says how many and why.
    #[test]
    fn link_falls_back_to_a_hard_link_then_a_copy_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("a.png");
        fs::write(&src, b"pixels").unwrap();
        let refuse = |what: &'static str| {
            move |_: &Path, _: &Path| -> std::io::Result<()> {
                Err(std::io::Error::new(std::io::ErrorKind::Unsupported, what))
            }
        };
        let linked = dir.path().join("linked.png");
        let placed = link_or_copy(&src, &linked, refuse("no symlinks here"), |s, d| {
            fs::hard_link(s, d)
        })
        .unwrap();
        assert!(matches!(&placed, Placed::HardLinked(why) if why == "no symlinks here"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ino = |p: &Path| fs::metadata(p).unwrap().ino();
            assert_eq!(ino(&linked), ino(&src));
        }
        let copied = dir.path().join("copied.png");
        let placed2 = link_or_copy(
            &src,
            &copied,
            refuse("no symlinks here"),
            refuse("cross-device link"),
        )
        .unwrap();
        assert!(
            matches!(&placed2, Placed::Copied(why) if why == "no symlinks here; cross-device link")
        );
        assert_eq!(fs::read(&copied).unwrap(), b"pixels");
        assert!(!fs::symlink_metadata(&copied)
            .unwrap()
            .file_type()
            .is_symlink());

        let mut report = WriteReport::new();
        let mut fallbacks = Fallbacks::default();
        fallbacks.add(vec![placed, Placed::AsAsked]);
        fallbacks.add(vec![placed2, Placed::Nothing]);
        fallbacks.note(&mut report);
        assert_eq!(
            report.notes().collect::<Vec<_>>(),
            [
                (
                    "images copied, not linked (no link could be made: no symlinks here; \
                     cross-device link)",
                    1
                ),
                (
                    "images hard-linked, not symlinked (a symlink could not be made: no \
                     symlinks here)",
                    1
                ),
            ]
        );
        assert!(report.is_lossless());
    }

    #[test]
    fn quoting() {
        assert_eq!(yaml_scalar("person"), "person");
        assert_eq!(yaml_scalar("sports ball"), "sports ball");
        assert_eq!(yaml_scalar("yes"), "\"yes\"");
        assert_eq!(yaml_scalar("1"), "\"1\"");
        assert_eq!(yaml_scalar("0x1F"), "\"0x1F\"");
        assert_eq!(yaml_scalar("a: b"), "\"a: b\"");
        assert_eq!(yaml_scalar("images/train"), "images/train");
        assert_eq!(
            yaml_scalar("v\rdownload: bash -c 'x'\r#"),
            "\"v\\rdownload: bash -c 'x'\\r#\""
        );
        assert_eq!(
            yaml_scalar("a\u{85}b\u{2028}c\u{2029}d\ne\u{feff}\u{1}\"\\"),
            "\"a\\Nb\\Lc\\Pd\\ne\\ufeff\\u0001\\\"\\\\\""
        );
    }

    #[test]
    fn subset_folders_are_one_safe_name() {
        assert_eq!(subset_folder("train"), "train");
        assert_eq!(subset_folder("a/b\\c:d"), "a_b_c_d");
        assert_eq!(subset_folder("v\rdownload: x\n#"), "v_download_ x_#");
        assert_eq!(subset_folder(".."), "__");
        assert_eq!(subset_folder("."), "_");
        assert_eq!(subset_folder(""), "_");
        assert_eq!(subset_folder("..a"), "..a");
        assert_eq!(subset_folder("x\u{2028}y\u{85}"), "x_y_");
    }
}
