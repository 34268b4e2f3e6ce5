//! Rules on real exports, through the binary: what other tools write by
//! design is not a mistake (CVAT's skeleton point order, its two-decimal
//! rounding, a labels-only YOLO export), mistakes in labelkit's own YOLO
//! pose output are found without a configured schema, and a near-duplicate
//! names the other shape by its place in the file.

use std::path::Path;

use super::{labelkit, png, repo_root, stderr, stdout, yolo_dataset};

/// A CVAT for images file of one `width`x`height` image `a.jpg` holding
/// boxes of `label`, one a line from line 6, each `[xtl, ytl, xbr, ybr]`
/// as written.
fn cvat_boxes(label: &str, (width, height): (u32, u32), boxes: &[[&str; 4]]) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n  <version>1.1</version>\n  \
         <meta><task><labels><label><name>{label}</name><type>rectangle</type><attributes/>\
         </label></labels></task></meta>\n  \
         <image id=\"0\" name=\"a.jpg\" width=\"{width}\" height=\"{height}\">\n"
    );
    for [xtl, ytl, xbr, ybr] in boxes {
        xml.push_str(&format!(
            "    <box label=\"{label}\" occluded=\"0\" source=\"manual\" xtl=\"{xtl}\" \
             ytl=\"{ytl}\" xbr=\"{xbr}\" ybr=\"{ybr}\" z_order=\"0\"/>\n"
        ));
    }
    xml.push_str("  </image>\n</annotations>\n");
    xml
}

/// `labelkit check <path> --output-format concise` in `cwd`: exit code and
/// stdout.
fn check(path: &str, cwd: &Path) -> (Option<i32>, String) {
    let o = labelkit(&["check", path, "--output-format", "concise"], cwd);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    (o.status.code(), stdout(&o))
}

/// The lines of `out` with ` CODE `.
fn lines_of<'a>(out: &'a str, code: &str) -> Vec<&'a str> {
    let needle = format!(" {code} ");
    out.lines().filter(|l| l.contains(&needle)).collect()
}

