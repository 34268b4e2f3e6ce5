//! Writing back: equivalent documents, the loss report, `project`, the
//! round-trip property and the fuzz seeds.

use std::path::Path;

use labelkit_coco::{
    project, read_bytes, write_to, CocoAnnotationFields, CocoDatasetFields, CocoImageFields,
    RawFields, ReadOptions, WriteOptions,
};
use labelkit_model::rle::{CocoCounts, MaskEncoding};
use labelkit_model::{
    clean_number, Annotation, AnnotationId, AttributeValue, BoxGeom, Dataset, Ellipse, Geometry,
    GroupId, Image, ImageId, Kept, Keypoint, KeypointSchema, Keypoints, Label, LabelId, Mask,
    Point, Polygon, Polyline, Precision, Visibility,
};
use proptest::prelude::*;
use serde_json::Value;

use crate::support::{corpus, object, read};

const COCO_FILES: &[&str] = &[
    "dagshub-annotation-converter/tests/coco/res/annotations.json",
    "datumaro-cvat-ai/tests/assets/coco_dataset/coco_instances/annotations/instances_train.json",
    "datumaro-cvat-ai/tests/assets/coco_dataset/coco_instances/annotations/instances_val.json",
    "datumaro-cvat-ai/tests/assets/coco_dataset/coco_person_keypoints/annotations/person_keypoints_train.json",
    "datumaro-cvat-ai/tests/assets/coco_dataset/coco_person_keypoints/annotations/person_keypoints_val.json",
    "datumaro-openvino/tests/assets/coco_dataset/coco_image_info/annotations/image_info_train.json",
    "datumaro-openvino/tests/assets/roboflow_dataset/coco/train/_annotations.coco.json",
    "datumaro-openvino/tests/assets/roboflow_dataset/coco/val/_annotations.coco.json",
    "labelformat/tests/fixtures/instance_segmentation/COCO/instances.json",
    "labelformat/tests/fixtures/instance_segmentation/COCO/instances_with_binary_mask.json",
    "labelformat/tests/fixtures/object_detection/COCO/train.json",
    "mmpose/tests/data/coco/test_coco.json",
    "mmpose/tests/data/coco/test_coco_wholebody.json",
    "mmpose/tests/data/crowdpose/test_crowdpose.json",
    "mmpose/tests/data/ochuman/test_ochuman.json",
    "review_object_detection_metrics/data/database/gts/coco_format_v1/instances_default.json",
    "review_object_detection_metrics/data/database/gts/coco_format_v2/instances_v2.json",
];

const RESULTS_FILES: &[&str] = &[
    "cocoapi/results/instances_val2014_fakebbox100_results.json",
    "cocoapi/results/instances_val2014_fakesegm100_results.json",
    "cocoapi/results/person_keypoints_val2014_fakekeypoints100_results.json",
];

