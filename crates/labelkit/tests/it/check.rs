//! `labelkit::check`: what `labelkit check` checks, through the library, on
//! the repository's example dataset, corpus files and fixture trees laid out
//! as users and the pre-commit hook have them. The expected lines are what
//! the command prints for the same input (crates/labelkit-cli/tests).

use std::path::{Path, PathBuf};

use labelkit::check::{BaselineRefusal, CheckError, CheckEvent, CheckRequest, PluginTrust, Target};
use labelkit::rules::{Config, SelectionOverrides};
use labelkit::{render, Format, OutputFormat, RenderOptions};

use crate::support::corpus;

/// The findings as `labelkit check --output-format concise` prints them,
/// with `base/` taken off the paths.
fn concise(outcome: &labelkit::check::CheckOutcome, base: &Path) -> Vec<String> {
    let text = render(
        OutputFormat::Concise,
        &outcome.diagnostics,
        &outcome.sources,
        &RenderOptions::default(),
    );
    let prefix = format!("{}/", base.display());
    text.lines().map(|l| l.replacen(&prefix, "", 1)).collect()
}

/// A valid PNG header (signature and IHDR) of the given size.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}

/// A one-image Ultralytics dataset of 100x100 px with the given rows in
/// `labels/train/a.txt`.
fn yolo_dataset(dir: &Path, rows: &str) {
    described_dataset(
        dir,
        "path: .\ntrain: images/train\nnames:\n  0: person\n  1: head\n",
        rows,
    );
}

/// [`yolo_dataset`] with another data.yaml.
fn described_dataset(dir: &Path, data_yaml: &str, rows: &str) {
    std::fs::create_dir_all(dir.join("images/train")).unwrap();
    std::fs::create_dir_all(dir.join("labels/train")).unwrap();
    std::fs::write(dir.join("data.yaml"), data_yaml).unwrap();
    std::fs::write(dir.join("images/train/a.png"), png(100, 100)).unwrap();
    std::fs::write(dir.join("labels/train/a.txt"), rows).unwrap();
}

/// The repository's example dataset, found with its labelkit.toml: the
/// three mistakes its data.yaml describes, at their rows, as
/// `labelkit check examples/person-dataset` prints them.
#[test]
fn the_example_dataset_reports_its_three_mistakes() {
    // The reader names the files by the cleaned path.
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples"))
        .canonicalize()
        .unwrap();
    let root = root.as_path();
    let outcome = CheckRequest::new([root.join("person-dataset")])
        .run()
        .unwrap();
    assert_eq!(
        concise(&outcome, root),
        [
            "person-dataset/labels/train/img002.txt:8:1: G001 box `eye` is 2x2 px, smaller than the minimum 3x3 px",
            "person-dataset/labels/train/img003.txt:6:1: A004 `face` lies inside no `head`",
            "person-dataset/labels/train/img004.txt:9:1: A001 `body` box duplicates the box at line 1 (IoU 1.000)",
        ]
    );
    assert_eq!(outcome.errors(), 3);
    assert_eq!(outcome.targets.len(), 1);
    let summary = &outcome.targets[0];
    assert!(matches!(
        summary.target,
        Target::Dataset {
            format: Format::YoloUltralytics,
            ..
        }
    ));
    assert_eq!(summary.counts.images, 4);
    assert_eq!(summary.counts.classes, 9);
    assert_eq!(summary.counts.findings, 3);
    // The configuration's `min-count = 1` is in force: no D001.
    assert!(outcome.diagnostics.iter().all(|d| d.code != "D001"));
}

