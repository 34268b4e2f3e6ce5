//! Faithful conversions of real CVAT and COCO files: what a target cannot
//! hold is left out and counted under a clear key, never written in a form
//! the target's own tools refuse or misread.

use std::path::{Path, PathBuf};

use labelkit::model::report::{loss_kind, LossKind};
use labelkit::model::Geometry;
use labelkit::{convert, read, ConvertOptions, ConvertReport, Format, ReadOptions};

use crate::corpus;

/// Converts `input` to `format` as `dir/name`, with the default options;
/// returns the output's path and the report.
fn convert_into(dir: &Path, input: &Path, format: Format, name: &str) -> (PathBuf, ConvertReport) {
    let out = dir.join(name);
    let report = convert(input, &out, None, format, &ConvertOptions::new()).unwrap();
    (out, report)
}

const UNLABELLED: &str = "unlabelled shapes (label=\"\"; COCO has no unlabelled object)";
const ZERO: &str =
    "category id 0 renumbered above the largest (read as no label by Datumaro and CVAT)";

/// CVAT's `label=""` marks an unlabelled shape; COCO has no such object, and
/// Datumaro (CVAT's COCO import) refuses a category named "".
#[test]
fn unlabelled_cvat_shapes_are_left_out_of_coco_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus("datumaro-cvat-ai/tests/assets/cvat_dataset/for_images/train.xml");
    let (out, report) = convert_into(dir.path(), &input, Format::Coco, "out.json");
    // The polyline (which COCO cannot hold anyway) is counted as a polyline;
    // the unlabelled polygon of img1.jpg as unlabelled.
    assert_eq!(report.write.count(UNLABELLED), 1);
    assert_eq!(report.write.count("polylines"), 1);
    assert_eq!(loss_kind(UNLABELLED), LossKind::Material);
    // Box, two skeletons.
    assert_eq!(report.write.annotations_written, 3);

    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains("\"name\":\"\""), "{text}");
    let back = read(&out, None, &ReadOptions::default()).unwrap();
    assert!(back.issues.is_empty(), "{:?}", back.issues);
    let names: Vec<(&str, Option<i64>)> = back
        .dataset
        .labels
        .labels
        .iter()
        .map(|l| (l.name.as_str(), l.source_id))
        .collect();
    assert_eq!(
        names,
        [
            ("label1", Some(1)),
            ("label2", Some(2)),
            ("skeleton", Some(3))
        ]
    );
    // The unlabelled polygon is gone, not written under another label.
    assert!(!back
        .dataset
        .annotations
        .iter()
        .any(|a| matches!(a.geometry, Geometry::Polygon(_))));
}

