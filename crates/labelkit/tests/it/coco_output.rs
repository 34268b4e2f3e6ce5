//! COCO written from real CVAT, YOLO and COCO files loads in CVAT's COCO
//! import (Datumaro): every annotation has `segmentation`, categories of a
//! non-COCO source start at 1, every id fits in 32 signed bits and no two
//! images share a `file_name`.
#![cfg(all(feature = "coco", feature = "cvat", feature = "yolo"))]

use std::collections::HashSet;

use crate::support::corpus;
use labelkit::{convert, ConvertOptions, Format, WriteReport};
use serde_json::Value;

/// Converts a corpus file to COCO; the document and the writer's report.
fn to_coco(rel: &str) -> (Value, WriteReport) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    let report = convert(
        &corpus(rel),
        &out,
        None,
        Format::Coco,
        &ConvertOptions::new(),
    )
    .unwrap_or_else(|e| panic!("{rel}: {e}"));
    let doc = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    (doc, report.write)
}

fn list<'a>(doc: &'a Value, key: &str) -> &'a [Value] {
    doc[key].as_array().map_or(&[], Vec::as_slice)
}

/// What CVAT's COCO import needs of every file.
fn check_loadable(rel: &str, doc: &Value) {
    let fits = |v: &Value| v.as_i64().is_some_and(|v| i32::try_from(v).is_ok());
    for img in list(doc, "images") {
        assert!(fits(&img["id"]), "{rel}: image {img}");
    }
    for cat in list(doc, "categories") {
        assert!(fits(&cat["id"]), "{rel}: category {cat}");
    }
    for ann in list(doc, "annotations") {
        assert!(fits(&ann["id"]), "{rel}: annotation {ann}");
        assert!(fits(&ann["image_id"]), "{rel}: annotation {ann}");
        assert!(ann.get("segmentation").is_some(), "{rel}: {ann}");
    }
    let mut names = HashSet::new();
    for img in list(doc, "images") {
        let name = img["file_name"].as_str().unwrap();
        assert!(names.insert(name), "{rel}: {name} twice");
    }
}

