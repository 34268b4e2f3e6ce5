//! Writer: Ultralytics load checks, round trips, reports.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use labelkit_model::{
    Annotation, AnnotationId, BoxGeom, Dataset, Geometry, GroupId, Image, ImageId, Keypoint,
    KeypointSchema, Keypoints, Label, LabelId, Point, Polygon, Precision, Visibility,
};
use labelkit_yolo::{
    project, read_path, write_path, ImageMode, Layout, ReadOptions, Task, WriteOptions, YoloInfo,
};
use proptest::prelude::*;
use yaml_rust2::{Yaml, YamlLoader};

/// The checks Ultralytics applies when it loads labels: class < nc,
/// normalised coordinates in [0, 1], row lengths for the task, kpt_shape
/// consistency, visibility codes, no duplicate rows. Returns the rows read.
fn ultralytics_check(root: &Path) -> usize {
    let y = &YamlLoader::load_from_str(&fs::read_to_string(root.join("data.yaml")).unwrap())
        .unwrap()[0];
    let nc = y["nc"].as_i64().unwrap() as usize;
    let names = y["names"].as_hash().unwrap();
    assert_eq!(names.len(), nc);
    for i in 0..nc {
        assert!(
            names.contains_key(&Yaml::Integer(i as i64)),
            "names lacks {i}"
        );
    }
    let task = y["task"].as_str().unwrap().to_owned();
    let kpt = y["kpt_shape"].as_vec().map(|v| {
        (
            v[0].as_i64().unwrap() as usize,
            v[1].as_i64().unwrap() as usize,
        )
    });
    if let Some((n, d)) = kpt {
        assert!(d == 2 || d == 3);
        let flip: Vec<usize> = y["flip_idx"]
            .as_vec()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap() as usize)
            .collect();
        assert_eq!(flip.len(), n);
        let set: HashSet<usize> = flip.iter().copied().collect();
        assert_eq!(set.len(), n);
        assert!(
            flip.iter().enumerate().all(|(i, &j)| flip[j] == i),
            "flip_idx is not an involution"
        );
    }
    let mut rows = 0;
    let mut stack = vec![root.join("labels")];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = fs::read_to_string(&p).unwrap();
            let mut seen = HashSet::new();
            for line in text.lines() {
                assert!(
                    seen.insert(line.to_owned()),
                    "duplicate row {line} in {}",
                    p.display()
                );
                let v: Vec<f64> = line
                    .split_whitespace()
                    .map(|t| t.parse().unwrap())
                    .collect();
                assert!(
                    v[0].fract() == 0.0 && (v[0] as usize) < nc,
                    "class {} >= nc {nc}",
                    v[0]
                );
                let vals = &v[1..];
                match task.as_str() {
                    "detect" => assert_eq!(vals.len(), 4),
                    "segment" => assert!(
                        vals.len() == 4 || (vals.len() >= 6 && vals.len().is_multiple_of(2))
                    ),
                    "obb" => assert_eq!(vals.len(), 8),
                    "pose" => {
                        let (n, d) = kpt.unwrap();
                        assert_eq!(vals.len(), 4 + n * d, "{line}");
                        if d == 3 {
                            for k in 0..n {
                                assert!([0.0, 1.0, 2.0].contains(&vals[4 + k * 3 + 2]));
                            }
                        }
                    }
                    t => panic!("task {t}"),
                }
                for (i, x) in vals.iter().enumerate() {
                    let is_vis =
                        task == "pose" && kpt.unwrap().1 == 3 && i >= 4 && (i - 4) % 3 == 2;
                    // Ultralytics' label check accepts -0.01 to 1.01
                    // (`verify_image_label`); it clips when it trains.
                    assert!(
                        is_vis || (-0.01..=1.01).contains(x),
                        "coordinate {x} out of [-0.01, 1.01] in {line}"
                    );
                }
                rows += 1;
            }
        }
    }
    rows
}

fn image(id: u64, name: &str, w: u32, h: u32, subset: &str) -> Image {
    Image {
        id: ImageId(id),
        file_name: name.into(),
        width: w,
        height: h,
        subset: Some(subset.into()),
        ..Image::default()
    }
}

fn ann(id: u64, image: u64, label: u32, g: Geometry) -> Annotation {
    Annotation::new(AnnotationId(id), ImageId(image), LabelId(label), g)
}

fn pose_dataset() -> Dataset {
    let mut d = Dataset::new();
    let mut person = Label::new("person");
    person.keypoints = Some(KeypointSchema::coco_person());
    d.labels.push(person);
    d.labels.push(Label::new("bag"));
    d.images.push(image(1, "a.jpg", 640, 480, "train"));
    d.images.push(image(2, "b.jpg", 320, 200, "val"));
    let pts: Vec<Keypoint> = (0..17)
        .map(|i| Keypoint {
            name: None,
            x: 100.0 + f64::from(i) * 7.0,
            y: 50.0 + f64::from(i) * 3.0,
            visibility: [
                Visibility::Absent,
                Visibility::Occluded,
                Visibility::Visible,
            ][i as usize % 3],
        })
        .map(|mut k| {
            if k.visibility == Visibility::Absent {
                (k.x, k.y) = (0.0, 0.0);
            }
            k
        })
        .collect();
    let mut b = ann(
        1,
        1,
        0,
        Geometry::Box(BoxGeom::from_xyxy(90.0, 40.0, 300.0, 200.0)),
    );
    b.group = Some(GroupId(5));
    let mut k = ann(
        2,
        1,
        0,
        Geometry::Keypoints(Keypoints {
            points: pts.clone(),
        }),
    );
    k.group = Some(GroupId(5));
    // Keypoints without a box: the box is derived from the labelled points.
    let k2 = ann(3, 2, 0, Geometry::Keypoints(Keypoints { points: pts }));
    d.annotations.extend([b, k, k2]);
    d
}

