//! The single-file path exactly as pre-commit calls it: the `entry` of
//! `.pre-commit-hooks.yaml` run in the project's folder with the changed
//! files, relative, appended.

use std::path::Path;
use std::process::{Command, Output};

use super::{
    augmented_copies_library, labelkit, png, repo_root, stderr, stdout, yolo_dataset, BIN,
};

/// The hook's `entry` from `.pre-commit-hooks.yaml`, as arguments.
fn hook_entry() -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join(".pre-commit-hooks.yaml")).unwrap();
    let entry = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("entry:"))
        .expect("an entry line");
    let mut words: Vec<String> = entry.split_whitespace().map(str::to_owned).collect();
    assert_eq!(
        words.first().map(String::as_str),
        Some("labelkit"),
        "{entry}"
    );
    words.remove(0);
    words
}

/// Runs the hook on `files` (relative to `cwd`), as pre-commit does: no
/// terminal, so concise output.
pub(crate) fn hook(files: &[&str], cwd: &Path) -> Output {
    hook_with(&[], files, cwd)
}

/// Runs the hook with the `args:` of a `.pre-commit-config.yaml` (placed
/// by pre-commit after the entry, before the files).
pub(crate) fn hook_with(args: &[&str], files: &[&str], cwd: &Path) -> Output {
    Command::new(BIN)
        .args(hook_entry())
        .args(args)
        .args(files)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("labelkit runs")
}

