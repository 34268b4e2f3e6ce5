//! `labelkit::read` on corpus files, with the facts of EXPECTED.md.

use labelkit::model::Geometry;
use labelkit::{read, Format, ReadOptions};

use crate::corpus;

fn boxes_of(loaded: &labelkit::Loaded) -> Vec<(String, [f64; 4])> {
    let mut out: Vec<(String, [f64; 4])> = loaded
        .dataset
        .annotations
        .iter()
        .filter_map(|a| match &a.geometry {
            Geometry::Box(b) => Some((
                loaded.dataset.labels.labels[a.label.index()].name.clone(),
                [
                    (b.x_min * 1000.0).round() / 1000.0,
                    (b.y_min * 1000.0).round() / 1000.0,
                    (b.x_max * 1000.0).round() / 1000.0,
                    (b.y_max * 1000.0).round() / 1000.0,
                ],
            )),
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| a.partial_cmp(b).unwrap());
    out
}

#[test]
fn coco_with_polygons_and_bbox_only_annotations() {
    let loaded = read(
        &corpus("dagshub-annotation-converter/tests/coco/res/annotations.json"),
        None,
        &ReadOptions::default(),
    )
    .unwrap();
    let d = &loaded.dataset;
    let images: Vec<(&str, u32, u32)> = d
        .images
        .iter()
        .map(|i| (i.file_name.as_str(), i.width, i.height))
        .collect();
    assert_eq!(
        images,
        [("images/a.jpg", 100, 80), ("images/b.jpg", 50, 40)]
    );
    let names: Vec<&str> = d.labels.labels.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["cat", "dog"]);
    // 4 COCO annotations, 4 shapes: 10 a bbox only (a box), 11 a bbox and
    // a polygon (one polygon keeping the bbox as its stated box), 12 a
    // polygon, 13 a polygon of two parts.
    assert_eq!(d.annotations.len(), 4);
    let boxes = d
        .annotations
        .iter()
        .filter(|a| matches!(a.geometry, Geometry::Box(_)))
        .count();
    let stated: Vec<u64> = d
        .annotations
        .iter()
        .filter(|a| a.bbox.is_some())
        .map(|a| a.id.0)
        .collect();
    assert_eq!(stated, [11]);
    let mut rings: Vec<usize> = d
        .annotations
        .iter()
        .filter_map(|a| match &a.geometry {
            Geometry::Polygon(p) => Some(p.rings.len()),
            _ => None,
        })
        .collect();
    rings.sort_unstable();
    assert_eq!(boxes, 1);
    assert_eq!(rings, [1, 1, 2]);
}

#[test]
fn cvat_images_with_273_boxes() {
    let loaded = read(
        &corpus("review_object_detection_metrics/data/database/gts/cvat_format/annotations.xml"),
        Some(Format::CvatImages),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(loaded.dataset.images.len(), 100);
    assert_eq!(loaded.dataset.annotations.len(), 273);
    assert!(loaded
        .dataset
        .annotations
        .iter()
        .all(|a| matches!(a.geometry, Geometry::Box(_))));
    assert_eq!(loaded.dataset.labels.labels.len(), 20);
    assert_eq!(loaded.dataset.labels.labels[0].name, "person");
}

#[test]
fn cvat_video_tracks() {
    let loaded = read(
        &corpus("dagshub-annotation-converter/tests/cvat_video/res/sample_video.xml"),
        None,
        &ReadOptions::default(),
    )
    .unwrap();
    let tracks: Vec<(u64, usize)> = loaded
        .dataset
        .tracks
        .iter()
        .map(|t| (t.id.0, t.shapes.len()))
        .collect();
    assert_eq!(tracks, [(0, 5), (1, 5)]);
    let outside: Vec<bool> = loaded.dataset.tracks[1]
        .shapes
        .iter()
        .map(|s| s.outside)
        .collect();
    assert_eq!(outside, [false, false, false, true, false]);
}

#[test]
fn yolo_folder_and_single_label_file_give_the_same_boxes() {
    let expected = vec![
        ("label_2".to_owned(), [0.0, 2.0, 4.0, 4.0]),
        ("label_4".to_owned(), [3.0, 3.0, 5.0, 6.0]),
    ];
    let base = "datumaro-cvat-ai/tests/assets/yolo_dataset/yolov8_detection";
    let whole = read(&corpus(base), None, &ReadOptions::default()).unwrap();
    assert_eq!(whole.dataset.images.len(), 1);
    assert_eq!(
        (
            whole.dataset.images[0].width,
            whole.dataset.images[0].height
        ),
        (15, 10)
    );
    assert_eq!(whole.dataset.labels.labels.len(), 10);
    assert_eq!(boxes_of(&whole), expected);

    let one = read(
        &corpus(&format!("{base}/labels/train/1.txt")),
        None,
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(one.dataset.images.len(), 1);
    assert_eq!(boxes_of(&one), expected);

    let darknet = read(
        &corpus("datumaro-cvat-ai/tests/assets/yolo_dataset/yolo"),
        None,
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(boxes_of(&darknet), expected);
}