/// A real CVAT 2.x project export lists a skeleton's points in CVAT's own
/// order (4, 2, 1, 7, 6, 5, 3), each named by its `label`: not a K002.
#[test]
fn cvat_skeleton_points_in_any_order_are_not_out_of_order() {
    let root = repo_root();
    let file =
        root.join("tests/corpus/dagshub-annotation-converter/tests/fs_import/cvat/annotations.xml");
    let xml = std::fs::read_to_string(&file).unwrap();
    // The export does list them out of order (line 175 starts the skeleton).
    let skeleton: Vec<&str> = xml
        .lines()
        .skip(174)
        .take_while(|l| !l.contains("</skeleton>"))
        .filter_map(|l| l.split("<points label=\"").nth(1))
        .map(|l| &l[..l.find('"').unwrap()])
        .collect();
    assert_eq!(skeleton, ["4", "2", "1", "7", "6", "5", "3"], "{xml}");
    let (_, out) = check(file.to_str().unwrap(), &root);
    assert!(lines_of(&out, "K002").is_empty(), "{out}");
    // Converted to COCO, the points come out by name in schema order.
    let dir = tempfile::tempdir().unwrap();
    let o = labelkit(
        &[
            "convert",
            file.to_str().unwrap(),
            "--to",
            "coco",
            "-o",
            "o.json",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (_, out) = check("o.json", dir.path());
    assert!(lines_of(&out, "K002").is_empty(), "{out}");
}

/// Replaces the `flip_idx:` value of a data.yaml (block or flow list) by
/// `value`; returns the 1-based line of the key.
fn set_flip_idx(yaml: &Path, value: &str) -> usize {
    let text = std::fs::read_to_string(yaml).unwrap();
    let mut out = Vec::new();
    let mut line_of_key = 0;
    let mut in_block = false;
    for (i, l) in text.lines().enumerate() {
        if l.starts_with("flip_idx:") {
            line_of_key = i + 1;
            out.push(format!("flip_idx: {value}"));
            in_block = l.trim_end() == "flip_idx:";
            continue;
        }
        if in_block && l.trim_start().starts_with('-') {
            continue;
        }
        in_block = false;
        out.push(l.to_owned());
    }
    assert!(line_of_key > 0, "{text}");
    std::fs::write(yaml, out.join("\n") + "\n").unwrap();
    line_of_key
}

/// labelkit's own YOLO pose output of mmpose's test_coco.json carries
/// `kpt_names`: with no schema in labelkit.toml, a wrong `flip_idx` is
/// K006 at its line, and the wrist pair the COCO check finds swapped is
/// K004 in the YOLO copy too.
#[test]
fn yolo_pose_kpt_names_give_the_schema_for_flip_idx_and_sides() {
    let root = repo_root();
    let coco = root.join("tests/corpus/mmpose/tests/data/coco/test_coco.json");
    let (_, coco_out) = check(coco.to_str().unwrap(), &root);
    let coco_k004 = lines_of(&coco_out, "K004");
    assert_eq!(coco_k004.len(), 1, "{coco_out}");
    assert!(
        coco_k004[0].contains("`left_wrist` and `right_wrist` look swapped"),
        "{coco_out}"
    );

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The images of test_coco.json are not in the corpus: stand-ins of the
    // declared sizes let the YOLO copy be measured in pixels.
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&coco).unwrap()).unwrap();
    std::fs::create_dir_all(d.join("src")).unwrap();
    std::fs::copy(&coco, d.join("src/test_coco.json")).unwrap();
    for img in doc["images"].as_array().unwrap() {
        let name = img["file_name"].as_str().unwrap();
        let (w, h) = (
            img["width"].as_u64().unwrap(),
            img["height"].as_u64().unwrap(),
        );
        let (w, h) = (u32::try_from(w).unwrap(), u32::try_from(h).unwrap());
        std::fs::write(d.join("src").join(name), png(w, h)).unwrap();
    }
    let o = labelkit(
        &["convert", "src/test_coco.json", "--to", "yolo", "-o", "y"],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let yaml = d.join("y/data.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    assert!(text.contains("kpt_names:"), "{text}");
    assert!(text.contains("left_wrist"), "{text}");
    // As written, flip_idx is right: no K006; the swapped wrists are K004.
    let (_, out) = check("y", d);
    assert!(lines_of(&out, "K006").is_empty(), "{out}");
    let k004 = lines_of(&out, "K004");
    assert_eq!(k004.len(), 1, "{out}");
    assert!(
        k004[0].contains("K004 keypoints of `person`: `left_wrist` and `right_wrist` look swapped"),
        "{out}"
    );
    assert!(k004[0].contains("labels/train/"), "{out}");

    // The identity flip_idx (every point its own partner): K006 at the
    // key's line, and K004 still found from the names.
    let identity: Vec<String> = (0..17).map(|i| i.to_string()).collect();
    let line = set_flip_idx(&yaml, &format!("[{}]", identity.join(", ")));
    let (code, out) = check("y", d);
    assert_eq!(code, Some(1), "{out}");
    let k006 = lines_of(&out, "K006");
    assert_eq!(k006.len(), 1, "{out}");
    assert!(
        k006[0].starts_with(&format!("y/data.yaml:{line}:1: K006 flip_idx entry 1 (`left_eye`) is 1, the schema's left/right pairs give 2")),
        "{out}"
    );
    let o = labelkit(&["check", "y", "--output-format", "full"], d);
    let full = stdout(&o);
    assert!(
        full.contains(
            "help: use flip_idx: [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]"
        ),
        "{full}"
    );
    assert_eq!(lines_of(&out, "K004").len(), 1, "{out}");
}

/// The smallest pose dataset with `kpt_names` and a wrong `flip_idx`, as a
/// user writes it by hand: K006 without any labelkit.toml.
#[test]
fn hand_written_kpt_names_check_flip_idx() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("ds/images/train")).unwrap();
    std::fs::create_dir_all(d.join("ds/labels/train")).unwrap();
    std::fs::write(
        d.join("ds/data.yaml"),
        "train: images/train\nnames:\n  0: face\nkpt_shape: [3, 3]\n\
         kpt_names:\n  0: [left_eye, right_eye, nose]\nflip_idx: [0, 1, 2]\n",
    )
    .unwrap();
    std::fs::write(d.join("ds/images/train/a.png"), png(100, 100)).unwrap();
    std::fs::write(
        d.join("ds/labels/train/a.txt"),
        "0 0.5 0.5 0.4 0.4 0.6 0.4 2 0.4 0.4 2 0.5 0.5 2\n",
    )
    .unwrap();
    let (_, out) = check("ds", d);
    let k006 = lines_of(&out, "K006");
    assert_eq!(k006.len(), 1, "{out}");
    assert!(
        k006[0].starts_with(
            "ds/data.yaml:7:1: K006 flip_idx entry 0 (`left_eye`) is 0, the schema's left/right pairs give 1"
        ),
        "{out}"
    );
    // Fixed, it passes.
    std::fs::write(
        d.join("ds/data.yaml"),
        "train: images/train\nnames:\n  0: face\nkpt_shape: [3, 3]\n\
         kpt_names:\n  0: [left_eye, right_eye, nose]\nflip_idx: [1, 0, 2]\n",
    )
    .unwrap();
    let (_, out) = check("ds", d);
    assert!(lines_of(&out, "K006").is_empty(), "{out}");
}

