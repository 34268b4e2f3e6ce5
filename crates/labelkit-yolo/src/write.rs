//! Writing a dataset as Ultralytics or darknet YOLO.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use labelkit_diagnostics::output::{safe_join, OutputError, StagedDir};
use labelkit_model::{Dataset, Precision, Visibility, WriteReport};
use rayon::prelude::*;

use crate::data_yaml::yaml_scalar;
use crate::project::{output_name, plan, scale, Plan, PlannedRow, RowGeom};
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

fn data_yaml_text(plan: &Plan, subsets: &[String]) -> String {
    let mut y = String::new();
    y.push_str("# written by labelkit\npath: .\n");
    for key in ["train", "val", "test"] {
        if subsets.iter().any(|s| s == key) {
            let _ = writeln!(y, "{key}: images/{key}");
        }
    }
    for s in subsets {
        if !["train", "val", "test"].contains(&s.as_str()) {
            let _ = writeln!(
                y,
                "# subset {}: images/{}",
                yaml_scalar(s),
                s.replace('\n', " ")
            );
        }
    }
    if !subsets.iter().any(|s| s == "train") {
        if let Some(first) = subsets.first() {
            let _ = writeln!(y, "train: images/{first}");
        }
    }
    if !subsets.iter().any(|s| s == "val") {
        if let Some(first) = subsets
            .iter()
            .find(|s| s.as_str() != "train")
            .or_else(|| subsets.first())
        {
            let _ = writeln!(y, "val: images/{first}");
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

fn place_image(
    mode: ImageMode,
    root: Option<&Path>,
    file_name: &str,
    dest: &Path,
) -> Result<(), Error> {
    let Some(root) = root else {
        return Err(Error::Invalid(
            "copying or linking images needs `image_root`".into(),
        ));
    };
    let src = if Path::new(file_name).is_absolute() {
        PathBuf::from(file_name)
    } else {
        root.join(file_name)
    };
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let result = match mode {
        ImageMode::Reference => Ok(()),
        ImageMode::Copy => fs::copy(&src, dest).map(|_| ()),
        ImageMode::HardLink => fs::hard_link(&src, dest),
        ImageMode::Symlink => {
            let abs = fs::canonicalize(&src).map_err(|e| Error::io(&src, e))?;
            symlink(&abs, dest)
        }
    };
    result.map_err(|e| Error::io(&src, e))
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
/// Ultralytics layout: `data.yaml` (`path: .`, one entry per subset, `nc`,
/// `names`, and for pose `kpt_shape` and a `flip_idx` derived from the
/// keypoint schema's left/right pairs), `labels/<subset>/<name>.txt` for
/// every image (an empty file for an image without objects) and, by
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
/// segment its first polygon (or, without one, its box as a 4-corner
/// polygon), OBB its box, pose its box and keypoints; the other shapes of
/// the object are counted in the report ("polygons (detect keeps the
/// box)"). Each box is a row of its own.
///
/// # Errors
/// [`Error::Output`] when the output exists or cannot be written,
/// [`Error::Io`] for an image that cannot be copied or linked,
/// [`Error::Invalid`] for two images that would share one output path or a
/// copy/link mode without `image_root`.
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
    let plan = plan(
        dataset,
        options.task,
        options.class_map.as_deref(),
        options.keypoint_dims,
    );
    let mut report = plan.report.clone();
    let staged = StagedDir::create(out_dir)?;
    let root = staged.path().to_path_buf();

    // Output names, checked for collisions.
    let mut names = Vec::with_capacity(dataset.images.len());
    let mut taken = HashSet::with_capacity(dataset.images.len());
    let mut subsets: Vec<String> = Vec::new();
    for img in &dataset.images {
        let name = output_name(img, options.layout);
        if !taken.insert(name.clone()) {
            return Err(Error::Invalid(format!(
                "two images would be written to {name}: rename one of them"
            )));
        }
        let subset = img.subset.clone().unwrap_or_else(|| "train".to_owned());
        if !subsets.contains(&subset) {
            subsets.push(subset);
        }
        names.push(name);
    }

    // Format rows in parallel.
    let formatted: Vec<(String, WriteReport)> = dataset
        .images
        .par_iter()
        .zip(plan.rows.par_iter())
        .map(|(img, rows)| {
            let mut r = WriteReport::new();
            let text = format_rows(rows, scale(img), plan.kpt, options.precision, &mut r);
            (text, r)
        })
        .collect();

    let label_rel = |name: &str| -> String {
        let with_txt = match name.rfind('.') {
            Some(dot) if dot > name.rfind('/').map_or(0, |s| s + 1) => {
                format!("{}.txt", &name[..dot])
            }
            _ => format!("{name}.txt"),
        };
        match options.layout {
            Layout::Ultralytics => with_txt.replacen("images/", "labels/", 1),
            Layout::Darknet => with_txt,
        }
    };
    let jobs: Vec<(PathBuf, &str, PathBuf, &str)> = names
        .iter()
        .zip(&formatted)
        .zip(&dataset.images)
        .map(|((name, (text, _)), img)| {
            Ok((
                safe_join(&root, &label_rel(name))?,
                text.as_str(),
                safe_join(&root, name)?,
                img.file_name.as_str(),
            ))
        })
        .collect::<Result<_, OutputError>>()?;
    let mut dirs: Vec<PathBuf> = jobs
        .iter()
        .filter_map(|(l, _, _, _)| l.parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    for d in &dirs {
        fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
    }
    let write_one =
        |(label, text, image, source): &(PathBuf, &str, PathBuf, &str)| -> Result<(), Error> {
            fs::write(label, text.as_bytes()).map_err(|e| Error::io(label, e))?;
            if options.images != ImageMode::Reference {
                place_image(options.images, options.image_root.as_deref(), source, image)?;
            }
            Ok(())
        };
    if options.parallel_writes {
        jobs.par_iter().try_for_each(write_one)?;
    } else {
        jobs.iter().try_for_each(write_one)?;
    }
    for (_, r) in &formatted {
        report.merge(r);
    }

    match options.layout {
        Layout::Ultralytics => {
            let text = data_yaml_text(&plan, &subsets);
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
                    plan.rows.iter().map(|r| r.len() as u64).sum(),
                );
            }
            let mut names_text = String::new();
            for n in &plan.names {
                names_text.push_str(&n.replace('\n', " "));
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
                    .filter(|(img, _)| img.subset.as_deref().unwrap_or("train") == s)
                    .map(|(_, n)| format!("data/{n}\n"))
                    .collect();
                let file = format!("{}.txt", s.replace(['/', '\\'], "_"));
                fs::write(root.join(&file), list).map_err(|e| Error::io(root.join(&file), e))?;
                let key = if s == "train" { "train" } else { "valid" };
                if !obj_data.contains(&format!("\n{key} =")) {
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
    report.annotations_written = plan.rows.iter().map(|r| r.len() as u64).sum();
    Ok(report)
}
