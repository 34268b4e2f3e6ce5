//! `labelkit diff` through the binary: two folders, git revisions, and git
//! itself calling the external diff driver and the textconv filter.

use std::path::Path;
use std::process::{Command, Output};

use super::{labelkit, png, stderr, stdout, BIN};

/// `data.yaml` of the test datasets.
const DATA_YAML: &str = "train: images/train\nnames:\n  0: person\n  1: head\n";

/// The old rows of `a` (100x100 px): a person at (30, 10) 40x80 px and a
/// head at (45, 15) 10x10 px.
const OLD_A: &str =
    "0 0.500000 0.500000 0.400000 0.800000\n1 0.500000 0.200000 0.100000 0.100000\n";
/// The new rows of `a`: the head moved 3 px right, a person added at
/// (6, 7) 8x6 px.
const NEW_A: &str =
    "0 0.500000 0.500000 0.400000 0.800000\n1 0.530000 0.200000 0.100000 0.100000\n\
                     0 0.100000 0.100000 0.080000 0.060000\n";
/// The rows of `b` (200x100 px), the same on both sides.
const B: &str = "1 0.250000 0.250000 0.100000 0.200000\n";

/// A YOLO dataset in `dir` with images `a` (100x100) and `b` (200x100).
fn dataset(dir: &Path, a: &str) {
    std::fs::create_dir_all(dir.join("images/train")).unwrap();
    std::fs::create_dir_all(dir.join("labels/train")).unwrap();
    std::fs::write(dir.join("data.yaml"), DATA_YAML).unwrap();
    std::fs::write(dir.join("images/train/a.png"), png(100, 100)).unwrap();
    std::fs::write(dir.join("images/train/b.png"), png(200, 100)).unwrap();
    std::fs::write(dir.join("labels/train/a.txt"), a).unwrap();
    std::fs::write(dir.join("labels/train/b.txt"), B).unwrap();
}

/// `git ARGS` in `dir` with no user or system configuration.
fn git(dir: &Path, args: &[&str]) -> Output {
    let o = Command::new("git")
        .args(["-c", "user.name=T", "-c", "user.email=t@example.invalid"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_EXTERNAL_DIFF")
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?}: {}{}",
        stdout(&o),
        stderr(&o)
    );
    o
}

/// A repository in `dir` with two commits of `data/` (`OLD_A`, then
/// `NEW_A`) and the working tree at the second.
fn repository(dir: &Path) {
    git(dir, &["init", "-q"]);
    dataset(&dir.join("data"), OLD_A);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "first"]);
    std::fs::write(dir.join("data/labels/train/a.txt"), NEW_A).unwrap();
    git(dir, &["commit", "-q", "-am", "second"]);
}

/// [`repository`] with exactly the `.gitattributes` line README and
/// docs/diff.md give, the dataset in a subfolder (`labels/**/*.txt` would
/// match nothing here).
fn documented_repository(dir: &Path) {
    repository(dir);
    std::fs::write(
        dir.join(".gitattributes"),
        "**/labels/**/*.txt diff=labelkit\n",
    )
    .unwrap();
}

/// The concise lines of the change from `OLD_A` to `NEW_A` in the two
/// images' dataset.
const CHANGES: &str = "\
a: ~ head moved 3 px (+3, 0); + person box at (6, 7) 8x6 px
head: +0 -0 ~1 moved
person: +1 -0
total: +1 -0 ~1 moved
images: 0 added, 0 removed, 1 changed, 1 unchanged
objects: 3 old, 4 new, 2 unchanged
";

