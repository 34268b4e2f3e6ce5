//! The same data across formats, read through labelkit's readers: no
//! change beyond the precision of the formats; a known edit of one file is
//! exactly one change.

use labelkit::{Format, ImageSizes, ReadOptions, WriteOptions};
use labelkit_diff::{diff, ChangeKind, DiffOptions, Facet, Tolerance};

use super::util::{changes, corpus, of_kind};

const GTS: &str = "review_object_detection_metrics/data/database/gts";

fn read(path: &std::path::Path, options: &ReadOptions) -> labelkit::Dataset {
    labelkit::read(path, None, options).unwrap().dataset
}

fn cvat_gts() -> labelkit::Dataset {
    read(
        &corpus(&format!("{GTS}/cvat_format/annotations.xml")),
        &ReadOptions::new(),
    )
}

/// CVAT's own COCO export of the task (real files): the same 273 boxes.
#[test]
fn a_cvat_task_and_its_coco_export_are_equal() {
    let cvat = cvat_gts();
    let coco = read(
        &corpus(&format!("{GTS}/coco_format_v1/instances_default.json")),
        &ReadOptions::new(),
    );
    let d = diff(&cvat, &coco, &DiffOptions::new());
    assert!(d.is_empty(), "{:#?}", &d.images[..d.images.len().min(3)]);
    assert_eq!(d.summary.images_unchanged, 100);
    assert_eq!((d.summary.objects_old, d.summary.objects_new), (273, 273));
    assert_eq!(d.summary.objects_unchanged, 273);
    assert!(d.notes.is_empty(), "{:?}", d.notes);
}

/// CVAT's own YOLO 1.1 export of the task (real files, 6 decimals of the
/// normalised size; sizes in px from the CVAT file): equal within the
/// precision of the two formats, and not equal at a tolerance of zero,
/// which shows the rounding is there and the tolerance absorbs it.
#[test]
fn a_cvat_task_and_its_yolo_export_are_equal_within_the_formats_precision() {
    let cvat = cvat_gts();
    let sizes = ImageSizes::from_dataset(&cvat);
    let yolo = read(
        &corpus(&format!("{GTS}/yolo_format")),
        &ReadOptions::new().image_sizes(sizes),
    );
    assert_eq!(yolo.annotations.len(), 273);
    let d = diff(&cvat, &yolo, &DiffOptions::new());
    assert!(d.is_empty(), "{:#?}", &d.images[..d.images.len().min(3)]);
    assert_eq!(d.summary.images_unchanged, 100);
    assert_eq!(d.summary.objects_unchanged, 273);
    let exact = diff(
        &cvat,
        &yolo,
        &DiffOptions::new().tolerance(Tolerance::Px(0.0)),
    );
    assert!(!exact.is_empty(), "6 decimals of 500 px are not exact");
    assert_eq!(exact.summary.per_kind.get(ChangeKind::Added), 0);
    assert_eq!(exact.summary.per_kind.get(ChangeKind::Removed), 0);
    for c in changes(&exact) {
        for f in &c.facets {
            match f {
                Facet::Moved { dx, dy } => assert!(dx.abs().max(dy.abs()) < 0.01, "{f:?}"),
                Facet::Resized { dw, dh } => assert!(dw.abs().max(dh.abs()) < 0.01, "{f:?}"),
                other => panic!("only rounding expected: {other:?}"),
            }
        }
    }
}

