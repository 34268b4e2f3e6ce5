//! What changed between two versions of a dataset, object by object:
//! everything of [`labelkit_diff`] (matching, change kinds, summary,
//! renderings), and the *sides* it compares as `labelkit diff` reads them.
//!
//! A [`Side`] is a dataset folder or annotation file in any format
//! ([`Side::Path`]), a path as committed in a git revision
//! ([`Side::Revision`], read through the `git` command, never by checking
//! anything out), the bytes of a label file standing for a file in the
//! working tree ([`Side::Placed`], the git diff driver's copies), or
//! nothing ([`Side::Empty`], an added or removed file). [`read_sides`]
//! reads both sides in parallel; [`Sides::from_args`] turns
//! `labelkit diff`'s arguments into sides, telling paths from revisions as
//! git does (an existing path is a path; otherwise a revision that
//! `git rev-parse --verify REV^{commit}` resolves).
//!
//! # Revisions
//! `git ls-tree -r -z REV -- PATH` lists the files, and one
//! `git cat-file --batch` writes their blobs into a private temporary
//! folder, at their paths from the repository's top: symlink and submodule
//! entries are left out with a note ([`ReadSide::notes`]), a name that is
//! not a plain relative path is never written, and the folder holds an
//! empty `.git` so that no search for a dataset description walks above
//! it. Annotation files are always taken from the revision; an image
//! whose blob the working tree holds unchanged is a link to the working
//! tree's file (only its header is ever read). A YOLO label file alone is
//! read in its place in the working tree (see [`Side::Placed`]). Paths in
//! read issues and errors name `REV:PATH`, never the temporary folder.
//!
//! # Example
//!
//! ```no_run
//! use labelkit::diff::{diff, read_sides, DiffOptions, Side, SideOptions};
//!
//! # fn main() -> Result<(), labelkit::diff::SideError> {
//! let old = Side::Revision { revision: "HEAD~1".into(), path: "data".into() };
//! let new = Side::Path("data".into());
//! let (old, new) = read_sides(&old, &new, &SideOptions::new(), &SideOptions::new());
//! let (old, new) = (old?, new?);
//! let changes = diff(&old.loaded.dataset, &new.loaded.dataset, &DiffOptions::new());
//! println!("{} images changed", changes.summary.images_changed);
//! # Ok(())
//! # }
//! ```

mod git;
mod in_place;

use std::io::Read as _;
use std::path::{Path, PathBuf};

use labelkit_diagnostics::{Loaded, SourceFile, SourceMap};
pub use labelkit_diff::*;

use crate::{Error, Format, ReadOptions};

/// One side of a diff: what to read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Side {
    /// A dataset folder or annotation file on disk.
    Path(PathBuf),
    /// `path` as committed in `revision` of the git repository holding
    /// it. A YOLO label file alone is read in its place in the working
    /// tree, as [`Side::Placed`].
    Revision {
        /// A revision git resolves to a commit (`HEAD~1`, a branch, a
        /// commit id).
        revision: String,
        /// The path in the working tree (absolute or relative to the
        /// current folder).
        path: PathBuf,
    },
    /// The bytes of `file` read as if they stood at `place` in the working
    /// tree. A YOLO label file (`.txt`) gets the classes of the dataset
    /// description found above `place` (inside the repository) and the
    /// size of the image beside it when the working tree has one, else its
    /// boxes stay fractions of the image size; a CVAT or COCO file is a
    /// whole dataset.
    Placed {
        /// The file holding the bytes (a temporary copy).
        file: PathBuf,
        /// Where it stands in the working tree.
        place: PathBuf,
    },
    /// No file (an added or removed file): an empty dataset.
    Empty,
}

impl Side {
    /// The side as messages name it: the path, `REV:PATH`, the place, or
    /// `/dev/null`.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Self::Path(p) => p.display().to_string(),
            Self::Revision { revision, path } => format!("{revision}:{}", path.display()),
            Self::Placed { place, .. } => place.display().to_string(),
            Self::Empty => "/dev/null".to_owned(),
        }
    }
}