#[test]
fn two_folders_with_known_changes_exit_1_with_the_changes() {
    let dir = tempfile::tempdir().unwrap();
    dataset(&dir.path().join("old"), OLD_A);
    dataset(&dir.path().join("new"), NEW_A);
    let o = labelkit(&["diff", "old", "new"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), CHANGES);
    assert_eq!(stderr(&o), "");

    // --quiet: the summary alone.
    let o = labelkit(&["diff", "--quiet", "old", "new"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), CHANGES.split_once('\n').unwrap().1);

    // JSON, written atomically to a file.
    let o = labelkit(
        &[
            "diff",
            "old",
            "new",
            "--output-format",
            "json",
            "-o",
            "changes.json",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("changes.json")).unwrap()).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["equal"], false);
    assert_eq!(json["summary"]["per_kind"]["added"], 1);
    assert_eq!(json["summary"]["per_kind"]["moved"], 1);
    assert_eq!(json["images"][0]["changes"][0]["facets"][0]["dx"], 3.0);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The output never replaces an input.
    let o = labelkit(&["diff", "old", "new", "-o", "new/data.yaml"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("new/data.yaml")).unwrap(),
        DATA_YAML
    );
}

#[test]
fn equal_datasets_exit_0_with_only_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    dataset(&dir.path().join("old"), NEW_A);
    dataset(&dir.path().join("new"), NEW_A);
    let o = labelkit(&["diff", "old", "new"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "total: +0 -0\nimages: 0 added, 0 removed, 0 changed, 2 unchanged\n\
         objects: 4 old, 4 new, 4 unchanged\n"
    );
}

#[test]
fn a_cvat_task_and_its_yolo_export_are_equal() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("task/images")).unwrap();
    std::fs::write(root.join("task/images/a.png"), png(640, 480)).unwrap();
    std::fs::write(
        root.join("task/annotations.xml"),
        r#"<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta><task><labels>
    <label><name>person</name><type>rectangle</type></label>
    <label><name>head</name><type>rectangle</type></label>
  </labels></task></meta>
  <image id="0" name="a.png" width="640" height="480">
    <box label="person" occluded="0" source="manual" xtl="100.13" ytl="50.27" xbr="220.91" ybr="400.02" z_order="0"></box>
    <box label="head" occluded="0" source="manual" xtl="140.55" ytl="52.10" xbr="171.33" ybr="90.71" z_order="0"></box>
  </image>
</annotations>
"#,
    )
    .unwrap();
    let o = labelkit(
        &[
            "convert",
            "task/annotations.xml",
            "--to",
            "yolo",
            "-o",
            "export",
            "--precision",
            "6g",
        ],
        root,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = labelkit(&["diff", "task/annotations.xml", "export"], root);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        stdout(&o),
        "total: +0 -0\nimages: 0 added, 0 removed, 0 changed, 1 unchanged\n\
         objects: 2 old, 2 new, 2 unchanged\n"
    );
}

#[test]
fn an_unreadable_side_exits_2_naming_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    dataset(&dir.path().join("old"), OLD_A);
    std::fs::write(
        dir.path().join("new.json"),
        "{\"images\": [\n  {\"id\": 1, \"file_name\": \"a.png\",}\n]}\n",
    )
    .unwrap();
    let o = labelkit(
        &["diff", "old", "new.json", "--new-format", "coco"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "labelkit: error: new.json:2:34: key must be a string\n"
    );

    // Neither a path nor a revision.
    let o = labelkit(&["diff", "old", "nothing-here"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "labelkit: error: `nothing-here`: no such file or folder, nor a git revision\n"
    );
}

#[test]
fn revisions_are_read_through_git() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    repository(root);
    let label = "data/labels/train/a.txt";
    // HEAD~1's data against the working tree's (the second commit).
    let o = labelkit(&["diff", "HEAD~1", "data"], root);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), CHANGES);
    // A range, from a folder below the top.
    let o = labelkit(&["diff", "HEAD~1..HEAD", "."], &root.join("data"));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), CHANGES);
    // One label file, read in its place: classes by name, pixels.
    let o = labelkit(&["diff", "main~1..main", label], root);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).lines().next(),
        Some("a: ~ head moved 3 px (+3, 0); + person box at (6, 7) 8x6 px")
    );
    // `REV:PATH` as a side, against the working tree; equal.
    let o = labelkit(&["diff", "HEAD:data", "data"], root);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // The working tree against HEAD when only a path is given.
    std::fs::write(root.join(label), OLD_A).unwrap();
    let o = labelkit(&["diff", "-q", label], root);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "head: +0 -0 ~1 moved\nperson: +0 -1\ntotal: +0 -1 ~1 moved\n\
         images: 0 added, 0 removed, 1 changed, 0 unchanged\nobjects: 3 old, 2 new, 1 unchanged\n"
    );
}

