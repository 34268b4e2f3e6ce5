//! Writing a generated dataset in every format, as the benchmarks read it.
//!
//! The layout under the output folder:
//!
//! ```text
//! labelkit.toml                  the whole-body rule preset
//! coco/instances.json            every annotation
//! coco/person_keypoints.json     the bodies that carry keypoints
//! cvat/annotations.xml           CVAT for images 1.1
//! yolo/data.yaml                 Ultralytics, detect task
//! yolo/images/train/*.png        blank images of the declared sizes
//! yolo/labels/train/*.txt
//! coco/images, cvat/images       links to ../yolo/images (Unix)
//! ```

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use labelkit::coco;
use labelkit::cvat;
use labelkit::yolo;
use labelkit_model::{Dataset, Geometry, GroupId};

use crate::png::blank_png;

/// What [`write_all`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Images in the dataset.
    pub images: usize,
    /// Annotations of the model (a COCO annotation with a box, a polygon and
    /// keypoints counts three times here).
    pub model_annotations: usize,
    /// Objects as COCO counts them (one per group or ungrouped shape).
    pub coco_annotations: usize,
    /// Annotations in `person_keypoints.json`.
    pub keypoint_annotations: usize,
    /// Rows in the YOLO label files (boxes).
    pub yolo_rows: usize,
    /// Sizes in bytes of the files written, by relative path.
    pub file_sizes: Vec<(String, u64)>,
}

impl fmt::Display for Written {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "images: {}, model annotations: {}, COCO annotations: {}, keypoint annotations: {}, YOLO rows: {}",
            self.images,
            self.model_annotations,
            self.coco_annotations,
            self.keypoint_annotations,
            self.yolo_rows
        )?;
        for (path, size) in &self.file_sizes {
            writeln!(f, "{path}: {size} bytes")?;
        }
        Ok(())
    }
}

/// An error writing the dataset: what was being written and why it failed.
#[derive(Debug)]
pub struct WriteError(pub String);

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WriteError {}

fn err(what: &Path, e: impl fmt::Display) -> WriteError {
    WriteError(format!("{}: {e}", what.display()))
}

/// The number of COCO objects: one per group, plus one per ungrouped shape.
#[must_use]
pub fn coco_objects(dataset: &Dataset) -> usize {
    let mut groups = std::collections::HashSet::new();
    let mut n = 0;
    for a in &dataset.annotations {
        match a.group {
            Some(g) => {
                if groups.insert((a.image, g)) {
                    n += 1;
                }
            }
            None => n += 1,
        }
    }
    n
}

/// The bodies with keypoints: every shape of a group that holds keypoints.
#[must_use]
pub fn keypoint_subset(dataset: &Dataset) -> Dataset {
    let with_keypoints: std::collections::HashSet<GroupId> = dataset
        .annotations
        .iter()
        .filter(|a| matches!(a.geometry, Geometry::Keypoints(_)))
        .filter_map(|a| a.group)
        .collect();
    let mut out = Dataset {
        info: dataset.info.clone(),
        labels: dataset.labels.clone(),
        images: dataset.images.clone(),
        annotations: Vec::new(),
        tracks: Vec::new(),
    };
    out.annotations = dataset
        .annotations
        .iter()
        .filter(|a| a.group.is_some_and(|g| with_keypoints.contains(&g)))
        .cloned()
        .collect();
    out
}

/// The boxes of `dataset`: what a YOLO detect dataset holds, one row per
/// object (a polygon grouped with a box is the same object).
#[must_use]
pub fn boxes_only(dataset: &Dataset) -> Dataset {
    Dataset {
        info: dataset.info.clone(),
        labels: dataset.labels.clone(),
        images: dataset.images.clone(),
        annotations: dataset
            .annotations
            .iter()
            .filter(|a| matches!(a.geometry, Geometry::Box(_)))
            .cloned()
            .collect(),
        tracks: Vec::new(),
    }
}

/// Writes `dataset` under `out` in every format (see the module docs).
/// `out` must not hold a previous dataset.
///
/// # Errors
/// I/O errors and writer errors, naming the file.
pub fn write_all(dataset: &Dataset, out: &Path) -> Result<Written, WriteError> {
    let preset = labelkit::rules::preset_toml("whole-body")
        .ok_or_else(|| WriteError("the whole-body preset is missing".to_owned()))?;
    write_all_with(dataset, out, preset)
}

/// Where the image files of a written dataset come from.
#[derive(Debug, Clone, Copy)]
pub enum Images<'a> {
    /// Blank PNG files of the declared sizes, written anew.
    Blank,
    /// Hard links to the same-named files of this folder (another written
    /// dataset's `yolo/images/train`), copies where a link cannot be made;
    /// blank files for the images it does not hold. Saves the disk space
    /// and time of 120,000 files for a second side of a diff.
    LinkFrom(&'a Path),
}