/// The two sides `labelkit diff`'s arguments name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sides {
    /// The old side.
    pub old: Side,
    /// The new side.
    pub new: Side,
}

impl Sides {
    /// The sides of `labelkit diff FIRST [SECOND]`, paths told from
    /// revisions as git does:
    /// - `OLD NEW`, both existing paths: the two paths;
    /// - `REV [PATH]`: `PATH` (default `.`) in `REV` against the working
    ///   tree's `PATH`; `PATH` alone: `HEAD`'s against the working tree's;
    /// - `A..B [PATH]`: `PATH` in `A` against `PATH` in `B` (an empty end
    ///   is `HEAD`);
    /// - `REV:PATH`, as either side: that path in that revision.
    ///
    /// An argument that is an existing path is a path; otherwise a
    /// revision that `git rev-parse --verify REV^{commit}` resolves in the
    /// repository holding the path (or the current folder).
    ///
    /// # Errors
    /// [`SideError::NotASide`] for an argument that is neither, and git's
    /// errors.
    pub fn from_args(first: &str, second: Option<&str>) -> Result<Self, SideError> {
        let exists = |s: &str| Path::new(s).symlink_metadata().is_ok();
        let revision = |rev: &str, path: &str| -> Result<Side, SideError> {
            let repo = git::Repo::discover(&existing_folder(Path::new(path)))?;
            if repo.commit(rev)?.is_none() {
                return Err(SideError::NotASide {
                    argument: rev.to_owned(),
                });
            }
            Ok(Side::Revision {
                revision: rev.to_owned(),
                path: PathBuf::from(path),
            })
        };
        // `REV:PATH`, or an existing path.
        let side = |arg: &str| -> Result<Side, SideError> {
            if exists(arg) {
                return Ok(Side::Path(PathBuf::from(arg)));
            }
            match arg.split_once(':') {
                Some((rev, path)) if !rev.is_empty() => {
                    revision(rev, if path.is_empty() { "." } else { path })
                }
                _ => Err(SideError::NotASide {
                    argument: arg.to_owned(),
                }),
            }
        };
        if exists(first) {
            return Ok(match second {
                Some(second) => Self {
                    old: Side::Path(PathBuf::from(first)),
                    new: side(second)?,
                },
                None => Self {
                    old: revision("HEAD", first)?,
                    new: Side::Path(PathBuf::from(first)),
                },
            });
        }
        if let Some((a, b)) = first.split_once("..") {
            if !b.starts_with('.') {
                let path = second.unwrap_or(".");
                let a = if a.is_empty() { "HEAD" } else { a };
                let b = if b.is_empty() { "HEAD" } else { b };
                return Ok(Self {
                    old: revision(a, path)?,
                    new: revision(b, path)?,
                });
            }
        }
        if first.contains(':') {
            let old = side(first)?;
            let new = match (second, &old) {
                (Some(s), _) => side(s)?,
                (None, Side::Revision { path, .. }) => Side::Path(path.clone()),
                (None, _) => side(first)?,
            };
            return Ok(Self { old, new });
        }
        let path = second.unwrap_or(".");
        Ok(Self {
            old: revision(first, path)?,
            new: Side::Path(PathBuf::from(path)),
        })
    }
}

/// How one side is read.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SideOptions {
    format: Option<Format>,
    read: ReadOptions,
}

impl SideOptions {
    /// The format recognised from the content, default read options.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the side as `format` instead of recognising it.
    #[must_use]
    pub fn format(mut self, format: Option<Format>) -> Self {
        self.format = format;
        self
    }

    /// The read options.
    #[must_use]
    pub fn read(mut self, read: ReadOptions) -> Self {
        self.read = read;
        self
    }
}

