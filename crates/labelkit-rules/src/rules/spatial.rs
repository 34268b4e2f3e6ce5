//! An index of boxes for "which boxes have an IoU of at least `t` with this
//! one" queries, so the rules that pair shapes on one image (near-duplicate,
//! the companion rules) stay near-linear in the number of shapes instead of
//! comparing every pair.
//!
//! The index answers exactly what the pairwise loop answers: it only
//! narrows the candidates, and every candidate is checked with the same
//! [`BoxGeom::iou`] the rules used before. The narrowing rests on two facts
//! about the floating-point IoU, both holding for any threshold `t > 0`:
//!
//! - IoU `> 0` needs a strictly positive overlap on both axes, so the two
//!   boxes' left edges are less than the wider box's width apart (the same
//!   for the top edges); and only boxes with a positive, finite, normal
//!   area can reach it.
//! - IoU `>= t` needs `overlap >= t * width` for both widths (the overlap's
//!   height is at most either box's height), so the widths differ by a
//!   factor of at most `1/t` (likewise the heights), up to a few ulps.
//!
//! Boxes are keyed by the binary exponent of their width and of their
//! height (their size class) and by a cell of four times that size holding
//! their top-left corner. A query visits the size classes within reach of
//! `t` and, in each, the cells the corner can lie in: 49 cells at the
//! default `t = 0.9`. Inside a cell, indices are ascending, so "the first
//! match" stops early, and a pile of identical boxes costs one check per
//! box. What remains proportional to the pile is a crowd of same-sized
//! boxes within a few widths of the query that are not its duplicates.
//!
//! Outside the grid's safe range the index falls back to the pairwise check,
//! which stays exact: thresholds below 0.5 (the reach in size classes grows
//! as `1/t`), and boxes whose sizes or positions are near the ends of the
//! `f64` range (area below 2^-900, sizes or corners beyond 2^1000), which
//! are compared with every box.

use std::collections::HashMap;

use labelkit_model::BoxGeom;

/// Below this threshold every query compares all pairs.
const GRID_MIN_IOU: f64 = 0.5;

/// Corners and sizes beyond this magnitude are compared pairwise.
const MAX_MAGNITUDE: f64 = 1e300; // < 2^1000

/// Areas below this are compared pairwise (products near the subnormal
/// range lose the relative precision the size-class bound relies on).
const MIN_AREA: f64 = 1e-270; // > 2^-900

/// How a threshold is answered.
enum Plan {
    /// `t` is NaN: nothing has an IoU of at least NaN.
    Nothing,
    /// `t <= 0`: every pair of boxes qualifies (the IoU is never NaN).
    Everything,
    /// `0 < t < 0.5`: compare all pairs.
    Pairwise,
    /// The grid, reaching this many size classes either way.
    Grid { reach: i32 },
}

/// Size classes and cell of one box.
type Key = (i32, i32, i64, i64);

/// The index over a fixed list of boxes; indices are positions in that list.
pub(crate) struct IouIndex<'b> {
    boxes: &'b [Option<BoxGeom>],
    threshold: f64,
    plan: Plan,
    cells: HashMap<Key, Vec<usize>>,
    /// Eligible boxes the grid cannot hold, ascending.
    odd: Vec<usize>,
}

impl<'b> IouIndex<'b> {
    /// Indexes `boxes` for queries at `threshold`; `None` entries never
    /// match.
    pub(crate) fn new(boxes: &'b [Option<BoxGeom>], threshold: f64) -> Self {
        let plan = if threshold.is_nan() {
            Plan::Nothing
        } else if threshold <= 0.0 {
            Plan::Everything
        } else if threshold < GRID_MIN_IOU {
            Plan::Pairwise
        } else {
            // Widths of a matching pair differ by a factor of at most
            // 1/t (up to a few ulps: the 0.999 covers them), so their
            // exponents differ by at most floor(log2(1/t)) + 1.
            let slack = 0.999 * threshold.min(1.0);
            #[allow(clippy::cast_possible_truncation)]
            let reach = (1.0 / slack).log2().floor() as i32 + 1;
            Plan::Grid { reach }
        };
        let mut cells: HashMap<Key, Vec<usize>> = HashMap::new();
        let mut odd = Vec::new();
        if matches!(plan, Plan::Grid { .. }) {
            for (i, b) in boxes.iter().enumerate() {
                match b.as_ref().map(class) {
                    Some(Class::Grid(k)) => cells.entry(k).or_default().push(i),
                    Some(Class::Odd) => odd.push(i),
                    Some(Class::Never) | None => {}
                }
            }
        }
        IouIndex {
            boxes,
            threshold,
            plan,
            cells,
            odd,
        }
    }

