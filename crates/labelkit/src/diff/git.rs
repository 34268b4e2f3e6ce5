//! Reading a revision of a path through the `git` command, never by
//! checking anything out.
//!
//! Every command runs `git` directly (no shell) at the repository's top
//! folder with `-c core.quotepath=off --literal-pathspecs`, paths after
//! `--`. A tree is listed with `git ls-tree -r -z` and its blobs streamed
//! through one `git cat-file --batch` into a private temporary folder
//! ([`Materialised`]); symlink and submodule entries are refused with a
//! note, every path stays inside the folder, and an image the working tree
//! holds unchanged (the same blob in the index, not modified since) is a
//! link to the working tree's file instead of a copy.

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use super::SideError;

/// A git repository's working tree, where every git command runs.
#[derive(Debug, Clone)]
pub(crate) struct Repo {
    /// The top folder of the working tree.
    pub(crate) root: PathBuf,
}

/// The extensions of the files a reader reads as annotations or dataset
/// descriptions: always copied out of a revision, never linked.
const ANNOTATION_EXTENSIONS: [&str; 7] = ["txt", "yaml", "yml", "data", "names", "json", "xml"];

impl Repo {
    /// The repository whose working tree holds `start` (a folder).
    pub(crate) fn discover(start: &Path) -> Result<Self, SideError> {
        let out = run_git(start, &["rev-parse", "--show-toplevel"])?;
        let text = String::from_utf8(out).map_err(|_| SideError::Git {
            command: "git rev-parse --show-toplevel".to_owned(),
            message: "the repository's path is not UTF-8".to_owned(),
        })?;
        let root = PathBuf::from(text.trim_end_matches(['\n', '\r']));
        Ok(Self { root })
    }

    /// Runs `git ARGS` at the top folder and returns its stdout.
    pub(crate) fn run(&self, args: &[&str]) -> Result<Vec<u8>, SideError> {
        run_git(&self.root, args)
    }

    /// The commit `rev` names (`git rev-parse --verify REV^{commit}`), or
    /// `None` when it names none.
    pub(crate) fn commit(&self, rev: &str) -> Result<Option<String>, SideError> {
        if rev.is_empty() || rev.starts_with('-') {
            return Ok(None);
        }
        let spec = format!("{rev}^{{commit}}");
        let output = git_command(&self.root)
            .args([
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ])
            .stderr(Stdio::null())
            .output()
            .map_err(|e| spawn_error("rev-parse", &e))?;
        if !output.status.success() {
            return Ok(None);
        }
        let sha = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        Ok((!sha.is_empty()).then_some(sha))
    }

