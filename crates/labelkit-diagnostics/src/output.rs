//! Writing output files safely.
//!
//! Every writer of labelkit goes through here, so that:
//! - a file appears whole or not at all: it is written under a temporary name
//!   in the same folder and renamed into place;
//! - output never replaces an input: [`OutputGuard`] refuses a path that is,
//!   or lies inside, one of the inputs;
//! - a name that comes from a dataset (`../../x.jpg`, `/etc/passwd`) never
//!   makes a writer leave its output folder: [`safe_join`].

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};

use crate::IoError;

/// Errors of the output helpers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// An I/O error on a path.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The output would overwrite or live inside an input.
    #[error("refusing to write {output}: it would overwrite the input {input}")]
    OverwritesInput {
        /// The output path.
        output: PathBuf,
        /// The input it collides with.
        input: PathBuf,
    },
    /// The output would lie inside an input dataset's folder and change what
    /// the dataset contains.
    #[error("refusing to write {output}: it lies inside the input {input}, which it would change")]
    InsideInput {
        /// The output path.
        output: PathBuf,
        /// The input folder it lies inside.
        input: PathBuf,
    },
    /// A file name from the dataset would leave the output folder.
    #[error("refusing to write {name:?}: the name leaves the output folder")]
    EscapesOutput {
        /// The offending name.
        name: String,
    },
}

impl OutputError {
    /// Wraps an I/O error with its path.
    #[must_use]
    pub fn io(path: impl Into<PathBuf>, error: io::Error) -> Self {
        Self::Io(IoError::new(path, error))
    }

    /// The error with a path at or below `temp`, a temporary name the user
    /// never gave, named after `output`, the place it stands for.
    #[must_use]
    pub fn named_as(self, temp: &Path, output: &Path) -> Self {
        match self {
            Self::Io(e) => Self::Io(e.named_as(temp, output)),
            other => other,
        }
    }
}

/// `path`, when it is `temp` or lies below it (a temporary name the user
/// never gave), named after `output`, the place it stands for.
#[must_use]
pub fn named_as(path: PathBuf, temp: &Path, output: &Path) -> PathBuf {
    match path.strip_prefix(temp) {
        Ok(rest) if rest.as_os_str().is_empty() => output.to_path_buf(),
        Ok(rest) => output.join(rest),
        Err(_) => path,
    }
}

/// Joins a dataset-relative name to `root`, refusing absolute names, `..`
/// components that climb out of `root`, and prefixes (`C:`).
///
/// # Errors
/// [`OutputError::EscapesOutput`] for a name that would leave `root`.
pub fn safe_join(root: &Path, name: &str) -> Result<PathBuf, OutputError> {
    let mut depth = 0usize;
    let mut out = root.to_path_buf();
    let normalized = name.replace('\\', "/");
    for component in Path::new(&normalized).components() {
        match component {
            Component::Normal(part) => {
                depth += 1;
                out.push(part);
            }
            Component::CurDir => {}
            Component::ParentDir => {
                if depth == 0 {
                    return Err(OutputError::EscapesOutput {
                        name: name.to_owned(),
                    });
                }
                depth -= 1;
                out.pop();
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(OutputError::EscapesOutput {
                    name: name.to_owned(),
                })
            }
        }
    }
    if depth == 0 {
        return Err(OutputError::EscapesOutput {
            name: name.to_owned(),
        });
    }
    Ok(out)
}

/// Remembers what a run reads and refuses outputs that would clobber it:
/// the one check every command that writes goes through.
///
/// Two kinds of protected paths: a *file* (or folder) that the output may not
/// be, replace or contain, and a *tree*, a folder nothing may be written
/// inside, for datasets whose content is whatever lies in their folders
/// (YOLO). Paths are compared canonicalised (symlinks followed; for an
/// output that does not exist yet, its deepest existing ancestor).
#[derive(Debug, Clone, Default)]
pub struct OutputGuard {
    /// Canonical path, and whether nothing may be written inside it, in
    /// the order added (the first match names the input).
    protected: Vec<(PathBuf, bool)>,
    /// What `protected` holds: a folder named by many reads (the label
    /// folder of every label file) is kept once.
    seen: std::collections::HashSet<(PathBuf, bool)>,
}

impl OutputGuard {
    /// A guard for these inputs: a folder is protected as a tree, a file as
    /// a file.
    #[must_use]
    pub fn new(inputs: impl IntoIterator<Item = PathBuf>) -> Self {
        let mut guard = Self::default();
        for input in inputs {
            if input.is_dir() {
                guard = guard.tree(&input);
            } else {
                guard = guard.file(&input);
            }
        }
        guard
    }

