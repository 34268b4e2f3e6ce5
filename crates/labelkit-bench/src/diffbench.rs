//! The measurements of `labelkit diff`: the old side written by `generate`
//! against the changed side written by `change` (see [`crate::change`]), in
//! each format and across formats, and `git diff` of one YOLO label file
//! through labelkit's external diff driver.
//!
//! Before anything is timed, [`verify`] runs each diff once with
//! `--output-format json` and compares the counts per kind with the
//! changed side's `expected.json`: a benchmark of a diff that finds the
//! wrong changes measures nothing.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::change::{Counts, Expected, DIFF_KINDS};
use crate::measure::OpError;

/// One diff of the benchmark: a name, the pair in `expected.json`, and the
/// two sides relative to the old and the new dataset roots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// Shown in the table.
    pub name: &'static str,
    /// Key of the expected counts in `expected.json`.
    pub expected: &'static str,
    /// The old side, under the old root.
    pub old: &'static str,
    /// The new side, under the new root.
    pub new: &'static str,
}

/// The diffs measured.
pub const PAIRS: [Pair; 4] = [
    Pair {
        name: "diff CVAT vs CVAT",
        expected: "cvat",
        old: "cvat/annotations.xml",
        new: "cvat/annotations.xml",
    },
    Pair {
        name: "diff COCO vs COCO",
        expected: "coco",
        old: "coco/instances.json",
        new: "coco/instances.json",
    },
    Pair {
        name: "diff YOLO vs YOLO",
        expected: "yolo",
        old: "yolo",
        new: "yolo",
    },
    Pair {
        name: "diff CVAT vs the YOLO export",
        expected: "cvat-yolo",
        old: "cvat/annotations.xml",
        new: "yolo",
    },
];

/// The arguments of `labelkit` for `pair`, with `extra` at the end.
#[must_use]
pub fn diff_args(old_root: &Path, new_root: &Path, pair: &Pair, extra: &[&str]) -> Vec<String> {
    let mut v = vec![
        "diff".to_owned(),
        old_root.join(pair.old).to_string_lossy().into_owned(),
        new_root.join(pair.new).to_string_lossy().into_owned(),
    ];
    v.extend(extra.iter().map(|s| (*s).to_owned()));
    v
}

/// Reads the `expected.json` of a changed side.
///
/// # Errors
/// The file is missing or not what `change` writes.
pub fn read_expected(changed: &Path) -> Result<Expected, OpError> {
    let p = changed.join("expected.json");
    let text = fs::read_to_string(&p).map_err(|e| OpError(format!("{}: {e}", p.display())))?;
    serde_json::from_str(&text).map_err(|e| OpError(format!("{}: {e}", p.display())))
}

/// The counts of a `labelkit diff --output-format json` document: the
/// summary's changes per kind and the number of changed images.
///
/// # Errors
/// The text is not such a document.
pub fn counts_of_json(text: &str) -> Result<Counts, OpError> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| OpError(format!("diff JSON: {e}")))?;
    let summary = v
        .get("summary")
        .ok_or_else(|| OpError("diff JSON: no `summary`".to_owned()))?;
    let per_kind = summary
        .get("per_kind")
        .and_then(serde_json::Value::as_object)
        .ok_or_else(|| OpError("diff JSON: no `summary.per_kind` object".to_owned()))?;
    let mut c = Counts::default();
    for k in DIFF_KINDS {
        let n = per_kind
            .get(k)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        c.per_kind
            .insert(k.to_owned(), usize::try_from(n).unwrap_or(usize::MAX));
    }
    let changed = summary
        .get("images_changed")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    let added = summary
        .get("images_added")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    let removed = summary
        .get("images_removed")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    c.images_changed = usize::try_from(changed + added + removed).unwrap_or(usize::MAX);
    Ok(c)
}

/// The counts of a diff made in-process: as [`counts_of_json`] reads
/// them from the command's JSON.
#[must_use]
pub fn counts_of_diff(d: &labelkit::diff::DatasetDiff) -> Counts {
    let mut c = Counts::default();
    for k in labelkit::diff::ChangeKind::ALL {
        c.per_kind
            .insert(k.as_str().to_owned(), d.summary.per_kind.get(k));
    }
    let s = &d.summary;
    c.images_changed = s
        .images_changed
        .saturating_add(s.images_added)
        .saturating_add(s.images_removed);
    c
}

