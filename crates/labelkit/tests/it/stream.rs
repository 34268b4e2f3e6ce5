//! `from_slice`, `from_reader` and `to_writer`: the same datasets, issues,
//! positions and bytes as `read` and `write` of files, on corpus files; a
//! YOLO dataset refused by name.

use std::io::Read;
use std::path::Path;

use labelkit::{
    from_reader, from_slice, read, to_writer, write, Error, Format, Loaded, ReadOptions,
    WriteOptions,
};

use crate::support::corpus;

const COCO_VAL: &str =
    "datumaro-cvat-ai/tests/assets/coco_dataset/coco_instances/annotations/instances_val.json";
const COCO_KEYPOINTS: &str = "datumaro-cvat-ai/tests/assets/coco_dataset/coco_person_keypoints/annotations/person_keypoints_train.json";
const CVAT_IMAGES: &str = "datumaro-cvat-ai/tests/assets/cvat_dataset/for_images/train.xml";
const CVAT_VIDEO: &str = "datumaro-cvat-ai/tests/assets/cvat_dataset/for_video/annotations.xml";
const DARKNET: &str = "review_object_detection_metrics/data/database/gts/yolo_format";

/// Asserts that two readings hold the same dataset, positions, issues and
/// source text, and returns the issue count.
fn assert_same(a: &Loaded, b: &Loaded, what: &str) -> usize {
    assert_eq!(a.dataset, b.dataset, "{what}: dataset");
    assert_eq!(a.spans, b.spans, "{what}: spans");
    assert_eq!(a.issues, b.issues, "{what}: issues");
    let sources = |l: &Loaded| -> Vec<(std::path::PathBuf, Vec<u8>)> {
        l.sources
            .iter()
            .map(|(_, f)| (f.path().to_path_buf(), f.text().to_vec()))
            .collect()
    };
    assert_eq!(sources(a), sources(b), "{what}: sources");
    a.issues.len()
}

#[test]
fn slices_and_readers_read_what_the_path_reads() {
    let cases = [
        (COCO_VAL, Format::Coco),
        (COCO_KEYPOINTS, Format::Coco),
        (CVAT_IMAGES, Format::CvatImages),
        (CVAT_VIDEO, Format::CvatVideo),
    ];
    let mut issues = Vec::new();
    for (rel, format) in cases {
        let path = corpus(rel);
        let bytes = std::fs::read(&path).unwrap();
        let from_path = read(&path, None, &ReadOptions::new()).unwrap();
        // Named as the path: the same reading, the subset of a COCO file's
        // name included.
        let named = ReadOptions::new().source_name(&path);
        for format in [None, Some(format)] {
            let slice = from_slice(&bytes, format, &named).unwrap();
            issues.push(assert_same(&slice, &from_path, rel));
            let stream = from_reader(std::fs::File::open(&path).unwrap(), format, &named).unwrap();
            assert_same(&stream, &from_path, rel);
        }
        // Unnamed: the same dataset but for the subset a COCO file's name
        // gives, and positions in `<bytes>`.
        let unnamed = from_slice(&bytes, None, &ReadOptions::new()).unwrap();
        let files: Vec<&Path> = unnamed.sources.iter().map(|(_, f)| f.path()).collect();
        assert_eq!(files, [Path::new("<bytes>")], "{rel}");
        assert_eq!(
            unnamed.sources.get(labelkit::FileId(0)).unwrap().text(),
            &bytes[..]
        );
        assert_eq!(unnamed.spans, from_path.spans, "{rel}");
        assert_eq!(
            unnamed.dataset.annotations, from_path.dataset.annotations,
            "{rel}"
        );
    }
    // The keypoints file has two issues (skeletons that are not lists of
    // index pairs), the CVAT images file one (an undeclared label), all
    // compared above with their positions.
    assert_eq!(issues, [0, 0, 2, 2, 1, 1, 0, 0]);
    // The subset comes from the name: `instances_val.json` is `val`.
    let bytes = std::fs::read(corpus(COCO_VAL)).unwrap();
    let named = ReadOptions::new().source_name("staged/instances_val.json");
    let loaded = from_slice(&bytes, None, &named).unwrap();
    assert!(loaded
        .dataset
        .images
        .iter()
        .all(|i| i.subset.as_deref() == Some("val")));
    let unnamed = from_slice(&bytes, None, &ReadOptions::new()).unwrap();
    assert!(unnamed.dataset.images.iter().all(|i| i.subset.is_none()));
}