/// A file whose row 2 has `abc` for a number, one whose rows are run
/// together with commas, and a darknet label file with a comma row, each
/// checked alone through the hook: every bad row is reported at its line
/// and column, exactly as the whole-dataset check reports it.
#[test]
fn malformed_label_files_checked_alone_report_each_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    yolo_dataset(d, "0 0.5 0.5 0.4 0.6\n0 0.5 abc 0.2 0.2\n");
    std::fs::write(d.join("images/train/b.png"), png(100, 100)).unwrap();
    std::fs::write(
        d.join("labels/train/b.txt"),
        "0,0.5,0.5,0.4,0.6\n1,0.5,0.3,0.1,0.1\n",
    )
    .unwrap();
    // A label file in a folder of the label tree that holds no image
    // counterpart: still a label file by its place.
    std::fs::create_dir_all(d.join("labels/extra")).unwrap();
    std::fs::write(d.join("labels/extra/c.txt"), "person 0.5 0.5 0.2 0.2\n").unwrap();

    let o = hook(
        &[
            "labels/train/a.txt",
            "labels/train/b.txt",
            "labels/extra/c.txt",
        ],
        d,
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{}", stderr(&o));
    assert!(!stderr(&o).contains("skipped"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("all checks passed"), "{}", stderr(&o));
    let f001: Vec<&str> = out.lines().filter(|l| l.contains(" F001 ")).collect();
    assert_eq!(
        f001,
        [
            "labels/extra/c.txt:1:1: F001 expected a class id, found \"person\"",
            "labels/train/a.txt:2:7: F001 expected a number, found \"abc\"",
            "labels/train/b.txt:1:1: F001 expected a class id, found \"0,0.5,0.5,0.4,0.6\"",
            "labels/train/b.txt:2:1: F001 expected a class id, found \"1,0.5,0.3,0.1,0.1\"",
        ],
        "{out}"
    );
    // The whole dataset (whose `train` split is images/train) reports the
    // same rows at the same places.
    let whole = labelkit(&["check", ".", "--output-format", "concise"], d);
    let whole_out = stdout(&whole);
    let whole_f001: Vec<&str> = whole_out.lines().filter(|l| l.contains(" F001 ")).collect();
    assert_eq!(whole_f001, f001[1..], "{whole_out}");

    // Darknet: a label file of `obj_train_data`, and one beside its image
    // in a folder the image list names, under `obj.data`.
    let dk = d.join("dk");
    std::fs::create_dir_all(dk.join("obj_train_data")).unwrap();
    std::fs::create_dir_all(dk.join("data/obj")).unwrap();
    std::fs::write(
        dk.join("obj.data"),
        "classes = 1\ntrain = data/train.txt\nnames = obj.names\n",
    )
    .unwrap();
    std::fs::write(dk.join("obj.names"), "person\n").unwrap();
    std::fs::write(dk.join("data/train.txt"), "data/obj/x.png\n").unwrap();
    std::fs::write(dk.join("data/obj/x.png"), png(100, 100)).unwrap();
    std::fs::write(dk.join("data/obj/x.txt"), "0 0.5 0.5 0.4 0.6\n0 0.5\n").unwrap();
    std::fs::write(dk.join("obj_train_data/y.png"), png(100, 100)).unwrap();
    std::fs::write(dk.join("obj_train_data/y.txt"), "0 0.5 0.5 0.4 0.6 ;\n").unwrap();
    let o = hook(
        &["data/obj/x.txt", "obj_train_data/y.txt", "data/train.txt"],
        &dk,
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{}", stderr(&o));
    let f: Vec<&str> = out.lines().filter(|l| l.contains(": F00")).collect();
    assert_eq!(
        f,
        [
            "data/obj/x.txt:2:1: F002 expected 4 values (a box) or an even number of at least 6 (a polygon) after the class id, found 1",
            "obj_train_data/y.txt:1:19: F001 expected a number, found \";\"",
        ],
        "{out}"
    );
    // The image list is not a label file: one line says so.
    assert_eq!(
        stderr(&o)
            .lines()
            .filter(|l| l.starts_with("labelkit: skipped"))
            .collect::<Vec<_>>(),
        ["labelkit: skipped data/train.txt: a text file whose rows do not start with a class id"],
        "{}",
        stderr(&o)
    );
}

/// A file named on the command line that is not an annotation file exits 2
/// with the reason; the hook's flag turns each into one skip line.
#[test]
fn other_files_fail_when_named_and_are_one_line_skips_in_the_hook() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = [
        (
            "garbage.json",
            "{\"name\": \"x\", \"files\": [\"images\"]}\n",
            "a JSON object without images, annotations or categories",
        ),
        ("empty.json", "", "the file is empty"),
        (
            "list.json",
            "[1, 2, 3]\n",
            "a JSON list that is not a list of annotations",
        ),
        (
            "README.txt",
            "A dataset of people.\n",
            "a text file whose rows do not start with a class id",
        ),
        (
            "page.xml",
            "<html><body/></html>\n",
            "XML whose root element is not <annotations>",
        ),
    ];
    for (name, text, _) in files {
        std::fs::write(d.join(name), text).unwrap();
    }
    for (name, _, reason) in files {
        let o = labelkit(&["check", name], d);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert_eq!(
            stderr(&o),
            format!(
                "labelkit: error: {name}: cannot tell the annotation format: {reason} \
                 (--skip-other-files skips files that are not annotations)\n"
            )
        );
        assert_eq!(stdout(&o), "");
    }
    let names: Vec<&str> = files.iter().map(|f| f.0).collect();
    let o = hook(&names, d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let expected: Vec<String> = files
        .iter()
        .map(|(name, _, reason)| format!("labelkit: skipped {name}: {reason}"))
        .chain(["labelkit: no annotation file to check".to_owned()])
        .collect();
    assert_eq!(stderr(&o).lines().collect::<Vec<_>>(), expected);
    assert_eq!(stdout(&o), "");
}

/// A CVAT file and a COCO file are never skipped: a DOCTYPE before
/// `<annotations>` is refused as an error at its place, a COCO file whose
/// keys come after a big `info` is checked, and a COCO file with a comment
/// is an error at the comment.
#[test]
fn cvat_and_coco_files_are_never_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("cvat.xml"),
        "<?xml version=\"1.0\"?>\n<!DOCTYPE annotations [\n  <!ENTITY who \"person\">\n]>\n\
         <annotations><version>1.1</version><image id=\"0\" name=\"a.jpg\" width=\"10\" height=\"10\">\
         <box label=\"&who;\" xtl=\"1\" ytl=\"1\" xbr=\"5\" ybr=\"5\" occluded=\"0\"/></image></annotations>\n",
    )
    .unwrap();
    let o = hook(&["cvat.xml"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "labelkit: error: cvat.xml:2:1: a document type declaration (DTD) is refused: CVAT files \
         have none, and labelkit never expands entities or fetches external definitions\n"
    );
    // Another DOCTYPE name with `>` in its subset: the root is still found.
    std::fs::write(
        d.join("other.xml"),
        "<!DOCTYPE x [<!ENTITY a \"<b>\">]><annotations><version>1.1</version></annotations>",
    )
    .unwrap();
    let o = hook(&["other.xml"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with(
            "labelkit: error: other.xml:1:1: a document type declaration (DTD) is refused"
        ),
        "{}",
        stderr(&o)
    );

    let info = "x".repeat(400_000);
    std::fs::write(
        d.join("big.json"),
        format!(
            "{{\"info\": {{\"description\": \"{info}\", \"nested\": {{\"images\": 1}}}},\n\
             \"images\": [{{\"id\": 1, \"file_name\": \"a.jpg\", \"width\": 100, \"height\": 100}}],\n\
             \"annotations\": [{{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [10, 10, 2, 2], \"area\": 4, \"iscrowd\": 0}}],\n\
             \"categories\": [{{\"id\": 1, \"name\": \"person\"}}]}}\n"
        ),
    )
    .unwrap();
    let o = hook(&["big.json"], d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .lines()
            .any(|l| l.starts_with("big.json:3:") && l.contains(" G001 box `person` is 2x2 px")),
        "{}",
        stdout(&o)
    );

    std::fs::write(
        d.join("comment.json"),
        "{\n  // exported by hand\n  \"images\": [], \"annotations\": [], \"categories\": []\n}\n",
    )
    .unwrap();
    let o = hook(&["comment.json"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "labelkit: error: comment.json:2:3: a comment: JSON has none (COCO tools refuse the file); remove it\n"
    );
}

/// A dataset of one 100x100 image `images/train/a.png` with its label file
/// (`rows`), `data_yaml` and a `labelkit.toml`.
fn configured_dataset(d: &Path, data_yaml: &str, config: &str, rows: &str) {
    std::fs::create_dir_all(d.join("images/train")).unwrap();
    std::fs::create_dir_all(d.join("labels/train")).unwrap();
    std::fs::write(d.join("data.yaml"), data_yaml).unwrap();
    std::fs::write(d.join("labelkit.toml"), config).unwrap();
    std::fs::write(d.join("images/train/a.png"), png(100, 100)).unwrap();
    std::fs::write(d.join("labels/train/a.txt"), rows).unwrap();
}

/// K006 points at the `flip_idx:` line of data.yaml, checked through the
/// hook with a label file (once, though both read the description) and in
/// the whole dataset.
#[test]
fn flip_idx_mismatch_points_at_the_flip_idx_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    configured_dataset(
        d,
        "path: .\ntrain: images/train\nkpt_shape: [3, 3]\nflip_idx: [0, 1, 2]\nnames:\n  0: face\n",
        "[keypoints.face]\nnames = [\"left_eye\", \"right_eye\", \"nose\"]\nflip-pairs = [[0, 1]]\n",
        "0 0.5 0.5 0.4 0.4 0.4 0.4 2 0.6 0.4 2 0.5 0.5 2\n",
    );
    let k006 = "data.yaml:4:1: K006 flip_idx entry 0 (`left_eye`) is 0, the schema's left/right pairs give 1";
    let o = hook(&["labels/train/a.txt", "data.yaml"], d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{k006}\n"));
    let o = hook(&["data.yaml"], d);
    assert_eq!(stdout(&o), format!("{k006}\n"));
    let whole = labelkit(&["check", "data.yaml", "--select", "K006"], d);
    assert_eq!(stdout(&whole), format!("{k006}\n"));
}

/// A CVAT label used without a declaration, whose only shape is
/// unreadable: D003 says so, and D002 does not call it declared but unused.
/// With a readable shape, D003 counts it.
#[test]
fn an_undeclared_label_is_d003_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let xml = |ghost: &str| {
        format!(
            "<?xml version=\"1.0\"?>\n<annotations>\n  <version>1.1</version>\n  \
             <meta><task><labels><label><name>person</name><type>rectangle</type></label></labels></task></meta>\n  \
             <image id=\"0\" name=\"a.jpg\" width=\"100\" height=\"80\">\n    \
             <box label=\"person\" occluded=\"0\" xtl=\"10\" ytl=\"10\" xbr=\"40\" ybr=\"50\" z_order=\"0\"/>\n    \
             <box label=\"ghost\" occluded=\"0\" xtl=\"{ghost}\" ytl=\"10\" xbr=\"40\" ybr=\"50\" z_order=\"0\"/>\n  \
             </image>\n</annotations>\n"
        )
    };
    std::fs::write(d.join("skipped.xml"), xml("abc")).unwrap();
    std::fs::write(d.join("read.xml"), xml("20")).unwrap();
    let o = hook(&["skipped.xml", "read.xml"], d);
    let out = stdout(&o);
    let d_lines: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(": D00") && !l.contains(" D001 "))
        .collect();
    assert_eq!(
        d_lines,
        [
            "read.xml:7:5: D003 class `ghost` is used 1 time(s) but not declared",
            "skipped.xml:7:5: D003 class `ghost` is not declared; the shapes naming it could not be read (see their F findings)",
        ],
        "{}",
        stdout(&o)
    );
}

/// A normal CVAT skeleton with outside points (CVAT keeps their last
/// coordinates) passes K003; a COCO point with visibility 0 and
/// coordinates is still warned.
#[test]
fn outside_cvat_skeleton_points_are_not_k003() {
    let root = repo_root();
    let cvat = "tests/corpus/datumaro-cvat-ai/tests/assets/cvat_dataset/for_images/train.xml";
    let text = std::fs::read_to_string(root.join(cvat)).unwrap();
    assert_eq!(text.matches("outside=\"1\"").count(), 2);
    let o = Command::new(BIN)
        .args(hook_entry())
        .args([cvat, "--select", "K"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("coco.json"),
        "{\"images\": [{\"id\": 1, \"file_name\": \"a.jpg\", \"width\": 100, \"height\": 80}],\n\
         \"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [10, 10, 40, 40], \"area\": 1600, \"iscrowd\": 0, \"num_keypoints\": 1,\n\
         \"keypoints\": [20, 20, 2, 30, 20, 0]}],\n\
         \"categories\": [{\"id\": 1, \"name\": \"face\", \"keypoints\": [\"left_eye\", \"right_eye\"], \"skeleton\": []}]}\n",
    )
    .unwrap();
    let o = hook(&["coco.json"], dir.path());
    let out = stdout(&o);
    let k003: Vec<&str> = out.lines().filter(|l| l.contains(" K003 ")).collect();
    assert_eq!(
        k003,
        ["coco.json:2:17: K003 keypoints of `face` marked absent have coordinates: `right_eye` at (30, 20)"],
        "{}",
        stdout(&o)
    );
}

/// The augmented-copies plugin in the hook: a changed original alone is
/// compared with its copy on disk, a changed copy alone with its original
/// on disk (ABI minor 1, the host's `siblings` request), and with
/// `require-copies` an original without a copy and a copy without an
/// original are reported; the whole dataset gives the same findings.
#[test]
fn augmented_copies_compares_a_changed_file_with_its_neighbours_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("images/train")).unwrap();
    std::fs::create_dir_all(d.join("labels/train")).unwrap();
    std::fs::write(
        d.join("data.yaml"),
        "path: .\ntrain: images/train\nnames:\n  0: person\n  1: head\n  2: dog\n",
    )
    .unwrap();
    for name in ["a", "a_noise1", "b", "c_noise1"] {
        std::fs::write(d.join(format!("images/train/{name}.png")), png(100, 100)).unwrap();
    }
    let person_and_head = "0 0.25 0.4 0.3 0.6\n1 0.2 0.17 0.1 0.1\n";
    std::fs::write(d.join("labels/train/a.txt"), person_and_head).unwrap();
    // The copy lost the person and gained a dog.
    std::fs::write(
        d.join("labels/train/a_noise1.txt"),
        "1 0.2 0.17 0.1 0.1\n2 0.7 0.7 0.2 0.2\n",
    )
    .unwrap();
    std::fs::write(d.join("labels/train/b.txt"), person_and_head).unwrap();
    std::fs::write(d.join("labels/train/c_noise1.txt"), person_and_head).unwrap();
    std::fs::write(
        d.join("labelkit.toml"),
        format!(
            "[plugins.augmented-copies]\npath = {:?}\nrequire-copies = true\n",
            augmented_copies_library().display().to_string()
        ),
    )
    .unwrap();
    let args = ["--config", "labelkit.toml", "--select", "CPY"];
    let run = |files: &[&str]| {
        let o = hook_with(&args, files, d);
        assert_eq!(o.status.code(), Some(1), "{files:?}: {}", stderr(&o));
        stdout(&o).lines().map(str::to_owned).collect::<Vec<_>>()
    };
    let missing = "CPY001 `person` box at [10, 10, 30, 60] of the original `images/train/a.png` (annotation 1) is missing in this copy";
    let extra = "CPY002 `dog` box at [60, 60, 20, 20] is not in the original `images/train/a.png`";
    // The copy changed: compared with its original on disk.
    assert_eq!(
        run(&["labels/train/a_noise1.txt"]),
        [
            format!("labels/train/a_noise1.txt:1:1: {missing}"),
            format!("labels/train/a_noise1.txt:2:1: {extra}"),
        ]
    );
    // The original changed: compared with its copy on disk; the findings
    // stay on the checked file and name the copy.
    assert_eq!(
        run(&["labels/train/a.txt"]),
        [
            "labels/train/a.txt:1:1: CPY001 copy `images/train/a_noise1.png`: `person` box at [10, 10, 30, 60] of the original `images/train/a.png` (annotation 1) is missing in this copy",
            "labels/train/a.txt:1:1: CPY002 copy `images/train/a_noise1.png`: `dog` box at [60, 60, 20, 20] is not in the original `images/train/a.png`",
        ]
    );
    let no_copy = "labels/train/b.txt:1:1: CPY006 `images/train/b.png` has no copy (patterns: {name}_noise{n}.{ext})";
    let no_original = "labels/train/c_noise1.txt:1:1: CPY005 copy of `images/train/c.png`, which is neither checked nor beside it";
    assert_eq!(run(&["labels/train/b.txt"]), [no_copy]);
    assert_eq!(run(&["labels/train/c_noise1.txt"]), [no_original]);
    // The whole dataset: the same findings about the copy, the original
    // without a copy and the copy without an original.
    let o = labelkit(
        &[
            "check",
            ".",
            "--output-format",
            "concise",
            "--config",
            "labelkit.toml",
            "--select",
            "CPY",
        ],
        d,
    );
    assert_eq!(
        stdout(&o).lines().collect::<Vec<_>>(),
        [
            format!("labels/train/a_noise1.txt:1:1: {missing}").as_str(),
            format!("labels/train/a_noise1.txt:2:1: {extra}").as_str(),
            no_copy,
            no_original,
        ],
        "{}",
        stderr(&o)
    );
}