    /// Protects `path` (a file or a folder) from being the output, being
    /// replaced by it or lying inside it.
    #[must_use]
    pub fn file(mut self, path: &Path) -> Self {
        self.protect(canonical_or_absolute(path), false);
        self
    }

    /// Protects the folder `path` and everything inside it: the output may
    /// not lie inside it either.
    #[must_use]
    pub fn tree(mut self, path: &Path) -> Self {
        self.protect(canonical_or_absolute(path), true);
        self
    }

    /// Adds a canonical path unless it is there already.
    fn protect(&mut self, path: PathBuf, tree: bool) {
        let entry = (path, tree);
        if !self.seen.contains(&entry) {
            self.seen.insert(entry.clone());
            self.protected.push(entry);
        }
    }

    /// Protects the files `names` of `folder` (the folder resolved once, the
    /// names appended), for many files in few folders.
    #[must_use]
    pub fn files_in<'a>(
        mut self,
        folder: &Path,
        names: impl IntoIterator<Item = &'a std::ffi::OsStr>,
    ) -> Self {
        let folder = canonical_or_absolute(folder);
        for name in names {
            self.protect(folder.join(name), false);
        }
        self
    }

    /// Checks an output path (file or folder) against what is protected: it
    /// may not be a protected path, contain one (writing it would replace
    /// it), or lie inside a protected tree.
    ///
    /// # Errors
    /// [`OutputError::OverwritesInput`] and [`OutputError::InsideInput`].
    pub fn check(&self, output: &Path) -> Result<(), OutputError> {
        let out = canonical_or_absolute(output);
        for (input, tree) in &self.protected {
            if out == *input || input.starts_with(&out) {
                return Err(OutputError::OverwritesInput {
                    output: output.to_path_buf(),
                    input: input.clone(),
                });
            }
            if *tree && out.starts_with(input) {
                if fs::symlink_metadata(&out).is_ok() {
                    // Something of the dataset is already there.
                    return Err(OutputError::OverwritesInput {
                        output: output.to_path_buf(),
                        input: out,
                    });
                }
                return Err(OutputError::InsideInput {
                    output: output.to_path_buf(),
                    input: input.clone(),
                });
            }
        }
        Ok(())
    }
}

/// The canonical path, or for a path that does not exist yet, its existing
/// ancestor canonicalised with the rest appended.
fn canonical_or_absolute(path: &Path) -> PathBuf {
    if let Ok(p) = fs::canonicalize(path) {
        return p;
    }
    let mut rest = Vec::new();
    let mut cur = path.to_path_buf();
    loop {
        if let Ok(base) = fs::canonicalize(&cur) {
            let mut p = base;
            for part in rest.iter().rev() {
                p.push(part);
            }
            return p;
        }
        match (cur.parent(), cur.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                cur = if parent.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    parent.to_path_buf()
                };
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// A hidden name beside `target` that nobody can predict:
/// `.<name>.<pid>-<random hex>.<tag>`, in the same folder so that the final
/// rename stays on one file system. Nothing is created; callers create it
/// with `create_new` / `create_dir` and take another name when it exists.
#[must_use]
pub fn unique_sibling(target: &Path, tag: &str) -> PathBuf {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(t.as_nanos());
    }
    let name = target
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let temp = format!(
        ".{name}.{}-{:016x}.{tag}",
        std::process::id(),
        hasher.finish()
    );
    parent_of(target).join(temp)
}

/// The folder of `target` (`.` for a bare name).
fn parent_of(target: &Path) -> PathBuf {
    target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// How many unpredictable names are tried before giving up.
const TEMP_ATTEMPTS: usize = 64;

/// Creates a fresh temporary sibling of `target` with `create` (which must
/// fail with `AlreadyExists` when the name is taken, never follow what is
/// there), creating the parent folder first. Returns its path and what
/// `create` returned. Errors name `target`, the path the user gave, never
/// the temporary name.
fn create_sibling<T>(
    target: &Path,
    tag: &str,
    create: impl Fn(&Path) -> io::Result<T>,
) -> Result<(PathBuf, T), OutputError> {
    let parent = parent_of(target);
    fs::create_dir_all(&parent).map_err(|e| OutputError::io(&parent, e))?;
    let mut last = None;
    for _ in 0..TEMP_ATTEMPTS {
        let temp = unique_sibling(target, tag);
        match create(&temp) {
            Ok(made) => return Ok((temp, made)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(temp),
            Err(e) => return Err(OutputError::io(target, e)),
        }
    }
    Err(OutputError::io(
        target,
        io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "no free temporary name beside it after 64 tries (the last {})",
                last.unwrap_or(parent).display()
            ),
        ),
    ))
}

/// A file being written under a temporary name; [`AtomicFile::commit`]
/// renames it into place, and dropping it uncommitted removes it.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `target`, creating its parent folders.
    ///
    /// # Errors
    /// I/O errors creating the folder or the temporary file.
    pub fn create(target: impl Into<PathBuf>) -> Result<Self, OutputError> {
        let target = target.into();
        let (temp, file) = create_sibling(&target, "tmp", |p| {
            fs::OpenOptions::new().write(true).create_new(true).open(p)
        })?;
        Ok(Self {
            target,
            temp,
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
        })
    }

    /// The buffered writer.
    ///
    /// # Panics
    /// Never: the writer is only taken by `commit`, which consumes `self`.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("writer present until commit")
    }

    /// Flushes, syncs nothing more than the OS does, and renames into place.
    /// On failure the temporary file is removed.
    ///
    /// # Errors
    /// I/O errors flushing or renaming.
    pub fn commit(mut self) -> Result<(), OutputError> {
        if let Some(mut w) = self.writer.take() {
            if let Err(e) = w.flush() {
                drop(w);
                let _ = fs::remove_file(&self.temp);
                return Err(OutputError::io(&self.target, e));
            }
        }
        fs::rename(&self.temp, &self.target).map_err(|e| {
            let _ = fs::remove_file(&self.temp);
            OutputError::io(&self.target, e)
        })
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer().flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Writes `bytes` to `target` atomically.
///
/// # Errors
/// I/O errors.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut file = AtomicFile::create(target)?;
    file.writer()
        .write_all(bytes)
        .map_err(|e| OutputError::io(target, e))?;
    file.commit()
}

