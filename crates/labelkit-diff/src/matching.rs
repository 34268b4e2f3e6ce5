//! Candidate pairs through a uniform grid, and greedy one-to-one matching
//! by best score first.

use std::collections::HashMap;

/// The most candidates one shape examines when it is matched: an image
/// where a shape overlaps more shapes than this (a crafted pile of boxes)
/// is matched among the first ones found, in grid order, and the diff's
/// notes say how many shapes reached the cap. Identical shapes are paired
/// before the search, so a pile of copies never reaches it.
pub const CANDIDATE_CAP: usize = 256;

/// A shape's axis-aligned bounds `[x0, y0, x1, y1]` in pixels, finite.
pub(crate) type Rect = [f64; 4];

/// Shapes whose bounds are thinner than this (a point, a horizontal line)
/// are matched as a box this wide and high around their centre: two points
/// 3 px apart have an IoU of 0.68, 8 px apart 0.33.
const POINT_BOX: f64 = 16.0;

/// The rect a shape is matched by: its bounds, widened to [`POINT_BOX`]
/// along a side thinner than it.
pub(crate) fn match_rect(r: Rect) -> Rect {
    let [mut x0, mut y0, mut x1, mut y1] = r;
    if x1 - x0 < POINT_BOX {
        let c = (x0 + x1) / 2.0;
        let half = ((x1 - x0) / 2.0).max(POINT_BOX / 2.0);
        x0 = c - half;
        x1 = c + half;
    }
    if y1 - y0 < POINT_BOX {
        let c = (y0 + y1) / 2.0;
        let half = ((y1 - y0) / 2.0).max(POINT_BOX / 2.0);
        y0 = c - half;
        y1 = c + half;
    }
    [x0, y0, x1, y1]
}

/// Intersection over union of two rects.
pub(crate) fn iou(a: &Rect, b: &Rect) -> f64 {
    let iw = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let ih = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = iw * ih;
    let area = |r: &Rect| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
    let union = area(a) + area(b) - inter;
    if union > 0.0 {
        inter / union
    } else {
        0.0
    }
}

/// New cells a stored rect may cover; a larger one is kept in a list every
/// query looks at (up to the cap).
const MAX_CELLS_STORED: i64 = 64;
/// Cells a query rect may walk; a larger one scans the stored rects in
/// order (up to the cap).
const MAX_CELLS_QUERIED: i64 = 4096;
/// Cell coordinates stay within this, so that cell arithmetic cannot
/// overflow on a crafted coordinate.
const CELL_LIMIT: f64 = 1e12;

/// A uniform grid over stored rects, to find the ones near a query.
pub(crate) struct Grid<'a> {
    rects: &'a [Rect],
    cell: f64,
    cells: HashMap<(i64, i64), Vec<u32>>,
    big: Vec<u32>,
    stamp: Vec<u32>,
    round: u32,
}

impl<'a> Grid<'a> {
    /// A grid over `stored`, with cells the median size of `stored` and
    /// `queries` together (at least 1 px).
    pub(crate) fn new(stored: &'a [Rect], queries: &[Rect]) -> Self {
        let mut sizes: Vec<f64> = stored
            .iter()
            .chain(queries)
            .map(|r| (r[2] - r[0]).max(r[3] - r[1]))
            .filter(|s| s.is_finite())
            .collect();
        let cell = if sizes.is_empty() {
            1.0
        } else {
            let mid = sizes.len() / 2;
            let (_, m, _) = sizes.select_nth_unstable_by(mid, f64::total_cmp);
            m.max(1.0)
        };
        let mut grid = Self {
            rects: stored,
            cell,
            cells: HashMap::new(),
            big: Vec::new(),
            stamp: vec![0; stored.len()],
            round: 0,
        };
        for (i, r) in stored.iter().enumerate() {
            let Ok(id) = u32::try_from(i) else { break };
            let (cx0, cy0, cx1, cy1) = grid.cell_range(r);
            if (cx1 - cx0 + 1).saturating_mul(cy1 - cy0 + 1) > MAX_CELLS_STORED {
                grid.big.push(id);
                continue;
            }
            for cy in cy0..=cy1 {
                for cx in cx0..=cx1 {
                    grid.cells.entry((cx, cy)).or_default().push(id);
                }
            }
        }
        grid
    }

    #[allow(clippy::cast_possible_truncation)]
    fn cell_of(&self, v: f64) -> i64 {
        // Finite and clamped: the cast is exact.
        (v / self.cell).floor().clamp(-CELL_LIMIT, CELL_LIMIT) as i64
    }

    fn cell_range(&self, r: &Rect) -> (i64, i64, i64, i64) {
        (
            self.cell_of(r[0]),
            self.cell_of(r[1]),
            self.cell_of(r[2]).max(self.cell_of(r[0])),
            self.cell_of(r[3]).max(self.cell_of(r[1])),
        )
    }

