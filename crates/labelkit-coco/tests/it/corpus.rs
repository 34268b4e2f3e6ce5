//! Every COCO file of tests/corpus reads with the facts of EXPECTED.md.

use std::collections::{BTreeMap, BTreeSet};

use labelkit_coco::{CocoAnnotationFields, CocoCategoryFields, CocoDatasetFields};
use labelkit_model::rle::{CocoCounts, MaskEncoding};
use labelkit_model::{BoxGeom, Dataset, Geometry, Visibility};

use crate::support::{object, primaries, read, segmentation_kinds};

struct Facts {
    file: &'static str,
    images: usize,
    annotations: usize,
    categories: usize,
    segmentation: &'static [(&'static str, usize)],
    crowd: usize,
    with_bbox: usize,
    images_without_annotations: usize,
    max_image_id: u64,
    min_annotation_id: Option<u64>,
}

const FACTS: &[Facts] = &[
    Facts {
        file: "dagshub-annotation-converter/tests/coco/res/annotations.json",
        images: 2,
        annotations: 4,
        categories: 2,
        segmentation: &[("absent", 1), ("polygon_1", 2), ("polygon_2", 1)],
        crowd: 0,
        with_bbox: 2,
        images_without_annotations: 0,
        max_image_id: 2,
        min_annotation_id: Some(10),
    },
    Facts {
        file: "datumaro-cvat-ai/tests/assets/coco_dataset/coco_instances/annotations/instances_train.json",
        images: 1,
        annotations: 1,
        categories: 3,
        segmentation: &[("empty_list", 1)],
        crowd: 0,
        with_bbox: 1,
        images_without_annotations: 0,
        max_image_id: 5,
        min_annotation_id: Some(1),
    },
    Facts {
        file: "datumaro-cvat-ai/tests/assets/coco_dataset/coco_instances/annotations/instances_val.json",
        images: 1,
        annotations: 2,
        categories: 3,
        segmentation: &[("polygon_1", 1), ("rle_uncompressed", 1)],
        crowd: 1,
        with_bbox: 2,
        images_without_annotations: 0,
        max_image_id: 40,
        min_annotation_id: Some(1),
    },
    Facts {
        file: "datumaro-cvat-ai/tests/assets/coco_dataset/coco_person_keypoints/annotations/person_keypoints_train.json",
        images: 1,
        annotations: 1,
        categories: 2,
        segmentation: &[("empty_list", 1)],
        crowd: 0,
        with_bbox: 1,
        images_without_annotations: 0,
        max_image_id: 5,
        min_annotation_id: Some(1),
    },
    Facts {
        file: "datumaro-cvat-ai/tests/assets/coco_dataset/coco_person_keypoints/annotations/person_keypoints_val.json",
        images: 1,
        annotations: 2,
        categories: 2,
        segmentation: &[("polygon_1", 1), ("rle_uncompressed", 1)],
        crowd: 1,
        with_bbox: 2,
        images_without_annotations: 0,
        max_image_id: 40,
        min_annotation_id: Some(1),
    },
    Facts {
        file: "datumaro-openvino/tests/assets/coco_dataset/coco_image_info/annotations/image_info_train.json",
        images: 1,
        annotations: 0,
        categories: 0,
        segmentation: &[],
        crowd: 0,
        with_bbox: 0,
        images_without_annotations: 1,
        max_image_id: 5,
        min_annotation_id: None,
    },
    Facts {
        file: "datumaro-openvino/tests/assets/roboflow_dataset/coco/train/_annotations.coco.json",
        images: 2,
        annotations: 2,
        categories: 2,
        segmentation: &[("empty_list", 2)],
        crowd: 0,
        with_bbox: 2,
        images_without_annotations: 0,
        max_image_id: 2,
        min_annotation_id: Some(0),
    },
    Facts {
        file: "datumaro-openvino/tests/assets/roboflow_dataset/coco/val/_annotations.coco.json",
        images: 1,
        annotations: 2,
        categories: 2,
        segmentation: &[("empty_list", 2)],
        crowd: 1,
        with_bbox: 2,
        images_without_annotations: 0,
        max_image_id: 1,
        min_annotation_id: Some(1),
    },
    Facts {
        file: "labelformat/tests/fixtures/instance_segmentation/COCO/instances.json",
        images: 2,
        annotations: 3,
        categories: 4,
        segmentation: &[("polygon_1", 3)],
        crowd: 0,
        with_bbox: 3,
        images_without_annotations: 0,
        max_image_id: 109_005,
        min_annotation_id: Some(303_325),
    },
    Facts {
        file: "labelformat/tests/fixtures/instance_segmentation/COCO/instances_with_binary_mask.json",
        images: 3,
        annotations: 4,
        categories: 4,
        segmentation: &[("polygon_1", 3), ("rle_uncompressed", 1)],
        crowd: 1,
        with_bbox: 4,
        images_without_annotations: 0,
        max_image_id: 374_545,
        min_annotation_id: Some(303_325),
    },
    Facts {
        file: "labelformat/tests/fixtures/object_detection/COCO/train.json",
        images: 2,
        annotations: 16,
        categories: 32,
        segmentation: &[("absent", 16)],
        crowd: 0,
        with_bbox: 16,
        images_without_annotations: 0,
        max_image_id: 1,
        min_annotation_id: Some(1),
    },
    Facts {
        file: "mmpose/tests/data/coco/test_coco.json",
        images: 4,
        annotations: 14,
        categories: 1,
        segmentation: &[("polygon_1", 13), ("polygon_4", 1)],
        crowd: 0,
        with_bbox: 14,
        images_without_annotations: 0,
        max_image_id: 197_388,
        min_annotation_id: Some(198_196),
    },
    Facts {
        file: "mmpose/tests/data/coco/test_coco_wholebody.json",
        images: 4,
        annotations: 14,
        categories: 1,
        segmentation: &[("polygon_1", 13), ("polygon_4", 1)],
        crowd: 0,
        with_bbox: 14,
        images_without_annotations: 0,
        max_image_id: 197_388,
        min_annotation_id: Some(198_196),
    },
    Facts {
        file: "mmpose/tests/data/crowdpose/test_crowdpose.json",
        images: 2,
        annotations: 5,
        categories: 1,
        segmentation: &[("absent", 5)],
        crowd: 0,
        with_bbox: 5,
        images_without_annotations: 0,
        max_image_id: 106_848,
        min_annotation_id: Some(123_803),
    },
    Facts {
        file: "mmpose/tests/data/ochuman/test_ochuman.json",
        images: 3,
        annotations: 5,
        categories: 1,
        segmentation: &[("rle_compressed", 5)],
        crowd: 0,
        with_bbox: 5,
        images_without_annotations: 0,
        max_image_id: 3,
        min_annotation_id: Some(1),
    },
    Facts {
        file: "review_object_detection_metrics/data/database/gts/coco_format_v1/instances_default.json",
        images: 100,
        annotations: 273,
        categories: 20,
        segmentation: &[("empty_list", 273)],
        crowd: 0,
        with_bbox: 273,
        images_without_annotations: 0,
        max_image_id: 100,
        min_annotation_id: Some(1),
    },
    Facts {
        file: "review_object_detection_metrics/data/database/gts/coco_format_v2/instances_v2.json",
        images: 100,
        annotations: 273,
        categories: 20,
        segmentation: &[("polygon_1", 273)],
        crowd: 0,
        with_bbox: 273,
        images_without_annotations: 0,
        max_image_id: 20_180_000_100,
        min_annotation_id: Some(1),
    },
];

