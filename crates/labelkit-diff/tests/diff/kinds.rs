//! A generated pair with a known change of every kind: exact counts,
//! kinds, shifts and labels.

use labelkit::model::rle::MaskEncoding;
use labelkit::model::{
    AttributeValue, Geometry, GeometryKind, Keypoint, Keypoints, Mask, Point, Polygon, Track,
    TrackId, TrackShape, Visibility,
};
use labelkit_diff::{
    diff, AttributeChange, ChangeKind, CompanionGroup, DiffOptions, Facet, KeypointChange,
};

use super::util::{bx, changes, dataset, image, of_kind, shape};

const LABELS: [&str; 10] = [
    "head", "eye", "body", "hand", "dog", "cat", "car", "male", "female", "person",
];

fn keypoints(points: &[(f64, f64, Visibility)]) -> Geometry {
    Geometry::Keypoints(Keypoints {
        points: points
            .iter()
            .enumerate()
            .map(|(i, &(x, y, visibility))| Keypoint {
                name: Some(format!("p{i}").into()),
                x,
                y,
                visibility,
            })
            .collect(),
    })
}

fn square_with_centre_vertex(cy: f64) -> Geometry {
    Geometry::Polygon(Polygon {
        rings: vec![vec![
            Point::new(0.0, 0.0),
            Point::new(50.0, 0.0),
            Point::new(50.0, 50.0),
            Point::new(25.0, cy),
            Point::new(0.0, 50.0),
        ]],
    })
}

/// The old and the new side: one change of each kind on `a/img1.jpg`, an
/// image removed (`img2`), an image added (`img3`), an unchanged image
/// (`img4`).
pub(crate) fn pair() -> (labelkit::Dataset, labelkit::Dataset) {
    let mut old = dataset(&LABELS);
    let mut new = dataset(&LABELS);
    let (o1, n1) = (
        image(&mut old, "a/img1.jpg", 640, 480),
        image(&mut new, "b/img1.png", 640, 480),
    );
    // Unchanged.
    shape(&mut old, o1, "head", bx(500.0, 10.0, 540.0, 50.0));
    shape(&mut new, n1, "head", bx(500.0, 10.0, 540.0, 50.0));
    // Moved (+3, -2).
    shape(&mut old, o1, "head", bx(100.0, 100.0, 140.0, 140.0));
    shape(&mut new, n1, "head", bx(103.0, 98.0, 143.0, 138.0));
    // Removed and added.
    shape(&mut old, o1, "eye", bx(200.0, 200.0, 210.0, 206.0));
    shape(&mut new, n1, "eye", bx(312.0, 40.0, 320.0, 46.0));
    // Resized (+10, 0) about the same centre.
    shape(&mut old, o1, "body", bx(300.0, 300.0, 400.0, 450.0));
    shape(&mut new, n1, "body", bx(295.0, 300.0, 405.0, 450.0));
    // Reshaped: one vertex 5 px down, bounds unchanged.
    shape(&mut old, o1, "hand", square_with_centre_vertex(25.0));
    shape(&mut new, n1, "hand", square_with_centre_vertex(30.0));
    // Relabelled.
    shape(&mut old, o1, "dog", bx(400.0, 50.0, 480.0, 120.0));
    shape(&mut new, n1, "cat", bx(400.0, 50.0, 480.0, 120.0));
    // Attributes and occlusion.
    let a = shape(&mut old, o1, "car", bx(10.0, 10.0, 90.0, 60.0));
    old.annotations[a]
        .attributes
        .set("color", AttributeValue::Text("red".into()));
    old.annotations[a]
        .attributes
        .set("parked", AttributeValue::Bool(true));
    let a = shape(&mut new, n1, "car", bx(10.0, 10.0, 90.0, 60.0));
    new.annotations[a]
        .attributes
        .set("color", AttributeValue::Text("blue".into()));
    new.annotations[a]
        .attributes
        .set("parked", AttributeValue::Text("true".into()));
    new.annotations[a]
        .attributes
        .set("truncated", AttributeValue::Bool(false));
    new.annotations[a].occluded = true;
    // Companions: a body gains `male`, another swaps `female` for `male`.
    shape(&mut old, o1, "body", bx(10.0, 200.0, 110.0, 400.0));
    shape(&mut new, n1, "body", bx(10.0, 200.0, 110.0, 400.0));
    shape(&mut new, n1, "male", bx(10.0, 200.0, 110.0, 400.5));
    shape(&mut old, o1, "body", bx(120.0, 200.0, 200.0, 400.0));
    shape(&mut old, o1, "female", bx(120.0, 200.0, 200.0, 400.0));
    shape(&mut new, n1, "body", bx(120.0, 200.0, 200.0, 400.0));
    shape(&mut new, n1, "male", bx(121.0, 201.0, 199.0, 399.0));
    // Keypoints: p1 moves (3, 4), p2 becomes occluded.
    shape(
        &mut old,
        o1,
        "person",
        keypoints(&[
            (600.0, 300.0, Visibility::Visible),
            (610.0, 310.0, Visibility::Visible),
            (620.0, 330.0, Visibility::Visible),
        ]),
    );
    shape(
        &mut new,
        n1,
        "person",
        keypoints(&[
            (600.0, 300.0, Visibility::Visible),
            (613.0, 314.0, Visibility::Visible),
            (620.0, 330.0, Visibility::Occluded),
        ]),
    );
    // Removed image with two shapes.
    let o2 = image(&mut old, "img2.jpg", 320, 240);
    shape(&mut old, o2, "eye", bx(1.0, 1.0, 5.0, 5.0));
    shape(&mut old, o2, "eye", bx(10.0, 1.0, 15.0, 5.0));
    // Added image with one.
    let n3 = image(&mut new, "img3.jpg", 320, 240);
    shape(&mut new, n3, "dog", bx(1.0, 1.0, 50.0, 50.0));
    // Unchanged image.
    let o4 = image(&mut old, "img4.jpg", 320, 240);
    let n4 = image(&mut new, "img4.jpg", 320, 240);
    shape(&mut old, o4, "dog", bx(1.0, 1.0, 50.0, 50.0));
    shape(&mut new, n4, "dog", bx(1.0, 1.0, 50.0, 50.0));
    (old, new)
}

