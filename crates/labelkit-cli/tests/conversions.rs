//! Conversions a new user tries first: COCO and CVAT to YOLO without image
//! sizes, what `--strict` counts as skipped input, COCO keypoints beside
//! other shapes, inverted boxes, repeated image ids, folders as input, and
//! where a failed write says it failed.
//!
//! Inputs: `tests/data/conv/` (small files made for these cases) and the
//! corpus under `tests/corpus`.

use std::path::{Path, PathBuf};

use super::{labelkit, png, repo_root, stderr, stdout};

fn data(name: &str) -> PathBuf {
    repo_root()
        .join("crates/labelkit-cli/tests/data/conv")
        .join(name)
}

fn corpus(rel: &str) -> PathBuf {
    repo_root().join("tests/corpus").join(rel)
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const DECLARE: &str = "declare the size in the source (the width and height of each COCO \
     `images` entry, which a COCO results file lacks, or of a CVAT <image>, a video's \
     <original_size>)";

/// COCO and CVAT coordinates are pixels; YOLO rows are fractions of the
/// image's size. Without the size, YOLO output is refused as COCO and CVAT
/// output is (one message, exit 2), never written as `<cls> 1 1 0 0` rows.
#[test]
fn pixels_of_images_without_a_size_are_refused_as_yolo() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let results = corpus("cocoapi/results/instances_val2014_fakebbox100_results.json");
    let cases: [(PathBuf, &str); 4] = [
        // A COCO results file: no `images`, so no sizes.
        (
            results.clone(),
            "labelkit: error: 99 of 99 images have no known size (\"<image id ",
        ),
        (
            data("zero_size.json"),
            "labelkit: error: 1 of 1 image has no known size (\"a.jpg\"): ",
        ),
        (
            data("zero_width.xml"),
            "labelkit: error: 1 of 1 image has no known size (\"a.jpg\"): ",
        ),
        // CVAT for video without <original_size>: the frames with a box.
        (data("video_no_size.xml"), "labelkit: error: 2 of "),
    ];
    for (n, (input, start)) in cases.iter().enumerate() {
        let out = format!("y{n}");
        let o = labelkit(&["convert", arg(input), "--to", "yolo", "-o", &out], d);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", input.display());
        assert!(err.starts_with(start), "{}: {err}", input.display());
        assert!(
            err.ends_with(&format!(
                "yolo cannot be written, its rows are fractions of the image's size, so \
                 nothing was written; {DECLARE}\n"
            )),
            "{}: {err}",
            input.display()
        );
        assert!(!d.join(&out).exists(), "{}", input.display());
    }
    // --image-size is for YOLO input; the message no longer says that a
    // results file declares sizes.
    let o = labelkit(
        &[
            "convert",
            arg(&results),
            "--to",
            "yolo",
            "-o",
            "r",
            "--image-size",
            "640x480",
        ],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is coco, whose image sizes can only come from the file itself"),
        "{err}"
    );
    // COCO output of the results file is refused with the same words.
    let o = labelkit(
        &["convert", arg(&results), "--to", "coco", "-o", "c.json"],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("coco cannot be written, it needs every image's size"),
        "{err}"
    );
}

