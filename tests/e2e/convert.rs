//! `labelkit::convert` and `labelkit::write`: content survives, losses are
//! counted, strict mode writes nothing when something would be lost.

use labelkit::model::Geometry;
use labelkit::{
    convert, read, ConvertOptions, Error, Format, ReadOptions, Strictness, EXPANDED_TRACKS,
};

use crate::corpus;

#[test]
fn coco_to_cvat_to_coco_keeps_the_boxes() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus(
        "review_object_detection_metrics/data/database/gts/coco_format_v1/instances_default.json",
    );
    let cvat = dir.path().join("cvat.xml");
    let report = convert(
        &input,
        &cvat,
        None,
        Format::CvatImages,
        &ConvertOptions::new(),
    )
    .unwrap();
    assert_eq!(report.from, Format::Coco);
    assert_eq!(report.write.images_written, 100);
    assert_eq!(report.write.annotations_written, 273);
    let back = dir.path().join("back.json");
    convert(&cvat, &back, None, Format::Coco, &ConvertOptions::new()).unwrap();

    let a = read(&input, None, &ReadOptions::default()).unwrap().dataset;
    let b = read(&back, None, &ReadOptions::default()).unwrap().dataset;
    let boxes = |d: &labelkit::Dataset| {
        let mut v: Vec<(String, String, [u64; 4])> = d
            .annotations
            .iter()
            .filter_map(|ann| {
                let image = d.images.iter().find(|i| i.id == ann.image)?;
                let Geometry::Box(bx) = &ann.geometry else {
                    return None;
                };
                Some((
                    image.file_name.clone(),
                    d.labels.labels[ann.label.index()].name.clone(),
                    [bx.x_min, bx.y_min, bx.x_max, bx.y_max].map(f64::to_bits),
                ))
            })
            .collect();
        v.sort();
        v
    };
    let before = boxes(&a);
    assert_eq!(before.len(), 273);
    assert_eq!(before, boxes(&b));
}

#[test]
fn video_tracks_are_expanded_and_counted_for_coco() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus("dagshub-annotation-converter/tests/cvat_video/res/sample_video.xml");
    let out = dir.path().join("out.json");
    let report = convert(&input, &out, None, Format::Coco, &ConvertOptions::new()).unwrap();
    assert_eq!(report.from, Format::CvatVideo);
    assert_eq!(report.write.count(EXPANDED_TRACKS), 2);
    // 10 track shapes, one of them outside.
    assert_eq!(report.write.annotations_written, 9);
    let back = read(&out, None, &ReadOptions::default()).unwrap();
    assert_eq!(back.dataset.annotations.len(), 9);
    // One image per frame, with the video's size from <original_size>.
    let frames: Vec<(&str, u32, u32)> = back
        .dataset
        .images
        .iter()
        .map(|i| (i.file_name.as_str(), i.width, i.height))
        .collect();
    assert_eq!(frames.len(), 5);
    assert_eq!(frames[0], ("frame_000000", 1920, 1080));
    assert!(back.dataset.tracks.is_empty());
}

#[test]
fn strict_conversion_refuses_loss_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus("dagshub-annotation-converter/tests/cvat_video/res/sample_video.xml");
    let out = dir.path().join("out.json");
    let err = convert(
        &input,
        &out,
        None,
        Format::Coco,
        &ConvertOptions::new().strictness(Strictness::Material),
    )
    .unwrap_err();
    match &err {
        Error::Lossy { to, report, .. } => {
            assert_eq!(*to, Format::Coco);
            assert_eq!(report.count(EXPANDED_TRACKS), 2);
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("2 x video tracks"), "{err}");
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn output_over_the_input_is_refused() {
    let input = corpus("dagshub-annotation-converter/tests/coco/res/annotations.json");
    let before = std::fs::read(&input).unwrap();
    let err = convert(&input, &input, None, Format::Coco, &ConvertOptions::new()).unwrap_err();
    assert!(matches!(err, Error::Output(_)), "{err}");
    assert_eq!(std::fs::read(&input).unwrap(), before);
}
