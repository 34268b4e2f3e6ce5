//! Facts about image files that annotation files only declare: the size of
//! each image file, read from its header, for the image-size-mismatch rule
//! (D007).

use std::path::{Component, Path, PathBuf};

use labelkit_diagnostics::Loaded;

/// How many images are looked for under a candidate folder before the
/// folder is given up when none of them is there: a dataset without its
/// images costs a few dozen failed look-ups, not one per image.
const PROBES: usize = 20;

/// The folders an annotation file's image names may be relative to, in the
/// order they are tried, as the common layouts place images:
/// - the file's folder, its `images/` (CVAT and Datumaro exports) and
///   `images/<subset>/`;
/// - when the file is in a folder named `annotations` (COCO, Datumaro's
///   COCO), the dataset folder above it: `images/<subset>/`, `<subset>/`
///   (COCO's `train2017/` for `instances_train2017.json`),
///   `<subset>2017/` (for `instances_train.json`) and `images/`.
///
/// `<subset>` is the file name's stem after its last `_`
/// (`person_keypoints_val2017` gives `val2017`). Only the folders that
/// exist and, symlinks followed, lie inside the dataset folder (the file's
/// folder, or the one above `annotations`) are returned, but for the
/// file's own folder, which always comes first: a folder the dataset
/// links elsewhere is never searched (name it with `--image-root`).
pub(crate) fn image_roots(annotation_file: &Path) -> Vec<PathBuf> {
    let dir = annotation_file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let stem = annotation_file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let subset = stem.rsplit('_').next().filter(|s| !s.is_empty());
    let name_of = |p: &Path| {
        p.file_name()
            .map(std::ffi::OsStr::to_os_string)
            .or_else(|| std::fs::canonicalize(p).ok()?.file_name().map(Into::into))
    };
    let in_annotations = name_of(dir).is_some_and(|n| n.eq_ignore_ascii_case("annotations"));
    let top = if in_annotations {
        match dir.parent() {
            // `.` (run from inside `annotations/`) or `..`: its parent.
            _ if dir == Path::new(".") => PathBuf::from(".."),
            _ if dir.file_name().is_none() => dir.join(".."),
            Some(p) if p.as_os_str().is_empty() => PathBuf::from("."),
            Some(p) => p.to_path_buf(),
            None => dir.join(".."),
        }
    } else {
        dir.to_path_buf()
    };
    // `./x` is shown as `x`.
    let under = |base: &Path, rel: &Path| {
        if base == Path::new(".") {
            rel.to_path_buf()
        } else {
            base.join(rel)
        }
    };
    let top_join = |rel: &str| under(&top, Path::new(rel));
    let mut candidates = vec![dir.to_path_buf(), under(dir, Path::new("images"))];
    if let Some(s) = subset {
        candidates.push(under(dir, &Path::new("images").join(s)));
    }
    if in_annotations {
        if let Some(s) = subset {
            candidates.push(top_join(&format!("images/{s}")));
            candidates.push(top_join(s));
            if !s.ends_with(|c: char| c.is_ascii_digit()) {
                candidates.push(top_join(&format!("{s}2017")));
            }
        }
        candidates.push(top_join("images"));
    }
    let tree = std::fs::canonicalize(&top).ok();
    let mut seen = std::collections::HashSet::new();
    let mut roots = Vec::new();
    for (i, c) in candidates.into_iter().enumerate() {
        let real = std::fs::canonicalize(&c).ok();
        let inside = match (&real, &tree) {
            (Some(r), Some(t)) => r.is_dir() && r.starts_with(t),
            _ => false,
        };
        if (i == 0 || inside) && seen.insert(real.unwrap_or_else(|| c.clone())) {
            roots.push(c);
        }
    }
    roots
}

/// An image file found, and its size or why it could not be read.
type Probed = (PathBuf, Result<(u32, u32), String>);

