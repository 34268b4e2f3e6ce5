//! Skeleton tracks in the form CVAT's own exporter writes (CVAT for video,
//! `<skeleton>` states holding one `<points label=..>` per element): every
//! element point survives CVAT -> CVAT, and a conversion to COCO gives the
//! keypoints of each frame, each element interpolated on its own, with
//! visibility 0 where the element is outside.

use labelkit::model::Visibility;
use labelkit::{convert, read, ConvertOptions, Dataset, Format, Geometry, ReadOptions, Strictness};

/// Written from the "Interpolation" example of CVAT's XML format
/// documentation, with a skeleton of two elements over frames 0..=5.
const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../crates/labelkit-cvat/tests/fuzz_seeds/video_skeleton_elements.xml"
);

/// Each element track of the first track: label, then per state frame,
/// keyframe, outside, occluded, point and attributes.
fn elements(d: &Dataset) -> Vec<(String, Vec<String>)> {
    d.tracks[0]
        .elements
        .iter()
        .map(|e| {
            let states = e
                .shapes
                .iter()
                .map(|s| {
                    format!(
                        "{} k{} o{} c{} {:?} {:?}",
                        s.frame, s.keyframe, s.outside, s.occluded, s.geometry, s.attributes
                    )
                })
                .collect();
            (d.labels.name(e.label).to_owned(), states)
        })
        .collect()
}

#[test]
fn cvat_video_skeleton_track_round_trips_through_the_facade_strictly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("back.xml");
    let options = ConvertOptions::new().strictness(Strictness::Material);
    let report = convert(
        std::path::Path::new(FILE),
        &out,
        None,
        Format::CvatVideo,
        &options,
    )
    .unwrap();
    assert_eq!(report.from, Format::CvatVideo);
    assert!(report.read_issues.is_empty(), "{:?}", report.read_issues);
    assert_eq!(report.write.losses().count(), 0);
    let source = read(std::path::Path::new(FILE), None, &ReadOptions::default()).unwrap();
    let back = read(&out, None, &ReadOptions::default()).unwrap();
    assert!(back.issues.is_empty(), "{:?}", back.issues);
    let (a, b) = (elements(&source.dataset), elements(&back.dataset));
    assert_eq!(a.len(), 2);
    assert_eq!(a.iter().map(|e| e.1.len()).sum::<usize>(), 8);
    for (ea, eb) in a.iter().zip(&b) {
        assert_eq!(ea, eb);
    }
    assert_eq!(a, b);
    assert_eq!(source.dataset.tracks, back.dataset.tracks);
}

/// An image's file name and its skeleton's keypoints `(x, y, visibility)`.
type FrameKeypoints = (String, Vec<(f64, f64, Visibility)>);

#[test]
fn cvat_video_skeleton_track_to_coco_interpolates_each_element() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    let report = convert(
        std::path::Path::new(FILE),
        &out,
        None,
        Format::Coco,
        &ConvertOptions::new(),
    )
    .unwrap();
    assert!(report.read_issues.is_empty(), "{:?}", report.read_issues);
    let back = read(&out, Some(Format::Coco), &ReadOptions::default())
        .unwrap()
        .dataset;
    let mut got: Vec<FrameKeypoints> = back
        .annotations
        .iter()
        .filter_map(|a| {
            // The COCO reader may also give the annotation's bbox as a box.
            let Geometry::Keypoints(k) = &a.geometry else {
                return None;
            };
            let image = back.images.iter().find(|i| i.id == a.image).unwrap();
            Some((
                image.file_name.clone(),
                k.points.iter().map(|p| (p.x, p.y, p.visibility)).collect(),
            ))
        })
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let (v, occ, out_) = (
        Visibility::Visible,
        Visibility::Occluded,
        Visibility::Absent,
    );
    // nose: (10,20) at 0, outside from its keyframe at 2 (moving towards
    // (14,24) on frame 1, holding it while outside), back at (20,30) on 4.
    // tail: (30,40) occluded at 0 (the flag holds on 1), (40,50) at 2,
    // (50,60) at 4; frame 3 halfway between. The skeleton leaves at 5.
    let want: Vec<FrameKeypoints> = vec![
        (
            "frame_000000".into(),
            vec![(10.0, 20.0, v), (30.0, 40.0, occ)],
        ),
        (
            "frame_000001".into(),
            vec![(12.0, 22.0, v), (35.0, 45.0, occ)],
        ),
        (
            "frame_000002".into(),
            vec![(14.0, 24.0, out_), (40.0, 50.0, v)],
        ),
        (
            "frame_000003".into(),
            vec![(14.0, 24.0, out_), (45.0, 55.0, v)],
        ),
        (
            "frame_000004".into(),
            vec![(20.0, 30.0, v), (50.0, 60.0, v)],
        ),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for ((gi, gp), (wi, wp)) in got.iter().zip(&want) {
        assert_eq!(gi, wi);
        assert_eq!(gp.len(), wp.len(), "{gi}");
        for (g, w) in gp.iter().zip(wp) {
            assert_eq!(g.2, w.2, "{gi}: {gp:?}");
            if w.2 != Visibility::Absent {
                assert!(
                    (g.0 - w.0).abs() < 1e-9 && (g.1 - w.1).abs() < 1e-9,
                    "{gi}: {gp:?}"
                );
            }
        }
    }
    let category = &back.labels.labels[0];
    assert_eq!(category.name, "skel");
}