/// Files whose only issue is expected (none of the others report any).
fn expected_issues(file: &str) -> Vec<&'static str> {
    if file.contains("coco_person_keypoints") {
        // Datumaro writes the skeleton 0-based: both categories report it.
        vec!["F001", "F001"]
    } else {
        Vec::new()
    }
}

#[test]
fn instance_and_keypoint_files_read_with_the_expected_counts() {
    for f in FACTS {
        let loaded = read(f.file);
        let ds = &loaded.dataset;
        let prim = primaries(ds);
        assert_eq!(ds.images.len(), f.images, "{}: images", f.file);
        assert_eq!(prim.len(), f.annotations, "{}: annotations", f.file);
        assert_eq!(ds.labels.len(), f.categories, "{}: categories", f.file);
        let kinds = segmentation_kinds(ds);
        let expected: BTreeMap<String, usize> = f
            .segmentation
            .iter()
            .map(|&(k, n)| (k.to_owned(), n))
            .collect();
        assert_eq!(kinds, expected, "{}: segmentation kinds", f.file);
        assert_eq!(
            prim.iter().filter(|a| a.crowd).count(),
            f.crowd,
            "{}: crowd",
            f.file
        );
        let with_bbox = prim
            .iter()
            .filter(|p| {
                object(ds, p.id.0)
                    .iter()
                    .any(|a| matches!(a.geometry, Geometry::Box(_)) || a.bbox.is_some())
            })
            .count();
        assert_eq!(with_bbox, f.with_bbox, "{}: with bbox", f.file);
        let index = ds.index();
        let empty = (0..ds.images.len())
            .filter(|&i| index.annotations_of(i).is_empty())
            .count();
        assert_eq!(
            empty, f.images_without_annotations,
            "{}: images without annotations",
            f.file
        );
        assert_eq!(
            ds.images.iter().map(|i| i.id.0).max(),
            Some(f.max_image_id),
            "{}",
            f.file
        );
        assert_eq!(
            prim.iter().map(|a| a.id.0).min(),
            f.min_annotation_id,
            "{}",
            f.file
        );
        let codes: Vec<&str> = loaded.issues.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(
            codes,
            expected_issues(f.file),
            "{}: {:?}",
            f.file,
            loaded.issues
        );
        // Every image and annotation has its span, inside the file.
        assert_eq!(loaded.spans.images.len(), ds.images.len());
        assert_eq!(loaded.spans.annotations.len(), ds.annotations.len());
        let text = std::fs::read(crate::support::corpus(f.file)).unwrap();
        for (i, span) in loaded.spans.annotations.iter().enumerate() {
            let span = span.expect("annotation span").span;
            let slice = &text[span.start as usize..span.end as usize];
            assert!(
                slice.starts_with(b"{") && slice.ends_with(b"}"),
                "{}",
                f.file
            );
            let id = ds.annotations[i]
                .group
                .map_or(ds.annotations[i].id.0, |g| g.0);
            let value: serde_json::Value = serde_json::from_slice(slice).unwrap();
            assert_eq!(
                value["id"].as_u64(),
                Some(id),
                "{}: span of annotation {id}",
                f.file
            );
        }
        for (i, span) in loaded.spans.images.iter().enumerate() {
            let span = span.expect("image span").span;
            let value: serde_json::Value =
                serde_json::from_slice(&text[span.start as usize..span.end as usize]).unwrap();
            assert_eq!(value["id"].as_u64(), Some(ds.images[i].id.0));
        }
    }
}