/// JSON equality with numbers compared as numbers (`20` == `20.0`).
fn same(a: &Value, b: &Value, at: &str) -> Result<(), String> {
    match (a, b) {
        // A number is written with the digits it was read with, unless those
        // show float noise (16 or 17 significant digits): then as the
        // shortest decimal within 1e-9 (relative) of it.
        (Value::Number(x), Value::Number(y)) => {
            if x.as_f64() == y.as_f64()
                || x.as_f64().map(labelkit_model::clean_number) == y.as_f64()
            {
                Ok(())
            } else {
                Err(format!("{at}: {x} != {y}"))
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Err(format!("{at}: {} items != {} items", x.len(), y.len()));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .try_for_each(|(i, (x, y))| same(x, y, &format!("{at}[{i}]")))
        }
        (Value::Object(x), Value::Object(y)) => {
            let kx: Vec<&String> = x.keys().collect();
            let ky: Vec<&String> = y.keys().collect();
            if kx != ky {
                return Err(format!("{at}: keys {kx:?} != {ky:?}"));
            }
            x.iter()
                .try_for_each(|(k, v)| same(v, &y[k], &format!("{at}.{k}")))
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{at}: {a} != {b}")),
    }
}

fn write(ds: &Dataset, options: &WriteOptions) -> (Vec<u8>, labelkit_model::WriteReport) {
    let mut out = Vec::new();
    let report = write_to(ds, &mut out, options).unwrap();
    (out, report)
}

/// Removes from the written annotations the keys the writer adds where the
/// source had none (`bbox` derived from the geometry, `area` computed,
/// `iscrowd` 0, `segmentation` `[]`), after checking the added values.
fn drop_added_keys(original: &Value, written: &mut Value) {
    let (Some(orig), Some(out)) = (
        original["annotations"].as_array(),
        written["annotations"].as_array_mut(),
    ) else {
        return;
    };
    for (o, w) in orig.iter().zip(out) {
        let w = w.as_object_mut().unwrap();
        for key in ["bbox", "area", "iscrowd", "segmentation"] {
            if o.get(key).is_none() {
                let added = w.remove(key).unwrap_or(Value::Null);
                if key == "iscrowd" {
                    assert_eq!(added, Value::from(0));
                }
                if key == "segmentation" {
                    assert_eq!(added, Value::Array(Vec::new()));
                }
            }
        }
    }
}

/// The report line of a renumbered category 0.
const ZERO_RENUMBERED: &str =
    "category id 0 renumbered above the largest (read as no label by Datumaro and CVAT)";

/// Gives category 0 of a document the id the writer gives it: the largest
/// category id plus one, in `categories` and in every `category_id`.
fn category_zero_renumbered(doc: &mut Value) {
    let largest = doc["categories"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_i64())
        .max()
        .unwrap();
    let new = Value::from(largest + 1);
    for c in doc["categories"].as_array_mut().into_iter().flatten() {
        if c["id"] == 0 {
            c["id"] = new.clone();
        }
    }
    for a in doc["annotations"].as_array_mut().into_iter().flatten() {
        if a["category_id"] == 0 {
            a["category_id"] = new.clone();
        }
    }
}

/// Replaces image and annotation ids (and `image_id`) by their rank among
/// the ids of their kind: ids renumbered in order keep their rank.
fn ranked_ids(doc: &mut Value) {
    let rank = |list: &Value| -> Vec<u64> {
        let mut ids: Vec<u64> = list
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["id"].as_u64()).collect())
            .unwrap_or_default();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let images = rank(&doc["images"]);
    let annotations = rank(&doc["annotations"]);
    let at = |ids: &[u64], v: &Value| v.as_u64().map(|v| ids.binary_search(&v).unwrap());
    for img in doc["images"].as_array_mut().into_iter().flatten() {
        let r = at(&images, &img["id"]);
        img["id"] = Value::from(r);
    }
    for ann in doc["annotations"].as_array_mut().into_iter().flatten() {
        let r = at(&annotations, &ann["id"]);
        ann["id"] = Value::from(r);
        let r = at(&images, &ann["image_id"]);
        ann["image_id"] = Value::from(r);
    }
}

/// The loss of the subset a file's name gave its images.
const SUBSETS: &str = "image subsets";

#[test]
fn corpus_files_write_back_as_equivalent_documents() {
    let mut renumbered_files = Vec::new();
    let mut zero_files = Vec::new();
    for file in COCO_FILES {
        let loaded = read(file);
        let (out, report) = write(&loaded.dataset, &WriteOptions::default());
        // The only changes: ids beyond 32 bits, renumbered in order, and
        // category 0, renumbered above the largest.
        // A file named `instances_<subset>.json` gives its images that
        // subset, which a COCO file has no field for (bookkeeping).
        let zero = report.count(ZERO_RENUMBERED) > 0;
        let renumbered = report
            .losses()
            .any(|(what, _)| what != ZERO_RENUMBERED && what != SUBSETS);
        for (what, n) in report.losses() {
            assert!(
                what == "image ids beyond 32 bits renumbered"
                    || what == "annotation ids beyond 32 bits renumbered"
                    || what == ZERO_RENUMBERED
                    || what == SUBSETS,
                "{file}: {report}"
            );
            if what == SUBSETS {
                let name = file.rsplit('/').next().unwrap_or_default();
                let named = [
                    "instances_",
                    "person_keypoints_",
                    "image_info_",
                    "captions_",
                    "labels_",
                    "panoptic_",
                ]
                .iter()
                .any(|p| name.starts_with(p));
                assert!(named, "{file}: {report}");
                assert_eq!(n, loaded.dataset.images.len() as u64, "{file}");
            }
        }
        assert_eq!(
            report.annotations_written as usize,
            crate::support::primaries(&loaded.dataset).len()
        );
        let mut original: Value =
            serde_json::from_slice(&std::fs::read(corpus(file)).unwrap()).unwrap();
        let mut written: Value = serde_json::from_slice(&out).unwrap();
        drop_added_keys(&original, &mut written);
        if zero {
            zero_files.push(*file);
            category_zero_renumbered(&mut original);
        }
        if renumbered {
            renumbered_files.push(*file);
            ranked_ids(&mut original);
            ranked_ids(&mut written);
        }
        if let Err(e) = same(&original, &written, "$") {
            panic!("{file}: {e}");
        }
        // And the file written exactly reads back to the same dataset.
        let (out, _) = write(
            &loaded.dataset,
            &WriteOptions::default().precision(Precision::Shortest),
        );
        let again = read_bytes(Path::new("out.json"), &out, &ReadOptions::default()).unwrap();
        let projected = project(&loaded.dataset);
        assert_eq!(again.dataset, projected, "{file}");
        // The projection of a COCO file is the file, except that the writer
        // adds the boxes and segmentations a file leaves out, and renumbers
        // ids beyond 32 bits, and drops the subset a file name gave.
        let subsets = report.count(SUBSETS) > 0;
        let has_all = original["annotations"].as_array().is_none_or(|a| {
            a.iter()
                .all(|a| a.get("bbox").is_some() && a.get("segmentation").is_some())
        });
        assert_eq!(
            projected == loaded.dataset,
            has_all && !renumbered && !zero && !subsets,
            "{file}"
        );
    }
    assert_eq!(
        zero_files,
        [
            "labelformat/tests/fixtures/instance_segmentation/COCO/instances.json",
            "labelformat/tests/fixtures/instance_segmentation/COCO/instances_with_binary_mask.json",
            "labelformat/tests/fixtures/object_detection/COCO/train.json",
        ]
    );
    assert_eq!(
        renumbered_files,
        [
            "labelformat/tests/fixtures/instance_segmentation/COCO/instances_with_binary_mask.json",
            "review_object_detection_metrics/data/database/gts/coco_format_v2/instances_v2.json",
        ]
    );
}

#[test]
fn results_files_write_back_as_results() {
    for file in RESULTS_FILES {
        let loaded = read(file);
        let (out, report) = write(&loaded.dataset, &WriteOptions::default().results(true));
        assert!(report.is_lossless(), "{file}: {report}");
        let original: Value =
            serde_json::from_slice(&std::fs::read(corpus(file)).unwrap()).unwrap();
        let written: Value = serde_json::from_slice(&out).unwrap();
        if let Err(e) = same(&original, &written, "$") {
            panic!("{file}: {e}");
        }
    }
}

#[test]
fn the_writer_derives_missing_boxes_and_keeps_stored_ones() {
    let loaded = read("dagshub-annotation-converter/tests/coco/res/annotations.json");
    let (out, _) = write(&loaded.dataset, &WriteOptions::default());
    let written: Value = serde_json::from_slice(&out).unwrap();
    let bbox = |id: u64| {
        written["annotations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .map(|a| a["bbox"].clone())
            .unwrap()
    };
    assert_eq!(bbox(12), serde_json::json!([1, 2, 3, 4]));
    assert_eq!(bbox(13), serde_json::json!([10, 10, 15, 15]));
    let loaded = read(
        "datumaro-cvat-ai/tests/assets/coco_dataset/coco_instances/annotations/instances_val.json",
    );
    let (out, _) = write(&loaded.dataset, &WriteOptions::default());
    let written: Value = serde_json::from_slice(&out).unwrap();
    let ann = &written["annotations"][1];
    assert_eq!(ann["bbox"], serde_json::json!([0, 0, 1, 9]));
    assert_eq!(
        ann["segmentation"],
        serde_json::json!({"size": [10, 5], "counts": [0, 20, 30]})
    );
    assert_eq!(ann["iscrowd"], 1);
}

fn label(name: &str) -> Label {
    Label::new(name)
}

fn ann(id: u64, image: u64, label: u32, geometry: Geometry) -> Annotation {
    Annotation::new(AnnotationId(id), ImageId(image), LabelId(label), geometry)
}

#[test]
fn the_report_names_what_coco_cannot_hold() {
    let mut ds = Dataset::new();
    ds.info.name = Some("task".into());
    let mut person = label("person");
    person.color = Some("#ff0000".into());
    person.keypoints = Some(KeypointSchema::from_names([
        "left_eye",
        "right_eye",
        "nose",
    ]));
    ds.labels.push(person);
    let elem = Label {
        parent: Some(LabelId(0)),
        ..label("left_eye")
    };
    ds.labels.push(elem);
    ds.images.push(Image {
        id: ImageId(1),
        file_name: "a.jpg".into(),
        width: 10,
        height: 8,
        subset: Some("train".into()),
        ..Image::default()
    });
    let mut rotated = ann(
        1,
        1,
        0,
        Geometry::Box(BoxGeom {
            rotation: 30.0,
            ..BoxGeom::from_xyxy(1.0, 1.0, 5.0, 3.0)
        }),
    );
    rotated.z_order = 2;
    rotated
        .attributes
        .set("pose", AttributeValue::Text("up".into()));
    rotated.occluded = true;
    ds.annotations.push(rotated);
    ds.annotations.push(ann(
        2,
        1,
        0,
        Geometry::Ellipse(Ellipse {
            cx: 3.0,
            cy: 3.0,
            rx: 1.0,
            ry: 2.0,
            rotation: 0.0,
        }),
    ));
    ds.annotations.push(ann(
        3,
        1,
        0,
        Geometry::Polyline(Polyline {
            points: vec![Point::new(0.0, 0.0), Point::new(1.0, 1.0)],
        }),
    ));
    ds.annotations.push(ann(4, 1, 0, Geometry::Tag));
    ds.annotations.push(ann(
        5,
        99,
        0,
        Geometry::Box(BoxGeom::from_xyxy(0.0, 0.0, 1.0, 1.0)),
    ));
    // Named skeleton points go to their place in the schema.
    let mut kp = ann(
        6,
        1,
        0,
        Geometry::Keypoints(Keypoints {
            points: vec![
                Keypoint {
                    name: Some("nose".into()),
                    x: 4.0,
                    y: 4.0,
                    visibility: Visibility::Visible,
                },
                Keypoint {
                    name: Some("left_eye".into()),
                    x: 3.0,
                    y: 2.0,
                    visibility: Visibility::Occluded,
                },
            ],
        }),
    );
    kp.group = Some(GroupId(77));
    let mut kp_box = ann(
        7,
        1,
        0,
        Geometry::Box(BoxGeom::from_xyxy(2.0, 1.0, 6.0, 6.0)),
    );
    kp_box.group = Some(GroupId(77));
    ds.annotations.push(kp);
    ds.annotations.push(kp_box);
    ds.tracks.push(labelkit_model::Track {
        id: labelkit_model::TrackId(0),
        label: LabelId(0),
        group: None,
        source: None,
        crowd: false,
        shapes: Vec::new(),
        elements: Vec::new(),
        kept: labelkit_model::Kept::default(),
    });

    let (out, report) = write(&ds, &WriteOptions::default());
    let losses: Vec<(String, u64)> = report.losses().map(|(w, n)| (w.to_owned(), n)).collect();
    let expected: Vec<(String, u64)> = [
        ("annotations on images not in the dataset", 1),
        ("dataset name", 1),
        ("ellipses", 1),
        ("image subsets", 1),
        ("label colors", 1),
        ("polylines", 1),
        ("rotation of boxes (written as their bounds)", 1),
        ("skeleton element labels", 1),
        ("tags", 1),
        ("tracks", 1),
        ("z_order", 1),
    ]
    .iter()
    .map(|&(w, n)| (w.to_owned(), n))
    .collect();
    assert_eq!(losses, expected);
    assert_eq!(report.annotations_written, 2);
    assert_eq!(report.images_written, 1);

    let written: Value = serde_json::from_slice(&out).unwrap();
    let anns = written["annotations"].as_array().unwrap();
    // The rotated box is written as its bounds, with CVAT's attributes.
    assert_eq!(anns[0]["id"], 1);
    let b: Vec<f64> = anns[0]["bbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let bounds = BoxGeom {
        rotation: 30.0,
        ..BoxGeom::from_xyxy(1.0, 1.0, 5.0, 3.0)
    }
    .bounds();
    // Computed, so written without float noise.
    assert_eq!(
        b,
        [bounds.x_min, bounds.y_min, bounds.width(), bounds.height()].map(clean_number)
    );
    assert_eq!(b, [0.767949192, 0.1339745962, 4.464101615, 3.73205081]);
    assert_eq!(
        anns[0]["attributes"],
        serde_json::json!({"occluded": true, "pose": "up"})
    );
    // The group becomes one annotation with the first shape's id; the
    // keypoints follow the schema's order.
    assert_eq!(anns[1]["id"], 6);
    assert_eq!(anns[1]["bbox"], serde_json::json!([2, 1, 4, 5]));
    assert_eq!(
        anns[1]["keypoints"],
        serde_json::json!([3, 2, 1, 0, 0, 0, 4, 4, 2])
    );
    assert_eq!(anns[1]["num_keypoints"], 2);
    let cats = written["categories"].as_array().unwrap();
    assert_eq!(cats.len(), 1);
    assert_eq!(cats[0]["id"], 1);
    assert_eq!(
        cats[0]["keypoints"],
        serde_json::json!(["left_eye", "right_eye", "nose"])
    );

    // What reads back from a file written exactly is the projection.
    let (exact, _) = write(&ds, &WriteOptions::default().precision(Precision::Shortest));
    let again = read_bytes(Path::new("x.json"), &exact, &ReadOptions::default()).unwrap();
    assert!(again.issues.is_empty(), "{:?}", again.issues);
    assert_eq!(again.dataset, project(&ds));
    let shapes = object(&again.dataset, 6);
    assert_eq!(shapes.len(), 2);
    assert_eq!(shapes[0].id.0, 6);
    assert!(matches!(shapes[0].geometry, Geometry::Box(_)));
    // The derived shapes get ids above every COCO id, in file order: the
    // rotated box's annotation, of the same category, which declares
    // keypoints, carries them too (all `0,0,0`, num_keypoints 0, as COCO's
    // person annotations do) and reads back with absent keypoints (7).
    assert_eq!(
        anns[0]["keypoints"],
        serde_json::json!([0, 0, 0, 0, 0, 0, 0, 0, 0])
    );
    assert_eq!(anns[0]["num_keypoints"], 0);
    assert_eq!(object(&again.dataset, 1)[1].id.0, 7);
    assert_eq!(shapes[1].id.0, 8);
}

#[test]
fn write_path_is_atomic_and_pretty_output_reads_back() {
    let loaded = read("mmpose/tests/data/coco/test_coco.json");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/out.json");
    let options = WriteOptions::default().pretty(true);
    let report = labelkit_coco::write_path(&loaded.dataset, &path, &options).unwrap();
    assert_eq!(report.annotations_written, 14);
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("out.json")]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\n      \"keypoints\": ["),
        "pretty output has one field per line"
    );
    let again = labelkit_coco::read_path(&path, &ReadOptions::default()).unwrap();
    assert_eq!(again.dataset, loaded.dataset);
    // Fixed decimals, as CVAT prints them.
    let options = WriteOptions::default().precision(labelkit_model::Precision::Decimals(2));
    let (out, _) = write(&loaded.dataset, &options);
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("\"bbox\":[292.11,") || text.contains("\"bbox\":["),
        "{}",
        &text[..200]
    );
    assert!(!text.contains(".000"));
}