pub(crate) fn options() -> DiffOptions {
    DiffOptions::new().companions(vec![CompanionGroup {
        object: "body".into(),
        one_of: vec!["male".into(), "female".into()],
        iou: 0.9,
        edge_tolerance: 1.5,
    }])
}

#[test]
fn every_kind_of_change_is_found_with_its_measure() {
    let (old, new) = pair();
    let d = diff(&old, &new, &options());
    assert!(d.notes.is_empty(), "{:?}", d.notes);
    let keys: Vec<&str> = d.images.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["img1", "img3", "img2"]);
    let s = &d.summary;
    assert_eq!(
        (
            s.images_added,
            s.images_removed,
            s.images_changed,
            s.images_unchanged
        ),
        (1, 1, 1, 1)
    );
    assert_eq!((s.objects_old, s.objects_new), (14, 14));
    // head, img4's dog; the male boxes are not objects of their own.
    assert_eq!(s.objects_unchanged, 2);
    let count = |k| s.per_kind.get(k);
    assert_eq!(count(ChangeKind::Added), 2, "eye, img3's dog");
    assert_eq!(count(ChangeKind::Removed), 3, "eye, img2's two eyes");
    for k in [
        ChangeKind::Moved,
        ChangeKind::Resized,
        ChangeKind::Reshaped,
        ChangeKind::Relabelled,
        ChangeKind::Attributes,
        ChangeKind::Keypoints,
    ] {
        assert_eq!(count(k), 1, "{k:?}");
    }
    assert_eq!(count(ChangeKind::Companions), 2);
    assert_eq!(count(ChangeKind::Track), 0);

    let one = |k| {
        let v = of_kind(&d, k);
        assert_eq!(v.len(), 1, "{k:?}: {v:#?}");
        v[0]
    };
    let moved = one(ChangeKind::Moved);
    assert_eq!(moved.label(), "head");
    assert_eq!(moved.facets, [Facet::Moved { dx: 3.0, dy: -2.0 }]);
    let resized = one(ChangeKind::Resized);
    assert_eq!(resized.label(), "body");
    assert_eq!(resized.facets, [Facet::Resized { dw: 10.0, dh: 0.0 }]);
    let reshaped = one(ChangeKind::Reshaped);
    assert_eq!(reshaped.label(), "hand");
    assert_eq!(
        reshaped.facets,
        [Facet::Reshaped {
            max_shift: 5.0,
            changed_pixels: None
        }]
    );
    assert_eq!(
        one(ChangeKind::Relabelled).facets,
        [Facet::Relabelled {
            from: "dog".into(),
            to: "cat".into()
        }]
    );
    assert_eq!(
        one(ChangeKind::Attributes).facets,
        [
            Facet::Attributes(vec![
                AttributeChange {
                    name: "color".into(),
                    old: Some("red".into()),
                    new: Some("blue".into())
                },
                AttributeChange {
                    name: "truncated".into(),
                    old: None,
                    new: Some("false".into())
                },
            ]),
            Facet::Occluded {
                from: false,
                to: true
            },
        ],
        "a bool true and the text `true` are one value"
    );
    assert_eq!(
        one(ChangeKind::Keypoints).facets,
        [Facet::Keypoints(vec![
            KeypointChange {
                index: 1,
                name: Some("p1".into()),
                distance: Some(5.0),
                old: Visibility::Visible,
                new: Visibility::Visible
            },
            KeypointChange {
                index: 2,
                name: Some("p2".into()),
                distance: Some(0.0),
                old: Visibility::Visible,
                new: Visibility::Occluded
            },
        ])]
    );
    let companions: Vec<&Vec<Facet>> = of_kind(&d, ChangeKind::Companions)
        .iter()
        .map(|c| &c.facets)
        .collect();
    assert_eq!(
        companions,
        [
            &vec![Facet::Companions {
                gained: vec!["male".into()],
                lost: vec![]
            }],
            &vec![Facet::Companions {
                gained: vec!["male".into()],
                lost: vec!["female".into()]
            }],
        ]
    );
    // Added and removed carry their place.
    let added: Vec<(&str, Option<[f64; 4]>)> = of_kind(&d, ChangeKind::Added)
        .iter()
        .map(|c| (c.label(), c.new.as_ref().and_then(|o| o.bbox)))
        .collect();
    assert_eq!(
        added,
        [
            ("eye", Some([312.0, 40.0, 8.0, 6.0])),
            ("dog", Some([1.0, 1.0, 49.0, 49.0]))
        ]
    );
    assert_eq!(s.per_label["eye"].get(ChangeKind::Added), 1);
    assert_eq!(s.per_label["eye"].get(ChangeKind::Removed), 3);
    assert_eq!(s.per_label["body"].get(ChangeKind::Companions), 2);
    assert_eq!(s.per_label["cat"].get(ChangeKind::Relabelled), 1);
}