/// labelformat's COCO files number categories from 0; Datumaro (and so
/// CVAT) reads `category_id: 0` as "no label".
#[test]
fn coco_category_0_takes_the_next_free_id_and_the_others_stay() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus("labelformat/tests/fixtures/object_detection/COCO/train.json");
    let source = read(&input, None, &ReadOptions::default()).unwrap().dataset;
    let ids: Vec<(String, Option<i64>)> = source
        .labels
        .labels
        .iter()
        .map(|l| (l.name.clone(), l.source_id))
        .collect();
    assert_eq!(ids[0].1, Some(0));
    let largest = ids.iter().filter_map(|(_, id)| *id).max().unwrap();

    let (out, report) = convert_into(dir.path(), &input, Format::Coco, "out.json");
    assert_eq!(report.write.count(ZERO), 1);
    assert_eq!(loss_kind(ZERO), LossKind::Bookkeeping);

    let back = read(&out, None, &ReadOptions::default()).unwrap().dataset;
    let back_ids: Vec<(String, Option<i64>)> = back
        .labels
        .labels
        .iter()
        .map(|l| (l.name.clone(), l.source_id))
        .collect();
    assert_eq!(back_ids.len(), ids.len());
    for ((name, id), (back_name, back_id)) in ids.iter().zip(&back_ids) {
        assert_eq!(name, back_name);
        if *id == Some(0) {
            assert_eq!(*back_id, Some(largest + 1), "{name}");
        } else {
            assert_eq!(back_id, id, "{name}");
        }
    }
    // Every annotation keeps its label by name.
    let labelled = |d: &labelkit::Dataset| {
        let mut v: Vec<(u64, String)> = d
            .annotations
            .iter()
            .map(|a| (a.id.0, d.labels.labels[a.label.index()].name.clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(labelled(&source), labelled(&back));
    let zero_named = &ids[0].0;
    assert!(labelled(&back).iter().any(|(_, n)| n == zero_named));
    // Written text: no category 0 left.
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains("\"category_id\":0,"), "{text}");
    assert!(!text.contains("{\"id\":0,\"name\""), "{text}");
}

/// The element labels of every top-level label, by parent name.
fn elements_of(d: &labelkit::Dataset, parent: &str) -> Vec<String> {
    let labels = &d.labels.labels;
    labels
        .iter()
        .filter(|l| {
            l.parent
                .is_some_and(|p| labels.get(p.index()).is_some_and(|p| p.name == parent))
        })
        .map(|l| l.name.clone())
        .collect()
}

/// Datumaro's keypoints file gives keypoints to category `b`, which names
/// none: the CVAT written declares the element labels its skeleton uses
/// (`1`, `2`, `3`) under `b`, as CVAT declares a skeleton's elements, so
/// that CVAT and Datumaro read every element point with its label.
#[test]
fn keypoints_of_a_category_without_names_write_declared_cvat_elements() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus(
        "datumaro-cvat-ai/tests/assets/coco_dataset/coco_person_keypoints/annotations/person_keypoints_train.json",
    );
    let (out, _) = convert_into(dir.path(), &input, Format::CvatImages, "out.xml");
    let text = std::fs::read_to_string(&out).unwrap();
    for name in ["1", "2", "3"] {
        assert!(
            text.contains(&format!(
                "<name>{name}</name>\n          <type>points</type>\n          <attributes>\n          </attributes>\n          <parent>b</parent>"
            )),
            "{text}"
        );
    }
    assert!(text.contains("data-label-name=\"3\""), "{text}");
    let back = read(&out, None, &ReadOptions::default()).unwrap();
    // No element label undeclared (F003) or skipped.
    assert!(back.issues.is_empty(), "{:?}", back.issues);
    let d = &back.dataset;
    assert_eq!(elements_of(d, "a"), ["a_1", "a_2", "a_3"]);
    assert_eq!(elements_of(d, "b"), ["1", "2", "3"]);
    let b = d.labels.labels.iter().position(|l| l.name == "b").unwrap();
    assert_eq!(d.labels.labels[b].kind.as_deref(), Some("skeleton"));
    let points: Vec<(Option<&str>, f64, f64)> = d
        .annotations
        .iter()
        .filter(|a| a.label.index() == b)
        .find_map(|a| match &a.geometry {
            Geometry::Keypoints(k) => Some(
                k.points
                    .iter()
                    .map(|p| (p.name.as_deref(), p.x, p.y))
                    .collect(),
            ),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        points,
        [
            (Some("1"), 0.0, 0.0),
            (Some("2"), 0.0, 2.0),
            (Some("3"), 4.0, 1.0)
        ]
    );
}

/// CVAT for video names each element track after its element label (the
/// schema's point names), never after the skeleton's label.
#[test]
fn coco_keypoints_write_cvat_video_element_tracks_with_their_labels() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus("mmpose/tests/data/coco/test_coco.json");
    let (out, _) = convert_into(dir.path(), &input, Format::CvatVideo, "out.xml");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains("<points label=\"person\""), "{text}");
    let back = read(&out, None, &ReadOptions::default()).unwrap();
    assert!(back.issues.is_empty(), "{:?}", back.issues);
    let d = &back.dataset;
    let elements = elements_of(d, "person");
    assert_eq!(elements.len(), 17);
    assert_eq!(elements[0], "nose");
    let mut names = Vec::new();
    for track in &d.tracks {
        for e in &track.elements {
            names.push(d.labels.labels[e.label.index()].name.clone());
        }
    }
    // 14 people of 17 points each.
    assert_eq!(names.len(), 14 * 17);
    assert!(names.iter().all(|n| elements.contains(n)), "{names:?}");
    assert_eq!(&names[..17], &elements[..]);
}

