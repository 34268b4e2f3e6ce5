//! Faithful conversions of real CVAT and COCO files: what a target cannot
//! hold is left out and counted under a clear key, never written in a form
//! the target's own tools refuse or misread.

use labelkit::model::report::{loss_kind, LossKind};
use labelkit::model::Geometry;
use labelkit::{convert, read, ConvertOptions, Format, ReadOptions};

use crate::corpus;

const UNLABELLED: &str = "unlabelled shapes (label=\"\"; COCO has no unlabelled object)";
const ZERO: &str =
    "category id 0 renumbered above the largest (read as no label by Datumaro and CVAT)";

/// CVAT's `label=""` marks an unlabelled shape; COCO has no such object, and
/// Datumaro (CVAT's COCO import) refuses a category named "".
#[test]
fn unlabelled_cvat_shapes_are_left_out_of_coco_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus("datumaro-cvat-ai/tests/assets/cvat_dataset/for_images/train.xml");
    let out = dir.path().join("out.json");
    let report = convert(&input, None, &out, Format::Coco, &ConvertOptions::new()).unwrap();
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
    let polygons = back
        .dataset
        .annotations
        .iter()
        .filter(|a| matches!(a.geometry, Geometry::Polygon(_)))
        .count();
    assert_eq!(polygons, 0);
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

    let out = dir.path().join("out.json");
    let report = convert(&input, None, &out, Format::Coco, &ConvertOptions::new()).unwrap();
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