    /// The IoU of box `i` with `q` when it reaches the threshold.
    fn hit(&self, i: usize, q: &BoxGeom) -> Option<f64> {
        let b = self.boxes.get(i)?.as_ref()?;
        let iou = b.iou(q);
        (iou >= self.threshold).then_some(iou)
    }

    /// The smallest index below `limit` whose box has an IoU of at least
    /// the threshold with `q`, and that IoU.
    pub(crate) fn first_before(&self, q: &BoxGeom, limit: usize) -> Option<(usize, f64)> {
        let limit = limit.min(self.boxes.len());
        let linear = || (0..limit).find_map(|i| self.hit(i, q).map(|iou| (i, iou)));
        let reach = match self.plan {
            Plan::Nothing => return None,
            Plan::Everything | Plan::Pairwise => return linear(),
            Plan::Grid { reach } => reach,
        };
        let key = match class(q) {
            Class::Never => return None,
            Class::Odd => return linear(),
            Class::Grid(k) => k,
        };
        let mut best: Option<(usize, f64)> = None;
        let mut consider = |list: &[usize]| {
            for &i in list {
                let bound = best.map_or(limit, |(b, _)| b);
                if i >= bound {
                    break;
                }
                if let Some(iou) = self.hit(i, q) {
                    best = Some((i, iou));
                    break;
                }
            }
        };
        consider(&self.odd);
        if !self.visit(q, key, reach, &mut consider) {
            return linear();
        }
        best
    }

    /// Every index whose box has an IoU of at least the threshold with `q`,
    /// ascending, into `out` (cleared first).
    pub(crate) fn all(&self, q: &BoxGeom, out: &mut Vec<usize>) {
        out.clear();
        let n = self.boxes.len();
        let linear = |out: &mut Vec<usize>| {
            out.clear();
            out.extend((0..n).filter(|&i| self.hit(i, q).is_some()));
        };
        let reach = match self.plan {
            Plan::Nothing => return,
            Plan::Everything | Plan::Pairwise => return linear(out),
            Plan::Grid { reach } => reach,
        };
        let key = match class(q) {
            Class::Never => return,
            Class::Odd => return linear(out),
            Class::Grid(k) => k,
        };
        let mut found = Vec::new();
        let mut consider = |list: &[usize]| {
            found.extend(list.iter().copied().filter(|&i| self.hit(i, q).is_some()));
        };
        consider(&self.odd);
        if self.visit(q, key, reach, &mut consider) {
            found.sort_unstable();
            *out = found;
        } else {
            linear(out);
        }
    }

    /// Calls `f` with every grid cell a match of `q` can lie in; `false`
    /// when the cell ranges are implausibly large (then the caller falls
    /// back to the pairwise scan).
    fn visit(&self, q: &BoxGeom, key: Key, reach: i32, f: &mut impl FnMut(&[usize])) -> bool {
        let (kw, kh, _, _) = key;
        for ka in kw.saturating_sub(reach)..=kw.saturating_add(reach) {
            let Some(xs) = cell_range(q.x_min, ka, kw) else {
                return false;
            };
            for kb in kh.saturating_sub(reach)..=kh.saturating_add(reach) {
                let Some(ys) = cell_range(q.y_min, kb, kh) else {
                    return false;
                };
                for cx in xs.0..=xs.1 {
                    for cy in ys.0..=ys.1 {
                        if let Some(list) = self.cells.get(&(ka, kb, cx, cy)) {
                            f(list);
                        }
                    }
                }
            }
        }
        true
    }
}

/// Where a box goes in the grid.
enum Class {
    /// Zero, negative, non-finite or underflowing area: its IoU with
    /// anything is 0.
    Never,
    /// Near the ends of the `f64` range: compared pairwise.
    Odd,
    Grid(Key),
}

fn class(b: &BoxGeom) -> Class {
    let (w, h) = (b.width(), b.height());
    let area = b.area();
    if !(w > 0.0 && h > 0.0 && area.is_finite() && area > 0.0) {
        return Class::Never;
    }
    if area < MIN_AREA
        || w > MAX_MAGNITUDE
        || h > MAX_MAGNITUDE
        || b.x_min.abs() > MAX_MAGNITUDE
        || b.y_min.abs() > MAX_MAGNITUDE
    {
        return Class::Odd;
    }
    let (kw, kh) = (exponent(w), exponent(h));
    Class::Grid((kw, kh, cell(b.x_min, kw), cell(b.y_min, kh)))
}