#[test]
fn fuzz_seeds_never_panic() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz_seeds"));
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        labelkit_coco::fuzz::fuzz_read(&bytes);
        // Every prefix too: truncated files are errors, never panics.
        for cut in (0..bytes.len()).step_by(7) {
            labelkit_coco::fuzz::fuzz_read(&bytes[..cut]);
        }
        count += 1;
    }
    assert!(count >= 5, "expected the seed files, found {count}");
}

// ---- The round-trip property ----

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1000i32..3000).prop_map(f64::from),
        -1.0e4f64..1.0e4,
        Just(0.1),
        Just(1.0 / 3.0),
    ]
}

fn point() -> impl Strategy<Value = Point> {
    (finite(), finite()).prop_map(|(x, y)| Point::new(x, y))
}

fn geometry(width: u32, height: u32) -> impl Strategy<Value = Geometry> {
    let area = width * height;
    prop_oneof![
        (finite(), finite(), 0.0f64..500.0, 0.0f64..500.0)
            .prop_map(|(x, y, w, h)| Geometry::Box(BoxGeom::from_xyxy(x, y, x + w, y + h))),
        prop::collection::vec(prop::collection::vec(point(), 0..6), 1..3)
            .prop_map(|rings| Geometry::Polygon(Polygon { rings })),
        prop::collection::vec(0u32..4, 1..6).prop_map(move |mut runs| {
            let sum: u32 = runs.iter().sum();
            if sum > area {
                runs = vec![area];
            } else {
                runs.push(area - sum);
            }
            Geometry::Mask(Mask {
                encoding: MaskEncoding::Coco {
                    height,
                    width,
                    counts: CocoCounts::Runs(runs),
                },
            })
        }),
        (0u32..3, 0u32..3, 1u32..3, 1u32..3, any::<bool>()).prop_map(|(left, top, w, h, on)| {
            let counts = if on { vec![0, w * h] } else { vec![w * h] };
            Geometry::Mask(Mask {
                encoding: MaskEncoding::Window {
                    left,
                    top,
                    width: w,
                    height: h,
                    counts,
                },
            })
        }),
        prop::collection::vec((finite(), finite(), 0u8..3), 0..5).prop_map(|pts| {
            Geometry::Keypoints(Keypoints {
                points: pts
                    .into_iter()
                    .map(|(x, y, v)| Keypoint {
                        name: None,
                        x,
                        y,
                        visibility: Visibility::from_coco_code(v).unwrap_or_default(),
                    })
                    .collect(),
            })
        }),
        Just(Geometry::Tag),
    ]
}

