//! Every YOLO dataset of tests/corpus, against EXPECTED.md.

use std::collections::HashMap;

use labelkit_diagnostics::Severity;
use labelkit_model::{Geometry, Visibility};
use labelkit_yolo::{read_path, ReadOptions, YoloInfo};

use crate::{boxes, codes, corpus, r3};

const DATUMARO: &str = "datumaro-cvat-ai/tests/assets/yolo_dataset/";
const TWO_BOXES: [(i64, f64, f64, f64, f64); 2] =
    [(2, 0.0, 2.0, 4.0, 4.0), (4, 3.0, 3.0, 5.0, 6.0)];

#[test]
fn darknet_yolo_1_1() {
    let l = read_path(&corpus(&format!("{DATUMARO}yolo")), &ReadOptions::default()).unwrap();
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    let d = &l.dataset;
    assert_eq!(d.labels.len(), 10);
    assert_eq!(d.labels.labels[9].name, "label_9");
    assert_eq!(d.images.len(), 1);
    assert_eq!(d.images[0].file_name, "obj_train_data/1.jpg");
    assert_eq!((d.images[0].width, d.images[0].height), (15, 10));
    assert_eq!(d.images[0].subset.as_deref(), Some("train"));
    assert_eq!(boxes(d, 0), TWO_BOXES);
    // obj.data given directly reads the same.
    let l2 = read_path(
        &corpus(&format!("{DATUMARO}yolo/obj.data")),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(l2.dataset, l.dataset);
}

#[test]
fn ultralytics_detect_variants() {
    for name in [
        "yolov8_detection",
        "yolov8_detection_with_list_of_imgs",
        "yolov8_detection_with_list_of_names",
        "yolov8_detection_with_subset_txt",
    ] {
        let l = read_path(
            &corpus(&format!("{DATUMARO}{name}")),
            &ReadOptions::default(),
        )
        .unwrap();
        assert!(l.issues.is_empty(), "{name}: {:?}", l.issues);
        let d = &l.dataset;
        assert_eq!(d.labels.len(), 10, "{name}");
        assert_eq!(d.images.len(), 1, "{name}");
        assert_eq!(d.images[0].file_name, "images/train/1.jpg", "{name}");
        assert_eq!(d.images[0].subset.as_deref(), Some("train"), "{name}");
        assert_eq!((d.images[0].width, d.images[0].height), (15, 10), "{name}");
        assert_eq!(boxes(d, 0), TWO_BOXES, "{name}");
        assert_eq!(l.spans.annotations.len(), 2);
        // Spans point at the rows: row 2 starts on line 2.
        let s = l.spans.annotation(1).unwrap();
        let text = l.sources.get(s.file).unwrap().text();
        assert!(
            text[s.span.start as usize..s.span.end as usize].starts_with(b"4 "),
            "{name}"
        );
    }
}

#[test]
fn ultralytics_obb() {
    let l = read_path(
        &corpus(&format!("{DATUMARO}yolov8_oriented_boxes")),
        &ReadOptions::default(),
    )
    .unwrap();
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    let d = &l.dataset;
    assert_eq!(d.annotations.len(), 2);
    let text = std::fs::read_to_string(corpus(&format!(
        "{DATUMARO}yolov8_oriented_boxes/labels/train/1.txt"
    )))
    .unwrap();
    for (a, line) in d.annotations.iter().zip(text.lines()) {
        let v: Vec<f64> = line
            .split_whitespace()
            .skip(1)
            .map(|t| t.parse().unwrap())
            .collect();
        let Geometry::Box(b) = &a.geometry else {
            panic!("not a box")
        };
        // The corners of the rotated box are the row's corners, in order.
        for (c, xy) in b.corners().iter().zip(v.chunks(2)) {
            assert!(
                (c.x - xy[0] * 15.0).abs() < 1e-3 && (c.y - xy[1] * 10.0).abs() < 1e-3,
                "{c:?} {xy:?}"
            );
        }
    }
    let classes: Vec<i64> = d
        .annotations
        .iter()
        .map(|a| d.labels.get(a.label).unwrap().source_id.unwrap())
        .collect();
    assert_eq!(classes, [2, 4]);
}

#[test]
fn ultralytics_pose_three_and_two_values() {
    for (name, dims) in [("yolov8_pose", 3), ("yolov8_pose_two_values_per_point", 2)] {
        let l = read_path(
            &corpus(&format!("{DATUMARO}{name}")),
            &ReadOptions::default(),
        )
        .unwrap();
        assert!(l.issues.is_empty(), "{name}: {:?}", l.issues);
        let d = &l.dataset;
        assert_eq!(d.labels.len(), 1);
        let schema = d.labels.labels[0].keypoints.as_ref().unwrap();
        assert_eq!(schema.names, ["0", "1", "2"]);
        assert_eq!(d.annotations.len(), 2, "{name}");
        assert_eq!(d.annotations[0].group, d.annotations[1].group);
        assert!(d.annotations[0].group.is_some());
        let Geometry::Box(b) = &d.annotations[0].geometry else {
            panic!()
        };
        assert_eq!(
            (
                r3(b.center().x / 15.0),
                r3(b.width() / 15.0),
                r3(b.center().y / 10.0)
            ),
            (0.133, 0.267, 0.3)
        );
        let Geometry::Keypoints(k) = &d.annotations[1].geometry else {
            panic!()
        };
        let pts: Vec<(f64, f64, Visibility)> = k
            .points
            .iter()
            .map(|p| (r3(p.x), r3(p.y), p.visibility))
            .collect();
        assert_eq!(
            pts,
            [
                (1.5, 2.0, Visibility::Visible),
                (4.5, 4.0, Visibility::Visible),
                (7.5, 6.0, Visibility::Visible)
            ],
            "{name}"
        );
        assert_eq!(
            d.info.kept.get::<YoloInfo>().and_then(|y| y.kpt_shape),
            Some((3, dims)),
            "{name}"
        );
    }
}

#[test]
fn ultralytics_segmentation() {
    let l = read_path(
        &corpus(&format!("{DATUMARO}yolov8_segmentation")),
        &ReadOptions::default(),
    )
    .unwrap();
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    let sizes: Vec<(usize, i64)> = l
        .dataset
        .annotations
        .iter()
        .map(|a| match &a.geometry {
            Geometry::Polygon(p) => (
                p.rings[0].len(),
                l.dataset.labels.get(a.label).unwrap().source_id.unwrap(),
            ),
            g => panic!("{g:?}"),
        })
        .collect();
    assert_eq!(sizes, [(3, 2), (5, 4)]);
}

#[test]
fn roboflow_relative_quirks() {
    let root = corpus("datumaro-openvino/tests/assets/roboflow_dataset/yolo");
    let l = read_path(&root, &ReadOptions::default()).unwrap();
    // `train: ../train/images` names a folder beside the dataset, which
    // does not exist: as Ultralytics does, the `../` is dropped, and a
    // note at the key says which folder was read. `val: ../valid/images`
    // is found as `val/images` only by labelkit's own fallback, said too.
    let notes: Vec<(&str, Severity, (u32, u32), &str)> = l
        .issues
        .iter()
        .map(|d| {
            let at = d.primary.as_ref().unwrap();
            let text = l.sources.get(at.file).unwrap().text();
            let line = text[..at.span.start as usize]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            (
                d.code.as_str(),
                d.severity,
                (line as u32 + 1, at.span.start),
                d.message.as_str(),
            )
        })
        .collect();
    // The root as the reader names it: `..` resolved in the path.
    let mut clean = std::path::PathBuf::new();
    for c in root.components() {
        match c {
            std::path::Component::ParentDir => {
                clean.pop();
            }
            c => clean.push(c),
        }
    }
    let root = clean.display();
    assert_eq!(
        notes,
        [
            (
                "F011",
                Severity::Info,
                (1, 0),
                format!(
                    "`train: ../train/images` names nothing in the dataset root {root}; read \
                     `train/images` instead (as Ultralytics does, the leading `../` was dropped; \
                     Ultralytics reads the same folder)"
                )
                .as_str()
            ),
            (
                "F011",
                Severity::Info,
                (2, 23),
                format!(
                    "`val: ../valid/images` names nothing in the dataset root {root}; read \
                     `val/images` instead (`valid` and `val` were tried for each other; \
                     Ultralytics does not, and will not find these images)"
                )
                .as_str()
            ),
        ]
    );
    let d = &l.dataset;
    let names: Vec<(&str, Option<&str>, u32, u32)> = d
        .images
        .iter()
        .map(|i| (i.file_name.as_str(), i.subset.as_deref(), i.width, i.height))
        .collect();
    assert_eq!(
        names,
        [
            ("train/images/train_001.jpg", Some("train"), 10, 5),
            ("train/images/train_002.jpg", Some("train"), 10, 5),
            ("val/images/val_001.jpg", Some("val"), 10, 5),
        ]
    );
    assert_eq!(boxes(d, 0), [(0, 2.0, 1.0, 5.0, 2.0)]);
    assert_eq!(boxes(d, 1), [(1, 0.0, 0.0, 2.0, 4.0)]);
    assert_eq!(
        boxes(d, 2),
        [(0, 0.0, 0.0, 1.0, 2.0), (1, 0.0, 0.0, 9.0, 1.0)]
    );
}

/// Copies a folder of regular files and folders.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn loose_obj_names_with_readme() {
    let l = read_path(
        &corpus("datumaro-openvino/tests/assets/yolo_dataset/labels"),
        &ReadOptions::default(),
    )
    .unwrap();
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    let d = &l.dataset;
    assert_eq!(d.labels.len(), 10);
    let names: Vec<(&str, Option<&str>)> = d
        .images
        .iter()
        .map(|i| (i.file_name.as_str(), i.subset.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            ("images/train/1.jpg", Some("train")),
            ("images/val/1.jpg", Some("val"))
        ]
    );
    assert_eq!(boxes(d, 0), TWO_BOXES);
    assert_eq!(boxes(d, 1), TWO_BOXES);
    // README.txt is not read as a label file.
    assert!(l
        .sources
        .iter()
        .all(|(_, f)| !f.path().ends_with("README.txt")));
}