/// `git` with the labelkit driver and filter configured for `*.txt`.
fn git_with_driver(dir: &Path, args: &[&str]) -> Output {
    let command = format!("{BIN} diff --git-external");
    let textconv = format!("{BIN} diff --textconv");
    let mut all = vec![
        "-c".to_owned(),
        format!("diff.labelkit.command={command}"),
        "-c".to_owned(),
        format!("diff.labelkit.textconv={textconv}"),
    ];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    git(dir, &all)
}

#[test]
fn git_diff_and_log_print_the_semantic_change_through_the_driver() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    documented_repository(root);
    let o = git_with_driver(root, &["diff", "HEAD~1", "--", "data/labels"]);
    assert_eq!(
        stdout(&o),
        "data/labels/train/a.txt: ~ head moved 3 px (+3, 0); + person box at (6, 7) 8x6 px\n"
    );
    // From a folder below the top, a new label file and a removed one.
    std::fs::write(
        root.join("data/labels/train/c.txt"),
        "0 0.500000 0.500000 0.100000 0.100000\n",
    )
    .unwrap();
    std::fs::write(root.join("data/images/train/c.png"), png(200, 100)).unwrap();
    std::fs::remove_file(root.join("data/labels/train/b.txt")).unwrap();
    git(root, &["add", "-A"]);
    let o = git_with_driver(&root.join("data"), &["diff", "--cached", "--", "labels"]);
    assert_eq!(
        stdout(&o),
        "data/labels/train/b.txt (removed): - head box at (40, 15) 20x20 px\n\
         data/labels/train/c.txt (added): + person box at (90, 45) 20x10 px\n"
    );
    // A renamed file (git's nine arguments) is compared with its old self.
    git(root, &["commit", "-q", "-m", "third"]);
    git(
        root,
        &["mv", "data/labels/train/c.txt", "data/labels/train/d.txt"],
    );
    git(
        root,
        &["mv", "data/images/train/c.png", "data/images/train/d.png"],
    );
    let o = git_with_driver(root, &["diff", "--cached", "-M", "--", "data/labels"]);
    assert_eq!(
        stdout(&o),
        "data/labels/train/c.txt -> data/labels/train/d.txt: no change in the labels\n"
    );
    // textconv: `git log -p` shows one line per object, from the file's
    // content alone (git hands the filter temporary copies of old blobs):
    // classes by id, coordinates as fractions.
    let o = git_with_driver(
        root,
        &["log", "-p", "--format=%s", "--", "data/labels/train/a.txt"],
    );
    let out = stdout(&o);
    assert!(out.contains(" 0 box at (0.3, 0.1) 0.4x0.8\n-1 box at (0.45, 0.15) 0.1x0.1\n+1 box at (0.48, 0.15) 0.1x0.1\n+0 box at (0.06, 0.07) 0.08x0.06\n"), "{out}");
    // The working tree's file renders as its copies do.
    let o = labelkit(&["diff", "--textconv", "data/labels/train/a.txt"], root);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "0 box at (0.3, 0.1) 0.4x0.8\n1 box at (0.48, 0.15) 0.1x0.1\n0 box at (0.06, 0.07) 0.08x0.06\n"
    );
}

/// `git` with only the labelkit textconv filter configured.
fn git_with_textconv(dir: &Path, args: &[&str]) -> Output {
    let textconv = format!("diff.labelkit.textconv={BIN} diff --textconv");
    let mut all = vec!["-c", textconv.as_str()];
    all.extend_from_slice(args);
    git(dir, &all)
}