#[test]
fn coco_keypoints_to_pose_and_back_keep_every_point() {
    let d = pose_dataset();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("ds");
    // Exact numbers, so that the points read back to within float noise.
    let exact = WriteOptions::default().precision(Precision::Shortest);
    let report = write_path(&d, &target, &exact).unwrap();
    assert_eq!(ultralytics_check(&target), 2);
    assert!(report.count("keypoint skeleton edges") > 0, "{report}");
    let yaml = fs::read_to_string(target.join("data.yaml")).unwrap();
    assert!(yaml.contains("kpt_shape: [17, 3]"), "{yaml}");
    assert!(
        yaml.contains("flip_idx: [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]"),
        "{yaml}"
    );
    let sizes = HashMap::from([("a".to_owned(), (640, 480)), ("b".to_owned(), (320, 200))]);
    let back = read_path(&target, &ReadOptions::default().with_image_sizes(sizes)).unwrap();
    assert!(back.issues.is_empty(), "{:?}", back.issues);
    let schema = back.dataset.labels.labels[0].keypoints.as_ref().unwrap();
    assert_eq!(schema.names, KeypointSchema::coco_person().names);
    assert_eq!(schema.flip_pairs, KeypointSchema::coco_person().flip_pairs);
    let kps: Vec<&Keypoints> = back
        .dataset
        .annotations
        .iter()
        .filter_map(|a| match &a.geometry {
            Geometry::Keypoints(k) => Some(k),
            _ => None,
        })
        .collect();
    assert_eq!(kps.len(), 2);
    let Geometry::Keypoints(orig) = &d.annotations[1].geometry else {
        panic!()
    };
    for k in kps {
        assert_eq!(k.points.len(), 17);
        for (a, b) in k.points.iter().zip(&orig.points) {
            assert_eq!(a.visibility, b.visibility);
            assert!((a.x - b.x).abs() < 1e-9 && (a.y - b.y).abs() < 1e-9);
        }
    }
    // The second image's box came from the labelled points.
    let Geometry::Box(b) = &back.dataset.annotations[2].geometry else {
        panic!()
    };
    assert!(
        (b.x_min - 107.0).abs() < 1e-9 && (b.x_max - 212.0).abs() < 1e-9,
        "{b:?}"
    );
}

/// A pose dataset read with two values per keypoint is written back with
/// two (its `kpt_shape` is kept as [`YoloInfo`]), unless the options ask for
/// three; [`project`] keeps the shape the writer writes.
#[test]
fn pose_rows_keep_the_values_per_keypoint_they_were_read_with() {
    let src = crate::corpus(
        "datumaro-cvat-ai/tests/assets/yolo_dataset/yolov8_pose_two_values_per_point",
    );
    let l = read_path(&src, &ReadOptions::default()).unwrap();
    let kept = |d: &Dataset| d.info.kept.get::<YoloInfo>().and_then(|y| y.kpt_shape);
    assert_eq!(kept(&l.dataset), Some((3, 2)));
    assert_eq!(kept(&project(&l.dataset, Task::Pose)), Some((3, 2)));
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("copy");
    write_path(&l.dataset, &copy, &WriteOptions::default()).unwrap();
    let yaml = fs::read_to_string(copy.join("data.yaml")).unwrap();
    assert!(yaml.contains("kpt_shape: [3, 2]"), "{yaml}");
    assert_eq!(
        fs::read_to_string(copy.join("labels/train/1.txt")).unwrap(),
        "0 0.133333 0.3 0.266667 0.2 0.1 0.2 0.3 0.4 0.5 0.6\n"
    );
    let back = read_path(
        &copy,
        &ReadOptions::default().with_image_sizes(HashMap::from([("1".to_owned(), (15, 10))])),
    )
    .unwrap();
    assert_eq!(kept(&back.dataset), Some((3, 2)));
    // Asked for three values: visibility 2 for the points read as visible.
    let three = out.path().join("three");
    write_path(
        &l.dataset,
        &three,
        &WriteOptions::default().keypoint_dims(3),
    )
    .unwrap();
    let yaml = fs::read_to_string(three.join("data.yaml")).unwrap();
    assert!(yaml.contains("kpt_shape: [3, 3]"), "{yaml}");
    let row = fs::read_to_string(three.join("labels/train/1.txt")).unwrap();
    assert_eq!(row.split_whitespace().count(), 1 + 4 + 3 * 3, "{row}");
    // A dataset without the kept fields (from another format) gets three.
    let mut other = l.dataset.clone();
    other.info.kept.clear();
    assert_eq!(kept(&project(&other, Task::Pose)), Some((3, 3)));
    // Pose rows end in integer visibilities: no fixed number of decimals.
    let info = l.dataset.info.kept.get::<YoloInfo>().unwrap();
    assert_eq!(info.fixed_decimals, None);
}

/// Rows whose values all have 6 decimals (Datumaro's `%.6f`) keep that
/// number in [`YoloInfo::fixed_decimals`], and the writer prints them so;
/// rows of mixed decimals keep none. [`project`] states no decimals.
#[test]
fn fixed_point_rows_keep_their_decimals_in_the_yolo_fields() {
    let dir = tempfile::tempdir().unwrap();
    let read = |rows: &str| {
        let src = dir.path().join("src");
        fs::create_dir_all(src.join("labels/train")).unwrap();
        fs::create_dir_all(src.join("images/train")).unwrap();
        fs::write(
            src.join("data.yaml"),
            "train: images/train\nnames: [a, b]\n",
        )
        .unwrap();
        fs::write(src.join("labels/train/x.txt"), rows).unwrap();
        let sizes = HashMap::from([("x".to_owned(), (100, 50))]);
        read_path(&src, &ReadOptions::default().with_image_sizes(sizes)).unwrap()
    };
    let fixed = "0 0.444000 0.300000 0.266667 0.200000\n1 0.500000 0.500000 1.000000 1.000000\n";
    let l = read(fixed);
    let info = l.dataset.info.kept.get::<YoloInfo>().copied().unwrap();
    assert_eq!((info.kpt_shape, info.fixed_decimals), (None, Some(6)));
    assert!(project(&l.dataset, Task::Detect).info.kept.is_empty());
    let out = dir.path().join("out");
    write_path(&l.dataset, &out, &WriteOptions::default()).unwrap();
    assert_eq!(
        fs::read_to_string(out.join("labels/train/x.txt")).unwrap(),
        fixed
    );
    let mixed = read("0 0.444 0.3 0.266667 0.2\n");
    assert!(mixed.dataset.info.kept.is_empty());
}