    /// `path` (absolute or relative to the current folder) relative to the
    /// top folder, with `/` separators; `.` for the top folder itself.
    pub(crate) fn relative(&self, path: &Path) -> Result<String, SideError> {
        let absolute = std::path::absolute(path).map_err(|e| SideError::Io {
            path: path.to_path_buf(),
            error: e,
        })?;
        // The deepest existing folder above it, canonicalised (symlinks on
        // the way to the repository), then the rest as named: the path
        // itself is never followed (it may be a symlink in the tree).
        let mut existing = absolute.parent().unwrap_or(&absolute);
        let mut rest: Vec<&OsStr> = absolute.file_name().into_iter().collect();
        while !existing.is_dir() {
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name);
                    existing = parent;
                }
                _ => break,
            }
        }
        let mut canonical = existing
            .canonicalize()
            .unwrap_or_else(|_| existing.to_path_buf());
        for name in rest.iter().rev() {
            canonical.push(name);
        }
        let root = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        let inside = clean(&canonical);
        let rel = inside
            .strip_prefix(&root)
            .map_err(|_| SideError::OutsideRepository {
                path: path.to_path_buf(),
                root: self.root.clone(),
            })?;
        let mut parts = Vec::new();
        for c in rel.components() {
            match c {
                Component::Normal(p) => {
                    parts.push(p.to_str().ok_or_else(|| SideError::OutsideRepository {
                        path: path.to_path_buf(),
                        root: self.root.clone(),
                    })?);
                }
                _ => {
                    return Err(SideError::OutsideRepository {
                        path: path.to_path_buf(),
                        root: self.root.clone(),
                    })
                }
            }
        }
        Ok(if parts.is_empty() {
            ".".to_owned()
        } else {
            parts.join("/")
        })
    }

    /// The blob entries of `commit` at `path` (a file, or every file below
    /// a folder), sorted by path.
    pub(crate) fn tree(&self, commit: &str, path: &str) -> Result<Vec<TreeEntry>, SideError> {
        let out = self.run(&["ls-tree", "-r", "-z", "--full-tree", commit, "--", path])?;
        let mut entries = Vec::new();
        for record in out.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            entries.push(TreeEntry::parse(record).ok_or_else(|| SideError::Git {
                command: "git ls-tree".to_owned(),
                message: format!(
                    "unexpected output line {:?}",
                    String::from_utf8_lossy(record)
                ),
            })?);
        }
        Ok(entries)
    }

    /// Blob ids of the working tree's files below `path` that match the
    /// index (`git ls-files -s`, less those `git ls-files -m` lists as
    /// modified or deleted).
    fn unchanged_blobs(&self, path: &str) -> Result<HashMap<String, String>, SideError> {
        let staged = self.run(&["ls-files", "-s", "-z", "--", path])?;
        let modified = self.run(&["ls-files", "-m", "-z", "--", path])?;
        let modified: HashSet<&[u8]> = modified
            .split(|&b| b == 0)
            .filter(|r| !r.is_empty())
            .collect();
        let mut blobs = HashMap::new();
        for record in staged.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            // <mode> SP <object> SP <stage> TAB <file>
            let Some(tab) = record.iter().position(|&b| b == b'\t') else {
                continue;
            };
            let (head, file) = (&record[..tab], &record[tab + 1..]);
            if modified.contains(file) {
                continue;
            }
            let fields: Vec<&[u8]> = head.split(|&b| b == b' ').collect();
            let [mode, object, stage] = fields[..] else {
                continue;
            };
            if mode != b"100644" && mode != b"100755" || stage != b"0" {
                continue;
            }
            if let (Ok(file), Ok(object)) = (std::str::from_utf8(file), std::str::from_utf8(object))
            {
                blobs.insert(file.to_owned(), object.to_owned());
            }
        }
        Ok(blobs)
    }
}

/// One entry of `git ls-tree -r -z`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TreeEntry {
    /// `100644`, `100755`, `120000` (symlink), `160000` (submodule).
    pub(crate) mode: String,
    /// `blob` or `commit`.
    pub(crate) kind: String,
    /// The object id.
    pub(crate) object: String,
    /// The path from the top folder (UTF-8 or not, as git wrote it).
    pub(crate) path: Vec<u8>,
}

impl TreeEntry {
    /// `<mode> SP <type> SP <object> TAB <file>`.
    fn parse(record: &[u8]) -> Option<Self> {
        let tab = record.iter().position(|&b| b == b'\t')?;
        let head = std::str::from_utf8(record.get(..tab)?).ok()?;
        let path = record.get(tab + 1..)?.to_vec();
        let mut fields = head.split(' ');
        let (mode, kind, object) = (fields.next()?, fields.next()?, fields.next()?);
        if fields.next().is_some() || !object.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(Self {
            mode: mode.to_owned(),
            kind: kind.to_owned(),
            object: object.to_owned(),
            path,
        })
    }
}

/// A revision of a path written out into a private temporary folder.
#[derive(Debug)]
pub(crate) struct Materialised {
    /// The folder; removed when dropped.
    pub(crate) dir: tempfile::TempDir,
    /// What was left out, one sentence each (symlinks, submodules, unsafe
    /// names).
    pub(crate) notes: Vec<String>,
}