#[test]
fn textconv_depends_on_the_content_alone_and_hides_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    documented_repository(root);
    // The working tree against HEAD~1: git converts a temporary copy
    // (old) and the real file (new); only the changed rows differ.
    let o = git_with_textconv(
        root,
        &["diff", "-U0", "HEAD~1", "--", "data/labels/train/a.txt"],
    );
    let out = stdout(&o);
    let body: Vec<&str> = out
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(
        body,
        [
            "-1 box at (0.45, 0.15) 0.1x0.1",
            "+1 box at (0.48, 0.15) 0.1x0.1",
            "+0 box at (0.06, 0.07) 0.08x0.06"
        ],
        "{out}"
    );
    // A malformed row is shown with a marker, other rows as their values,
    // in file order; a file without any YOLO row is shown as it is.
    let labels = root.join("data/labels/train");
    std::fs::write(
        labels.join("a.txt"),
        "0 0.500000 0.500000 0.400000 0.800000\n\n1 0.1 0.2 0.3 0.2 0.2 0.400000\n0 0.5 0.5 abc 0.1\n",
    )
    .unwrap();
    let o = labelkit(&["diff", "--textconv", "data/labels/train/a.txt"], root);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "0 box at (0.3, 0.1) 0.4x0.8\n1 values 0.1 0.2 0.3 0.2 0.2 0.4\n! unreadable row 4: 0 0.5 0.5 abc 0.1\n"
    );
    std::fs::write(labels.join("notes.txt"), "checked by Ann\n2 boxes left\n").unwrap();
    let o = labelkit(&["diff", "--textconv", "data/labels/train/notes.txt"], root);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "checked by Ann\n2 boxes left\n");
    // A CVAT file: the image, the occlusion and the attributes.
    std::fs::write(
        root.join("task.xml"),
        r#"<?xml version="1.0" encoding="utf-8"?>
<annotations><version>1.1</version>
<meta><task><labels><label><name>person</name></label></labels></task></meta>
<image id="0" name="a.jpg" width="100" height="100">
<box label="person" occluded="1" xtl="30" ytl="10" xbr="70" ybr="90" z_order="0"><attribute name="pose">standing</attribute></box>
</image>
<image id="1" name="b.jpg" width="100" height="100">
<box label="person" occluded="0" xtl="0" ytl="0" xbr="10" ybr="10" z_order="0"/>
</image>
</annotations>
"#,
    )
    .unwrap();
    let o = labelkit(&["diff", "--textconv", "task.xml"], root);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "a.jpg: person box at (30, 10) 40x80 px; occluded; pose=standing\nb.jpg: person box at (0, 0) 10x10 px\n"
    );
}

#[test]
fn sub_pixel_changes_and_option_values_are_shown_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let task = |x: &str| {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<annotations><version>1.1</version>
<meta><task><labels><label><name>face</name></label></labels></task></meta>
<image id="0" name="a.jpg" width="100" height="100">
<box label="face" occluded="0" xtl="{x}" ytl="10" xbr="20" ybr="20" z_order="0"/>
</image>
</annotations>
"#
        )
    };
    std::fs::write(root.join("old.xml"), task("10")).unwrap();
    std::fs::write(root.join("new.xml"), task("10.004")).unwrap();
    let o = labelkit(&["diff", "old.xml", "new.xml", "--tolerance", "0"], root);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).lines().next(),
        Some("a: ~ face moved 0.002 px (+0.002, 0), resized (-0.004, 0) px")
    );
    let o = labelkit(&["diff", "old.xml", "new.xml", "--tolerance", "-1"], root);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "labelkit: error: invalid --tolerance \"-1\": expected auto or pixels (e.g. 0.5)\n"
    );
    let o = labelkit(&["diff", "old.xml", "new.xml", "--iou", "-0.5"], root);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "labelkit: error: invalid --iou -0.5: expected a number above 0 and at most 1\n"
    );
}