#[test]
fn obb_corners_keep_the_heading_and_reports_name_losses() {
    let mut d = Dataset::new();
    d.labels.push(Label::new("ship"));
    d.images
        .push(image(1, "images/train/s.png", 200, 100, "train"));
    let mut rotated = BoxGeom::from_center(100.0, 50.0, 40.0, 20.0, 30.0);
    rotated.rotation = 30.0;
    let mut a = ann(1, 1, 0, Geometry::Box(rotated));
    a.attributes
        .set("color", labelkit_model::AttributeValue::Text("red".into()));
    a.occluded = true;
    d.annotations.push(a);
    d.annotations.push(ann(
        2,
        1,
        0,
        Geometry::Ellipse(labelkit_model::Ellipse::default()),
    ));
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("obb");
    let report = write_path(
        &d,
        &target,
        &WriteOptions::default().precision(Precision::Significant(6)),
    )
    .unwrap();
    assert_eq!(report.count("annotation attributes"), 1);
    assert_eq!(report.count("occluded flags"), 1);
    assert_eq!(report.count("ellipses"), 1);
    assert_eq!(ultralytics_check(&target), 1);
    let row = fs::read_to_string(target.join("labels/train/s.txt")).unwrap();
    let c = rotated.corners();
    let expect: Vec<String> = c
        .iter()
        .flat_map(|p| {
            [
                Precision::Significant(6).format(p.x / 200.0),
                Precision::Significant(6).format(p.y / 100.0),
            ]
        })
        .collect();
    assert_eq!(row, format!("0 {}\n", expect.join(" ")));
    let sizes = HashMap::from([("s".to_owned(), (200, 100))]);
    let back = read_path(&target, &ReadOptions::default().with_image_sizes(sizes)).unwrap();
    let Geometry::Box(b) = &back.dataset.annotations[0].geometry else {
        panic!()
    };
    assert!(
        (b.rotation - 30.0).abs() < 1e-3 && (b.width() - 40.0).abs() < 1e-3,
        "{b:?}"
    );
}

#[test]
fn background_images_class_map_and_darknet() {
    let mut d = Dataset::new();
    d.labels.push(Label::new("cat"));
    d.labels.push(Label::new("dog"));
    d.images.push(image(1, "x/one.jpg", 100, 100, "train"));
    d.images.push(image(2, "two.jpg", 100, 100, "train"));
    d.annotations.push(ann(
        1,
        1,
        1,
        Geometry::Box(BoxGeom::from_xyxy(10.0, 10.0, 30.0, 50.0)),
    ));
    let out = tempfile::tempdir().unwrap();
    let opts = WriteOptions::default().class_map(vec!["dog".into(), "cat".into()]);
    write_path(&d, &out.path().join("u"), &opts).unwrap();
    assert_eq!(
        fs::read_to_string(out.path().join("u/labels/train/x/one.txt")).unwrap(),
        "0 0.2 0.3 0.2 0.4\n"
    );
    assert_eq!(
        fs::read_to_string(out.path().join("u/labels/train/two.txt")).unwrap(),
        ""
    );
    let back = read_path(&out.path().join("u"), &ReadOptions::default()).unwrap();
    let names: Vec<&str> = back
        .dataset
        .images
        .iter()
        .map(|i| i.file_name.as_str())
        .collect();
    assert_eq!(
        names,
        ["images/train/two.jpg", "images/train/x/one.jpg"],
        "the background image is kept"
    );
    // A class map without a used label: the loss is named.
    let report = write_path(
        &d,
        &out.path().join("v"),
        &WriteOptions::default().class_map(vec!["cat".into()]),
    )
    .unwrap();
    assert_eq!(
        report.count("annotations whose label is not in the class map"),
        1
    );
    // Darknet.
    write_path(
        &d,
        &out.path().join("dk"),
        &WriteOptions::default().layout(Layout::Darknet),
    )
    .unwrap();
    assert_eq!(
        fs::read_to_string(out.path().join("dk/obj.names")).unwrap(),
        "cat\ndog\n"
    );
    assert_eq!(
        fs::read_to_string(out.path().join("dk/train.txt")).unwrap(),
        "data/obj_train_data/x/one.jpg\ndata/obj_train_data/two.jpg\n"
    );
    let sizes = HashMap::from([
        ("one".to_owned(), (100, 100)),
        ("two".to_owned(), (100, 100)),
    ]);
    let back = read_path(
        &out.path().join("dk"),
        &ReadOptions::default().with_image_sizes(sizes),
    )
    .unwrap();
    assert_eq!(back.dataset.images[0].file_name, "obj_train_data/x/one.jpg");
    assert_eq!(back.dataset.images.len(), 2);
    assert_eq!(
        crate::boxes(&back.dataset, 0),
        [(1, 10.0, 10.0, 30.0, 50.0)]
    );
    // The output must not exist already.
    assert!(write_path(&d, &out.path().join("dk"), &WriteOptions::default()).is_err());
}

#[test]
fn images_are_copied_or_linked() {
    let src = crate::corpus("datumaro-cvat-ai/tests/assets/yolo_dataset/yolov8_detection");
    let l = read_path(&src, &ReadOptions::default()).unwrap();
    let out = tempfile::tempdir().unwrap();
    for (mode, name) in [
        (ImageMode::Copy, "c"),
        (ImageMode::HardLink, "h"),
        (ImageMode::Symlink, "s"),
    ] {
        let target = out.path().join(name);
        write_path(
            &l.dataset,
            &target,
            &WriteOptions::default().images(mode, Some(src.clone())),
        )
        .unwrap();
        assert_eq!(
            labelkit_imagesize::image_size(&target.join("images/train/1.jpg")).unwrap(),
            (15, 10)
        );
        let back = read_path(&target, &ReadOptions::default()).unwrap();
        assert!(back.issues.is_empty());
        assert_eq!(crate::boxes(&back.dataset, 0), crate::boxes(&l.dataset, 0));
    }
}

/// Three COCO-style objects (box, polygon and keypoints in one group) and
/// two lone boxes, on one 200x100 image.
fn grouped_objects() -> Dataset {
    let mut d = Dataset::new();
    let mut person = Label::new("person");
    person.keypoints = Some(KeypointSchema::from_names(["nose", "tail"]));
    d.labels.push(person);
    d.images.push(image(1, "a.jpg", 200, 100, "train"));
    let mut id = 1;
    for g in 0..3u32 {
        let x = f64::from(g) * 50.0;
        let group = Some(GroupId(u64::from(g) + 1));
        let shapes = [
            Geometry::Box(BoxGeom::from_xyxy(x, 10.0, x + 40.0, 90.0)),
            Geometry::Polygon(Polygon {
                rings: vec![vec![
                    Point::new(x + 5.0, 15.0),
                    Point::new(x + 35.0, 15.0),
                    Point::new(x + 20.0, 85.0),
                ]],
            }),
            Geometry::Keypoints(Keypoints {
                points: [(x + 20.0, 20.0), (x + 20.0, 80.0)]
                    .iter()
                    .map(|&(x, y)| Keypoint {
                        name: None,
                        x,
                        y,
                        visibility: Visibility::Visible,
                    })
                    .collect(),
            }),
        ];
        for geom in shapes {
            let mut a = ann(id, 1, 0, geom);
            a.group = group;
            d.annotations.push(a);
            id += 1;
        }
    }
    for x in [160.0, 170.0] {
        d.annotations.push(ann(
            id,
            1,
            0,
            Geometry::Box(BoxGeom::from_xyxy(x, 0.0, x + 20.0, 50.0)),
        ));
        id += 1;
    }
    d
}

