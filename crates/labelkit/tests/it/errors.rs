//! Errors state each cause once: an error that prints its source in its
//! own message does not also hand it on as `source()`, so a reporter that
//! walks the chain (anyhow's `{:#}`, the command line) prints it once.

use std::error::Error as _;
use std::path::Path;

use labelkit::{read, Format, ReadOptions};

/// The messages of an error and its sources, in order.
fn chain(err: &labelkit::Error) -> Vec<String> {
    let mut messages = vec![err.to_string()];
    let mut cause = err.source();
    while let Some(c) = cause {
        messages.push(c.to_string());
        cause = c.source();
    }
    messages
}

#[test]
fn a_missing_file_states_its_io_error_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let io = format!(
        "{}: No such file or directory (os error 2)",
        missing.display()
    );
    let yolo = format!("{}: no such file or folder", missing.display());
    for (format, expected) in [
        (None, &io),
        (Some(Format::Coco), &io),
        (Some(Format::CvatImages), &io),
        (Some(Format::YoloUltralytics), &yolo),
    ] {
        let err = read(&missing, format, &ReadOptions::default()).unwrap_err();
        assert_eq!(chain(&err), std::slice::from_ref(expected), "{format:?}");
    }
}

#[test]
fn an_unreadable_output_folder_states_its_io_error_once() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.json");
    std::fs::write(
        &input,
        r#"{"images":[{"id":1,"file_name":"a.jpg","width":4,"height":4}],"annotations":[],"categories":[{"id":1,"name":"x"}]}"#,
    )
    .unwrap();
    // A file where the output's folder should be.
    std::fs::write(dir.path().join("blocker"), "").unwrap();
    let output = dir.path().join(Path::new("blocker").join("out.json"));
    let err = labelkit::convert(
        &input,
        &output,
        None,
        Format::Coco,
        &labelkit::ConvertOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        chain(&err),
        [format!(
            "{}: File exists (os error 17)",
            dir.path().join("blocker").display()
        )]
    );
}