    /// Calls `f` with each stored rect near `query` (sharing a cell with
    /// it), each once, at most [`CANDIDATE_CAP`] of them; returns whether
    /// the cap cut the search short. `seed` rotates where the walk of each
    /// cell starts, so that the queries of a pile of shapes see different
    /// candidates when the cap cuts them short.
    pub(crate) fn near(&mut self, query: &Rect, seed: usize, mut f: impl FnMut(usize)) -> bool {
        self.round = self.round.wrapping_add(1);
        if self.round == 0 {
            self.stamp.fill(0);
            self.round = 1;
        }
        let round = self.round;
        let mut examined = 0usize;
        let mut visit = |id: u32, stamp: &mut [u32]| -> bool {
            let i = id as usize;
            if stamp[i] == round {
                return true;
            }
            stamp[i] = round;
            if examined == CANDIDATE_CAP {
                return false;
            }
            examined += 1;
            f(i);
            true
        };
        let rotated = |len: usize| -> usize {
            if len == 0 {
                0
            } else {
                seed.wrapping_mul(0x9E37_79B9) % len
            }
        };
        let start = rotated(self.big.len());
        for k in 0..self.big.len() {
            let id = self.big[(start + k) % self.big.len()];
            if !visit(id, &mut self.stamp) {
                return true;
            }
        }
        let (cx0, cy0, cx1, cy1) = self.cell_range(query);
        if (cx1 - cx0 + 1).saturating_mul(cy1 - cy0 + 1) > MAX_CELLS_QUERIED {
            let n = self.rects.len();
            let start = rotated(n);
            for k in 0..n {
                let i = (start + k) % n;
                let r = &self.rects[i];
                let overlaps =
                    r[0] <= query[2] && query[0] <= r[2] && r[1] <= query[3] && query[1] <= r[3];
                let Ok(id) = u32::try_from(i) else { continue };
                if overlaps && !visit(id, &mut self.stamp) {
                    return true;
                }
            }
            return false;
        }
        for cy in cy0..=cy1 {
            for cx in cx0..=cx1 {
                if let Some(ids) = self.cells.get(&(cx, cy)) {
                    let start = rotated(ids.len());
                    for k in 0..ids.len() {
                        if !visit(ids[(start + k) % ids.len()], &mut self.stamp) {
                            return true;
                        }
                    }
                }
            }
        }
        false
    }
}

/// One-to-one pairs of `old` and `new` rects by IoU at `min_iou` or more,
/// greedily by best IoU first (ties: lower old, then lower new position).
/// `None` rects (tags, empty shapes) pair with each other in order.
/// Identical rects pair first without a search. `capped` counts the old
/// rects whose search reached [`CANDIDATE_CAP`].
pub(crate) fn greedy(
    old: &[Option<Rect>],
    new: &[Option<Rect>],
    min_iou: f64,
    capped: &mut usize,
) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    let mut old_used = vec![false; old.len()];
    let mut new_used = vec![false; new.len()];
    // Shapes without bounds, in order.
    let old_none = old.iter().enumerate().filter(|(_, r)| r.is_none());
    let mut new_none = new.iter().enumerate().filter(|(_, r)| r.is_none());
    for (i, _) in old_none {
        let Some((j, _)) = new_none.next() else { break };
        old_used[i] = true;
        new_used[j] = true;
        pairs.push((i, j));
    }
    // A few shapes: every pair, without a grid.
    if old.len().saturating_mul(new.len()) <= SMALL_PAIRS {
        let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
        for (i, a) in old.iter().enumerate() {
            let Some(a) = a.filter(|_| !old_used[i]) else {
                continue;
            };
            for (j, b) in new.iter().enumerate() {
                let Some(b) = b.filter(|_| !new_used[j]) else {
                    continue;
                };
                let score = iou(&a, &b);
                if score >= min_iou {
                    candidates.push((score, i, j));
                }
            }
        }
        candidates.sort_unstable_by(best_first);
        for (_, i, j) in candidates {
            if !old_used[i] && !new_used[j] {
                old_used[i] = true;
                new_used[j] = true;
                pairs.push((i, j));
            }
        }
        pairs.sort_unstable();
        return pairs;
    }
    // Identical rects, in order: the best score there is.
    let mut exact: HashMap<[u64; 4], Vec<usize>> = HashMap::new();
    for (j, r) in new.iter().enumerate().rev() {
        if let Some(r) = r {
            exact.entry(r.map(f64::to_bits)).or_default().push(j);
        }
    }
    for (i, r) in old.iter().enumerate() {
        let Some(r) = r else { continue };
        if let Some(js) = exact.get_mut(&r.map(f64::to_bits)) {
            if let Some(j) = js.pop() {
                old_used[i] = true;
                new_used[j] = true;
                pairs.push((i, j));
            }
        }
    }
    // The rest through the grid, in rounds: a round where the cap cut a
    // search short leaves shapes that may still pair with the ones left.
    let mut cut = 0;
    for _ in 0..MAX_ROUNDS {
        let paired;
        (cut, paired) = grid_round(old, new, min_iou, &mut old_used, &mut new_used, &mut pairs);
        if cut == 0 || paired == 0 {
            break;
        }
    }
    // The searches the cap or the budget cut short in the last round: what
    // they did not see stays unpaired.
    *capped = capped.saturating_add(cut);
    pairs.sort_unstable();
    pairs
}