fn label_rows(root: &Path) -> Vec<Vec<f64>> {
    fs::read_to_string(root.join("labels/train/a.txt"))
        .unwrap()
        .lines()
        .map(|l| l.split(' ').map(|t| t.parse().unwrap()).collect())
        .collect()
}

#[test]
fn detect_writes_one_row_per_object() {
    let d = grouped_objects();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("ds");
    let report = write_path(&d, &target, &WriteOptions::default().task(Task::Detect)).unwrap();
    assert_eq!(ultralytics_check(&target), 5);
    let rows = label_rows(&target);
    assert_eq!(
        rows,
        vec![
            vec![0.0, 0.1, 0.5, 0.2, 0.8],
            vec![0.0, 0.35, 0.5, 0.2, 0.8],
            vec![0.0, 0.6, 0.5, 0.2, 0.8],
            vec![0.0, 0.85, 0.25, 0.1, 0.5],
            vec![0.0, 0.9, 0.25, 0.1, 0.5],
        ]
    );
    assert_eq!(report.annotations_written, 5);
    assert_eq!(
        report.count("polygons (detect keeps the box)"),
        3,
        "{report}"
    );
    assert_eq!(
        report.count("keypoints (not held by detect rows)"),
        3,
        "{report}"
    );
    assert_eq!(
        report.count("groups written as several rows"),
        0,
        "{report}"
    );
    assert_eq!(report.losses().count(), 2, "{report}");
}

#[test]
fn detect_without_a_box_uses_the_bounds_of_the_group_polygons() {
    let mut d = grouped_objects();
    // Drop the boxes of the groups; split the first group's polygon in two.
    d.annotations
        .retain(|a| a.group.is_none() || !matches!(a.geometry, Geometry::Box(_)));
    let mut extra = ann(
        100,
        1,
        0,
        Geometry::Polygon(Polygon {
            rings: vec![vec![
                Point::new(0.0, 50.0),
                Point::new(10.0, 50.0),
                Point::new(10.0, 95.0),
            ]],
        }),
    );
    extra.group = Some(GroupId(1));
    d.annotations.push(extra);
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("ds");
    let report = write_path(&d, &target, &WriteOptions::default().task(Task::Detect)).unwrap();
    let rows = label_rows(&target);
    assert_eq!(rows.len(), 5);
    // Group 1: x 0..35, y 15..95.
    assert_eq!(rows[0], vec![0.0, 0.0875, 0.55, 0.175, 0.8]);
    assert_eq!(report.count("polygons written as boxes"), 4, "{report}");
}

#[test]
fn segment_writes_one_polygon_per_object_and_boxes_as_four_corners() {
    let d = grouped_objects();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("ds");
    let report = write_path(&d, &target, &WriteOptions::default().task(Task::Segment)).unwrap();
    assert_eq!(ultralytics_check(&target), 5);
    let rows = label_rows(&target);
    assert_eq!(rows[0], vec![0.0, 0.025, 0.15, 0.175, 0.15, 0.1, 0.85]);
    assert_eq!(
        rows[3],
        vec![0.0, 0.8, 0.0, 0.9, 0.0, 0.9, 0.5, 0.8, 0.5],
        "a lone box becomes its 4 corners"
    );
    assert!(rows.iter().all(|r| r.len() == 7 || r.len() == 9));
    assert_eq!(
        report.count("boxes (segment keeps the polygon)"),
        3,
        "{report}"
    );
    assert_eq!(
        report.count("boxes written as 4-corner polygons"),
        2,
        "{report}"
    );
    assert_eq!(
        report.count("keypoints (not held by segment rows)"),
        3,
        "{report}"
    );
    let back = read_path(&target, &ReadOptions::default()).unwrap();
    let polygons = back
        .dataset
        .annotations
        .iter()
        .filter(|a| matches!(a.geometry, Geometry::Polygon(_)))
        .count();
    assert_eq!(polygons, 5);
}

#[test]
fn pose_and_obb_write_one_row_per_object() {
    let d = grouped_objects();
    for (task, lost) in [
        (Task::Pose, "polygons (not held by pose rows)"),
        (Task::Obb, "polygons (obb keeps the box)"),
    ] {
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("ds");
        let report = write_path(&d, &target, &WriteOptions::default().task(task)).unwrap();
        assert_eq!(ultralytics_check(&target), 5, "{task:?}");
        assert_eq!(report.count(lost), 3, "{task:?}: {report}");
    }
}

// ---- property: read(write(d)) == project(d) ----

fn arb_dataset() -> impl Strategy<Value = (Dataset, Task)> {
    let task = prop_oneof![
        Just(Task::Detect),
        Just(Task::Segment),
        Just(Task::Obb),
        Just(Task::Pose)
    ];
    let images = prop::collection::vec((16u32..2000, 16u32..2000, prop::bool::ANY), 1..4);
    (task, images, 1usize..4, any::<u64>()).prop_map(|(task, images, nlabels, seed)| {
        let mut rng = seed | 1;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % 1_000_000) as f64 / 1_000_000.0
        };
        let mut d = Dataset::new();
        for i in 0..nlabels {
            let mut l = Label::new(format!("class {i}"));
            if task == Task::Pose {
                l.keypoints = Some(KeypointSchema::from_names([
                    "left_eye",
                    "right_eye",
                    "nose",
                ]));
            }
            d.labels.push(l);
        }
        let mut id = 1;
        for (i, (w, h, val)) in images.into_iter().enumerate() {
            let img_id = i as u64 + 1;
            d.images.push(image(
                img_id,
                &format!("img{i}.jpg"),
                w,
                h,
                if val { "val" } else { "train" },
            ));
            let (w, h) = (f64::from(w), f64::from(h));
            let n = (next() * 4.0) as usize;
            for _ in 0..n {
                let label = (next() * nlabels as f64) as u32;
                let (x0, y0) = (next() * w * 0.5, next() * h * 0.5);
                let (x1, y1) = (x0 + 1.0 + next() * w * 0.4, y0 + 1.0 + next() * h * 0.4);
                let g = match task {
                    Task::Detect => Geometry::Box(BoxGeom::from_xyxy(x0, y0, x1, y1)),
                    Task::Segment => Geometry::Polygon(Polygon {
                        rings: vec![(0..3 + (next() * 4.0) as usize)
                            .map(|_| Point::new(next() * w, next() * h))
                            .collect()],
                    }),
                    Task::Obb => {
                        let mut b = BoxGeom::from_xyxy(x0, y0, x1, y1);
                        b.rotation = next() * 359.0;
                        Geometry::Box(b)
                    }
                    Task::Pose => Geometry::Keypoints(Keypoints {
                        points: (0..3)
                            .map(|_| {
                                let v = [
                                    Visibility::Absent,
                                    Visibility::Occluded,
                                    Visibility::Visible,
                                ][(next() * 3.0) as usize];
                                let (x, y) = if v == Visibility::Absent {
                                    (0.0, 0.0)
                                } else {
                                    (next() * w, next() * h)
                                };
                                Keypoint {
                                    name: None,
                                    x,
                                    y,
                                    visibility: v,
                                }
                            })
                            .collect(),
                    }),
                };
                d.annotations.push(ann(id, img_id, label, g));
                id += 1;
            }
        }
        (d, task)
    })
}

