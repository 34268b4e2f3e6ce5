//! How a matched object changed: the facets of a pair of shapes.

use labelkit_model::{
    AttributeValue, Attributes, BoxGeom, Geometry, Keypoints, Mask, Point, Visibility,
};

use crate::{AttributeChange, Facet, KeypointChange};

/// Vertex comparisons of two shapes with different vertex counts look at
/// most this many vertex pairs; past it the displacement is the largest
/// shift of a bound (a lower bound of the vertex distance), and a note
/// says so.
pub(crate) const VERTEX_PAIR_CAP: usize = 4_000_000;

/// The geometry facets of a matched pair: moved, resized, reshaped,
/// keypoints. `tol` is the largest difference that is no change.
/// `image_size` is the new image's size (a COCO mask needs it). Sets
/// `*approximated` when a vertex comparison was cut short.
pub(crate) fn geometry_facets(
    old: &Geometry,
    new: &Geometry,
    tol: f64,
    image_size: (u32, u32),
    approximated: &mut bool,
    out: &mut Vec<Facet>,
) {
    match (old, new) {
        (Geometry::Tag, Geometry::Tag) => {}
        (Geometry::Keypoints(a), Geometry::Keypoints(b)) => {
            let changes = keypoint_changes(a, b, tol);
            if !changes.is_empty() {
                out.push(Facet::Keypoints(changes));
            }
        }
        _ => {
            let (Some(a), Some(b)) = (old.bounds(), new.bounds()) else {
                return;
            };
            let (dx, dy) = centre_shift(&a, &b);
            if dx.abs() > tol || dy.abs() > tol {
                out.push(Facet::Moved { dx, dy });
            }
            let dw = b.width() - a.width();
            let dh = b.height() - a.height();
            if dw.abs() > tol || dh.abs() > tol {
                out.push(Facet::Resized { dw, dh });
            }
            if let Some(f) = reshape(old, new, (dx, dy), tol, image_size, approximated) {
                out.push(f);
            }
        }
    }
}

fn centre_shift(a: &BoxGeom, b: &BoxGeom) -> (f64, f64) {
    let (ca, cb) = (a.center(), b.center());
    (cb.x - ca.x, cb.y - ca.y)
}

/// The vertices of a shape, for the reshape comparison; `None` for shapes
/// compared otherwise (axis-aligned boxes, masks, tags).
fn vertices(g: &Geometry) -> Option<Vec<Point>> {
    match g {
        Geometry::Box(b) if b.is_rotated() => Some(b.corners().to_vec()),
        Geometry::Polygon(_)
        | Geometry::Polyline(_)
        | Geometry::Points(_)
        | Geometry::Cuboid(_)
        | Geometry::Ellipse(_) => {
            let mut v = Vec::new();
            g.for_each_point(|p| v.push(p));
            if let Geometry::Ellipse(e) = g {
                // Its centre is its one point; the radii and angle are
                // told by the bounds and the axis ends.
                let (sin, cos) = e.rotation.to_radians().sin_cos();
                v.push(Point::new(e.cx + e.rx * cos, e.cy + e.rx * sin));
                v.push(Point::new(e.cx - e.ry * sin, e.cy + e.ry * cos));
            }
            Some(v)
        }
        _ => None,
    }
}

fn reshape(
    old: &Geometry,
    new: &Geometry,
    (dx, dy): (f64, f64),
    tol: f64,
    image_size: (u32, u32),
    approximated: &mut bool,
) -> Option<Facet> {
    if let (Geometry::Mask(a), Geometry::Mask(b)) = (old, new) {
        let changed = mask_difference(a, b, image_size)?;
        #[allow(clippy::cast_precision_loss)]
        let max_shift = changed as f64;
        return (changed > 0).then_some(Facet::Reshaped {
            max_shift,
            changed_pixels: Some(changed),
        });
    }
    let rotated = |g: &Geometry| matches!(g, Geometry::Box(b) if b.is_rotated());
    if matches!((old, new), (Geometry::Box(_), Geometry::Box(_))) && !rotated(old) && !rotated(new)
    {
        return None;
    }
    let (a, b) = (vertices(old)?, vertices(new)?);
    let shift = |p: &Point| Point::new(p.x + dx, p.y + dy);
    let max_shift = if a.len() == b.len() {
        a.iter()
            .zip(&b)
            .map(|(p, q)| {
                let p = shift(p);
                (q.x - p.x).hypot(q.y - p.y)
            })
            .fold(0.0, f64::max)
    } else if a.len().saturating_mul(b.len()) <= VERTEX_PAIR_CAP {
        let a: Vec<Point> = a.iter().map(shift).collect();
        directed(&a, &b).max(directed(&b, &a))
    } else {
        *approximated = true;
        let (Some(ba), Some(bb)) = (old.bounds(), new.bounds()) else {
            return None;
        };
        let dw = (bb.width() - ba.width()).abs() / 2.0;
        let dh = (bb.height() - ba.height()).abs() / 2.0;
        dw.max(dh).max(tol * 2.0)
    };
    (max_shift > tol).then_some(Facet::Reshaped {
        max_shift,
        changed_pixels: None,
    })
}

/// The largest distance from a point of `a` to its nearest point of `b`.
fn directed(a: &[Point], b: &[Point]) -> f64 {
    a.iter()
        .map(|p| {
            b.iter()
                .map(|q| (q.x - p.x).hypot(q.y - p.y))
                .fold(f64::INFINITY, f64::min)
        })
        .fold(0.0, f64::max)
}