/// A diagnostic of bytes read under the name of a file on disk shows the
/// bytes' lines, not the file's: a hook checking staged content names the
/// working-tree file, whose content differs.
#[test]
fn diagnostics_show_the_bytes_not_a_file_of_the_same_name() {
    let dir = tempfile::tempdir().unwrap();
    let on_disk = dir.path().join("person_keypoints_train.json");
    let bytes = std::fs::read(corpus(COCO_KEYPOINTS)).unwrap();
    std::fs::write(&on_disk, "{}\n".repeat(40)).unwrap();
    let options = ReadOptions::new().source_name(&on_disk);
    for loaded in [
        from_slice(&bytes, None, &options).unwrap(),
        from_reader(&bytes[..], Some(Format::Coco), &options).unwrap(),
    ] {
        let [issue, _] = loaded.issues.as_slice() else {
            panic!("{:?}", loaded.issues);
        };
        assert_eq!(
            issue.message,
            "category 1: the skeleton is not a list of 1-based index pairs; kept as written"
        );
        let span = issue.primary.as_ref().unwrap();
        let file = loaded.sources.get(span.file).unwrap();
        assert_eq!(file.path(), on_disk);
        assert!(file.text() == bytes, "the bytes, not the file on disk");
        let at = file.line_col(span.span.start);
        let line = std::str::from_utf8(&bytes)
            .unwrap()
            .lines()
            .nth(at.line as usize - 1)
            .unwrap();
        // The category's `{`, at line 18 of the bytes (the file on disk
        // has 40 lines of `{}`).
        assert_eq!((at.line, at.column, line), (18, 7, "      {"));
    }
}

#[test]
fn errors_name_the_bytes_or_the_given_name() {
    let err = from_slice(b"{\"images\": 3}", Some(Format::Coco), &ReadOptions::new())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "<bytes>:1:12: invalid type: integer `3`, expected a list"
    );
    let bad_xml = b"<annotations>\n  <image id=\"0\" name=\"a.jpg\" width=\"4\" height=\"3\">\n</annotations>\n";
    let err = from_reader(
        &bad_xml[..],
        None,
        &ReadOptions::new().source_name("staged.xml"),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "staged.xml:3:1: malformed XML: ill-formed document: expected `</image>`, but \
         `</annotations>` was found"
    );
    // Not recognised: the reason, as for a file.
    let err = from_slice(b"{\"name\": \"x\"}", None, &ReadOptions::new()).unwrap_err();
    assert!(matches!(err, Error::Undetected { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "<bytes>: cannot tell the annotation format: a JSON object without images, \
         annotations or categories"
    );
    // A failing stream: its error, once, naming the source.
    struct Broken;
    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("the pipe broke"))
        }
    }
    let err = from_reader(Broken, None, &ReadOptions::new()).unwrap_err();
    assert_eq!(err.to_string(), "<bytes>: the pipe broke");
}