/// Finds the image files of a dataset read from `annotation_file` (a COCO
/// or CVAT file) and records each file's size, read from its header with
/// the EXIF orientation applied, in the reader facts
/// ([`labelkit_diagnostics::ImageFacts::file_size`]). Each image name is tried relative to the folders of
/// [`image_roots`], in order; a folder where none of the first
/// [`PROBES`] images is found is not tried further. A file that exists but
/// whose header cannot be read is reported as an `F008` issue. Headers are
/// read in parallel; the result does not depend on the order of the work.
pub(crate) fn record_file_sizes(loaded: &mut Loaded, annotation_file: &Path) {
    use labelkit_diagnostics::ReadIssue;
    use labelkit_imagesize::image_size;
    use rayon::prelude::*;

    let roots = image_roots(annotation_file);
    let sample: Vec<&str> = loaded
        .dataset
        .images
        .iter()
        .map(|i| i.file_name.as_str())
        .filter(|n| names_a_file_below(n))
        .take(PROBES)
        .collect();
    let live: Vec<&PathBuf> = roots
        .iter()
        .filter(|root| sample.iter().any(|n| root.join(n).is_file()))
        .collect();
    if live.is_empty() {
        return;
    }
    let found: Vec<Option<Probed>> = loaded
        .dataset
        .images
        .par_iter()
        .map(|image| {
            if !names_a_file_below(&image.file_name) {
                return None;
            }
            let path = live
                .iter()
                .map(|root| root.join(&image.file_name))
                .find(|p| p.is_file())?;
            let size = image_size(&path).map_err(|e| e.to_string());
            Some((path, size))
        })
        .collect();
    let outside: Vec<&str> = loaded
        .dataset
        .images
        .iter()
        .map(|i| i.file_name.as_str())
        .filter(|n| !n.is_empty() && !names_a_file_below(n))
        .collect();
    if let Some(first) = outside.first() {
        let message = format!(
            "{} image{} named by an absolute path or a path leading out of the image folder \
             (the first: {first:?}): labelkit reads no file outside the dataset's folders, so \
             their sizes are not verified",
            outside.len(),
            if outside.len() == 1 { " is" } else { "s are" },
        );
        loaded
            .issues
            .push(ReadIssue::ImageUnreadable.in_file(annotation_file, message));
    }
    for (i, result) in found.into_iter().enumerate() {
        let Some((path, size)) = result else { continue };
        let Some(image) = loaded.dataset.images.get(i) else {
            continue;
        };
        match size {
            Ok(size) => loaded.facts.image_mut(i).file_size = Some(size),
            Err(why) => {
                let message = format!(
                    "{}: {why}; the declared size {}x{} of `{}` cannot be verified",
                    path.display(),
                    image.width,
                    image.height,
                    image.file_name
                );
                let issue = match loaded.spans.image(i) {
                    Some(at) => ReadIssue::ImageUnreadable.at(at.file, at.span, message),
                    None => ReadIssue::ImageUnreadable.in_file(&path, message),
                };
                loaded.issues.push(issue.about(Some(image.id.0), None));
            }
        }
    }
}

