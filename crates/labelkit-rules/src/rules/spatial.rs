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
//! box.
//!
//! A crowd of same-sized boxes near the query that are not its duplicates
//! (nested boxes, boxes growing by a hair each) is pruned in blocks. The
//! facts above give, for a pair with IoU `>= t` (`w` the widths, `W` the
//! larger; likewise `h`, `H` for heights; `a` the areas):
//!
//! - `w >= t * W` for both boxes (and `h >= t * H`);
//! - `|x0 - x0'| <= (1 - t) * W` and `|x1 - x1'| <= (1 - t) * W`: the box
//!   with the leftmost left edge holds the overlap and that offset inside
//!   its width, `overlap <= w - |x0 - x0'|` (likewise right edges, and
//!   `y0`, `y1` against `H`);
//! - `overlap * (1 + t) >= t * (a + a')` (IoU `>= t` rearranged).
//!
//! They hold in exact arithmetic on the stored coordinates; the computed
//! IoU is within about ten ulps of the exact one, so the index tests them
//! at `t - 1e-9` and widens every bound by a factor `1 + 1e-9`, far more
//! than the rounding of the test itself. A cell keeps its members in
//! blocks of [`BLOCK`] consecutive indices with the ranges of width,
//! height, the four edges and area, and blocks of such blocks up to one
//! top level. A query skips a block when no box within its ranges can meet
//! the conditions: sizes against the size ranges, edges against the edge
//! ranges widened by `(1 - t)` times the larger of the query's size and
//! the block's largest, and the overlap with the hull of the block's edge
//! ranges against the smallest area. A crowd whose shapes change steadily
//! with their index (the usual way such crowds are made: 200,000 nested
//! boxes, or boxes growing by a hair) then costs a few dozen comparisons
//! per query. What is left is bounded by [`Budget`]: a caller can stop
//! after a number of comparisons instead of running long.
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

/// Members (and blocks) per block of a cell.
const BLOCK: usize = 32;

/// What the threshold is lowered by before deriving the pruning bounds.
const T_SLACK: f64 = 1e-9;

/// The relative widening of the pruning bounds.
const WIDEN: f64 = 1.0 + 1e-9;

/// A count of comparisons (IoU checks and block tests) a caller allows.
pub(crate) struct Budget {
    left: u64,
}

/// The budget ran out before the query was answered.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Exhausted;

impl Budget {
    /// A budget of `comparisons`.
    pub(crate) fn new(comparisons: u64) -> Self {
        Budget { left: comparisons }
    }

    fn unlimited() -> Self {
        Budget { left: u64::MAX }
    }

    fn spend(&mut self) -> Result<(), Exhausted> {
        self.left = self.left.checked_sub(1).ok_or(Exhausted)?;
        Ok(())
    }
}

/// The quantities the pruning bounds: width, height, x0, y0, x1, y1,
/// area.
type Feat = [f64; 7];

fn feat(b: &BoxGeom) -> Feat {
    [
        b.width(),
        b.height(),
        b.x_min,
        b.y_min,
        b.x_max,
        b.y_max,
        b.area(),
    ]
}

/// The ranges of [`Feat`] over a block, and its lowest index.
#[derive(Clone, Copy)]
struct Span {
    first: usize,
    lo: Feat,
    hi: Feat,
}

impl Span {
    fn merge(parts: &[Span]) -> Option<Span> {
        let mut it = parts.iter();
        let mut s = *it.next()?;
        for p in it {
            for k in 0..7 {
                s.lo[k] = s.lo[k].min(p.lo[k]);
                s.hi[k] = s.hi[k].max(p.hi[k]);
            }
        }
        Some(s)
    }
}

/// The members of one grid cell, ascending, with their block ranges:
/// `levels[0]` covers `BLOCK` members a block, `levels[l + 1]` covers
/// `BLOCK` blocks of `levels[l]`; the last level has at most `BLOCK`.
#[derive(Default)]
struct Cell {
    members: Vec<usize>,
    levels: Vec<Vec<Span>>,
}