/// A data.yaml checked alone is read as its dataset's description: one
/// without `train:` is refused as the dataset check refuses it (exit 2, the
/// same error at the same place); `nc` disagreeing with `names` is an error
/// at the `nc:` line; and one line says what was done with it.
#[test]
fn a_data_yaml_alone_is_checked_as_its_dataset_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    yolo_dataset(d, "0 0.5 0.5 0.4 0.6\n");
    std::fs::write(
        d.join("data.yaml"),
        "val: images/train\nnames: {0: person}\n",
    )
    .unwrap();
    let refused = "data.yaml:1:1: `train:` key missing: Ultralytics requires `train` and `val` in every data.yaml";
    let o = hook(&["data.yaml"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with(&format!("labelkit: error: {refused}")),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("all checks passed"), "{}", stderr(&o));
    // The dataset check says the same, and so does the hook given only a
    // label file of that dataset.
    let whole = labelkit(&["check", "."], d);
    assert_eq!(whole.status.code(), Some(2));
    assert!(stderr(&whole).contains(refused), "{}", stderr(&whole));
    let one = hook(&["labels/train/a.txt"], d);
    assert_eq!(one.status.code(), Some(2), "{}", stderr(&one));
    assert!(stderr(&one).contains(refused), "{}", stderr(&one));
    assert!(
        !stderr(&one).contains("all checks passed"),
        "{}",
        stderr(&one)
    );

    std::fs::write(
        d.join("data.yaml"),
        "train: images/train\nval: images/train\nnc: 3\nnames: [person, car]\n",
    )
    .unwrap();
    let nc = "data.yaml:3:1: F002 `nc: 3` but `names` declares 2 classes: Ultralytics refuses a data.yaml whose `nc` and `names` disagree";
    let o = hook(&["data.yaml"], d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{nc}\n"));
    assert_eq!(
        stderr(&o).lines().next(),
        Some("labelkit: checked data.yaml as the description of its dataset (2 classes, 1 label file read against it)"),
        "{}",
        stderr(&o)
    );
    // Everywhere: the label file's check and the whole dataset.
    let o = hook(&["labels/train/a.txt"], d);
    assert_eq!(stdout(&o), format!("{nc}\n"));
    let whole = labelkit(&["check", ".", "--output-format", "concise"], d);
    assert!(
        stdout(&whole).lines().any(|l| l == format!("./{nc}")),
        "{}",
        stdout(&whole)
    );
}

/// A changed class list checks the dataset's label files against it: a
/// row whose class it no longer declares is an error at the row, a name
/// declared twice an error at its second line (obj.names and data.yaml).
#[test]
fn a_changed_class_list_reports_the_label_files_it_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let dk = dir.path();
    std::fs::create_dir_all(dk.join("obj_train_data")).unwrap();
    std::fs::write(
        dk.join("obj.data"),
        "classes = 3\ntrain = data/train.txt\nnames = obj.names\n",
    )
    .unwrap();
    std::fs::write(dk.join("obj.names"), "person\ncar\nperson\n\n").unwrap();
    std::fs::write(dk.join("obj_train_data/a.png"), png(100, 100)).unwrap();
    std::fs::write(
        dk.join("obj_train_data/a.txt"),
        "1 0.5 0.5 0.4 0.6\n12 0.5 0.5 0.2 0.2\n",
    )
    .unwrap();
    std::fs::write(dk.join("obj_train_data/b.png"), png(100, 100)).unwrap();
    std::fs::write(dk.join("obj_train_data/b.txt"), "0 0.5 0.5 0.4 0.6\n").unwrap();
    let expected = [
        "./obj.names:3:1: F005 class name `person` is declared twice: ids 0 and 2",
        "./obj_train_data/a.txt:2:1: F003 class id 12 is not in `names` (3 classes)",
    ];
    for changed in ["obj.names", "obj.data"] {
        let o = hook(&[changed], dk);
        assert_eq!(o.status.code(), Some(1), "{changed}: {}", stderr(&o));
        assert_eq!(
            stdout(&o).lines().collect::<Vec<_>>(),
            expected,
            "{changed}"
        );
        assert!(
            stderr(&o).contains(&format!(
                "labelkit: checked {changed} as the description of its dataset (3 classes, 2 label files read against it)"
            )),
            "{}",
            stderr(&o)
        );
    }

    let d = dir.path().join("u");
    yolo_dataset(&d, "0 0.5 0.5 0.4 0.6\n3 0.5 0.5 0.2 0.2\n");
    std::fs::write(
        d.join("data.yaml"),
        "train: images/train\nval: images/train\nnames:\n  - person\n  - head\n  - person\n",
    )
    .unwrap();
    let o = hook(&["data.yaml"], &d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).lines().collect::<Vec<_>>(),
        [
            "data.yaml:6:5: F005 class name `person` is declared twice: ids 0 and 2",
            "labels/train/a.txt:2:1: F003 class id 3 is not in `names` (3 classes)",
        ]
    );
}

