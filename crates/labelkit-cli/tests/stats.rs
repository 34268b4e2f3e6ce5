//! `labelkit stats`: figures checked against hand-counted fixtures read by
//! the real readers, through the binary, and the JSON schema of
//! docs/stats.md field by field.

use std::path::Path;

use serde_json::{json, Value};

use super::{labelkit, repo_root, stderr, stdout, yolo_dataset};

/// A CVAT task in two subsets, hand-counted in the tests below: body
/// objects of 40x80 (one box and one polygon in group 1: one object),
/// 4x4 and 100x100 px; heads of 10x10, 40x40, 20x20 and 40x40; a male on
/// the first body, a female on the third; an empty val image.
const TWO_SPLITS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<annotations><version>1.1</version>
<meta><task><labels>
<label><name>body</name><attributes><attribute><name>pose</name><mutable>False</mutable><input_type>select</input_type><default_value>standing</default_value><values>standing
sitting</values></attribute></attributes></label>
<label><name>male</name></label>
<label><name>female</name></label>
<label><name>head</name></label>
</labels></task></meta>
<image id="0" name="a.jpg" subset="train" width="100" height="100">
<box label="body" occluded="0" xtl="10" ytl="10" xbr="50" ybr="90" group_id="1" z_order="0"><attribute name="pose">standing</attribute></box>
<polygon label="body" occluded="0" points="10,10;50,10;50,90;10,90" group_id="1" z_order="0"><attribute name="pose">standing</attribute></polygon>
<box label="male" occluded="0" xtl="10" ytl="10" xbr="50" ybr="90" z_order="0"/>
<box label="head" occluded="1" xtl="20" ytl="12" xbr="30" ybr="22" z_order="0"/>
<box label="body" occluded="1" xtl="60" ytl="10" xbr="64" ybr="14" z_order="0"><attribute name="pose">sitting</attribute></box>
</image>
<image id="1" name="b.jpg" subset="train" width="200" height="100">
<box label="body" occluded="0" xtl="0" ytl="0" xbr="100" ybr="100" z_order="0"><attribute name="pose">standing</attribute></box>
<box label="female" occluded="0" xtl="0" ytl="0" xbr="100" ybr="100" z_order="0"/>
<box label="head" occluded="0" xtl="10" ytl="10" xbr="50" ybr="50" z_order="0"/>
</image>
<image id="2" name="c.jpg" subset="val" width="100" height="100">
</image>
<image id="3" name="d.jpg" subset="val" width="100" height="100">
<box label="head" occluded="0" xtl="0" ytl="0" xbr="20" ybr="20" z_order="0"/>
<box label="head" occluded="1" xtl="50" ytl="50" xbr="90" ybr="90" z_order="0"/>
</image>
</annotations>
"#;

/// The target is 4 objects, the minimum size 4x4 px, one companion pass.
const TWO_SPLITS_CONFIG: &str = r#"
[[schema.companions]]
object = "body"
one-of = ["male", "female"]

[rules.too-few-labels]
min-count = 4

[rules.box-too-small]
min-width = 4.0
min-height = 4.0
"#;

fn stats_json(args: &[&str], cwd: &Path) -> Value {
    let mut all = vec!["stats", "--output-format", "json"];
    all.extend_from_slice(args);
    let o = labelkit(&all, cwd);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("stats JSON")
}

fn two_splits(dir: &Path) {
    std::fs::write(dir.join("task.xml"), TWO_SPLITS).unwrap();
    std::fs::write(dir.join("labelkit.toml"), TWO_SPLITS_CONFIG).unwrap();
}

fn label<'v>(split: &'v Value, name: &str) -> &'v Value {
    split["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("label {name} in {split}"))
}

/// The non-zero buckets of a histogram: lower edge -> count.
fn nonzero(h: &Value) -> Vec<(f64, u64)> {
    let edges = h["edges"].as_array().unwrap();
    let counts = h["counts"].as_array().unwrap();
    assert_eq!(edges.len(), counts.len(), "{h}");
    edges
        .iter()
        .zip(counts)
        .filter(|(_, c)| c.as_u64() != Some(0))
        .map(|(e, c)| (e.as_f64().unwrap(), c.as_u64().unwrap()))
        .collect()
}