#[test]
fn labelformat_segment_without_images() {
    let dir = corpus("labelformat/tests/fixtures/instance_segmentation/YOLOv8");
    let l = read_path(&dir, &ReadOptions::default()).unwrap();
    // Images are not in the corpus: no read issue (D006 and G005 report
    // them in `check`), each image marked missing and of unknown size.
    assert!(l.issues.is_empty(), "{:?}", codes(&l.issues));
    assert_eq!(
        l.measurements.images,
        [Some(labelkit_diagnostics::SizeUnknown::ImageMissing); 2]
    );
    assert!(l.dataset.images[0].file_name.contains("000000036086.jpg"));
    assert_eq!(
        (l.dataset.images[0].width, l.dataset.images[0].height),
        (0, 0)
    );
    let d = &l.dataset;
    assert_eq!(
        d.labels
            .labels
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>(),
        ["kite", "person", "elephant", "sports ball"]
    );
    let polys: Vec<(usize, String)> = d
        .annotations
        .iter()
        .map(|a| match &a.geometry {
            Geometry::Polygon(p) => (p.rings[0].len(), d.labels.name(a.label).to_owned()),
            g => panic!("{g:?}"),
        })
        .collect();
    assert_eq!(
        polys,
        [
            (20, "sports ball".into()),
            (34, "person".into()),
            (54, "elephant".into())
        ]
    );
    // With sizes from elsewhere, no issue and pixel coordinates.
    let sizes = HashMap::from([
        ("000000036086".to_owned(), (482, 640)),
        ("000000109005".to_owned(), (640, 428)),
    ]);
    let l = read_path(&dir, &ReadOptions::default().with_image_sizes(sizes)).unwrap();
    assert!(l.issues.is_empty());
    assert_eq!(
        (l.dataset.images[1].width, l.dataset.images[1].height),
        (640, 428)
    );
}

