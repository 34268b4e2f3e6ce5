//! How the reader touches the files of a dataset it does not trust.
//!
//! - Every file is opened without blocking (`O_NONBLOCK`) and checked to be
//!   a regular file on the open handle ([`open_regular`], shared with the
//!   image-header reader), so that a FIFO, a socket or a device
//!   (`/dev/zero`, `/dev/stdin`) is refused instead of hanging or growing
//!   without end.
//! - Every file is read with a cap ([`MAX_CONFIG_BYTES`],
//!   [`MAX_LABEL_BYTES`]); a longer file is refused with its name and the
//!   cap.
//! - Every path resolves inside the dataset folder ([`Scope`]): a symlink
//!   or a `..` that leads out of it is refused unless the user allowed it
//!   (`ReadOptions::allow_outside_root`). Label files are opened with
//!   `O_NOFOLLOW`, so that the common case (no symlink) costs no extra
//!   system call; a symlink is resolved and checked. An image file may be
//!   a symlink to anywhere (datasets link their images to a shared store,
//!   and `--images symlink` writes such links): only its header is read,
//!   for its size, and only from a regular file; the folder it is listed
//!   in must still lie inside.
//! - Folder walks ([`Walker`]) remember the folders they entered by device
//!   and inode, so that a symlink loop is read once and reported.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use labelkit_diagnostics::{Diagnostic, ReadIssue, Severity};
use labelkit_imagesize::{is_symlink_refusal, open_regular};

/// The largest `data.yaml`, `obj.data` or class names file read: 16 MiB.
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// The largest label file or image list (`train.txt`) read: 256 MiB.
pub const MAX_LABEL_BYTES: u64 = 256 << 20;

/// What to tell a user whose dataset names a file outside its folder.
pub(crate) const ALLOW_HINT: &str = "labelkit reads only inside the dataset folder; \
     to read outside it, pass --allow-outside (ReadOptions::allow_outside_root)";

/// `16 MiB`, `256 MiB` (or `100 bytes`) for messages.
pub(crate) fn mib(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads the rest of `file` into `buf`, refusing more than `cap` bytes in
/// total.
pub(crate) fn read_rest_capped(file: File, buf: &mut Vec<u8>, cap: u64) -> io::Result<()> {
    let have = buf.len() as u64;
    file.take((cap + 1).saturating_sub(have)).read_to_end(buf)?;
    if buf.len() as u64 > cap {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("larger than the {} limit: not read", mib(cap)),
        ));
    }
    Ok(())
}

/// Reads a whole regular file of at most `cap` bytes.
pub(crate) fn read_capped(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path, true)?;
    let mut buf = Vec::new();
    read_rest_capped(file, &mut buf, cap)?;
    Ok(buf)
}

/// The dataset folder and whether reading outside it is allowed.
#[derive(Debug)]
pub(crate) struct Scope {
    /// The folder as the user named it, for messages.
    shown: PathBuf,
    /// The folder with symlinks resolved; `None` when it cannot be resolved
    /// (it does not exist: nothing under it can be read either).
    canonical: Option<PathBuf>,
    allow: bool,
    /// The paths refused so far: a file met by a folder walk and opened
    /// later is reported once.
    reported: Mutex<HashSet<PathBuf>>,
}

impl Scope {
    pub(crate) fn new(root: &Path, allow: bool) -> Self {
        Self {
            shown: root.to_path_buf(),
            canonical: fs::canonicalize(root).ok(),
            allow,
            reported: Mutex::new(HashSet::new()),
        }
    }

    /// A refusal of `path` ([`refused`]), or `None` when it was reported
    /// already.
    pub(crate) fn refuse_once(&self, path: &Path, message: String) -> Option<Diagnostic> {
        let mut reported = self
            .reported
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        reported
            .insert(path.to_path_buf())
            .then(|| refused(path, message))
    }

    /// Whether reading outside the folder is allowed.
    pub(crate) fn allows_outside(&self) -> bool {
        self.allow
    }

    /// Whether a resolved path lies inside the folder.
    pub(crate) fn holds_canonical(&self, canonical: &Path) -> bool {
        self.allow
            || self
                .canonical
                .as_ref()
                .is_none_or(|root| canonical.starts_with(root))
    }

    /// `Err` with a message when `path` resolves outside the folder. A path
    /// that does not resolve (it does not exist) is accepted: opening it
    /// fails anyway.
    pub(crate) fn check(&self, path: &Path) -> Result<(), String> {
        if self.allow || self.canonical.is_none() {
            return Ok(());
        }
        match fs::canonicalize(path) {
            Ok(c) if !self.holds_canonical(&c) => Err(self.outside_message(path, &c)),
            _ => Ok(()),
        }
    }