/// One side, read.
#[derive(Debug)]
#[non_exhaustive]
pub struct ReadSide {
    /// The dataset, the read issues, and the files they point into (named
    /// as the side's name says: `REV:PATH` for a revision).
    pub loaded: Loaded,
    /// The format read (`None` for [`Side::Empty`]).
    pub format: Option<Format>,
    /// The side's name ([`Side::name`]).
    pub name: String,
    /// The folders the images' file names are relative to, in the working
    /// tree (for a revision: where the working tree keeps the dataset),
    /// those that exist; for showing images.
    pub image_roots: Vec<PathBuf>,
    /// What was left out of a revision (symlinks, submodules), or how a
    /// label file was read (fractions: no image found), one sentence each.
    pub notes: Vec<String>,
    /// The temporary folder a revision or a placed file was written to,
    /// kept while the side lives (the image links point from it).
    _temp: Option<tempfile::TempDir>,
}

/// Reads one side.
///
/// # Errors
/// [`SideError`]: the read's error, with paths as the side's name says, or
/// git's.
pub fn read_side(side: &Side, options: &SideOptions) -> Result<ReadSide, SideError> {
    match side {
        Side::Empty => Ok(ReadSide {
            loaded: Loaded::default(),
            format: None,
            name: side.name(),
            image_roots: Vec::new(),
            notes: Vec::new(),
            _temp: None,
        }),
        Side::Path(path) => {
            let format = match options.format {
                Some(f) => f,
                None => crate::detect(path).map_err(|e| SideError::Read {
                    message: e.to_string(),
                })?,
            };
            let loaded =
                crate::read(path, Some(format), &options.read).map_err(|e| SideError::Read {
                    message: e.to_string(),
                })?;
            Ok(ReadSide {
                loaded,
                format: Some(format),
                name: side.name(),
                image_roots: crate::image_roots(path, format),
                notes: Vec::new(),
                _temp: None,
            })
        }
        Side::Revision { revision, path } => read_revision(side, revision, path, options),
        Side::Placed { file, place } => read_placed(side, file, place, options),
    }
}

/// Reads both sides, each on its own thread.
///
/// A YOLO side some of whose images have no size (a labels-only export: no
/// image file) takes the sizes of the other side's images of the same
/// file name or stem, and is read again with them (the YOLO reader's
/// fallback sizes); images still without a size are counted in a note of
/// that side: their shapes stay fractions and are compared as such.
pub fn read_sides(
    old: &Side,
    new: &Side,
    old_options: &SideOptions,
    new_options: &SideOptions,
) -> (Result<ReadSide, SideError>, Result<ReadSide, SideError>) {
    let (mut old_read, mut new_read) = std::thread::scope(|scope| {
        let old = scope.spawn(|| read_side(old, old_options));
        let new = read_side(new, new_options);
        let old = old.join().unwrap_or_else(|_| {
            Err(SideError::Read {
                message: "reading the old side stopped".to_owned(),
            })
        });
        (old, new)
    });
    if let (Ok(o), Ok(n)) = (&old_read, &new_read) {
        if let Some(again) = sized_from(o, n, old, old_options) {
            old_read = again;
        }
    }
    if let (Ok(o), Ok(n)) = (&old_read, &new_read) {
        if let Some(again) = sized_from(n, o, new, new_options) {
            new_read = again;
        }
    }
    for (which, side) in [("old", &mut old_read), ("new", &mut new_read)] {
        if let Ok(side) = side {
            let unsized_images = unsized_images(side);
            if unsized_images > 0 {
                side.notes.push(format!(
                    "{unsized_images} images of the {which} side have no size: their shapes \
                     are in fractions and are compared as such"
                ));
            }
        }
    }
    (old_read, new_read)
}

/// Whether `side` was read as YOLO.
fn is_yolo(side: &ReadSide) -> bool {
    side.format
        .is_some_and(|f| matches!(f, Format::YoloUltralytics | Format::YoloDarknet))
}

/// The images of a YOLO side without a size (their shapes in fractions).
fn unsized_images(side: &ReadSide) -> usize {
    if !is_yolo(side) {
        return 0;
    }
    side.loaded
        .dataset
        .images
        .iter()
        .filter(|im| im.width == 0 || im.height == 0)
        .count()
}

