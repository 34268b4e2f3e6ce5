//! Which boxes lie inside at least one box of another set, answered for a
//! whole image at once in `O(n log² n)` instead of checking every pair, so
//! the rules that look for a containing box (part-outside-parent, the
//! keypoint-outside box check) stay near-linear whatever the layout.
//!
//! Containment with a tolerance is a four-sided dominance test: box `q`
//! lies in box `o` when `q.x_min >= o.x_min - tol`, `q.y_min >= o.y_min -
//! tol`, `q.x_max <= o.x_max + tol` and `q.y_max <= o.y_max + tol`
//! ([`BoxGeom::contains_box`], and [`BoxGeom::contains_point`] for a point
//! as a box of size zero). The four bounds of each outer box are computed
//! once, with the same floating-point operations, so every comparison is
//! the one the pairwise loop makes and the answers are exactly its answers.
//!
//! The queries are offline (all known before the first answer), which is
//! what makes an exact bound possible without a grid's worst cases: a
//! divide and conquer over the left edges (every outer box meets every
//! later query at exactly one level of the recursion) and, at each level, a
//! sweep over the top edges with a Fenwick tree over the right edges that
//! keeps the two largest bottom edges, so a query can skip its own box when
//! the same shape is both a part and a parent. Short runs are checked
//! pairwise. NaN bounds never compare true, so boxes with one are dropped
//! up front: they contain nothing and lie in nothing.

use std::cmp::Ordering;

use labelkit_model::BoxGeom;

/// Runs of at most this many boxes are checked pairwise.
const LEAF: usize = 32;

/// One outer box, by its tolerance-widened edges.
#[derive(Clone, Copy)]
struct Outer {
    l: f64,
    t: f64,
    r: f64,
    b: f64,
    /// Rank of `r` among the outer boxes' right edges.
    rank: usize,
    id: usize,
}

/// One query box.
#[derive(Clone, Copy)]
struct Inner {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    /// The first rank whose right edge is at least `x1`.
    rank: usize,
    id: usize,
    slot: usize,
}

#[derive(Clone, Copy)]
enum Item {
    Outer(usize),
    Inner(usize),
}

/// For each of `inners` (an id and a box), whether it lies inside at least
/// one of `outers` with a different id, allowing `tol` on each side, as
/// [`BoxGeom::contains_box`] decides it. Ids of `outers` must be distinct;
/// an id shared by an inner and an outer box marks the same shape, which
/// does not contain itself.
pub(crate) fn inside_any(
    outers: &[(usize, BoxGeom)],
    tol: f64,
    inners: &[(usize, BoxGeom)],
) -> Vec<bool> {
    containers(outers, tol, inners)
        .iter()
        .map(|c| c[0].is_some())
        .collect()
}

/// Up to two of the boxes an inner box lies in (their ids).
pub(crate) type Held = [Option<usize>; 2];

/// For each of `inners`, up to two ids of `outers` it lies inside (with a
/// different id), as [`inside_any`] decides containment: enough to tell a
/// part in no parent, in exactly one (and which), or in several. The same
/// `O(n log² n)` query: each outer box meets each query at exactly one
/// level of the recursion, so the ids found at the levels are distinct.
pub(crate) fn containers(
    outers: &[(usize, BoxGeom)],
    tol: f64,
    inners: &[(usize, BoxGeom)],
) -> Vec<Held> {
    let mut found: Vec<Held> = vec![[None, None]; inners.len()];
    let mut os: Vec<Outer> = outers
        .iter()
        .map(|&(id, o)| Outer {
            l: (o.x_min - tol) + 0.0,
            t: (o.y_min - tol) + 0.0,
            r: (o.x_max + tol) + 0.0,
            b: (o.y_max + tol) + 0.0,
            rank: 0,
            id,
        })
        .filter(|o| !(o.l.is_nan() || o.t.is_nan() || o.r.is_nan() || o.b.is_nan()))
        .collect();
    if os.is_empty() {
        return found;
    }
    let mut rights: Vec<f64> = os.iter().map(|o| o.r).collect();
    rights.sort_unstable_by(f64::total_cmp);
    rights.dedup();
    for o in &mut os {
        o.rank = rights.partition_point(|&r| r < o.r);
    }
    let is: Vec<Inner> = inners
        .iter()
        .enumerate()
        .map(|(slot, &(id, q))| Inner {
            x0: q.x_min + 0.0,
            y0: q.y_min + 0.0,
            x1: q.x_max + 0.0,
            y1: q.y_max + 0.0,
            rank: rights.partition_point(|&r| r < q.x_max),
            id,
            slot,
        })
        .filter(|q| !(q.x0.is_nan() || q.y0.is_nan() || q.x1.is_nan() || q.y1.is_nan()))
        .collect();
    // By left edge; an outer box before a query on a tie (`<=` holds).
    let mut items: Vec<Item> = (0..os.len())
        .map(Item::Outer)
        .chain((0..is.len()).map(Item::Inner))
        .collect();
    let key = |it: &Item| match *it {
        Item::Outer(i) => (os[i].l, 0u8),
        Item::Inner(i) => (is[i].x0, 1u8),
    };
    items.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.total_cmp(&kb.0).then(ka.1.cmp(&kb.1))
    });
    let mut solver = Solver {
        os: &os,
        is: &is,
        found: &mut found,
        tree: vec![Top3::default(); rights.len()],
    };
    solver.solve(&items);
    found
}

