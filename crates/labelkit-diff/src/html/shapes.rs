//! Geometries as what the page's script draws: an SVG path, an ellipse or
//! a list of points, in image pixels rounded to hundredths.

use std::fmt::Write as _;

use labelkit_model::rle::MaskEncoding;
use labelkit_model::{Geometry, Point, Visibility};
use serde::Serialize;

/// How a shape is drawn. Exactly one field is set; none for a tag.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Draw {
    /// An SVG path (`M x y L ... Z`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) p: Option<String>,
    /// An ellipse: centre x, centre y, radius x, radius y, rotation in
    /// degrees clockwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) e: Option<[f64; 5]>,
    /// Points: `x, y, v` triples, `v` the COCO visibility (0 absent, not
    /// drawn; 1 occluded; 2 visible).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) k: Option<Vec<f64>>,
    /// Whether the path is a mask's pixel runs (drawn filled).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) m: bool,
}

/// The most pixel-run rectangles a mask is drawn with; a mask with more is
/// drawn as its bounding box (its hover text says so).
pub(crate) const MAX_MASK_RECTS: usize = 20_000;

/// `x` rounded to hundredths of a pixel, the precision the page draws at.
pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn push_point(d: &mut String, cmd: char, p: Point) {
    // Writing to a String cannot fail.
    let _ = write!(d, "{cmd}{} {}", round2(p.x), round2(p.y));
}

fn path_of(rings: &[&[Point]], closed: bool) -> String {
    let mut d = String::new();
    for ring in rings {
        for (i, p) in ring.iter().enumerate() {
            push_point(&mut d, if i == 0 { 'M' } else { 'L' }, *p);
        }
        if closed && !ring.is_empty() {
            d.push('Z');
        }
    }
    d
}

/// The drawing of a geometry, and a note when it is drawn simplified;
/// `None` for a tag, an empty shape or one with a non-finite coordinate.
pub(crate) fn draw(geometry: &Geometry) -> Option<(Draw, Option<&'static str>)> {
    if !geometry.is_finite() {
        return None;
    }
    let path = |d: String| {
        (!d.is_empty()).then(|| Draw {
            p: Some(d),
            ..Draw::default()
        })
    };
    let drawn = match geometry {
        Geometry::Box(b) => path(path_of(&[&b.corners()], true)),
        Geometry::Polygon(p) => {
            let rings: Vec<&[Point]> = p.rings.iter().map(Vec::as_slice).collect();
            path(path_of(&rings, true))
        }
        Geometry::Polyline(p) => path(path_of(&[&p.points], false)),
        Geometry::Points(p) => (!p.points.is_empty()).then(|| Draw {
            k: Some(
                p.points
                    .iter()
                    .flat_map(|q| [round2(q.x), round2(q.y), 2.0])
                    .collect(),
            ),
            ..Draw::default()
        }),
        Geometry::Keypoints(k) => (!k.points.is_empty()).then(|| Draw {
            k: Some(
                k.points
                    .iter()
                    .flat_map(|q| {
                        let v = match q.visibility {
                            Visibility::Absent => 0.0,
                            Visibility::Occluded => 1.0,
                            Visibility::Visible => 2.0,
                        };
                        [round2(q.x), round2(q.y), v]
                    })
                    .collect(),
            ),
            ..Draw::default()
        }),
        Geometry::Ellipse(e) => Some(Draw {
            e: Some([
                round2(e.cx),
                round2(e.cy),
                round2(e.rx),
                round2(e.ry),
                round2(e.rotation),
            ]),
            ..Draw::default()
        }),
        Geometry::Cuboid(c) => {
            let p = |i: usize| Point::new(c.coords[2 * i], c.coords[2 * i + 1]);
            // CVAT's order: tl1 bl1 tr1 br1 tl2 bl2 tr2 br2.
            let front = [p(0), p(2), p(3), p(1)];
            let back = [p(4), p(6), p(7), p(5)];
            let mut d = path_of(&[&front, &back], true);
            for (a, b) in front.iter().zip(&back) {
                d.push_str(&path_of(&[&[*a, *b]], false));
            }
            path(d)
        }
        Geometry::Mask(m) => {
            return mask_rects(&m.encoding)
                .map(|d| {
                    (!d.is_empty()).then_some((
                        Draw {
                            p: Some(d),
                            m: true,
                            ..Draw::default()
                        },
                        None,
                    ))
                })
                .unwrap_or_else(|| {
                    let b = m.encoding.bounds()?;
                    Some((
                        Draw {
                            p: Some(path_of(&[&b.corners()], true)),
                            ..Draw::default()
                        },
                        Some("mask drawn as its bounding box: too many pixel runs to draw"),
                    ))
                });
        }
        _ => None,
    };
    drawn.map(|d| (d, None))
}

