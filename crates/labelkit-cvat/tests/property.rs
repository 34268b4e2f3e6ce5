//! `read(write(d)) == project(d)` for generated datasets.

use std::path::Path;

use labelkit_cvat::{project, read_bytes, write_to, ReadOptions, Variant, WriteOptions};
use labelkit_model::rle::MaskEncoding;
use labelkit_model::{
    Annotation, AnnotationId, AttributeSpec, AttributeValue, Attributes, BoxGeom, Cuboid, Dataset,
    Ellipse, Geometry, GroupId, Image, ImageId, InputType, Keypoint, Keypoints, Label, LabelId,
    Mask, Point, Points, Polygon, Polyline, Precision, Track, TrackId, TrackShape, Visibility,
};
use proptest::prelude::*;

fn coord() -> impl Strategy<Value = f64> {
    prop_oneof![(-2000i32..6000).prop_map(f64::from), -1.0e4f64..1.0e4]
}

fn point() -> impl Strategy<Value = Point> {
    (coord(), coord()).prop_map(|(x, y)| Point::new(x, y))
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _<>&\"'.-]{0,8}"
}

/// Labels 0..3 are plain (0 with attributes), 3 is a skeleton with elements
/// 4 and 5.
fn labels() -> Vec<Label> {
    let mut plain = Label::new("person & co");
    plain.kind = Some("any".into());
    plain.color = Some("#ff0000".into());
    plain.attributes = vec![
        AttributeSpec {
            name: "flag".into(),
            input_type: InputType::Checkbox,
            mutable: false,
            default: Some("false".into()),
            values: vec!["false".into(), "true".into()],
        },
        AttributeSpec {
            name: "n".into(),
            input_type: InputType::Number,
            mutable: true,
            default: Some("0".into()),
            values: vec!["0".into(), "100".into(), "1".into()],
        },
        AttributeSpec {
            name: "t".into(),
            input_type: InputType::Text,
            mutable: false,
            default: None,
            values: vec![],
        },
    ];
    let mut skeleton = Label::new("body");
    skeleton.kind = Some("skeleton".into());
    let mut left = Label::new("left_eye");
    left.parent = Some(LabelId(3));
    let mut right = Label::new("right_eye");
    right.parent = Some(LabelId(3));
    vec![
        plain,
        Label::new("car"),
        Label::new("x<y"),
        skeleton,
        left,
        right,
    ]
}

fn attributes(label: u32) -> BoxedStrategy<Attributes> {
    if label != 0 {
        return Just(Attributes::new()).boxed();
    }
    (any::<bool>(), proptest::option::of(-50i32..50), text())
        .prop_map(|(b, n, t)| {
            let mut a = Attributes::new();
            a.set("flag", AttributeValue::Bool(b));
            if let Some(n) = n {
                a.set("n", AttributeValue::Number(f64::from(n) / 4.0));
            }
            a.set("t", AttributeValue::Text(t));
            a
        })
        .boxed()
}