/// Writes the files of `commit` at `path` (relative to the top folder)
/// into a new temporary folder, at their paths from the top folder.
///
/// The folder gets an empty `.git` folder at its top, so that a walk up
/// from a file inside it (the YOLO reader's search for `data.yaml`) stops
/// there and never reads above it.
pub(crate) fn materialise(
    repo: &Repo,
    commit: &str,
    path: &str,
    display: &str,
) -> Result<Materialised, SideError> {
    let entries = repo.tree(commit, path)?;
    if entries.is_empty() {
        return Err(SideError::NotInRevision {
            revision: display.to_owned(),
        });
    }
    let dir = tempfile::Builder::new()
        .prefix("labelkit-diff-")
        .tempdir()
        .map_err(|e| SideError::Io {
            path: std::env::temp_dir(),
            error: e,
        })?;
    let root = dir.path().to_path_buf();
    std::fs::create_dir(root.join(".git")).map_err(|e| SideError::Io {
        path: root.join(".git"),
        error: e,
    })?;
    let unchanged = repo.unchanged_blobs(path)?;
    let mut notes = Vec::new();
    let mut wanted: Vec<(String, PathBuf)> = Vec::new();
    let mut created: HashSet<PathBuf> = HashSet::new();
    for entry in &entries {
        let name = String::from_utf8_lossy(&entry.path).into_owned();
        let Some(dest) = safe_destination(&root, &entry.path) else {
            notes.push(format!(
                "{display}: left out `{name}`: not a plain relative path"
            ));
            continue;
        };
        match (entry.mode.as_str(), entry.kind.as_str()) {
            ("120000", _) => {
                notes.push(format!(
                    "{display}: left out `{name}`: a symbolic link (never followed)"
                ));
                continue;
            }
            ("160000", _) | (_, "commit") => {
                notes.push(format!("{display}: left out `{name}`: a submodule"));
                continue;
            }
            ("100644" | "100755", "blob") => {}
            (mode, kind) => {
                notes.push(format!(
                    "{display}: left out `{name}`: a {kind} of mode {mode}"
                ));
                continue;
            }
        }
        if let Some(parent) = dest.parent() {
            if created.insert(parent.to_path_buf()) {
                std::fs::create_dir_all(parent).map_err(|e| SideError::Io {
                    path: parent.to_path_buf(),
                    error: e,
                })?;
            }
        }
        let annotation = Path::new(&name)
            .extension()
            .and_then(OsStr::to_str)
            .is_some_and(|e| {
                ANNOTATION_EXTENSIONS
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(e))
            });
        let same_in_tree = !annotation
            && unchanged.get(&name) == Some(&entry.object)
            && std::fs::symlink_metadata(repo.root.join(&name)).is_ok_and(|m| m.is_file());
        if same_in_tree {
            link(&repo.root.join(&name), &dest)?;
        } else {
            wanted.push((entry.object.clone(), dest));
        }
    }
    cat_blobs(repo, &wanted)?;
    Ok(Materialised { dir, notes })
}

/// `root` joined with a path from a git tree, or `None` when the path is
/// not a plain relative path (`..`, an absolute path, a `.git` component,
/// a name that is not UTF-8): such a path is never written.
fn safe_destination(root: &Path, path: &[u8]) -> Option<PathBuf> {
    let text = std::str::from_utf8(path).ok()?;
    let mut out = root.to_path_buf();
    let mut depth = 0usize;
    for part in text.split('/') {
        if part.is_empty()
            || part == "."
            || part == ".."
            || part.eq_ignore_ascii_case(".git")
            || part.contains('\\')
            || part.contains('\0')
        {
            return None;
        }
        out.push(part);
        depth += 1;
    }
    (depth > 0).then_some(out)
}

/// A link at `dest` to the working tree's `target` (a symlink; a copy
/// where symlinks cannot be made).
fn link(target: &Path, dest: &Path) -> Result<(), SideError> {
    #[cfg(unix)]
    let made = std::os::unix::fs::symlink(target, dest);
    #[cfg(not(unix))]
    let made = std::fs::copy(target, dest).map(|_| ());
    made.map_err(|e| SideError::Io {
        path: dest.to_path_buf(),
        error: e,
    })
}

/// Streams the blobs `wanted` (object id, destination) through one
/// `git cat-file --batch`, each into a new file, in bounded memory.
fn cat_blobs(repo: &Repo, wanted: &[(String, PathBuf)]) -> Result<(), SideError> {
    if wanted.is_empty() {
        return Ok(());
    }
    let mut child = git_command(&repo.root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| spawn_error("cat-file", &e))?;
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(SideError::Git {
            command: "git cat-file --batch".to_owned(),
            message: "no pipe to the process".to_owned(),
        });
    };
    let result = std::thread::scope(|scope| {
        // Requests are written by their own thread: git answers while it
        // reads, and both pipes would fill up otherwise.
        let writer = scope.spawn(move || -> std::io::Result<()> {
            let mut stdin = BufWriter::new(stdin);
            for (object, _) in wanted {
                stdin.write_all(object.as_bytes())?;
                stdin.write_all(b"\n")?;
            }
            stdin.flush()
        });
        let read = read_batch(BufReader::with_capacity(1 << 16, stdout), wanted);
        let written = writer.join();
        read.and_then(|()| match written {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(SideError::Git {
                command: "git cat-file --batch".to_owned(),
                message: format!("writing the requests: {e}"),
            }),
            Err(_) => Err(SideError::Git {
                command: "git cat-file --batch".to_owned(),
                message: "the request writer stopped".to_owned(),
            }),
        })
    });
    if result.is_err() {
        let _ = child.kill();
    }
    let status = child.wait().map_err(|e| spawn_error("cat-file", &e))?;
    result?;
    if !status.success() {
        return Err(SideError::Git {
            command: "git cat-file --batch".to_owned(),
            message: format!("exited with {status}"),
        });
    }
    Ok(())
}