#[test]
fn stats_counts_objects_sizes_and_companions_of_a_cvat_task() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    two_splits(d);
    let v = stats_json(&["task.xml"], d);
    assert_eq!(v["version"], 1);
    assert_eq!(v["target_count"], 4);
    assert_eq!(v["min_size"], json!({"width": 4.0, "height": 4.0}));
    let all = &v["overall"];
    assert_eq!(
        (
            &all["images"],
            &all["empty_images"],
            &all["objects"],
            &all["shapes"]
        ),
        (&json!(4), &json!(1), &json!(9), &json!(10)),
        "the box and polygon of group 1 are one object"
    );
    let body = label(all, "body");
    assert_eq!((&body["objects"], &body["images"]), (&json!(3), &json!(2)));
    assert_eq!(body["share_of_target"], 0.75);
    assert_eq!(
        body["size_buckets"],
        json!({"tiny": 1, "small": 0, "medium": 1, "large": 1})
    );
    assert_eq!(body["below_twice_min"], 1, "the 4x4 body is below 8x8");
    assert_eq!(
        (&body["occluded"], &body["unmeasured"]),
        (&json!(1), &json!(0))
    );
    assert_eq!(nonzero(&body["widths"]), [(4.0, 1), (32.0, 1), (96.0, 1)]);
    assert_eq!(nonzero(&body["heights"]), [(4.0, 1), (64.0, 1), (96.0, 1)]);
    assert_eq!(
        nonzero(&body["areas"]),
        [(16.0, 1), (2304.0, 1), (9216.0, 1)]
    );
    // Aspect 40/80, 4/4, 100/100.
    assert_eq!(nonzero(&body["aspect"]), [(0.5, 1), (0.8, 2)]);
    // The first body's centre (30, 50) of 100x100 and the third's (50, 50)
    // of 200x100: column 4, row 8; the 4x4 body's (62, 12): column 9, row 1.
    let heat = &body["heat"];
    assert_eq!((&heat["cols"], &heat["rows"]), (&json!(16), &json!(16)));
    assert_eq!(heat["counts"][8 * 16 + 4], 2);
    assert_eq!(heat["counts"][16 + 9], 1);
    assert_eq!(
        heat["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .sum::<u64>(),
        3
    );
    let head = label(all, "head");
    assert_eq!((&head["objects"], &head["images"]), (&json!(4), &json!(3)));
    assert_eq!(
        head["size_buckets"],
        json!({"tiny": 1, "small": 1, "medium": 2, "large": 0})
    );
    assert_eq!(
        (&head["occluded"], &head["below_twice_min"]),
        (&json!(2), &json!(0))
    );
    assert_eq!(label(all, "male")["objects"], 1);
    assert_eq!(label(all, "female")["objects"], 1);

    assert_eq!(
        nonzero(&all["objects_per_image"]),
        [(0.0, 1), (2.0, 1), (3.0, 1), (4.0, 1)]
    );
    assert_eq!(
        all["crowded"],
        json!([
            {"file": "a.jpg", "objects": 4},
            {"file": "b.jpg", "objects": 3},
            {"file": "d.jpg", "objects": 2}
        ])
    );
    assert_eq!(
        all["image_sizes"],
        json!([
            {"width": 100, "height": 100, "images": 3},
            {"width": 200, "height": 100, "images": 1}
        ])
    );
    assert_eq!(all["image_sizes_omitted"], 0);
    assert_eq!(
        all["companions"],
        json!([{
            "object": "body",
            "one_of": ["male", "female"],
            "objects": 3,
            "with_companion": 2,
            "with_several": 0,
            "per_companion": [{"label": "male", "objects": 1}, {"label": "female", "objects": 1}]
        }])
    );
    let attributes = all["attributes"].as_array().unwrap();
    assert!(attributes.contains(&json!({
        "label": "body", "name": "pose", "values": {"sitting": 1, "standing": 2}
    })));
    assert!(attributes.contains(&json!({
        "label": "head", "name": "occluded", "values": {"false": 2, "true": 2}
    })));
    assert_eq!(all["keypoints"], json!([]));
}