#[test]
fn labelformat_detect_with_sizes() {
    let dir = corpus("labelformat/tests/fixtures/object_detection/YOLOv8/example.yaml");
    let sizes = HashMap::from([
        ("a-weird Filename.asdf".to_owned(), (640, 416)),
        (
            "aNother-weird__ filename.with.many.characters".to_owned(),
            (640, 428),
        ),
    ]);
    let l = read_path(&dir, &ReadOptions::default().with_image_sizes(sizes)).unwrap();
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    let d = &l.dataset;
    assert_eq!(d.labels.len(), 32);
    assert_eq!(d.labels.labels[1].name, "bicycle with space");
    assert_eq!(d.images.len(), 2);
    assert_eq!(
        d.images[0].file_name,
        "images/a-difficult subfolder/a-weird Filename.asdf.jpg"
    );
    let b0 = boxes(d, 0);
    assert_eq!(b0.len(), 8);
    assert_eq!(b0[0], (16, 539.72, 295.45, 562.63, 313.84));
    assert_eq!(b0[7], (0, 604.26, 271.45, 613.45, 282.75));
    let b1 = boxes(d, 1);
    assert_eq!(b1.len(), 8);
    assert_eq!(b1[0], (31, 333.74, 31.74, 488.59, 394.34));
    assert_eq!(b1[6], (1, 585.9, 194.45, 597.64, 212.37));
}