/// A mask's foreground as a path of one-pixel-high (row-major window) or
/// one-pixel-wide (COCO's column-major) rectangles, one per stretch of a
/// run within a row or column; `None` when that takes more than
/// [`MAX_MASK_RECTS`] rectangles or the runs are invalid.
fn mask_rects(mask: &MaskEncoding) -> Option<String> {
    let runs = mask.runs().ok()?;
    let (left, top, width, height, column_major) = match *mask {
        MaskEncoding::Window {
            left,
            top,
            width,
            height,
            ..
        } => (left, top, width, height, false),
        MaskEncoding::Coco { width, height, .. } => (0, 0, width, height, true),
    };
    // Runs go along lines of `line` pixels: rows, or columns for COCO.
    let line = u64::from(if column_major { height } else { width });
    if line == 0 {
        return Some(String::new());
    }
    let mut d = String::new();
    let mut rects = 0usize;
    let mut pos = 0u64;
    for (i, &run) in runs.iter().enumerate() {
        let end = pos.checked_add(u64::from(run))?;
        if i % 2 == 1 {
            let mut at = pos;
            while at < end {
                rects += 1;
                if rects > MAX_MASK_RECTS {
                    return None;
                }
                let (across, along) = (at / line, at % line);
                let stretch = (line - along).min(end - at);
                let (x, y) = if column_major {
                    (across, along)
                } else {
                    (along, across)
                };
                let (x, y) = (x + u64::from(left), y + u64::from(top));
                // Writing to a String cannot fail.
                let _ = if column_major {
                    write!(d, "M{x} {y}h1v{stretch}h-1Z")
                } else {
                    write!(d, "M{x} {y}h{stretch}v1h-{stretch}Z")
                };
                at += stretch;
            }
        }
        pos = end;
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use labelkit_model::{BoxGeom, Mask, Polygon};

    #[test]
    fn a_box_is_a_closed_path_through_its_corners() {
        let (d, note) = draw(&Geometry::Box(BoxGeom::from_xyxy(1.0, 2.0, 11.256, 8.0))).unwrap();
        assert_eq!(d.p.as_deref(), Some("M1 2L11.26 2L11.26 8L1 8Z"));
        assert!(note.is_none());
    }

    #[test]
    fn a_polygon_draws_every_ring() {
        let p = Polygon {
            rings: vec![
                vec![
                    Point::new(0.0, 0.0),
                    Point::new(4.0, 0.0),
                    Point::new(0.0, 4.0),
                ],
                vec![
                    Point::new(1.0, 1.0),
                    Point::new(2.0, 1.0),
                    Point::new(1.0, 2.0),
                ],
            ],
        };
        let (d, _) = draw(&Geometry::Polygon(p)).unwrap();
        assert_eq!(d.p.as_deref(), Some("M0 0L4 0L0 4ZM1 1L2 1L1 2Z"));
    }

    #[test]
    fn a_window_mask_is_drawn_run_by_run_within_rows() {
        // 3x2 window at (10, 20): row 0 `.##`, row 1 `#..`: the run of 3
        // foreground pixels wraps from row 0 into row 1.
        let m = MaskEncoding::Window {
            left: 10,
            top: 20,
            width: 3,
            height: 2,
            counts: vec![1, 3, 2],
        };
        let (d, note) = draw(&Geometry::Mask(Mask { encoding: m })).unwrap();
        assert!(d.m);
        assert_eq!(d.p.as_deref(), Some("M11 20h2v1h-2ZM10 21h1v1h-1Z"));
        assert!(note.is_none());
    }

    #[test]
    fn a_coco_mask_is_drawn_within_columns() {
        // 2x2 image, column-major: column 0 `.#`, column 1 `#.`.
        let m = MaskEncoding::Coco {
            height: 2,
            width: 2,
            counts: labelkit_model::rle::CocoCounts::Runs(vec![1, 2, 1]),
        };
        let (d, _) = draw(&Geometry::Mask(Mask { encoding: m })).unwrap();
        assert_eq!(d.p.as_deref(), Some("M0 1h1v1h-1ZM1 0h1v1h-1Z"));
    }

    #[test]
    fn a_mask_of_too_many_runs_is_drawn_as_its_bounds_with_a_note() {
        let width = 2 * u32::try_from(MAX_MASK_RECTS).unwrap() + 2;
        let counts: Vec<u32> = std::iter::repeat_n(1, usize::try_from(width).unwrap()).collect();
        let m = MaskEncoding::Window {
            left: 0,
            top: 0,
            width,
            height: 1,
            counts,
        };
        let (d, note) = draw(&Geometry::Mask(Mask { encoding: m })).unwrap();
        assert!(!d.m);
        assert!(d.p.unwrap().starts_with("M1 0L"));
        assert!(note.unwrap().contains("bounding box"));
    }

    #[test]
    fn non_finite_shapes_and_tags_are_not_drawn() {
        assert!(draw(&Geometry::Tag).is_none());
        assert!(draw(&Geometry::Box(BoxGeom::from_xyxy(f64::NAN, 0.0, 1.0, 1.0))).is_none());
    }
}
