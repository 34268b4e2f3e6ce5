//! Strategies for the tests that hold the rules' spatial indexes to the
//! pairwise loops they replace: boxes and points on coarse lattices, so
//! exact ties, identical boxes and values right at a threshold are common,
//! mixed with degenerate, inverted, tiny and non-finite ones.

use std::ops::Range;

use labelkit_model::{BoxGeom, Geometry, GroupId, Keypoint, Keypoints, Visibility};
use proptest::collection::vec;
use proptest::prelude::*;

/// Up to 60 boxes or gaps (`None`) for an IoU index: coordinates on a
/// quarter-pixel lattice, or anywhere in ±1000, or huge (1e301), or tiny
/// (1e-200); boxes inverted, 1e-150 wide, or up to 5 pixels wide.
pub fn iou_boxes() -> impl Strategy<Value = Vec<Option<BoxGeom>>> {
    let coord = prop_oneof![
        (0i32..40).prop_map(|v| f64::from(v) / 4.0),
        -1e3f64..1e3,
        Just(1e301),
        Just(1e-200),
    ];
    let b =
        (coord.clone(), coord, 0i32..40, 0i32..40, 0u8..10).prop_map(
            |(x, y, w, h, kind)| match kind {
                0 => None,
                1 => Some(BoxGeom::from_xyxy(x, y, x - 1.0, y + 1.0)),
                2 => Some(BoxGeom::from_xyxy(
                    x,
                    y,
                    x + f64::from(w + 1) * 1e-150,
                    y + f64::from(h + 1) * 1e-150,
                )),
                _ => Some(BoxGeom::from_xyxy(
                    x,
                    y,
                    x + f64::from(w) / 8.0,
                    y + f64::from(h) / 8.0,
                )),
            },
        );
    vec(b, 0..60)
}

/// Crowds that exercise an IoU index's block pruning: 40 to 300 boxes
/// growing by a step each (monotone), nested boxes, sliding boxes, boxes
/// growing from one edge, shuffled by a stride or not; steps near the
/// threshold's edge make IoUs land right at it.
pub fn box_crowds() -> impl Strategy<Value = Vec<Option<BoxGeom>>> {
    let step = prop_oneof![
        Just(0.001),
        Just(0.125),
        Just(0.25),
        0.0f64..2.0,
        (1i32..40).prop_map(|v| f64::from(v) / 16.0),
    ];
    (0u8..5, step, 40usize..300, 1usize..7, -50f64..50.0).prop_map(|(kind, step, n, stride, x)| {
        let mut v: Vec<Option<BoxGeom>> = (0..n)
            .map(|i| {
                #[allow(clippy::cast_precision_loss)]
                let s = step * i as f64;
                Some(match kind {
                    0 => BoxGeom::from_xyxy(x - 10.0 - s, 0.0, x + 10.0 + s, 20.0),
                    1 => BoxGeom::from_xyxy(x + s, s, x + 400.0 - s, 100.0 + s),
                    2 => BoxGeom::from_xyxy(x + s, 3.0, x + 30.0 + 2.0 * s, 40.0),
                    // Growing against a fixed right (or top) edge:
                    // offsets right at (1 - t) times the width.
                    3 => BoxGeom::from_xyxy(x - s, 0.0, x + 27.0, 20.0),
                    _ => BoxGeom::from_xyxy(0.0, x - s, 20.0, x + 27.0),
                })
            })
            .collect();
        if stride > 1 {
            let mut shuffled = Vec::with_capacity(n);
            for r in 0..stride {
                shuffled.extend(v.iter().skip(r).step_by(stride).copied());
            }
            v = shuffled;
        }
        v
    })
}

/// A coordinate for containment: mostly a half-pixel lattice in -4..12
/// (exact ties on every edge), else anywhere in ±1000, -0, NaN, ±infinity
/// or a value 1e-300 apart from 3.
pub fn edge_coord() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => (-8i32..24).prop_map(|v| f64::from(v) / 2.0),
        1 => -1e3f64..1e3,
        1 => Just(-0.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => (0i32..4).prop_map(|v| 3.0 + f64::from(v) * 1e-300),
    ]
}