#[test]
fn dagshub_custom_label_dirs() {
    let res = corpus("dagshub-annotation-converter/tests/fs_import/yolo/res");
    // Several yaml files: the folder alone is ambiguous, and the error says so.
    let err = read_path(&res, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("several dataset yaml files"), "{err}");

    // Their yaml files name no `train:` images (DagsHub's importer walks
    // the folders): Ultralytics refuses them, and so does labelkit, at the
    // start of the file, naming the key.
    for file in [
        "bbox_and_segmentation.yaml",
        "pose_2dim.yaml",
        "pose_3dim.yaml",
    ] {
        let Err(labelkit_yolo::Error::Parse(e)) =
            read_path(&res.join(file), &ReadOptions::default())
        else {
            panic!("{file} was read without `train:`");
        };
        assert_eq!(e.location.path, res.join(file));
        assert_eq!((e.location.line, e.location.column), (1, 1), "{file}");
        assert_eq!(
            e.message,
            "`train:` key missing: Ultralytics requires `train` and `val` in every data.yaml, \
             each naming images relative to the dataset root (a folder, a .txt list of images, \
             or a list of these)"
        );
    }
    // With `train: images` added (relative to their `path: data`), the
    // custom label folders read.
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&res, copy.path());
    for file in [
        "bbox_and_segmentation.yaml",
        "pose_2dim.yaml",
        "pose_3dim.yaml",
    ] {
        let text = std::fs::read_to_string(res.join(file)).unwrap();
        std::fs::write(copy.path().join(file), format!("{text}\ntrain: images\n")).unwrap();
    }
    let res = copy.path().to_path_buf();
    let yaml = res.join("bbox_and_segmentation.yaml");
    let l = read_path(
        &yaml,
        &ReadOptions::default().with_labels_dir("labels_bbox"),
    )
    .unwrap();
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    assert_eq!(l.dataset.images[0].file_name, "images/testimg.png");
    assert_eq!(
        (l.dataset.images[0].width, l.dataset.images[0].height),
        (640, 480)
    );
    assert_eq!(
        boxes(&l.dataset, 0),
        [(0, 0.0, 0.0, 320.0, 240.0), (1, 320.0, 240.0, 640.0, 480.0)]
    );

    let l = read_path(
        &yaml,
        &ReadOptions::default().with_labels_dir("labels_segmentation"),
    )
    .unwrap();
    let rings: Vec<usize> = l
        .dataset
        .annotations
        .iter()
        .map(|a| match &a.geometry {
            Geometry::Polygon(p) => p.rings[0].len(),
            g => panic!("{g:?}"),
        })
        .collect();
    assert_eq!(rings, [4, 4, 3]);

    // An empty label file: a background image, kept, no issue.
    let l = read_path(&yaml, &ReadOptions::default().with_labels_dir("empty")).unwrap();
    assert!(l.issues.is_empty());
    assert_eq!(l.dataset.images.len(), 1);
    assert!(l.dataset.annotations.is_empty());

    for (file, dir, dims) in [
        ("pose_3dim.yaml", "labels_pose_3dim", 3),
        ("pose_2dim.yaml", "labels_pose_2dim", 2),
    ] {
        let l = read_path(
            &res.join(file),
            &ReadOptions::default().with_labels_dir(dir),
        )
        .unwrap();
        assert!(l.issues.is_empty(), "{file}: {:?}", l.issues);
        let kps: Vec<Vec<Visibility>> = l
            .dataset
            .annotations
            .iter()
            .filter_map(|a| match &a.geometry {
                Geometry::Keypoints(k) => Some(k.points.iter().map(|p| p.visibility).collect()),
                _ => None,
            })
            .collect();
        assert_eq!(kps.len(), 2, "{file}");
        if dims == 3 {
            use Visibility::{Absent, Occluded};
            assert_eq!(kps[0], [Occluded, Absent, Occluded, Absent]);
        } else {
            assert!(kps.iter().all(|k| k.len() == 4));
        }
    }
}

/// `<image name=".." width=".." height="..">` of the CVAT file beside the
/// darknet export, as a size table.
fn cvat_sizes(xml: &str) -> HashMap<String, (u32, u32)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!(" {name}=\"");
        let start = tag.find(&key)? + key.len();
        Some(tag[start..].split('"').next()?.to_owned())
    };
    xml.split("<image ")
        .skip(1)
        .filter_map(|t| {
            let tag = t.split('>').next()?;
            let name = attr(tag, "name")?;
            Some((
                name,
                (
                    attr(tag, "width")?.parse().ok()?,
                    attr(tag, "height")?.parse().ok()?,
                ),
            ))
        })
        .collect()
}