/// `this` (a YOLO side with images of unknown size) read again with the
/// sizes of `other`'s images, when `other` gives one for any of them.
fn sized_from(
    this: &ReadSide,
    other: &ReadSide,
    side: &Side,
    options: &SideOptions,
) -> Option<Result<ReadSide, SideError>> {
    if unsized_images(this) == 0 {
        return None;
    }
    let sizes = crate::ImageSizes::from_dataset(&other.loaded.dataset);
    let helps = this
        .loaded
        .dataset
        .images
        .iter()
        .filter(|im| im.width == 0 || im.height == 0)
        .any(|im| {
            let name = im.file_name.replace('\\', "/");
            let path = Path::new(&name);
            let found = [
                Some(name.as_str()),
                path.file_name().and_then(|n| n.to_str()),
                path.file_stem().and_then(|n| n.to_str()),
            ]
            .into_iter()
            .flatten()
            .any(|k| sizes.by_name.contains_key(k));
            found
        });
    if !helps {
        return None;
    }
    let options = SideOptions {
        format: this.format,
        read: options.read.clone().image_sizes(sizes),
    };
    Some(read_side(side, &options))
}

/// Whether `path` names a YOLO label file read alone (a `.txt` that is not
/// LabelImg's `classes.txt`).
fn is_label_file(path: &Path, format: Option<Format>) -> bool {
    let yolo = format.is_none_or(|f| matches!(f, Format::YoloUltralytics | Format::YoloDarknet));
    yolo && path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
        && !path
            .file_name()
            .is_some_and(|n| n.eq_ignore_ascii_case("classes.txt"))
}

fn read_revision(
    side: &Side,
    revision: &str,
    path: &Path,
    options: &SideOptions,
) -> Result<ReadSide, SideError> {
    let name = side.name();
    let repo = git::Repo::discover(&existing_folder(path))?;
    let commit = repo.commit(revision)?.ok_or_else(|| SideError::NotASide {
        argument: revision.to_owned(),
    })?;
    let rel = repo.relative(path)?;
    let in_tree = repo.root.join(&rel);
    if is_label_file(Path::new(&rel), options.format) {
        let bytes = git::blob(&repo, &commit, &rel)?.ok_or_else(|| SideError::NotInRevision {
            revision: name.clone(),
        })?;
        let placed = in_place::read_label(&bytes, &in_tree, &repo.root, true, &options.read)?;
        return Ok(placed_side(placed, name, &format!("{revision}:"), &rel));
    }
    let made = git::materialise(&repo, &commit, &rel, &name)?;
    let top = made.dir.path().to_path_buf();
    let at = if rel == "." {
        top.clone()
    } else {
        top.join(&rel)
    };
    let format = match options.format {
        Some(f) => f,
        None => {
            crate::detect(&at).map_err(|e| SideError::read(&e, &top, format!("{revision}:")))?
        }
    };
    let mut loaded = crate::read(&at, Some(format), &options.read)
        .map_err(|e| SideError::read(&e, &top, format!("{revision}:")))?;
    rename_sources(&mut loaded, &top, &format!("{revision}:"));
    let image_roots = if in_tree.exists() {
        crate::image_roots(&in_tree, format)
    } else {
        Vec::new()
    };
    Ok(ReadSide {
        loaded,
        format: Some(format),
        name,
        image_roots,
        notes: made.notes,
        _temp: Some(made.dir),
    })
}