#[test]
fn a_revision_of_a_folder_that_is_no_dataset_is_named_without_a_stray_colon() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    std::fs::write(root.join("f"), "x\n").unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "first"]);
    std::fs::write(root.join("f"), "y\n").unwrap();
    git(root, &["commit", "-q", "-am", "second"]);
    let o = labelkit(&["diff", "HEAD~1"], root);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "labelkit: error: HEAD~1: cannot tell the annotation format: a folder with no data.yaml, obj.data, labels/ folder or annotation file\n"
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_in_a_revision_is_refused_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    dataset(&root.join("data"), OLD_A);
    let label = root.join("data/labels/train/a.txt");
    std::fs::remove_file(&label).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", &label).unwrap();
    git(root, &["add", "-A"]);
    // A submodule entry too (a gitlink to a commit that is not here).
    git(
        root,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            "160000,0123456789abcdef0123456789abcdef01234567,data/vendor",
        ],
    );
    git(root, &["commit", "-q", "-m", "link"]);
    let o = labelkit(&["diff", "HEAD", "data"], root);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // The revision leaves the link out; the working tree's reader
    // refuses it (F011).
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert_eq!(
        lines[0],
        "labelkit: note: HEAD:data: left out `data/labels/train/a.txt`: a symbolic link (never followed)"
    );
    assert_eq!(
        lines[1],
        "labelkit: note: HEAD:data: left out `data/vendor`: a submodule"
    );
    assert!(lines[2].starts_with("data/labels/train/a.txt: F011 data/labels/train/a.txt resolves to /etc/passwd, outside the dataset folder data: not read"), "{err}");
    assert!(!stdout(&o).contains("root"), "{}", stdout(&o));
    let o = labelkit(&["diff", "HEAD", "data/labels/train/a.txt"], root);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is a symbolic link (never followed), not read"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn companion_groups_come_from_the_configuration_found_above_the_new_side() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let rows_old = "0 0.500000 0.500000 0.400000 0.800000\n";
    // The same body, and a `male` box on it.
    let rows_new = "0 0.500000 0.500000 0.400000 0.800000\n2 0.500000 0.500000 0.400000 0.800000\n";
    for (side, rows) in [("old", rows_old), ("new", rows_new)] {
        let d = root.join(side);
        std::fs::create_dir_all(d.join("images/train")).unwrap();
        std::fs::create_dir_all(d.join("labels/train")).unwrap();
        std::fs::write(
            d.join("data.yaml"),
            "train: images/train\nnames:\n  0: body\n  1: female\n  2: male\n",
        )
        .unwrap();
        std::fs::write(d.join("images/train/a.png"), png(100, 100)).unwrap();
        std::fs::write(d.join("labels/train/a.txt"), rows).unwrap();
    }
    // Without a configuration, the `male` box is an object of its own.
    let o = labelkit(&["diff", "old", "new"], root);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).lines().next(),
        Some("a: + male box at (30, 10) 40x80 px")
    );
    std::fs::write(
        root.join("new/labelkit.toml"),
        "[[schema.companions]]\nobject = \"body\"\none-of = [\"female\", \"male\"]\n",
    )
    .unwrap();
    let o = labelkit(&["diff", "old", "new"], root);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().next(), Some("a: ~ body gained male"));
}

#[test]
fn git_diff_of_a_cvat_file_prints_a_line_per_changed_image() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    let task = |head_x: u32, occluded: u8| {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta><task><labels>
    <label><name>person</name><type>rectangle</type></label>
    <label><name>head</name><type>rectangle</type></label>
  </labels></task></meta>
  <image id="0" name="a.png" width="640" height="480">
    <box label="person" occluded="{occluded}" source="manual" xtl="100.13" ytl="50.27" xbr="220.91" ybr="400.02" z_order="0"></box>
  </image>
  <image id="1" name="b.png" width="640" height="480">
    <box label="head" occluded="0" source="manual" xtl="{head_x}" ytl="10" xbr="{}" ybr="20" z_order="0"></box>
  </image>
</annotations>
"#,
            head_x + 10
        )
    };
    std::fs::write(root.join("task.xml"), task(10, 0)).unwrap();
    std::fs::write(root.join(".gitattributes"), "*.xml diff=labelkit\n").unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "one"]);
    std::fs::write(root.join("task.xml"), task(12, 1)).unwrap();
    let o = git_with_driver(root, &["diff", "--", "task.xml"]);
    assert_eq!(
        stdout(&o),
        "task.xml: a: ~ person occluded\ntask.xml: b: ~ head moved 2 px (+2, 0)\n"
    );
    let o = git_with_driver(root, &["diff", "--no-ext-diff", "--", "task.xml"]);
    let out = stdout(&o);
    assert!(
        out.ends_with(
            "-a.png: person box at (100.13, 50.27) 120.78x349.75 px\n\
             -b.png: head box at (10, 10) 10x10 px\n\
             +a.png: person box at (100.13, 50.27) 120.78x349.75 px; occluded\n\
             +b.png: head box at (12, 10) 10x10 px\n"
        ),
        "{out}"
    );
}