#[test]
fn stats_sets_splits_side_by_side_and_names_the_differences() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    two_splits(d);
    let v = stats_json(&["task.xml"], d);
    let splits = v["splits"].as_object().unwrap();
    assert_eq!(splits.keys().collect::<Vec<_>>(), ["train", "val"]);
    let (train, val) = (&v["splits"]["train"], &v["splits"]["val"]);
    assert_eq!(
        (&train["images"], &train["objects"]),
        (&json!(2), &json!(7))
    );
    assert_eq!(
        (&val["images"], &val["empty_images"], &val["objects"]),
        (&json!(2), &json!(1), &json!(2))
    );
    assert_eq!(label(val, "body")["objects"], 0);
    assert_eq!(label(val, "head")["objects"], 2);
    assert_eq!(val["companions"][0]["objects"], 0);
    assert_eq!(train["companions"][0]["with_companion"], 2);
    // Largest difference first: heads are 2 of 7 objects in train, 2 of 2
    // in val; a tiny head is half of train's, none of val's.
    let what: Vec<&str> = v["balance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["what"].as_str().unwrap())
        .collect();
    assert_eq!(
        what,
        [
            "label head",
            "size tiny of head",
            "size small of head",
            "label body",
            "label male",
            "label female"
        ]
    );
    let head = &v["balance"][0];
    assert_eq!(head["shares"]["val"], 1.0);
    assert!((head["shares"]["train"].as_f64().unwrap() - 2.0 / 7.0).abs() < 1e-12);
    assert!((head["difference"].as_f64().unwrap() - 5.0 / 7.0).abs() < 1e-12);
    assert_eq!(v["balance_threshold"], 0.05);

    // The table says the same.
    let o = labelkit(&["stats", "task.xml"], d);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        text.contains("target 4 objects per label; minimum size 4x4 px"),
        "{text}"
    );
    assert!(
        text.contains("all images: 4 images (1 empty), 9 objects in 10 shapes"),
        "{text}"
    );
    assert!(
        text.contains("split val: 2 images (1 empty), 2 objects in 2 shapes"),
        "{text}"
    );
    assert!(
        text.contains("  label head: train 28.6%, val 100.0% (difference 71.4%)"),
        "{text}"
    );
    assert!(
        text.contains(
            "  pass body -> male/female: 2 of 3 have one (male 1, female 1); 0 have several"
        ),
        "{text}"
    );
}

/// A COCO object of two polygons is one object (Datumaro counts two);
/// keypoint visibility per point of the category's schema.
#[test]
fn stats_counts_a_coco_object_of_several_polygons_once_and_its_keypoints() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let coco = json!({
        "images": [{"id": 1, "file_name": "p.jpg", "width": 640, "height": 480}],
        "categories": [{"id": 1, "name": "person", "supercategory": "person",
                        "keypoints": ["nose", "left_eye", "right_eye"], "skeleton": []}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 1000.0,
             "bbox": [10, 10, 100, 200],
             "segmentation": [[10, 10, 60, 10, 60, 100, 10, 100], [60, 100, 110, 100, 110, 210, 60, 210]],
             "keypoints": [50, 20, 2, 45, 18, 1, 0, 0, 0], "num_keypoints": 2},
            {"id": 2, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 2500.0,
             "bbox": [300, 100, 50, 50],
             "segmentation": [[300, 100, 350, 100, 350, 150, 300, 150]],
             "keypoints": [310, 110, 2, 0, 0, 0, 320, 110, 2], "num_keypoints": 2}
        ]
    });
    std::fs::write(d.join("coco.json"), coco.to_string()).unwrap();
    let v = stats_json(&["coco.json"], d);
    let all = &v["overall"];
    let person = label(all, "person");
    assert_eq!(
        (&all["objects"], &person["objects"]),
        (&json!(2), &json!(2))
    );
    // Sizes from the stated boxes: 100x200 (large), 50x50 (medium).
    assert_eq!(
        person["size_buckets"],
        json!({"tiny": 0, "small": 0, "medium": 1, "large": 1})
    );
    assert_eq!(nonzero(&person["widths"]), [(48.0, 1), (96.0, 1)]);
    assert_eq!(
        all["keypoints"],
        json!([{
            "label": "person",
            "instances": 2,
            "points": [
                {"name": "nose", "visible": 2, "occluded": 0, "absent": 0},
                {"name": "left_eye", "visible": 0, "occluded": 1, "absent": 1},
                {"name": "right_eye", "visible": 1, "occluded": 0, "absent": 1}
            ]
        }])
    );
    assert_eq!(v["splits"], json!({}));
    assert_eq!(v["balance"], json!([]));
}