/// A COCO file written on one line (as `json.dump` writes it) after a merge
/// conflict: an error at the marker, never a skip as XML; the same in CVAT
/// XML, a YOLO label file and a data.yaml.
#[test]
fn merge_conflict_markers_are_errors_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let coco = "{\"images\": [], \"annotations\": [], \"categories\": []}";
    std::fs::write(
        d.join("conflict.json"),
        format!("<<<<<<< HEAD\n{coco}\n=======\n{coco}\n>>>>>>> feature\n"),
    )
    .unwrap();
    let o = hook(&["conflict.json"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "labelkit: error: conflict.json:1:1: git merge conflict marker `<<<<<<<`: the file is in the middle of a merge; resolve the conflict (keep one side) before it can be read\n"
    );
    // Further down a pretty-printed file: at the marker, not at the JSON
    // error it causes.
    std::fs::write(
        d.join("pretty.json"),
        "{\n  \"images\": [],\n<<<<<<< HEAD\n  \"annotations\": [],\n=======\n  \"annotations\": [ ],\n>>>>>>> b\n  \"categories\": []\n}\n",
    )
    .unwrap();
    let o = hook(&["pretty.json"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .starts_with("labelkit: error: pretty.json:3:1: git merge conflict marker `<<<<<<<`"),
        "{}",
        stderr(&o)
    );
    // A `.json` file is never XML.
    std::fs::write(d.join("page.json"), "<annotations></annotations>\n").unwrap();
    let o = hook(&["page.json"], d);
    assert_eq!(
        stderr(&o).lines().next(),
        Some("labelkit: skipped page.json: a .json file that is not JSON (it starts with `<`)")
    );
    let cvat = "<annotations><version>1.1</version></annotations>";
    std::fs::write(
        d.join("cvat.xml"),
        format!("<?xml version=\"1.0\"?>\n<<<<<<< HEAD\n{cvat}\n=======\n{cvat}\n>>>>>>> b\n"),
    )
    .unwrap();
    let o = hook(&["cvat.xml"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .starts_with("labelkit: error: cvat.xml:2:1: git merge conflict marker `<<<<<<<`"),
        "{}",
        stderr(&o)
    );

    let ds = d.join("ds");
    yolo_dataset(
        &ds,
        "<<<<<<< HEAD\n0 0.5 0.5 0.4 0.6\n=======\n1 0.5 0.5 0.4 0.6\n>>>>>>> b\n",
    );
    let o = hook(&["labels/train/a.txt"], &ds);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).lines().collect::<Vec<_>>(),
        [
            "labels/train/a.txt:1:1: F001 git merge conflict marker `<<<<<<<`: resolve the conflict (keep one side)",
            "labels/train/a.txt:3:1: F001 git merge conflict marker `=======`: resolve the conflict (keep one side)",
            "labels/train/a.txt:5:1: F001 git merge conflict marker `>>>>>>>`: resolve the conflict (keep one side)",
        ]
    );
    std::fs::write(
        ds.join("data.yaml"),
        "train: images/train\n<<<<<<< HEAD\nnames: [person]\n=======\nnames: [person, head]\n>>>>>>> b\n",
    )
    .unwrap();
    let o = hook(&["data.yaml"], &ds);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .starts_with("labelkit: error: data.yaml:2:1: git merge conflict marker `<<<<<<<`"),
        "{}",
        stderr(&o)
    );
}