    pub(crate) fn outside_message(&self, path: &Path, resolved: &Path) -> String {
        format!(
            "{} resolves to {}, outside the dataset folder {}",
            path.display(),
            resolved.display(),
            self.shown.display()
        )
    }

    /// Opens a regular file of the dataset: a symlink is followed only
    /// when its target lies inside the folder.
    pub(crate) fn open(&self, path: &Path) -> io::Result<File> {
        if self.allow {
            return open_regular(path, true);
        }
        match open_regular(path, false) {
            Err(e) if is_symlink_refusal(&e) || cfg!(not(unix)) => {
                if !matches!(e.kind(), io::ErrorKind::NotFound) {
                    self.check(path).map_err(|m| {
                        io::Error::new(
                            io::ErrorKind::PermissionDenied,
                            format!("{m}: not read ({ALLOW_HINT})"),
                        )
                    })?;
                }
                open_regular(path, true)
            }
            other => other,
        }
    }

    /// Reads a whole regular file of the dataset of at most `cap` bytes.
    /// A file outside the folder fails with an error for which
    /// [`is_outside_refusal`] holds.
    pub(crate) fn read(&self, path: &Path, cap: u64) -> io::Result<Vec<u8>> {
        let file = self.open(path)?;
        let mut buf = Vec::new();
        read_rest_capped(file, &mut buf, cap)?;
        Ok(buf)
    }
}

/// Whether an error of [`Scope::open`] or [`Scope::read`] is the refusal
/// of a path leading outside the dataset folder (its message names the
/// path, where it leads and how to allow it).
pub(crate) fn is_outside_refusal(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::PermissionDenied && e.raw_os_error().is_none()
}

/// A diagnostic naming `path` with its bytes escaped when it is not UTF-8
/// (two names that differ only in invalid bytes would otherwise become the
/// same name); `None` for a UTF-8 path.
pub(crate) fn not_utf8(path: &Path) -> Option<Diagnostic> {
    path.to_str().is_none().then(|| {
        refused(
            path,
            format!(
                "{:?}: the file name is not valid UTF-8; the file is not read",
                path.as_os_str()
            ),
        )
    })
}

/// A file the reader refuses to read (error severity), input left out.
pub(crate) fn refused(path: &Path, message: String) -> Diagnostic {
    let mut d = ReadIssue::Unsupported.in_file(path, message).skipped();
    d.severity = Severity::Error;
    d
}

/// A recursive folder listing that follows symlinks to folders inside the
/// dataset, enters each folder once (by device and inode), and reports
/// what it skips.
pub(crate) struct Walker<'a> {
    scope: &'a Scope,
    visited: VisitedFolders,
    pub(crate) issues: Vec<Diagnostic>,
}

/// The folders a recursive walk has entered, by identity (device and inode
/// on unix, the resolved path elsewhere), so that a symlink loop (`loop ->
/// .`) is entered once: without it one loop multiplies every file and two
/// make a walk that never ends.
///
/// ```
/// let dir = std::env::temp_dir();
/// let mut seen = labelkit_yolo::VisitedFolders::new();
/// assert!(seen.first_visit(&dir));
/// assert!(!seen.first_visit(&dir.join(".")));
/// ```
#[derive(Debug, Default)]
pub struct VisitedFolders(HashSet<FolderId>);

impl VisitedFolders {
    /// No folder visited.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `dir`; `false` when it was entered before (under any name).
    /// A folder whose identity cannot be read counts as new.
    pub fn first_visit(&mut self, dir: &Path) -> bool {
        folder_id(dir).is_none_or(|id| self.0.insert(id))
    }

    /// Forgets every folder.
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// A folder's identity: device and inode on unix, the resolved path
/// elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FolderId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

fn folder_id(dir: &Path) -> Option<FolderId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let m = fs::metadata(dir).ok()?;
        Some(FolderId::Inode(m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        fs::canonicalize(dir).ok().map(FolderId::Path)
    }
}

/// Deeper than this is not a dataset.
const MAX_DEPTH: usize = 64;

impl<'a> Walker<'a> {
    /// The dataset folder the walk is confined to.
    pub(crate) fn scope(&self) -> &'a Scope {
        self.scope
    }

    pub(crate) fn new(scope: &'a Scope) -> Self {
        Self {
            scope,
            visited: VisitedFolders::new(),
            issues: Vec::new(),
        }
    }

    /// Files under `dir` (recursively) accepted by `keep`, in the order of
    /// their paths compared component by component.
    ///
    /// Each folder's entries are sorted by name and sub-folders are visited
    /// in place, which yields that order without sorting whole paths
    /// (comparing paths component by component is slow on a hundred
    /// thousand files). Every walk starts with an empty set of visited
    /// folders: one folder walked under two keys is the caller's business.
    pub(crate) fn walk(&mut self, dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
        self.visited.clear();
        let mut out = Vec::new();
        if let Err(m) = self.scope.check(dir) {
            self.issues
                .push(refused(dir, format!("{m}: not read ({ALLOW_HINT})")));
            return out;
        }
        self.walk_into(dir, keep, &mut out, 0);
        out
    }