/// The example dataset, hand-counted from its label files: 4 images of
/// 128x128, the targets and companion groups of its labelkit.toml.
#[test]
fn stats_of_the_example_dataset() {
    let root = repo_root();
    let v = stats_json(&["examples/person-dataset"], &root);
    assert_eq!(v["target_count"], 1, "min-count of its labelkit.toml");
    assert_eq!(v["min_size"], json!({"width": 3.0, "height": 3.0}));
    let all = &v["overall"];
    assert_eq!(
        (&all["images"], &all["empty_images"], &all["objects"]),
        (&json!(4), &json!(0), &json!(41))
    );
    let counts: Vec<(String, u64, u64)> = all["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_owned(),
                l["objects"].as_u64().unwrap(),
                l["images"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("body", 6, 4),
        ("adult", 4, 4),
        ("child", 1, 1),
        ("male", 3, 3),
        ("female", 2, 2),
        ("head", 5, 4),
        ("front", 5, 4),
        ("face", 5, 4),
        ("eye", 10, 4),
    ];
    assert_eq!(
        counts,
        expected.map(|(n, o, i)| (n.to_owned(), o, i)).to_vec()
    );
    // Bodies 32x96 (3072 px²), heads 16x18 (288), faces 12x13 (156),
    // eyes 4x4 and one of 2x2: all below 6x6.
    assert_eq!(label(all, "body")["size_buckets"]["medium"], 6);
    assert_eq!(label(all, "head")["size_buckets"]["small"], 5);
    assert_eq!(label(all, "face")["size_buckets"]["tiny"], 5);
    let eye = label(all, "eye");
    assert_eq!(eye["below_twice_min"], 10);
    assert_eq!(nonzero(&eye["widths"]), [(2.0, 1), (4.0, 9)]);
    assert_eq!(label(all, "head")["below_twice_min"], 0);
    assert_eq!(
        all["image_sizes"],
        json!([{"width": 128, "height": 128, "images": 4}])
    );
    assert_eq!(
        all["crowded"][0],
        json!({"file": "images/train/img001.png", "objects": 16})
    );
    assert_eq!(
        all["crowded"][1],
        json!({"file": "images/train/img004.png", "objects": 9})
    );
    // img004 holds its body box twice: the one adult box and the one
    // female box label both copies.
    let passes: Vec<(u64, u64, Value)> = all["companions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["objects"].as_u64().unwrap(),
                c["with_companion"].as_u64().unwrap(),
                c["per_companion"].clone(),
            )
        })
        .collect();
    assert_eq!(
        passes,
        [
            (
                6,
                6,
                json!([{"label": "adult", "objects": 5}, {"label": "child", "objects": 1}])
            ),
            (
                6,
                6,
                json!([{"label": "male", "objects": 3}, {"label": "female", "objects": 3}])
            ),
            (5, 5, json!([{"label": "front", "objects": 5}])),
        ]
    );
    // Both YOLO splits name images/train: one split.
    assert_eq!(v["splits"].as_object().unwrap().len(), 1);
}