/// mmpose's COCO keypoints file: the findings `labelkit check` prints, in
/// its order, and the statistics of `--statistics`.
#[test]
fn a_coco_corpus_file_gives_the_findings_of_the_command() {
    let file = corpus("mmpose/tests/data/coco/test_coco.json");
    let outcome = CheckRequest::new([&file]).run().unwrap();
    let base = file.parent().unwrap();
    assert_eq!(
        concise(&outcome, base),
        [
            "test_coco.json:50:9: D001 class `person` has 14 labels, fewer than 3000",
            "test_coco.json:403:9: K005 keypoints of `person` outside their object's box: `right_ankle` (158, 296)",
            "test_coco.json:1013:9: K004 keypoints of `person`: `left_wrist` and `right_wrist` look swapped, their sides disagree with the other 6 left/right pairs",
            "test_coco.json:1013:9: K005 keypoints of `person` outside their object's box: `left_ankle` (587, 222), `right_ankle` (557, 219)",
            "test_coco.json:1810:9: K005 keypoints of `person` outside their object's box: `right_wrist` (281, 136)",
            "test_coco.json:1963:9: K005 keypoints of `person` outside their object's box: `right_ankle` (539, 262)",
        ]
    );
    assert_eq!(outcome.errors(), 4);
    assert_eq!(
        outcome.statistics().to_string(),
        "4  K005  keypoint-outside (error)\n\
         1  D001  too-few-labels (warning)\n\
         1  K004  left-right-swap (warning)\n"
    );
}

/// cveta2's CVAT export: four declared classes no shape uses (D002), at
/// their `<label>`; `--ignore D002` leaves nothing.
#[test]
fn a_cvat_corpus_file_gives_the_findings_of_the_command() {
    let file = corpus("cveta2/annotations.xml");
    let outcome = CheckRequest::new([&file]).run().unwrap();
    let lines = concise(&outcome, file.parent().unwrap());
    assert_eq!(
        lines,
        [
            "annotations.xml:74:9: D002 class `sdfxcvxcvxcv` is declared but never used",
            "annotations.xml:81:9: D002 class `sdfsdfvcxcvxcv` is declared but never used",
            "annotations.xml:88:9: D002 class `vvvvv` is declared but never used",
            "annotations.xml:95:9: D002 class `vsdxfddsf` is declared but never used",
        ]
    );
    assert_eq!(outcome.errors(), 0);
    let ignored = CheckRequest::new([&file])
        .overrides(SelectionOverrides {
            ignore: vec!["D002".to_owned()],
            ..SelectionOverrides::default()
        })
        .run()
        .unwrap();
    assert!(ignored.diagnostics.is_empty(), "{:?}", ignored.diagnostics);
}

/// The pre-commit hook's call: changed label files of one dataset, each
/// read alone with the dataset's classes (every bad row at its line and
/// column, as the whole-dataset check reports it), and a README skipped
/// with its reason; without skipping, the README stops the check.
#[test]
fn label_files_checked_alone_report_each_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    yolo_dataset(d, "0 0.5 0.5 0.4 0.6\n0 0.5 abc 0.2 0.2\n");
    std::fs::write(d.join("images/train/b.png"), png(100, 100)).unwrap();
    std::fs::write(
        d.join("labels/train/b.txt"),
        "0,0.5,0.5,0.4,0.6\n1,0.5,0.3,0.1,0.1\n",
    )
    .unwrap();
    std::fs::write(d.join("README.txt"), "A dataset of people.\n").unwrap();
    let paths: Vec<PathBuf> = ["labels/train/b.txt", "README.txt", "labels/train/a.txt"]
        .iter()
        .map(|p| d.join(p))
        .collect();
    let mut events = Vec::new();
    let outcome = CheckRequest::new(paths.iter())
        .skip_other_files(true)
        .run_with(&mut |e| {
            events.push(match e {
                CheckEvent::Skipped { path, reason } => {
                    format!(
                        "skipped {}: {reason}",
                        path.strip_prefix(d).unwrap().display()
                    )
                }
                CheckEvent::LabelFile {
                    target,
                    targets,
                    path,
                    file,
                    files,
                } => format!(
                    "[{target}/{targets}] {} ({file}/{files})",
                    path.strip_prefix(d).unwrap().display()
                ),
                other => format!("{other:?}"),
            });
        })
        .unwrap();
    assert_eq!(
        events,
        [
            "skipped README.txt: a text file whose rows do not start with a class id",
            "[2/2] labels/train/a.txt (1/2)",
            "[2/2] labels/train/b.txt (2/2)",
        ]
    );
    assert_eq!(
        concise(&outcome, d),
        [
            "labels/train/a.txt:2:7: F001 expected a number, found \"abc\"",
            "labels/train/b.txt:1:1: F001 expected a class id, found \"0,0.5,0.5,0.4,0.6\"",
            "labels/train/b.txt:2:1: F001 expected a class id, found \"1,0.5,0.3,0.1,0.1\"",
        ]
    );
    assert!(!outcome.checked_nothing());
    let Target::LabelFiles { root, files, .. } = &outcome.targets[1].target else {
        panic!("{:?}", outcome.targets);
    };
    assert_eq!(root, &std::path::absolute(d).unwrap());
    assert_eq!(files, &[paths[2].clone(), paths[0].clone()]);
    assert_eq!(outcome.targets[1].counts.label_files, 2);
    assert_eq!(outcome.targets[1].counts.errors, 3);

    // Named without skipping, the README is not an annotation file.
    let err = CheckRequest::new(paths.iter()).run().unwrap_err();
    let CheckError::NotAnnotation(inner) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        inner.to_string(),
        format!(
            "{}: cannot tell the annotation format: a text file whose rows do not start with a class id",
            paths[1].display()
        )
    );
    // Only skipped files: nothing was checked.
    let none = CheckRequest::new([&paths[1]])
        .skip_other_files(true)
        .run()
        .unwrap();
    assert!(none.checked_nothing() && none.diagnostics.is_empty());
}