/// Without companion groups, the companion boxes are objects: added, and a
/// `female` that became a `male` at the same place is a relabel.
#[test]
fn without_companion_groups_companions_are_objects() {
    let (old, new) = pair();
    let d = diff(&old, &new, &DiffOptions::new());
    let s = &d.summary;
    assert_eq!(s.per_kind.get(ChangeKind::Companions), 0);
    assert_eq!(s.per_label["male"].get(ChangeKind::Added), 1);
    assert_eq!(s.per_label["male"].get(ChangeKind::Relabelled), 1);
    assert_eq!(s.per_kind.get(ChangeKind::Relabelled), 2);
}

/// A mask whose pixels change is reshaped by the number of pixels set on
/// one side only, whatever the encodings (CVAT window, COCO runs).
#[test]
fn a_mask_is_reshaped_by_its_changed_pixels() {
    let mut old = dataset(&["blob"]);
    let mut new = dataset(&["blob"]);
    let o = image(&mut old, "m.png", 10, 10);
    let n = image(&mut new, "m.png", 10, 10);
    // Old: a 4x4 window at (2, 2) fully set.
    shape(
        &mut old,
        o,
        "blob",
        Geometry::Mask(Mask {
            encoding: MaskEncoding::Window {
                left: 2,
                top: 2,
                width: 4,
                height: 4,
                counts: vec![0, 16],
            },
        }),
    );
    // New, as COCO column-major runs over the 10x10 image: columns 2..6,
    // rows 2..6, but column 5 only rows 2..4 (2 pixels fewer).
    let mut counts = vec![22u32, 4, 6, 4, 6, 4, 6, 2, 46];
    assert_eq!(counts.iter().sum::<u32>(), 100);
    counts.shrink_to_fit();
    shape(
        &mut new,
        n,
        "blob",
        Geometry::Mask(Mask {
            encoding: MaskEncoding::Coco {
                height: 10,
                width: 10,
                counts: labelkit::model::rle::CocoCounts::Runs(counts),
            },
        }),
    );
    let d = diff(&old, &new, &DiffOptions::new());
    let all = changes(&d);
    assert_eq!(all.len(), 1);
    assert_eq!(
        all[0].facets.last(),
        Some(&Facet::Reshaped {
            max_shift: 2.0,
            changed_pixels: Some(2)
        })
    );
}

