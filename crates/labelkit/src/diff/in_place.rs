//! One YOLO label file's bytes read as if they stood in their place in the
//! working tree: the git diff driver's two copies of a label file, a
//! revision's label file.
//!
//! The bytes go into a private temporary folder at the label's path from
//! the dataset's folder, beside a copy of the dataset description that
//! [`labelkit_yolo::find_config`] finds above the label in the working
//! tree (never above the repository's top), and a link to the label's
//! image in the working tree when one is there (the image's stem with
//! each of [`labelkit_yolo::IMAGE_EXTENSIONS`], where the reader looks):
//! the YOLO reader then reads them exactly as it reads the file in place,
//! classes by name and boxes in pixels. Without an image, the boxes stay
//! fractions of the image size.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use labelkit_diagnostics::Loaded;

use super::SideError;
use crate::{Format, ReadOptions};

/// A label file read in its place, and the temporary folder its paths
/// point into (kept until the read's sources are no longer needed).
#[derive(Debug)]
pub(crate) struct InPlace {
    pub(crate) loaded: Loaded,
    pub(crate) format: Format,
    /// The temporary folder; `None` for a file read where it stands.
    pub(crate) dir: Option<tempfile::TempDir>,
    /// The temporary folder's path from the repository's top, empty or
    /// ending in `/`: how its files are named.
    pub(crate) shown: String,
    /// Whether the image was found (sizes in pixels).
    pub(crate) sized: bool,
}

impl InPlace {
    /// A label file read where it stands.
    pub(crate) fn untouched(loaded: Loaded, format: Format) -> Self {
        let sized = loaded.dataset.images.iter().all(|i| i.width > 0);
        Self {
            loaded,
            format,
            dir: None,
            shown: String::new(),
            sized,
        }
    }
}

/// Reads `bytes` as the YOLO label file at `place` (a path inside the
/// working tree whose top folder is `root`; the file itself need not
/// exist). Without `look_around` (a file outside any repository: a
/// temporary copy), no description or image is looked for: classes are
/// named by their ids and boxes stay fractions.
pub(crate) fn read_label(
    bytes: &[u8],
    place: &Path,
    root: &Path,
    look_around: bool,
    options: &ReadOptions,
) -> Result<InPlace, SideError> {
    if !place.starts_with(root) {
        return Err(SideError::OutsideRepository {
            path: place.to_path_buf(),
            root: root.to_path_buf(),
        });
    }
    let io = |path: &Path, error: std::io::Error| SideError::Io {
        path: path.to_path_buf(),
        error,
    };
    let description =
        labelkit_yolo::find_config(place).filter(|d| look_around && d.starts_with(root));
    // The temporary folder stands for the description's folder (the
    // dataset's), else for the repository's top; it holds an empty `.git`
    // so that no walk up leaves it.
    let base = description
        .as_deref()
        .and_then(Path::parent)
        .unwrap_or(root)
        .to_path_buf();
    let dir = tempfile::Builder::new()
        .prefix("labelkit-diff-")
        .tempdir()
        .map_err(|e| io(&std::env::temp_dir(), e))?;
    let top = dir.path().to_path_buf();
    let marker = top.join(".git");
    std::fs::File::create_new(&marker).map_err(|e| io(&marker, e))?;
    let inside = |p: &Path| top.join(p.strip_prefix(&base).unwrap_or(p));
    // The description, copied (never linked: a link would take the
    // reader's scope out of the temporary folder).
    let mut format = Format::YoloUltralytics;
    if let Some(desc) = &description {
        let name = desc
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.eq_ignore_ascii_case("obj.data") || name.eq_ignore_ascii_case("obj.names") {
            format = Format::YoloDarknet;
        }
        let mut copies = vec![desc.clone()];
        if name.eq_ignore_ascii_case("obj.data") {
            copies.push(desc.with_file_name("obj.names"));
        }
        for file in copies {
            let Ok(bytes) = read_capped(&file) else {
                continue;
            };
            let to = inside(&file);
            std::fs::write(&to, bytes).map_err(|e| io(&to, e))?;
        }
    }
    let label = inside(place);
    make_dir(label.parent().unwrap_or(&top))?;
    std::fs::write(&label, bytes).map_err(|e| io(&label, e))?;
    let mut loaded = crate::read(&label, Some(format), options)
        .map_err(|error| SideError::read(&error, &top, &base))?;
    // The image the reader looked for, in the working tree.
    let mut sized = loaded.dataset.images.iter().all(|i| i.width > 0);
    let guessed = loaded
        .dataset
        .images
        .first()
        .map(|i| base.join(&i.file_name));
    if let (false, true, Some(guessed)) = (sized, description.is_some(), guessed) {
        if let Some(found) = image_in_tree(&guessed).filter(|f| f.starts_with(&base)) {
            let at = inside(&found);
            make_dir(at.parent().unwrap_or(&top))?;
            #[cfg(unix)]
            let linked = std::os::unix::fs::symlink(&found, &at);
            #[cfg(not(unix))]
            let linked = std::fs::copy(&found, &at).map(|_| ());
            linked.map_err(|e| io(&at, e))?;
            loaded = crate::read(&label, Some(format), options)
                .map_err(|error| SideError::read(&error, &top, &base))?;
            sized = loaded.dataset.images.iter().all(|i| i.width > 0);
        }
    }
    let shown = base
        .strip_prefix(root)
        .ok()
        .filter(|r| !r.as_os_str().is_empty())
        .map(|r| format!("{}/", r.display()))
        .unwrap_or_default();
    Ok(InPlace {
        loaded,
        format,
        dir: Some(dir),
        shown,
        sized,
    })
}

/// The working tree's image for the guessed image path `guessed` (with
/// the reader's default extension): its stem with each image extension,
/// as the YOLO reader looks for it.
fn image_in_tree(guessed: &Path) -> Option<PathBuf> {
    let stem = guessed.with_extension("");
    let name = stem.file_name()?.to_owned();
    for ext in labelkit_yolo::IMAGE_EXTENSIONS {
        for e in [ext.to_owned(), ext.to_ascii_uppercase()] {
            let mut file = name.clone();
            file.push(".");
            file.push(&e);
            let candidate = stem.with_file_name(&file);
            if std::fs::metadata(&candidate).is_ok_and(|m| m.is_file()) {
                return Some(candidate);
            }
        }
    }
    None
}

fn make_dir(dir: &Path) -> Result<(), SideError> {
    std::fs::create_dir_all(dir).map_err(|e| SideError::Io {
        path: dir.to_path_buf(),
        error: e,
    })
}

/// A description file, at most [`labelkit_yolo::MAX_CONFIG_BYTES`].
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = labelkit_imagesize::open_regular(path, true)?;
    let mut bytes = Vec::new();
    file.take(labelkit_yolo::MAX_CONFIG_BYTES.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > labelkit_yolo::MAX_CONFIG_BYTES {
        return Err(std::io::Error::other("larger than the description limit"));
    }
    Ok(bytes)
}