/// A box of [`edge_coord`]s: a point, a 1e-12 box, an inverted box, or
/// any box.
pub fn edge_box() -> impl Strategy<Value = BoxGeom> {
    (
        edge_coord(),
        edge_coord(),
        0u8..8,
        edge_coord(),
        edge_coord(),
    )
        .prop_map(|(x, y, kind, a, b)| match kind {
            0 => BoxGeom::from_xyxy(x, y, x, y),
            1 => BoxGeom::from_xyxy(x, y, x + 1e-12, y + 1e-12),
            2 => BoxGeom::from_xyxy(x, y, x - 1.0, y - 1.0),
            _ => BoxGeom::from_xyxy(x.min(a), y.min(b), x.max(a), y.max(b)),
        })
}

/// A containment tolerance: mostly 2, else 0, ±0.5, NaN, infinity or
/// anything in 0..3.
pub fn edge_tolerance() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => Just(2.0),
        2 => Just(0.0),
        1 => Just(0.5),
        1 => Just(-0.5),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => 0.0f64..3.0,
    ]
}

/// A coordinate on an image of about 40 pixels: mostly twice a value of
/// `lattice`, else anywhere in 0..40, or NaN.
pub fn grid_coord(lattice: Range<i32>) -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => lattice.prop_map(|v| f64::from(v) * 2.0),
        1 => 0.0f64..40.0,
        1 => Just(f64::NAN),
    ]
}

/// A box labelled with one of `labels` label indexes, of
/// [`grid_coord`]s on the lattice 0..20: point-sized, 1e-9 wide, or any.
pub fn labelled_box(labels: usize) -> impl Strategy<Value = (usize, Geometry)> {
    let c = || grid_coord(0..20);
    (0..labels, c(), c(), c(), c(), 0u8..6).prop_map(|(label, x, y, w, h, kind)| {
        let g = match kind {
            0 => BoxGeom::from_xyxy(x, y, x, y),
            1 => BoxGeom::from_xyxy(x, y, x + 1e-9, y + 1e-9),
            _ => BoxGeom::from_xyxy(x, y, x + w, y + h),
        };
        (label, Geometry::Box(g))
    })
}

/// `[schema]` TOML over `labels`: a part tolerance (2, 0, 1 or 0.5) and up
/// to four part rules, each naming one or two parents, including a label
/// that is its own parent. Returns the text and the tolerance.
pub fn part_schema(labels: &'static [&'static str]) -> impl Strategy<Value = (String, f64)> {
    use std::fmt::Write as _;
    let rule = (0..labels.len(), vec(0..labels.len(), 1..3));
    (
        vec(rule, 0..4),
        prop_oneof![Just(2.0), Just(0.0), Just(1.0), Just(0.5)],
    )
        .prop_map(move |(rules, tol)| {
            let mut toml = format!("[schema]\npart-tolerance = {tol:?}\n[schema.parts]\n");
            let mut seen = Vec::new();
            for (part, parents) in rules {
                if seen.contains(&part) {
                    continue;
                }
                seen.push(part);
                let names: Vec<String> = parents
                    .iter()
                    .map(|&p| format!("{:?}", labels[p]))
                    .collect();
                let _ = writeln!(toml, "{} = [{}]", labels[part], names.join(", "));
            }
            (toml, tol)
        })
}

/// No group, or one of groups 1 to 3.
pub fn small_group() -> impl Strategy<Value = Option<GroupId>> {
    prop_oneof![Just(None), (1u64..4).prop_map(|g| Some(GroupId(g)))]
}

/// A box or a set of up to 4 unnamed keypoints (`true`), in a
/// [`small_group`], of [`grid_coord`]s on the lattice -2..24; a quarter of
/// the points are absent.
pub fn box_or_keypoints() -> impl Strategy<Value = (bool, Option<GroupId>, Geometry)> {
    let c = || grid_coord(-2..24);
    let point = (c(), c(), 0u8..4).prop_map(|(x, y, v)| Keypoint {
        name: None,
        x,
        y,
        visibility: if v == 0 {
            Visibility::Absent
        } else {
            Visibility::Visible
        },
    });
    prop_oneof![
        (small_group(), c(), c(), c(), c()).prop_map(|(g, x, y, w, h)| {
            (
                false,
                g,
                Geometry::Box(BoxGeom::from_xyxy(x, y, x + w, y + h)),
            )
        }),
        (small_group(), vec(point, 0..5)).prop_map(|(g, points)| (
            true,
            g,
            Geometry::Keypoints(Keypoints { points })
        )),
    ]
}