/// A comparable form: images by name, their shapes in order, groups as
/// "same as the previous shape".
type Shape = (String, Vec<f64>, Vec<u8>, bool);
type CanonImage = (String, u32, u32, Option<String>, Vec<Shape>);

fn canonical(d: &Dataset) -> Vec<CanonImage> {
    let mut out: Vec<_> = d
        .images
        .iter()
        .map(|img| {
            let mut prev_group = None;
            let shapes = d
                .annotations
                .iter()
                .filter(|a| a.image == img.id)
                .map(|a| {
                    let (coords, vis) = match &a.geometry {
                        Geometry::Box(b) => (
                            b.corners().iter().flat_map(|p| [p.x, p.y]).collect(),
                            vec![],
                        ),
                        Geometry::Polygon(p) => (
                            p.rings.iter().flatten().flat_map(|p| [p.x, p.y]).collect(),
                            vec![],
                        ),
                        Geometry::Keypoints(k) => (
                            k.points.iter().flat_map(|p| [p.x, p.y]).collect(),
                            k.points.iter().map(|p| p.visibility.coco_code()).collect(),
                        ),
                        g => panic!("{g:?}"),
                    };
                    let same = a.group.is_some() && a.group == prev_group;
                    prev_group = a.group;
                    (d.labels.name(a.label).to_owned(), coords, vis, same)
                })
                .collect();
            (
                img.file_name.clone(),
                img.width,
                img.height,
                img.subset.clone(),
                shapes,
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn read_of_write_is_project((d, task) in arb_dataset(), parallel in prop::bool::ANY) {
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("ds");
        // Exact numbers: the default prints them to 1e-9 of the normalized
        // value, which is 1e-9 of the image size in pixels.
        let options = WriteOptions::default().task(task).parallel_writes(parallel).precision(Precision::Shortest);
        write_path(&d, &target, &options).unwrap();
        prop_assert!(ultralytics_check(&target) <= d.annotations.len());
        // Images are not written (reference mode): sizes come from the dataset.
        let sizes = d.images.iter().map(|i| (labelkit_yolo_stem(&i.file_name), (i.width, i.height))).collect();
        let back = read_path(&target, &ReadOptions::default().with_task(task).with_image_sizes(sizes)).unwrap();
        prop_assert!(back.issues.is_empty(), "{:?}", back.issues);
        let got = canonical(&back.dataset);
        let want = canonical(&project(&d, task));
        prop_assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            prop_assert_eq!((&g.0, g.1, g.2, &g.3), (&w.0, w.1, w.2, &w.3));
            prop_assert_eq!(g.4.len(), w.4.len(), "{}", g.0);
            for (gs, ws) in g.4.iter().zip(&w.4) {
                prop_assert_eq!(&gs.0, &ws.0);
                prop_assert_eq!(&gs.2, &ws.2);
                prop_assert_eq!(gs.3, ws.3);
                prop_assert_eq!(gs.1.len(), ws.1.len());
                for (a, b) in gs.1.iter().zip(&ws.1) {
                    prop_assert!((a - b).abs() < 1e-6, "{} vs {}", a, b);
                }
            }
        }
    }
}

fn labelkit_yolo_stem(name: &str) -> String {
    Path::new(name)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

// ---------------------------------------------------------------------------
// Hostile names: what the writer writes and where.

/// One 100x100 image per `(file name, subset)`, each with a box of class 0,
/// and `classes` labels.
fn named_dataset(images: &[(&str, &str)], classes: &[&str]) -> Dataset {
    let mut d = Dataset::new();
    for c in classes {
        d.labels.push(Label::new(*c));
    }
    for (i, (name, subset)) in images.iter().enumerate() {
        let id = i as u64 + 1;
        d.images.push(image(id, name, 100, 100, subset));
        d.annotations.push(ann(
            id,
            id,
            0,
            Geometry::Box(BoxGeom::from_xyxy(10.0, 10.0, 30.0, 50.0)),
        ));
    }
    d
}

/// The entries of `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const INJECTED_SUBSET: &str = "v\rdownload: bash -c 'touch /tmp/labelkit-pwned'\r#";

#[test]
fn names_and_subsets_cannot_inject_keys_into_data_yaml() {
    let classes = [
        "cat\ndownload: x",
        "dog\r#",
        "yes",
        "0x1F",
        "say \"hi\" \\ back",
        "line\u{2028}sep\u{2029}par\u{85}nel",
        "汽车",
        "- dash",
    ];
    let d = named_dataset(
        &[
            ("a.jpg", INJECTED_SUBSET),
            ("b.jpg", "val"),
            ("c.jpg", "x\ny"),
        ],
        &classes,
    );
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("ds");
    write_path(&d, &target, &WriteOptions::default()).unwrap();
    let text = fs::read_to_string(target.join("data.yaml")).unwrap();
    // No line break besides `\n`, and no key but those labelkit writes.
    assert!(
        !text.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}']),
        "{text:?}"
    );
    let doc = &YamlLoader::load_from_str(&text).unwrap()[0];
    let mut keys: Vec<String> = doc
        .as_hash()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect();
    keys.sort();
    assert_eq!(keys, ["names", "nc", "task", "train", "val"]);
    assert_eq!(
        doc["train"].as_str(),
        Some("images/v_download_ bash -c 'touch _tmp_labelkit-pwned'_#")
    );
    assert_eq!(doc["val"].as_str(), Some("images/val"));
    let names: Vec<&str> = (0..classes.len())
        .map(|i| doc["names"][i].as_str().unwrap())
        .collect();
    assert_eq!(names, classes);
    // The folders are the sanitised subsets.
    assert_eq!(
        entries(&target.join("labels")),
        [
            "v_download_ bash -c 'touch _tmp_labelkit-pwned'_#",
            "val",
            "x_y"
        ]
    );
    // labelkit reads the names back exactly.
    let back = read_path(&target, &ReadOptions::default()).unwrap();
    let got: Vec<&str> = back
        .dataset
        .labels
        .iter()
        .map(|(_, l)| l.name.as_str())
        .collect();
    assert_eq!(got, classes);
    // So does PyYAML, which Ultralytics loads it with, when it is installed.
    let py = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, yaml\n\
             d = yaml.safe_load(open(sys.argv[1], encoding='utf-8'))\n\
             print(' '.join(sorted(d)))\n\
             print(' '.join(d['names'][i].encode('utf-8').hex() for i in range(d['nc'])))",
        )
        .arg(target.join("data.yaml"))
        .output();
    match py {
        Ok(o) if o.status.success() => {
            let hex: Vec<String> = classes
                .iter()
                .map(|c| c.bytes().map(|b| format!("{b:02x}")).collect())
                .collect();
            assert_eq!(
                String::from_utf8(o.stdout).unwrap(),
                format!("names nc task train val\n{}\n", hex.join(" "))
            );
        }
        _ => eprintln!("PyYAML not available: data.yaml checked with yaml-rust2 only"),
    }
}

#[test]
fn subsets_cannot_add_lines_to_obj_data() {
    let d = named_dataset(
        &[("a.jpg", "train"), ("b.jpg", "v\nnames = /etc/passwd")],
        &["cat"],
    );
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("dk");
    write_path(
        &d,
        &target,
        &WriteOptions::default().layout(Layout::Darknet),
    )
    .unwrap();
    assert_eq!(
        fs::read_to_string(target.join("obj.data")).unwrap(),
        "classes = 1\ntrain = data/train.txt\nvalid = data/v_names = _etc_passwd.txt\n\
         names = data/obj.names\nbackup = backup/\n"
    );
    assert_eq!(
        fs::read_to_string(target.join("v_names = _etc_passwd.txt")).unwrap(),
        "data/obj_v_names = _etc_passwd_data/b.jpg\n"
    );
}

#[test]
fn darknet_refuses_names_it_cannot_hold_on_one_line() {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("dk");
    let darknet = WriteOptions::default().layout(Layout::Darknet);
    for (class, image) in [
        ("cat\nnames = /etc/passwd", "a.jpg"),
        ("cat\r", "a.jpg"),
        (" cat", "a.jpg"),
        ("", "a.jpg"),
        ("cat", "a\nb.jpg"),
    ] {
        let d = named_dataset(&[(image, "train")], &[class]);
        let err = write_path(&d, &target, &darknet).unwrap_err().to_string();
        let named = if image == "a.jpg" {
            format!("{class:?}")
        } else {
            format!("{image:?}")
        };
        assert!(err.contains(&named), "{err}");
        assert!(err.starts_with("refusing to write the"), "{err}");
        assert!(entries(out.path()).is_empty(), "{err}");
    }
}

#[test]
fn two_subsets_with_one_folder_are_refused() {
    let d = named_dataset(&[("a.jpg", "a/b"), ("b.jpg", "a:b")], &["cat"]);
    let out = tempfile::tempdir().unwrap();
    let err = write_path(&d, &out.path().join("ds"), &WriteOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "the subsets \"a/b\" and \"a:b\" would both be written to the folder \"a_b\": rename one of them"
    );
    assert!(entries(out.path()).is_empty());
}

#[test]
fn labels_that_would_share_a_file_are_refused() {
    let d = named_dataset(&[("a.jpg", "train"), ("a.png", "train")], &["cat"]);
    let out = tempfile::tempdir().unwrap();
    for parallel in [false, true] {
        let err = write_path(
            &d,
            &out.path().join("ds"),
            &WriteOptions::default().parallel_writes(parallel),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "the labels of image \"a.jpg\" and the labels of image \"a.png\" would both be \
             written to labels/train/a.txt: rename one of them"
        );
        assert!(entries(out.path()).is_empty());
    }
}

#[test]
fn outputs_equal_but_for_case_are_refused() {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("ds");
    let d = named_dataset(&[("c.png", "train"), ("C.png", "train")], &["cat"]);
    for parallel in [false, true] {
        let err = write_path(
            &d,
            &target,
            &WriteOptions::default().parallel_writes(parallel),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "the labels of image \"c.png\" and the labels of image \"C.png\" would be \
             written to labels/train/c.txt and labels/train/C.txt, which collide on \
             case-insensitive file systems (macOS, Windows): rename one of them"
        );
    }
    // Beyond ASCII (simple lowercase), and the copied images too.
    let src = tempfile::tempdir().unwrap();
    fs::write(src.path().join("\u{c9}t\u{c9}.jpg"), b"jpg").unwrap();
    fs::write(src.path().join("\u{e9}t\u{e9}.JPG"), b"jpg").unwrap();
    let d = named_dataset(
        &[
            ("\u{c9}t\u{c9}.jpg", "train"),
            ("\u{e9}t\u{e9}.JPG", "train"),
        ],
        &["cat"],
    );
    let copy = WriteOptions::default().images(ImageMode::Copy, Some(src.path().to_path_buf()));
    let err = write_path(&d, &target, &copy).unwrap_err().to_string();
    assert_eq!(
        err,
        "the labels of image \"\u{c9}t\u{c9}.jpg\" and the labels of image \"\u{e9}t\u{e9}.JPG\" \
         would be written to labels/train/\u{c9}t\u{c9}.txt and labels/train/\u{e9}t\u{e9}.txt, \
         which collide on case-insensitive file systems (macOS, Windows): rename one of them"
    );
    // Darknet subsets `Train` and `train`: their image lists collide.
    let d = named_dataset(&[("a.jpg", "Train"), ("b.jpg", "train")], &["cat"]);
    let darknet = WriteOptions::default().layout(Layout::Darknet);
    let err = write_path(&d, &target, &darknet).unwrap_err().to_string();
    assert_eq!(
        err,
        "the file Train.txt and the file train.txt would be written to Train.txt and \
         train.txt, which collide on case-insensitive file systems (macOS, Windows): \
         rename one of them"
    );
    assert!(entries(out.path()).is_empty());
    // Names that differ otherwise are written side by side.
    let d = named_dataset(&[("c.png", "train"), ("d.png", "train")], &["cat"]);
    write_path(&d, &target, &WriteOptions::default()).unwrap();
    assert!(target.join("labels/train/c.txt").is_file());
    assert!(target.join("labels/train/d.txt").is_file());
}

#[test]
fn a_copied_image_cannot_replace_a_darknet_label_file() {
    let src = tempfile::tempdir().unwrap();
    fs::write(src.path().join("b.jpg"), b"jpg").unwrap();
    fs::write(src.path().join("b.txt"), b"not an image").unwrap();
    let d = named_dataset(&[("b.jpg", "train"), ("b.txt", "train")], &["cat"]);
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("dk");
    let options = WriteOptions::default()
        .layout(Layout::Darknet)
        .images(ImageMode::Copy, Some(src.path().to_path_buf()));
    let err = write_path(&d, &target, &options).unwrap_err().to_string();
    assert_eq!(
        err,
        "the labels of image \"b.jpg\" and the labels of image \"b.txt\" would both be \
         written to obj_train_data/b.txt: rename one of them"
    );
    // With only the image `b.txt`, its copy and its labels share the path.
    let d = named_dataset(&[("b.txt", "train")], &["cat"]);
    let err = write_path(&d, &target, &options).unwrap_err().to_string();
    assert_eq!(
        err,
        "the labels of image \"b.txt\" and the image \"b.txt\" would both be \
         written to obj_train_data/b.txt: rename one of them"
    );
    // A file that another needs as its folder.
    let d = named_dataset(&[("x.jpg", "train"), ("x.jpg/y.jpg", "train")], &["cat"]);
    let err = write_path(
        &d,
        &out.path().join("ds"),
        &WriteOptions::default().images(ImageMode::Copy, Some(src.path().to_path_buf())),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "the image \"x.jpg\" would be written to images/train/x.jpg, the folder of the image \
         \"x.jpg/y.jpg\" (images/train/x.jpg/y.jpg): rename one of them"
    );
    assert!(entries(out.path()).is_empty());
}

#[cfg(unix)]
#[test]
fn images_outside_the_image_root_or_not_regular_files_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret.jpg"), b"secret").unwrap();
    let src = tempfile::tempdir().unwrap();
    let root = src.path().join("ds");
    fs::create_dir_all(root.join("images")).unwrap();
    fs::write(root.join("images/ok.jpg"), b"jpg").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.jpg"),
        root.join("images/link.jpg"),
    )
    .unwrap();
    fs::create_dir(root.join("images/folder.jpg")).unwrap();
    let fifo = root.join("images/fifo.jpg");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let secret = outside.path().join("secret.jpg");
    let canonical_secret = fs::canonicalize(&secret).unwrap();
    let canonical_root = fs::canonicalize(&root).unwrap();
    let mut cases: Vec<(String, String)> = vec![
        (
            "/etc/passwd".into(),
            format!(
                "it resolves to /etc/passwd, outside the image folder {}",
                canonical_root.display()
            ),
        ),
        (
            format!("../{}", "../".repeat(20) + "etc/passwd"),
            "it resolves to /etc/passwd, outside".into(),
        ),
        (
            secret.to_string_lossy().into_owned(),
            format!("it resolves to {}, outside", canonical_secret.display()),
        ),
        (
            "images/link.jpg".into(),
            format!("it resolves to {}, outside", canonical_secret.display()),
        ),
        (
            "images/folder.jpg".into(),
            "images/folder.jpg is not a regular file".into(),
        ),
    ];
    if made.is_ok_and(|s| s.success()) {
        cases.push((
            "images/fifo.jpg".into(),
            "images/fifo.jpg is not a regular file".into(),
        ));
    }
    let out = tempfile::tempdir().unwrap();
    for (name, why) in &cases {
        let d = named_dataset(&[("images/ok.jpg", "train"), (name, "val")], &["cat"]);
        for mode in [ImageMode::Copy, ImageMode::HardLink, ImageMode::Symlink] {
            let err = write_path(
                &d,
                &out.path().join("ds"),
                &WriteOptions::default().images(mode, Some(root.clone())),
            )
            .unwrap_err()
            .to_string();
            assert!(
                err.starts_with(&format!("refusing to copy or link the image {name:?}: ")),
                "{err}"
            );
            assert!(err.contains(why.as_str()), "{err}\nwanted: {why}");
            assert!(entries(out.path()).is_empty(), "{err}");
        }
    }
    assert_eq!(fs::read(&secret).unwrap(), b"secret");
    // The image inside the root is still copied.
    let d = named_dataset(&[("images/ok.jpg", "train")], &["cat"]);
    write_path(
        &d,
        &out.path().join("ds"),
        &WriteOptions::default().images(ImageMode::HardLink, Some(root.clone())),
    )
    .unwrap();
    assert_eq!(
        fs::read(out.path().join("ds/images/train/ok.jpg")).unwrap(),
        b"jpg"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    /// Whatever the class and subset names, data.yaml holds exactly the keys
    /// labelkit writes and the names read back as they were.
    #[test]
    fn data_yaml_holds_any_names_exactly(
        classes in prop::collection::vec(any::<String>(), 1..4),
        subset in "\\PC{0,8}|[\r\n\u{85}\u{2028}\u{2029}:#'\" a-z]{1,12}",
    ) {
        // `test` gets a key of its own.
        prop_assume!(subset != "test");
        let refs: Vec<&str> = classes.iter().map(String::as_str).collect();
        let d = named_dataset(&[("a.jpg", &subset)], &refs);
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("ds");
        write_path(&d, &target, &WriteOptions::default()).unwrap();
        let text = fs::read_to_string(target.join("data.yaml")).unwrap();
        prop_assert!(!text.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}']), "{:?}", text);
        let doc = &YamlLoader::load_from_str(&text).unwrap()[0];
        let mut keys: Vec<&str> = doc.as_hash().unwrap().keys().map(|k| k.as_str().unwrap()).collect();
        keys.sort_unstable();
        prop_assert_eq!(keys, ["names", "nc", "task", "train", "val"]);
        for (i, c) in classes.iter().enumerate() {
            prop_assert_eq!(doc["names"][i].as_str(), Some(c.as_str()));
        }
    }
}