/// Whether an image name from a dataset names a file below the folder it
/// is joined to: relative, without `..` (an absolute name would replace
/// the folder when joined).
fn names_a_file_below(name: &str) -> bool {
    let path = Path::new(name);
    path.components().any(|c| matches!(c, Component::Normal(_)))
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use labelkit_model::{Dataset, Image, ImageId};

    #[test]
    fn image_roots_follow_the_common_layouts_inside_the_dataset() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let roots = |file: &str| -> Vec<String> {
            image_roots(&d.join(file))
                .iter()
                .map(|p| p.strip_prefix(d).unwrap().display().to_string())
                .collect()
        };
        // Only the file's own folder while nothing else exists.
        assert_eq!(roots("annotations/instances_train.json"), ["annotations"]);
        for f in ["images/train", "train2017", "annotations/images", "train"] {
            std::fs::create_dir_all(d.join(f)).unwrap();
        }
        assert_eq!(
            roots("annotations/instances_train.json"),
            [
                "annotations",
                "annotations/images",
                "images/train",
                "train",
                "train2017",
                "images"
            ]
        );
        assert_eq!(
            roots("annotations/person_keypoints_train2017.json"),
            ["annotations", "annotations/images", "train2017", "images"]
        );
        // Beside a file that is not in `annotations/`, only its folder's
        // images/ (CVAT, Datumaro); `../images` is outside its dataset.
        std::fs::create_dir_all(d.join("task/images")).unwrap();
        assert_eq!(roots("task/annotations.xml"), ["task", "task/images"]);
        // A folder linked out of the dataset is not searched.
        #[cfg(unix)]
        {
            let elsewhere = tempfile::tempdir().unwrap();
            std::os::unix::fs::symlink(elsewhere.path(), d.join("val2017")).unwrap();
            assert_eq!(
                roots("annotations/instances_val2017.json"),
                ["annotations", "annotations/images", "images"]
            );
        }
        // A bare file name is relative to the working folder.
        assert_eq!(
            image_roots(Path::new("instances.json"))[0],
            PathBuf::from(".")
        );
    }

    #[test]
    fn sizes_are_recorded_where_files_are_found_and_a_folder_without_them_is_given_up() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ann.json");
        let images = dir.path().join("images");
        std::fs::create_dir_all(&images).unwrap();
        let gif = |name: &str, w: u8| {
            std::fs::write(
                images.join(name),
                [b"GIF89a".as_slice(), &[w, 0, 7, 0]].concat(),
            )
            .unwrap();
        };
        let mut dataset = Dataset::default();
        for n in 0..25u64 {
            dataset.images.push(Image {
                id: ImageId(n + 1),
                file_name: format!("i{n}.gif"),
                width: 9,
                height: 7,
                ..Image::default()
            });
        }
        let sizes = |l: &Loaded| -> Vec<(u64, (u32, u32))> {
            l.dataset
                .images
                .iter()
                .enumerate()
                .filter_map(|(pos, i)| Some((i.id.0, l.facts.image(pos).file_size?)))
                .collect()
        };
        // Only the 25th image is there: the first 20 were not, so the
        // folder is given up.
        gif("i24.gif", 9);
        let mut l = Loaded {
            dataset: dataset.clone(),
            ..Loaded::default()
        };
        record_file_sizes(&mut l, &file);
        assert!(sizes(&l).is_empty());
        // With the first image there, every image is looked for.
        gif("i0.gif", 5);
        std::fs::write(images.join("i3.gif"), b"not an image").unwrap();
        let mut l = Loaded {
            dataset: dataset.clone(),
            ..Loaded::default()
        };
        record_file_sizes(&mut l, &file);
        assert_eq!(sizes(&l), [(1, (5, 7)), (25, (9, 7))]);
        assert_eq!(l.issues.len(), 1);
        assert_eq!(l.issues[0].code, "F008");
        assert_eq!(l.issues[0].image, Some(4));
        assert!(
            l.issues[0]
                .message
                .ends_with("the declared size 9x7 of `i3.gif` cannot be verified"),
            "{}",
            l.issues[0].message
        );
    }

    /// Image names that would be joined outside the image folder (an
    /// absolute name, `..`) are never opened, not even for their size:
    /// one F008 says how many there are and which came first.
    #[test]
    fn images_named_outside_the_folder_are_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ann.json");
        std::fs::write(
            dir.path().join("in.gif"),
            [b"GIF89a".as_slice(), &[4, 0, 3, 0]].concat(),
        )
        .unwrap();
        // A real image outside the dataset folder, reached by `..` and by
        // its absolute path.
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret.gif");
        std::fs::write(&secret, [b"GIF89a".as_slice(), &[8, 0, 8, 0]].concat()).unwrap();
        let climb = format!(
            "../{}/secret.gif",
            outside.path().file_name().unwrap().to_str().unwrap()
        );
        let names = [
            "in.gif".to_owned(),
            secret.display().to_string(),
            climb,
            "./in.gif".to_owned(),
        ];
        let mut l = Loaded::default();
        for (n, name) in names.iter().enumerate() {
            l.dataset.images.push(Image {
                id: ImageId(n as u64 + 1),
                file_name: name.clone(),
                width: 4,
                height: 3,
                ..Image::default()
            });
        }
        record_file_sizes(&mut l, &file);
        let recorded: Vec<u64> = l
            .dataset
            .images
            .iter()
            .enumerate()
            .filter(|&(pos, _)| l.facts.image(pos).file_size.is_some())
            .map(|(_, i)| i.id.0)
            .collect();
        assert_eq!(recorded, [1, 4]);
        assert_eq!(l.issues.len(), 1);
        assert_eq!(l.issues[0].code, "F008");
        assert_eq!(
            l.issues[0].message,
            format!(
                "2 images are named by an absolute path or a path leading out of the image \
                 folder (the first: {:?}): labelkit reads no file outside the dataset's \
                 folders, so their sizes are not verified",
                secret.display().to_string()
            )
        );
    }
}
