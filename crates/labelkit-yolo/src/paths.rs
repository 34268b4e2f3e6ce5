//! Where Ultralytics looks for the label file of an image: one rule, used by
//! the reader to find label files and by the writer to place them.

use std::path::{Component, Path, PathBuf};

/// The label path of an image as Ultralytics maps it (`img2label_paths`):
/// the last `images` folder of the path becomes `labels_dir` (`labels` by
/// default) and the extension of the file name becomes `.txt`; an image
/// outside any `images` folder has its label beside it.
///
/// Only a folder named exactly `images` counts (the rule replaces
/// `/images/`, separators included), and only the file name's extension is
/// replaced: `a.b.jpg` gives `a.b.txt`, `.jpg` gives `.txt` (everything
/// after the last dot goes, as in Ultralytics), `x` gives `x.txt`.
pub(crate) fn img2label(image: &Path, labels_dir: &str) -> PathBuf {
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
    // A name of one leading dot and an extension (`.jpg`) has no extension
    // for `Path`, but Ultralytics cuts at its last dot all the same.
    let dotted = out
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') && n.len() > 1 && !n[1..].contains('.'));
    if dotted {
        out.set_file_name(".txt");
    } else {
        out.set_extension("txt");
    }
    out
}

/// [`img2label`] of a relative `/`-separated name, as a `/`-separated name
/// (the writer's names are such strings).
pub(crate) fn img2label_name(image: &str, labels_dir: &str) -> String {
    img2label(Path::new(image), labels_dir)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The image path of a label path without its extension (the inverse of
/// [`img2label`], extension aside).
pub(crate) fn label2img_stem(label: &Path, labels_dir: &str) -> PathBuf {
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

/// Lexically removes `.` and resolves `..` components.
pub(crate) fn clean(path: &Path) -> PathBuf {
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

pub(crate) fn rel_name(root: &Path, path: &Path) -> String {
    let p = path.strip_prefix(root).unwrap_or(path);
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_paths_follow_the_last_images_folder() {
        // What Ultralytics' `img2label_paths` gives for each (on the whole
        // path: the last `/images/` becomes `/labels/`, everything after the
        // last dot `txt`).
        for (image, label) in [
            ("/d/images/train/a.jpg", "/d/labels/train/a.txt"),
            (
                "/d/images/x/images/train/a.b.jpg",
                "/d/images/x/labels/train/a.b.txt",
            ),
            (
                "/d/images/train/train/images/x.jpg",
                "/d/images/train/train/labels/x.txt",
            ),
            (
                "/d/my images/images/val/with space.PNG",
                "/d/my images/labels/val/with space.txt",
            ),
            ("/d/images/train/images.jpg", "/d/labels/train/images.txt"),
            ("/d/images/train/.jpg", "/d/labels/train/.txt"),
            ("/d/images/train/..jpg", "/d/labels/train/..txt"),
            ("/d/images/train/x.", "/d/labels/train/x.txt"),
            (
                "/d/images/train/images/images/a.tar.gz.jpg",
                "/d/images/train/images/labels/a.tar.gz.txt",
            ),
            (
                "/d/imagesX/images_/images/t/a.jpg",
                "/d/imagesX/images_/labels/t/a.txt",
            ),
        ] {
            assert_eq!(
                img2label(Path::new(image), "labels"),
                PathBuf::from(label),
                "{image}"
            );
        }
        assert_eq!(
            img2label(Path::new("/d/obj_train_data/1.jpg"), "labels"),
            PathBuf::from("/d/obj_train_data/1.txt")
        );
        assert_eq!(
            img2label_name("images/train/train/images/x.jpg", "labels"),
            "images/train/train/labels/x.txt"
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
        assert_eq!(clean(Path::new("./../../x")), PathBuf::from("../../x"));
        assert_eq!(clean(Path::new("a/../../x")), PathBuf::from("../x"));
        assert_eq!(clean(Path::new("/../x")), PathBuf::from("/x"));
        assert_eq!(
            rel_name(Path::new("/r"), Path::new("/r/images/a.jpg")),
            "images/a.jpg"
        );
    }
}