/// One image holding a box of each of 20,000 classes, every fourth box
/// given twice: duplicates are dropped (and counted) by hashing, so the
/// rows of a crowded image cost linear time, and the first of equal rows
/// stays in place.
#[test]
fn many_rows_on_one_image_drop_only_their_duplicates() {
    let n: u32 = 20_000;
    let mut d = Dataset::new();
    d.images.push(image(1, "a.png", 1000, 1000, "train"));
    let mut id = 0;
    for c in 0..n {
        d.labels.push(Label::new(format!("l{c}")));
        let copies = if c % 4 == 0 { 2 } else { 1 };
        for _ in 0..copies {
            id += 1;
            // -0.0 and 0.0 are the same coordinate.
            let x = if id % 2 == 0 { -0.0 } else { 0.0 };
            d.annotations.push(ann(
                id,
                1,
                c,
                Geometry::Box(BoxGeom::from_xyxy(x, 10.0, 30.0, 50.0)),
            ));
        }
    }
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("ds");
    let report = write_path(&d, &target, &WriteOptions::default().task(Task::Detect)).unwrap();
    assert_eq!(report.count("duplicate rows"), u64::from(n / 4), "{report}");
    assert_eq!(report.annotations_written, u64::from(n));
    let rows = label_rows(&target);
    assert_eq!(rows.len(), n as usize);
    for (c, row) in rows.iter().enumerate() {
        assert_eq!(row, &vec![c as f64, 0.015, 0.03, 0.03, 0.04], "row {c}");
    }
}

