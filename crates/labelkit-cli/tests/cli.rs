//! End-to-end tests of the `labelkit` binary: exit codes, output lines,
//! conversions through the command line, broken pipes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod conversions;
mod diff;
mod images;
mod rule_alarms;
mod stats;
mod trusted;
mod video;
mod yolo_copy;

mod hook;

const BIN: &str = env!("CARGO_BIN_EXE_labelkit");

/// The repository root: the nearest folder above this package holding the
/// example dataset (the package may live in `crates/labelkit-cli` or at the
/// root).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|d| d.join("examples/person-dataset").is_dir())
        .expect("the repository root")
        .to_path_buf()
}

fn labelkit(args: &[&str], cwd: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("labelkit runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A valid PNG header (signature and IHDR) of the given size.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}

/// A one-image Ultralytics dataset of 100x100 px with the given rows.
fn yolo_dataset(dir: &Path, rows: &str) {
    std::fs::create_dir_all(dir.join("images/train")).unwrap();
    std::fs::create_dir_all(dir.join("labels/train")).unwrap();
    std::fs::write(
        dir.join("data.yaml"),
        "path: .\ntrain: images/train\nnames:\n  0: person\n  1: head\n",
    )
    .unwrap();
    std::fs::write(dir.join("images/train/a.png"), png(100, 100)).unwrap();
    std::fs::write(dir.join("labels/train/a.txt"), rows).unwrap();
}

#[test]
fn check_example_dataset_reports_its_mistakes_with_positions() {
    let root = repo_root();
    let o = labelkit(
        &[
            "check",
            "examples/person-dataset",
            "--output-format",
            "concise",
        ],
        &root,
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{}", stderr(&o));
    // The 2x2 px eye is row 8 of img002.txt.
    assert!(
        out.lines()
            .any(|l| l.starts_with("examples/person-dataset/labels/train/img002.txt:8:1: G001 ")),
        "{out}"
    );
    // Nothing is reported against the clean image.
    assert!(!out.contains("img001.txt"), "{out}");
}

#[test]
fn check_single_label_file_walks_up_to_its_dataset() {
    let dir = tempfile::tempdir().unwrap();
    // Row 2 is a 2x2 px box.
    yolo_dataset(dir.path(), "0 0.5 0.5 0.4 0.6\n0 0.5 0.5 0.02 0.02\n");
    let o = labelkit(
        &["check", "labels/train/a.txt", "--output-format", "concise"],
        dir.path(),
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{}", stderr(&o));
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("labels/train/a.txt:2:1: G001 ")),
        "{out}"
    );
    assert!(!out.contains("a.txt:1:"), "{out}");

    // From inside the labels folder: the dataset is found above the
    // working folder, and its class names are used.
    let o = labelkit(
        &["check", "a.txt", "--output-format", "concise"],
        &dir.path().join("labels/train"),
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{}", stderr(&o));
    assert!(
        out.lines()
            .any(|l| l.starts_with("a.txt:2:1: G001 ") && l.contains("`person` is 2x2 px")),
        "{out}"
    );
}

/// With `--skip-other-files` (the hook's flag; without it, naming a file
/// that is not an annotation file is an error, see `hook.rs`).
#[test]
fn check_clean_dataset_exits_0_and_skips_non_annotation_files() {
    let dir = tempfile::tempdir().unwrap();
    yolo_dataset(dir.path(), "0 0.5 0.5 0.4 0.6\n1 0.5 0.3 0.1 0.1\n");
    std::fs::write(dir.path().join("README.txt"), "A dataset of people.\n").unwrap();
    std::fs::write(dir.path().join("package.json"), "{\"name\": \"x\"}\n").unwrap();
    let o = labelkit(
        &[
            "check",
            "--skip-other-files",
            "labels/train/a.txt",
            "README.txt",
            "package.json",
            "--output-format",
            "concise",
            "--ignore",
            "A",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("skipped README.txt"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("skipped package.json"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_exit_2_on_usage_and_io_failures() {
    let dir = tempfile::tempdir().unwrap();
    let o = labelkit(&["check", "does-not-exist"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does-not-exist"), "{}", stderr(&o));
    let o = labelkit(&["check", "--output-format", "xml", "."], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let o = labelkit(&["check", "--help"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("Exit codes:"), "{}", stdout(&o));
}

#[test]
fn convert_coco_to_yolo_and_back_keeps_boxes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.png"), png(200, 100)).unwrap();
    std::fs::write(
        d.join("in.json"),
        r#"{"images": [{"id": 7, "file_name": "a.png", "width": 200, "height": 100}],
            "categories": [{"id": 3, "name": "person"}, {"id": 9, "name": "head"}],
            "annotations": [
              {"id": 1, "image_id": 7, "category_id": 3, "bbox": [20, 10, 40, 80], "area": 3200, "iscrowd": 0},
              {"id": 2, "image_id": 7, "category_id": 9, "bbox": [30, 10, 10, 10], "area": 100, "iscrowd": 0}
            ]}"#,
    )
    .unwrap();
    let o = labelkit(
        &[
            "convert", "in.json", "--to", "yolo", "-o", "yolo", "--images", "copy",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("wrote 1 images, 2 annotations"),
        "{}",
        stderr(&o)
    );
    let label = std::fs::read_to_string(d.join("yolo/labels/a.txt"))
        .or_else(|_| std::fs::read_to_string(d.join("yolo/labels/train/a.txt")))
        .expect("a label file for a.png");
    assert_eq!(label, "0 0.2 0.5 0.2 0.8\n1 0.175 0.15 0.05 0.1\n");

    let o = labelkit(&["convert", "yolo", "--to", "coco", "-o", "back.json"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let back = std::fs::read_to_string(d.join("back.json")).unwrap();
    let compact: String = back.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(compact.contains("\"bbox\":[20,10,40,80]"), "{back}");
    assert!(compact.contains("\"bbox\":[30,10,10,10]"), "{back}");
    assert!(compact.contains("\"name\":\"person\""), "{back}");
    assert!(compact.contains("\"name\":\"head\""), "{back}");
}

#[test]
fn convert_with_task_detect_writes_one_box_row_per_coco_annotation() {
    let input = repo_root().join("tests/corpus/mmpose/tests/data/coco/test_coco.json");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = input.to_str().unwrap();
    let o = labelkit(
        &[
            "convert", input, "--to", "yolo", "--task", "detect", "-o", "det",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("wrote 4 images, 14 annotations"), "{err}");
    // Each annotation is a polygon (with its stated bbox) and keypoints:
    // the row is the stated bbox, as Ultralytics' COCO converter writes it.
    assert!(err.contains("14 x polygons written as boxes"), "{err}");
    assert!(
        err.contains("14 x keypoints (not held by detect rows)"),
        "{err}"
    );
    let yaml = std::fs::read_to_string(d.join("det/data.yaml")).unwrap();
    assert!(yaml.contains("task: detect"), "{yaml}");
    assert!(!yaml.contains("kpt_shape"), "{yaml}");
    // bbox [280.79, 44.73, 218.7, 346.68] on the 640 x 425 image.
    let first = std::fs::read_to_string(d.join("det/labels/train/000000000785.txt")).unwrap();
    assert_eq!(first, "0 0.60959375 0.513105882 0.34171875 0.815717647\n");
    // 14 annotations: 14 rows of a class and 4 numbers.
    let mut rows = Vec::new();
    for e in std::fs::read_dir(d.join("det/labels/train")).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        rows.extend(text.lines().map(str::to_owned));
    }
    assert_eq!(rows.len(), 14, "{rows:?}");
    for row in &rows {
        let values: Vec<f64> = row.split(' ').map(|v| v.parse().unwrap()).collect();
        assert_eq!(values.len(), 5, "{row}");
        assert_eq!(values[0], 0.0, "{row}");
    }

    // Without --task, keypoints make pose rows: 4 + 17 x 3 values.
    let o = labelkit(&["convert", input, "--to", "yolo", "-o", "pose"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let yaml = std::fs::read_to_string(d.join("pose/data.yaml")).unwrap();
    assert!(yaml.contains("task: pose"), "{yaml}");

    // --task is refused for other targets.
    let o = labelkit(
        &[
            "convert", input, "--to", "coco", "--task", "detect", "-o", "x.json",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--task applies to YOLO output only"));
    assert!(!d.join("x.json").exists());
}

#[test]
fn convert_refuses_to_overwrite_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{\"images\": [], \"annotations\": [], \"categories\": []}";
    std::fs::write(dir.path().join("in.json"), text).unwrap();
    let o = labelkit(
        &["convert", "in.json", "--to", "coco", "-o", "in.json"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("would overwrite the input"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("in.json")).unwrap(),
        text
    );
    let o = labelkit(
        &["convert", "in.json", "--to", "voc", "-o", "x"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown format \"voc\""),
        "{}",
        stderr(&o)
    );
}

#[test]
fn rules_table_and_rule_documentation() {
    let dir = tempfile::tempdir().unwrap();
    let o = labelkit(&["rules"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["CODE", "NAME", "FAMILY", "SEVERITY", "STATUS"]);
    let g001: Vec<&str> = out
        .lines()
        .find(|l| l.starts_with("G001 "))
        .expect("G001 listed")
        .split_whitespace()
        .collect();
    assert_eq!(g001[..2], ["G001", "box-too-small"]);
    assert_eq!(g001[3..], ["error", "stable"]);

    let o = labelkit(&["rule", "G001"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    let doc = stdout(&o);
    assert!(doc.starts_with("G001 box-too-small ("), "{doc}");
    for heading in ["## What it does", "## Why it matters", "## How to fix"] {
        assert!(doc.contains(heading), "{doc}");
    }
    let o = labelkit(&["rule", "box-too-small"], dir.path());
    assert_eq!(stdout(&o), doc);
    // The options come from the rule's declarations: a `labelkit.toml`
    // example with the defaults, then name, type, default and doc.
    assert!(
        doc.contains(
            "## Options\n```toml\n[rules.box-too-small]\nmin-width = 3.0\nmin-height = 3.0\n```\n"
        ),
        "{doc}"
    );
    assert!(
        doc.contains("| `min-width` | number | `3.0` | pixels: a narrower shape is flagged |"),
        "{doc}"
    );
    let o = labelkit(&["rule", "G004"], dir.path());
    assert!(
        stdout(&o).contains("| `width` | number | `box-too-small.min-width` | pixels: the width of a template box |"),
        "{}",
        stdout(&o)
    );
    let o = labelkit(&["rule", "Z999"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown rule"), "{}", stderr(&o));
}

#[test]
fn broken_pipe_exits_quietly() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["rules"][..], &["formats"][..]] {
        let mut child = Command::new(BIN)
            .args(args)
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end at once, as `| head -0` would.
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}

#[test]
fn formats_lists_what_each_format_holds() {
    let dir = tempfile::tempdir().unwrap();
    let o = labelkit(&["formats"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let tracks: Vec<&str> = out
        .lines()
        .find(|l| l.starts_with("tracks "))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(tracks, ["tracks", "partly", "yes", "no", "no", "no"]);
    assert!(out.contains("yolo, ultralytics"), "{out}");
}

#[test]
fn init_writes_a_preset_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let o = labelkit(&["init", "--preset", "whole-body"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(dir.path().join("labelkit.toml")).unwrap();
    assert!(text.contains("[schema"), "{text}");
    let o = labelkit(&["init", "--preset", "whole-body"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("refusing to overwrite"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("labelkit.toml")).unwrap(),
        text
    );
    let o = labelkit(
        &["init", "--preset", "nope", "--output", "x.toml"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("x.toml").exists());
}

#[test]
fn a_plugin_that_cannot_be_loaded_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    yolo_dataset(dir.path(), "0 0.5 0.5 0.4 0.6\n");
    let o = labelkit(&["check", ".", "--plugin", "libmissing.so"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("libmissing.so"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

// ------------------------------------------------------------- plugins

/// Builds `plugins/augmented-copies` once, into the scratch target folder the
/// plugin host's tests use too (cargo's lock keeps the two apart).
fn augmented_copies_library() -> PathBuf {
    let root = repo_root();
    let target = root.join("target/plugin-test/cargo");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--quiet", "-p", "augmented-copies", "--lib"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo runs");
    assert!(out.status.success(), "{}", stderr(&out));
    target.join("debug").join(format!(
        "{}augmented_copies{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ))
}

/// Compiles `plugins/c-example` with the system C compiler.
fn c_example_library(dir: &Path) -> PathBuf {
    let root = repo_root();
    let lib = dir.join(format!(
        "{}c_example{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let out = Command::new(std::env::var_os("CC").unwrap_or_else(|| "cc".into()))
        .args(["-shared", "-fPIC", "-o"])
        .arg(&lib)
        .arg(root.join("plugins/c-example/c_example.c"))
        .arg("-I")
        .arg(root.join("crates/labelkit-plugin-abi/include"))
        .output()
        .expect("cc runs");
    assert!(out.status.success(), "{}", stderr(&out));
    lib
}

#[test]
fn check_runs_plugins_named_in_the_config_and_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("copies");
    std::fs::create_dir_all(data.join("images/train")).unwrap();
    std::fs::create_dir_all(data.join("labels/train")).unwrap();
    std::fs::write(
        data.join("data.yaml"),
        "path: .\ntrain: images/train\nnames:\n  0: person\n  1: head\n  2: dog\n",
    )
    .unwrap();
    for (name, w) in [("street", 100), ("street_noise1", 100), ("tiny", 16)] {
        std::fs::write(data.join(format!("images/train/{name}.png")), png(w, w)).unwrap();
    }
    // The original: a person and a head.
    std::fs::write(
        data.join("labels/train/street.txt"),
        "0 0.25 0.4 0.3 0.6\n1 0.2 0.17 0.1 0.1\n",
    )
    .unwrap();
    // Its noise copy lost the person and gained a dog.
    std::fs::write(
        data.join("labels/train/street_noise1.txt"),
        "1 0.2 0.17 0.1 0.1\n2 0.7 0.7 0.2 0.2\n",
    )
    .unwrap();
    // A 16x16 image with a box 10 times wider than high (for the C plugin).
    std::fs::write(data.join("labels/train/tiny.txt"), "0 0.5 0.5 1 0.0625\n").unwrap();
    let rust_lib = augmented_copies_library();
    std::fs::write(
        data.join("labelkit.toml"),
        format!(
            "[plugins.augmented-copies]\npath = {:?}\n",
            rust_lib.display().to_string()
        ),
    )
    .unwrap();
    let c_lib = c_example_library(dir.path());

    let out = labelkit(
        &[
            "check",
            "copies",
            "--output-format",
            "concise",
            "--select",
            "CPY,CEX",
            "--plugin",
            c_lib.to_str().unwrap(),
            // Named, so trusted: a discovered one would need `labelkit trust`.
            "--config",
            "copies/labelkit.toml",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    assert_eq!(
        lines,
        [
            "copies/labels/train/street_noise1.txt:1:1: CPY001 `person` box at [10, 10, 30, 60] of the original `images/train/street.png` (annotation 1) is missing in this copy",
            "copies/labels/train/street_noise1.txt:2:1: CPY002 `dog` box at [60, 60, 20, 20] is not in the original `images/train/street.png`",
            "copies/labels/train/tiny.txt:1:1: CEX001 image is 16x16, smaller than 32 pixels",
            "copies/labels/train/tiny.txt:1:1: CEX002 box is 16x1, a side ratio above 10",
        ],
        "{}",
        stderr(&out)
    );

    // The plugin rules are listed and documented like built-in ones.
    let out = labelkit(
        &[
            "rule",
            "CPY002",
            "--plugin",
            c_lib.to_str().unwrap(),
            "--config",
            "labelkit.toml",
        ],
        &data,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("copy-box-extra"), "{}", stdout(&out));
    let out = labelkit(
        &[
            "rules",
            "--plugin",
            c_lib.to_str().unwrap(),
            "--config",
            "labelkit.toml",
        ],
        &data,
    );
    let table = stdout(&out);
    assert!(
        table.contains("CEX002") && table.contains("flat-box"),
        "{table}"
    );
}

#[test]
fn convert_to_yolo_follows_a_class_file_by_name() {
    let root = repo_root();
    let input =
        root.join("tests/corpus/dagshub-annotation-converter/tests/coco/res/annotations.json");
    let dir = tempfile::tempdir().unwrap();
    // The file declares cat (1) and dog (2); the class file puts dog first.
    std::fs::write(dir.path().join("classes.txt"), "dog\ncat\n").unwrap();
    let out = labelkit(
        &[
            "convert",
            input.to_str().unwrap(),
            "--to",
            "yolo",
            "--task",
            "detect",
            "--classes",
            "classes.txt",
            "-o",
            "swapped",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let yaml = std::fs::read_to_string(dir.path().join("swapped/data.yaml")).unwrap();
    assert!(yaml.contains("0: dog") && yaml.contains("1: cat"), "{yaml}");
    // Annotation 10 (a cat at [10, 20, 30, 40] on 100x80) is class 1 now,
    // annotation 11 (a dog at [5, 10, 10, 20]) class 0.
    let rows = std::fs::read_to_string(dir.path().join("swapped/labels/train/a.txt")).unwrap();
    let rows: Vec<&str> = rows.lines().collect();
    assert_eq!(rows, ["1 0.25 0.5 0.3 0.5", "0 0.1 0.25 0.1 0.25"]);

    // A label missing from the class file is left out, and said so.
    std::fs::write(dir.path().join("dogs.txt"), "dog\n").unwrap();
    let out = labelkit(
        &[
            "convert",
            input.to_str().unwrap(),
            "--to",
            "yolo",
            "--task",
            "detect",
            "--classes",
            "dogs.txt",
            "-o",
            "dogs",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = stderr(&out);
    assert!(report.contains("class map"), "{report}");
    let rows = std::fs::read_to_string(dir.path().join("dogs/labels/train/a.txt")).unwrap();
    assert_eq!(rows.lines().collect::<Vec<_>>(), ["0 0.1 0.25 0.1 0.25"]);

    // Only for YOLO.
    let out = labelkit(
        &[
            "convert",
            input.to_str().unwrap(),
            "--to",
            "coco",
            "--classes",
            "dogs.txt",
            "-o",
            "x.json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn convert_applies_a_label_map() {
    let root = repo_root();
    let input =
        root.join("tests/corpus/dagshub-annotation-converter/tests/coco/res/annotations.json");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("merge.txt"), "dog = animal\ncat = animal\n").unwrap();
    let out = labelkit(
        &[
            "convert",
            input.to_str().unwrap(),
            "--to",
            "yolo",
            "--task",
            "detect",
            "--label-map",
            "merge.txt",
            "-o",
            "merged",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let yaml = std::fs::read_to_string(dir.path().join("merged/data.yaml")).unwrap();
    assert!(yaml.contains("0: animal") && !yaml.contains("1:"), "{yaml}");
    let rows = std::fs::read_to_string(dir.path().join("merged/labels/train/a.txt")).unwrap();
    assert_eq!(
        rows.lines().collect::<Vec<_>>(),
        ["0 0.25 0.5 0.3 0.5", "0 0.1 0.25 0.1 0.25"]
    );

    // Dropping is counted; a name the dataset lacks is an error with its line.
    std::fs::write(dir.path().join("drop.txt"), "cat = -\n").unwrap();
    let out = labelkit(
        &[
            "convert",
            input.to_str().unwrap(),
            "--to",
            "coco",
            "--label-map",
            "drop.txt",
            "-o",
            "dogs.json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("x annotations dropped by the label map"),
        "{}",
        stderr(&out)
    );
    let json = std::fs::read_to_string(dir.path().join("dogs.json")).unwrap();
    assert!(
        !json.contains("\"cat\"") && json.contains("\"dog\""),
        "{json}"
    );

    std::fs::write(dir.path().join("typo.txt"), "# animals\ndgo = animal\n").unwrap();
    let out = labelkit(
        &[
            "convert",
            input.to_str().unwrap(),
            "--to",
            "coco",
            "--label-map",
            "typo.txt",
            "-o",
            "x.json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("typo.txt:2: the label map names `dgo`, which the dataset does not declare"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("x.json").exists());
}

// ------------------------------------------------------- plugin trust
//
// A `labelkit.toml` found by walking up may come with a dataset from a
// stranger: its plugins (native code) are loaded only with `--config`, or
// after `labelkit trust`. The plugin here is the host's faulty-plugin fixture
// built with a constructor that creates a marker file as soon as the library
// is loaded, before any ABI check, so the tests see whether it was loaded at
// all.

/// labelkit with `args` in `cwd`, keeping its trust list in `trust_file`.
fn with_trust_list(args: &[&str], cwd: &Path, trust_file: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(cwd)
        .env("LABELKIT_TRUST_FILE", trust_file)
        .env_remove("NO_COLOR");
    cmd
}

/// Compiles the marking plugin into `dir`; `None` (with a note) when there
/// is no C compiler.
fn marking_plugin(dir: &Path) -> Option<PathBuf> {
    let cc = std::env::var_os("CC").unwrap_or_else(|| "cc".into());
    if Command::new(&cc).arg("--version").output().is_err() {
        println!("note: no C compiler ({cc:?}): plugin trust tests skipped");
        return None;
    }
    let root = repo_root();
    std::fs::create_dir_all(dir).unwrap();
    let lib = dir.join(format!(
        "{}marker{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let mut cmd = Command::new(&cc);
    cmd.args(["-shared", "-fPIC", "-DFAULT_NONE", "-DMARK_LOAD", "-o"])
        .arg(&lib)
        .arg(root.join("crates/labelkit-plugin-host/tests/fixtures/faulty_plugin.c"))
        .arg("-I")
        .arg(root.join("crates/labelkit-plugin-abi/include"));
    let out = cmd.output().expect("cc runs");
    assert!(out.status.success(), "{}", stderr(&out));
    Some(lib)
}

/// A dataset `ds` under `dir` carrying the marking plugin and a
/// labelkit.toml naming it; the trust list and the marker live beside it.
struct Planted {
    dir: tempfile::TempDir,
    /// The library, canonical.
    lib: PathBuf,
    /// The configuration, canonical.
    config: PathBuf,
}

impl Planted {
    fn new() -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let ds = dir.path().join("ds");
        yolo_dataset(&ds, "0 0.5 0.5 0.4 0.6\n");
        let lib = marking_plugin(&ds.join(".plugin"))?;
        let name = lib.file_name().unwrap().to_str().unwrap().to_owned();
        std::fs::write(
            ds.join("labelkit.toml"),
            format!("[plugins.faulty]\npath = \".plugin/{name}\"\n"),
        )
        .unwrap();
        Some(Self {
            lib: std::fs::canonicalize(&lib).unwrap(),
            config: std::fs::canonicalize(ds.join("labelkit.toml")).unwrap(),
            dir,
        })
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn marker(&self) -> PathBuf {
        self.root().join("loaded.marker")
    }

    /// Runs labelkit in `cwd` with this dataset's trust list and marker;
    /// removes the marker first.
    fn run(&self, args: &[&str], cwd: &Path) -> Output {
        let _ = std::fs::remove_file(self.marker());
        let mut cmd = with_trust_list(args, cwd, &self.root().join("trusted.toml"));
        cmd.env("LABELKIT_TEST_MARKER", self.marker());
        cmd.output().expect("labelkit runs")
    }

    /// Asserts that the run was refused before the library was loaded.
    fn assert_refused(&self, o: &Output, from: &str, reason: &str) {
        let err = stderr(o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(!self.marker().exists(), "the plugin was loaded: {err}");
        assert_eq!(stdout(o), "");
        let config = self.config.display();
        assert_eq!(
            err,
            format!(
                "labelkit: error: refusing to load the plugins of {config} (found by walking up \
                 from {from}): {reason}, and a plugin is native code that runs with your rights\n  \
                 plugin `faulty`: {}{}\nIf you trust this file and these libraries, run `labelkit \
                 trust {config}` (again after any change), or pass `--config {config}`; `--plugin \
                 PATH` loads one library. Stopped before reading any data.\n",
                self.lib.display(),
                if reason.starts_with("a plugin library") {
                    " (changed since it was trusted)"
                } else {
                    ""
                }
            )
        );
    }

    /// Asserts that the plugin was loaded and ran (its rule flags the image).
    fn assert_loaded(&self, o: &Output) {
        assert!(self.marker().exists(), "not loaded: {}", stderr(o));
        assert_eq!(o.status.code(), Some(1), "{}", stderr(o));
        assert!(
            stdout(o).lines().any(|l| l.ends_with("BAD001 flagged")),
            "{}",
            stdout(o)
        );
    }
}

#[test]
fn a_discovered_config_loads_no_plugin_until_trusted() {
    let Some(p) = Planted::new() else { return };
    let root = p.root();
    let ds = root.join("ds");
    let untrusted = "it is not trusted";

    // The dataset, the hook's single label file, `rules` and `rule` inside it.
    let o = p.run(&["check", "ds", "--output-format", "concise"], root);
    p.assert_refused(&o, "ds", untrusted);
    let o = p.run(&["check", "ds/labels/train/a.txt"], root);
    p.assert_refused(&o, "ds/labels/train/a.txt", untrusted);
    let o = p.run(&["rules"], &ds);
    p.assert_refused(&o, ".", untrusted);
    let o = p.run(&["rule", "BAD001"], &ds.join("labels"));
    p.assert_refused(&o, ".", untrusted);
    // `--plugin` loads its own library but opts in to nothing else.
    let o = p.run(&["check", "ds", "--plugin", p.lib.to_str().unwrap()], root);
    p.assert_refused(&o, "ds", untrusted);

    // Trusted (by its folder), it is loaded, in every form.
    let o = p.run(&["trust", "ds"], root);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!p.marker().exists(), "trusting loads nothing");
    assert!(
        stderr(&o).starts_with(&format!(
            "labelkit: trusted {} (sha256 ",
            p.config.display()
        )),
        "{}",
        stderr(&o)
    );
    let o = p.run(&["check", "ds", "--output-format", "concise"], root);
    p.assert_loaded(&o);
    let o = p.run(
        &[
            "check",
            "ds/labels/train/a.txt",
            "--output-format",
            "concise",
        ],
        root,
    );
    p.assert_loaded(&o);
    let o = p.run(&["rules"], &ds);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("BAD001  faulty-rule"), "{}", stdout(&o));
    assert!(p.marker().exists());

    // A changed file needs trusting again.
    let mut text = std::fs::read_to_string(&p.config).unwrap();
    text.push_str("# changed\n");
    std::fs::write(&p.config, text).unwrap();
    let o = p.run(&["check", "ds/labels/train/a.txt"], root);
    p.assert_refused(
        &o,
        "ds/labels/train/a.txt",
        "it has changed since it was trusted",
    );
    // So does a changed library.
    let o = p.run(&["trust", "ds/labelkit.toml"], root);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut lib = std::fs::OpenOptions::new()
        .append(true)
        .open(&p.lib)
        .unwrap();
    std::io::Write::write_all(&mut lib, b"\0").unwrap();
    drop(lib);
    let o = p.run(&["check", "ds"], root);
    p.assert_refused(
        &o,
        "ds",
        "a plugin library has changed since it was trusted",
    );

    // An explicit --config is the user's choice: loaded without trust.
    let o = p.run(
        &[
            "check",
            "ds",
            "--config",
            "ds/labelkit.toml",
            "--output-format",
            "concise",
        ],
        root,
    );
    p.assert_loaded(&o);

    // Listed, then revoked.
    let o = p.run(&["trust", "--list"], root);
    assert_eq!(
        stdout(&o),
        format!(
            "{} (trusted)\n  plugin {} (changed since trusted)\n",
            p.config.display(),
            p.lib.display()
        )
    );
    let o = p.run(&["trust", "--revoke", "ds"], root);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!("labelkit: {} is no longer trusted\n", p.config.display())
    );
    assert_eq!(stdout(&p.run(&["trust", "--list"], root)), "");
    let o = p.run(&["check", "ds"], root);
    p.assert_refused(&o, "ds", untrusted);
}

#[test]
fn trust_refuses_a_path_without_a_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let o = with_trust_list(
        &["trust", "."],
        dir.path(),
        &dir.path().join("trusted.toml"),
    )
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "labelkit: error: ./labelkit.toml: no configuration file: expected a labelkit.toml or a folder holding one\n"
    );
    assert!(!dir.path().join("trusted.toml").exists());
}

#[test]
fn an_untrusted_config_without_plugins_still_applies() {
    let dir = tempfile::tempdir().unwrap();
    yolo_dataset(dir.path(), "0 0.5 0.5 0.4 0.6\n");
    // The `head` class is never used: D-rules would say so; the config
    // ignores them, and no trust is needed for that.
    let all = labelkit(&["check", ".", "--output-format", "concise"], dir.path());
    std::fs::write(dir.path().join("labelkit.toml"), "ignore = [\"D\"]\n").unwrap();
    let o = with_trust_list(
        &["check", ".", "--output-format", "concise"],
        dir.path(),
        &dir.path().join("trusted.toml"),
    )
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stdout(&o).contains(" D0"), "{}", stdout(&o));
    assert!(stdout(&all).contains(" D0"), "{}", stdout(&all));
}

#[test]
fn a_plugin_named_without_a_folder_is_the_file_in_the_current_folder() {
    let Some(p) = Planted::new() else { return };
    std::fs::remove_file(&p.config).unwrap();
    // `libmarker.so` alone must not send the dynamic loader searching its
    // library path: the file checked is the file loaded.
    let name = p.lib.file_name().unwrap().to_str().unwrap();
    let o = p.run(
        &[
            "check",
            "..",
            "--plugin",
            name,
            "--output-format",
            "concise",
        ],
        p.lib.parent().unwrap(),
    );
    p.assert_loaded(&o);
}

// ---------------------------------------------------------------------------
// What labelkit writes and where, on datasets from strangers: image sources,
// injected names, colliding outputs, outputs over or inside the input.

/// A COCO file naming `file_names` (one 100x100 image each, one box on the
/// first), in `dir/in.json`.
fn coco_naming(dir: &Path, file_names: &[&str]) {
    let images: Vec<String> = file_names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            format!(
                r#"{{"id": {}, "file_name": {n:?}, "width": 100, "height": 100}}"#,
                i + 1
            )
        })
        .collect();
    std::fs::write(
        dir.join("in.json"),
        format!(
            r#"{{"images": [{}], "categories": [{{"id": 1, "name": "cat"}}],
                "annotations": [{{"id": 1, "image_id": 1, "category_id": 1,
                "bbox": [10, 10, 20, 20], "area": 400, "iscrowd": 0}}]}}"#,
            images.join(", ")
        ),
    )
    .unwrap();
}

/// A CVAT for images file with one image per `(name, subset)` (XML
/// attribute text: `&#13;` for a carriage return), in `dir/in.xml`.
fn cvat_naming(dir: &Path, images: &[(&str, &str)]) {
    let body: String = images
        .iter()
        .enumerate()
        .map(|(i, (name, subset))| {
            format!(
                r#"<image id="{i}" name="{name}" subset="{subset}" width="100" height="100"><box label="cat" occluded="0" xtl="10" ytl="10" xbr="30" ybr="30"/></image>"#
            )
        })
        .collect();
    std::fs::write(
        dir.join("in.xml"),
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations><version>1.1</version>\
             <meta><task><labels><label><name>cat</name></label></labels></task></meta>\
             {body}</annotations>"
        ),
    )
    .unwrap();
}

#[test]
fn convert_never_copies_or_links_a_file_outside_the_image_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("ds");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("a.png"), png(100, 100)).unwrap();
    let outside = dir.path().join("secret.png");
    std::fs::write(&outside, b"secret").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, d.join("link.png")).unwrap();
    std::fs::create_dir(d.join("folder.png")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(d.join("fifo.png"))
        .status()
        .is_ok_and(|s| s.success());
    let mut names = vec![
        ("/etc/passwd", "outside the image folder"),
        ("../../../../etc/passwd", "outside the image folder"),
        ("../secret.png", "outside the image folder"),
        ("folder.png", "is not a regular file"),
    ];
    if cfg!(unix) {
        names.push(("link.png", "outside the image folder"));
    }
    if fifo {
        names.push(("fifo.png", "is not a regular file"));
    }
    for (name, why) in names {
        coco_naming(&d, &["a.png", name]);
        cvat_naming(&d, &[("a.png", "train"), (name, "train")]);
        for input in ["in.json", "in.xml"] {
            for mode in ["copy", "symlink", "hardlink"] {
                let o = labelkit(
                    &[
                        "convert", input, "--to", "yolo", "-o", "../out", "--images", mode,
                    ],
                    &d,
                );
                let err = stderr(&o);
                assert_eq!(o.status.code(), Some(2), "{input} {name} {mode}: {err}");
                assert!(
                    err.contains(&format!("refusing to copy or link the image {name:?}")),
                    "{err}"
                );
                assert!(err.contains(why), "{err}");
                assert!(!dir.path().join("out").exists(), "{input} {name} {mode}");
            }
        }
    }
    assert_eq!(std::fs::read(&outside).unwrap(), b"secret");
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["ds", "secret.png"], "no staging folder stays behind");
}

#[test]
fn a_cvat_subset_cannot_inject_keys_into_data_yaml_or_obj_data() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    cvat_naming(
        d,
        &[
            ("a.png", "v&#13;download: bash -c 'touch pwned'&#13;#"),
            ("b.png", "w&#10;names = /etc/passwd"),
        ],
    );
    let o = labelkit(&["convert", "in.xml", "--to", "yolo", "-o", "y"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let yaml = std::fs::read_to_string(d.join("y/data.yaml")).unwrap();
    assert!(!yaml.contains('\r'), "{yaml:?}");
    assert!(yaml.lines().all(|l| !l.starts_with("download")), "{yaml}");
    assert!(
        yaml.contains(
            "# subset \"v\\rdownload: bash -c 'touch pwned'\\r#\": \
             \"images/v_download_ bash -c 'touch pwned'_#\"\n\
             # subset \"w\\nnames = /etc/passwd\": \"images/w_names = _etc_passwd\"\n\
             train: \"images/v_download_ bash -c 'touch pwned'_#\"\n"
        ),
        "{yaml}"
    );
    // labelkit reads its own output back, subsets as their folders. The
    // images are not there (in.xml's are not either): COCO needs their
    // size, given as the CVAT file declares it.
    let o = labelkit(&["convert", "y", "--to", "coco", "-o", "back.json"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no known size"), "{}", stderr(&o));
    let o = labelkit(
        &[
            "convert",
            "y",
            "--to",
            "coco",
            "-o",
            "back.json",
            "--image-size",
            "100x100",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let o = labelkit(&["convert", "in.xml", "--to", "darknet", "-o", "dk"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let obj_data = std::fs::read_to_string(d.join("dk/obj.data")).unwrap();
    assert_eq!(
        obj_data.lines().filter(|l| l.starts_with("names")).count(),
        1,
        "{obj_data}"
    );
    assert!(obj_data.contains("names = data/obj.names\n"), "{obj_data}");
}

#[test]
fn convert_refuses_outputs_that_would_share_a_path() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.jpg"), png(100, 100)).unwrap();
    std::fs::write(d.join("a.png"), png(100, 100)).unwrap();
    coco_naming(d, &["a.jpg", "a.png"]);
    let o = labelkit(
        &["convert", "in.json", "--to", "yolo", "-o", "y", "--strict"],
        d,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "the labels of image \"a.jpg\" and the labels of image \"a.png\" would both be \
             written to labels/train/a.txt"
        ),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("y").exists());
    // Darknet with copied images: the image `b.txt` over the labels of `b`.
    std::fs::write(d.join("b.jpg"), png(100, 100)).unwrap();
    std::fs::write(d.join("b.txt"), b"not labels").unwrap();
    coco_naming(d, &["b.jpg", "b.txt"]);
    let o = labelkit(
        &[
            "convert", "in.json", "--to", "darknet", "-o", "dk", "--images", "copy",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("would both be written to obj_train_data/b.txt"),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("dk").exists());
}

#[test]
fn check_write_baseline_never_overwrites_what_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    yolo_dataset(&d.join("ds"), "0 0.5 0.5 0.2 0.2\n");
    coco_naming(d, &["a.png"]);
    let before = std::fs::read(d.join("in.json")).unwrap();
    // An input named on the command line is refused as an input; a file
    // the run reads is refused before the work, as not a baseline.
    let overwrites = "would overwrite the input";
    let not_a_baseline = "it exists and is not a labelkit baseline";
    for (args, refusal) in [
        (
            &["check", "in.json", "--write-baseline", "in.json"][..],
            overwrites,
        ),
        (
            &["check", "ds", "--write-baseline", "ds/data.yaml"],
            not_a_baseline,
        ),
        (
            &["check", "ds", "--write-baseline", "ds/labels/train/a.txt"],
            not_a_baseline,
        ),
        (
            &[
                "check",
                "ds/labels/train/a.txt",
                "--write-baseline",
                "ds/labels/train/a.txt",
            ],
            overwrites,
        ),
        (
            &[
                "check",
                "ds/labels/train/a.txt",
                "--write-baseline",
                "ds/data.yaml",
            ],
            not_a_baseline,
        ),
        (&["check", "ds", "--write-baseline", "."], overwrites),
    ] {
        let o = labelkit(args, d);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(refusal), "{args:?}: {}", stderr(&o));
    }
    assert_eq!(std::fs::read(d.join("in.json")).unwrap(), before);
    assert_eq!(
        std::fs::read_to_string(d.join("ds/labels/train/a.txt")).unwrap(),
        "0 0.5 0.5 0.2 0.2\n"
    );
    assert!(std::fs::read_to_string(d.join("ds/data.yaml"))
        .unwrap()
        .starts_with("path: ."));
    // A baseline beside the dataset (or in its folder) is fine.
    let o = labelkit(&["check", "ds", "--write-baseline", "ds/baseline.json"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(d.join("ds/baseline.json").is_file());
}

/// Every path below `root` with its bytes (a symlink: its target; a FIFO
/// or device: nothing), sorted: equal snapshots mean nothing changed.
fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        for e in std::fs::read_dir(&p).unwrap() {
            let e = e.unwrap();
            let kind = e.file_type().unwrap();
            if kind.is_dir() {
                stack.push(e.path());
            } else if kind.is_symlink() {
                let target = std::fs::read_link(e.path()).unwrap();
                files.push((e.path(), target.into_os_string().into_encoded_bytes()));
            } else if kind.is_file() {
                files.push((e.path(), std::fs::read(e.path()).unwrap()));
            } else {
                files.push((e.path(), Vec::new()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn check_write_baseline_replaces_only_baselines_and_stays_out_of_dataset_folders() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let canon = std::fs::canonicalize(d).unwrap();
    yolo_dataset(&d.join("ds"), "0 0.5 0.5 0.2 0.2\n");
    // A discovered configuration, and one named with --config.
    std::fs::write(d.join("ds/labelkit.toml"), "[rules]\n").unwrap();
    std::fs::write(d.join("my.toml"), "[rules]\n").unwrap();
    // COCO with its images in images/ and one beside it.
    let co = d.join("co");
    std::fs::create_dir_all(co.join("images")).unwrap();
    std::fs::write(co.join("images/a.png"), png(100, 100)).unwrap();
    std::fs::write(co.join("b.png"), png(100, 100)).unwrap();
    coco_naming(&co, &["images/a.png", "b.png"]);
    // Files outside every dataset that are not baselines.
    std::fs::write(d.join("notes.md"), "# notes\n").unwrap();
    std::fs::write(d.join("v2.json"), "{\"version\": 2, \"findings\": []}\n").unwrap();
    std::fs::create_dir(d.join("folder")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("nowhere", d.join("dangling")).unwrap();
    #[cfg(unix)]
    assert!(Command::new("mkfifo")
        .arg(d.join("fifo"))
        .status()
        .unwrap()
        .success());
    let not_a_baseline = |f: &str| {
        format!("refusing to write the baseline over {f}: it exists and is not a labelkit baseline")
    };
    let overwrites = |f: &str| {
        format!(
            "refusing to write {f}: it would overwrite the input {}",
            canon.join(f).display()
        )
    };
    let inside = |f: &str, folder: &str| {
        format!(
            "refusing to write {f}: it lies inside the input {}, which it would change",
            canon.join(folder).display()
        )
    };
    let mut cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["ds", "--write-baseline", "ds/images/train/a.png"],
            not_a_baseline("ds/images/train/a.png"),
        ),
        (
            vec!["ds", "--write-baseline", "ds/labelkit.toml"],
            overwrites("ds/labelkit.toml"),
        ),
        (
            vec!["ds", "--config", "my.toml", "--write-baseline", "my.toml"],
            overwrites("my.toml"),
        ),
        (
            vec!["ds", "--write-baseline", "ds/labels/train/z.txt"],
            inside("ds/labels/train/z.txt", "ds/labels/train"),
        ),
        (
            vec!["ds", "--write-baseline", "ds/images/train/b.json"],
            inside("ds/images/train/b.json", "ds/images/train"),
        ),
        (
            vec![
                "ds/labels/train/a.txt",
                "--write-baseline",
                "ds/labels/train/z.txt",
            ],
            inside("ds/labels/train/z.txt", "ds/labels/train"),
        ),
        (
            vec!["ds/data.yaml", "--write-baseline", "ds/labels/train/z.txt"],
            inside("ds/labels/train/z.txt", "ds/labels/train"),
        ),
        (
            vec!["ds/data.yaml", "--write-baseline", "ds/images/train/z.txt"],
            inside("ds/images/train/z.txt", "ds/images/train"),
        ),
        (
            vec!["co/in.json", "--write-baseline", "co/images/b.json"],
            inside("co/images/b.json", "co/images"),
        ),
        (
            vec!["co/in.json", "--write-baseline", "co/b.png"],
            not_a_baseline("co/b.png"),
        ),
        (
            vec!["ds", "--write-baseline", "notes.md"],
            not_a_baseline("notes.md"),
        ),
        (
            vec!["ds", "--write-baseline", "v2.json"],
            not_a_baseline("v2.json"),
        ),
        (
            vec!["ds", "--write-baseline", "folder"],
            not_a_baseline("folder"),
        ),
    ];
    if cfg!(unix) {
        cases.push((
            vec!["ds", "--write-baseline", "dangling"],
            not_a_baseline("dangling"),
        ));
        cases.push((
            vec!["ds", "--write-baseline", "fifo"],
            not_a_baseline("fifo"),
        ));
    }
    let before = snapshot(d);
    for (args, message) in &cases {
        let args: Vec<&str> = std::iter::once("check")
            .chain(args.iter().copied())
            .collect();
        let o = labelkit(&args, d);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        // A data.yaml among the inputs is checked (and says so) before the
        // baseline is refused.
        let err = stderr(&o);
        let err: String = err
            .lines()
            .filter(|l| !l.starts_with("labelkit: checked ds/data.yaml as the description"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(
            err,
            format!("labelkit: error: --write-baseline: {message}\n"),
            "{args:?}"
        );
        assert_eq!(snapshot(d), before, "{args:?}");
    }
    // A baseline in the dataset's folder or beside it is written, and
    // written again over itself.
    for file in ["ds/baseline.json", "baseline.json", "ds/baseline.json"] {
        let o = labelkit(&["check", "ds", "--write-baseline", file], d);
        assert_eq!(o.status.code(), Some(0), "{file}: {}", stderr(&o));
        let text = std::fs::read_to_string(d.join(file)).unwrap();
        assert!(text.starts_with("{\n  \"version\": 1,"), "{text}");
    }
    let o = labelkit(
        &[
            "check",
            "co/in.json",
            "--write-baseline",
            "co/baseline.json",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// The help of `--allow-outside` says what it concerns: image files may be
/// symlinks anywhere, only their header is read.
#[test]
fn allow_outside_help_says_what_is_read_outside() {
    for command in ["check", "convert"] {
        let o = labelkit(&[command, "--help"], &repo_root());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let help = stdout(&o).split_whitespace().collect::<Vec<_>>().join(" ");
        for phrase in [
            "the paths in data.yaml (`path:`, `train:`, ...) and obj.data, image lists and the \
             images they name, and label files and folders (symlinks followed) must lie inside \
             the dataset folder",
            "Image files found in the dataset's folders may be symlinks to anywhere, with or \
             without this flag (datasets link a shared image store): only their header is read, \
             for their size",
        ] {
            assert!(help.contains(phrase), "{command}: {help}");
        }
        assert!(!help.contains("symlinks leading out"), "{command}: {help}");
    }
}

#[test]
fn convert_refuses_outputs_inside_the_input_for_every_input_form() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    yolo_dataset(&d.join("ds"), "0 0.5 0.5 0.2 0.2\n");
    // Darknet: obj.data at the root.
    let dk = d.join("dk");
    std::fs::create_dir_all(dk.join("obj_train_data")).unwrap();
    std::fs::write(dk.join("obj.names"), "cat\n").unwrap();
    std::fs::write(
        dk.join("obj.data"),
        "classes = 1\ntrain = data/train.txt\nnames = data/obj.names\n",
    )
    .unwrap();
    std::fs::write(dk.join("train.txt"), "data/obj_train_data/a.png\n").unwrap();
    std::fs::write(dk.join("obj_train_data/a.png"), png(100, 100)).unwrap();
    std::fs::write(dk.join("obj_train_data/a.txt"), "0 0.5 0.5 0.2 0.2\n").unwrap();
    // COCO with its images in images/, and one beside it.
    let co = d.join("co");
    std::fs::create_dir_all(co.join("images")).unwrap();
    std::fs::write(co.join("images/a.png"), png(100, 100)).unwrap();
    std::fs::write(co.join("b.png"), png(100, 100)).unwrap();
    coco_naming(&co, &["images/a.png", "b.png"]);
    let cases: &[(&str, &str, &str)] = &[
        ("ds/data.yaml", "yolo", "ds/images/train/copy"),
        ("ds/data.yaml", "yolo", "ds/images/train"),
        ("ds/data.yaml", "coco", "ds/labels/train/x.json"),
        ("ds", "yolo", "ds/copy"),
        ("ds", "coco", "ds/x.json"),
        ("ds/labels/train/a.txt", "yolo", "ds/images/copy"),
        ("ds", "yolo", "."),
        ("dk/obj.data", "yolo", "dk/obj_train_data/copy"),
        ("dk", "coco", "dk/x.json"),
        ("co/in.json", "yolo", "co/images/copy"),
        ("co/in.json", "coco", "co/b.png"),
        ("co/in.json", "coco", "co/images/a.png"),
        ("co/in.json", "coco", "co"),
    ];
    let before = snapshot(d);
    let o = labelkit(
        &[
            "convert",
            "ds/data.yaml",
            "--to",
            "yolo",
            "-o",
            "ds/images/train/copy",
            "--images",
            "copy",
        ],
        d,
    );
    assert!(
        stderr(&o).ends_with(&format!(
            "refusing to write ds/images/train/copy: it lies inside the input {}, which it would change\n",
            std::fs::canonicalize(d.join("ds")).unwrap().display()
        )),
        "{}",
        stderr(&o)
    );
    for (input, to, output) in cases {
        let o = labelkit(
            &[
                "convert", input, "--to", to, "-o", output, "--images", "copy",
            ],
            d,
        );
        assert_eq!(
            o.status.code(),
            Some(2),
            "{input} -> {output}: {}",
            stderr(&o)
        );
        assert!(
            stderr(&o).contains(&format!("refusing to write {output}: it ")),
            "{input} -> {output}: {}",
            stderr(&o)
        );
        assert_eq!(snapshot(d), before, "{input} -> {output}");
    }
    // Beside the input is fine.
    let o = labelkit(
        &["convert", "co/in.json", "--to", "coco", "-o", "co/out.json"],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// An error names a path from the dataset once, with its escape sequences
/// escaped: a file name cannot colour or rewrite the terminal, and an I/O
/// error does not repeat its cause.
#[test]
fn errors_escape_names_and_state_each_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let o = labelkit(
        &[
            "convert",
            "a\u{1b}[2Jb.json",
            "--to",
            "coco",
            "-o",
            "out.json",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "labelkit: error: a\\x1b[2Jb.json: No such file or directory (os error 2)\n"
    );
}

/// An I/O error is stated once, in one line, whether it comes from reading
/// (a missing file to check) or writing (an output folder that is a file):
/// the error that prints its cause does not hand it on as a source too.
#[test]
fn io_errors_print_their_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let o = labelkit(&["check", "missing.json"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "labelkit: error: missing.json: No such file or directory (os error 2)\n"
    );
    std::fs::write(
        dir.path().join("in.json"),
        r#"{"images":[{"id":1,"file_name":"a.jpg","width":4,"height":4}],"annotations":[],"categories":[{"id":1,"name":"x"}]}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("blocker"), "").unwrap();
    for to in ["coco", "yolo"] {
        let o = labelkit(
            &["convert", "in.json", "--to", to, "-o", "blocker/out"],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(2), "{to}");
        assert_eq!(
            stderr(&o),
            "labelkit: error: blocker: File exists (os error 17)\n",
            "{to}"
        );
    }
}

// ---------------------------------------------------------------------------
// The pre-commit form (`labelkit check FILE...`) on label files and images
// that are not regular files: reported as `check DATASET` reports them.

/// The finding lines of `check` (concise) naming `needle`.
#[cfg(unix)]
fn lines_naming(o: &Output, needle: &str) -> Vec<String> {
    stdout(o)
        .lines()
        .filter(|l| l.contains(needle))
        .map(str::to_owned)
        .collect()
}

#[cfg(unix)]
#[test]
fn the_hook_form_reports_fifo_and_device_files_as_the_dataset_check_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    yolo_dataset(&d.join("DS"), "0 0.5 0.5 0.2 0.2\n");
    let labels = d.join("DS/labels/train");
    let made = Command::new("mkfifo")
        .arg(labels.join("f.txt"))
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", labels.join("z.txt")).unwrap();
    // A label whose image `d.png` is a device.
    std::fs::write(labels.join("d.txt"), "0 0.5 0.5 0.2 0.2\n").unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.join("DS/images/train/d.png")).unwrap();

    let concise = ["--output-format", "concise"];
    let whole = labelkit(&[&["check", "DS"][..], &concise].concat(), d);
    assert_eq!(whole.status.code(), Some(1), "{}", stderr(&whole));
    let hook = labelkit(
        &[
            &[
                "check",
                "DS/labels/train/f.txt",
                "DS/labels/train/z.txt",
                "DS/labels/train/d.txt",
            ][..],
            &concise,
        ]
        .concat(),
        d,
    );
    let out = stdout(&hook);
    assert_eq!(hook.status.code(), Some(1), "{out}\n{}", stderr(&hook));
    assert!(!stderr(&hook).contains("skipped"), "{}", stderr(&hook));
    assert!(!stderr(&hook).contains("all checks passed"));
    let fifo = "DS/labels/train/f.txt: F011 label file DS/labels/train/f.txt: not a regular file (a FIFO): not read";
    assert_eq!(lines_naming(&hook, "f.txt"), [fifo]);
    assert_eq!(lines_naming(&whole, "f.txt: F011"), [fifo]);
    let zero = lines_naming(&hook, "z.txt");
    assert_eq!(zero.len(), 1, "{out}");
    assert!(
        zero[0].starts_with(
            "DS/labels/train/z.txt: F011 DS/labels/train/z.txt resolves to /dev/zero, outside the dataset folder"
        ),
        "{out}"
    );
    assert_eq!(lines_naming(&whole, "z.txt"), zero);
    // The device image is named, not a missing `d.jpg`.
    assert!(!out.contains("d.jpg"), "{out}");
    let image = "DS/images/train/d.png: F008 DS/images/train/d.png: cannot read the image: not a regular file (a device): not read; its size is unknown, so its 1 shapes keep normalised coordinates";
    assert_eq!(lines_naming(&hook, "d.png"), [image]);
    assert_eq!(lines_naming(&whole, "d.png"), [image]);
}

/// The README's tour line on a clean dataset (the example, whose mistakes
/// are in the boxes, not in what a conversion keeps): `--strict` refuses
/// material losses only, so YOLO -> CVAT and YOLO -> COCO succeed with the
/// bookkeeping (source ids, renumbered category ids, subsets) printed under
/// its own heading; `--strict=all` refuses YOLO -> COCO naming those lines.
#[test]
fn strict_refuses_material_losses_and_strict_all_bookkeeping_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = repo_root().join("examples/person-dataset/data.yaml");
    let data = data.to_str().unwrap();
    let o = labelkit(
        &[
            "convert",
            data,
            "--to",
            "cvat",
            "-o",
            "annotations.xml",
            "--strict",
        ],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.ends_with(
            "(yolo -> cvat-images): wrote 4 images, 41 annotations; no annotation lost\n\
             bookkeeping (ids and metadata, no annotation lost):\n  9 x label source ids\n"
        ),
        "{err}"
    );
    assert!(!err.contains("nothing lost"), "{err}");
    let xml = std::fs::read_to_string(d.join("annotations.xml")).unwrap();
    assert_eq!(xml.matches("<box ").count(), 41, "{xml}");
    let o = labelkit(
        &["convert", data, "--to", "coco", "-o", "a.json", "--strict"],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "; no annotation lost\nbookkeeping (ids and metadata, no annotation lost):\n  \
             1 x category ids renumbered from 1 (YOLO class N is category N+1)\n  \
             4 x image subsets\n"
        ),
        "{err}"
    );
    let json = std::fs::read_to_string(d.join("a.json")).unwrap();
    assert_eq!(json.matches("\"bbox\"").count(), 41);
    let o = labelkit(
        &[
            "convert",
            data,
            "--to",
            "coco",
            "-o",
            "b.json",
            "--strict=all",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "labelkit: strict conversion to coco refused: bookkeeping: 1 x category ids \
         renumbered from 1 (YOLO class N is category N+1), 4 x image subsets\n"
    );
    assert!(!d.join("b.json").exists());
    // `--strict=material` is `--strict`; other values are refused.
    let o = labelkit(
        &[
            "convert",
            data,
            "--to",
            "coco",
            "-o",
            "c.json",
            "--strict=material",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = labelkit(
        &[
            "convert",
            data,
            "--to",
            "coco",
            "-o",
            "e.json",
            "--strict=some",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!d.join("e.json").exists());
}

/// A row the reader skipped is a material loss: the summary never says
/// "nothing lost" or "no annotation lost", and `--strict` refuses.
#[test]
fn input_the_reader_skipped_is_a_material_loss() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    yolo_dataset(&d.join("ds"), "0 0.5 0.5 0.2 0.2\n1 0.5 0.5\n");
    let o = labelkit(
        &["convert", "ds/data.yaml", "--to", "cvat", "-o", "o.xml"],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.starts_with("ds/labels/train/a.txt:2:1: F002 "), "{err}");
    assert!(
        err.ends_with(
            "wrote 1 images, 1 annotations; material losses:\n  \
             1 x input the reader had to skip (see the read issues)\n\
             bookkeeping (ids and metadata, no annotation lost):\n  2 x label source ids\n"
        ),
        "{err}"
    );
    assert!(!err.contains("nothing lost") && !err.contains("annotations; no annotation lost"));
    let o = labelkit(
        &[
            "convert",
            "ds/data.yaml",
            "--to",
            "cvat",
            "-o",
            "p.xml",
            "--strict",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).ends_with(
            "labelkit: strict conversion to cvat-images refused: 1 x input the reader had to \
             skip (see the read issues) (bookkeeping: 2 x label source ids)\n"
        ),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("p.xml").exists());
}

/// A real COCO file (labelformat's fixture) converts to CVAT with
/// `--strict`: its category ids, supercategories and `area` fields are
/// bookkeeping, printed as such; `--strict=all` refuses and names them.
#[test]
fn strict_converts_a_real_coco_file_to_cvat() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = repo_root()
        .join("tests/corpus/labelformat/tests/fixtures/object_detection/COCO/train.json");
    let input = input.to_str().unwrap();
    let o = labelkit(
        &["convert", input, "--to", "cvat", "-o", "o.xml", "--strict"],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.ends_with(
            "(coco -> cvat-images): wrote 2 images, 16 annotations; no annotation lost\n\
             bookkeeping (ids and metadata, no annotation lost):\n  \
             16 x format-specific fields of annotations\n  \
             32 x label source ids\n  32 x label supercategories\n"
        ),
        "{err}"
    );
    let xml = std::fs::read_to_string(d.join("o.xml")).unwrap();
    assert_eq!(xml.matches("<box ").count(), 16, "{xml}");
    let o = labelkit(
        &[
            "convert",
            input,
            "--to",
            "cvat",
            "-o",
            "p.xml",
            "--strict=all",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "labelkit: strict conversion to cvat-images refused: bookkeeping: 16 x format-specific \
         fields of annotations, 32 x label source ids, 32 x label supercategories\n"
    );
    assert!(!d.join("p.xml").exists());
}

#[test]
fn convert_prints_computed_numbers_clean_unless_precision_asks_otherwise() {
    // The bbox [38.08, 110.95, 174.71, 174.71] (of test_coco.json's second
    // annotation) ends at 38.08 + 174.71, 212.79000000000002 in f64. A box
    // without segmentation, so that CVAT gets a <box> (a segmented object
    // is written as its polygon alone).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("in.json"),
        r#"{"images":[{"id":1,"file_name":"a.jpg","width":640,"height":480}],
"annotations":[{"id":1,"image_id":1,"category_id":1,"iscrowd":0,
"bbox":[38.08,110.95,174.71,174.71],"segmentation":[]}],
"categories":[{"id":1,"name":"person"}]}"#,
    )
    .unwrap();
    let input = "in.json";
    let xbr = |precision: Option<&str>, out: &str| {
        let mut args = vec!["convert", input, "--to", "cvat", "-o", out, "-q"];
        if let Some(p) = precision {
            args.extend(["--precision", p]);
        }
        let o = labelkit(&args, d);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let xml = std::fs::read_to_string(d.join(out)).unwrap();
        let at = xml.find(r#"xtl="38.08""#).expect("the box");
        let rest = &xml[at..];
        let start = rest.find("xbr=\"").unwrap() + 5;
        rest[start..start + rest[start..].find('"').unwrap()].to_owned()
    };
    assert_eq!(xbr(None, "a.xml"), "212.79");
    assert_eq!(xbr(Some("clean"), "b.xml"), "212.79");
    assert_eq!(xbr(Some("shortest"), "c.xml"), "212.79000000000002");
    assert_eq!(xbr(Some("2d"), "e.xml"), "212.79");
    assert_eq!(xbr(Some("4g"), "f.xml"), "212.8");
    let o = labelkit(
        &[
            "convert",
            input,
            "--to",
            "cvat",
            "-o",
            "g.xml",
            "--precision",
            "exact",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("expected clean, shortest, Ng"),
        "{}",
        stderr(&o)
    );
}

// ---- one COCO annotation is one object ----

/// The concise findings of `labelkit check FILE`.
fn check_concise(file: &Path, cwd: &Path) -> String {
    let o = labelkit(
        &[
            "check",
            file.to_str().unwrap(),
            "--output-format",
            "concise",
        ],
        cwd,
    );
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    stdout(&o)
}

/// A segmented COCO annotation is one object: its `bbox` is its box, not a
/// second shape, so real COCO val2017 data has no near-duplicates and the
/// class counts count objects.
#[test]
fn check_reports_no_near_duplicate_on_segmented_coco() {
    let root = repo_root();
    let coco = root.join("tests/corpus/mmpose/tests/data/coco/test_coco.json");
    let out = check_concise(&coco, &root);
    assert!(!out.contains("A001"), "{out}");
    // 14 annotations, each a polygon and keypoints: 14 objects.
    assert!(
        out.contains("D001 class `person` has 14 labels, fewer than 3000"),
        "{out}"
    );
    // The keypoints are still checked against the box of their object
    // (the stated bbox of the polygon they are grouped with).
    assert_eq!(out.matches(" K005 ").count(), 4, "{out}");
    assert!(
        out.contains(
            "test_coco.json:403:9: K005 keypoints of `person` outside their object's box: \
             `right_ankle` (158, 296)"
        ),
        "{out}"
    );
    let seg = root
        .join("tests/corpus/labelformat/tests/fixtures/instance_segmentation/COCO/instances.json");
    let out = check_concise(&seg, &root);
    assert!(!out.contains("A001"), "{out}");
    assert!(
        out.contains("D001 class `person` has 1 labels, fewer than 3000"),
        "{out}"
    );
}

/// No COCO file of the corpus has a near-duplicate.
#[test]
fn check_reports_no_near_duplicate_on_any_coco_file_of_the_corpus() {
    fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                json_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "json") {
                out.push(p);
            }
        }
    }
    let root = repo_root();
    let mut files = Vec::new();
    json_files(&root.join("tests/corpus"), &mut files);
    files.sort();
    assert!(files.len() >= 20, "{files:?}");
    for file in &files {
        let out = check_concise(file, &root);
        assert!(!out.contains(" A001 "), "{}:\n{out}", file.display());
    }
}

/// The annotations of a COCO file read through the facade.
fn read_model(path: &Path) -> labelkit::Loaded {
    labelkit::read(path, None, &labelkit::ReadOptions::default()).unwrap()
}

/// COCO -> CVAT writes what CVAT's own COCO import creates: a segmented
/// annotation is its polygon(s), no box; with keypoints a skeleton in the
/// polygon's group. CVAT -> COCO then gives back one annotation per
/// object, with the same category and segmentation and the bbox computed
/// from the segmentation.
#[test]
fn coco_to_cvat_writes_each_object_once_and_comes_back_as_one_annotation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = repo_root().join("tests/corpus/mmpose/tests/data/coco/test_coco.json");
    let o = labelkit(
        &[
            "convert",
            input.to_str().unwrap(),
            "--to",
            "cvat",
            "-o",
            "o.xml",
        ],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    // 14 polygons (one of them in 4 parts) and 14 skeletons.
    assert!(err.contains("wrote 4 images, 31 annotations"), "{err}");
    // Every stated bbox is the bounds of its segmentation: none counted.
    assert!(!err.contains("COCO boxes of segmented objects"), "{err}");
    let xml = std::fs::read_to_string(d.join("o.xml")).unwrap();
    assert_eq!(xml.matches("<box ").count(), 0, "{xml}");
    assert_eq!(xml.matches("<polygon ").count(), 17, "{xml}");
    assert_eq!(xml.matches("<skeleton ").count(), 14, "{xml}");
    // Each skeleton shares its group with the polygon(s) of its object.
    let group_of = |line: &str| {
        let at = line.find("group_id=\"").expect("a group") + 10;
        line[at..at + line[at..].find('"').unwrap()].to_owned()
    };
    let polygon_groups: Vec<String> = xml
        .lines()
        .filter(|l| l.trim_start().starts_with("<polygon "))
        .map(group_of)
        .collect();
    let skeleton_groups: Vec<String> = xml
        .lines()
        .filter(|l| l.trim_start().starts_with("<skeleton "))
        .map(group_of)
        .collect();
    for g in &skeleton_groups {
        assert!(polygon_groups.contains(g), "skeleton group {g}: {xml}");
    }
    // The COCO id of the 4-part annotation (467657) is the group of its 4
    // polygons.
    assert_eq!(
        polygon_groups.iter().filter(|g| *g == "467657").count(),
        4,
        "{polygon_groups:?}"
    );

    let o = labelkit(&["convert", "o.xml", "--to", "coco", "-o", "back.json"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("wrote 4 images, 14 annotations"), "{err}");
    assert!(!err.contains("groups split"), "{err}");
    let source = read_model(&input).dataset;
    let back = read_model(&d.join("back.json")).dataset;
    let objects = |ds: &labelkit::Dataset| -> Vec<labelkit::Annotation> {
        ds.annotations
            .iter()
            .filter(|a| !matches!(a.geometry, labelkit::Geometry::Keypoints(_)))
            .cloned()
            .collect()
    };
    let (src, got) = (objects(&source), objects(&back));
    assert_eq!(src.len(), 14);
    assert_eq!(got.len(), 14);
    for (a, b) in src.iter().zip(&got) {
        assert_eq!(
            source.labels.name(a.label),
            back.labels.name(b.label),
            "{a:?}"
        );
        assert_eq!(
            source.labels.get(a.label).and_then(|l| l.source_id),
            back.labels.get(b.label).and_then(|l| l.source_id),
        );
        // Same segmentation, point for point and part for part.
        assert_eq!(a.geometry, b.geometry, "annotation {}", a.id);
        // The bbox, recomputed from the segmentation, is the stated one.
        let (sa, sb) = (
            a.bbox.as_deref().expect("stated"),
            b.bbox.as_deref().expect("written"),
        );
        for (x, y) in [
            (sa.x_min, sb.x_min),
            (sa.y_min, sb.y_min),
            (sa.x_max, sb.x_max),
            (sa.y_max, sb.y_max),
        ] {
            assert!((x - y).abs() < 1e-9, "annotation {}: {sa:?} {sb:?}", a.id);
        }
    }
    let keypoints = |ds: &labelkit::Dataset| {
        ds.annotations
            .iter()
            .filter(|a| matches!(a.geometry, labelkit::Geometry::Keypoints(_)))
            .count()
    };
    assert_eq!((keypoints(&source), keypoints(&back)), (14, 14));
}

/// A CVAT object drawn as a box and a polygon in one group.
const BOX_AND_POLYGON: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<annotations><version>1.1</version>
<meta><task><labels><label><name>person</name></label></labels></task></meta>
<image id="0" name="a.jpg" width="100" height="100">
<box label="person" occluded="0" xtl="10" ytl="10" xbr="50" ybr="60" group_id="1" z_order="0"/>
<polygon label="person" occluded="0" points="10,10;50,10;50,60;10,60" group_id="1" z_order="0"/>
<box label="person" occluded="0" xtl="60" ytl="10" xbr="90" ybr="40" group_id="2" z_order="0"/>
<box label="person" occluded="0" xtl="61" ytl="10" xbr="90" ybr="40" group_id="2" z_order="0"/>
</image>
</annotations>
"#;

/// A box and a polygon drawn for one object are one object: A001 is
/// silent on them, while two overlapping boxes of one group are still
/// flagged; to COCO the pair is one annotation.
#[test]
fn a_box_and_polygon_of_one_group_are_one_object() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("in.xml"), BOX_AND_POLYGON).unwrap();
    let out = check_concise(&d.join("in.xml"), d);
    let a001: Vec<&str> = out.lines().filter(|l| l.contains(" A001 ")).collect();
    assert_eq!(a001.len(), 1, "{out}");
    assert!(
        a001[0].ends_with("in.xml:8:1: A001 `person` box duplicates the box at line 7 (IoU 0.967)"),
        "{out}"
    );
    assert!(out.contains("D001 class `person` has 2 labels"), "{out}");

    let o = labelkit(&["convert", "in.xml", "--to", "coco", "-o", "o.json"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    // The box and the polygon: one annotation; the two boxes of group 2:
    // two annotations, the group split.
    assert!(err.contains("wrote 1 images, 3 annotations"), "{err}");
    let back = read_model(&d.join("o.json")).dataset;
    let polygon = back
        .annotations
        .iter()
        .find(|a| matches!(a.geometry, labelkit::Geometry::Polygon(_)))
        .expect("the polygon");
    assert_eq!(
        polygon.bbox.as_deref(),
        Some(&labelkit::BoxGeom::from_xyxy(10.0, 10.0, 50.0, 60.0))
    );
    assert_eq!(back.annotations.len(), 3);
    let text = std::fs::read_to_string(d.join("o.json")).unwrap();
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        compact.contains(
            "\"segmentation\":[[10,10,50,10,50,60,10,60]],\"area\":2000,\"bbox\":[10,10,40,50]"
        ),
        "{text}"
    );
    // Read back, the object is one annotation: no A001 on it.
    let out = check_concise(&d.join("o.json"), d);
    assert_eq!(out.matches(" A001 ").count(), 1, "{out}");
}

/// YOLO detect rows of segmented COCO objects are their stated bbox, as
/// Ultralytics' COCO converter writes them, not the polygon's bounds; CVAT
/// output counts the stated box it cannot hold as bookkeeping.
#[test]
fn yolo_detect_from_segmented_coco_uses_the_stated_bbox() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The polygon spans 10..50 x 10..40; the stated bbox is 8..52 x 9..42.
    std::fs::write(
        d.join("in.json"),
        r#"{"images":[{"id":1,"file_name":"a.jpg","width":100,"height":100}],
"annotations":[{"id":7,"image_id":1,"category_id":1,"iscrowd":0,"area":1200,
"bbox":[8,9,44,33],"segmentation":[[10,10,50,10,50,40,10,40]]}],
"categories":[{"id":1,"name":"cat"}]}"#,
    )
    .unwrap();
    let o = labelkit(
        &[
            "convert", "in.json", "--to", "yolo", "--task", "detect", "-o", "det",
        ],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("1 x polygons written as boxes"), "{err}");
    let rows = std::fs::read_to_string(d.join("det/labels/train/a.txt")).unwrap();
    let values: Vec<f64> = rows
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    // Centre (30, 25.5), size 44 x 33, over 100 x 100.
    assert_eq!(values, [0.0, 0.3, 0.255, 0.44, 0.33], "{rows}");

    let o = labelkit(&["convert", "in.json", "--to", "cvat", "-o", "o.xml"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "bookkeeping (ids and metadata, no annotation lost):\n  \
             1 x COCO boxes of segmented objects (recomputed from the segmentation)"
        ),
        "{err}"
    );
    let xml = std::fs::read_to_string(d.join("o.xml")).unwrap();
    assert_eq!(xml.matches("<box ").count(), 0, "{xml}");
    assert_eq!(xml.matches("<polygon ").count(), 1, "{xml}");
}

/// Where Ultralytics looks for the label file of an image, as its rule
/// states it (`img2label_paths`): on the whole path, the last `/images/`
/// becomes `/labels/` and everything after the last dot `txt`.
fn ultralytics_label_path(image: &str) -> String {
    let swapped = match image.rfind("/images/") {
        Some(i) => format!("{}/labels/{}", &image[..i], &image[i + "/images/".len()..]),
        None => image.to_owned(),
    };
    match swapped.rfind('.') {
        Some(dot) => format!("{}.txt", &swapped[..dot]),
        None => format!("{swapped}.txt"),
    }
}

/// The files under `root`, relative, sorted.
fn files_under(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn convert_roboflow_yolo_writes_labels_where_ultralytics_looks_and_no_path() {
    let input =
        repo_root().join("tests/corpus/datumaro-openvino/tests/assets/roboflow_dataset/yolo");
    let dir = tempfile::tempdir().unwrap();
    let o = labelkit(
        &[
            "convert",
            input.to_str().unwrap(),
            "--to",
            "yolo",
            "-o",
            "out",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Which folders were read for `train: ../train/images` and
    // `val: ../valid/images` is said on stderr.
    let err = stderr(&o);
    assert!(
        err.contains("`train: ../train/images` names nothing in the dataset root")
            && err.contains(
                "read `train/images` instead (as Ultralytics does, the leading `../` was dropped"
            ),
        "{err}"
    );
    assert!(
        err.contains("`val: ../valid/images` names nothing in the dataset root")
            && err
                .contains("read `val/images` instead (`valid` and `val` were tried for each other"),
        "{err}"
    );
    let out = dir.path().join("out");
    // The images are linked in (the default), each where its label file
    // says it is.
    assert_eq!(
        files_under(&out),
        [
            "data.yaml",
            "images/train/train_001.jpg",
            "images/train/train_002.jpg",
            "images/val/val_001.jpg",
            "labels/train/train_001.txt",
            "labels/train/train_002.txt",
            "labels/val/val_001.txt",
        ]
    );
    let yaml = std::fs::read_to_string(out.join("data.yaml")).unwrap();
    assert!(!yaml.lines().any(|l| l.starts_with("path:")), "{yaml}");
    assert!(
        yaml.contains("\ntrain: images/train\nval: images/val\n"),
        "{yaml}"
    );
    // --yaml-path writes the path asked for, quoted for YAML.
    let o = labelkit(
        &[
            "convert",
            input.to_str().unwrap(),
            "--to",
            "yolo",
            "-o",
            "out2",
            "--yaml-path",
            "/data/robo flow",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let yaml = std::fs::read_to_string(dir.path().join("out2/data.yaml")).unwrap();
    assert!(yaml.contains("\npath: \"/data/robo flow\"\n"), "{yaml}");
    // It is refused for other outputs.
    let o = labelkit(
        &[
            "convert",
            input.to_str().unwrap(),
            "--to",
            "coco",
            "-o",
            "x.json",
            "--yaml-path",
            ".",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--yaml-path applies to Ultralytics YOLO output only"));
}

#[test]
fn convert_places_every_label_file_by_ultralytics_rule_for_odd_image_paths() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "images/x/images/a b.c.jpg",
        "my images/pic.v2.png",
        "images/train/images.jpg",
        "deep/images/images/t.tar.JPG",
        "images/val/.hidden.jpeg",
        "dots.in.folder/images/x.y.z.bmp",
    ];
    let images: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            format!(
                r#"{{"id": {}, "file_name": "{n}", "width": 100, "height": 50}}"#,
                i + 1
            )
        })
        .collect();
    let anns: Vec<String> = (1..=names.len())
        .map(|i| {
            format!(
                r#"{{"id": {i}, "image_id": {i}, "category_id": 1, "bbox": [10, 10, 20, 20], "area": 400, "iscrowd": 0}}"#
            )
        })
        .collect();
    std::fs::write(
        dir.path().join("in.json"),
        format!(
            r#"{{"images": [{}], "annotations": [{}], "categories": [{{"id": 1, "name": "thing"}}]}}"#,
            images.join(", "),
            anns.join(", ")
        ),
    )
    .unwrap();
    let o = labelkit(
        &["convert", "in.json", "--to", "yolo", "-o", "out"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = dir.path().join("out");
    let yaml = std::fs::read_to_string(out.join("data.yaml")).unwrap();
    assert!(yaml.contains("\ntrain: images/train\n"), "{yaml}");
    // Each image is written under images/train/ (the folder data.yaml
    // names); its label file is where Ultralytics' rule maps that path,
    // absolute as Ultralytics makes it.
    let expected_images = [
        "images/train/x/images/a b.c.jpg",
        "images/train/my images/pic.v2.png",
        "images/train/images.jpg",
        "images/train/deep/images/images/t.tar.JPG",
        "images/train/val/.hidden.jpeg",
        "images/train/dots.in.folder/images/x.y.z.bmp",
    ];
    let root = out.to_str().unwrap().replace('\\', "/");
    let mut labels: Vec<String> = expected_images
        .iter()
        .map(|image| {
            let label = ultralytics_label_path(&format!("{root}/{image}"));
            label.strip_prefix(&format!("{root}/")).unwrap().to_owned()
        })
        .collect();
    labels.push("data.yaml".to_owned());
    labels.sort();
    assert_eq!(files_under(&out), labels);
    assert_eq!(
        labels,
        [
            "data.yaml",
            "images/train/deep/images/labels/t.tar.txt",
            "images/train/dots.in.folder/labels/x.y.z.txt",
            "images/train/x/labels/a b.c.txt",
            "labels/train/images.txt",
            "labels/train/my images/pic.v2.txt",
            "labels/train/val/.hidden.txt",
        ]
    );
    for l in &labels[1..] {
        assert_eq!(
            std::fs::read_to_string(out.join(l)).unwrap(),
            "0 0.2 0.4 0.2 0.4\n",
            "{l}"
        );
    }
}

#[test]
fn convert_refuses_a_data_yaml_without_train_naming_the_key() {
    let yaml = repo_root()
        .join("tests/corpus/dagshub-annotation-converter/tests/fs_import/yolo/res/pose_3dim.yaml");
    let dir = tempfile::tempdir().unwrap();
    let o = labelkit(
        &[
            "convert",
            yaml.to_str().unwrap(),
            "--to",
            "coco",
            "-o",
            "x.json",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "labelkit: error: {}:1:1: `train:` key missing: Ultralytics requires `train` and `val` \
             in every data.yaml, each naming images relative to the dataset root (a folder, a .txt \
             list of images, or a list of these)\n",
            yaml.display()
        )
    );
    assert!(!dir.path().join("x.json").exists());
}

/// `-q` prints the findings (read issues) and errors only: no conversion
/// report, not even one with losses (`--strict` refuses those).
/// `--quiet` on a terminal: stderr is a terminal (a pty from util-linux
/// `script`), where progress could show, yet only the finding is printed.
#[test]
fn quiet_on_a_terminal_prints_no_progress() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("util-linux `script` is not installed; no terminal to test on");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    yolo_dataset(&d.join("ds"), "0 0.5 0.5 0.2 0.2\n1 0.5 0.5\n");
    assert!(!BIN.contains('\''), "the binary's path quotes in sh: {BIN}");
    let o = Command::new("script")
        .args([
            "-qec",
            &format!("'{BIN}' convert ds/data.yaml --to cvat -o o.xml -q"),
            "/dev/null",
        ])
        .current_dir(d)
        .env_remove("NO_COLOR")
        .output()
        .expect("script runs");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // The terminal's bytes (stdout and stderr of the command, with the
    // pty's CR LF line ends): the finding alone, no progress.
    assert_eq!(
        stdout(&o),
        "ds/labels/train/a.txt:2:1: F002 expected 4 values (a box) or an even number of at \
         least 6 (a polygon) after the class id, found 2\r\n"
    );
    assert!(d.join("o.xml").is_file());
}

#[test]
fn quiet_convert_prints_findings_but_no_loss_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    yolo_dataset(&d.join("ds"), "0 0.5 0.5 0.2 0.2\n1 0.5 0.5\n");
    let o = labelkit(
        &[
            "convert",
            "ds/data.yaml",
            "--to",
            "cvat",
            "-o",
            "o.xml",
            "-q",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "ds/labels/train/a.txt:2:1: F002 expected 4 values (a box) or an even number of at \
         least 6 (a polygon) after the class id, found 2\n"
    );
    assert!(d.join("o.xml").is_file());
    let o = labelkit(
        &[
            "convert",
            "ds/data.yaml",
            "--to",
            "coco",
            "-o",
            "o.json",
            "-q",
            "--strict",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("strict conversion to coco refused: 1 x input the reader had to skip"),
        "{}",
        stderr(&o)
    );
}

/// The sample finding at the top of the README is a line that
/// `labelkit check examples/person-dataset` prints.
#[test]
fn the_readme_sample_finding_is_real() {
    let root = repo_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let sample = readme
        .split("```\n")
        .nth(1)
        .and_then(|block| block.lines().next())
        .expect("the first code block of the README");
    let o = labelkit(
        &[
            "check",
            "examples/person-dataset",
            "--output-format",
            "concise",
        ],
        &root,
    );
    assert!(
        stdout(&o).lines().any(|l| l == sample),
        "README: {sample}\ncheck:\n{}",
        stdout(&o)
    );
}

/// Datumaro's `instances_val.json`: its images are the `val` subset, as the
/// file's name says (`instances_<subset>.json`), in YOLO and CVAT output.
#[test]
fn coco_subset_comes_from_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let src = repo_root().join(
        "tests/corpus/datumaro-cvat-ai/tests/assets/coco_dataset/coco_instances/annotations/instances_val.json",
    );
    let src = src.to_str().unwrap();
    let o = labelkit(&["convert", src, "--to", "yolo", "-o", "y"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.path().join("y/labels/val/b.txt").is_file());
    assert!(!dir.path().join("y/labels/train").exists());
    let yaml = std::fs::read_to_string(dir.path().join("y/data.yaml")).unwrap();
    assert!(yaml.lines().any(|l| l == "val: images/val"), "{yaml}");
    assert!(yaml.lines().any(|l| l == "train: images/val"), "{yaml}");
    let o = labelkit(&["convert", src, "--to", "cvat", "-o", "c.xml"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let xml = std::fs::read_to_string(dir.path().join("c.xml")).unwrap();
    assert!(
        xml.contains("<image id=\"40\" name=\"b.jpg\" subset=\"val\""),
        "{xml}"
    );
}

/// COCO `attributes: {x: 1, y: "hello"}` on label `a`: the CVAT output
/// declares both on the label (`x` a number, `y` text), so the number comes
/// back as a number.
#[test]
fn cvat_output_declares_the_attributes_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let src = repo_root().join(
        "tests/corpus/datumaro-cvat-ai/tests/assets/coco_dataset/coco_instances/annotations/instances_val.json",
    );
    let o = labelkit(
        &[
            "convert",
            src.to_str().unwrap(),
            "--to",
            "cvat",
            "-o",
            "c.xml",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let xml = std::fs::read_to_string(dir.path().join("c.xml")).unwrap();
    let label_a = xml
        .split("<label>")
        .find(|l| l.contains("<name>a</name>"))
        .expect("label a");
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    assert!(
        squeeze(label_a).contains(&squeeze(
            "<attribute><name>x</name><mutable>False</mutable><input_type>number</input_type>\
             <default_value>1</default_value><values>1\n1\n1</values></attribute>"
        )),
        "{label_a}"
    );
    assert!(
        squeeze(label_a).contains(&squeeze(
            "<attribute><name>y</name><mutable>False</mutable><input_type>text</input_type>\
             <default_value></default_value><values></values></attribute>"
        )),
        "{label_a}"
    );
    // Back to COCO: `x` is the number 1 again, `y` the text.
    let o = labelkit(
        &["convert", "c.xml", "--to", "coco", "-o", "back.json"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let back: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("back.json")).unwrap())
            .unwrap();
    let attrs = back["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|a| a.get("attributes").filter(|x| x.get("x").is_some()))
        .expect("attributes");
    assert_eq!(attrs["x"], serde_json::json!(1));
    assert_eq!(attrs["y"], serde_json::json!("hello"));
}
