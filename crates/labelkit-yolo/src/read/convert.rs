//! Row conversion: one tokenised row to model shapes, per task (detect,
//! segment, pose, OBB), and the task and precision the rows imply.

use labelkit_diagnostics::{ByteSpan, Diagnostic, FileId, ReadIssue, Rounding};
use labelkit_model::{
    BoxGeom, Geometry, Keypoint, Keypoints, Point, Polygon, StatedCorners, Visibility,
};

use super::Scanned;
use crate::rows::RowFile;
use crate::Task;

/// One shape read from a row, before ids are assigned.
pub(super) enum Shape {
    One(Geometry),
    Pose(BoxGeom, Keypoints),
    /// An OBB row: its corners as written.
    Obb(StatedCorners),
}

/// The corners of an OBB row (8 normalised values, written with at most
/// `decimals` decimals) on an image of `w` x `h` pixels, with the error
/// those decimals allow ([`StatedCorners::resolution`]).
pub(crate) fn obb_corners(v: &[f64], decimals: u32, (w, h): (f64, f64)) -> StatedCorners {
    let p = |i: usize| {
        Point::new(
            v.get(2 * i).copied().unwrap_or(0.0) * w,
            v.get(2 * i + 1).copied().unwrap_or(0.0) * h,
        )
    };
    let exponent = i32::try_from(decimals).unwrap_or(i32::MAX);
    StatedCorners {
        points: [p(0), p(1), p(2), p(3)],
        resolution: 0.5 * 10f64.powi(-exponent) * w.max(h),
    }
}

pub(super) struct Pending {
    pub(super) class: u32,
    pub(super) shape: Shape,
    pub(super) line: ByteSpan,
    /// The rounding of the shape's size, when the image size is known.
    pub(super) rounding: Option<Rounding>,
}

/// The rounding of the size of a shape read from `v` (normalised values
/// written with `decimals`) on an image of `w` x `h` pixels. A box's
/// width and height are written values, each known to half a unit in its
/// last place; a polygon's extent is the difference of two coordinates,
/// known to two such halves (of the coarsest value on its axis); an
/// oriented box's edge joins two corners, each displaced by at most the
/// diagonal of half units on both axes.
pub(super) fn rounding_of(shape: &Shape, decimals: &[u8], (w, h): (f64, f64)) -> Option<Rounding> {
    let half = Rounding::half_unit;
    let coarsest = |it: &mut dyn Iterator<Item = u8>| it.min();
    match shape {
        // A box row (4 values) or a pose row's box: centre and size.
        Shape::Pose(..) | Shape::One(Geometry::Box(_))
            if matches!(shape, Shape::Pose(..)) || decimals.len() == 4 =>
        {
            let (dw, dh) = (*decimals.get(2)?, *decimals.get(3)?);
            Some(Rounding {
                decimals: dw.min(dh),
                width: half(dw) * w,
                height: half(dh) * h,
            })
        }
        Shape::Pose(..) => None,
        // An oriented box: four corners.
        Shape::Obb(_) | Shape::One(Geometry::Box(_)) => {
            let d = coarsest(&mut decimals.iter().copied())?;
            let edge = 2.0 * (half(d) * w).hypot(half(d) * h);
            Some(Rounding {
                decimals: d,
                width: edge,
                height: edge,
            })
        }
        Shape::One(_) => {
            let dx = coarsest(&mut decimals.iter().step_by(2).copied())?;
            let dy = coarsest(&mut decimals.iter().skip(1).step_by(2).copied())?;
            Some(Rounding {
                decimals: dx.min(dy),
                width: 2.0 * half(dx) * w,
                height: 2.0 * half(dy) * h,
            })
        }
    }
}

/// The number of decimals every value of every row is written with, when
/// they all have the same (a fixed-point writer: Datumaro's and CVAT's YOLO
/// exports print `%.6f`); `None` when they differ or there is no row.
pub(super) fn fixed_decimals(scanned: &[Scanned]) -> Option<u32> {
    let mut rows = scanned.iter().flat_map(|s| &s.rows.rows);
    let first = rows.next()?;
    let n = first.decimals;
    (first.fewest_decimals == n && rows.all(|r| r.decimals == n && r.fewest_decimals == n))
        .then_some(n)
}

pub(super) fn infer_task(scanned: &[Scanned]) -> Task {
    let mut any = false;
    let mut all_obb = true;
    let mut any_poly = false;
    for s in scanned {
        for r in &s.rows.rows {
            any = true;
            if r.len != 8 {
                all_obb = false;
            }
            if r.len > 4 {
                any_poly = true;
            }
        }
    }
    if any && all_obb {
        Task::Obb
    } else if any_poly {
        Task::Segment
    } else {
        Task::Detect
    }
}

pub(super) struct RowCtx<'a> {
    pub(super) task: Task,
    pub(super) kpt: Option<(usize, usize)>,
    pub(super) known: &'a (dyn Fn(u32) -> bool + Sync),
    pub(super) names_len: usize,
}