#[test]
fn to_writer_writes_the_bytes_write_writes() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (COCO_VAL, Format::Coco),
        (COCO_KEYPOINTS, Format::CvatImages),
        (CVAT_IMAGES, Format::Coco),
        (CVAT_IMAGES, Format::CvatImages),
        (CVAT_VIDEO, Format::CvatVideo),
        // Tracks expanded into frames, as `write` does.
        (CVAT_VIDEO, Format::Coco),
        (CVAT_VIDEO, Format::CvatImages),
    ];
    for (n, (rel, to)) in cases.into_iter().enumerate() {
        let loaded = read(&corpus(rel), None, &ReadOptions::new()).unwrap();
        let file = dir.path().join(format!("{n}.out"));
        let options = WriteOptions::new();
        let by_path = write(&loaded.dataset, &file, to, &options).unwrap();
        let mut bytes = Vec::new();
        let by_stream = to_writer(&loaded.dataset, &mut bytes, to, &options).unwrap();
        assert_eq!(bytes, std::fs::read(&file).unwrap(), "{rel} -> {to}");
        assert_eq!(
            by_stream.losses().collect::<Vec<_>>(),
            by_path.losses().collect::<Vec<_>>(),
            "{rel} -> {to}"
        );
        assert_eq!(by_stream.images_written, by_path.images_written);
        assert_eq!(by_stream.annotations_written, by_path.annotations_written);
        // And what was written reads back as the file does.
        let back = from_slice(&bytes, None, &ReadOptions::new().source_name(&file)).unwrap();
        let back_file = read(&file, None, &ReadOptions::new()).unwrap();
        assert_eq!(back.dataset, back_file.dataset, "{rel} -> {to}");
    }
    // The video's 3 frames of the step-3 task become images.
    let video = read(&corpus(CVAT_VIDEO), None, &ReadOptions::new()).unwrap();
    let mut bytes = Vec::new();
    let report = to_writer(
        &video.dataset,
        &mut bytes,
        Format::Coco,
        &WriteOptions::new(),
    )
    .unwrap();
    assert_eq!(report.images_written, 4);
}

#[test]
fn yolo_is_refused_by_the_stream_forms() {
    let root = corpus(DARKNET);
    let read_message = "darknet cannot be read from bytes or a stream: Darknet YOLO 1.1 \
                        (obj.data, obj.names, obj_<subset>_data/) is a folder of files; read its \
                        folder, description or label file with `read`";
    let obj_data = root.join("obj.data");
    let err = from_reader(
        std::fs::File::open(&obj_data).unwrap(),
        Some(Format::YoloDarknet),
        &ReadOptions::new(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::FolderFormat {
                format: Format::YoloDarknet,
                writing: false
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), read_message);
    // Recognised by the name given, as `detect` recognises the file.
    let bytes = std::fs::read(&obj_data).unwrap();
    let named = ReadOptions::new().source_name("obj.data");
    assert_eq!(
        from_slice(&bytes, None, &named).unwrap_err().to_string(),
        read_message
    );
    // A label file's rows, and a data.yaml, are Ultralytics YOLO.
    let label = std::fs::read(root.join("obj_train_data/2007_000027.txt")).unwrap();
    let err = from_slice(
        &label,
        None,
        &ReadOptions::new().source_name("2007_000027.txt"),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "yolo cannot be read from bytes or a stream: Ultralytics YOLO (data.yaml, images/, \
         labels/) is a folder of files; read its folder, description or label file with `read`"
    );
    let yaml = b"train: images/train\nnames:\n  0: cat\n";
    let err = from_slice(yaml, None, &ReadOptions::new().source_name("data.yaml")).unwrap_err();
    assert!(matches!(
        err,
        Error::FolderFormat {
            format: Format::YoloUltralytics,
            ..
        }
    ));
    // The dataset read from its folder cannot be written to a stream.
    let loaded = read(&root, None, &ReadOptions::new()).unwrap();
    assert_eq!(loaded.dataset.images.len(), 100);
    for format in [Format::YoloDarknet, Format::YoloUltralytics] {
        let mut out = Vec::new();
        let err = to_writer(&loaded.dataset, &mut out, format, &WriteOptions::new()).unwrap_err();
        assert!(
            matches!(err, Error::FolderFormat { writing: true, .. }),
            "{err:?}"
        );
        assert!(out.is_empty());
    }
    let err = to_writer(
        &loaded.dataset,
        Vec::new(),
        Format::YoloUltralytics,
        &WriteOptions::new(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "yolo cannot be written to a stream: Ultralytics YOLO (data.yaml, images/, labels/) is \
         a folder of files; write it to a folder with `write`"
    );
}