#[test]
fn stats_compares_two_datasets_and_writes_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    two_splits(d);
    let root = repo_root();
    let example = root.join("examples/person-dataset");
    let o = labelkit(
        &[
            "stats",
            "--output-format",
            "json",
            "--compare",
            example.to_str().unwrap(),
            "-o",
            "cmp.json",
            "task.xml",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let v: Value = serde_json::from_slice(&std::fs::read(d.join("cmp.json")).unwrap()).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["images"], json!({"a": 4, "b": 4, "delta": 0}));
    assert_eq!(v["objects"], json!({"a": 9, "b": 41, "delta": 32}));
    let labels = v["labels"].as_array().unwrap();
    assert_eq!(
        labels[0],
        json!({"name": "body", "objects": {"a": 3, "b": 6, "delta": 3}, "images": {"a": 2, "b": 4, "delta": 2}})
    );
    // Labels only the second dataset has come after the first's.
    let names: Vec<&str> = labels.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["body", "male", "female", "head", "adult", "child", "front", "face", "eye"]
    );
    assert_eq!(labels[3]["objects"], json!({"a": 4, "b": 5, "delta": 1}));
}

#[test]
fn stats_of_a_missing_dataset_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let o = labelkit(&["stats", "nothing.json"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nothing.json"), "{}", stderr(&o));
}

/// Shapes on an image of unknown size (a YOLO label file whose image is
/// missing) are normalised, not pixels: counted as objects and as
/// unmeasured, in no size figure.
#[test]
fn stats_counts_shapes_on_images_of_unknown_size_apart() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    yolo_dataset(d, "0 0.5 0.5 0.2 0.4\n1 0.5 0.2 0.05 0.05\n");
    std::fs::write(d.join("labels/train/b.txt"), "0 0.5 0.5 0.2 0.4\n").unwrap();
    let v = stats_json(&["."], d);
    let all = &v["overall"];
    assert_eq!(
        (&all["images"], &all["unmeasured_images"], &all["objects"]),
        (&json!(2), &json!(1), &json!(3))
    );
    let person = label(all, "person");
    assert_eq!(
        (&person["objects"], &person["unmeasured"]),
        (&json!(2), &json!(1))
    );
    // 20x40 px on the 100x100 image: small.
    assert_eq!(
        person["size_buckets"],
        json!({"tiny": 0, "small": 1, "medium": 0, "large": 0})
    );
    assert_eq!(nonzero(&person["widths"]), [(16.0, 1)]);
    // 5x5 px: tiny, below 6x6.
    let head = label(all, "head");
    assert_eq!(
        (&head["size_buckets"]["tiny"], &head["below_twice_min"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(
        all["image_sizes"],
        json!([{"width": 100, "height": 100, "images": 1}])
    );
    let o = labelkit(&["stats", "."], d);
    let text = stdout(&o);
    assert!(
        text.contains("  1 images of unknown size: their objects have no size in pixels"),
        "{text}"
    );
    assert!(
        !text.contains("split balance"),
        "one split has no balance: {text}"
    );
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

/// Every field of docs/stats.md, and no other, at every level.
#[test]
fn stats_json_has_exactly_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    two_splits(d);
    let v = stats_json(&["task.xml"], d);
    assert_eq!(
        keys(&v),
        [
            "balance",
            "balance_threshold",
            "min_size",
            "orphan_shapes",
            "overall",
            "size_buckets",
            "splits",
            "target_count",
            "tracks",
            "version"
        ]
    );
    assert_eq!((&v["orphan_shapes"], &v["tracks"]), (&json!(0), &json!(0)));
    assert_eq!(
        v["size_buckets"],
        json!([
            {"name": "tiny", "min_area": 0.0, "max_area": 256.0},
            {"name": "small", "min_area": 256.0, "max_area": 1024.0},
            {"name": "medium", "min_area": 1024.0, "max_area": 9216.0},
            {"name": "large", "min_area": 9216.0, "max_area": null}
        ])
    );
    for split in [&v["overall"], &v["splits"]["train"], &v["splits"]["val"]] {
        assert_eq!(
            keys(split),
            [
                "attributes",
                "companions",
                "crowded",
                "empty_images",
                "image_sizes",
                "image_sizes_omitted",
                "images",
                "keypoints",
                "labels",
                "objects",
                "objects_per_image",
                "shapes",
                "unmeasured_images"
            ]
        );
        assert_eq!(
            split["objects_per_image"]["edges"],
            json!([
                0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 15.0, 20.0, 30.0, 50.0,
                100.0, 200.0
            ])
        );
        for l in split["labels"].as_array().unwrap() {
            assert_eq!(
                keys(l),
                [
                    "areas",
                    "aspect",
                    "below_twice_min",
                    "crowd",
                    "heat",
                    "heights",
                    "images",
                    "name",
                    "objects",
                    "occluded",
                    "parent",
                    "share_of_target",
                    "size_buckets",
                    "unmeasured",
                    "widths"
                ]
            );
            assert_eq!(l["parent"], Value::Null);
            assert_eq!(l["crowd"], 0);
            assert_eq!(l["heat"]["counts"].as_array().unwrap().len(), 256);
            for h in ["widths", "heights", "areas", "aspect"] {
                assert_eq!(keys(&l[h]), ["counts", "edges"]);
                assert_eq!(
                    l[h]["edges"].as_array().unwrap().len(),
                    l[h]["counts"].as_array().unwrap().len()
                );
            }
            assert_eq!(l["widths"]["edges"][24], 4096.0);
            assert_eq!(l["areas"]["edges"][24], 4096.0 * 4096.0);
            assert_eq!(l["aspect"]["edges"][14], 8.0);
        }
    }
    for note in v["balance"].as_array().unwrap() {
        assert_eq!(keys(note), ["difference", "shares", "what"]);
    }
}

/// `--output-format html` writes the self-contained page; every number it
/// ties to the JSON output (`data-json`, a JSON pointer) is the JSON's.
#[test]
fn stats_html_page_shows_the_numbers_of_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    two_splits(d);
    let o = labelkit(
        &[
            "stats",
            "task.xml",
            "--output-format",
            "html",
            "-o",
            "stats.html",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = std::fs::read_to_string(d.join("stats.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.contains("<title>labelkit stats: task.xml</title>"));
    assert!(page.matches("<svg").count() >= 4, "plots: {page}");
    let v = stats_json(&["task.xml"], d);
    let mut tied = 0;
    for part in page.split("data-json=\"").skip(1) {
        let (pointer, rest) = part.split_once('"').unwrap();
        let shown = rest
            .split_once('>')
            .unwrap()
            .1
            .split('<')
            .next()
            .unwrap()
            .replace(',', "");
        let value = v.pointer(pointer).unwrap_or_else(|| panic!("{pointer}"));
        if let Some(percent) = shown.strip_suffix('%') {
            // A share, shown as a percentage with one decimal.
            let share: f64 = percent.parse().unwrap();
            assert!(
                (share / 100.0 - value.as_f64().unwrap()).abs() <= 0.0005,
                "{pointer}: {shown}"
            );
        } else {
            assert_eq!(shown, value.to_string(), "{pointer}");
        }
        tied += 1;
    }
    assert!(tied >= 20, "{tied} numbers tied to the JSON");
}

#[test]
fn stats_writes_the_html_page_with_the_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    two_splits(d);
    let example = repo_root().join("examples/person-dataset");
    let o = labelkit(
        &[
            "stats",
            "--output-format",
            "html",
            "--compare",
            example.to_str().unwrap(),
            "-o",
            "stats.html",
            "task.xml",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let html = std::fs::read_to_string(d.join("stats.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // The figures of the JSON tests above, measured against labelkit.toml:
    // a target of 4, 4 images, 9 objects, body 3 objects on 2 images.
    assert!(html.contains("<span data-json=\"/target_count\">4</span>"));
    assert!(html.contains("<td data-json=\"/overall/images\">4</td>"));
    assert!(html.contains("<td data-json=\"/overall/objects\">9</td>"));
    assert!(html.contains("<td data-json=\"/overall/labels/0/objects\">3</td>"));
    assert!(html.contains("<td data-json=\"/overall/labels/0/images\">2</td>"));
    // The comparison: 9 objects here, 41 in the example dataset.
    assert!(html.contains(
        "<td data-compare-json=\"/objects/a\">9</td><td data-compare-json=\"/objects/b\">41</td>\
         <td data-compare-json=\"/objects/delta\">+32</td>"
    ));
    for id in [
        "labels-plot",
        "sizes-plot",
        "balance-plot",
        "companions-plot",
        "compare-plot",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{id}\" class=\"plot\">")),
            "{id}"
        );
    }
}

#[test]
fn the_output_never_replaces_the_input_and_nothing_is_read_first() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    yolo_dataset(&root.join("orig"), "0 0.5 0.5 0.4 0.8\n");
    let yaml = std::fs::read_to_string(root.join("orig/data.yaml")).unwrap();
    let o = labelkit(&["stats", "orig", "-o", "orig/data.yaml"], root);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with(
            "labelkit: error: refusing to write orig/data.yaml: it would overwrite the input "
        ),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("orig/data.yaml")).unwrap(),
        yaml
    );
    // A COCO file as the input, and as the compared side.
    std::fs::write(
        root.join("coco.json"),
        r#"{"images":[],"annotations":[],"categories":[]}"#,
    )
    .unwrap();
    for args in [
        &["stats", "coco.json", "-o", "coco.json"][..],
        &["stats", "orig", "--compare", "coco.json", "-o", "coco.json"][..],
    ] {
        let o = labelkit(args, root);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&o).contains("refusing to write coco.json: it would overwrite the input"),
            "{}",
            stderr(&o)
        );
        assert_eq!(
            std::fs::read_to_string(root.join("coco.json")).unwrap(),
            r#"{"images":[],"annotations":[],"categories":[]}"#
        );
    }
    // Beside the dataset: written, the same as stdout.
    let o = labelkit(&["stats", "orig", "-o", "stats.txt"], root);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let printed = labelkit(&["stats", "orig"], root);
    assert_eq!(
        std::fs::read_to_string(root.join("stats.txt")).unwrap(),
        stdout(&printed)
    );
}

#[test]
fn stats_help_has_its_own_exit_codes_and_quiet_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = labelkit(&["stats", "--help"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    let help = stdout(&o);
    assert!(
        help.ends_with(
            "Exit codes:\n  0  the statistics written\n  2  usage, configuration, read or I/O failure\n"
        ),
        "{help}"
    );
    assert!(!help.contains("findings at error severity"), "{help}");
    yolo_dataset(dir.path(), "0 0.5 0.5 0.4 0.8\n");
    let o = labelkit(&["stats", "-q", "."], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "labelkit: error: --quiet does not apply to stats: its output is the report (redirect stderr to hide the notes)\n"
    );
}

/// Datumaro's CVAT test task (tests/data/datumaro/NOTICE): points, a
/// polyline and skeletons are measured by the bounds of their geometry.
#[test]
fn points_polylines_and_skeletons_are_measured_by_their_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let file =
        repo_root().join("crates/labelkit-cli/tests/data/datumaro/cvat_for_images_train.xml");
    let s = stats_json(&[file.to_str().unwrap()], dir.path());
    let all = &s["overall"];
    // label2: points (1,2) (3,4) (5,6): 4x4 px.
    let points = label(all, "label2");
    assert_eq!(points["unmeasured"], 0);
    assert_eq!(nonzero(&points["widths"]), [(4.0, 1)]);
    assert_eq!(nonzero(&points["heights"]), [(4.0, 1)]);
    // The skeletons: their visible points, (2,2)-(4,4) and (3,3)-(6,6)
    // (an outside point left out): 2x2 and 3x3 px.
    let skeleton = label(all, "skeleton");
    assert_eq!(skeleton["objects"], 2);
    assert_eq!(skeleton["unmeasured"], 0);
    assert_eq!(nonzero(&skeleton["widths"]), [(2.0, 1), (3.0, 1)]);
    // The unlabelled polyline (1,2)-(7,8), 6x6 px, and polygon
    // (1,2)-(6,5), 5x3 px.
    let unlabelled = label(all, "");
    assert_eq!(unlabelled["objects"], 2);
    assert_eq!(unlabelled["unmeasured"], 0);
    assert_eq!(nonzero(&unlabelled["widths"]), [(4.0, 1), (6.0, 1)]);
    assert_eq!(nonzero(&unlabelled["heights"]), [(3.0, 1), (6.0, 1)]);
}