#[test]
fn the_html_review_page_links_or_embeds_the_images() {
    let dir = tempfile::tempdir().unwrap();
    dataset(&dir.path().join("old"), OLD_A);
    dataset(&dir.path().join("new"), NEW_A);
    let o = labelkit(
        &[
            "diff",
            "old",
            "new",
            "--output-format",
            "html",
            "-o",
            "review/page.html",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "labelkit: wrote review/page.html (1 changed images)\n"
    );
    let page = std::fs::read_to_string(dir.path().join("review/page.html")).unwrap();
    // One changed image, linked from the page's folder.
    assert_eq!(page.matches("\"key\":").count(), 1, "{page}");
    assert!(page.contains("\"key\":\"a\""));
    assert!(page.contains("\"src\":\"../new/images/train/a.png\""));
    // --embed-images reads the image itself (this PNG has a header only:
    // the page says it cannot be decoded, and draws a blank canvas).
    let o = labelkit(
        &[
            "diff",
            "old",
            "new",
            "--output-format",
            "html",
            "--embed-images",
            "-o",
            "page.html",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let page = std::fs::read_to_string(dir.path().join("page.html")).unwrap();
    assert!(page.contains("\"src\":null"), "{page}");
    assert!(
        page.contains("\"note\":\"images/train/a.png: cannot be decoded"),
        "{page}"
    );
    // --embed-images belongs to the page.
    let o = labelkit(&["diff", "old", "new", "--embed-images"], dir.path());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_yolo_side_without_images_takes_the_sizes_of_the_other_side() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("task.xml"),
        r#"<?xml version="1.0" encoding="utf-8"?>
<annotations><version>1.1</version>
<meta><task><labels><label><name>body</name></label></labels></task></meta>
<image id="0" name="a.jpg" width="128" height="128">
<box label="body" occluded="0" xtl="16" ytl="16" xbr="48" ybr="112" z_order="0"/>
</image>
</annotations>
"#,
    )
    .unwrap();
    // A labels-only export: no image files. `a` is the task's box; `b`
    // has no image on either side.
    std::fs::create_dir_all(root.join("new/labels/train")).unwrap();
    std::fs::write(
        root.join("new/data.yaml"),
        "train: images/train\nnames:\n  0: body\n",
    )
    .unwrap();
    std::fs::write(
        root.join("new/labels/train/a.txt"),
        "0 0.250000 0.500000 0.250000 0.750000\n",
    )
    .unwrap();
    std::fs::write(root.join("new/labels/train/b.txt"), "0 0.5 0.5 0.5 0.5\n").unwrap();
    let note = "1 images of the new side have no size: their shapes are in fractions \
                and are compared as such";
    let o = labelkit(&["diff", "task.xml", "new"], root);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "b (added): + body box at (0.25, 0.25) 0.5x0.5\n\
         body: +1 -0\n\
         total: +1 -0\n\
         images: 1 added, 0 removed, 0 changed, 1 unchanged\n\
         objects: 1 old, 2 new, 1 unchanged\n"
    );
    assert_eq!(stderr(&o), format!("labelkit: note: {note}\n"));
    let o = labelkit(
        &["diff", "task.xml", "new", "--output-format", "json"],
        root,
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["notes"], serde_json::json!([note]));
    assert_eq!(json["summary"]["objects_unchanged"], 1);
}