fn read_placed(
    side: &Side,
    file: &Path,
    place: &Path,
    options: &SideOptions,
) -> Result<ReadSide, SideError> {
    let name = side.name();
    if is_label_file(place, options.format) {
        let absolute = std::path::absolute(place).map_err(|e| SideError::Io {
            path: place.to_path_buf(),
            error: e,
        })?;
        let absolute = canonical_place(&absolute);
        // Outside a repository (a temporary copy), nothing around the
        // file is looked at.
        let (root, in_repo) = match repository_top(&absolute) {
            Some(top) => (top, true),
            None => (existing_folder(&absolute), false),
        };
        let rel = absolute
            .strip_prefix(&root)
            .map(|r| r.display().to_string())
            .unwrap_or_else(|_| place.display().to_string());
        let itself = std::fs::canonicalize(file).is_ok_and(|f| f == absolute);
        if itself && in_repo {
            // The working tree's own file (git hands it over as it is):
            // read where it stands.
            let format = options.format.unwrap_or(Format::YoloUltralytics);
            let loaded = crate::read(&absolute, Some(format), &options.read)
                .map_err(|e| SideError::read(&e, &root, ""))?;
            let mut side =
                placed_side(in_place::InPlace::untouched(loaded, format), name, "", &rel);
            side.loaded.sources = renamed(&side.loaded.sources, &root, "");
            return Ok(side);
        }
        let bytes = read_bounded(file)?;
        let placed = in_place::read_label(&bytes, &absolute, &root, in_repo, &options.read)?;
        return Ok(placed_side(placed, name, "", &rel));
    }
    let bytes = read_bounded(file)?;
    // A whole dataset: its bytes under the place's name.
    let format = match options.format {
        Some(f) => f,
        None => crate::detect(file).map_err(|e| SideError::Read {
            message: e.to_string().replace(&file.display().to_string(), &name),
        })?,
    };
    let read = options.read.clone().source_name(place);
    let loaded = crate::from_slice(&bytes, Some(format), &read).map_err(|e| SideError::Read {
        message: e.to_string(),
    })?;
    Ok(ReadSide {
        loaded,
        format: Some(format),
        name,
        image_roots: Vec::new(),
        notes: Vec::new(),
        _temp: None,
    })
}

/// A placed label file as a side: sources named `{prefix}{rel}`.
fn placed_side(placed: in_place::InPlace, name: String, prefix: &str, rel: &str) -> ReadSide {
    let in_place::InPlace {
        mut loaded,
        format,
        dir,
        shown,
        sized,
    } = placed;
    if let Some(dir) = &dir {
        rename_sources(&mut loaded, dir.path(), &format!("{prefix}{shown}"));
    }
    let mut notes = Vec::new();
    if !sized {
        notes.push(format!(
            "{name}: no image found beside {rel} in the working tree: coordinates are fractions \
             of the image size"
        ));
    }
    ReadSide {
        loaded,
        format: Some(format),
        name,
        image_roots: Vec::new(),
        notes,
        _temp: dir,
    }
}

/// `place` with its existing ancestors canonicalised.
fn canonical_place(place: &Path) -> PathBuf {
    let folder = existing_folder(place);
    let canonical = folder.canonicalize().unwrap_or_else(|_| folder.clone());
    match place.strip_prefix(&folder) {
        Ok(rest) => canonical.join(rest),
        Err(_) => place.to_path_buf(),
    }
}

/// The deepest existing folder of `path` (the path itself when it is a
/// folder), `.` when none.
fn existing_folder(path: &Path) -> PathBuf {
    let mut p = path;
    loop {
        if p.is_dir() {
            return if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p.to_path_buf()
            };
        }
        match p.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => p = parent,
            _ => return PathBuf::from("."),
        }
    }
}

/// Names the files of `loaded` below `temp` `{prefix}{path from temp}`
/// (their bytes are kept: the temporary folder goes away).
fn rename_sources(loaded: &mut Loaded, temp: &Path, prefix: &str) {
    loaded.sources = renamed(&loaded.sources, temp, prefix);
}

/// `sources` with the files below `folder` named `{prefix}{path from
/// folder}`, their bytes read now.
fn renamed(sources: &SourceMap, folder: &Path, prefix: &str) -> SourceMap {
    let mut out = SourceMap::new();
    for (_, file) in sources.iter() {
        let name = match file.path().strip_prefix(folder) {
            Ok(rest) => PathBuf::from(format!("{prefix}{}", rest.display())),
            Err(_) => file.path().to_path_buf(),
        };
        out.add(SourceFile::with_text(name, file.text().to_vec()));
    }
    out
}

