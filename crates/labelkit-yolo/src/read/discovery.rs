//! Finding a dataset's files: the description above a label file
//! ([`find_config`]), the image of a label file, and which `.txt` files are
//! label files.

use std::fs;
use std::path::{Path, PathBuf};

use super::darknet::darknet_subset;
use crate::data_yaml;
use crate::guard;
use crate::paths::{clean, label2img_stem};
use crate::{Layout, IMAGE_EXTENSIONS, MAX_CONFIG_BYTES};

pub(crate) fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

pub(super) fn has_ext(path: &Path, ext: &str) -> bool {
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
pub(super) fn label_image_stem(label: &Path, labels_dir: &str) -> PathBuf {
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

/// Whether `path` is LabelImg's class list: `classes.txt`, which LabelImg
/// writes (and reads) beside the label files of its YOLO format, one class
/// name per line.
#[must_use]
pub fn is_class_list(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.eq_ignore_ascii_case("classes.txt"))
}

/// Finds the image of a label by trying image extensions (no listing).
pub(super) fn find_image(stem: &Path) -> Option<PathBuf> {
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
pub(super) fn with_image_ext(stem: &Path, ext: &str) -> PathBuf {
    let mut name = stem.file_name().unwrap_or_default().to_owned();
    name.push(".");
    name.push(ext);
    stem.with_file_name(name)
}

pub(super) fn guessed_image(stem: &Path) -> PathBuf {
    with_image_ext(stem, "jpg")
}

/// The `*.yaml`/`*.yml` files of `dir` that declare `names`, sorted; at
/// most the first `limit` entries of the folder are looked at, and `None`
/// is returned when it has more.
pub(super) fn yaml_candidates_within(dir: &Path, limit: usize) -> Option<Vec<PathBuf>> {
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

pub(super) fn declares_names(path: &Path) -> bool {
    guard::read_capped(path, MAX_CONFIG_BYTES)
        .is_ok_and(|t| data_yaml::has_names_key(&String::from_utf8_lossy(&t)))
}

pub(super) fn yaml_candidates(dir: &Path) -> Vec<PathBuf> {
    yaml_candidates_within(dir, 10_000).unwrap_or_default()
}

/// The names probed in each folder above a label file, in this order. The
/// `dataset.*` names count only when the file declares `names`.
pub(super) const CONFIG_NAMES: [&str; 6] = [
    "data.yaml",
    "data.yml",
    "dataset.yaml",
    "dataset.yml",
    "obj.data",
    "obj.names",
];

/// A folder with more entries than this is never listed while looking for a
/// dataset description above a label file.
pub(super) const LISTING_LIMIT: usize = 1000;

/// How many folders above a label file are looked at.
pub(super) const CONFIG_DEPTH: usize = 12;

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

pub(super) fn find_config_in(label_path: &Path, labels_dir: &str) -> Option<PathBuf> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::read_label_file;
    use crate::ReadOptions;
    use labelkit_model::Geometry;
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
}