/// CVAT writes each coordinate with two decimals: a 3x3 box on a rounding
/// tie reads 2.99 px and passes (as the 3x3 template size, G004), while
/// 2.98 px and 2.9 px stay G001 errors.
#[test]
fn cvat_two_decimal_rounding_is_allowed_in_box_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let xml = cvat_boxes(
        "eye",
        (480, 360),
        &[
            ["10.35", "2.68", "13.34", "5.67"],
            ["0.20", "100.00", "3.19", "103.00"],
            ["50.00", "50.00", "52.98", "53.00"],
            ["200.00", "200.00", "202.90", "202.90"],
        ],
    );
    std::fs::write(d.join("annotations.xml"), xml).unwrap();
    let (code, out) = check("annotations.xml", d);
    assert_eq!(code, Some(1), "{out}");
    let g001 = lines_of(&out, "G001");
    assert_eq!(
        g001,
        [
            "annotations.xml:8:5: G001 box `eye` is 2.98x3 px, smaller than the minimum 3x3 px",
            "annotations.xml:9:5: G001 box `eye` is 2.9x2.9 px, smaller than the minimum 3x3 px",
        ],
        "{out}"
    );
    let g004 = lines_of(&out, "G004");
    assert_eq!(g004.len(), 2, "{out}");
    assert!(
        g004[0].starts_with("annotations.xml:6:5: G004 box `eye` is exactly 3x3 px"),
        "{out}"
    );
    assert!(
        g004[1].starts_with("annotations.xml:7:5: G004 box `eye` is exactly 3x3 px"),
        "{out}"
    );
}

/// A near-duplicate names the other shape where the user finds it: its
/// line (CVAT shapes and YOLO rows have no ids), by its id where the file
/// writes ids (COCO); the secondary location stays.
#[test]
fn near_duplicate_names_the_other_shape_by_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let xml = cvat_boxes(
        "x",
        (100, 100),
        &[["10", "10", "50", "60"], ["11", "10", "50", "60"]],
    );
    std::fs::write(d.join("dup.xml"), xml).unwrap();
    let (_, out) = check("dup.xml", d);
    assert_eq!(
        lines_of(&out, "A001"),
        ["dup.xml:7:5: A001 `x` box duplicates the box at line 6 (IoU 0.975)"],
        "{out}"
    );
    let o = labelkit(&["check", "dup.xml", "--output-format", "full"], d);
    let full = stdout(&o);
    assert!(full.contains("first labelled here"), "{full}");

    // YOLO: the rows of one label file.
    yolo_dataset(
        &d.join("y"),
        "0 0.5 0.5 0.2 0.2\n0 0.1 0.1 0.05 0.05\n0 0.5 0.5 0.2 0.2\n",
    );
    let (_, out) = check("y", d);
    assert_eq!(
        lines_of(&out, "A001"),
        ["y/labels/train/a.txt:3:1: A001 `person` box duplicates the box at line 1 (IoU 1.000)"],
        "{out}"
    );

    // COCO writes ids: they are named.
    let json = r#"{
  "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
  "categories": [{"id": 1, "name": "x"}],
  "annotations": [
    {"id": 7, "image_id": 1, "category_id": 1, "bbox": [10, 10, 40, 50], "area": 2000, "iscrowd": 0},
    {"id": 9, "image_id": 1, "category_id": 1, "bbox": [11, 10, 39, 50], "area": 1950, "iscrowd": 0}
  ]
}
"#;
    std::fs::write(d.join("dup.json"), json).unwrap();
    let (_, out) = check("dup.json", d);
    assert_eq!(
        lines_of(&out, "A001"),
        ["dup.json:6:5: A001 `x` 9 duplicates annotation 7 (IoU 0.975)"],
        "{out}"
    );
}

/// CVAT's "YOLO 1.1" export without its images (the corpus' real one, 100
/// label files): one warning for the dataset, not an error per image; a
/// dataset where only some images are missing keeps an error for each.
#[test]
fn labels_only_export_is_one_warning_missing_images_stay_errors() {
    let root = repo_root();
    let gts =
        root.join("tests/corpus/review_object_detection_metrics/data/database/gts/yolo_format");
    let (code, out) = check(gts.to_str().unwrap(), &root);
    let d006 = lines_of(&out, "D006");
    assert_eq!(d006.len(), 1, "{out}");
    assert!(
        d006[0].ends_with(
            "D006 none of the 100 label files has its image (a labels-only export?): \
             the labels were checked, nothing was measured in pixels"
        ),
        "{out}"
    );
    assert!(d006[0].contains("obj.data"), "{out}");
    assert_eq!(lines_of(&out, "G005").len(), 1, "{out}");
    let o = labelkit(
        &["check", gts.to_str().unwrap(), "--output-format", "full"],
        &root,
    );
    let full = stdout(&o);
    assert!(full.contains("warning[D006]"), "{full}");
    assert!(!full.contains("error[D006]"), "{full}");
    // Nothing else is an error: a CI check of the export passes.
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(o.status.code(), Some(0), "{full}");

    // Two label files, one image: the missing one is an error.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    yolo_dataset(&d.join("ds"), "0 0.5 0.5 0.2 0.2\n");
    std::fs::write(d.join("ds/labels/train/b.txt"), "0 0.5 0.5 0.2 0.2\n").unwrap();
    let (code, out) = check("ds", d);
    assert_eq!(code, Some(1), "{out}");
    let d006 = lines_of(&out, "D006");
    assert_eq!(d006.len(), 1, "{out}");
    assert_eq!(
        d006[0],
        "ds/labels/train/b.txt:1:1: D006 labels of `images/train/b.jpg` (1 annotation(s)) have no image file",
        "{out}"
    );
    let o = labelkit(&["check", "ds", "--output-format", "full"], d);
    assert!(stdout(&o).contains("error[D006]"), "{}", stdout(&o));
}