/// The cells of size class `k` that can hold the corner of a box
/// overlapping one of class `kq` with its corner at `v`: the corners are
/// less than the wider box's width apart, which is below
/// `2^(max(k, kq) + 1)`. Rounding is monotone, so `fl(v - r) <= corner`
/// whenever `v - r < corner` holds exactly.
fn cell_range(v: f64, k: i32, kq: i32) -> Option<(i64, i64)> {
    let r = pow2(k.max(kq).saturating_add(1));
    let (lo, hi) = (cell(v - r, k), cell(v + r, k));
    // At most 2^(reach - 1) * 2 + 3 cells; anything wider means the
    // arithmetic left its safe range.
    (hi.checked_sub(lo)? <= 64).then_some((lo, hi))
}

/// The cell of coordinate `v` in size class `k`: cells are `2^(k + 2)`
/// wide. Monotone in `v`; the cast saturates.
#[allow(clippy::cast_possible_truncation)]
fn cell(v: f64, k: i32) -> i64 {
    (v / pow2(k.saturating_add(2))).floor() as i64
}

/// `floor(log2(v))` for a positive finite `v`, exactly, from its bits.
#[allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]
fn exponent(v: f64) -> i32 {
    let bits = v.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i32;
    if e == 0 {
        let mantissa = bits & ((1 << 52) - 1);
        -1074 + (63 - mantissa.leading_zeros() as i32)
    } else {
        e - 1023
    }
}

/// `2^k` exactly (0 below the subnormals, infinity above `f64::MAX`).
#[allow(clippy::cast_sign_loss)]
fn pow2(k: i32) -> f64 {
    if k > 1023 {
        f64::INFINITY
    } else if k >= -1022 {
        f64::from_bits(((k + 1023) as u64) << 52)
    } else if k >= -1074 {
        f64::from_bits(1u64 << (k + 1074))
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The pairwise loop the index replaces: the oracle.
    fn first_before_pairwise(
        boxes: &[Option<BoxGeom>],
        t: f64,
        q: &BoxGeom,
        limit: usize,
    ) -> Option<(usize, f64)> {
        boxes.iter().take(limit).enumerate().find_map(|(i, b)| {
            let iou = b.as_ref()?.iou(q);
            (iou >= t).then_some((i, iou))
        })
    }

    fn all_pairwise(boxes: &[Option<BoxGeom>], t: f64, q: &BoxGeom) -> Vec<usize> {
        (0..boxes.len())
            .filter(|&i| boxes[i].as_ref().is_some_and(|b| b.iou(q) >= t))
            .collect()
    }

    #[test]
    fn exponent_and_pow2_are_exact() {
        for k in -1074..=1023 {
            assert_eq!(exponent(pow2(k)), k, "{k}");
        }
        assert_eq!(exponent(3.0), 1);
        assert_eq!(exponent(0.999_999), -1);
        assert_eq!(exponent(f64::MAX), 1023);
        assert_eq!(exponent(f64::from_bits(3)), -1073);
    }

    fn boxes() -> impl Strategy<Value = Vec<Option<BoxGeom>>> {
        // Coordinates on a coarse lattice so exact ties, identical boxes
        // and IoUs right at the threshold occur often.
        let coord = prop_oneof![
            (0i32..40).prop_map(|v| f64::from(v) / 4.0),
            -1e3f64..1e3,
            Just(1e301),
            Just(1e-200),
        ];
        let b = (coord.clone(), coord.clone(), 0i32..40, 0i32..40, 0u8..10).prop_map(
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
        proptest::collection::vec(b, 0..60)
    }

    proptest! {
        #[test]
        fn index_finds_exactly_the_pairwise_matches(
            boxes in boxes(),
            t in prop_oneof![Just(0.9), Just(0.5), Just(1.0), Just(0.0), Just(0.3), 0.5f64..1.0, Just(f64::NAN)],
        ) {
            let index = IouIndex::new(&boxes, t);
            let mut got = Vec::new();
            for (j, q) in boxes.iter().enumerate() {
                let Some(q) = q else { continue };
                let a = index.first_before(q, j);
                let b = first_before_pairwise(&boxes, t, q, j);
                prop_assert_eq!(a.map(|x| x.0), b.map(|x| x.0));
                prop_assert_eq!(a.map(|x| x.1.to_bits()), b.map(|x| x.1.to_bits()));
                index.all(q, &mut got);
                prop_assert_eq!(&got, &all_pairwise(&boxes, t, q));
            }
        }
    }
}