/// Only read issues where the reader left input out count as "input the
/// reader had to skip": an undeclared label (F003), a flag or z_order read
/// as 0, an ignored group id are findings of `check`, and `--strict` passes
/// conversions that keep everything.
#[test]
fn strict_counts_only_what_the_reader_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Undeclared labels (F003) only: lossless, so --strict succeeds.
    for (input, to) in [
        (
            "dagshub-annotation-converter/tests/cvat_video/res/sample_video.xml",
            "cvat-video",
        ),
        (
            "datumaro-cvat-ai/tests/assets/cvat_dataset/for_images/train.xml",
            "cvat-images",
        ),
    ] {
        let o = labelkit(
            &[
                "convert",
                arg(&corpus(input)),
                "--to",
                to,
                "-o",
                "o.xml",
                "--strict",
            ],
            d,
        );
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{input}: {err}");
        assert!(err.contains(" F003 "), "{input}: {err}");
        assert!(!err.contains("had to skip"), "{input}: {err}");
        std::fs::remove_file(d.join("o.xml")).unwrap();
        // `check` still reports them.
        let o = labelkit(&["check", arg(&corpus(input))], d);
        assert!(stdout(&o).contains("F003"), "{input}: {}", stdout(&o));
    }
    // skips.xml: 3 shapes skipped (malformed points, an unknown element,
    // rotation="abc"); occluded="maybe", z_order="abc", group_id="-3", an
    // undeclared attribute and a bad mask kept as written are not skips.
    let o = labelkit(
        &[
            "convert",
            arg(&data("skips.xml")),
            "--to",
            "cvat-images",
            "-o",
            "s.xml",
        ],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "material losses:\n  3 x input the reader had to skip (see the read issues)\n"
        ),
        "{err}"
    );
    assert!(
        err.contains("`occluded` is `maybe`, expected 0 or 1: read as 0"),
        "{err}"
    );
    // A skeleton element's second point on one frame is skipped (F011, a
    // warning): counted, never "nothing lost", and --strict refuses.
    let second = data("skeleton_second_point.xml");
    let o = labelkit(
        &["convert", arg(&second), "--to", "cvat-video", "-o", "v.xml"],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("has a second point on frame 0: skipped"),
        "{err}"
    );
    assert!(
        err.contains(
            "material losses:\n  1 x input the reader had to skip (see the read issues)\n"
        ),
        "{err}"
    );
    let o = labelkit(
        &[
            "convert",
            arg(&second),
            "--to",
            "cvat-video",
            "-o",
            "v2.xml",
            "--strict",
        ],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    // The refusal shows the read issues it points to, then says why.
    let (issues, refusal) = err.split_once("labelkit: strict").unwrap();
    assert!(issues.contains(" F011 "), "{err}");
    assert!(
        issues.contains("has a second point on frame 0: skipped"),
        "{err}"
    );
    assert!(
        refusal.starts_with(" conversion to cvat-video refused: 1 x input the reader had to skip"),
        "{err}"
    );
    assert!(!d.join("v2.xml").exists());
    // COCO ids renumbered (annotation id -5) are read issues, not skips.
    let o = labelkit(
        &[
            "convert",
            arg(&data("ids.json")),
            "--to",
            "cvat",
            "-o",
            "i.xml",
            "--strict",
        ],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("annotation has no non-negative integer id; numbered"),
        "{err}"
    );
}

/// A COCO file declaring keypoints beside boxes: a person with points, a
/// person with a box only, a car.
const MIXED_KEYPOINTS: &str = r#"{"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 80}],
"categories": [{"id": 1, "name": "person", "keypoints": ["head", "foot"], "skeleton": [[1, 2]]},
  {"id": 2, "name": "car"}],
"annotations": [
  {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 40], "area": 800, "iscrowd": 0,
   "segmentation": [], "keypoints": [20, 12, 2, 20, 48, 1], "num_keypoints": 2},
  {"id": 2, "image_id": 1, "category_id": 1, "bbox": [50, 10, 20, 40], "area": 800, "iscrowd": 0,
   "segmentation": []},
  {"id": 3, "image_id": 1, "category_id": 2, "bbox": [5, 60, 30, 15], "area": 450, "iscrowd": 0,
   "segmentation": []}]}
"#;

/// `(category, keypoints, num_keypoints)` of each annotation of a COCO file.
fn keypoint_fields(doc: &serde_json::Value) -> Vec<String> {
    doc["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {} {}",
                a["category_id"], a["keypoints"], a["num_keypoints"]
            )
        })
        .collect()
}

