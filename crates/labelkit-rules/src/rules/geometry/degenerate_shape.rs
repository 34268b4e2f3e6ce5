//! # degenerate-shape (G003)
//!
//! ## What it does
//! Flags a shape that cannot be an object: a non-finite coordinate (NaN,
//! infinity), a box or ellipse with zero or negative width or height, a
//! polygon ring with fewer than 3 points or with zero area, a polyline
//! with fewer than 2 points, an empty point set or an empty mask.
//!
//! ## Why it matters
//! Degenerate shapes break area-based metrics (division by zero in IoU),
//! poison training losses with NaN and are dropped by some converters
//! without a word.
//!
//! ## Example
//! ```text
//! <box label="head" xtl="10" ytl="10" xbr="10" ybr="40"/>      zero width
//! <polygon label="body" points="1,1;5,5"/>                     2 points
//! ```
//!
//! ## How to fix
//! Redraw the shape around the object, or delete it.
//!
//! ## Options
//! None.

use labelkit_model::{Annotation, Geometry};

use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::fmt_num;

/// The permanent code.
pub(crate) const CODE: &str = "G003";

/// The rule.
pub(crate) struct DegenerateShape;

/// Why a geometry is degenerate, if it is.
fn problem(g: &Geometry) -> Option<String> {
    if !g.is_finite() {
        return Some("has a non-finite coordinate".to_owned());
    }
    match g {
        Geometry::Box(b) => (b.width() <= 0.0 || b.height() <= 0.0).then(|| {
            format!(
                "has zero area ({} x {})",
                fmt_num(b.width()),
                fmt_num(b.height())
            )
        }),
        Geometry::Polygon(p) => {
            if p.rings.is_empty() {
                return Some("has no points".to_owned());
            }
            if let Some(r) = p.rings.iter().find(|r| r.len() < 3) {
                return Some(format!("has a ring of {} point(s), fewer than 3", r.len()));
            }
            (p.area() <= 0.0).then(|| "has zero area".to_owned())
        }
        Geometry::Polyline(l) => {
            (l.points.len() < 2).then(|| format!("has {} point(s), fewer than 2", l.points.len()))
        }
        Geometry::Points(p) => p.points.is_empty().then(|| "has no points".to_owned()),
        Geometry::Ellipse(e) => (e.rx <= 0.0 || e.ry <= 0.0).then(|| {
            format!(
                "has zero area (radii {} and {})",
                fmt_num(e.rx),
                fmt_num(e.ry)
            )
        }),
        Geometry::Mask(m) => (m.encoding.pixel_count() == 0).then(|| "is empty".to_owned()),
        _ => None,
    }
}

impl Rule for DegenerateShape {
    fn check_annotation(
        &self,
        cx: &Context<'_>,
        image: &ImageCtx<'_>,
        a: usize,
        ann: &Annotation,
        out: &mut Vec<Finding>,
    ) {
        if matches!(ann.geometry, Geometry::Keypoints(_) | Geometry::Tag) {
            return;
        }
        if let Some(problem) = problem(&ann.geometry) {
            out.push(
                Finding::annotation(
                    CODE,
                    image.pos,
                    a,
                    format!(
                        "{} `{}` {problem}",
                        ann.geometry.kind().as_str(),
                        cx.dataset.labels.name(ann.label)
                    ),
                )
                .help("redraw the shape around the object, or delete it"),
            );
        }
    }
}