/// LabelImg writes its YOLO class list `classes.txt` into the folder of the
/// label files: it is read as a class list (a name twice is an error at its
/// line), never as the label file of an image `classes.jpg`.
#[test]
fn labelimg_classes_txt_is_a_class_list() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    yolo_dataset(d, "0 0.5 0.5 0.4 0.6\n");
    std::fs::write(d.join("labels/train/classes.txt"), "person\nhead\n").unwrap();
    let o = hook(&["labels/train/classes.txt"], d);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o).lines().collect::<Vec<_>>(),
        [
            "labelkit: checked labels/train/classes.txt as the description of its dataset (2 classes, 1 label file read against it)",
            "labelkit: all checks passed",
        ]
    );
    let whole = labelkit(&["check", ".", "--output-format", "concise"], d);
    assert_eq!(whole.status.code(), Some(0), "{}", stdout(&whole));
    assert!(!stdout(&whole).contains("classes"), "{}", stdout(&whole));
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("out.json");
    let conv = labelkit(
        &["convert", ".", "--to", "coco", "-o", out.to_str().unwrap()],
        d,
    );
    assert_eq!(conv.status.code(), Some(0), "{}", stderr(&conv));
    let coco: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(coco["images"].as_array().unwrap().len(), 1);

    std::fs::write(d.join("labels/train/classes.txt"), "person\nhead\nperson\n").unwrap();
    let o = hook(&["labels/train/classes.txt"], d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "labels/train/classes.txt:3:1: F005 class name `person` is declared twice: ids 0 and 2\n"
    );
}