/// One image `a.jpg` of `width x height` whose objects are groups of the
/// given shapes, label `thing`.
fn one_image(width: u32, height: u32, groups: Vec<Vec<Geometry>>) -> Dataset {
    let mut d = Dataset::default();
    let label = d.labels.push(Label::new("thing"));
    d.images.push(Image {
        id: ImageId(1),
        file_name: "a.jpg".into(),
        width,
        height,
        ..Image::default()
    });
    let mut id = 1;
    for (g, shapes) in groups.into_iter().enumerate() {
        for geometry in shapes {
            let mut a = Annotation::new(AnnotationId(id), ImageId(1), label, geometry);
            a.group = Some(GroupId(g as u64 + 1));
            d.annotations.push(a);
            id += 1;
        }
    }
    d
}

fn window_mask(left: u32, top: u32, width: u32, height: u32, counts: Vec<u32>) -> Geometry {
    Geometry::Mask(labelkit_model::Mask {
        encoding: labelkit_model::rle::MaskEncoding::Window {
            left,
            top,
            width,
            height,
            counts,
        },
    })
}

#[test]
fn segment_traces_masks_and_keeps_the_box_of_one_too_fragmented_to_trace() {
    // A 4 x 2 mask at (2, 1) with a 2 x 1 notch: an L of 6 corners; its
    // box is represented by the row.
    let l_mask = window_mask(2, 1, 4, 2, vec![0, 2, 2, 4]);
    let l_box = Geometry::Box(BoxGeom::from_xyxy(2.0, 1.0, 6.0, 3.0));
    // One column of 2^20 + 1 rows: more row runs than are traced; its box
    // is written instead.
    let rows = (1u32 << 20) + 1;
    let tall = window_mask(0, 0, 1, rows, vec![0, rows]);
    let tall_box = Geometry::Box(BoxGeom::from_xyxy(0.0, 0.0, 1.0, f64::from(rows)));
    let d = one_image(10, rows, vec![vec![l_box, l_mask], vec![tall, tall_box]]);
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("ds");
    let report = write_path(&d, &target, &WriteOptions::default().task(Task::Segment)).unwrap();
    let rows_read = label_rows(&target);
    let h = f64::from(rows);
    let px: Vec<Vec<(f64, f64)>> = rows_read
        .iter()
        .map(|r| {
            r[1..]
                .chunks(2)
                .map(|c| ((c[0] * 10.0).round(), (c[1] * h).round()))
                .collect()
        })
        .collect();
    assert_eq!(
        px[0],
        [
            (2.0, 1.0),
            (4.0, 1.0),
            (4.0, 2.0),
            (6.0, 2.0),
            (6.0, 3.0),
            (2.0, 3.0)
        ]
    );
    assert_eq!(px[1], [(0.0, 0.0), (1.0, 0.0), (1.0, h), (0.0, h)]);
    assert_eq!(
        report.count("masks written as polygons (traced along pixel borders)"),
        1,
        "{report}"
    );
    assert_eq!(
        report.count("boxes (segment keeps the mask outline)"),
        1,
        "{report}"
    );
    assert_eq!(
        report.count("masks too fragmented to trace (more than 2^20 row runs)"),
        1,
        "{report}"
    );
    assert_eq!(
        report.count("boxes written as 4-corner polygons"),
        1,
        "{report}"
    );
}