/// The top folder of the git working tree holding `path`: the nearest
/// folder above it with a `.git` (a folder, or a worktree's file), found
/// without running git.
fn repository_top(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .skip(1)
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

/// At most [`labelkit_yolo::MAX_LABEL_BYTES`] of `file`, a regular file.
fn read_bounded(file: &Path) -> Result<Vec<u8>, SideError> {
    let io = |error| SideError::Io {
        path: file.to_path_buf(),
        error,
    };
    let f = labelkit_imagesize::open_regular(file, true).map_err(io)?;
    let mut bytes = Vec::new();
    f.take(labelkit_yolo::MAX_LABEL_BYTES.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > labelkit_yolo::MAX_LABEL_BYTES {
        return Err(io(std::io::Error::other(format!(
            "larger than {} bytes",
            labelkit_yolo::MAX_LABEL_BYTES
        ))));
    }
    Ok(bytes)
}

/// The companion groups of a configuration (`[[schema.companions]]`), as
/// [`DiffOptions::companions`] takes them.
#[cfg(feature = "rules")]
#[must_use]
pub fn companion_groups(config: &labelkit_rules::Config) -> Vec<CompanionGroup> {
    config
        .schema
        .companions
        .iter()
        .map(|g| CompanionGroup {
            object: g.object.clone(),
            one_of: g.one_of.clone(),
            iou: g.iou,
            edge_tolerance: g.edge_tolerance,
        })
        .collect()
}

/// Why a side could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SideError {
    /// The read failed; the message names the file, line and column.
    #[error("{message}")]
    Read {
        /// The reader's error, paths as the side names them.
        message: String,
    },
    /// An argument that is neither an existing path nor a git revision.
    #[error("`{argument}`: no such file or folder, nor a git revision")]
    NotASide {
        /// The argument.
        argument: String,
    },
    /// The revision holds nothing at the path.
    #[error("{revision}: no such path in the revision")]
    NotInRevision {
        /// `REV:PATH`.
        revision: String,
    },
    /// The revision holds something else than a file at the path.
    #[error("{revision}: is {what}, not read")]
    NotAFile {
        /// `REV:PATH`.
        revision: String,
        /// What it is.
        what: &'static str,
    },
    /// A path given with a revision lies outside the repository.
    #[error("{}: outside the git repository at {}", path.display(), root.display())]
    OutsideRepository {
        /// The path.
        path: PathBuf,
        /// The repository's top folder.
        root: PathBuf,
    },
    /// A git command failed.
    #[error("{command}: {message}")]
    Git {
        /// The command (`git ls-tree`).
        command: String,
        /// git's message.
        message: String,
    },
    /// An I/O error on a path.
    #[error("{}: {error}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
}

impl SideError {
    /// A read error whose paths below `temp` are named `{prefix}{path}`.
    fn read(error: &Error, temp: &Path, prefix: impl AsRef<Path>) -> Self {
        let mut message = error.to_string();
        let temp = temp.display().to_string();
        let prefix = prefix.as_ref().display().to_string();
        for (from, to) in [
            (
                format!("{temp}/"),
                if prefix.is_empty() || prefix.ends_with(':') {
                    prefix.clone()
                } else {
                    format!("{prefix}/")
                },
            ),
            // The folder itself is the revision (`HEAD~1`, not `HEAD~1:`,
            // before the message's own colon).
            (temp.clone(), prefix.trim_end_matches(':').to_owned()),
        ] {
            message = message.replace(&from, &to);
        }
        Self::Read { message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let o = Command::new("git")
            .args(["-c", "user.name=T", "-c", "user.email=t@example.invalid"])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    /// The boxes of a side as `label x y w h`, rounded to 0.01 px.
    fn boxes(side: &ReadSide) -> Vec<String> {
        let d = &side.loaded.dataset;
        d.annotations
            .iter()
            .map(|a| {
                let b = a.geometry.bounds().unwrap();
                format!(
                    "{} {:.2} {:.2} {:.2} {:.2}",
                    d.labels.get(a.label).unwrap().name,
                    b.x_min,
                    b.y_min,
                    b.x_max - b.x_min,
                    b.y_max - b.y_min
                )
            })
            .collect()
    }

    #[test]
    fn a_revision_is_read_through_git_and_a_label_file_in_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q"]);
        let data = root.join("data");
        std::fs::create_dir_all(data.join("images/train")).unwrap();
        std::fs::create_dir_all(data.join("labels/train")).unwrap();
        std::fs::write(
            data.join("data.yaml"),
            "train: images/train\nnames:\n  0: person\n  1: head\n",
        )
        .unwrap();
        std::fs::write(data.join("images/train/a.png"), png(100, 50)).unwrap();
        std::fs::write(data.join("labels/train/a.txt"), "1 0.5 0.5 0.1 0.2\n").unwrap();
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "one"]);
        std::fs::write(data.join("labels/train/a.txt"), "0 0.5 0.5 0.2 0.2\n").unwrap();

        let old = Side::Revision {
            revision: "HEAD".into(),
            path: data.clone(),
        };
        let side = read_side(&old, &SideOptions::new()).unwrap();
        assert_eq!(side.format, Some(Format::YoloUltralytics));
        assert_eq!(boxes(&side), ["head 45.00 20.00 10.00 10.00"]);
        assert!(side.notes.is_empty(), "{:?}", side.notes);
        // Sources name the revision, never the temporary folder.
        let names: Vec<String> = side
            .loaded
            .sources
            .iter()
            .map(|(_, f)| f.path().display().to_string())
            .collect();
        assert!(
            names.iter().all(|n| n.starts_with("HEAD:data/")),
            "{names:?}"
        );

        let label = Side::Revision {
            revision: "HEAD".into(),
            path: data.join("labels/train/a.txt"),
        };
        let side = read_side(&label, &SideOptions::new()).unwrap();
        assert_eq!(boxes(&side), ["head 45.00 20.00 10.00 10.00"]);

        let new = read_side(&Side::Path(data.clone()), &SideOptions::new()).unwrap();
        assert_eq!(boxes(&new), ["person 40.00 20.00 20.00 10.00"]);

        // Without its image, a placed label file stays in fractions.
        std::fs::remove_file(data.join("images/train/a.png")).unwrap();
        let file = root.join("copy.txt");
        std::fs::write(&file, "1 0.5 0.5 0.1 0.2\n").unwrap();
        let placed = Side::Placed {
            file,
            place: data.join("labels/train/a.txt"),
        };
        let side = read_side(&placed, &SideOptions::new()).unwrap();
        assert_eq!(boxes(&side), ["head 0.45 0.40 0.10 0.20"]);
        assert_eq!(side.notes.len(), 1, "{:?}", side.notes);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_in_a_revision_is_left_out_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q"]);
        let data = root.join("data");
        std::fs::create_dir_all(data.join("labels/train")).unwrap();
        std::fs::create_dir_all(data.join("images/train")).unwrap();
        std::fs::write(
            data.join("data.yaml"),
            "train: images/train\nnames: [person]\n",
        )
        .unwrap();
        std::fs::write(data.join("images/train/a.png"), png(10, 10)).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", data.join("labels/train/a.txt")).unwrap();
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "one"]);
        let side = read_side(
            &Side::Revision {
                revision: "HEAD".into(),
                path: data.clone(),
            },
            &SideOptions::new(),
        )
        .unwrap();
        assert_eq!(
            side.notes,
            ["HEAD:".to_owned()
                + &data.display().to_string()
                + ": left out `data/labels/train/a.txt`: a symbolic link (never followed)"]
        );
        assert!(side.loaded.dataset.annotations.is_empty());
        let err = read_side(
            &Side::Revision {
                revision: "HEAD".into(),
                path: data.join("labels/train/a.txt"),
            },
            &SideOptions::new(),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("a symbolic link (never followed), not read"),
            "{err}"
        );
    }
}
