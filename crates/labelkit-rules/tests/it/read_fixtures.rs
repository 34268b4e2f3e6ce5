//! The F codes (read issues) at their boundaries: for each code, fixture
//! files in each real format that can carry the mistake
//! (`tests/fixtures/read/<CODE>/`: `cvat*.xml`, `coco.json`, a `yolo/`
//! dataset), read by the real readers, checked with only that code
//! selected, and snapshotted. A YOLO label file is also read alone, as the
//! pre-commit hook reads it, and must give the same findings.

use std::path::{Path, PathBuf};

use labelkit_diagnostics::{Diagnostic, Loaded, Severity};
use labelkit_rules::Config;

use crate::support::{check, concise, full, summary};

const FIXTURES: &str = "tests/fixtures/read";

/// The fixture files of `code`, in name order, each read by its reader.
fn read_fixtures(code: &str) -> Vec<(PathBuf, Loaded)> {
    let dir = Path::new(FIXTURES).join(code);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let loaded = if name.ends_with(".xml") {
                labelkit_cvat::read_path(&p, &labelkit_cvat::ReadOptions::default())
                    .unwrap_or_else(|e| panic!("{e}"))
            } else if name.ends_with(".json") {
                labelkit_coco::read_path(&p, &labelkit_coco::ReadOptions::default())
                    .unwrap_or_else(|e| panic!("{e}"))
            } else if name == "yolo" {
                labelkit_yolo::read_path(
                    &p.join("data.yaml"),
                    &labelkit_yolo::ReadOptions::default(),
                )
                .unwrap_or_else(|e| panic!("{e}"))
            } else {
                panic!("unexpected fixture {}", p.display());
            };
            (p, loaded)
        })
        .collect()
}

fn select(code: &str, extra: &str) -> Config {
    Config::from_toml_str(&format!("select = [\"{code}\"]\n{extra}"), "labelkit.toml").unwrap()
}

/// Checks every fixture of `code` with only `code` selected, snapshots the
/// rendered findings, and returns the summaries, fixture by fixture.
fn run(code: &str) -> Vec<Vec<String>> {
    let config = select(code, "");
    let mut text = String::new();
    let mut all = Vec::new();
    for (path, loaded) in read_fixtures(code) {
        let found: Vec<Diagnostic> = check(&loaded, &config);
        assert!(
            found.iter().all(|d| d.code == code),
            "only {code}: {found:?}"
        );
        assert!(!found.is_empty(), "{}: no {code}", path.display());
        // The code can be switched off and re-severitied like any rule.
        let rest = check(&loaded, &select("F", &format!("ignore = [\"{code}\"]")));
        assert!(rest.iter().all(|d| d.code != code), "{rest:?}");
        let info = check(&loaded, &select(code, "[severity]\nF = \"info\"\n"));
        assert_eq!(info.len(), found.len());
        assert!(info.iter().all(|d| d.severity == Severity::Info));

        let s = summary(&found, &loaded.sources);
        text.push_str(&format!(
            "=== {} ===\n{}\n--- concise ---\n{}\n--- full ---\n{}\n",
            path.display(),
            s.join("\n"),
            concise(&found, &loaded.sources),
            full(&found, &loaded.sources)
        ));
        if path.ends_with("yolo") {
            same_alone(code, &path, &s);
        }
        all.push(s);
    }
    insta::assert_snapshot!(code, text);
    all
}

/// Each label file of a YOLO fixture read alone (the hook's path) gives the
/// findings the whole dataset gives on it.
fn same_alone(code: &str, root: &Path, whole: &[String]) {
    let label = root.join("labels/train/a.txt");
    let alone = labelkit_yolo::read_label_file(&label, &labelkit_yolo::ReadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let found = check(&alone, &select(code, ""));
    assert_eq!(
        summary(&found, &alone.sources),
        whole,
        "{}",
        label.display()
    );
}

/// The line of `summaries` (one fixture's) at `place`.
fn at<'a>(summaries: &'a [String], place: &str) -> &'a str {
    summaries
        .iter()
        .find(|s| s.starts_with(place))
        .unwrap_or_else(|| panic!("nothing at {place}: {summaries:#?}"))
}