fn geometry() -> impl Strategy<Value = (u32, Geometry)> {
    prop_oneof![
        (point(), point(), prop_oneof![Just(0.0), -180.0f64..180.0]).prop_map(|(a, b, r)| (
            0,
            Geometry::Box(BoxGeom {
                x_min: a.x,
                y_min: a.y,
                x_max: b.x,
                y_max: b.y,
                rotation: r
            })
        )),
        proptest::collection::vec(proptest::collection::vec(point(), 0..5), 0..3)
            .prop_map(|rings| (1, Geometry::Polygon(Polygon { rings }))),
        proptest::collection::vec(point(), 0..5)
            .prop_map(|points| (2, Geometry::Polyline(Polyline { points }))),
        proptest::collection::vec(point(), 0..5)
            .prop_map(|points| (0, Geometry::Points(Points { points }))),
        (point(), 0.0f64..100.0, 0.0f64..100.0, -90.0f64..90.0).prop_map(
            |(c, rx, ry, rotation)| (
                1,
                Geometry::Ellipse(Ellipse {
                    cx: c.x,
                    cy: c.y,
                    rx,
                    ry,
                    rotation
                })
            )
        ),
        proptest::array::uniform16(coord())
            .prop_map(|coords| (2, Geometry::Cuboid(Box::new(Cuboid { coords })))),
        (0u32..50, 0u32..50, 1u32..6, 1u32..6, any::<u64>()).prop_map(
            |(left, top, width, height, seed)| {
                let area = width * height;
                let cut = u32::try_from(seed % u64::from(area + 1)).unwrap();
                let counts = vec![cut, area - cut];
                (
                    0,
                    Geometry::Mask(Mask {
                        encoding: MaskEncoding::Window {
                            left,
                            top,
                            width,
                            height,
                            counts,
                        },
                    }),
                )
            }
        ),
        Just((1, Geometry::Tag)),
        proptest::collection::vec((point(), 0u8..3), 2).prop_map(|pts| {
            let names = ["left_eye", "right_eye"];
            let points = pts
                .into_iter()
                .zip(names)
                .map(|((p, v), n)| Keypoint {
                    name: Some(n.into()),
                    x: p.x,
                    y: p.y,
                    visibility: Visibility::from_coco_code(v).unwrap(),
                })
                .collect();
            (3, Geometry::Keypoints(Keypoints { points }))
        }),
    ]
}

fn annotation(
) -> impl Strategy<Value = (usize, u32, Geometry, bool, i32, Option<u64>, Option<String>)> {
    (
        0usize..4,
        geometry(),
        any::<bool>(),
        -3i32..4,
        proptest::option::of(1u64..5),
        proptest::option::of(prop_oneof![
            Just("manual".to_owned()),
            Just("auto".to_owned())
        ]),
    )
        .prop_map(|(img, (label, g), occ, z, group, source)| (img, label, g, occ, z, group, source))
}

fn image_dataset() -> impl Strategy<Value = Dataset> {
    (
        proptest::collection::vec(
            (
                1u32..5000,
                1u32..5000,
                proptest::option::of(prop_oneof![Just("train"), Just("val")]),
                text(),
            ),
            1..4,
        ),
        proptest::collection::vec(
            annotation().prop_flat_map(|a| {
                let l = a.1;
                (Just(a), attributes(l))
            }),
            0..8,
        ),
        proptest::option::of(text()),
    )
        .prop_map(|(images, anns, name)| {
            let mut d = Dataset::new();
            d.info.name = name;
            d.labels.labels = labels();
            d.images = images
                .into_iter()
                .enumerate()
                .map(|(i, (w, h, subset, file))| Image {
                    id: ImageId(i as u64 * 3 + 1),
                    file_name: format!("{file}{i}.jpg"),
                    width: w,
                    height: h,
                    subset: subset.map(str::to_owned),
                    ..Image::default()
                })
                .collect();
            let n = d.images.len();
            d.annotations = anns
                .into_iter()
                .enumerate()
                .map(|(i, ((img, label, g, occ, z, group, source), attrs))| {
                    let mut a = Annotation::new(
                        AnnotationId(100 + i as u64),
                        d.images[img % n].id,
                        LabelId(label),
                        g,
                    );
                    a.occluded = occ;
                    a.z_order = z;
                    a.group = group.map(GroupId);
                    a.source = source.map(Into::into);
                    a.attributes = attrs;
                    a.score = Some(0.5);
                    a
                })
                .collect();
            d
        })
}