    fn walk_into(
        &mut self,
        dir: &Path,
        keep: &dyn Fn(&Path) -> bool,
        out: &mut Vec<PathBuf>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            self.issues.push(refused(
                dir,
                format!(
                    "{}: folders nested more than {MAX_DEPTH} deep: not read",
                    dir.display()
                ),
            ));
            return;
        }
        if !self.visited.first_visit(dir) {
            self.issues.push(ReadIssue::Unsupported.in_file(
                dir,
                format!(
                    "{}: a link to a folder already read (a symlink loop, or a second link to the same folder): not read again",
                    dir.display()
                ),
            ));
            return;
        }
        let Ok(rd) = crate::read::list_dir(dir) else {
            return;
        };
        let mut entries: Vec<(std::ffi::OsString, fs::FileType)> = rd
            .flatten()
            .filter_map(|e| Some((e.file_name(), e.file_type().ok()?)))
            .collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (name, t) in entries {
            let p = dir.join(name);
            let t = if t.is_symlink() {
                // A symlink is followed: datasets often link their image
                // folders. Its target must lie inside the dataset.
                match fs::canonicalize(&p) {
                    Ok(target) => {
                        let resolved = fs::metadata(&target).map_or(t, |m| m.file_type());
                        // An image may link anywhere (only its header is
                        // read, for its size); folders and other files
                        // must stay inside.
                        let image_file = !resolved.is_dir() && crate::read::is_image(&p);
                        if !image_file && !self.scope.holds_canonical(&target) {
                            if resolved.is_dir() || keep(&p) {
                                let m = self.scope.outside_message(&p, &target);
                                self.issues.extend(
                                    self.scope
                                        .refuse_once(&p, format!("{m}: not read ({ALLOW_HINT})")),
                                );
                            }
                            continue;
                        }
                        resolved
                    }
                    // A dangling link: kept as a file, so that a label
                    // naming it reports the image as missing.
                    Err(_) => t,
                }
            } else {
                t
            };
            if t.is_dir() {
                self.walk_into(&p, keep, out, depth + 1);
            } else if keep(&p) {
                // A FIFO, socket or device is kept like any file: whoever
                // opens it refuses it without blocking and reports it
                // (F008 for an image, F011 for a label file), once.
                out.push(p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_and_file_kinds() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.txt");
        fs::write(&f, "12345").unwrap();
        assert_eq!(read_capped(&f, 5).unwrap(), b"12345");
        let e = read_capped(&f, 4).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(e.to_string(), "larger than the 4 bytes limit: not read");
        let e = read_capped(dir.path(), 4).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::IsADirectory);
        #[cfg(unix)]
        {
            let e = read_capped(Path::new("/dev/zero"), 16).unwrap_err();
            assert_eq!(e.to_string(), "not a regular file (a device): not read");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_scope_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ds");
        fs::create_dir_all(&root).unwrap();
        fs::write(dir.path().join("secret.txt"), "s").unwrap();
        fs::write(root.join("in.txt"), "i").unwrap();
        std::os::unix::fs::symlink("../secret.txt", root.join("out.txt")).unwrap();
        std::os::unix::fs::symlink("in.txt", root.join("link.txt")).unwrap();
        let scope = Scope::new(&root, false);
        assert_eq!(scope.read(&root.join("link.txt"), 10).unwrap(), b"i");
        let e = scope.read(&root.join("out.txt"), 10).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
        assert!(e.to_string().contains("outside the dataset folder"), "{e}");
        assert!(e.to_string().contains("--allow-outside"), "{e}");
        let open = Scope::new(&root, true);
        assert_eq!(open.read(&root.join("out.txt"), 10).unwrap(), b"s");
    }

    #[test]
    fn walk_orders_paths_component_by_component() {
        let dir = tempfile::tempdir().unwrap();
        let root = crate::paths::clean(dir.path());
        for f in [
            "a-b/1.jpg",
            "a/2.jpg",
            "a/b/3.jpg",
            "a/a.jpg",
            "a.jpg",
            "b.txt",
        ] {
            let p = root.join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "").unwrap();
        }
        let scope = Scope::new(&root, false);
        let got = Walker::new(&scope).walk(&root, &crate::read::is_image);
        let mut expected: Vec<PathBuf> = ["a-b/1.jpg", "a/2.jpg", "a/b/3.jpg", "a/a.jpg", "a.jpg"]
            .iter()
            .map(|f| root.join(f))
            .collect();
        expected.sort();
        assert_eq!(got, expected);
    }
}