/// One box of the CVAT file edited (moved 3 px right and 2 px up; another
/// relabelled; a third deleted): the diff against the untouched COCO
/// export says exactly that, on the right image.
#[test]
fn an_edited_cvat_file_against_its_coco_export() {
    let xml =
        std::fs::read_to_string(corpus(&format!("{GTS}/cvat_format/annotations.xml"))).unwrap();
    let moved = r#"<box label="person" occluded="0" source="manual" xtl="26.00" ytl="189.00" xbr="44.00" ybr="238.00" z_order="0">"#;
    assert_eq!(xml.matches(moved).count(), 1);
    let relabelled = r#"<box label="aeroplane" occluded="0" source="manual" xtl="133.00" ytl="88.00" xbr="197.00" ybr="123.00" z_order="0">"#;
    assert_eq!(xml.matches(relabelled).count(), 1);
    let deleted = r#"<box label="aeroplane" occluded="0" source="manual" xtl="104.00" ytl="78.00" xbr="375.00" ybr="183.00" z_order="0">
    </box>"#;
    assert_eq!(xml.matches(deleted).count(), 1);
    let edited = xml
        .replace(
            moved,
            &moved.replace(
                r#"xtl="26.00" ytl="189.00" xbr="44.00" ybr="238.00""#,
                r#"xtl="29.00" ytl="187.00" xbr="47.00" ybr="236.00""#,
            ),
        )
        .replace(relabelled, &relabelled.replace("aeroplane", "bird"))
        .replace(deleted, "");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("annotations.xml");
    std::fs::write(&path, edited).unwrap();
    let new = read(&path, &ReadOptions::new());
    let old = read(
        &corpus(&format!("{GTS}/coco_format_v1/instances_default.json")),
        &ReadOptions::new(),
    );
    let d = diff(&old, &new, &DiffOptions::new());
    assert_eq!(d.images.len(), 1);
    let image = &d.images[0];
    assert_eq!(image.key, "2007_000032");
    assert_eq!(
        image.new.as_ref().map(|i| (i.width, i.height)),
        Some((500, 281))
    );
    assert_eq!(image.changes.len(), 3, "{:#?}", image.changes);
    let moved = of_kind(&d, ChangeKind::Moved);
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].label(), "person");
    assert_eq!(moved[0].facets, vec![Facet::Moved { dx: 3.0, dy: -2.0 }]);
    let relabelled = of_kind(&d, ChangeKind::Relabelled);
    assert_eq!(relabelled.len(), 1);
    assert_eq!(
        relabelled[0].facets,
        vec![Facet::Relabelled {
            from: "aeroplane".into(),
            to: "bird".into()
        }]
    );
    let removed = of_kind(&d, ChangeKind::Removed);
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].label(), "aeroplane");
    assert_eq!(
        removed[0].old.as_ref().and_then(|o| o.bbox),
        Some([104.0, 78.0, 271.0, 105.0])
    );
    assert_eq!(d.summary.images_changed, 1);
    assert_eq!(d.summary.images_unchanged, 99);
    assert_eq!(d.summary.objects_unchanged, 270);
    assert_eq!(d.summary.per_label["bird"].get(ChangeKind::Relabelled), 1);
    assert_eq!(d.summary.per_label["aeroplane"].get(ChangeKind::Removed), 1);
    assert_eq!(d.summary.per_label["person"].get(ChangeKind::Moved), 1);
}