/// A crowd region (COCO `iscrowd: 1`) goes through CVAT for video as a track
/// whose shapes carry `is_crowd` (CVAT repeats a track's attributes on each
/// shape), and comes back from the track's expansion as a crowd region:
/// `iscrowd: 1` in COCO, left out of YOLO rows.
#[test]
fn crowd_regions_survive_cvat_for_video_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus(
        "datumaro-cvat-ai/tests/assets/coco_dataset/coco_instances/annotations/instances_val.json",
    );
    let (video, _) = convert_into(dir.path(), &input, Format::CvatVideo, "video.xml");
    let text = std::fs::read_to_string(&video).unwrap();
    // The crowd annotation of label `b` (one object: its mask, with the
    // stated bbox kept on it): each track shape, the outside one included,
    // says so.
    assert_eq!(
        text.matches("<attribute name=\"is_crowd\">true</attribute>")
            .count(),
        2,
        "{text}"
    );
    assert!(!text.contains("is_crowd\">false"), "{text}");

    // Read back, the tracks are crowd regions, the attribute gone.
    let read_back = read(&video, None, &ReadOptions::default()).unwrap().dataset;
    let crowd: Vec<(String, bool)> = read_back
        .tracks
        .iter()
        .map(|t| {
            (
                read_back.labels.labels[t.label.index()].name.clone(),
                t.crowd,
            )
        })
        .collect();
    assert_eq!(crowd, [("a".to_owned(), false), ("b".to_owned(), true)]);
    assert!(read_back
        .tracks
        .iter()
        .flat_map(|t| &t.shapes)
        .all(|s| s.attributes.get("is_crowd").is_none()));

    // Expanded for COCO: iscrowd kept.
    let (coco, _) = convert_into(dir.path(), &video, Format::Coco, "back.json");
    let back = read(&coco, None, &ReadOptions::default()).unwrap().dataset;
    let mut crowd: Vec<(String, bool)> = back
        .annotations
        .iter()
        .map(|a| (back.labels.labels[a.label.index()].name.clone(), a.crowd))
        .collect();
    // The shapes of one COCO annotation share its label and flag.
    crowd.dedup();
    assert_eq!(crowd, [("a".to_owned(), false), ("b".to_owned(), true)]);
    assert!(back
        .annotations
        .iter()
        .all(|a| a.attributes.get("is_crowd").is_none()));
    let coco_text = std::fs::read_to_string(&coco).unwrap();
    assert_eq!(coco_text.matches("\"iscrowd\":1").count(), 1, "{coco_text}");
    // The frames have the source images' size, from the `<original_size>`
    // the video states.
    let source = read(&input, None, &ReadOptions::default()).unwrap().dataset;
    assert!(back
        .images
        .iter()
        .all(|i| (i.width, i.height) == (source.images[0].width, source.images[0].height)));

    // Expanded for YOLO: the crowd region (its box and mask, one group) is
    // no row, and is counted once.
    let (_, report) = convert_into(dir.path(), &video, Format::YoloUltralytics, "yolo");
    assert_eq!(
        report
            .write
            .count("crowd regions (iscrowd: 1; YOLO cannot mark them)"),
        1
    );
}

/// Datumaro's YOLO exports (`%.6f`, an OBB corner at `-0.009808`) copy to
/// YOLO with every value's text unchanged and nothing reported lost.
#[test]
fn datumaro_yolo_exports_copy_to_yolo_value_for_value() {
    for (dataset, rows) in [
        ("yolov8_detection", 2),
        ("yolov8_oriented_boxes", 2),
        ("yolov8_segmentation", 2),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let root = corpus("datumaro-cvat-ai/tests/assets/yolo_dataset").join(dataset);
        let (out, report) = convert_into(
            dir.path(),
            &root.join("data.yaml"),
            Format::YoloUltralytics,
            "out",
        );
        assert!(report.write.is_lossless(), "{dataset}: {}", report.write);
        let tokens = |path: &Path| -> Vec<Vec<String>> {
            std::fs::read_to_string(path)
                .unwrap()
                .lines()
                .map(|l| l.split_whitespace().map(str::to_owned).collect())
                .collect()
        };
        let source = tokens(&root.join("labels/train/1.txt"));
        assert_eq!(source.len(), rows);
        assert_eq!(tokens(&out.join("labels/train/1.txt")), source, "{dataset}");
    }
}
