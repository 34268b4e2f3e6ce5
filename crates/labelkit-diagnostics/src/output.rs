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

/// Errors of the output helpers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// An I/O error on a path.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The output would overwrite or live inside an input.
    #[error("refusing to write {output}: it would overwrite the input {input}")]
    OverwritesInput {
        /// The output path.
        output: PathBuf,
        /// The input it collides with.
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
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
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

/// Remembers the inputs of a run and refuses outputs that would clobber them.
#[derive(Debug, Clone, Default)]
pub struct OutputGuard {
    inputs: Vec<PathBuf>,
}

impl OutputGuard {
    /// A guard for these inputs.
    #[must_use]
    pub fn new(inputs: impl IntoIterator<Item = PathBuf>) -> Self {
        Self {
            inputs: inputs
                .into_iter()
                .map(|p| canonical_or_absolute(&p))
                .collect(),
        }
    }

    /// Checks an output path (file or folder) against the inputs: it may not
    /// be an input, contain an input file, or lie inside an input.
    ///
    /// # Errors
    /// [`OutputError::OverwritesInput`].
    pub fn check(&self, output: &Path) -> Result<(), OutputError> {
        let out = canonical_or_absolute(output);
        for input in &self.inputs {
            let input_is_dir = input.is_dir();
            if out == *input
                || (input_is_dir && out.starts_with(input))
                || (!input_is_dir && input.starts_with(&out) && out.is_dir())
            {
                return Err(OutputError::OverwritesInput {
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

/// A hidden temporary name beside `target`, in the same folder so that the
/// final rename stays on one file system; creates the folder.
fn sibling_temp(target: &Path) -> Result<PathBuf, OutputError> {
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    fs::create_dir_all(&parent).map_err(|e| OutputError::io(&parent, e))?;
    let name = target
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    Ok(parent.join(format!(".{name}.labelkit-tmp-{}", std::process::id())))
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
        let temp = sibling_temp(&target)?;
        let file = File::create(&temp).map_err(|e| OutputError::io(&temp, e))?;
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
    ///
    /// # Errors
    /// I/O errors flushing or renaming.
    pub fn commit(mut self) -> Result<(), OutputError> {
        if let Some(mut w) = self.writer.take() {
            w.flush().map_err(|e| OutputError::io(&self.temp, e))?;
        }
        fs::rename(&self.temp, &self.target).map_err(|e| OutputError::io(&self.target, e))
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
        let staging = sibling_temp(&target)?;
        if staging.exists() {
            let _ = fs::remove_dir_all(&staging);
        }
        fs::create_dir_all(&staging).map_err(|e| OutputError::io(&staging, e))?;
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

    /// Moves the staged folder into place.
    ///
    /// # Errors
    /// I/O errors.
    pub fn commit(mut self) -> Result<(), OutputError> {
        if self.target.exists() {
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
}