/// A changed class list checked alone: the label files are read against it
/// (F003 at each row whose class it no longer declares), and the
/// description's read is told with its classes and label files.
#[test]
fn a_description_alone_checks_the_label_files_against_its_classes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    described_dataset(
        d,
        "train: images/train\nnames: [person]\n",
        "0 0.5 0.5 0.4 0.6\n1 0.5 0.3 0.1 0.1\n",
    );
    let mut described = None;
    let outcome = CheckRequest::new([d.join("data.yaml")])
        .run_with(&mut |e| {
            if let CheckEvent::Described {
                classes,
                label_files,
                ..
            } = e
            {
                described = Some((classes, label_files));
            }
        })
        .unwrap();
    assert_eq!(described, Some((1, 1)));
    assert_eq!(
        concise(&outcome, d),
        ["labels/train/a.txt:2:1: F003 class id 1 is not in `names` (1 classes)"]
    );
    assert!(matches!(
        outcome.targets[0].target,
        Target::Description { .. }
    ));
    assert_eq!(outcome.targets[0].counts.label_files, 1);
    assert_eq!(outcome.targets[0].counts.images, 0);
}

/// Configuration names that resolve to no class, or to two, are D008 at
/// the name in the labelkit.toml found by walking up from a label file
/// checked alone, as the hook prints them (`hook.rs`); the whole dataset
/// says the same.
#[test]
fn a_discovered_configuration_is_in_force_and_pointed_at() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    described_dataset(
        d,
        "train: images/train\nval: images/train\nnames: [Face, Eyes, hand, hand-left, HAND_LEFT, hand_right]\n",
        "2 0.5 0.5 0.4 0.4\n",
    );
    std::fs::write(
        d.join("labelkit.toml"),
        "select = [\"A003\", \"D008\"]\n\n[schema.parts]\neye = \"face\"\n\n[[schema.companions]]\nobject = \"hand\"\none-of = [\"hand_left\", \"hand_right\"]\n",
    )
    .unwrap();
    let expected = [
        "labelkit.toml:4:1: D008 configuration name `eye` matches no class of the dataset; closest: `Eyes`",
        "labelkit.toml:8:11: D008 configuration name `hand_left` matches 2 classes of the dataset: `hand-left`, `HAND_LEFT`; it is used for none",
        "labels/train/a.txt:1:1: A003 `hand` has none of `hand_right` (`hand_left` of the configuration matches several classes and stands for none: see D008)",
    ];
    let outcome = CheckRequest::new([d.join("labels/train/a.txt")])
        .run()
        .unwrap();
    assert_eq!(concise(&outcome, d), expected);
    let whole = CheckRequest::new([d]).run().unwrap();
    assert_eq!(concise(&whole, d), expected);
}