fn track(id: u64, label: labelkit::LabelId, frames: &[(u64, f64)]) -> Track {
    Track {
        id: TrackId(id),
        label,
        group: None,
        source: None,
        crowd: false,
        shapes: frames
            .iter()
            .map(|&(frame, x)| TrackShape {
                frame,
                keyframe: true,
                outside: false,
                occluded: false,
                z_order: 0,
                geometry: bx(x, 10.0, x + 40.0, 50.0),
                attributes: Default::default(),
            })
            .collect(),
        elements: Vec::new(),
        kept: Default::default(),
    }
}

/// A video: a track gains a frame and moves 4 px on one, another is new,
/// a third is gone. Frames are matched by number.
#[test]
fn tracks_gain_frames_move_and_come_and_go() {
    let mut old = dataset(&["car", "bus"]);
    old.info.source_format = Some("cvat-video".into());
    for f in 0..12 {
        let id = image(&mut old, &format!("frame_{f:06}.png"), 100, 100);
        old.images.last_mut().unwrap().frame = Some(f);
        let _ = id;
    }
    let mut new = old.clone();
    let car = old.labels.find("car").unwrap();
    let bus = old.labels.find("bus").unwrap();
    old.tracks.push(track(1, car, &[(0, 10.0), (5, 20.0)]));
    new.tracks
        .push(track(1, car, &[(0, 10.0), (5, 24.0), (10, 30.0)]));
    new.tracks.push(track(2, bus, &[(3, 60.0)]));
    old.tracks.push(track(3, bus, &[(7, 60.0), (8, 60.0)]));
    let d = diff(&old, &new, &DiffOptions::new());
    let keys: Vec<&str> = d.images.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["frame 0", "frame 3", "frame 7"]);
    let changed = of_kind(&d, ChangeKind::Track);
    assert_eq!(changed.len(), 1);
    assert!(changed[0]
        .new
        .as_ref()
        .is_some_and(|o| o.track && o.annotation == 0));
    assert_eq!(
        changed[0].facets,
        [
            Facet::Moved { dx: 4.0, dy: 0.0 },
            Facet::Track {
                frames_added: vec![10],
                frames_removed: vec![]
            }
        ]
    );
    assert_eq!(d.summary.per_label["bus"].get(ChangeKind::Added), 1);
    assert_eq!(d.summary.per_label["bus"].get(ChangeKind::Removed), 1);
    assert_eq!(d.summary.images_changed, 3);
    assert_eq!(d.summary.images_unchanged, 9);
}

/// Images are matched by stem across folders and extensions; a stem found
/// twice on a side falls back to the path, with a note.
#[test]
fn ambiguous_stems_are_matched_by_path_with_a_note() {
    let mut old = dataset(&["dog"]);
    let mut new = dataset(&["dog"]);
    let a = image(&mut old, "train/x.jpg", 100, 100);
    let b = image(&mut old, "val/x.jpg", 100, 100);
    shape(&mut old, a, "dog", bx(0.0, 0.0, 10.0, 10.0));
    shape(&mut old, b, "dog", bx(50.0, 50.0, 60.0, 60.0));
    let b2 = image(&mut new, "val/x.png", 100, 100);
    let a2 = image(&mut new, "train/x.png", 100, 100);
    shape(&mut new, a2, "dog", bx(0.0, 0.0, 10.0, 10.0));
    shape(&mut new, b2, "dog", bx(52.0, 50.0, 62.0, 60.0));
    let d = diff(&old, &new, &DiffOptions::new());
    assert_eq!(
        d.notes,
        ["2 images share the stem `x` on one side: matched by path"]
    );
    assert_eq!(d.images.len(), 1);
    assert_eq!(d.images[0].key, "val/x");
    assert_eq!(
        d.images[0].changes[0].facets,
        [Facet::Moved { dx: 2.0, dy: 0.0 }]
    );
}

/// Nothing is left out without a word: annotations of no image and an
/// image listed twice are named in the notes.
#[test]
fn orphans_and_repeated_files_are_noted() {
    let mut old = dataset(&["dog"]);
    let a = image(&mut old, "x.jpg", 100, 100);
    shape(&mut old, a, "dog", bx(0.0, 0.0, 10.0, 10.0));
    let mut new = old.clone();
    shape(
        &mut new,
        labelkit::ImageId(99),
        "dog",
        bx(0.0, 0.0, 10.0, 10.0),
    );
    let b = image(&mut new, "x.jpg", 100, 100);
    shape(&mut new, b, "dog", bx(5.0, 5.0, 20.0, 20.0));
    let d = diff(&old, &new, &DiffOptions::new());
    assert_eq!(
        d.notes,
        [
            "2 images share the stem `x` on one side: matched by path",
            "1 images of the new side repeat the path of an earlier one: matched in order as `PATH#2`, `PATH#3`...",
            "1 annotations of the new side belong to no image: not compared",
        ]
    );
    let keys: Vec<&str> = d.images.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["x#2"]);
    assert_eq!(d.summary.images_added, 1);
    assert_eq!(d.summary.per_kind.get(ChangeKind::Added), 1);
}