/// COCO output where a category declares keypoints: every annotation of it
/// has `keypoints` (zeros when it has none) and `num_keypoints`, as
/// Datumaro's COCO Keypoints import and pycocotools' keypoint evaluation
/// need; annotations of other categories get `num_keypoints: 0` (which
/// pycocotools reads for every category it evaluates) and no `keypoints`.
/// Read and written again, the fields stay as they are.
#[test]
fn coco_keypoint_categories_give_every_annotation_keypoints() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("in.json"), MIXED_KEYPOINTS).unwrap();
    let o = labelkit(&["convert", "in.json", "--to", "coco", "-o", "c.json"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = json(&d.join("c.json"));
    assert_eq!(
        keypoint_fields(&doc),
        ["1 [20,12,2,20,48,1] 2", "1 [0,0,0,0,0,0] 0", "2 null 0"]
    );
    // CVAT: the zeros are a skeleton with every point outside, as Datumaro
    // reads them; and back to COCO, the same fields.
    let o = labelkit(&["convert", "c.json", "--to", "cvat", "-o", "back.xml"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let back = std::fs::read_to_string(d.join("back.xml")).unwrap();
    assert_eq!(back.matches("<skeleton ").count(), 2, "{back}");
    assert_eq!(back.matches("<box ").count(), 3, "{back}");
    let o = labelkit(&["convert", "back.xml", "--to", "coco", "-o", "c2.json"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        keypoint_fields(&json(&d.join("c2.json"))),
        keypoint_fields(&doc)
    );
    // A COCO file read and written keeps the annotations as they are.
    let o = labelkit(&["convert", "c.json", "--to", "coco", "-o", "c3.json"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        keypoint_fields(&json(&d.join("c3.json"))),
        keypoint_fields(&doc)
    );
    // CVAT with skeletons beside boxes of other labels: every annotation
    // says how many keypoints it has.
    let src = corpus("datumaro-cvat-ai/tests/assets/cvat_dataset/for_images/train.xml");
    let o = labelkit(&["convert", arg(&src), "--to", "coco", "-o", "t.json"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        keypoint_fields(&json(&d.join("t.json")))
            .iter()
            .map(|f| f.split(' ').next_back().unwrap().to_owned())
            .collect::<Vec<_>>(),
        ["0", "3", "3"]
    );
}

/// An inverted CVAT box (`xbr < xtl`) becomes a COCO box with its corners
/// in order, counted; an image renumbered because its id repeated
/// another's is counted under that reason.
#[test]
fn inverted_boxes_and_repeated_image_ids_in_coco_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = labelkit(
        &[
            "convert",
            arg(&data("skips.xml")),
            "--to",
            "coco",
            "-o",
            "s.json",
        ],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("  1 x inverted boxes (written with their corners in order)\n"),
        "{err}"
    );
    assert!(
        err.contains("  1 x repeated image ids renumbered (two images of the source had one id)\n"),
        "{err}"
    );
    assert!(!err.contains("beyond 32 bits"), "{err}");
    let doc = json(&d.join("s.json"));
    let boxes: Vec<Vec<f64>> = doc["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| serde_json::from_value(a["bbox"].clone()).ok())
        .collect();
    assert!(boxes.contains(&vec![50.0, 60.0, 10.0, 10.0]), "{boxes:?}");
    assert!(
        boxes.iter().all(|b| b[2] >= 0.0 && b[3] >= 0.0),
        "{boxes:?}"
    );
    let ids: Vec<i64> = doc["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [0, 2, 1]);
    // labelkit's own check of the output finds no negative box.
    let o = labelkit(&["check", "s.json"], d);
    assert!(!stdout(&o).contains("negative width"), "{}", stdout(&o));
}

const CVAT_ONE_BOX: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<annotations><version>1.1</version>
<meta><task><id>1</id><name>t</name><size>1</size><mode>annotation</mode>
<labels><label><name>car</name><type>rectangle</type><attributes></attributes></label></labels>
</task></meta>
<image id="0" name="a.png" width="100" height="80">
<box label="car" occluded="0" source="manual" xtl="10.00" ytl="10.00" xbr="60.00" ybr="50.00" z_order="0"></box>
</image>
</annotations>
"#;

/// A CVAT export folder (`annotations.xml` and `images/`) or a folder
/// holding one COCO file is read through its one annotation file; a folder
/// with several says which to name.
#[test]
fn a_folder_with_one_annotation_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("cv/images")).unwrap();
    std::fs::write(d.join("cv/annotations.xml"), CVAT_ONE_BOX).unwrap();
    std::fs::write(d.join("cv/images/a.png"), png(100, 80)).unwrap();
    let o = labelkit(&["convert", "cv", "--to", "coco", "-o", "x.json"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = json(&d.join("x.json"));
    assert_eq!(
        doc["annotations"][0]["bbox"],
        serde_json::json!([10, 10, 50, 40])
    );
    // The folder of COCO files: one file.
    std::fs::create_dir(d.join("data")).unwrap();
    std::fs::rename(d.join("x.json"), d.join("data/instances.json")).unwrap();
    let o = labelkit(&["convert", "data", "--to", "cvat", "-o", "back.xml"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::read_to_string(d.join("back.xml"))
        .unwrap()
        .contains(r#"xtl="10" ytl="10" xbr="60" ybr="50""#));
    let o = labelkit(&["check", "cv"], d);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // Two annotation files: name one.
    std::fs::copy(d.join("cv/annotations.xml"), d.join("cv/other.xml")).unwrap();
    let o = labelkit(&["convert", "cv", "--to", "coco", "-o", "y.json"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "labelkit: error: cv: cannot tell the annotation format: a folder with several \
         annotation files (annotations.xml, other.xml): name one\n"
    );
}

/// A write that fails names the output the user gave, not the temporary
/// file beside it, with and without `--strict`.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_names_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("x.xml"), CVAT_ONE_BOX).unwrap();
    for strict in [false, true] {
        let mut args = vec!["convert", "x.xml", "--to", "coco", "-o", "/proc/x.json"];
        if strict {
            args.push("--strict");
        }
        let o = labelkit(&args, d);
        let err = stderr(&o);
        assert_ne!(o.status.code(), Some(0), "{err}");
        assert!(err.starts_with("labelkit: error: /proc/x.json: "), "{err}");
        assert!(!err.contains(".tmp") && !err.contains("strict"), "{err}");
    }
    // YOLO output: the folder given, not its staging folder.
    let o = labelkit(&["convert", "x.xml", "--to", "yolo", "-o", "/proc/yo"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.starts_with("labelkit: error: /proc/yo: "), "{err}");
    assert!(!err.contains("staging"), "{err}");
}

/// Keypoints of a label that declares no point names (CVAT skeletons of
/// labels `<meta>` does not declare, as in dagshub's `pose_grouping.xml`):
/// the category lists points `1`..`N`, N the most points of one of its
/// annotations, and each annotation has N of them, so that COCO readers
/// (pycocotools' keypoint evaluation) find the category's points.
#[test]
fn keypoints_of_a_label_without_point_names_get_numbered_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = corpus("dagshub-annotation-converter/tests/cvat/res/pose_grouping.xml");
    let o = labelkit(&["convert", arg(&input), "--to", "coco", "-o", "c.json"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "2 x categories given point names 1..N (their keypoints had no declared names)"
        ),
        "{}",
        stderr(&o)
    );
    let doc = json(&d.join("c.json"));
    let named: Vec<(String, Vec<String>)> = doc["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| {
            let names = c.get("keypoints")?.as_array()?;
            Some((
                c["name"].as_str().unwrap().to_owned(),
                names
                    .iter()
                    .map(|n| n.as_str().unwrap().to_owned())
                    .collect(),
            ))
        })
        .collect();
    let numbered: Vec<String> = (1..=5).map(|i| i.to_string()).collect();
    assert!(
        named.contains(&("Pointy_3".to_owned(), numbered.clone()))
            && named.contains(&("Pointy_misc".to_owned(), numbered)),
        "{named:?}"
    );
    // Every annotation of those categories has 5 points.
    for a in doc["annotations"].as_array().unwrap() {
        if let Some(k) = a.get("keypoints") {
            assert_eq!(k.as_array().unwrap().len(), 15, "{a}");
        }
    }
}