#[test]
fn f001_malformed_value() {
    let [coco, cvat, yolo] = &run("F001")[..] else {
        panic!()
    };
    assert_eq!(coco.len(), 1, "{coco:#?}");
    assert!(
        at(coco, "tests/fixtures/read/F001/coco.json:7:54: F001 error").contains(
            "annotation skipped: invalid type: string \"10 10 30 40\", expected a list of numbers"
        )
    );
    assert!(at(cvat, "tests/fixtures/read/F001/cvat.xml:7:")
        .contains("`xtl` is `abc`, expected a number"));
    assert_eq!(yolo.len(), 2, "{yolo:#?}");
    assert!(at(
        yolo,
        "tests/fixtures/read/F001/yolo/labels/train/a.txt:2:7: F001 error"
    )
    .ends_with("expected a number, found \"abc\""));
    assert!(at(
        yolo,
        "tests/fixtures/read/F001/yolo/labels/train/a.txt:3:1: F001 error"
    )
    .ends_with("expected a class id, found \"0,0.5,0.5,0.2,0.2\""));
}

#[test]
fn f002_wrong_value_count() {
    let [coco, yolo] = &run("F002")[..] else {
        panic!()
    };
    assert_eq!((coco.len(), yolo.len()), (1, 1), "{coco:#?} {yolo:#?}");
    assert!(at(
        yolo,
        "tests/fixtures/read/F002/yolo/labels/train/a.txt:2:1: F002"
    )
    .contains("found 3"));
}

#[test]
fn f003_unknown_class() {
    let [cvat, yolo] = &run("F003")[..] else {
        panic!()
    };
    assert!(at(cvat, "tests/fixtures/read/F003/cvat.xml:7:").contains("`ghost`"));
    assert!(at(
        yolo,
        "tests/fixtures/read/F003/yolo/labels/train/a.txt:2:1: F003"
    )
    .ends_with("class id 7 is not in `names` (1 classes)"));
}

#[test]
fn f004_dangling_reference() {
    let [coco, cvat] = &run("F004")[..] else {
        panic!()
    };
    assert_eq!(coco.len(), 2, "{coco:#?}");
    assert!(coco[0].contains("99"), "{coco:#?}");
    assert!(coco[1].contains('9'), "{coco:#?}");
    assert!(at(cvat, "tests/fixtures/read/F004/cvat.xml:4:").contains("nobody"));
}

#[test]
fn f005_duplicate_id() {
    let [coco] = &run("F005")[..] else { panic!() };
    assert_eq!(coco.len(), 2, "{coco:#?}");
}

#[test]
fn f006_non_finite() {
    let [coco, cvat, yolo] = &run("F006")[..] else {
        panic!()
    };
    assert_eq!((coco.len(), cvat.len(), yolo.len()), (1, 2, 1));
    assert!(at(cvat, "tests/fixtures/read/F006/cvat.xml:8:").contains("not finite"));
}

#[test]
fn f007_coordinate_out_of_range() {
    let [yolo] = &run("F007")[..] else { panic!() };
    assert!(at(
        yolo,
        "tests/fixtures/read/F007/yolo/labels/train/a.txt:2:3: F007"
    )
    .ends_with("found 1.5"));
}

/// An image whose header cannot be read (a missing image is no read issue:
/// D006 and G005 report it).
#[test]
fn f008_image_unreadable() {
    let [yolo] = &run("F008")[..] else { panic!() };
    assert_eq!(yolo.len(), 1, "{yolo:#?}");
    assert!(yolo[0].contains("a.gif: "), "{yolo:#?}");
    assert!(yolo[0].contains("its size is unknown"), "{yolo:#?}");
}

#[test]
fn f009_invalid_mask() {
    let [coco, cvat] = &run("F009")[..] else {
        panic!()
    };
    assert_eq!((coco.len(), cvat.len()), (1, 1), "{coco:#?} {cvat:#?}");
}