/// A configuration name that resolves to no class, or to two, is D008 at
/// the name in labelkit.toml, also when the hook checks a label file
/// alone; A003 of a group one of whose names matched two classes says so.
#[test]
fn configuration_names_that_do_not_resolve_point_at_labelkit_toml() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    configured_dataset(
        d,
        "train: images/train\nval: images/train\nnames: [Face, Eyes, hand, hand-left, HAND_LEFT, hand_right]\n",
        "select = [\"A003\", \"D008\"]\n\n[schema.parts]\neye = \"face\"\n\n[[schema.companions]]\nobject = \"hand\"\none-of = [\"hand_left\", \"hand_right\"]\n",
        "2 0.5 0.5 0.4 0.4\n",
    );
    let expected = [
        "labelkit.toml:4:1: D008 configuration name `eye` matches no class of the dataset; closest: `Eyes`",
        "labelkit.toml:8:11: D008 configuration name `hand_left` matches 2 classes of the dataset: `hand-left`, `HAND_LEFT`; it is used for none",
        "labels/train/a.txt:1:1: A003 `hand` has none of `hand_right` (`hand_left` of the configuration matches several classes and stands for none: see D008)",
    ];
    let o = hook(&["labels/train/a.txt"], d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().collect::<Vec<_>>(), expected);
    let whole = labelkit(&["check", ".", "--output-format", "concise"], d);
    let whole_out = stdout(&whole);
    assert_eq!(
        whole_out.lines().collect::<Vec<_>>(),
        expected,
        "{whole_out}"
    );
}
