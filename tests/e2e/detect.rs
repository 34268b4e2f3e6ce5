//! `labelkit::detect` recognises formats by content.

use labelkit::{detect, Error, Format};

use crate::corpus;

#[test]
fn cvat_images_and_video_are_told_apart_by_content() {
    let cases = [
        ("cveta2/annotations.xml", Format::CvatImages),
        (
            "review_object_detection_metrics/data/database/gts/cvat_format/annotations.xml",
            Format::CvatImages,
        ),
        (
            "dagshub-annotation-converter/tests/cvat_video/res/sample_video.xml",
            Format::CvatVideo,
        ),
        (
            "datumaro-cvat-ai/tests/assets/cvat_dataset/for_video/annotations.xml",
            Format::CvatVideo,
        ),
        // Interpolation mode, but images with tags: CVAT for images.
        (
            "training_extensions/tests/assets/cvat_dataset/action_classification/train/0/annotations.xml",
            Format::CvatImages,
        ),
    ];
    for (rel, format) in cases {
        assert_eq!(detect(&corpus(rel)).unwrap(), format, "{rel}");
    }
}

#[test]
fn coco_objects_and_result_lists() {
    for rel in [
        "dagshub-annotation-converter/tests/coco/res/annotations.json",
        "mmpose/tests/data/coco/test_coco.json",
        "cocoapi/results/instances_val2014_fakebbox100_results.json",
        "datumaro-openvino/tests/assets/roboflow_dataset/coco/train/_annotations.coco.json",
    ] {
        assert_eq!(detect(&corpus(rel)).unwrap(), Format::Coco, "{rel}");
    }
}

#[test]
fn yolo_folders_yaml_label_files_and_darknet() {
    let base = "datumaro-cvat-ai/tests/assets/yolo_dataset";
    let cases = [
        (format!("{base}/yolov8_detection"), Format::YoloUltralytics),
        (
            format!("{base}/yolov8_detection/data.yaml"),
            Format::YoloUltralytics,
        ),
        (
            format!("{base}/yolov8_detection/labels/train/1.txt"),
            Format::YoloUltralytics,
        ),
        (format!("{base}/yolo"), Format::YoloDarknet),
        (format!("{base}/yolo/obj.data"), Format::YoloDarknet),
        (
            format!("{base}/yolo/obj_train_data/1.txt"),
            Format::YoloDarknet,
        ),
    ];
    for (rel, format) in cases {
        assert_eq!(detect(&corpus(&rel)).unwrap(), format, "{rel}");
    }
}

/// A `.txt` in a YOLO dataset's label tree is a label file by its place,
/// whatever it holds: alone, a README in `labels/` is read and reported as
/// the whole-dataset read reports it (F001 at its first word), never
/// skipped. Prose outside the label tree is still not a label file.
#[test]
fn a_txt_in_the_label_tree_is_a_label_file_whatever_it_holds() {
    let readme = corpus("datumaro-openvino/tests/assets/yolo_dataset/labels/README.txt");
    assert!(readme.is_file(), "{}", readme.display());
    // `obj.names` beside it: the darknet layout.
    assert_eq!(detect(&readme).unwrap(), Format::YoloDarknet);
    let alone = labelkit::read(&readme, None, &labelkit::ReadOptions::new()).unwrap();
    let f001: Vec<_> = alone.issues.iter().filter(|d| d.code == "F001").collect();
    assert_eq!(f001.len(), 1, "{:?}", alone.issues);
    assert_eq!(f001[0].message, "expected a class id, found \"This\"");
    let at = f001[0].primary.as_ref().unwrap();
    let file = alone.sources.get(at.file).unwrap();
    assert!(file.path().ends_with("labels/README.txt"));
    let lc = file.line_col(at.span.start);
    assert_eq!((lc.line, lc.column), (1, 1));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("README.txt"),
        "This folder holds a dataset.\n",
    )
    .unwrap();
    match detect(&dir.path().join("README.txt")) {
        Err(Error::Undetected { reason, .. }) => {
            assert!(reason.contains("class id"), "{reason}");
        }
        other => panic!("README.txt detected as {other:?}"),
    }
}