/// The writer plans, formats and writes a bounded batch of images at a
/// time (4096): a dataset of two batches and a part writes every image's
/// label file, with the rows and the report of a dataset written at once
/// (clipped boxes and duplicate rows counted across every batch).
#[test]
fn datasets_larger_than_a_write_batch_are_written_whole() {
    const N: u64 = 2 * 4096 + 5;
    let mut d = Dataset::new();
    d.labels.push(Label::new("cat"));
    d.labels.push(Label::new("dog"));
    let (mut clipped, mut duplicates, mut rows) = (0u64, 0u64, 0u64);
    let mut next = 1;
    for i in 0..N {
        let subset = if i.is_multiple_of(2) { "train" } else { "val" };
        d.images
            .push(image(i + 1, &format!("img{i:05}.jpg"), 100, 80, subset));
        if i.is_multiple_of(3) {
            continue; // No object: an empty label file.
        }
        // Past the right edge of the 100 px image on every 7th image.
        let x_max = if i.is_multiple_of(7) { 150.0 } else { 50.0 };
        let copies = if i.is_multiple_of(11) { 2 } else { 1 };
        for _ in 0..copies {
            let b = BoxGeom::from_xyxy(10.0, 10.0, x_max, 40.0);
            d.annotations
                .push(ann(next, i + 1, (i % 2) as u32, Geometry::Box(b)));
            next += 1;
            if i.is_multiple_of(7) {
                clipped += 1;
            }
        }
        duplicates += copies - 1;
        rows += 1;
    }
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("ds");
    let report = write_path(&d, &target, &WriteOptions::default().task(Task::Detect)).unwrap();
    assert_eq!(report.images_written, N);
    assert_eq!(report.annotations_written, rows);
    assert_eq!(
        report.losses().collect::<Vec<_>>(),
        [
            ("coordinates clipped to the image", clipped),
            ("duplicate rows", duplicates)
        ]
    );
    assert_eq!((clipped, duplicates, rows), (851, 497, 5464));
    let label = |i: u64| {
        let subset = if i.is_multiple_of(2) { "train" } else { "val" };
        fs::read_to_string(target.join(format!("labels/{subset}/img{i:05}.txt"))).unwrap()
    };
    // Around the end of the first batch (images 0 to 4095), past the edge
    // twice (one row), twice, and the last image.
    assert_eq!(label(4094), "0 0.3 0.3125 0.4 0.375\n");
    assert_eq!(label(4095), "");
    assert_eq!(label(4096), "0 0.3 0.3125 0.4 0.375\n");
    assert_eq!(label(4097), "1 0.3 0.3125 0.4 0.375\n");
    assert_eq!(label(4235), "1 0.55 0.3125 0.9 0.375\n");
    assert_eq!(label(8195), "1 0.3 0.3125 0.4 0.375\n");
    assert_eq!(label(8196), "");
    let files = |subset: &str| {
        fs::read_dir(target.join("labels").join(subset))
            .unwrap()
            .count()
    };
    assert_eq!((files("train"), files("val")), (4099, 4098));
    assert_eq!(ultralytics_check(&target), rows as usize);
}