impl Cell {
    fn build(&mut self, boxes: &[Option<BoxGeom>]) {
        let mut level: Vec<Span> = Vec::new();
        if self.members.len() > BLOCK {
            for chunk in self.members.chunks(BLOCK) {
                let spans: Vec<Span> = chunk
                    .iter()
                    .filter_map(|&i| {
                        let f = feat(boxes.get(i)?.as_ref()?);
                        Some(Span {
                            first: i,
                            lo: f,
                            hi: f,
                        })
                    })
                    .collect();
                if let Some(s) = Span::merge(&spans) {
                    level.push(s);
                }
            }
            while level.len() > BLOCK {
                let next: Vec<Span> = level.chunks(BLOCK).filter_map(Span::merge).collect();
                self.levels.push(std::mem::replace(&mut level, next));
            }
            self.levels.push(level);
        }
    }

    /// How many entries depth `d` has (0: the members).
    fn len_at(&self, d: usize) -> usize {
        match d.checked_sub(1) {
            None => self.members.len(),
            Some(l) => self.levels.get(l).map_or(0, Vec::len),
        }
    }
}

/// A query box and the bounds its matches must meet.
struct Probe<'q> {
    q: &'q BoxGeom,
    f: Feat,
    /// `t - T_SLACK`, and that times `1 / WIDEN`.
    ts: f64,
    tw: f64,
}

impl Probe<'_> {
    fn new(q: &BoxGeom, t: f64) -> Probe<'_> {
        let ts = t - T_SLACK;
        Probe {
            q,
            f: feat(q),
            ts,
            tw: ts / WIDEN,
        }
    }

    /// Whether a box with its quantities in `s`'s ranges may reach the
    /// threshold with the query (`false` only when none can).
    fn may_match(&self, s: &Span) -> bool {
        let f = &self.f;
        for (size, edges) in [(0, [2, 4]), (1, [3, 5])] {
            // w >= t * W for both boxes.
            if s.hi[size] < f[size] * self.tw || s.lo[size] * self.tw > f[size] {
                return false;
            }
            // Edge offsets within (1 - t) * W.
            let r = (1.0 - self.ts) * WIDEN * f[size].max(s.hi[size]);
            for e in edges {
                if s.lo[e] > f[e] + r || s.hi[e] < f[e] - r {
                    return false;
                }
            }
        }
        // The overlap is at most `i` (every box of the block lies within
        // the ranges), the area at least `s.lo[6]`, and IoU >= t means
        // `overlap * (1 + t) >= t * (area + area')`.
        let iw = (f[4].min(s.hi[4]) - f[2].max(s.lo[2])).max(0.0);
        let ih = (f[5].min(s.hi[5]) - f[3].max(s.lo[3])).max(0.0);
        let i = iw * ih;
        i * (1.0 + self.ts) * WIDEN >= self.ts * (f[6] + s.lo[6])
    }
}