struct Solver<'a> {
    os: &'a [Outer],
    is: &'a [Inner],
    found: &'a mut [Held],
    /// Fenwick tree over reversed right-edge ranks: a prefix holds the
    /// boxes whose right edge reaches at least a given rank.
    tree: Vec<Top3>,
}

impl Solver<'_> {
    fn solve(&mut self, items: &[Item]) {
        if items.len() <= LEAF {
            self.pairwise(items);
            return;
        }
        let (left, right) = items.split_at(items.len() / 2);
        self.solve(left);
        self.solve(right);
        // Every outer box on the left has a left edge at most every
        // query's on the right: match them on the other three edges.
        let mut outers: Vec<usize> = left
            .iter()
            .filter_map(|it| match *it {
                Item::Outer(i) => Some(i),
                Item::Inner(_) => None,
            })
            .collect();
        let mut queries: Vec<usize> = right
            .iter()
            .filter_map(|it| match *it {
                Item::Inner(i) if !self.is_found(i) => Some(i),
                _ => None,
            })
            .collect();
        if outers.is_empty() || queries.is_empty() {
            return;
        }
        let os = self.os;
        let is = self.is;
        outers.sort_unstable_by(|&a, &b| os[a].t.total_cmp(&os[b].t));
        queries.sort_unstable_by(|&a, &b| is[a].y0.total_cmp(&is[b].y0));
        let mut added = 0;
        for &q in &queries {
            let q = is[q];
            while let Some(&o) = outers.get(added) {
                if os[o].t > q.y0 {
                    break;
                }
                self.insert(os[o]);
                added += 1;
            }
            for (b, id) in self.query(q) {
                if id != q.id && b >= q.y1 {
                    self.hold(q.slot, id);
                }
            }
        }
        for &o in outers.iter().take(added) {
            self.clear(os[o].rank);
        }
    }

    /// Whether query `i` has found two containers (no more are needed).
    fn is_found(&self, i: usize) -> bool {
        self.found[self.is[i].slot][1].is_some()
    }

    /// Records container `id` of the query in `slot`.
    fn hold(&mut self, slot: usize, id: usize) {
        let held = &mut self.found[slot];
        if held[0].is_none() {
            held[0] = Some(id);
        } else if held[1].is_none() && held[0] != Some(id) {
            held[1] = Some(id);
        }
    }

    /// Every outer box before each query in `items` (so with a left edge
    /// at most the query's), compared directly.
    fn pairwise(&mut self, items: &[Item]) {
        for (j, it) in items.iter().enumerate() {
            let Item::Inner(q) = *it else { continue };
            let q = self.is[q];
            for it in &items[..j] {
                if self.found[q.slot][1].is_some() {
                    break;
                }
                if let Item::Outer(o) = *it {
                    let o = self.os[o];
                    if o.id != q.id && o.t <= q.y0 && o.r >= q.x1 && o.b >= q.y1 {
                        self.hold(q.slot, o.id);
                    }
                }
            }
        }
    }

    /// Position in the tree of right-edge rank `rank` (1-based, reversed).
    fn pos(&self, rank: usize) -> usize {
        self.tree.len() - rank
    }

    fn insert(&mut self, o: Outer) {
        let mut i = self.pos(o.rank);
        while let Some(node) = self.tree.get_mut(i - 1) {
            node.add(o.b, o.id);
            i += i & i.wrapping_neg();
        }
    }

    fn clear(&mut self, rank: usize) {
        let mut i = self.pos(rank);
        while let Some(node) = self.tree.get_mut(i - 1) {
            *node = Top3::default();
            i += i & i.wrapping_neg();
        }
    }

    /// The three largest bottom edges among inserted boxes whose right
    /// edge is at least the query's: with the query's own box among them,
    /// still two others.
    fn query(&self, q: Inner) -> impl Iterator<Item = (f64, usize)> {
        let mut best = Top3::default();
        if q.rank < self.tree.len() {
            let mut i = self.pos(q.rank);
            while i > 0 {
                for (b, id) in self.tree[i - 1].iter() {
                    best.add(b, id);
                }
                i &= i - 1;
            }
        }
        best.iter()
    }
}