#[test]
fn review_metrics_darknet_without_images() {
    let dir = corpus("review_object_detection_metrics/data/database/gts/yolo_format");
    let l = read_path(&dir, &ReadOptions::default()).unwrap();
    assert_eq!(l.dataset.images.len(), 100);
    assert_eq!(l.dataset.annotations.len(), 273);
    assert_eq!(l.dataset.labels.len(), 20);
    // The images are not in the corpus: no read issue, 100 marked missing.
    assert!(l.issues.is_empty(), "{:?}", codes(&l.issues));
    assert_eq!(
        l.measurements
            .images
            .iter()
            .filter(|m| **m == Some(labelkit_diagnostics::SizeUnknown::ImageMissing))
            .count(),
        100
    );

    let xml = std::fs::read_to_string(corpus(
        "review_object_detection_metrics/data/database/gts/cvat_format/annotations.xml",
    ))
    .unwrap();
    let sizes = cvat_sizes(&xml);
    assert_eq!(sizes.len(), 100);
    let l = read_path(
        &dir,
        &ReadOptions::default().with_image_sizes(sizes.clone()),
    )
    .unwrap();
    assert!(l.issues.is_empty(), "{:?}", &l.issues[..1]);
    let d = &l.dataset;
    let pos = d
        .images
        .iter()
        .position(|i| i.file_name == "obj_train_data/2007_000032.jpg")
        .unwrap();
    assert_eq!((d.images[pos].width, d.images[pos].height), (500, 281));
    assert_eq!(
        boxes(d, pos),
        [
            (0, 26.0, 189.0, 44.0, 238.0),
            (12, 133.0, 88.0, 197.0, 123.0),
            (12, 104.0, 78.0, 375.0, 183.0),
            (0, 195.0, 180.0, 213.0, 229.0)
        ]
    );

    // The same sizes as fallbacks: the image files are looked for first
    // (none is there, so each keeps its "missing" fact) and the boxes are
    // the same pixels; one size for all covers what the map does not name.
    let mut some = sizes.clone();
    some.remove("2007_000032.jpg");
    let l = read_path(
        &dir,
        &ReadOptions::default().with_fallback_sizes(some, Some((640, 480))),
    )
    .unwrap();
    assert!(l.issues.is_empty(), "{:?}", &l.issues[..1]);
    let d = &l.dataset;
    assert!((0..d.images.len()).all(|pos| l.facts.image(pos).no_image_file));
    assert_eq!((d.images[pos].width, d.images[pos].height), (640, 480));
    // The rows of the 500x281 image, as fractions of 640x480 (6 decimals).
    let (class, x0, y0, x1, y1) = boxes(d, pos)[0];
    assert_eq!(class, 0);
    for (got, want) in [
        (x0, 26.0 * 640.0 / 500.0),
        (y0, 189.0 * 480.0 / 281.0),
        (x1, 44.0 * 640.0 / 500.0),
        (y1, 238.0 * 480.0 / 281.0),
    ] {
        assert!((got - want).abs() < 1e-3, "{got} vs {want}");
    }
    let other = d
        .images
        .iter()
        .position(|i| i.file_name == "obj_train_data/2007_000027.jpg")
        .unwrap();
    assert_eq!(
        (d.images[other].width, d.images[other].height),
        sizes["2007_000027.jpg"]
    );
}

#[test]
fn sniff_layouts() {
    use labelkit_yolo::{sniff, Layout};
    assert_eq!(
        sniff(&corpus(&format!("{DATUMARO}yolo"))),
        Some(Layout::Darknet)
    );
    assert_eq!(
        sniff(&corpus(&format!("{DATUMARO}yolov8_pose"))),
        Some(Layout::Ultralytics)
    );
    assert_eq!(
        sniff(&corpus(&format!("{DATUMARO}yolov8_pose/data.yaml"))),
        Some(Layout::Ultralytics)
    );
    assert_eq!(
        sniff(&corpus(&format!(
            "{DATUMARO}yolov8_pose/labels/train/1.txt"
        ))),
        Some(Layout::Ultralytics)
    );
    assert_eq!(
        sniff(&corpus(
            "datumaro-openvino/tests/assets/yolo_dataset/labels/README.txt"
        )),
        None
    );
    assert_eq!(sniff(&corpus("cveta2/annotations.xml")), None);
    assert_eq!(sniff(&corpus("cveta2")), None);
}