fn keypoint_facts(ds: &Dataset) -> (BTreeMap<String, (usize, usize)>, usize, [usize; 3]) {
    let schemas = ds
        .labels
        .labels
        .iter()
        .map(|l| {
            let s = l.keypoints.as_ref().expect("keypoint category");
            let edges = s.edges.len()
                + l.kept
                    .get::<CocoCategoryFields>()
                    .and_then(|k| k.skeleton.as_deref())
                    .map_or(0, |v| {
                        serde_json::from_str::<Vec<serde_json::Value>>(v)
                            .unwrap()
                            .len()
                    });
            (l.name.clone(), (s.names.len(), edges))
        })
        .collect();
    let mut histogram = [0; 3];
    let mut with_keypoints = 0;
    for a in &ds.annotations {
        if let Geometry::Keypoints(k) = &a.geometry {
            with_keypoints += 1;
            for p in &k.points {
                histogram[usize::from(p.visibility.coco_code())] += 1;
            }
        }
    }
    (schemas, with_keypoints, histogram)
}

#[test]
fn keypoint_files_keep_schemas_skeletons_and_visibility() {
    type Case = (
        &'static str,
        &'static [(&'static str, usize, usize)],
        usize,
        [usize; 3],
    );
    let cases: &[Case] = &[
        (
            "datumaro-cvat-ai/tests/assets/coco_dataset/coco_person_keypoints/annotations/person_keypoints_train.json",
            &[("a", 3, 2), ("b", 0, 2)],
            1,
            [1, 1, 1],
        ),
        (
            "datumaro-cvat-ai/tests/assets/coco_dataset/coco_person_keypoints/annotations/person_keypoints_val.json",
            &[("a", 3, 2), ("b", 0, 2)],
            2,
            [0, 0, 6],
        ),
        ("mmpose/tests/data/coco/test_coco.json", &[("person", 17, 19)], 14, [57, 17, 164]),
        ("mmpose/tests/data/coco/test_coco_wholebody.json", &[("person", 17, 19)], 14, [57, 17, 164]),
        ("mmpose/tests/data/crowdpose/test_crowdpose.json", &[("person", 14, 12)], 5, [23, 17, 30]),
        ("mmpose/tests/data/ochuman/test_ochuman.json", &[("person", 17, 19)], 5, [12, 7, 66]),
    ];
    for &(file, schemas, with_kp, hist) in cases {
        let loaded = read(file);
        let (found, n, h) = keypoint_facts(&loaded.dataset);
        let expected: BTreeMap<String, (usize, usize)> = schemas
            .iter()
            .map(|&(n, k, e)| (n.to_owned(), (k, e)))
            .collect();
        assert_eq!(found, expected, "{file}");
        assert_eq!((n, h), (with_kp, hist), "{file}");
    }
    // COCO's person skeleton, 1-based on disk, is 0-based in the model;
    // left/right pairs are inferred from the names.
    let ds = read("mmpose/tests/data/coco/test_coco.json").dataset;
    let schema = ds.labels.labels[0].keypoints.as_ref().unwrap();
    assert_eq!(
        schema.edges,
        labelkit_model::KeypointSchema::coco_person().edges
    );
    assert_eq!(
        schema.flip_idx(),
        vec![0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
    );
}