/// A generated dataset (the people generator: boxes, outlines, keypoint
/// sets, attributes) written as CVAT by labelkit, read back, written as
/// YOLO detect by labelkit and read back with the sizes of the CVAT file:
/// no change, compared in what both hold (the boxes), with notes saying
/// what was not compared. Then one YOLO label file edited by hand: that one
/// box moved.
#[test]
fn a_generated_cvat_dataset_and_its_yolo_export_are_equal() {
    let mut people = with_outlines(labelkit_testkit::people::person_dataset(12, 3, 7));
    // An attribute YOLO cannot hold, on every box.
    for a in &mut people.annotations {
        if a.geometry.kind() == labelkit::GeometryKind::Box {
            a.attributes.set(
                "pose",
                labelkit::model::AttributeValue::Text("standing".into()),
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("annotations.xml");
    labelkit::write(&people, &xml, Format::CvatImages, &WriteOptions::new()).unwrap();
    let cvat = read(&xml, &ReadOptions::new());
    let count = |k: labelkit::GeometryKind| {
        cvat.annotations
            .iter()
            .filter(|a| a.geometry.kind() == k)
            .count()
    };
    let n = count(labelkit::GeometryKind::Box);
    assert!(n > 12 * 3 * 10, "{n}");
    let (polygons, keypoints) = (
        count(labelkit::GeometryKind::Polygon),
        count(labelkit::GeometryKind::Keypoints),
    );
    assert!(polygons > 0 && keypoints > 0, "{polygons} {keypoints}");
    assert!(cvat.annotations.iter().any(|a| !a.attributes.is_empty()));
    let yolo_dir = dir.path().join("yolo");
    labelkit::write(
        &cvat,
        &yolo_dir,
        Format::YoloUltralytics,
        &WriteOptions::new().yolo_task(labelkit::yolo::Task::Detect),
    )
    .unwrap();
    let read_yolo = |dir: &std::path::Path| {
        read(
            dir,
            &ReadOptions::new().image_sizes(ImageSizes::from_dataset(&cvat)),
        )
    };
    let yolo = read_yolo(&yolo_dir);
    let d = diff(&cvat, &yolo, &DiffOptions::new());
    assert!(d.is_empty(), "{:#?}", &d.images[..d.images.len().min(2)]);
    assert_eq!(yolo.annotations.len(), n);
    assert_eq!(d.summary.images_unchanged, 12);
    assert_eq!(d.summary.objects_unchanged, n);
    assert_eq!(d.notes[0], format!("{polygons} polygons and {keypoints} keypoint sets of the old side not compared: the new side's format (YOLO detect) holds no polygons or keypoints"));
    assert_eq!(
        d.notes[1],
        "attributes not compared: the new side's format (YOLO) holds none"
    );
    // The other way round, the notes name the old side's format.
    let back = diff(&yolo, &cvat, &DiffOptions::new());
    assert!(back.is_empty());
    assert_eq!(back.notes[0], format!("{polygons} polygons and {keypoints} keypoint sets of the new side not compared: the old side's format (YOLO detect) holds no polygons or keypoints"));
    // Two versions of the YOLO tree: nothing left out, nothing noted.
    assert!(diff(&yolo, &yolo.clone(), &DiffOptions::new())
        .notes
        .is_empty());

    // Edit the first row of one label file: its centre x by 0.01 of the
    // 640 px width = 6.4 px.
    let label_file = walk(&yolo_dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .find(|p| {
            p.file_stem()
                .is_some_and(|s| s.to_string_lossy().contains('5'))
        })
        .expect("a label file");
    let text = std::fs::read_to_string(&label_file).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut cols: Vec<String> = lines[0].split_whitespace().map(str::to_owned).collect();
    let cx: f64 = cols[1].parse().unwrap();
    cols[1] = format!("{}", cx + 0.01);
    lines[0] = cols.join(" ");
    std::fs::write(&label_file, lines.join("\n") + "\n").unwrap();
    let edited = read_yolo(&yolo_dir);
    let d = diff(&cvat, &edited, &DiffOptions::new());
    assert_eq!(d.images.len(), 1);
    assert_eq!(
        d.images[0].key,
        label_file.file_stem().unwrap().to_string_lossy()
    );
    let all = changes(&d);
    assert_eq!(all.len(), 1, "{all:#?}");
    match all[0].facets[..] {
        [Facet::Moved { dx, dy }] => {
            assert!((dx - 6.4).abs() < 0.01, "{dx}");
            assert!(dy.abs() < 0.01, "{dy}: rounding only");
        }
        ref other => panic!("{other:?}"),
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A real CVAT for video file (Datumaro's test asset), its tracks edited
/// in the XML: one box track moved on frame 10 and visible again on frame
/// 13, a polyline track relabelled. The frames are matched by number and
/// each track change is listed on its first frame.
#[test]
fn edited_tracks_of_a_cvat_video() {
    let path = corpus("datumaro-cvat-ai/tests/assets/cvat_dataset/for_video/annotations.xml");
    let xml = std::fs::read_to_string(&path).unwrap();
    let box10 = r#"<box frame="10" outside="0" occluded="1" keyframe="1" xtl="3.00" ytl="4.00" xbr="10.00" ybr="5.00" z_order="0">"#;
    let box13 = r#"<box frame="13" outside="1" occluded="0" keyframe="1" xtl="7.00" ytl="6.00" xbr="14.00" ybr="8.00" z_order="0">"#;
    let polyline = r#"<track id="2" label="II">"#;
    for s in [box10, box13, polyline] {
        assert_eq!(xml.matches(s).count(), 1, "{s}");
    }
    let edited = xml
        .replace(
            box10,
            &box10
                .replace(r#"xtl="3.00""#, r#"xtl="5.00""#)
                .replace(r#"xbr="10.00""#, r#"xbr="12.00""#),
        )
        .replace(box13, &box13.replace(r#"outside="1""#, r#"outside="0""#))
        .replace(polyline, r#"<track id="2" label="klhg">"#);
    let dir = tempfile::tempdir().unwrap();
    let new_path = dir.path().join("annotations.xml");
    std::fs::write(&new_path, edited).unwrap();
    let old = read(&path, &ReadOptions::new());
    let new = read(&new_path, &ReadOptions::new());
    assert_eq!(old.tracks.len(), 4);
    let same = diff(&old, &old, &DiffOptions::new());
    assert!(same.is_empty());
    assert_eq!(same.summary.objects_unchanged, 4);

    let d = diff(&old, &new, &DiffOptions::new());
    assert!(d.notes.is_empty(), "{:?}", d.notes);
    let keys: Vec<&str> = d.images.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["frame 10", "frame 13"]);
    let moved = &d.images[0].changes;
    assert_eq!(moved.len(), 1, "{moved:#?}");
    assert_eq!(moved[0].label(), "II");
    assert!(moved[0]
        .old
        .as_ref()
        .is_some_and(|o| o.track && o.annotation == 0));
    assert_eq!(
        moved[0].facets,
        [
            Facet::Moved { dx: 2.0, dy: 0.0 },
            Facet::Track {
                frames_added: vec![13],
                frames_removed: vec![]
            }
        ]
    );
    let relabelled = &d.images[1].changes;
    assert_eq!(relabelled.len(), 1);
    assert_eq!(
        relabelled[0].facets,
        [Facet::Relabelled {
            from: "II".into(),
            to: "klhg".into()
        }]
    );
    assert_eq!(d.summary.objects_unchanged, 2);
    // The file lists no image of its frames: the changes are listed under
    // their frames, no image is counted.
    assert!(d.images.iter().all(|i| i.old.is_none() && i.new.is_none()));
    assert_eq!(d.summary.images_changed, 0);
}

/// The same CVAT file exported as YOLO segment (outlines kept as
/// polygons): its polygons are compared, and a moved outline is found;
/// the boxes and keypoint sets YOLO segment cannot hold are noted.
#[test]
fn a_cvat_dataset_and_its_yolo_segment_export_compare_polygons() {
    let people = with_outlines(labelkit_testkit::people::person_dataset(6, 3, 11));
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("annotations.xml");
    labelkit::write(&people, &xml, Format::CvatImages, &WriteOptions::new()).unwrap();
    let cvat = read(&xml, &ReadOptions::new());
    let polygons = cvat
        .annotations
        .iter()
        .filter(|a| a.geometry.kind() == labelkit::GeometryKind::Polygon)
        .count();
    assert!(polygons > 0);
    let seg_dir = dir.path().join("seg");
    let mut only_polygons = cvat.clone();
    only_polygons
        .annotations
        .retain(|a| a.geometry.kind() == labelkit::GeometryKind::Polygon);
    labelkit::write(
        &only_polygons,
        &seg_dir,
        Format::YoloUltralytics,
        &WriteOptions::new().yolo_task(labelkit::yolo::Task::Segment),
    )
    .unwrap();
    let sizes = ImageSizes::from_dataset(&cvat);
    let mut seg = read(&seg_dir, &ReadOptions::new().image_sizes(sizes));
    assert_eq!(seg.annotations.len(), polygons);
    let d = diff(&cvat, &seg, &DiffOptions::new());
    assert!(d.is_empty(), "{:#?}", &d.images[..d.images.len().min(2)]);
    assert_eq!(d.summary.objects_unchanged, polygons);
    assert!(
        d.notes[0].ends_with(
            "of the old side not compared: the new side's format (YOLO segment) holds no boxes or keypoints"
        ),
        "{:?}",
        d.notes
    );
    // One outline moved 5 px right on the YOLO side: one reshape.
    let labelkit::Geometry::Polygon(p) = &mut seg.annotations[0].geometry else {
        panic!("a polygon")
    };
    for ring in &mut p.rings {
        for v in ring {
            v.x += 5.0;
        }
    }
    let d = diff(&cvat, &seg, &DiffOptions::new());
    let all = changes(&d);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(
        all[0].old.as_ref().map(|o| o.kind),
        Some(labelkit::GeometryKind::Polygon)
    );
    assert!(
        all[0]
            .facets
            .iter()
            .any(|f| matches!(f, Facet::Moved { dx, .. } if (dx - 5.0).abs() < 0.01)),
        "{:?}",
        all[0].facets
    );
}

/// `d` with a diamond outline inside each of its keypoint sets' bounds
/// (the people generator draws no polygons), of the label and group of
/// the set's body box (one object, which a YOLO detect export writes as
/// its box).
fn with_outlines(mut d: labelkit::Dataset) -> labelkit::Dataset {
    let mut next = d.annotations.iter().map(|a| a.id.0).max().unwrap_or(0);
    let mut outlines = Vec::new();
    for a in &d.annotations {
        let labelkit::Geometry::Keypoints(_) = &a.geometry else {
            continue;
        };
        let Some(b) = a.geometry.bounds() else {
            continue;
        };
        // The body box of the set's group: the outline is of its label.
        let Some(body) = d.annotations.iter().find(|o| {
            o.group.is_some()
                && o.group == a.group
                && o.geometry.kind() == labelkit::GeometryKind::Box
        }) else {
            continue;
        };
        let (cx, cy) = ((b.x_min + b.x_max) / 2.0, (b.y_min + b.y_max) / 2.0);
        next += 1;
        let mut outline = labelkit::Annotation::new(
            labelkit::AnnotationId(next),
            a.image,
            body.label,
            labelkit::Geometry::Polygon(labelkit::model::Polygon {
                rings: vec![vec![
                    labelkit::model::Point::new(cx, b.y_min),
                    labelkit::model::Point::new(b.x_max, cy),
                    labelkit::model::Point::new(cx, b.y_max),
                    labelkit::model::Point::new(b.x_min, cy),
                ]],
            }),
        );
        outline.group = a.group;
        outlines.push(outline);
    }
    d.annotations.extend(outlines);
    d
}