/// Companions are boxes: a body's keypoint set lies within the companion
/// edge tolerance of the `female` box over the body (a small body), yet
/// moving its keypoints is a keypoint change only, not a lost `female`; a
/// keypoint set is never an object with companions nor a companion.
#[test]
fn keypoint_sets_are_neither_objects_nor_companions() {
    let mut old = dataset(&LABELS);
    let mut new = dataset(&LABELS);
    let (o, n) = (
        image(&mut old, "img1.jpg", 640, 480),
        image(&mut new, "img1.jpg", 640, 480),
    );
    for (d, i) in [(&mut old, o), (&mut new, n)] {
        shape(d, i, "body", bx(100.0, 100.0, 110.0, 112.0));
        shape(d, i, "female", bx(100.0, 100.0, 110.0, 112.0));
    }
    // The keypoints span the body's box: their bounds coincide with the
    // `female` box until one moves.
    shape(
        &mut old,
        o,
        "body",
        keypoints(&[
            (100.0, 100.0, Visibility::Visible),
            (110.0, 112.0, Visibility::Visible),
        ]),
    );
    shape(
        &mut new,
        n,
        "body",
        keypoints(&[
            (100.0, 100.0, Visibility::Visible),
            (113.0, 116.0, Visibility::Visible),
        ]),
    );
    let d = diff(&old, &new, &options());
    let all = changes(&d);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].kinds(), vec![ChangeKind::Keypoints], "{all:#?}");
    assert_eq!(
        all[0].facets,
        vec![Facet::Keypoints(vec![KeypointChange {
            index: 1,
            name: Some("p1".into()),
            distance: Some(5.0),
            old: Visibility::Visible,
            new: Visibility::Visible,
        }])]
    );
    assert_eq!(d.summary.per_kind.get(ChangeKind::Companions), 0);
    assert_eq!(d.summary.objects_unchanged, 2);
}

/// One object read as two shapes of one group (a COCO annotation's outline
/// and keypoint set, both carrying its attributes): its attribute change
/// counts once, on the first shape; a shape of another group with the same
/// change counts on its own.
#[test]
fn an_attribute_change_counts_once_per_group() {
    let mut old = dataset(&LABELS);
    let mut new = dataset(&LABELS);
    let (o, n) = (
        image(&mut old, "img1.jpg", 640, 480),
        image(&mut new, "img1.jpg", 640, 480),
    );
    for (d, i, pose) in [(&mut old, o, "standing"), (&mut new, n, "sitting")] {
        for (g, x) in [(1u64, 0.0), (2, 300.0)] {
            let outline = shape(d, i, "person", square_with_centre_vertex(25.0));
            let points = shape(
                d,
                i,
                "person",
                keypoints(&[
                    (x + 10.0, 10.0, Visibility::Visible),
                    (x + 40.0, 40.0, Visibility::Visible),
                ]),
            );
            for a in [outline, points] {
                d.annotations[a].group = Some(labelkit::model::GroupId(g));
                d.annotations[a]
                    .attributes
                    .set("pose", AttributeValue::Text(pose.into()));
            }
            if g == 2 {
                // The second group's outline lies elsewhere.
                if let Geometry::Polygon(p) = &mut d.annotations[outline].geometry {
                    for v in &mut p.rings[0] {
                        v.x += x;
                    }
                }
            }
        }
    }
    let d = diff(&old, &new, &DiffOptions::new());
    let all = changes(&d);
    assert_eq!(all.len(), 2, "{all:#?}");
    for c in &all {
        assert_eq!(c.old.as_ref().map(|s| s.kind), Some(GeometryKind::Polygon));
        assert_eq!(
            c.facets,
            vec![Facet::Attributes(vec![AttributeChange {
                name: "pose".into(),
                old: Some("standing".into()),
                new: Some("sitting".into()),
            }])]
        );
    }
    assert_eq!(d.summary.per_kind.get(ChangeKind::Attributes), 2);
    assert_eq!(d.summary.objects_unchanged, 2);
}