/// Whether a walk over a cell goes on.
#[derive(PartialEq, Eq)]
enum Flow {
    Go,
    Stop,
}

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
    cells: HashMap<Key, Cell>,
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
        let mut cells: HashMap<Key, Cell> = HashMap::new();
        let mut odd = Vec::new();
        if matches!(plan, Plan::Grid { .. }) {
            for (i, b) in boxes.iter().enumerate() {
                match b.as_ref().map(class) {
                    Some(Class::Grid(k)) => cells.entry(k).or_default().members.push(i),
                    Some(Class::Odd) => odd.push(i),
                    Some(Class::Never) | None => {}
                }
            }
        }
        for c in cells.values_mut() {
            c.build(boxes);
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
        self.first_before_within(q, limit, &mut Budget::unlimited())
            .unwrap_or_default()
    }

    /// [`Self::first_before`], spending one unit of `budget` per IoU check
    /// and per block test; `Err` when it runs out first.
    pub(crate) fn first_before_within(
        &self,
        q: &BoxGeom,
        limit: usize,
        budget: &mut Budget,
    ) -> Result<Option<(usize, f64)>, Exhausted> {
        self.first_before_where(q, limit, budget, |_| true)
    }

    /// [`Self::first_before_within`] among the indices `accept` takes: the
    /// smallest accepted index below `limit` that reaches the threshold.
    pub(crate) fn first_before_where(
        &self,
        q: &BoxGeom,
        limit: usize,
        budget: &mut Budget,
        accept: impl Fn(usize) -> bool,
    ) -> Result<Option<(usize, f64)>, Exhausted> {
        let limit = limit.min(self.boxes.len());
        let hit = |i: usize| self.hit(i, q).filter(|_| accept(i));
        let linear = |budget: &mut Budget| {
            for i in 0..limit {
                budget.spend()?;
                if let Some(iou) = hit(i) {
                    return Ok(Some((i, iou)));
                }
            }
            Ok(None)
        };
        let reach = match self.plan {
            Plan::Nothing => return Ok(None),
            Plan::Everything | Plan::Pairwise => return linear(budget),
            Plan::Grid { reach } => reach,
        };
        let key = match class(q) {
            Class::Never => return Ok(None),
            Class::Odd => return linear(budget),
            Class::Grid(k) => k,
        };
        let mut best: Option<(usize, f64)> = None;
        for &i in &self.odd {
            if i >= limit {
                break;
            }
            budget.spend()?;
            if let Some(iou) = hit(i) {
                best = Some((i, iou));
                break;
            }
        }
        let probe = Probe::new(q, self.threshold);
        let mut spent: Result<(), Exhausted> = Ok(());
        let complete = self.visit(q, key, reach, &mut |cell| {
            if spent.is_err() {
                return;
            }
            let bound = best.map_or(limit, |(b, _)| b);
            let mut found = None;
            let walked = self.walk(cell, &probe, bound, budget, &mut |i, iou| {
                if !accept(i) {
                    return Flow::Go;
                }
                found = Some((i, iou));
                Flow::Stop
            });
            match walked {
                Ok(()) => best = found.or(best),
                Err(e) => spent = Err(e),
            }
        });
        spent?;
        if !complete {
            return linear(budget);
        }
        Ok(best)
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
        let mut found: Vec<usize> = self
            .odd
            .iter()
            .copied()
            .filter(|&i| self.hit(i, q).is_some())
            .collect();
        let probe = Probe::new(q, self.threshold);
        let mut budget = Budget::unlimited();
        let complete = self.visit(q, key, reach, &mut |cell| {
            // An unlimited budget does not run out.
            let _ = self.walk(cell, &probe, usize::MAX, &mut budget, &mut |i, _| {
                found.push(i);
                Flow::Go
            });
        });
        if complete {
            found.sort_unstable();
            *out = found;
        } else {
            linear(out);
        }
    }

    /// Calls `on_hit` with the members of `cell` below `bound` that reach
    /// the threshold with the probe, ascending, until it says stop.
    fn walk(
        &self,
        cell: &Cell,
        probe: &Probe<'_>,
        bound: usize,
        budget: &mut Budget,
        on_hit: &mut impl FnMut(usize, f64) -> Flow,
    ) -> Result<(), Exhausted> {
        let top = cell.levels.len();
        self.walk_range(cell, top, 0, cell.len_at(top), probe, bound, budget, on_hit)?;
        Ok(())
    }

    /// [`Self::walk`] over entries `from..to` of depth `d` (0: members,
    /// `d > 0`: `cell.levels[d - 1]`).
    #[allow(clippy::too_many_arguments)]
    fn walk_range(
        &self,
        cell: &Cell,
        d: usize,
        from: usize,
        to: usize,
        probe: &Probe<'_>,
        bound: usize,
        budget: &mut Budget,
        on_hit: &mut impl FnMut(usize, f64) -> Flow,
    ) -> Result<Flow, Exhausted> {
        for p in from..to {
            if let Some(l) = d.checked_sub(1) {
                let Some(span) = cell.levels.get(l).and_then(|v| v.get(p)) else {
                    break;
                };
                if span.first >= bound {
                    return Ok(Flow::Stop);
                }
                budget.spend()?;
                if !probe.may_match(span) {
                    continue;
                }
                let lo = p.saturating_mul(BLOCK);
                let hi = lo.saturating_add(BLOCK).min(cell.len_at(l));
                if self.walk_range(cell, l, lo, hi, probe, bound, budget, on_hit)? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            } else {
                let Some(&i) = cell.members.get(p) else { break };
                if i >= bound {
                    return Ok(Flow::Stop);
                }
                budget.spend()?;
                if let Some(iou) = self.hit(i, probe.q) {
                    if on_hit(i, iou) == Flow::Stop {
                        return Ok(Flow::Stop);
                    }
                }
            }
        }
        Ok(Flow::Go)
    }

    /// Calls `f` with every grid cell a match of `q` can lie in; `false`
    /// when the cell ranges are implausibly large (then the caller falls
    /// back to the pairwise scan).
    fn visit(&self, q: &BoxGeom, key: Key, reach: i32, f: &mut impl FnMut(&Cell)) -> bool {
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
                        if let Some(cell) = self.cells.get(&(ka, kb, cx, cy)) {
                            f(cell);
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

/// An index of boxes for "which boxes have every edge within `tol` of
/// this one's" queries: the companion rules' second way of matching a
/// companion to its object, for tiny boxes whose edges are roughly right
/// but whose IoU is low (a 4x4 box shifted by 1 px has an IoU of 0.6).
///
/// Each box is a point of its four edges, and a query a four-dimensional
/// range: a static k-d tree (medians, in place) answers it in
/// `O(n^(3/4) + k)` for `n` boxes and `k` matches, however the boxes are
/// laid out, where a grid of cells would compare a crowd of near misses
/// with every query. The range is widened by 1e-12 of the magnitudes
/// involved, far more than the rounding of `q ± tol` (about 1e-16 of
/// them), so no match is lost, and each candidate is checked with
/// [`edges_within`] itself.
pub(crate) struct EdgeIndex<'b> {
    boxes: &'b [Option<BoxGeom>],
    tol: f64,
    /// Box indices with their edges, arranged as an implicit k-d tree.
    tree: Vec<(usize, [f64; 4])>,
}

/// Runs of at most this many points are scanned.
const EDGE_LEAF: usize = 8;

impl<'b> EdgeIndex<'b> {
    /// Indexes `boxes` for queries at `tol` pixels; a tolerance that is
    /// not a positive finite number matches nothing.
    pub(crate) fn new(boxes: &'b [Option<BoxGeom>], tol: f64) -> Self {
        let mut tree = Vec::new();
        if tol > 0.0 && tol.is_finite() {
            tree.extend(boxes.iter().enumerate().filter_map(|(i, b)| {
                let b = b.as_ref()?;
                let e = [b.x_min, b.y_min, b.x_max, b.y_max];
                (!e.iter().any(|v| v.is_nan())).then_some((i, e))
            }));
            build(&mut tree, 0);
        }
        EdgeIndex { boxes, tol, tree }
    }

    /// Every index whose box has each edge within the tolerance of `q`'s,
    /// ascending, added to `out`.
    pub(crate) fn extend_all(&self, q: &BoxGeom, out: &mut Vec<usize>) {
        if self.tree.is_empty() {
            return;
        }
        let e = [q.x_min, q.y_min, q.x_max, q.y_max];
        if e.iter().any(|v| v.is_nan()) {
            return;
        }
        let reach = |v: f64| self.tol + (v.abs() + self.tol) * 1e-12;
        let lo = e.map(|v| v - reach(v));
        let hi = e.map(|v| v + reach(v));
        let start = out.len();
        let mut visit = |i: usize| {
            let hit = self
                .boxes
                .get(i)
                .and_then(Option::as_ref)
                .is_some_and(|b| edges_within(b, q, self.tol));
            if hit {
                out.push(i);
            }
        };
        search(&self.tree, 0, &lo, &hi, &mut visit);
        out[start..].sort_unstable();
    }

    /// Whether any box has each edge within the tolerance of `q`'s.
    pub(crate) fn any(&self, q: &BoxGeom) -> bool {
        let mut found = Vec::new();
        self.extend_all(q, &mut found);
        !found.is_empty()
    }
}

/// Arranges `points` as a k-d tree: the median on axis `depth % 4` in the
/// middle, smaller (or equal) before it, larger (or equal) after.
fn build(points: &mut [(usize, [f64; 4])], depth: usize) {
    if points.len() <= EDGE_LEAF {
        return;
    }
    let axis = depth % 4;
    let mid = points.len() / 2;
    points.select_nth_unstable_by(mid, |a, b| a.1[axis].total_cmp(&b.1[axis]));
    let (left, right) = points.split_at_mut(mid);
    build(left, depth + 1);
    if let Some(right) = right.get_mut(1..) {
        build(right, depth + 1);
    }
}

/// Calls `visit` with the index of every point of `tree` inside
/// `[lo, hi]` (and maybe others: the caller checks).
fn search(
    tree: &[(usize, [f64; 4])],
    depth: usize,
    lo: &[f64; 4],
    hi: &[f64; 4],
    visit: &mut impl FnMut(usize),
) {
    let inside = |p: &[f64; 4]| (0..4).all(|k| lo[k] <= p[k] && p[k] <= hi[k]);
    if tree.len() <= EDGE_LEAF {
        for (i, p) in tree {
            if inside(p) {
                visit(*i);
            }
        }
        return;
    }
    let axis = depth % 4;
    let mid = tree.len() / 2;
    let (i, p) = &tree[mid];
    if inside(p) {
        visit(*i);
    }
    if lo[axis] <= p[axis] {
        search(&tree[..mid], depth + 1, lo, hi, visit);
    }
    if hi[axis] >= p[axis] {
        search(&tree[mid + 1..], depth + 1, lo, hi, visit);
    }
}

/// Whether each edge of `a` lies within `tol` of `b`'s.
pub(crate) fn edges_within(a: &BoxGeom, b: &BoxGeom, tol: f64) -> bool {
    (a.x_min - b.x_min).abs() <= tol
        && (a.y_min - b.y_min).abs() <= tol
        && (a.x_max - b.x_max).abs() <= tol
        && (a.y_max - b.y_max).abs() <= tol
}

#[cfg(test)]
mod tests {
    use super::*;
    use labelkit_testkit::oracles::{box_crowds, iou_boxes};
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

    proptest! {
        /// The edge index finds exactly the boxes the pairwise loop does.
        #[test]
        fn edge_index_finds_exactly_the_pairwise_matches(
            boxes in iou_boxes(),
            tol in prop_oneof![Just(1.5), Just(0.25), Just(0.0), Just(f64::NAN), 0.0f64..3.0],
        ) {
            let index = EdgeIndex::new(&boxes, tol);
            for q in boxes.iter().flatten() {
                let mut got = Vec::new();
                index.extend_all(q, &mut got);
                let want: Vec<usize> = (0..boxes.len())
                    .filter(|&i| {
                        tol > 0.0
                            && tol.is_finite()
                            && boxes[i].as_ref().is_some_and(|b| edges_within(b, q, tol))
                    })
                    .collect();
                prop_assert_eq!(got, want);
            }
        }
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

    /// More than `BLOCK * BLOCK` members in one cell: two levels of
    /// blocks, against the pairwise loop.
    #[test]
    fn blocks_of_blocks_find_exactly_the_pairwise_matches() {
        let families: [fn(f64) -> BoxGeom; 3] = [
            |s| BoxGeom::from_xyxy(-300.0 - s, 0.0, 300.0 + s, 200.0),
            |s| BoxGeom::from_xyxy(s, s, 8000.0 - s, 1000.0 + s),
            |s| BoxGeom::from_xyxy(-s, 0.0, 2700.0, 200.0),
        ];
        for family in families {
            for stride in [1, 7] {
                let mut boxes = Vec::new();
                for r in 0..stride {
                    boxes.extend(
                        (r..2500)
                            .step_by(stride)
                            .map(|i| Some(family(f64::from(u32::try_from(i).expect("i")) * 0.125))),
                    );
                }
                let index = IouIndex::new(&boxes, 0.9);
                assert!(index.cells.values().any(|c| c.levels.len() == 2));
                let mut got = Vec::new();
                for (j, q) in boxes.iter().enumerate() {
                    let q = q.as_ref().expect("box");
                    let a = index.first_before(q, j);
                    let b = first_before_pairwise(&boxes, 0.9, q, j);
                    assert_eq!(a.map(|x| x.0), b.map(|x| x.0), "{j}");
                    if j % 101 == 0 {
                        index.all(q, &mut got);
                        assert_eq!(got, all_pairwise(&boxes, 0.9, q), "{j}");
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn index_finds_exactly_the_pairwise_matches(
            boxes in prop_oneof![iou_boxes(), box_crowds()],
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
                // Skipping every third index finds the first match among
                // the others.
                let skip = |i: usize| !i.is_multiple_of(3);
                let c = index
                    .first_before_where(q, j, &mut Budget::unlimited(), skip)
                    .unwrap_or_default();
                let d = (0..j).find_map(|i| {
                    let iou = boxes[i].as_ref()?.iou(q);
                    (skip(i) && iou >= t).then_some(i)
                });
                prop_assert_eq!(c.map(|x| x.0), d);
                index.all(q, &mut got);
                prop_assert_eq!(&got, &all_pairwise(&boxes, t, q));
            }
        }
    }
}