#[test]
fn a_cvat_project_export_keeps_subsets_as_folders_and_ids_in_32_bits() {
    let rel =
        "datumaro-openvino/tests/assets/cvat_dataset/for_images/export_project/annotations.xml";
    let (doc, report) = to_coco(rel);
    check_loadable(rel, &doc);
    let images: Vec<(i64, &str)> = list(&doc, "images")
        .iter()
        .map(|i| (i["id"].as_i64().unwrap(), i["file_name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        images,
        [
            (0, "Test/img0.jpg"),
            (1, "Test/img1.jpg"),
            (2, "Train/img0.jpg"),
            (3, "Train/img1.jpg"),
            (4, "Validation/img0.jpg"),
            (5, "Validation/img1.jpg"),
        ]
    );
    // Each image keeps its annotation: a box on img0, a polygon on img1.
    let anns: Vec<(i64, String)> = list(&doc, "annotations")
        .iter()
        .map(|a| {
            (
                a["image_id"].as_i64().unwrap(),
                a["segmentation"].to_string(),
            )
        })
        .collect();
    let expected: Vec<(i64, String)> = (0..6)
        .map(|i| {
            let seg = if i % 2 == 0 { "[]" } else { "[[1,2,3,4,6,5]]" };
            (i, seg.to_owned())
        })
        .collect();
    assert_eq!(anns, expected);
    let cats: Vec<(i64, &str)> = list(&doc, "categories")
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(cats, [(1, "label1"), (2, "label2")]);
    // Each task numbers its images from 0: the 4 repeated ids are counted
    // as such (the reader's fresh ids lie beyond 32 bits, but that is not
    // the reason).
    assert_eq!(
        report.count("repeated image ids renumbered (two images of the source had one id)"),
        4
    );
    assert_eq!(report.count("image ids beyond 32 bits renumbered"), 0);
    // The file's `<meta>` and each image's `task_id`; the written ids are
    // counted once, above.
    assert_eq!(report.count("fields specific to another format"), 7);
    assert_eq!(
        report.count("image subsets (kept as a folder of file_name)"),
        6
    );
    assert_eq!(report.count("image subsets"), 0);
}

#[test]
fn yolo_class_n_becomes_category_n_plus_1() {
    let rel = "datumaro-cvat-ai/tests/assets/yolo_dataset/yolov8_detection/data.yaml";
    let (doc, report) = to_coco(rel);
    check_loadable(rel, &doc);
    let cats: Vec<(i64, String)> = list(&doc, "categories")
        .iter()
        .map(|c| {
            let name = c["name"].as_str().unwrap().to_owned();
            (c["id"].as_i64().unwrap(), name)
        })
        .collect();
    let expected: Vec<(i64, String)> = (0..10).map(|n| (n + 1, format!("label_{n}"))).collect();
    assert_eq!(cats, expected);
    // The label file holds classes 2 and 4.
    let anns: Vec<(i64, String)> = list(&doc, "annotations")
        .iter()
        .map(|a| {
            (
                a["category_id"].as_i64().unwrap(),
                a["segmentation"].to_string(),
            )
        })
        .collect();
    assert_eq!(anns, [(3, "[]".to_owned()), (5, "[]".to_owned())]);
    assert_eq!(
        report.count("category ids renumbered from 1 (YOLO class N is category N+1)"),
        1
    );
}

#[test]
fn yolo_segments_poses_and_darknet_boxes_load_too() {
    for rel in [
        "datumaro-cvat-ai/tests/assets/yolo_dataset/yolov8_segmentation/data.yaml",
        "datumaro-cvat-ai/tests/assets/yolo_dataset/yolo/obj.data",
        "datumaro-cvat-ai/tests/assets/yolo_dataset/yolov8_pose/data.yaml",
    ] {
        let (doc, _) = to_coco(rel);
        check_loadable(rel, &doc);
        assert!(!list(&doc, "annotations").is_empty(), "{rel}");
        for ann in list(&doc, "annotations") {
            assert!(ann["category_id"].as_i64().unwrap() >= 1, "{rel}: {ann}");
        }
    }
}

#[test]
fn coco_sources_keep_their_category_ids_and_fit_their_ids() {
    // Category ids kept as the file has them but 0 (read as "no label" by
    // Datumaro and CVAT), which takes the next free id above the largest;
    // image ids from 20180000001 and an annotation id 900100374545
    // renumbered in order.
    let cases: [(&str, &[i64], u64, u64); 3] = [
        (
            "labelformat/tests/fixtures/instance_segmentation/COCO/instances_with_binary_mask.json",
            &[4, 1, 2, 3],
            0,
            1,
        ),
        (
            "review_object_detection_metrics/data/database/gts/coco_format_v2/instances_v2.json",
            &[],
            100,
            0,
        ),
        (
            "datumaro-cvat-ai/tests/assets/coco_dataset/coco_instances/annotations/instances_train.json",
            &[1, 2, 4],
            0,
            0,
        ),
    ];
    for (rel, cats, images, annotations) in cases {
        let (doc, report) = to_coco(rel);
        check_loadable(rel, &doc);
        let original: Value = serde_json::from_slice(&std::fs::read(corpus(rel)).unwrap()).unwrap();
        let ids = |d: &Value| -> Vec<i64> {
            list(d, "categories")
                .iter()
                .map(|c| c["id"].as_i64().unwrap())
                .collect()
        };
        let largest = ids(&original).into_iter().max().unwrap_or(0);
        let zero_moved: Vec<i64> = ids(&original)
            .into_iter()
            .map(|id| if id == 0 { largest + 1 } else { id })
            .collect();
        assert_eq!(ids(&doc), zero_moved, "{rel}");
        assert_eq!(
            report.count(
                "category id 0 renumbered above the largest (read as no label by Datumaro and CVAT)"
            ),
            u64::from(ids(&original).contains(&0)),
            "{rel}"
        );
        if !cats.is_empty() {
            assert_eq!(ids(&doc), cats, "{rel}");
        }
        assert_eq!(
            report.count("image ids beyond 32 bits renumbered"),
            images,
            "{rel}"
        );
        assert_eq!(
            report.count("annotation ids beyond 32 bits renumbered"),
            annotations,
            "{rel}"
        );
        // Renumbering keeps the order of the ids.
        for key in ["images", "annotations"] {
            let order = |d: &Value| -> Vec<usize> {
                let ids: Vec<u64> = list(d, key)
                    .iter()
                    .map(|x| x["id"].as_u64().unwrap())
                    .collect();
                let mut sorted = ids.clone();
                sorted.sort_unstable();
                ids.iter()
                    .map(|v| sorted.binary_search(v).unwrap())
                    .collect()
            };
            assert_eq!(order(&doc), order(&original), "{rel}: {key}");
        }
        assert_eq!(
            list(&doc, "annotations").len(),
            list(&original, "annotations").len(),
            "{rel}"
        );
    }
}