/// The three largest bottom edges seen, with their boxes' ids (distinct,
/// as each box is added once).
#[derive(Clone, Copy, Default)]
struct Top3([Option<(f64, usize)>; 3]);

impl Top3 {
    fn add(&mut self, b: f64, id: usize) {
        let beats = |slot: Option<(f64, usize)>| {
            slot.is_none_or(|(s, _)| b.total_cmp(&s) == Ordering::Greater)
        };
        if let Some(i) = self.0.iter().position(|&slot| beats(slot)) {
            self.0[i..].rotate_right(1);
            self.0[i] = Some((b, id));
        }
    }

    fn iter(self) -> impl Iterator<Item = (f64, usize)> {
        self.0.into_iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use labelkit_testkit::oracles::{edge_box, edge_tolerance};
    use proptest::prelude::*;

    /// The pairwise loop the query replaces: the oracle.
    fn pairwise(outers: &[(usize, BoxGeom)], tol: f64, inners: &[(usize, BoxGeom)]) -> Vec<bool> {
        inners
            .iter()
            .map(|(qi, q)| {
                outers
                    .iter()
                    .any(|(oi, o)| oi != qi && o.contains_box(q, tol))
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Outer and inner boxes from one pool, so the same shape is often
        /// both (a label that is its own parent) and must skip itself.
        #[test]
        fn inside_any_agrees_with_the_pairwise_loop(
            pool in proptest::collection::vec(edge_box(), 0..150),
            roles in proptest::collection::vec(0u8..3, 150),
            tol in edge_tolerance(),
        ) {
            let mut outers = Vec::new();
            let mut inners = Vec::new();
            for (i, (g, role)) in pool.iter().zip(&roles).enumerate() {
                if *role != 1 {
                    outers.push((i, *g));
                }
                if *role != 0 {
                    inners.push((i, *g));
                }
            }
            prop_assert_eq!(inside_any(&outers, tol, &inners), pairwise(&outers, tol, &inners));
            // Up to two containers, each a real one, two whenever there are.
            for (held, (qi, q)) in containers(&outers, tol, &inners).iter().zip(&inners) {
                let all: Vec<usize> = outers
                    .iter()
                    .filter(|(oi, o)| oi != qi && o.contains_box(q, tol))
                    .map(|(oi, _)| *oi)
                    .collect();
                let got: Vec<usize> = held.iter().flatten().copied().collect();
                prop_assert_eq!(got.len(), all.len().min(2));
                prop_assert!(got.iter().all(|g| all.contains(g)));
                prop_assert!(got.len() < 2 || got[0] != got[1]);
            }
        }
    }

    #[test]
    fn a_box_does_not_contain_itself_but_its_twin_does() {
        let b = BoxGeom::from_xyxy(0.0, 0.0, 10.0, 10.0);
        assert_eq!(inside_any(&[(1, b)], 2.0, &[(1, b)]), [false]);
        assert_eq!(inside_any(&[(1, b), (2, b)], 2.0, &[(1, b)]), [true]);
        assert_eq!(inside_any(&[(1, b), (2, b)], f64::NAN, &[(1, b)]), [false]);
    }

    /// Many outer boxes, many queries, none inside: a query lies right of
    /// the left edges of the boxes before it and below the bottom edges of
    /// the boxes after it, so only the pairwise loop's every pair decides.
    #[test]
    fn staircase_of_many_boxes_matches_pairwise() {
        let n = 600u32;
        let outers: Vec<(usize, BoxGeom)> = (0..n)
            .map(|j| {
                let f = f64::from(j);
                (j as usize, BoxGeom::from_xyxy(f, 0.0, 5000.0, 1000.0 + f))
            })
            .collect();
        let inners: Vec<(usize, BoxGeom)> = (0..n)
            .map(|i| {
                let f = f64::from(i);
                let b = BoxGeom::from_xyxy(f + 0.5, 10.0, f + 900.0, 1000.5 + f);
                ((n + i) as usize, b)
            })
            .collect();
        let got = inside_any(&outers, 0.0, &inners);
        assert_eq!(got, pairwise(&outers, 0.0, &inners));
        assert!(got.iter().all(|&x| !x));
        // With a tolerance of 1 every box holds the queries it nearly did.
        let got = inside_any(&outers, 1.0, &inners);
        assert_eq!(got, pairwise(&outers, 1.0, &inners));
        assert!(got.iter().all(|&x| x));
    }
}