pub(super) fn convert_rows(
    rows: &RowFile,
    file: FileId,
    (w, h): (f64, f64),
    sized: bool,
    ctx: &RowCtx<'_>,
    issues: &mut Vec<Diagnostic>,
) -> Vec<Pending> {
    let mut out = Vec::with_capacity(rows.rows.len());
    'rows: for row in &rows.rows {
        let v = rows.values(row);
        if !(ctx.known)(row.class) {
            issues.push(
                ReadIssue::UnknownClass
                    .at(
                        file,
                        ByteSpan::new(
                            row.line.start as usize,
                            row.line.start as usize + row.class.to_string().len(),
                        ),
                        format!(
                            "class id {} is not in `names` ({} classes)",
                            row.class, ctx.names_len
                        ),
                    )
                    .skipped(),
            );
            continue;
        }
        let wrong = |issues: &mut Vec<Diagnostic>, what: String| {
            issues.push(
                ReadIssue::WrongValueCount
                    .at(file, row.line, what)
                    .skipped(),
            );
        };
        // Indices of values that are coordinates and must lie in range.
        let mut absent = vec![false; v.len()];
        let shape = match ctx.task {
            Task::Pose => {
                let (n, d) = ctx.kpt.unwrap_or((0, 3));
                let expected = 4 + n * d;
                if v.len() != expected {
                    wrong(
                        issues,
                        format!(
                            "expected {expected} values after the class id for a pose row with kpt_shape [{n}, {d}], found {}",
                            v.len()
                        ),
                    );
                    continue;
                }
                let mut points = Vec::with_capacity(n);
                for k in 0..n {
                    let i = 4 + k * d;
                    let (x, y) = (v[i], v[i + 1]);
                    let vis = if d == 3 {
                        let c = v[i + 2];
                        if c == 0.0 {
                            Visibility::Absent
                        } else if c == 1.0 {
                            Visibility::Occluded
                        } else if c == 2.0 {
                            Visibility::Visible
                        } else {
                            {
                                issues.push(
                                    ReadIssue::MalformedValue
                                        .at(
                                            file,
                                            rows.span(row, i + 2),
                                            format!("expected a visibility 0, 1 or 2, found {c}"),
                                        )
                                        .skipped(),
                                );
                                continue 'rows;
                            }
                        }
                    } else if x < 0.0 || y < 0.0 || (x == 0.0 && y == 0.0) {
                        Visibility::Absent
                    } else {
                        Visibility::Visible
                    };
                    if vis == Visibility::Absent {
                        absent[i] = true;
                        absent[i + 1] = true;
                    }
                    if d == 3 {
                        absent[i + 2] = true;
                    }
                    points.push(Keypoint {
                        name: None,
                        x: x * w,
                        y: y * h,
                        visibility: vis,
                    });
                }
                let b = BoxGeom::from_center(v[0] * w, v[1] * h, v[2] * w, v[3] * h, 0.0);
                Shape::Pose(b, Keypoints { points })
            }
            _ if v.len() == 4 => Shape::One(Geometry::Box(BoxGeom::from_center(
                v[0] * w,
                v[1] * h,
                v[2] * w,
                v[3] * h,
                0.0,
            ))),
            Task::Obb if v.len() == 8 => Shape::Obb(obb_corners(v, row.decimals, (w, h))),
            Task::Obb => {
                wrong(
                    issues,
                    format!(
                        "expected 8 values (4 corners) after the class id for an OBB row, found {}",
                        v.len()
                    ),
                );
                continue;
            }
            _ if v.len() >= 6 && v.len().is_multiple_of(2) => {
                let ring = v
                    .chunks_exact(2)
                    .map(|c| Point::new(c[0] * w, c[1] * h))
                    .collect();
                Shape::One(Geometry::Polygon(Polygon { rings: vec![ring] }))
            }
            _ => {
                wrong(
                    issues,
                    format!(
                        "expected 4 values (a box) or an even number of at least 6 (a polygon) after the class id, found {}",
                        v.len()
                    ),
                );
                continue;
            }
        };
        for (i, &x) in v.iter().enumerate() {
            if !absent[i] && !(-0.01..=1.01).contains(&x) {
                issues.push(
                    ReadIssue::CoordinateOutOfRange
                        .at(
                            file,
                            rows.span(row, i),
                            format!("expected a normalised coordinate in [-0.01, 1.01], found {x}"),
                        )
                        .skipped(),
                );
                continue 'rows;
            }
        }
        let rounding = if sized {
            rounding_of(&shape, rows.decimals(row), (w, h))
        } else {
            None
        };
        out.push(Pending {
            class: row.class,
            shape,
            line: row.line,
            rounding,
        });
    }
    out
}

/// The tasks the fuzz body drives the row converter with.
#[cfg(feature = "fuzzing")]
#[derive(Debug, Clone, Copy)]
pub(crate) enum Task4 {
    Detect,
    Segment,
    Obb,
    Pose2,
    Pose3,
}

/// Converts rows as [`build`] does, for the fuzz body.
#[cfg(feature = "fuzzing")]
pub(crate) fn convert_for_fuzz(rows: &RowFile, task: Task4, issues: &mut Vec<Diagnostic>) -> usize {
    let (task, kpt) = match task {
        Task4::Detect => (Task::Detect, None),
        Task4::Segment => (Task::Segment, None),
        Task4::Obb => (Task::Obb, None),
        Task4::Pose2 => (Task::Pose, Some((3, 2))),
        Task4::Pose3 => (Task::Pose, Some((3, 3))),
    };
    let known = |c: u32| c < 80;
    let ctx = RowCtx {
        task,
        kpt,
        known: &known,
        names_len: 80,
    };
    convert_rows(rows, FileId(0), (640.0, 480.0), true, &ctx, issues).len()
}