#[test]
fn results_files_read_with_the_expected_counts() {
    let cases = [
        (
            "cocoapi/results/instances_val2014_fakebbox100_results.json",
            734,
            99,
            75,
            "box",
        ),
        (
            "cocoapi/results/instances_val2014_fakesegm100_results.json",
            734,
            99,
            75,
            "mask",
        ),
        (
            "cocoapi/results/person_keypoints_val2014_fakekeypoints100_results.json",
            125,
            47,
            1,
            "keypoints",
        ),
    ];
    for (file, entries, images, categories, kind) in cases {
        let loaded = read(file);
        let ds = &loaded.dataset;
        assert!(loaded.issues.is_empty(), "{file}: {:?}", loaded.issues);
        assert_eq!(ds.annotations.len(), entries, "{file}");
        assert_eq!(ds.images.len(), images, "{file}");
        assert_eq!(ds.labels.len(), categories, "{file}");
        let distinct: BTreeSet<u64> = ds.annotations.iter().map(|a| a.image.0).collect();
        assert_eq!(distinct.len(), images);
        assert!(ds
            .annotations
            .iter()
            .all(|a| a.geometry.kind().as_str() == kind && a.score.is_some()));
        // Ids are positions, as pycocotools numbers results.
        assert_eq!(ds.annotations[0].id.0, 1);
        assert_eq!(ds.annotations[entries - 1].id.0, entries as u64);
        // Labels are named after their category id.
        let first = &ds.labels.labels[ds.annotations[0].label.index()];
        assert_eq!(Some(first.name.parse::<i64>().unwrap()), first.source_id);
    }
    let ds = read("cocoapi/results/person_keypoints_val2014_fakekeypoints100_results.json").dataset;
    assert!(ds
        .annotations
        .iter()
        .all(|a| matches!(&a.geometry, Geometry::Keypoints(k) if k.points.len() == 17)));
    let ds = read("cocoapi/results/instances_val2014_fakesegm100_results.json").dataset;
    assert!(ds.annotations.iter().all(|a| matches!(&a.geometry,
        Geometry::Mask(m) if matches!(m.encoding, MaskEncoding::Coco { counts: CocoCounts::Compressed(_), .. }))));
}