/// The candidate pairs one round keeps at most, unless every shape keeps
/// [`KEPT_PER_SHAPE`]: a pile of overlapping shapes would otherwise take
/// memory in proportion to the cap (2^21 pairs are 48 MiB).
const CANDIDATE_BUDGET: usize = 1 << 21;

/// The best candidates a shape keeps at least for the greedy pairing, when
/// the budget is short: a shape rarely has more than one good match.
const KEPT_PER_SHAPE: usize = 16;

/// Best IoU first; ties by old, then new position.
fn best_first(a: &(f64, usize, usize), b: &(f64, usize, usize)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
}

/// Shape pairs below which every pair is scored without a grid.
const SMALL_PAIRS: usize = 64;

/// Rounds of [`grid_round`] at most: each pairs what the cap let it see.
const MAX_ROUNDS: usize = 4;

/// One round of greedy matching of the unused rects through a grid;
/// returns how many searches the cap or the budget cut short (0 when the
/// round saw and kept every candidate, so another would find nothing new)
/// and how many pairs it made.
fn grid_round(
    old: &[Option<Rect>],
    new: &[Option<Rect>],
    min_iou: f64,
    old_used: &mut [bool],
    new_used: &mut [bool],
    pairs: &mut Vec<(usize, usize)>,
) -> (usize, usize) {
    let rest_new: Vec<usize> = (0..new.len())
        .filter(|&j| !new_used[j] && new[j].is_some())
        .collect();
    let queries: Vec<(usize, Rect)> = (0..old.len())
        .filter(|&i| !old_used[i])
        .filter_map(|i| old[i].map(|r| (i, r)))
        .collect();
    if rest_new.is_empty() || queries.is_empty() {
        return (0, 0);
    }
    let stored: Vec<Rect> = rest_new.iter().filter_map(|&j| new[j]).collect();
    let query_rects: Vec<Rect> = queries.iter().map(|&(_, r)| r).collect();
    let mut grid = Grid::new(&stored, &query_rects);
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    let mut cut = 0usize;
    let mut found: Vec<(f64, usize, usize)> = Vec::new();
    let keep = if queries.len().saturating_mul(CANDIDATE_CAP) <= CANDIDATE_BUDGET {
        CANDIDATE_CAP
    } else {
        (CANDIDATE_BUDGET / queries.len()).max(KEPT_PER_SHAPE)
    };
    for &(i, q) in &queries {
        found.clear();
        let hit = grid.near(&q, i, |s| {
            let score = iou(&q, &stored[s]);
            if score >= min_iou {
                found.push((score, i, rest_new[s]));
            }
        });
        if found.len() > keep {
            found.select_nth_unstable_by(keep - 1, best_first);
            found.truncate(keep);
            cut += 1;
        } else if hit {
            cut += 1;
        }
        candidates.extend_from_slice(&found);
    }
    candidates.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut paired = 0usize;
    for (_, i, j) in candidates {
        if !old_used[i] && !new_used[j] {
            old_used[i] = true;
            new_used[j] = true;
            pairs.push((i, j));
            paired += 1;
        }
    }
    (cut, paired)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_takes_the_best_overlap_first_and_pairs_one_to_one() {
        let old = [
            Some([0.0, 0.0, 10.0, 10.0]),
            Some([1.0, 0.0, 11.0, 10.0]),
            None,
        ];
        let new = [
            None,
            Some([1.0, 0.0, 11.0, 10.0]),
            Some([2.0, 0.0, 12.0, 10.0]),
        ];
        let mut capped = 0;
        let pairs = greedy(&old, &new, 0.5, &mut capped);
        // old 1 and new 1 are identical; old 0 takes new 2 (IoU 8/12).
        assert_eq!(pairs, vec![(0, 2), (1, 1), (2, 0)]);
        assert_eq!(capped, 0);
    }

    #[test]
    fn points_are_matched_as_small_boxes() {
        let a = match_rect([5.0, 5.0, 5.0, 5.0]);
        let b = match_rect([8.0, 5.0, 8.0, 5.0]);
        assert_eq!(a, [-3.0, -3.0, 13.0, 13.0]);
        assert!((iou(&a, &b) - 208.0 / 304.0).abs() < 1e-12);
    }
}