/// The number of pixels set in one mask only, over the image; `None` for
/// a mask that does not decode (the reader reported it).
fn mask_difference(a: &Mask, b: &Mask, image_size: (u32, u32)) -> Option<u64> {
    use labelkit_model::rle::MaskEncoding;
    let coco_size = |m: &Mask| match m.encoding {
        MaskEncoding::Coco { width, height, .. } => Some((width, height)),
        MaskEncoding::Window { .. } => None,
    };
    let (w, h) = coco_size(a).or_else(|| coco_size(b)).unwrap_or(image_size);
    let ra = a.encoding.to_coco(w, h).ok()?;
    let rb = b.encoding.to_coco(w, h).ok()?;
    Some(xor_runs(&ra, &rb))
}

/// Pixels where two run sequences over the same area differ. Runs
/// alternate background, foreground, starting with background.
fn xor_runs(a: &[u32], b: &[u32]) -> u64 {
    let (mut ia, mut ib) = (0usize, 0usize);
    let (mut left_a, mut left_b) = (
        a.first().copied().map_or(u64::MAX, u64::from),
        b.first().copied().map_or(u64::MAX, u64::from),
    );
    let mut differ = 0u64;
    loop {
        // Skip empty runs.
        while left_a == 0 {
            ia += 1;
            left_a = a.get(ia).copied().map_or(u64::MAX, u64::from);
        }
        while left_b == 0 {
            ib += 1;
            left_b = b.get(ib).copied().map_or(u64::MAX, u64::from);
        }
        if ia >= a.len() && ib >= b.len() {
            return differ;
        }
        let step = left_a.min(left_b);
        if step == u64::MAX {
            return differ;
        }
        // Past its end a sequence is background.
        let fa = ia < a.len() && ia % 2 == 1;
        let fb = ib < b.len() && ib % 2 == 1;
        if fa != fb {
            differ = differ.saturating_add(step);
        }
        left_a = left_a.saturating_sub(step);
        left_b = left_b.saturating_sub(step);
    }
}

/// The keypoints that moved further than `tol` or changed visibility, by
/// position.
fn keypoint_changes(a: &Keypoints, b: &Keypoints, tol: f64) -> Vec<KeypointChange> {
    let n = a.points.len().max(b.points.len());
    let mut out = Vec::new();
    for index in 0..n {
        let pa = a.points.get(index);
        let pb = b.points.get(index);
        let va = pa.map_or(Visibility::Absent, |p| p.visibility);
        let vb = pb.map_or(Visibility::Absent, |p| p.visibility);
        let distance = match (pa, pb) {
            (Some(p), Some(q)) if va != Visibility::Absent && vb != Visibility::Absent => {
                Some((q.x - p.x).hypot(q.y - p.y))
            }
            _ => None,
        };
        if va != vb || distance.is_some_and(|d| d > tol) {
            let name = pb
                .and_then(|p| p.name.as_deref())
                .or_else(|| pa.and_then(|p| p.name.as_deref()))
                .map(str::to_owned);
            out.push(KeypointChange {
                index,
                name,
                distance,
                old: va,
                new: vb,
            });
        }
    }
    out
}

/// Whether two attribute values are the same across formats: equal
/// numbers (`1` and `1.0`), else equal text (`true` and `true`).
fn same_value(a: &AttributeValue, b: &AttributeValue) -> bool {
    if a == b {
        return true;
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a.to_string() == b.to_string(),
    }
}

/// The attributes that differ, by name: the old side's order, then the
/// names only the new side has.
pub(crate) fn attribute_changes(a: &Attributes, b: &Attributes) -> Vec<AttributeChange> {
    use std::collections::HashMap;
    // The first value of each name, as `Attributes::get`, in one pass.
    fn first(attrs: &Attributes) -> HashMap<&str, &AttributeValue> {
        let mut m = HashMap::with_capacity(attrs.len());
        for (name, value) in attrs.iter() {
            m.entry(name).or_insert(value);
        }
        m
    }
    let (ma, mb) = (first(a), first(b));
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (name, _) in a.iter().chain(b.iter()) {
        if !seen.insert(name) {
            continue;
        }
        let old = ma.get(name).copied();
        let new = mb.get(name).copied();
        let same = match (old, new) {
            (Some(x), Some(y)) => same_value(x, y),
            (None, None) => true,
            _ => false,
        };
        if !same {
            out.push(AttributeChange {
                name: name.to_owned(),
                old: old.map(ToString::to_string),
                new: new.map(ToString::to_string),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xor_of_runs_counts_the_pixels_set_on_one_side() {
        // 10 pixels: a = 2 bg, 3 fg, 5 bg; b = 3 bg, 4 fg, 3 bg.
        assert_eq!(xor_runs(&[2, 3, 5], &[3, 4, 3]), 1 + 2);
        assert_eq!(xor_runs(&[2, 3, 5], &[2, 3, 5]), 0);
        assert_eq!(xor_runs(&[0, 10], &[10]), 10);
    }

    #[test]
    fn numbers_and_text_compare_by_value() {
        assert!(same_value(
            &AttributeValue::Number(1.0),
            &AttributeValue::Text("1.0".into())
        ));
        assert!(same_value(
            &AttributeValue::Bool(true),
            &AttributeValue::Text("true".into())
        ));
        assert!(!same_value(
            &AttributeValue::Text("left".into()),
            &AttributeValue::Text("right".into())
        ));
    }
}