#[test]
fn extra_value_checks() {
    // The stored bbox is kept as stored, not the tight box of the mask.
    let ds = read(
        "datumaro-cvat-ai/tests/assets/coco_dataset/coco_instances/annotations/instances_val.json",
    )
    .dataset;
    // One object: the mask, with the stated bbox as its box.
    let shapes = object(&ds, 2);
    assert_eq!(shapes.len(), 1);
    assert_eq!(
        shapes[0].bbox.as_deref(),
        Some(&BoxGeom::from_xyxy(0.0, 0.0, 1.0, 9.0))
    );
    let Geometry::Mask(m) = &shapes[0].geometry else {
        panic!("mask expected")
    };
    assert_eq!(m.encoding.pixel_count(), 20);
    assert_eq!(
        m.encoding.bounds(),
        Some(BoxGeom::from_xyxy(0.0, 0.0, 2.0, 10.0))
    );
    assert!(shapes.iter().all(|a| a.crowd));
    // The stored area equals the mask's pixel count, so it is not kept.
    assert!(shapes[0].kept.is_empty());
    // The non-standard attributes object.
    let first = object(&ds, 1);
    assert_eq!(
        first[0].attributes.get("y"),
        Some(&labelkit_model::AttributeValue::Text("hello".into()))
    );
    assert_eq!(
        first[0].attributes.get("x"),
        Some(&labelkit_model::AttributeValue::Number(1.0))
    );

    // A category with `keypoints: []` and an annotation with 3 triplets.
    let ds = read("datumaro-cvat-ai/tests/assets/coco_dataset/coco_person_keypoints/annotations/person_keypoints_train.json").dataset;
    let kp = ds
        .annotations
        .iter()
        .find_map(|a| match &a.geometry {
            Geometry::Keypoints(k) => Some(k),
            _ => None,
        })
        .unwrap();
    let triplets: Vec<(f64, f64, u8)> = kp
        .points
        .iter()
        .map(|p| (p.x, p.y, p.visibility.coco_code()))
        .collect();
    assert_eq!(triplets, vec![(0.0, 0.0, 0), (0.0, 2.0, 1), (4.0, 1.0, 2)]);
    assert_eq!(kp.num_labelled(), 2);

    // 64-bit annotation id and an RLE of size [640, 549].
    let ds = read(
        "labelformat/tests/fixtures/instance_segmentation/COCO/instances_with_binary_mask.json",
    )
    .dataset;
    let shapes = object(&ds, 900_100_374_545);
    assert_eq!(shapes[0].id.0, 900_100_374_545);
    let mask = shapes
        .iter()
        .find_map(|a| match &a.geometry {
            Geometry::Mask(m) => Some(m),
            _ => None,
        })
        .unwrap();
    assert!(matches!(
        mask.encoding,
        MaskEncoding::Coco {
            height: 640,
            width: 549,
            ..
        }
    ));
    assert_eq!(mask.encoding.pixel_count(), 938);
    assert_eq!(
        mask.encoding.bounds(),
        Some(BoxGeom::from_xyxy(12.0, 524.0, 394.0, 558.0))
    );

    // Image ids above u32.
    let ds =
        read("review_object_detection_metrics/data/database/gts/coco_format_v2/instances_v2.json")
            .dataset;
    let ids: Vec<u64> = ds.images.iter().map(|i| i.id.0).collect();
    assert_eq!(ids.iter().min(), Some(&20_180_000_001));
    assert_eq!(ids.iter().max(), Some(&20_180_000_100));
    let top = ds.info.kept.get::<CocoDatasetFields>().unwrap();
    assert_eq!(top.keys.as_json(), r#"{"type":"instances"}"#);
    assert!(primaries(&ds).iter().all(|a| a
        .kept
        .get::<CocoAnnotationFields>()
        .and_then(|k| k.unknown()?.get("ignore"))
        == Some("0")));

    // A 4-part polygon and all-zero keypoints.
    let ds = read("mmpose/tests/data/coco/test_coco.json").dataset;
    let shapes = object(&ds, 467_657);
    assert_eq!(shapes[0].image.0, 197_388);
    assert!(shapes
        .iter()
        .any(|a| matches!(&a.geometry, Geometry::Polygon(p) if p.rings.len() == 4)));
    for id in [1_202_706, 508_900] {
        let k = object(&ds, id)
            .into_iter()
            .find_map(|a| match &a.geometry {
                Geometry::Keypoints(k) => Some(k.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(k.num_labelled(), 0);
        assert!(k
            .points
            .iter()
            .all(|p| p.x == 0.0 && p.y == 0.0 && p.visibility == Visibility::Absent));
    }

    // A bbox-only annotation and polygons without bbox.
    let ds = read("dagshub-annotation-converter/tests/coco/res/annotations.json").dataset;
    assert_eq!(object(&ds, 10).len(), 1);
    assert!(matches!(object(&ds, 10)[0].geometry, Geometry::Box(_)));
    for id in [12, 13] {
        assert!(object(&ds, id)
            .iter()
            .all(|a| matches!(a.geometry, Geometry::Polygon(_))));
    }
    assert!(matches!(&object(&ds, 13)[0].geometry, Geometry::Polygon(p) if p.rings.len() == 2));
}

#[test]
fn rle_pixel_counts_and_boxes_match_pycocotools() {
    // From RLE.md (computed with pycocotools 2.0.11).
    let ds = read("mmpose/tests/data/ochuman/test_ochuman.json").dataset;
    let masks: Vec<_> = ds
        .annotations
        .iter()
        .filter_map(|a| match &a.geometry {
            Geometry::Mask(m) => Some(m.encoding.clone()),
            _ => None,
        })
        .collect();
    let expected = [
        (91_971, [257.0, 118.0, 464.0, 740.0]),
        (76_283, [162.0, 184.0, 197.0, 677.0]),
        (77_639, [153.0, 184.0, 214.0, 677.0]),
        (139_284, [0.0, 47.0, 598.0, 849.0]),
        (77_661, [92.0, 54.0, 509.0, 775.0]),
    ];
    for (m, (pixels, [x, y, w, h])) in masks.iter().zip(expected) {
        assert_eq!(m.pixel_count(), pixels);
        assert_eq!(m.bounds(), Some(BoxGeom::from_xyxy(x, y, x + w, y + h)));
    }
    let ds = read("cocoapi/results/instances_val2014_fakesegm100_results.json").dataset;
    let Geometry::Mask(m) = &ds.annotations[0].geometry else {
        panic!()
    };
    assert_eq!(m.encoding.pixel_count(), 53_487);
    assert_eq!(
        m.encoding.bounds(),
        Some(BoxGeom::from_xyxy(259.0, 41.0, 606.0, 285.0))
    );
}

/// A file of several stream pieces (about 4 MiB each), with its categories
/// last and a keypoint category among them: `read_path` streams it and
/// reads what `read_bytes` reads from the whole input.
#[test]
fn read_path_streams_a_file_of_several_pieces_with_its_categories_last() {
    use std::fmt::Write as _;
    let mut text = String::from(r#"{"info": {"description": "pieces"}, "annotations": ["#);
    let count = 60_000u64;
    for i in 1..=count {
        if i > 1 {
            text.push(',');
        }
        let image = i % 1000 + 1;
        let (category, shape) = if i % 10 == 0 {
            (
                2,
                r#""keypoints": [1, 2, 2, 3, 4, 1, 5, 6, 2], "num_keypoints": 3"#,
            )
        } else {
            (
                1,
                r#""segmentation": [[10.5, 20.25, 30, 20.25, 30, 40.75, 10.5, 40.75]], "num_keypoints": 0"#,
            )
        };
        write!(
            text,
            r#"
  {{"id": {i}, "image_id": {image}, "category_id": {category}, {shape}, "bbox": [10.5, 20.25, 19.5, 20.5], "area": 399.75, "iscrowd": 0}}"#
        )
        .unwrap();
    }
    // One annotation of an image that is not in images.
    text.push_str(r#", {"id": 90000, "image_id": 5000, "category_id": 1, "bbox": [1, 1, 2, 2]}"#);
    text.push_str(r#"], "images": ["#);
    for i in 1..=1000 {
        if i > 1 {
            text.push(',');
        }
        write!(
            text,
            r#"{{"id": {i}, "file_name": "{i:06}.jpg", "width": 640, "height": 480}}"#
        )
        .unwrap();
    }
    text.push_str(
        r#"], "categories": [{"id": 1, "name": "box"}, {"id": 2, "name": "person", "keypoints": ["a", "b", "c"]}]}"#,
    );
    assert!(text.len() > 2 * (4 << 20), "{} bytes", text.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("instances_train.json");
    std::fs::write(&path, &text).unwrap();
    let options = labelkit_coco::ReadOptions::default();
    let streamed = labelkit_coco::read_path(&path, &options).unwrap();
    let whole = labelkit_coco::read_bytes(&path, text.as_bytes(), &options).unwrap();
    assert_eq!(streamed.dataset, whole.dataset);
    assert_eq!(streamed.spans, whole.spans);
    assert_eq!(streamed.issues, whole.issues);
    let ds = &streamed.dataset;
    // A polygon per box annotation, keypoints beside the box of the
    // others; the image of annotation 90000 made from its id.
    assert_eq!(ds.annotations.len(), 66_001);
    assert_eq!(ds.images.len(), 1001);
    assert_eq!(ds.labels.len(), 2);
    let messages: Vec<&str> = streamed.issues.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        ["annotation 90000 refers to image 5000, which is not in images"]
    );
    let span = streamed.issues[0].primary.as_ref().unwrap().span;
    assert!(text[span.start as usize..].starts_with(r#"{"id": 90000,"#));
    // `num_keypoints: 0` is implied in a file with a keypoint category,
    // which comes after the annotations: no polygon keeps it.
    assert!(ds
        .annotations
        .iter()
        .filter(|a| matches!(a.geometry, Geometry::Polygon(_)))
        .all(|a| a.kept.is_empty()));
    assert_eq!(
        ds.labels.labels[1].keypoints.as_ref().unwrap().names.len(),
        3
    );
}