/// A [`PluginTrust`] that allows every configuration and loads none of
/// its libraries.
struct LoadNone;

impl PluginTrust for LoadNone {
    fn libraries(
        &self,
        _: &Path,
        _: &[u8],
        _: &Config,
        _: &Path,
    ) -> Result<Vec<PathBuf>, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Vec::new())
    }
}

/// The plugins of a labelkit.toml found by walking up are native code from
/// whoever made the dataset: by default the run is refused before any data
/// is read; a trust policy decides otherwise, and a configuration the
/// caller names loads its plugins.
#[test]
fn plugins_of_a_discovered_configuration_need_trust() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    yolo_dataset(d, "0 0.5 0.5 0.4 0.6\n");
    std::fs::write(
        d.join("labelkit.toml"),
        "[plugins.evil]\npath = \"evil.so\"\n",
    )
    .unwrap();
    let err = CheckRequest::new([d]).run().unwrap_err();
    assert!(matches!(err, CheckError::Untrusted(_)), "{err:?}");
    let config = std::path::absolute(d.join("labelkit.toml")).unwrap();
    assert!(
        err.to_string().starts_with(&format!(
            "refusing to load the plugins of {} (found by walking up from {}): ",
            config.display(),
            d.display()
        )),
        "{err}"
    );
    let outcome = CheckRequest::new([d]).trust(LoadNone).run().unwrap();
    assert_eq!(outcome.targets[0].counts.images, 1);
    // Named by the caller, the configuration's library is loaded (here it
    // does not exist).
    let err = CheckRequest::new([d])
        .config_file(d.join("labelkit.toml"))
        .run()
        .unwrap_err();
    assert!(matches!(err, CheckError::Plugin(_)), "{err:?}");
    assert!(err.to_string().contains("evil.so"), "{err}");
}

/// A baseline records the findings and then accepts them; it may not go
/// over an input.
#[test]
fn a_baseline_records_and_accepts_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("ds");
    std::fs::create_dir(&d).unwrap();
    // Row 2 is a 2x2 px box.
    yolo_dataset(&d, "0 0.5 0.5 0.4 0.6\n0 0.5 0.5 0.02 0.02\n");
    let baseline = dir.path().join("baseline.json");
    let written = CheckRequest::new([&d])
        .write_baseline(&baseline)
        .run()
        .unwrap();
    assert_eq!(
        written.baseline_written.as_deref(),
        Some(baseline.as_path())
    );
    let found = written.diagnostics.len();
    assert!(
        written
            .diagnostics
            .iter()
            .any(|d| d.code == "G001" && d.primary.is_some()),
        "{:?}",
        written.diagnostics
    );
    let outcome = CheckRequest::new([&d]).baseline(&baseline).run().unwrap();
    assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
    assert_eq!(outcome.accepted_by_baseline, found);
    assert_eq!(outcome.targets[0].counts.findings, found);

    // Into the label folder read (one more `.txt` there would be one more
    // label file): refused after the reads, and nothing is written.
    let inside = d.join("labels/train/baseline.json");
    let err = CheckRequest::new([&d])
        .write_baseline(&inside)
        .run()
        .unwrap_err();
    assert!(
        matches!(
            err,
            CheckError::BaselineRefused {
                reason: BaselineRefusal::Guarded(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!inside.exists());
    // Over a file that is not a baseline: refused before the reads.
    let err = CheckRequest::new([&d])
        .write_baseline(d.join("data.yaml"))
        .run()
        .unwrap_err();
    assert!(
        matches!(
            err,
            CheckError::BaselineRefused {
                reason: BaselineRefusal::NotABaseline(_),
                ..
            }
        ),
        "{err:?}"
    );
}
