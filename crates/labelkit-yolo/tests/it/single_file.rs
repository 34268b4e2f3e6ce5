//! `read_label_file`: one label file, found dataset, positions.

use std::fs;

use labelkit_yolo::{read_label_file, ReadOptions};

use crate::{boxes, codes, corpus};

#[test]
fn one_label_file_finds_its_dataset_and_image() {
    let label =
        corpus("datumaro-cvat-ai/tests/assets/yolo_dataset/yolov8_detection/labels/train/1.txt");
    let l = read_label_file(&label, &ReadOptions::default()).unwrap();
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    assert_eq!(l.dataset.labels.len(), 10);
    assert_eq!(l.dataset.images.len(), 1);
    assert_eq!(l.dataset.images[0].file_name, "images/train/1.jpg");
    assert_eq!(l.dataset.images[0].subset.as_deref(), Some("train"));
    assert_eq!(
        boxes(&l.dataset, 0),
        [(2, 0.0, 2.0, 4.0, 4.0), (4, 3.0, 3.0, 5.0, 6.0)]
    );

    let darknet = corpus("datumaro-cvat-ai/tests/assets/yolo_dataset/yolo/obj_train_data/1.txt");
    let l = read_label_file(&darknet, &ReadOptions::default()).unwrap();
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    assert_eq!(l.dataset.labels.len(), 10);
    assert_eq!(l.dataset.images[0].file_name, "obj_train_data/1.jpg");
    assert_eq!(
        (l.dataset.images[0].width, l.dataset.images[0].height),
        (15, 10)
    );
}

#[test]
fn malformed_rows_have_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(
        root.join("data.yaml"),
        "path: .\ntrain: images/train\nnames: [a, b]\n",
    )
    .unwrap();
    fs::create_dir_all(root.join("labels/train")).unwrap();
    fs::create_dir_all(root.join("images/train")).unwrap();
    let mut gif = b"GIF89a".to_vec();
    gif.extend([100, 0, 50, 0, 0, 0]);
    fs::write(root.join("images/train/a.gif"), gif).unwrap();
    let label = root.join("labels/train/a.txt");
    fs::write(
        &label,
        "0 0.5 0.5 0.2 0.2\n1 0.5 0.5 0.2\n0 0.50 0.5 0.25 abc\n7 0.5 0.5 0.2 0.2\n1 1.5 0.5 0.2 0.2\n1 0.5 nan 0.2 0.2\n",
    )
    .unwrap();
    let l = read_label_file(&label, &ReadOptions::default()).unwrap();
    assert_eq!(codes(&l.issues), ["F001", "F006", "F002", "F003", "F007"]);
    let at = |i: usize| {
        let p = l.issues[i].primary.as_ref().unwrap();
        let f = l.sources.get(p.file).unwrap();
        let lc = f.line_col(p.span.start);
        format!(
            "{}:{}:{}: {}",
            f.path().strip_prefix(root).unwrap().display(),
            lc.line,
            lc.column,
            l.issues[i].message
        )
    };
    assert_eq!(
        at(0),
        "labels/train/a.txt:3:17: expected a number, found \"abc\""
    );
    assert_eq!(
        at(3),
        "labels/train/a.txt:4:1: class id 7 is not in `names` (2 classes)"
    );
    assert_eq!(
        at(4),
        "labels/train/a.txt:5:3: expected a normalised coordinate in [-0.01, 1.01], found 1.5"
    );
    assert!(
        at(2).starts_with("labels/train/a.txt:2:1: expected 4 values"),
        "{}",
        at(2)
    );
    // The good row is kept, in pixels of the 100x50 GIF.
    assert_eq!(boxes(&l.dataset, 0), [(0, 40.0, 20.0, 60.0, 30.0)]);
}

#[test]
fn one_file_in_a_big_folder_reads_alone() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(
        root.join("data.yaml"),
        "path: .\ntrain: images/train\nnames: [a]\n",
    )
    .unwrap();
    fs::create_dir_all(root.join("labels/train")).unwrap();
    fs::create_dir_all(root.join("images/train")).unwrap();
    for i in 0..5000 {
        fs::write(
            root.join(format!("labels/train/{i}.txt")),
            "0 0.5 0.5 0.1 0.1\n",
        )
        .unwrap();
    }
    let label = root.join("labels/train/42.txt");
    // That no folder is listed on the way is asserted by the reader's own
    // tests; its speed is measured by labelkit-bench, not here.
    let l = read_label_file(&label, &ReadOptions::default()).unwrap();
    assert_eq!(l.dataset.images.len(), 1);
    assert_eq!(l.dataset.annotations.len(), 1);
    // The image is missing: no read issue, the image marked missing under
    // the name it was looked for (D006 reports it in `check`).
    assert!(l.issues.is_empty(), "{:?}", codes(&l.issues));
    assert!(
        l.dataset.images[0]
            .file_name
            .ends_with("images/train/42.jpg"),
        "{}",
        l.dataset.images[0].file_name
    );
    assert_eq!(
        l.measurements.images,
        [Some(labelkit_diagnostics::SizeUnknown::ImageMissing)]
    );
}
