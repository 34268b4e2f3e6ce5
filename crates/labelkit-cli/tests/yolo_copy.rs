//! A YOLO -> YOLO copy through the command line changes no value's text:
//! label files diff clean in git, whatever wrote them.

use std::path::Path;

use super::{labelkit, stderr, yolo_dataset};

/// Converts `src/data.yaml` to `target` in `out` and returns the summary.
fn convert(root: &Path, target: &str, out: &str) -> String {
    let o = labelkit(
        &[
            "convert",
            "--color",
            "never",
            "src/data.yaml",
            "--to",
            target,
            "-o",
            out,
        ],
        root,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stderr(&o)
}

/// Every value of every row, as text.
fn tokens(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

fn copy_keeps_text(rows: &str) {
    let root = tempfile::tempdir().unwrap();
    yolo_dataset(&root.path().join("src"), rows);
    let said = convert(root.path(), "yolo", "out");
    assert!(said.contains("nothing lost"), "{said}");
    let written = std::fs::read_to_string(root.path().join("out/labels/train/a.txt")).unwrap();
    assert_eq!(tokens(&written), tokens(rows), "{written}");
}

/// Datumaro's and CVAT's YOLO exports print `%.6f`: `0.444000` stays
/// `0.444000` (not `0.44400000000000006`, nor `0.444`), and a box reaching
/// 5e-7 past the edge (`0.133333 +- 0.266667 / 2`) is not clipped.
#[test]
fn a_fixed_point_yolo_copy_keeps_every_value_as_text() {
    copy_keeps_text(
        "0 0.444000 0.300000 0.266667 0.200000\n\
         1 0.133333 0.450000 0.266667 0.300000\n\
         0 0.500000 0.500000 1.000000 1.000000\n",
    );
}

/// What YOLO keeps of its rows' form (a fixed number of decimals, the
/// values per keypoint of a pose source) is not counted as lost on the way
/// to COCO, which states coordinates and keypoints its own way.
#[test]
fn the_form_of_yolo_rows_is_not_lost_on_the_way_to_coco() {
    let fixed = tempfile::tempdir().unwrap();
    yolo_dataset(
        &fixed.path().join("src"),
        "0 0.444000 0.300000 0.266667 0.200000\n",
    );
    let pose = tempfile::tempdir().unwrap();
    yolo_dataset(
        &pose.path().join("src"),
        "0 0.5 0.5 0.2 0.2 0.45 0.45 0.55 0.55 0.5 0.5\n",
    );
    let yaml = pose.path().join("src/data.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, format!("{text}kpt_shape: [3, 2]\n")).unwrap();
    for root in [&fixed, &pose] {
        let said = convert(root.path(), "coco", "out.json");
        assert!(
            said.contains("1 images, 1 annotations; no annotation lost"),
            "{said}"
        );
        assert!(
            !said.contains("fields specific to another format"),
            "{said}"
        );
    }
}

/// Ultralytics prints `%g`, trailing zeros dropped: the copy does too.
#[test]
fn a_shortest_form_yolo_copy_keeps_every_value_as_text() {
    copy_keeps_text(
        "0 0.444 0.3 0.266667 0.2\n\
         1 0.1 0.45 0.0123457 0.3\n",
    );
}

/// OBB rows on a 100x100 image: the four corners as read (two boxes drawn
/// at 30 and 120 degrees, written with 6 decimals, so not exact
/// rectangles), one corner at -0.004282 kept (Ultralytics accepts down to
/// -0.01 and clips when it trains); to CVAT, the rotation is what the
/// corners' 6 decimals allow.
#[test]
fn obb_corners_are_copied_as_read_and_their_rotation_is_clean() {
    let rows = "0 0.376795 0.313397 0.723205 0.513397 0.623205 0.686603 0.276795 0.486603\n\
                1 0.165981 0.025718 0.085981 0.164282 0.034019 0.134282 0.114019 -0.004282\n";
    copy_keeps_text(rows);

    let root = tempfile::tempdir().unwrap();
    yolo_dataset(&root.path().join("src"), rows);
    convert(root.path(), "cvat", "out.xml");
    let xml = std::fs::read_to_string(root.path().join("out.xml")).unwrap();
    let rotations: Vec<&str> = xml
        .match_indices("rotation=\"")
        .map(|(at, m)| {
            let rest = &xml[at + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(rotations, ["30", "120"], "{xml}");
}