/// [`write_all`] with the given `labelkit.toml`.
///
/// # Errors
/// I/O errors and writer errors, naming the file.
pub fn write_all_with(dataset: &Dataset, out: &Path, config: &str) -> Result<Written, WriteError> {
    write_all_as(dataset, out, config, Images::Blank)
}

/// [`write_all_with`], the image files taken from `images`.
///
/// # Errors
/// I/O errors and writer errors, naming the file.
pub fn write_all_as(
    dataset: &Dataset,
    out: &Path,
    config: &str,
    images: Images<'_>,
) -> Result<Written, WriteError> {
    fs::create_dir_all(out).map_err(|e| err(out, e))?;
    for sub in ["coco", "cvat"] {
        let d = out.join(sub);
        fs::create_dir_all(&d).map_err(|e| err(&d, e))?;
    }
    let toml = out.join("labelkit.toml");
    fs::write(&toml, config).map_err(|e| err(&toml, e))?;

    let instances = out.join("coco/instances.json");
    coco::write_path(dataset, &instances, &coco::WriteOptions::default())
        .map_err(|e| err(&instances, e))?;
    let kp = keypoint_subset(dataset);
    let keypoints = out.join("coco/person_keypoints.json");
    coco::write_path(&kp, &keypoints, &coco::WriteOptions::default())
        .map_err(|e| err(&keypoints, e))?;
    let xml = out.join("cvat/annotations.xml");
    cvat::write_path(dataset, &xml, &cvat::WriteOptions::default()).map_err(|e| err(&xml, e))?;

    let yolo_dir = out.join("yolo");
    let options = yolo::WriteOptions::default()
        .task(yolo::Task::Detect)
        .class_map(
            dataset
                .labels
                .iter()
                .filter(|(_, l)| l.parent.is_none())
                .map(|(_, l)| l.name.clone())
                .collect(),
        );
    yolo::write_path(&boxes_only(dataset), &yolo_dir, &options).map_err(|e| err(&yolo_dir, e))?;
    let images_dir = yolo_dir.join("images/train");
    fs::create_dir_all(&images_dir).map_err(|e| err(&images_dir, e))?;
    let mut pngs: HashMap<(u32, u32), Vec<u8>> = HashMap::new();
    for image in &dataset.images {
        let bytes = pngs
            .entry((image.width, image.height))
            .or_insert_with(|| blank_png(image.width, image.height));
        let name = Path::new(&image.file_name)
            .file_name()
            .map_or_else(|| PathBuf::from("image.png"), PathBuf::from);
        let path = images_dir.join(&name);
        if let Images::LinkFrom(dir) = images {
            let from = dir.join(&name);
            if from.is_file()
                && (fs::hard_link(&from, &path).is_ok() || fs::copy(&from, &path).is_ok())
            {
                continue;
            }
        }
        fs::write(&path, bytes).map_err(|e| err(&path, e))?;
    }

    // The COCO and CVAT files name their images `images/train/...`,
    // relative to their own folder: point those folders at the YOLO images.
    #[cfg(unix)]
    for sub in ["coco", "cvat"] {
        let link = out.join(sub).join("images");
        if !link.exists() {
            std::os::unix::fs::symlink("../yolo/images", &link).map_err(|e| err(&link, e))?;
        }
    }
    let mut file_sizes = Vec::new();
    for rel in [
        "coco/instances.json",
        "coco/person_keypoints.json",
        "cvat/annotations.xml",
    ] {
        let p = out.join(rel);
        let size = fs::metadata(&p).map_err(|e| err(&p, e))?.len();
        file_sizes.push((rel.to_owned(), size));
    }
    let labels = yolo_dir.join("labels/train");
    let mut label_bytes = 0u64;
    let mut yolo_rows = 0usize;
    for entry in fs::read_dir(&labels).map_err(|e| err(&labels, e))? {
        let path = entry.map_err(|e| err(&labels, e))?.path();
        let text = fs::read(&path).map_err(|e| err(&path, e))?;
        label_bytes += text.len() as u64;
        yolo_rows += text
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count();
    }
    file_sizes.push(("yolo/labels/train/*.txt".to_owned(), label_bytes));
    Ok(Written {
        images: dataset.images.len(),
        model_annotations: dataset.annotations.len(),
        coco_annotations: coco_objects(dataset),
        keypoint_annotations: coco_objects(&kp),
        yolo_rows,
        file_sizes,
    })
}