/// What differs between the counts found and the counts expected, one
/// line per kind; empty when they agree.
#[must_use]
pub fn compare(found: &Counts, expected: &Counts) -> String {
    let mut out = String::new();
    for k in DIFF_KINDS {
        let f = found.per_kind.get(k).copied().unwrap_or(0);
        let e = expected.per_kind.get(k).copied().unwrap_or(0);
        if f != e {
            let _ = writeln!(out, "  {k}: found {f}, expected {e}");
        }
    }
    if found.images_changed != expected.images_changed {
        let _ = writeln!(
            out,
            "  images changed: found {}, expected {}",
            found.images_changed, expected.images_changed
        );
    }
    out
}

/// Runs every diff of [`PAIRS`] once with JSON output and checks its
/// counts against `expected.json`: one line per pair, starting with the
/// pair's name, then `: as expected` or what differs.
///
/// # Errors
/// `expected.json` is missing, or a diff failed or printed no JSON.
pub fn verify(labelkit: &Path, old_root: &Path, new_root: &Path) -> Result<Vec<String>, OpError> {
    let expected = read_expected(new_root)?;
    let mut lines = Vec::new();
    for pair in &PAIRS {
        let args = diff_args(old_root, new_root, pair, &["--output-format", "json"]);
        let out = Command::new(labelkit)
            .args(&args)
            .output()
            .map_err(|e| OpError(format!("{}: {e}", labelkit.display())))?;
        if !matches!(out.status.code(), Some(0 | 1)) {
            return Err(OpError(format!(
                "{}: labelkit {} failed ({}): {}",
                pair.name,
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let found = counts_of_json(&String::from_utf8_lossy(&out.stdout))
            .map_err(|e| OpError(format!("{}: {e}", pair.name)))?;
        let want = expected
            .pairs
            .get(pair.expected)
            .cloned()
            .unwrap_or_default();
        let d = compare(&found, &want);
        let total: usize = found.per_kind.values().sum();
        lines.push(if d.is_empty() {
            format!(
                "{}: as expected ({total} changes in {} images)",
                pair.name, found.images_changed
            )
        } else {
            format!(
                "{}: NOT as expected:\n{}",
                pair.name,
                d.trim_end_matches('\n')
            )
        });
    }
    Ok(lines)
}

fn git(repo: &Path, args: &[&str]) -> Result<String, OpError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "labelkit-bench")
        .env("GIT_AUTHOR_EMAIL", "bench@labelkit.invalid")
        .env("GIT_COMMITTER_NAME", "labelkit-bench")
        .env("GIT_COMMITTER_EMAIL", "bench@labelkit.invalid")
        .output()
        .map_err(|e| OpError(format!("git {}: {e}", args.join(" "))))?;
    if !out.status.success() {
        return Err(OpError(format!(
            "git {} in {}: {}",
            args.join(" "),
            repo.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A git repository holding the old side's YOLO tree, with one label file
/// changed in the working tree, and the arguments git gives the external
/// diff driver for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitCase {
    /// The repository's working tree.
    pub repo: PathBuf,
    /// The changed label file, relative to the repository.
    pub path: String,
    /// The seven arguments git passes after `--git-external`, the old
    /// file being a kept copy of git's temporary file.
    pub driver_args: Vec<String>,
    /// What the driver printed for the change.
    pub driver_output: String,
}

fn copy_tree(from: &Path, to: &Path, link: bool) -> Result<(), OpError> {
    fs::create_dir_all(to).map_err(|e| OpError(format!("{}: {e}", to.display())))?;
    let entries = fs::read_dir(from).map_err(|e| OpError(format!("{}: {e}", from.display())))?;
    for e in entries {
        let e = e.map_err(|e| OpError(format!("{}: {e}", from.display())))?;
        let kind = e
            .file_type()
            .map_err(|err| OpError(format!("{}: {err}", e.path().display())))?;
        let target = to.join(e.file_name());
        if kind.is_dir() {
            copy_tree(&e.path(), &target, link)?;
        } else if kind.is_file() {
            // Images are hard links (never written); label files are
            // copies, since one of them is rewritten.
            if !(link && fs::hard_link(e.path(), &target).is_ok()) {
                fs::copy(e.path(), &target)
                    .map_err(|err| OpError(format!("{}: {err}", target.display())))?;
            }
        }
    }
    Ok(())
}

/// The first label file, in name order, whose contents differ between the
/// two YOLO trees.
fn first_changed_label(old_yolo: &Path, new_yolo: &Path) -> Result<String, OpError> {
    let dir = old_yolo.join("labels/train");
    let mut names: Vec<_> = fs::read_dir(&dir)
        .map_err(|e| OpError(format!("{}: {e}", dir.display())))?
        .flatten()
        .map(|e| e.file_name())
        .collect();
    names.sort();
    for n in names {
        let a = fs::read(dir.join(&n)).unwrap_or_default();
        let b = fs::read(new_yolo.join("labels/train").join(&n)).unwrap_or_default();
        if a != b && !a.is_empty() {
            return Ok(format!("labels/train/{}", n.to_string_lossy()));
        }
    }
    Err(OpError(format!(
        "no label file differs between {} and {}",
        old_yolo.display(),
        new_yolo.display()
    )))
}

/// Builds (or reuses) the repository of the git measurements under
/// `scratch/git-yolo`: the old side's YOLO tree (and its `labelkit.toml`)
/// committed, the first
/// changed label file taken from the new side into the working tree,
/// `.gitattributes` routing label files to the `labelkit` driver and
/// `diff.labelkit.command` set to `LABELKIT diff --git-external`. Then
/// captures the arguments git passes the driver (with a copy of git's
/// temporary old file) and the driver's output through `git diff`.
///
/// # Errors
/// git or the file system failed, or the driver printed nothing.
pub fn prepare_git(
    labelkit: &Path,
    old_root: &Path,
    new_root: &Path,
    scratch: &Path,
) -> Result<GitCase, OpError> {
    let repo = scratch.join("git-yolo");
    let marker = repo.join(".git/labelkit-bench-source");
    let source = format!("{}\n", old_root.join("yolo").display());
    let path = first_changed_label(&old_root.join("yolo"), &new_root.join("yolo"))?;
    if fs::read_to_string(&marker).ok().as_deref() != Some(source.as_str()) {
        if repo.exists() {
            fs::remove_dir_all(&repo).map_err(|e| OpError(format!("{}: {e}", repo.display())))?;
        }
        let old_yolo = old_root.join("yolo");
        copy_tree(&old_yolo.join("images"), &repo.join("images"), true)?;
        copy_tree(&old_yolo.join("labels"), &repo.join("labels"), false)?;
        fs::copy(old_yolo.join("data.yaml"), repo.join("data.yaml"))
            .map_err(|e| OpError(format!("data.yaml: {e}")))?;
        // The dataset's configuration: the driver takes the companion
        // groups from it, as `labelkit check` does.
        let config = old_root.join("labelkit.toml");
        if config.is_file() {
            fs::copy(&config, repo.join("labelkit.toml"))
                .map_err(|e| OpError(format!("{}: {e}", config.display())))?;
        }
        fs::write(
            repo.join(".gitattributes"),
            "labels/**/*.txt diff=labelkit\n",
        )
        .map_err(|e| OpError(format!("{}: {e}", repo.display())))?;
        git(&repo, &["init", "-q"])?;
        git(&repo, &["add", "-A"])?;
        git(&repo, &["commit", "-q", "-m", "the old side"])?;
        // A real repository is packed.
        git(&repo, &["repack", "-a", "-d", "-q"])?;
        git(&repo, &["prune-packed"])?;
        fs::write(&marker, &source).map_err(|e| OpError(format!("{}: {e}", marker.display())))?;
    }
    // The working tree's change: the new side's file (a new file, not a
    // write through a link).
    let target = repo.join(&path);
    let _ = fs::remove_file(&target);
    fs::copy(new_root.join("yolo").join(&path), &target)
        .map_err(|e| OpError(format!("{}: {e}", target.display())))?;
    // git runs the driver in the repository: the binary's absolute path.
    let labelkit = fs::canonicalize(labelkit).unwrap_or_else(|_| labelkit.to_path_buf());
    let command = format!("{} diff --git-external", labelkit.display());
    git(&repo, &["config", "diff.labelkit.command", &command])?;

    // The arguments git passes the driver, captured by a stand-in driver
    // that keeps a copy of git's temporary old file.
    let capture = scratch.join("git-capture.sh");
    let args_file = scratch.join("git-driver-args");
    let old_copy = scratch.join("git-driver-old.txt");
    fs::write(
        &capture,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\ncp \"$2\" '{}'\n",
            args_file.display(),
            old_copy.display()
        ),
    )
    .map_err(|e| OpError(format!("{}: {e}", capture.display())))?;
    let capture_cmd = format!("sh {}", capture.display());
    git(
        &repo,
        &[
            "-c",
            &format!("diff.labelkit.command={capture_cmd}"),
            "diff",
            "--",
            &path,
        ],
    )?;
    let text = fs::read_to_string(&args_file)
        .map_err(|e| OpError(format!("{path}: git did not call the driver: {e}")))?;
    let mut driver_args: Vec<String> = text.lines().map(str::to_owned).collect();
    if driver_args.len() != 7 {
        return Err(OpError(format!(
            "git passed the driver {} arguments, not 7: {driver_args:?}",
            driver_args.len()
        )));
    }
    driver_args[1] = old_copy.to_string_lossy().into_owned();
    let driver_output = git(&repo, &["diff", "--", &path])?;
    if driver_output.trim().is_empty() {
        return Err(OpError(format!(
            "`git diff -- {path}` through the labelkit driver printed nothing"
        )));
    }
    Ok(GitCase {
        repo,
        path,
        driver_args,
        driver_output,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_read_from_the_summary_and_compared() {
        let json = r#"{"version": 1, "summary": {"per_kind": {"added": 3, "moved": 2},
            "images_changed": 4, "images_added": 1, "images_removed": 0}}"#;
        let found = counts_of_json(json).unwrap();
        assert_eq!(found.per_kind["added"], 3);
        assert_eq!(found.per_kind["moved"], 2);
        assert_eq!(found.per_kind["track"], 0);
        assert_eq!(found.images_changed, 5);
        let mut want = found.clone();
        assert_eq!(compare(&found, &want), "");
        want.per_kind.insert("moved".to_owned(), 3);
        assert_eq!(compare(&found, &want), "  moved: found 2, expected 3\n");
        assert!(counts_of_json(r#"{"version": 1}"#).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn the_git_case_captures_what_git_passes_the_driver() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (old, new, scratch) = (
            dir.path().join("old"),
            dir.path().join("new"),
            dir.path().join("scratch"),
        );
        for (root, rows) in [(&old, "0 0.5 0.5 0.1 0.1\n"), (&new, "0 0.6 0.5 0.1 0.1\n")] {
            let y = root.join("yolo");
            fs::create_dir_all(y.join("labels/train")).unwrap();
            fs::create_dir_all(y.join("images/train")).unwrap();
            fs::create_dir_all(root.join("cvat")).unwrap();
            fs::write(y.join("data.yaml"), "names: [eye]\n").unwrap();
            fs::write(y.join("images/train/a.png"), b"png").unwrap();
            fs::write(y.join("labels/train/0.txt"), "0 0.1 0.1 0.1 0.1\n").unwrap();
            fs::write(y.join("labels/train/a.txt"), rows).unwrap();
        }
        // A stand-in for labelkit that says what it was given.
        fs::create_dir_all(&scratch).unwrap();
        let fake = scratch.join("fake-labelkit");
        fs::write(&fake, "#!/bin/sh\necho \"driver: $*\"\n").unwrap();
        fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();

        let case = prepare_git(&fake, &old, &new, &scratch).unwrap();
        assert_eq!(case.path, "labels/train/a.txt");
        assert_eq!(case.driver_args.len(), 7, "{:?}", case.driver_args);
        assert_eq!(case.driver_args[0], "labels/train/a.txt");
        assert_eq!(case.driver_args[3], "100644");
        assert_eq!(
            fs::read_to_string(&case.driver_args[1]).unwrap(),
            "0 0.5 0.5 0.1 0.1\n"
        );
        assert_eq!(
            fs::read_to_string(case.repo.join(&case.driver_args[4])).unwrap(),
            "0 0.6 0.5 0.1 0.1\n"
        );
        assert!(
            case.driver_output
                .starts_with("driver: diff --git-external labels/train/a.txt "),
            "{}",
            case.driver_output
        );
        // The old side is committed; the working tree holds the change.
        assert_eq!(
            git(&case.repo, &["status", "--porcelain"]).unwrap(),
            " M labels/train/a.txt\n"
        );
        // A second preparation reuses the repository.
        let again = prepare_git(&fake, &old, &new, &scratch).unwrap();
        assert_eq!(again.path, case.path);
    }
}
