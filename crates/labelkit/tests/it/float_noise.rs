//! Numbers in converted real files: values read and not changed keep the
//! digits they were read with; computed ones carry no float noise (the
//! shortest decimal within 1e-9, relative); `Precision::Shortest` still
//! writes the exact round-trip form.
#![cfg(all(feature = "coco", feature = "cvat", feature = "yolo"))]

use std::path::Path;

use crate::support::corpus;
use labelkit::{convert, ConvertOptions, Format, Precision, WriteOptions};

const MMPOSE: &str = "mmpose/tests/data/coco/test_coco.json";
const CROWDPOSE: &str = "mmpose/tests/data/crowdpose/test_crowdpose.json";
const OBB: &str = "datumaro-cvat-ai/tests/assets/yolo_dataset/yolov8_oriented_boxes";

fn to(src: &Path, format: Format, precision: Option<Precision>) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(match format {
        Format::Coco => "out.json",
        _ => "out.xml",
    });
    let mut write = WriteOptions::default();
    if let Some(p) = precision {
        write = write.precision(p);
    }
    convert(src, &out, None, format, &ConvertOptions::new().write(write))
        .unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    let text = std::fs::read_to_string(&out).unwrap();
    (dir, text)
}

/// The numbers of `text` whose digits (without leading zeros) number 16 or
/// more: the mark of float noise.
fn noisy(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
        .filter(|t| t.contains('.'))
        .filter(|t| {
            let digits = t.trim_start_matches(['-', '0', '.']);
            let digits = digits.split('e').next().unwrap_or_default();
            digits.bytes().filter(u8::is_ascii_digit).count() >= 16
        })
        .collect()
}

#[test]
fn a_coco_box_in_cvat_ends_at_the_clean_sum_of_x_and_w() {
    // bbox [106.01, 13.43, 273.15, 352.42] (a keypoint annotation without
    // segmentation, so a box in CVAT): in f64 106.01 + 273.15 is
    // 379.15999999999997. (test_coco.json's boxes, such as
    // [38.08, 110.95, 174.71, 174.71], belong to segmented annotations,
    // which CVAT gets as polygons alone.)
    let (_d, xml) = to(&corpus(CROWDPOSE), Format::CvatImages, None);
    assert!(
        xml.contains(r#"xtl="106.01" ytl="13.43" xbr="379.16" ybr="365.85""#),
        "{xml}"
    );
    assert_eq!(noisy(&xml), Vec::<&str>::new());
    // The polygon vertices, read and not changed, keep their digits.
    let (_d, polygons) = to(&corpus(MMPOSE), Format::CvatImages, None);
    assert!(
        polygons.contains("98.56,273.72;132.9,267;140.37,281.93"),
        "{polygons}"
    );
    assert_eq!(noisy(&polygons), Vec::<&str>::new());

    // Asked for, the exact round-trip form is still written.
    let (_d, exact) = to(
        &corpus(CROWDPOSE),
        Format::CvatImages,
        Some(Precision::Shortest),
    );
    assert!(exact.contains(r#"xbr="379.15999999999997""#), "{exact}");
    assert!(noisy(&exact).contains(&"379.15999999999997"));
    let (_d, two) = to(
        &corpus(CROWDPOSE),
        Format::CvatImages,
        Some(Precision::Decimals(2)),
    );
    assert!(
        two.contains(r#"xtl="106.01" ytl="13.43" xbr="379.16""#),
        "{two}"
    );
}

#[test]
fn coco_through_cvat_and_back_keeps_the_box_width() {
    // A box, and a segmented annotation whose stated bbox comes back from
    // its polygon.
    for (file, bbox) in [
        (CROWDPOSE, r#""bbox":[106.01,13.43,273.15,352.42]"#),
        (MMPOSE, r#""bbox":[38.08,110.95,174.71,174.71]"#),
    ] {
        let (dir, _xml) = to(&corpus(file), Format::CvatImages, None);
        let (_d, json) = to(&dir.path().join("out.xml"), Format::Coco, None);
        assert!(json.contains(bbox), "{file}: {json}");
        assert_eq!(noisy(&json), Vec::<&str>::new());
    }
}

#[test]
fn a_rotation_computed_from_obb_corners_is_written_to_their_precision() {
    // The corners are given to 6 decimals (normalised), so the angle they
    // make, 30.00001156757613, is 30 within what 6 decimals allow (about
    // 8e-4 degrees on this 15x10 image's edges): it is read as 30, and
    // written so at any precision. The corners' own coordinates, computed
    // back from the box, keep their digits (within 1e-9).
    let (_d, xml) = to(&corpus(OBB), Format::CvatImages, None);
    assert!(xml.contains(r#"rotation="30""#), "{xml}");
    assert!(xml.contains(r#"rotation="120""#), "{xml}");
    assert!(
        xml.contains(r#"xtl="0.999998527" ytl="2.000000074" xbr="4.00000397""#),
        "{xml}"
    );
    assert_eq!(noisy(&xml), Vec::<&str>::new());
    let (_d, exact) = to(&corpus(OBB), Format::CvatImages, Some(Precision::Shortest));
    assert!(exact.contains(r#"rotation="30""#), "{exact}");
}

#[test]
fn yolo_coordinates_divided_by_the_image_size_carry_no_noise() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("y");
    convert(
        &corpus(MMPOSE),
        &out,
        None,
        Format::YoloUltralytics,
        &ConvertOptions::new(),
    )
    .unwrap();
    let rows = std::fs::read_to_string(out.join("labels/train/000000000785.txt")).unwrap();
    // 390.16 / 640 is 0.6095937499999999 in f64.
    assert!(
        rows.starts_with("0 0.60959375 0.513105882 0.34171875 0.815717647 "),
        "{rows}"
    );
    assert_eq!(noisy(&rows), Vec::<&str>::new());
}