fn track_dataset() -> impl Strategy<Value = Dataset> {
    let shape = (
        1u64..4,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        -2i32..3,
        point(),
        point(),
    );
    (
        proptest::collection::vec(
            (
                0u32..3,
                proptest::collection::vec(shape, 1..4),
                any::<bool>(),
            ),
            1..4,
        ),
        any::<bool>(),
    )
        .prop_map(|(tracks, with_skeleton)| {
            let mut d = Dataset::new();
            d.labels.labels = labels();
            let mut next = 0;
            for (label, shapes, as_points) in tracks {
                let mut frame = 0;
                let shapes = shapes
                    .into_iter()
                    .map(|(step, keyframe, outside, occluded, z_order, a, b)| {
                        frame += step;
                        let geometry = if as_points {
                            Geometry::Points(Points { points: vec![a, b] })
                        } else {
                            Geometry::Box(BoxGeom::from_xyxy(a.x, a.y, b.x, b.y))
                        };
                        let mut attributes = Attributes::new();
                        if label == 0 {
                            attributes.set("t", AttributeValue::Text(format!("f{frame}")));
                        }
                        TrackShape {
                            frame,
                            keyframe,
                            outside,
                            occluded,
                            z_order,
                            geometry,
                            attributes,
                        }
                    })
                    .collect();
                d.tracks.push(Track {
                    id: TrackId(next),
                    label: LabelId(label),
                    group: None,
                    source: Some("manual".into()),
                    crowd: false,
                    shapes,
                    elements: vec![],
                    kept: labelkit_model::Kept::default(),
                });
                next += 1;
            }
            if with_skeleton {
                let tag = |frame: u64| TrackShape {
                    frame,
                    keyframe: true,
                    outside: false,
                    occluded: false,
                    z_order: 0,
                    geometry: Geometry::Tag,
                    attributes: Attributes::new(),
                };
                let el = |id: u64, label: u32, x: f64| Track {
                    id: TrackId(id),
                    label: LabelId(label),
                    group: None,
                    source: None,
                    crowd: false,
                    shapes: vec![
                        TrackShape {
                            frame: 0,
                            keyframe: true,
                            outside: false,
                            occluded: false,
                            z_order: 0,
                            geometry: Geometry::Points(Points {
                                points: vec![Point::new(x, 1.5)],
                            }),
                            attributes: Attributes::new(),
                        },
                        TrackShape {
                            frame: 2,
                            keyframe: true,
                            outside: true,
                            occluded: false,
                            z_order: 0,
                            geometry: Geometry::Points(Points {
                                points: vec![Point::new(x, 2.5)],
                            }),
                            attributes: Attributes::new(),
                        },
                    ],
                    elements: vec![],
                    kept: labelkit_model::Kept::default(),
                };
                d.tracks.push(Track {
                    id: TrackId(next),
                    label: LabelId(3),
                    group: Some(GroupId(2)),
                    source: Some("manual".into()),
                    crowd: false,
                    shapes: vec![tag(0), tag(2)],
                    elements: vec![el(0, 4, 1.0), el(1, 5, 2.0)],
                    kept: labelkit_model::Kept::default(),
                });
            }
            d
        })
}

fn round_trip(d: &Dataset, variant: Variant) -> Dataset {
    let mut out = Vec::new();
    // Exact numbers: the projection keeps every bit.
    let options = WriteOptions::new()
        .variant(variant)
        .precision(Precision::Shortest);
    write_to(d, &mut out, &options).unwrap();
    let loaded = read_bytes(Path::new("p.xml"), &out, &ReadOptions::default()).unwrap();
    assert!(
        loaded.issues.is_empty(),
        "{:?}\n{}",
        loaded.issues,
        String::from_utf8_lossy(&out)
    );
    loaded.dataset
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn images_round_trip_to_the_projection(d in image_dataset()) {
        let expected = project(&d);
        let got = round_trip(&d, Variant::Images);
        prop_assert_eq!(&got, &expected);
        // The projection is a fixed point.
        prop_assert_eq!(project(&expected), expected.clone());
        prop_assert_eq!(round_trip(&got, Variant::Images), got);
    }

    #[test]
    fn tracks_round_trip_to_the_projection(d in track_dataset()) {
        let expected = project(&d);
        let got = round_trip(&d, Variant::Video);
        prop_assert_eq!(&got, &expected);
    }
}