/// A bad `width` is an invalid image size (F010), never F001, and a second
/// size problem on the same element is reported too.
#[test]
fn f010_invalid_image_size() {
    let [coco, cvat_video, cvat] = &run("F010")[..] else {
        panic!()
    };
    assert_eq!(coco.len(), 1, "{coco:#?}");
    assert_eq!(cvat.len(), 2, "{cvat:#?}");
    assert!(
        at(cvat, "tests/fixtures/read/F010/cvat.xml:5:37: F010 error").ends_with(
            "image width `abc` is not an integer: expected an integer from 1 to 4294967295"
        )
    );
    assert!(
        at(cvat, "tests/fixtures/read/F010/cvat.xml:5:50: F010 error").ends_with(
            "image height `-3` is out of range: expected an integer from 1 to 4294967295"
        )
    );
    assert_eq!(cvat_video.len(), 2, "{cvat_video:#?}");
    assert!(
        cvat_video[0].contains("original_size width `wide`"),
        "{cvat_video:#?}"
    );
    assert!(
        cvat_video[1].contains("original_size height `0`"),
        "{cvat_video:#?}"
    );
}

#[test]
fn f011_unsupported() {
    let [coco, cvat] = &run("F011")[..] else {
        panic!()
    };
    assert!(at(coco, "tests/fixtures/read/F011/coco.json:2:").contains("duplicate key `width`"));
    assert!(at(cvat, "tests/fixtures/read/F011/cvat.xml:7:").contains("<hologram>"));
}

/// Every F code has its fixture folder.
#[test]
fn every_read_issue_has_fixture_files() {
    for issue in labelkit_diagnostics::ReadIssue::ALL {
        assert!(
            Path::new(FIXTURES).join(issue.code()).is_dir(),
            "{} has no fixture folder",
            issue.code()
        );
    }
}

/// The mutation of a real file: the generated clean people, written as a
/// YOLO dataset with image headers beside it, have no read issue, whether
/// the dataset is read whole or each label file alone (the hook's path);
/// one row made malformed in one file gives exactly one F001, at its line
/// and column, both ways.
#[test]
fn a_malformed_row_in_a_clean_export_is_the_only_read_issue() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let dataset = labelkit_testkit::people::person_dataset(3, 2, 7);
    labelkit_yolo::write_path(&dataset, &dir, &labelkit_yolo::WriteOptions::new()).unwrap();
    let mut labels: Vec<PathBuf> = std::fs::read_dir(dir.join("labels/train"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    labels.sort();
    assert_eq!(labels.len(), 3, "{labels:?}");
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend(640u32.to_be_bytes());
    png.extend(480u32.to_be_bytes());
    png.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
    std::fs::create_dir_all(dir.join("images/train")).unwrap();
    for label in &labels {
        let stem = label.file_stem().unwrap().to_string_lossy().into_owned();
        std::fs::write(dir.join(format!("images/train/{stem}.jpg")), &png).unwrap();
    }
    let f = select("F", "");
    let read_issues = |loaded: &Loaded| summary(&check(loaded, &f), &loaded.sources);
    let whole = || labelkit_yolo::read_path(&dir, &labelkit_yolo::ReadOptions::default()).unwrap();
    let alone = |label: &Path| {
        labelkit_yolo::read_label_file(label, &labelkit_yolo::ReadOptions::default()).unwrap()
    };
    assert_eq!(read_issues(&whole()), Vec::<String>::new());
    for label in &labels {
        assert_eq!(read_issues(&alone(label)), Vec::<String>::new());
    }

    let text = std::fs::read_to_string(&labels[1]).unwrap();
    let mut rows: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut values: Vec<&str> = rows[2].split(' ').collect();
    values[2] = "abc";
    let column = values[0].len() + values[1].len() + 3;
    rows[2] = values.join(" ");
    std::fs::write(&labels[1], rows.join("\n") + "\n").unwrap();
    let expected = format!(
        "{}:3:{column}: F001 error [image None annotation None] expected a number, found \"abc\"",
        labels[1].display()
    );
    assert_eq!(
        read_issues(&alone(&labels[1])),
        std::slice::from_ref(&expected)
    );
    assert_eq!(read_issues(&whole()), [expected]);
    assert_eq!(read_issues(&alone(&labels[0])), Vec::<String>::new());
}