/// Reads the answers of `git cat-file --batch` to `wanted`, in order.
fn read_batch(mut out: impl BufRead, wanted: &[(String, PathBuf)]) -> Result<(), SideError> {
    let bad = |message: String| SideError::Git {
        command: "git cat-file --batch".to_owned(),
        message,
    };
    let mut header = String::new();
    for (object, dest) in wanted {
        header.clear();
        out.read_line(&mut header)
            .map_err(|e| bad(format!("reading: {e}")))?;
        // <object> SP <type> SP <size> LF, or <object> SP missing LF
        let fields: Vec<&str> = header.trim_end().split(' ').collect();
        let size = match fields[..] {
            [id, "blob", size] if id == object => size
                .parse::<u64>()
                .map_err(|_| bad(format!("unexpected answer {header:?}")))?,
            _ => return Err(bad(format!("no blob {object}: {}", header.trim_end()))),
        };
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dest)
            .map_err(|e| SideError::Io {
                path: dest.clone(),
                error: e,
            })?;
        let mut file = BufWriter::new(file);
        let copied =
            std::io::copy(&mut (&mut out).take(size), &mut file).map_err(|e| SideError::Io {
                path: dest.clone(),
                error: e,
            })?;
        file.flush().map_err(|e| SideError::Io {
            path: dest.clone(),
            error: e,
        })?;
        let mut newline = [0u8; 1];
        if copied != size || out.read_exact(&mut newline).is_err() || newline != *b"\n" {
            return Err(bad(format!("the blob {object} ended early")));
        }
    }
    Ok(())
}

/// The bytes of the file `path` in `commit` (`git cat-file blob`): `None`
/// when the revision has no such file; a symlink or submodule is refused.
pub(crate) fn blob(repo: &Repo, commit: &str, path: &str) -> Result<Option<Vec<u8>>, SideError> {
    let entries = repo.tree(commit, path)?;
    let Some(entry) = entries.iter().find(|e| e.path == path.as_bytes()) else {
        return Ok(None);
    };
    if entry.mode == "120000" || entry.kind != "blob" {
        return Err(SideError::NotAFile {
            revision: format!("{commit}:{path}"),
            what: if entry.mode == "120000" {
                "a symbolic link (never followed)"
            } else {
                "a submodule"
            },
        });
    }
    repo.run(&["cat-file", "blob", &entry.object]).map(Some)
}

/// A `git` command at `dir` with the options every call uses.
fn git_command(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args(["-c", "core.quotepath=off", "--literal-pathspecs"])
        // Reading needs no lock on the index.
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null());
    command
}

/// Runs `git ARGS` at `dir`; stdout, or an error with git's message.
fn run_git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, SideError> {
    let output = git_command(dir)
        .args(args)
        .output()
        .map_err(|e| spawn_error(args.first().copied().unwrap_or("git"), &e))?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        return Err(SideError::Git {
            command: format!("git {}", args.first().copied().unwrap_or_default()),
            message: if message.is_empty() {
                format!("exited with {}", output.status)
            } else {
                message
            },
        });
    }
    Ok(output.stdout)
}

fn spawn_error(what: &str, e: &std::io::Error) -> SideError {
    SideError::Git {
        command: format!("git {what}"),
        message: format!("cannot run git: {e}"),
    }
}

/// `path` without `.` components and with `..` applied.
fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_entries_parse_and_unsafe_paths_are_refused() {
        let e = TreeEntry::parse(b"100644 blob 0123abcd\tlabels/a.txt").unwrap();
        assert_eq!(e.mode, "100644");
        assert_eq!(e.path, b"labels/a.txt");
        assert!(TreeEntry::parse(b"100644 blob zz\tx").is_none());
        let root = Path::new("/tmp/r");
        assert_eq!(
            safe_destination(root, b"a/b.txt"),
            Some(PathBuf::from("/tmp/r/a/b.txt"))
        );
        for bad in [
            &b"../x"[..],
            b"/etc/passwd",
            b"a/../../x",
            b".git/config",
            b"a/.GIT/hooks",
            b"",
            b"a//b",
        ] {
            assert_eq!(safe_destination(root, bad), None, "{bad:?}");
        }
    }
}