/// A folder being filled under a temporary name next to its final place;
/// [`StagedDir::commit`] renames it into place (replacing nothing: the target
/// must not exist or be an empty folder). Dropping it uncommitted removes the
/// partial output.
#[derive(Debug)]
pub struct StagedDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl StagedDir {
    /// Creates the staging folder for `target`.
    ///
    /// # Errors
    /// I/O errors, or a target that is a non-empty folder or a file.
    pub fn create(target: impl Into<PathBuf>) -> Result<Self, OutputError> {
        let target = target.into();
        if target.exists() {
            let empty_dir = fs::read_dir(&target)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !empty_dir {
                return Err(OutputError::io(
                    &target,
                    io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        "output exists and is not an empty folder",
                    ),
                ));
            }
        }
        let (staging, ()) = create_sibling(&target, "staging", |p| fs::create_dir(p))?;
        Ok(Self {
            target,
            staging,
            committed: false,
        })
    }

    /// The folder to write into.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The final location.
    #[must_use]
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the staged folder into place. On failure the staged folder is
    /// removed (when `self` drops).
    ///
    /// # Errors
    /// I/O errors.
    pub fn commit(mut self) -> Result<(), OutputError> {
        if fs::symlink_metadata(&self.target).is_ok_and(|m| m.is_dir()) {
            fs::remove_dir(&self.target).map_err(|e| OutputError::io(&self.target, e))?;
        }
        fs::rename(&self.staging, &self.target).map_err(|e| OutputError::io(&self.target, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// An integer with thousands separators (`276,432`): the one form of
/// counts in labelkit's pages and notes.
#[must_use]
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// HTML-escapes text for an element's content or a quoted attribute: the
/// one escaper of labelkit's HTML pages (the review page, the statistics
/// page), so a label named `<script>` is shown as text.
#[must_use]
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_join_refuses_escapes() {
        let root = Path::new("/out");
        assert_eq!(
            safe_join(root, "a/b.jpg").unwrap(),
            PathBuf::from("/out/a/b.jpg")
        );
        assert_eq!(
            safe_join(root, "a/../b.jpg").unwrap(),
            PathBuf::from("/out/b.jpg")
        );
        assert!(safe_join(root, "../x.jpg").is_err());
        assert!(safe_join(root, "a/../../x.jpg").is_err());
        assert!(safe_join(root, "/etc/passwd").is_err());
        assert!(safe_join(root, "..\\..\\x.jpg").is_err());
        assert!(safe_join(root, "").is_err());
    }

    /// The names of the entries of `dir`, sorted.
    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn temporary_names_are_unpredictable_siblings() {
        let a = unique_sibling(Path::new("out/data.json"), "tmp");
        let b = unique_sibling(Path::new("out/data.json"), "tmp");
        assert_ne!(a, b);
        assert_eq!(a.parent(), Some(Path::new("out")));
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        let prefix = format!(".data.json.{}-", std::process::id());
        assert!(
            name.starts_with(&prefix) && name.ends_with(".tmp"),
            "{name}"
        );
        let hex = &name[prefix.len()..name.len() - 4];
        assert_eq!(hex.len(), 16, "{name}");
        assert!(hex.chars().all(|c| c.is_ascii_hexdigit()), "{name}");
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_at_the_old_temporary_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        fs::write(&victim, "precious").unwrap();
        let target = dir.path().join("out.json");
        // The names the writer used before: `.<name>.labelkit-tmp-<pid>`.
        let old = dir
            .path()
            .join(format!(".out.json.labelkit-tmp-{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &old).unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        // The staged folder of a YOLO output does not follow it either.
        let old_dir = dir
            .path()
            .join(format!(".yolo.labelkit-tmp-{}", std::process::id()));
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), &old_dir).unwrap();
        fs::create_dir(dir.path().join("elsewhere")).unwrap();
        let staged = StagedDir::create(dir.path().join("yolo")).unwrap();
        fs::write(staged.path().join("a.txt"), "x").unwrap();
        staged.commit().unwrap();
        assert!(listing(&dir.path().join("elsewhere")).is_empty());
        assert_eq!(listing(&dir.path().join("yolo")), ["a.txt"]);
    }

    #[test]
    fn a_failed_rename_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a folder that is not empty: the rename fails.
        let target = dir.path().join("out.json");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep"), "x").unwrap();
        let err = write_atomic(&target, b"new").unwrap_err();
        assert!(err.to_string().contains("out.json"), "{err}");
        assert_eq!(listing(dir.path()), ["out.json"]);
        assert_eq!(listing(&target), ["keep"]);
    }

    #[test]
    fn a_failed_folder_commit_leaves_no_staging_folder() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("yolo");
        let staged = StagedDir::create(&target).unwrap();
        fs::write(staged.path().join("data.yaml"), "names: [a]").unwrap();
        // Someone fills the target meanwhile: it is not replaced.
        fs::create_dir(&target).unwrap();
        fs::write(target.join("theirs"), "x").unwrap();
        let err = staged.commit().unwrap_err();
        assert!(err.to_string().contains("yolo"), "{err}");
        assert_eq!(listing(dir.path()), ["yolo"]);
        assert_eq!(listing(&target), ["theirs"]);
    }

    #[test]
    fn the_guard_refuses_inputs_their_ancestors_and_trees() {
        let dir = tempfile::tempdir().unwrap();
        let ds = dir.path().join("ds");
        fs::create_dir_all(ds.join("images/train")).unwrap();
        fs::write(ds.join("data.yaml"), "names: [a]").unwrap();
        let file = dir.path().join("in.json");
        fs::write(&file, "{}").unwrap();
        let guard = OutputGuard::default().tree(&ds).file(&file);
        for bad in [
            ds.clone(),
            ds.join("data.yaml"),
            file.clone(),
            dir.path().to_path_buf(),
        ] {
            let err = guard.check(&bad).unwrap_err();
            assert!(
                matches!(err, OutputError::OverwritesInput { .. }),
                "{}: {err}",
                bad.display()
            );
            assert!(
                err.to_string().contains("would overwrite the input"),
                "{err}"
            );
        }
        for bad in [
            ds.join("images/train/copy"),
            ds.join("new/deeper/out"),
            ds.join("images/../images/train/x"),
        ] {
            let err = guard.check(&bad).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "refusing to write {}: it lies inside the input {}, which it would change",
                    bad.display(),
                    fs::canonicalize(&ds).unwrap().display()
                )
            );
        }
        guard.check(&dir.path().join("out.json")).unwrap();
        guard.check(&dir.path().join("yolo")).unwrap();
        // A protected file's folder is not a tree.
        guard.check(&dir.path().join("in2.json")).unwrap();
        // `..` and symlinks are resolved before comparing.
        guard
            .check(&ds.join("images/../images/train/x"))
            .unwrap_err();
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(ds.join("images"), &link).unwrap();
            guard.check(&link.join("train/out")).unwrap_err();
        }
    }
}