fn attribute_value() -> impl Strategy<Value = AttributeValue> {
    prop_oneof![
        any::<bool>().prop_map(AttributeValue::Bool),
        (-100i32..100).prop_map(|n| AttributeValue::Number(f64::from(n) / 4.0)),
        "[a-z \"\\\\é]{0,6}".prop_map(AttributeValue::Text),
    ]
}

fn dataset() -> impl Strategy<Value = Dataset> {
    let labels = prop::collection::vec(
        (
            "[a-z ]{1,6}",
            prop::option::of(0i64..4),
            prop::option::of(prop::collection::vec("[a-z_]{1,6}", 0..4)),
            prop::option::of("[a-z]{0,4}"),
        ),
        1..4,
    );
    let images = prop::collection::vec((1u32..5, 1u32..5, "[a-z/._ ]{0,8}"), 1..4);
    (labels, images, 0u64..u64::MAX / 2)
        .prop_flat_map(|(labels, images, base)| {
            let n_labels = labels.len() as u32;
            let n_images = images.len() as u64;
            let sizes: Vec<(u32, u32)> = images.iter().map(|&(w, h, _)| (w, h)).collect();
            let anns = prop::collection::vec(
                (0..n_images, 0..n_labels, 0u64..8, prop::option::of(0u64..3)).prop_flat_map(
                    move |(img, label, id, group)| {
                        let (w, h) = sizes[img as usize];
                        (
                            Just((img, label, id, group)),
                            geometry(w, h),
                            prop::collection::vec(("[a-z]{1,4}", attribute_value()), 0..3),
                            any::<bool>(),
                            any::<bool>(),
                            prop::option::of(0.0f64..1.0),
                            prop::option::of(prop_oneof![
                                Just("1"),
                                Just("\"x\""),
                                Just("[1, {\"a\": null}]")
                            ]),
                            // A stated box (kept on polygons and masks).
                            prop::option::of((finite(), finite(), finite(), finite())),
                        )
                    },
                ),
                0..8,
            );
            (Just(labels), Just(images), Just(base), anns)
        })
        .prop_map(|(labels, images, base, anns)| {
            let mut ds = Dataset::new();
            ds.info.kept.set(CocoDatasetFields::new(
                RawFields::parse("{\"info\": {\"year\": 2024}}").unwrap(),
            ));
            for (name, source_id, keypoints, supercategory) in labels {
                ds.labels.push(Label {
                    name,
                    source_id,
                    supercategory,
                    keypoints: keypoints.map(|names| {
                        let mut s = KeypointSchema::from_names(names.clone());
                        s.edges = (1..names.len()).map(|i| (i - 1, i)).collect();
                        s
                    }),
                    ..Label::default()
                });
            }
            for (i, (width, height, file_name)) in images.into_iter().enumerate() {
                ds.images.push(Image {
                    id: ImageId(base + i as u64),
                    file_name,
                    width,
                    height,
                    kept: Kept::with(CocoImageFields::new(
                        RawFields::parse("{\"license\": 1}").unwrap(),
                    )),
                    ..Image::default()
                });
            }
            for ((img, label, id, group), geometry, attrs, occluded, crowd, score, extra, stated) in
                anns
            {
                let mut a = ann(id, base + img, label, geometry);
                if matches!(a.geometry, Geometry::Polygon(_) | Geometry::Mask(_)) {
                    a.bbox = stated.map(|(x0, y0, x1, y1)| {
                        Box::new(BoxGeom::from_xyxy(
                            x0.min(x1),
                            y0.min(y1),
                            x0.max(x1),
                            y0.max(y1),
                        ))
                    });
                }
                for (k, v) in attrs {
                    a.attributes.set(k, v);
                }
                a.occluded = occluded;
                a.crowd = crowd;
                a.score = score;
                a.group = group.map(GroupId);
                if let Some(e) = extra {
                    let custom = RawFields::parse(&format!("{{\"custom\": {e}}}")).unwrap();
                    a.kept
                        .get_or_default::<CocoAnnotationFields>()
                        .set_unknown(Some(custom));
                }
                ds.annotations.push(a);
            }
            ds
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    #[test]
    fn read_of_write_is_project(ds in dataset()) {
        let (out, _) = write(&ds, &WriteOptions::default().precision(Precision::Shortest));
        let text = String::from_utf8(out.clone()).unwrap();
        let loaded = read_bytes(Path::new("p.json"), &out, &ReadOptions::default())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let codes: Vec<&str> = loaded.issues.iter().map(|d| d.code.as_str()).collect();
        // Only what a random dataset may really hold: duplicate ids, keypoint
        // lists that do not match their schema.
        prop_assert!(codes.iter().all(|c| *c == "F005" || *c == "F002"), "{:?}\n{}", loaded.issues, text);
        let projected = project(&ds);
        prop_assert_eq!(&loaded.dataset, &projected, "{}", text);
        // Projecting twice changes nothing.
        prop_assert_eq!(project(&projected), projected);
    }
}

/// Non-finite numbers are not JSON: a non-finite area is recomputed from a
/// finite bbox or written as `null`, other numbers are written as `null`,
/// each counted in the report; control characters in names are escaped.
/// The output is JSON and reads back with labelkit's own reader.
#[test]
fn non_finite_numbers_and_control_characters_write_valid_json() {
    let mut ds = Dataset::new();
    let name = "a\u{1}b\r\nc\u{7f}";
    let label = ds.labels.push(Label::new(name));
    ds.images.push(Image {
        id: ImageId(1),
        file_name: "x\u{1b}[31m.jpg".to_owned(),
        width: 100,
        height: 100,
        ..Image::default()
    });
    let mut add = |id: u64, geometry: Geometry| {
        let mut a = Annotation::new(AnnotationId(id), ImageId(1), label, geometry);
        a.attributes
            .set("note", AttributeValue::Text("x\u{1}\r\ny".to_owned()));
        a.attributes.set("n", AttributeValue::Number(f64::NAN));
        ds.annotations.push(a);
    };
    add(
        1,
        Geometry::Box(BoxGeom::from_xyxy(0.0, 0.0, f64::INFINITY, 10.0)),
    );
    add(
        2,
        Geometry::Box(BoxGeom::from_xyxy(f64::NAN, 0.0, 5.0, 10.0)),
    );
    add(
        3,
        Geometry::Polygon(Polygon {
            rings: vec![vec![
                Point::new(0.0, 0.0),
                Point::new(10.0, 0.0),
                Point::new(10.0, f64::NAN),
                Point::new(0.0, 10.0),
            ]],
        }),
    );
    add(4, Geometry::Box(BoxGeom::from_xyxy(1.0, 2.0, 4.0, 6.0)));
    let (out, report) = write(&ds, &WriteOptions::default());
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(!text.contains("inf") && !text.contains("NaN"), "{text}");
    let json: Value = serde_json::from_slice(&out).expect("valid JSON");
    let anns = json["annotations"].as_array().unwrap();
    assert_eq!(anns[0]["area"], Value::Null);
    assert_eq!(anns[0]["bbox"], serde_json::json!([0, 0, null, 10]));
    assert_eq!(anns[1]["area"], Value::Null);
    // The polygon's area is NaN; its bbox (NaN ignored) is 10x10.
    assert_eq!(anns[2]["area"], serde_json::json!(100));
    assert_eq!(anns[3]["area"], serde_json::json!(12));
    assert_eq!(anns[3]["attributes"]["n"], Value::Null);
    assert_eq!(report.count("non-finite areas (written as null)"), 2);
    assert_eq!(
        report.count("non-finite areas (recomputed from the bbox)"),
        1
    );
    assert!(
        report.count("non-finite numbers (written as null)") >= 4,
        "{report}"
    );
    assert_eq!(json["categories"][0]["name"], name);

    let back = read_bytes(Path::new("out.json"), &out, &ReadOptions::default())
        .expect("labelkit reads its own output");
    assert_eq!(back.dataset.labels.name(LabelId(0)), name);
    assert_eq!(back.dataset.images[0].file_name, "x\u{1b}[31m.jpg");
    let last = back
        .dataset
        .annotations
        .iter()
        .find(|a| a.id.0 == 4)
        .unwrap();
    assert_eq!(
        last.attributes.get("note"),
        Some(&AttributeValue::Text("x\u{1}\r\ny".to_owned()))
    );
    match &last.geometry {
        Geometry::Box(b) => assert_eq!((b.x_min, b.y_min, b.x_max, b.y_max), (1.0, 2.0, 4.0, 6.0)),
        other => panic!("{other:?}"),
    }
    assert!(
        back.issues.iter().any(|d| d.code == "F006"),
        "non-finite reported on read"
    );
}

/// A dataset as a CVAT project export reads: ids beyond 32 bits, file names
/// repeated across subsets (and once without a subset to tell them apart),
/// labels with source ids from a non-COCO source.
#[test]
fn ids_fit_32_bits_file_names_are_unique_and_categories_start_at_1() {
    let mut ds = Dataset::new();
    ds.info.source_format = Some("yolo".into());
    for (i, name) in ["a", "b"].into_iter().enumerate() {
        let mut l = label(name);
        l.source_id = Some(i as i64);
        ds.labels.push(l);
    }
    let images: [(u64, &str, Option<&str>); 6] = [
        (7, "img0.jpg", Some("Test")),
        (1 << 32, "img0.jpg", Some("Train")),
        ((1 << 32) + 1, "img1.jpg", Some("Train")),
        (3, "x.jpg", None),
        (u64::MAX, "x.jpg", None),
        (4, "10/x.jpg", None),
    ];
    for (id, file_name, subset) in images {
        ds.images.push(Image {
            id: ImageId(id),
            file_name: file_name.into(),
            width: 10,
            height: 10,
            subset: subset.map(Into::into),
            ..Image::default()
        });
    }
    let boxed = |x: f64| {
        Geometry::Box(BoxGeom {
            x_min: x,
            y_min: 1.0,
            x_max: x + 2.0,
            y_max: 3.0,
            rotation: 0.0,
        })
    };
    ds.annotations.push(ann(1 << 40, 1 << 32, 0, boxed(1.0)));
    ds.annotations.push(ann(5, u64::MAX, 1, boxed(2.0)));
    ds.annotations.push(ann(
        9,
        7,
        1,
        Geometry::Polygon(Polygon {
            rings: vec![vec![
                Point::new(0.0, 0.0),
                Point::new(4.0, 0.0),
                Point::new(0.0, 4.0),
            ]],
        }),
    ));
    let (out, report) = write(&ds, &WriteOptions::default());
    let doc: Value = serde_json::from_slice(&out).unwrap();
    let images: Vec<(u64, &str)> = doc["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_u64().unwrap(), i["file_name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        images,
        [
            (7, "Test/img0.jpg"),
            (8, "Train/img0.jpg"),
            (9, "Train/img1.jpg"),
            (3, "x.jpg"),
            (10, "10/x.jpg"),
            (4, "4/10/x.jpg"),
        ]
    );
    let anns: Vec<(u64, u64, i64, String)> = doc["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_u64().unwrap(),
                a["image_id"].as_u64().unwrap(),
                a["category_id"].as_i64().unwrap(),
                a["segmentation"].to_string(),
            )
        })
        .collect();
    assert_eq!(
        anns,
        [
            (10, 8, 1, "[]".to_owned()),
            (5, 10, 2, "[]".to_owned()),
            (9, 7, 2, "[[0,0,4,0,0,4]]".to_owned()),
        ]
    );
    let cats: Vec<(i64, &str)> = doc["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(cats, [(1, "a"), (2, "b")]);
    let losses: Vec<(&str, u64)> = report.losses().collect();
    assert_eq!(
        losses,
        [
            ("annotation ids beyond 32 bits renumbered", 1),
            (
                "category ids renumbered from 1 (YOLO class N is category N+1)",
                1
            ),
            ("image ids beyond 32 bits renumbered", 3),
            ("image subsets (kept as a folder of file_name)", 3),
            ("repeated file names given their image id as a folder", 2),
        ]
    );
    // It reads back with the written ids and names.
    let again = read_bytes(Path::new("out.json"), &out, &ReadOptions::default()).unwrap();
    assert_eq!(again.dataset, project(&ds));
    assert_eq!(again.dataset.images[4].file_name, "10/x.jpg");
}

/// A COCO source keeps its category ids but 0 (which Datumaro, and so CVAT,
/// reads as "no label"), renumbered to the next free id above the largest,
/// and numbers the ones beyond 32 bits after the largest that fits.
#[test]
fn a_coco_source_keeps_its_category_ids() {
    let mut ds = Dataset::new();
    ds.info.source_format = Some("coco".into());
    for (name, id) in [("zero", 0), ("big", 1 << 33), ("four", 4)] {
        let mut l = label(name);
        l.source_id = Some(id);
        ds.labels.push(l);
    }
    let (out, report) = write(&ds, &WriteOptions::default());
    let doc: Value = serde_json::from_slice(&out).unwrap();
    let ids: Vec<i64> = doc["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [6, 5, 4]);
    assert_eq!(report.count("category ids beyond 32 bits renumbered"), 1);
    assert_eq!(report.count(ZERO_RENUMBERED), 1);
    assert_eq!(report.losses().count(), 2, "{report}");
}

/// What the model has no field for is kept typed in the `kept` slots and
/// written back as read, byte for byte: top-level and image keys, a
/// category's unknown keys and a skeleton that is not 1-based pairs, and of
/// an annotation the stated `area` (`12.0`: text kept, not its shortest
/// form; `2.5`: only the value), a `bbox` whose size the corners do not
/// give back, `num_keypoints`, `segmentation: []`, the `attributes` form and
/// unknown keys. A dataset from another source keeps nothing.
#[test]
fn kept_fields_are_typed_and_written_back_as_read() {
    use labelkit_coco::{
        AttributesForm, CocoAnnotationFields, CocoCategoryFields, CocoDatasetFields,
        CocoImageFields, StatedNumber,
    };
    let text = concat!(
        "{\n\"info\":{\"year\": 2017},\n\"licenses\":[{\"id\":1}],\n\"images\":[\n",
        "{\"id\":1,\"width\":10,\"height\":10,\"file_name\":\"a.jpg\",\"license\":1,\"coco_url\":\"http://x/a.jpg\"}\n],\n",
        "\"annotations\":[\n",
        "{\"id\":1,\"image_id\":1,\"category_id\":1,\"segmentation\":[],\"area\":12.0,\"bbox\":[0.1,0,0.2,3],\"iscrowd\":0,\"keypoints\":[1,1,2],\"num_keypoints\":7,\"ignore\":0,\"face\":[1, 2]},\n",
        "{\"id\":2,\"image_id\":1,\"category_id\":1,\"segmentation\":[[0,0,2,0,2,2]],\"area\":2.5,\"bbox\":[0,0,2,2],\"iscrowd\":0,\"keypoints\":[0,0,0],\"num_keypoints\":0,\"attributes\":{\"pose\":\"up\"}},\n",
        "{\"id\":3,\"image_id\":1,\"category_id\":1,\"segmentation\":[],\"area\":4,\"bbox\":[0,0,2,2],\"iscrowd\":0,\"keypoints\":[0,0,0],\"num_keypoints\":0,\"attributes\":{\"occluded\":false}}\n",
        "],\n\"categories\":[\n",
        "{\"id\":1,\"name\":\"p\",\"keypoints\":[\"nose\"],\"skeleton\":[[0,1]],\"color\":\"red\"}\n]}\n",
    );
    let loaded = read_bytes(
        Path::new("k.json"),
        text.as_bytes(),
        &ReadOptions::default(),
    )
    .unwrap();
    let d = &loaded.dataset;
    let top = d.info.kept.get::<CocoDatasetFields>().unwrap();
    assert_eq!(
        top.keys.as_json(),
        r#"{"info":{"year": 2017},"licenses":[{"id":1}]}"#
    );
    let image = d.images[0].kept.get::<CocoImageFields>().unwrap();
    assert_eq!(image.keys.get("coco_url"), Some("\"http://x/a.jpg\""));
    let cat = d.labels.labels[0].kept.get::<CocoCategoryFields>().unwrap();
    assert_eq!(cat.skeleton.as_deref(), Some("[[0,1]]"));
    assert_eq!(cat.keys.as_ref().unwrap().get("color"), Some("\"red\""));
    let fields = |id: u64| {
        object(d, id)[0]
            .kept
            .get::<CocoAnnotationFields>()
            .cloned()
            .unwrap_or_default()
    };
    let first = fields(1);
    assert_eq!(first.area, Some(StatedNumber::Text("12.0".into())));
    assert_eq!(first.bbox_size, Some([0.2, 3.0]));
    assert_eq!(first.num_keypoints().map(StatedNumber::value), Some(7.0));
    assert!(first.empty_segmentation());
    assert_eq!(
        first.unknown().unwrap().as_json(),
        r#"{"ignore":0,"face":[1, 2]}"#
    );
    let second = fields(2);
    assert_eq!(second.area, Some(StatedNumber::Value(2.5)));
    assert_eq!(second.attributes_form(), AttributesForm::NoOccluded);
    assert!(second.unknown().is_none() && second.bbox_size.is_none());
    // Area 4 is the box's: nothing kept but the form of `attributes`.
    let third = fields(3);
    assert_eq!(third.area, None);
    assert_eq!(third.attributes_form(), AttributesForm::Present);
    // The keypoints shapes keep nothing.
    assert!(d
        .annotations
        .iter()
        .filter(|a| matches!(a.geometry, Geometry::Keypoints(_)))
        .all(|a| a.kept.is_empty()));

    let (out, report) = write(d, &WriteOptions::default());
    assert_eq!(String::from_utf8(out).unwrap(), text);
    assert!(report.is_lossless(), "{report:?}");
    assert_eq!(project(d), d.clone());

    // The same objects made in the model, with nothing kept, write none
    // of it.
    let mut plain = d.clone();
    plain.info.kept.clear();
    for a in &mut plain.annotations {
        a.kept.clear();
    }
    let (out, _) = write(&plain, &WriteOptions::default());
    let out = String::from_utf8(out).unwrap();
    assert!(
        !out.contains("\"info\"") && !out.contains("\"ignore\""),
        "{out}"
    );
    assert!(
        out.contains("\"area\":0.6,") && out.contains("\"num_keypoints\":1}"),
        "{out}"
    );
}
