//! The outline of a run-length encoded mask as one polygon ring, for
//! segment rows.
//!
//! The mask's runs are turned into row intervals, the boundary between
//! foreground and background into axis-aligned edges along pixel borders
//! (foreground on the right of each edge), and the edges into closed
//! cycles: the outlines of the mask's parts and of their holes. Pixels that
//! touch only at a corner are separate parts (4-connectivity). All cycles
//! are joined into one ring as Ultralytics' COCO converter joins the parts
//! of a polygon: each cycle is linked to the next by the shortest segment
//! between their vertices, the path goes out through the cycles and comes
//! back through them, so that the links are walked twice and enclose
//! nothing. Every vertex lies a quarter pixel inside the border it follows
//! ([`INSET`]). Filled by pixel centres with the even-odd rule or the
//! nonzero rule (holes run the other way round), the ring covers exactly
//! the mask's pixels; filled by Ultralytics' `polygon2mask` (OpenCV's
//! `fillPoly`, which also fills the pixels the outline and the links pass
//! through), it covers OCHuman's masks with IoU 0.99 or more and 730 of
//! cocoapi's 734 fragmented result masks with 0.9 or more
//! (`.ci/ultralytics-interop.sh`).
//!
//! Nothing is decoded pixel by pixel: time and memory follow the runs and
//! rows of the mask. A mask of more than [`MAX_TRACED_INTERVALS`] row
//! intervals (foreground runs cut at row ends) is not traced
//! ([`TraceError::TooFragmented`]).

use labelkit_model::rle::{MaskEncoding, RleError};
use labelkit_model::Point;

/// The most row intervals (foreground runs cut at row ends) a mask may have
/// to be traced: 2^20 (1,048,576).
///
/// A real mask has a few per row and part: tens of thousands on a large
/// image. The worst case is a checkerboard, where every pixel is a part:
/// measured in a debug build, a 1448 x 1448 checkerboard (1,048,352
/// intervals, just under the limit) is traced in 12.6 s with a peak of
/// 283 MB (a ring of 6.3 million vertices); a 2048 x 2048 one (2^21
/// intervals) is refused after 0.45 s and 70 MB, where tracing it would take
/// 28 s and 520 MB.
pub(crate) const MAX_TRACED_INTERVALS: usize = 1 << 20;

/// What the report calls a mask that is not traced because of
/// [`MAX_TRACED_INTERVALS`].
pub(crate) const TOO_FRAGMENTED: &str = "masks too fragmented to trace (more than 2^20 row runs)";

/// Why a mask has no outline.
#[derive(Debug)]
pub(crate) enum TraceError {
    /// The mask is invalid or beyond labelkit's mask limits.
    Mask(RleError),
    /// More than [`MAX_TRACED_INTERVALS`] row intervals.
    TooFragmented,
}

impl From<RleError> for TraceError {
    fn from(e: RleError) -> Self {
        Self::Mask(e)
    }
}

/// How far each vertex of an outline lies inside the pixel border it
/// follows, in pixels (diagonally: this far from both sides of its corner).
///
/// A quarter pixel keeps every foreground pixel's centre inside (0.5 from
/// the border) and every background pixel's outside, so a fill by pixel
/// centres gives back the mask exactly; and a fill that truncates the
/// vertices to whole pixels and draws the outline's pixels too (OpenCV's
/// `fillPoly` as Ultralytics' `polygon2mask` calls it) draws the outline on
/// the mask's own border pixels, where a vertex on the border itself would
/// add a row of pixels around it. The cost: the polygon's bounds are a
/// half pixel narrower and shorter than the mask's.
const INSET: f64 = 0.25;

/// One foreground interval `[x0, x1)` of row `y`, window coordinates.
#[derive(Debug, Clone, Copy)]
struct Interval {
    y: u32,
    x0: u32,
    x1: u32,
}

/// A directed boundary edge between two pixel corners.
#[derive(Debug, Clone, Copy)]
struct Edge {
    from: (u32, u32),
    to: (u32, u32),
}

impl Edge {
    fn dir(self) -> (i8, i8) {
        (
            sign(i64::from(self.to.0) - i64::from(self.from.0)),
            sign(i64::from(self.to.1) - i64::from(self.from.1)),
        )
    }
}

fn sign(v: i64) -> i8 {
    match v.cmp(&0) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }
}

/// The outline of the mask's foreground, its parts and holes joined into
/// one ring, in image pixel coordinates (a pixel at column `x` spans
/// `[x, x + 1]`); `None` for an empty mask. The second value is the number
/// of cycles joined (parts and holes).
///
/// # Errors
/// An invalid mask, one beyond labelkit's mask limits, or one of more than
/// [`MAX_TRACED_INTERVALS`] row intervals.
pub(crate) fn mask_outline(mask: &MaskEncoding) -> Result<Option<(Vec<Point>, usize)>, TraceError> {
    let MaskEncoding::Window {
        left,
        top,
        width,
        counts,
        ..
    } = mask.to_window()?
    else {
        return Ok(None);
    };
    let intervals = intervals(&counts, width)?;
    let mut parts = cycles(&intervals);
    if parts.is_empty() {
        return Ok(None);
    }
    let n = parts.len();
    let (left, top) = (f64::from(left), f64::from(top));
    let ring: Vec<Point> = if n == 1 {
        parts.swap_remove(0)
    } else {
        join_parts(&parts)
    }
    .into_iter()
    .map(|p| Point::new(p.x + left, p.y + top))
    .collect();
    Ok(Some((ring, n)))
}

/// The foreground intervals of row-major runs over a window `width` wide,
/// in row order.
fn intervals(counts: &[u32], width: u32) -> Result<Vec<Interval>, TraceError> {
    let mut out: Vec<Interval> = Vec::new();
    if width == 0 {
        return Ok(out);
    }
    let w = u64::from(width);
    let mut pos = 0u64;
    for (i, &run) in counts.iter().enumerate() {
        let run = u64::from(run);
        if i % 2 == 1 && run > 0 {
            let (first, last) = (pos, pos + run - 1);
            let (y0, y1) = (first / w, last / w);
            // Checked before anything is pushed: a run down a tall window
            // makes one interval per row.
            if out.len() as u64 + (y1 - y0 + 1) > MAX_TRACED_INTERVALS as u64 {
                return Err(TraceError::TooFragmented);
            }
            for y in y0..=y1 {
                let x0 = if y == y0 { first % w } else { 0 };
                let x1 = if y == y1 { last % w + 1 } else { w };
                let coordinate =
                    |v: u64| u32::try_from(v).map_err(|_| RleError::OutOfRange { value: v });
                let (y, x0, x1) = (coordinate(y)?, coordinate(x0)?, coordinate(x1)?);
                // A run that continues a run of the same row (two runs
                // separated by a background run of 0) extends it.
                match out.last_mut() {
                    Some(prev) if prev.y == y && prev.x1 == x0 => prev.x1 = x1,
                    _ => out.push(Interval { y, x0, x1 }),
                }
            }
        }
        pos += run;
    }
    Ok(out)
}

/// `a` minus `b`, both sorted disjoint intervals of one row.
fn minus(a: &[Interval], b: &[Interval]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut j = 0usize;
    for iv in a {
        let mut start = iv.x0;
        while j < b.len() && b[j].x1 <= start {
            j += 1;
        }
        let mut k = j;
        while k < b.len() && b[k].x0 < iv.x1 {
            if b[k].x0 > start {
                out.push((start, b[k].x0));
            }
            start = start.max(b[k].x1);
            k += 1;
        }
        if start < iv.x1 {
            out.push((start, iv.x1));
        }
    }
    out
}

/// The boundary edges of the foreground, foreground on the right of each
/// (y grows downwards): tops run east, bottoms west, left sides north,
/// right sides south.
fn edges(intervals: &[Interval]) -> Vec<Edge> {
    let mut out = Vec::new();
    // The horizontal edges on the line `y` between the rows above and
    // below it.
    let line = |y: u32, above: &[Interval], below: &[Interval], out: &mut Vec<Edge>| {
        for (x0, x1) in minus(below, above) {
            out.push(Edge {
                from: (x0, y),
                to: (x1, y),
            });
        }
        for (x0, x1) in minus(above, below) {
            out.push(Edge {
                from: (x1, y),
                to: (x0, y),
            });
        }
    };
    let rows: Vec<&[Interval]> = intervals.chunk_by(|a, b| a.y == b.y).collect();
    let mut prev: Option<&[Interval]> = None;
    for row in &rows {
        let y = row[0].y;
        match prev {
            Some(p) if p[0].y + 1 == y => line(y, p, row, &mut out),
            Some(p) => {
                line(p[0].y + 1, p, &[], &mut out);
                line(y, &[], row, &mut out);
            }
            None => line(y, &[], row, &mut out),
        }
        for iv in *row {
            out.push(Edge {
                from: (iv.x0, y + 1),
                to: (iv.x0, y),
            });
            out.push(Edge {
                from: (iv.x1, y),
                to: (iv.x1, y + 1),
            });
        }
        prev = Some(row);
    }
    if let Some(p) = prev {
        line(p[0].y + 1, p, &[], &mut out);
    }
    out
}

/// How much `next` turns from `dir`: 0 right, 1 straight, 2 left (3 back).
fn turn(dir: (i8, i8), next: (i8, i8)) -> u8 {
    let right = (-dir.1, dir.0);
    if next == right {
        0
    } else if next == dir {
        1
    } else if next == (dir.1, -dir.0) {
        2
    } else {
        3
    }
}

/// The cycles of the boundary (outlines of parts run clockwise on screen,
/// holes the other way round), each starting at its top-left corner and
/// without collinear vertices, ordered by that corner (top to bottom, left
/// to right).
fn cycles(intervals: &[Interval]) -> Vec<Vec<Point>> {
    let edges = edges(intervals);
    let mut by_start: Vec<usize> = (0..edges.len()).collect();
    by_start.sort_unstable_by_key(|&i| {
        let f = edges[i].from;
        (f.1, f.0)
    });
    let starting_at = |v: (u32, u32)| -> &[usize] {
        let key = (v.1, v.0);
        let lo = by_start.partition_point(|&i| {
            let f = edges[i].from;
            (f.1, f.0) < key
        });
        let hi = by_start.partition_point(|&i| {
            let f = edges[i].from;
            (f.1, f.0) <= key
        });
        by_start.get(lo..hi).unwrap_or_default()
    };
    // At a corner where two parts touch diagonally two edges leave; the
    // rightmost turn keeps each part's outline to itself.
    let next_of = |e: usize| -> Option<usize> {
        let d = edges[e].dir();
        starting_at(edges[e].to)
            .iter()
            .copied()
            .min_by_key(|&i| turn(d, edges[i].dir()))
    };
    let mut visited = vec![false; edges.len()];
    let mut cycles: Vec<((u32, u32), Vec<Point>)> = Vec::new();
    for first in 0..edges.len() {
        if visited[first] {
            continue;
        }
        // Each corner and the inward sides (signs of x and y) it is moved to.
        let mut corners: Vec<((u32, u32), (i8, i8))> = Vec::new();
        let mut area2: i128 = 0;
        let mut e = first;
        loop {
            visited[e] = true;
            let (a, b) = (edges[e].from, edges[e].to);
            area2 += i128::from(a.0) * i128::from(b.1) - i128::from(b.0) * i128::from(a.1);
            let Some(n) = next_of(e) else { break };
            let (d_in, d_out) = (edges[e].dir(), edges[n].dir());
            if d_in != d_out {
                // The foreground is right of both edges: inwards is the sum
                // of their right-hand normals.
                corners.push((b, (-d_in.1 - d_out.1, d_in.0 + d_out.0)));
            }
            if n == first || visited[n] {
                break;
            }
            e = n;
        }
        if area2 == 0 || corners.len() < 3 {
            continue;
        }
        // Start at the top-left corner.
        let start = corners
            .iter()
            .enumerate()
            .min_by_key(|(_, (c, _))| (c.1, c.0))
            .map_or(0, |(i, _)| i);
        corners.rotate_left(start);
        let key = (corners[0].0 .1, corners[0].0 .0);
        cycles.push((
            key,
            corners
                .into_iter()
                .map(|((x, y), (ix, iy))| {
                    Point::new(
                        f64::from(x) + INSET * f64::from(ix),
                        f64::from(y) + INSET * f64::from(iy),
                    )
                })
                .collect(),
        ));
    }
    cycles.sort_by_key(|(key, _)| *key);
    cycles.into_iter().map(|(_, c)| c).collect()
}

/// The indices `(i, j)` of the closest vertices of `a` and `b`. Each pair
/// of rings costs at most about `64 * (a.len() + b.len())` distance
/// computations: larger rings are searched at every `k`-th vertex, which
/// finds a link at most a little longer than the shortest.
fn closest(a: &[Point], b: &[Point]) -> (usize, usize) {
    let budget = 64 * (a.len() + b.len()) + 4096;
    let pairs = a.len().saturating_mul(b.len());
    let mut stride = 1usize;
    while pairs / (stride * stride) > budget {
        stride += 1;
    }
    let mut best = (f64::INFINITY, 0, 0);
    for (i, p) in a.iter().enumerate().step_by(stride) {
        for (j, q) in b.iter().enumerate().step_by(stride) {
            let d = (p.x - q.x).powi(2) + (p.y - q.y).powi(2);
            if d < best.0 {
                best = (d, i, j);
            }
        }
    }
    (best.1, best.2)
}

/// The vertices of `ring` from index `from` to index `to` going forwards,
/// both included; when they are equal, the whole ring and back to `from`
/// if `around`, else the one vertex. (A middle ring whose two links meet
/// at one vertex is walked around once, on the way back: walked around
/// twice it would cancel itself out.)
fn walk(ring: &[Point], from: usize, to: usize, around: bool, out: &mut Vec<Point>) {
    let n = ring.len();
    let steps = (to + n - from) % n;
    let steps = if steps == 0 && around { n } else { steps };
    for k in 0..=steps {
        out.push(ring[(from + k) % n]);
    }
}

/// Joins rings into one, as Ultralytics joins the parts of a polygon
/// (`merge_multi_segment`): each ring is linked to the next by the
/// shortest segment between their vertices; the path goes around the
/// first ring, then along each middle ring from where it arrives to where
/// it leaves, around the last ring, and back along the rest of each middle
/// ring, so that every link is walked once each way.
pub(crate) fn join_parts(rings: &[Vec<Point>]) -> Vec<Point> {
    let n = rings.len();
    if n == 0 {
        return Vec::new();
    }
    // links[i] = (vertex of ring i, vertex of ring i + 1).
    let links: Vec<(usize, usize)> = rings.windows(2).map(|w| closest(&w[0], &w[1])).collect();
    let mut out: Vec<Point> = Vec::with_capacity(rings.iter().map(|r| r.len() + 2).sum());
    // Out: around the first ring from its link, then along each middle
    // ring from where it arrives to where it leaves.
    for i in 0..n {
        let ring = &rings[i];
        if ring.is_empty() {
            continue;
        }
        let arrive = if i == 0 { links[0].0 } else { links[i - 1].1 };
        let leave = if i + 1 < n { links[i].0 } else { arrive };
        if i == 0 || i + 1 == n {
            walk(ring, arrive, arrive, true, &mut out);
        } else {
            walk(ring, arrive, leave, false, &mut out);
        }
    }
    // Back: the rest of each middle ring, last to first.
    for i in (1..n.saturating_sub(1)).rev() {
        let ring = &rings[i];
        if ring.is_empty() {
            continue;
        }
        walk(ring, links[i].0, links[i - 1].1, true, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(width: u32, height: u32, rows: &[&str]) -> MaskEncoding {
        let mut counts = Vec::new();
        let (mut fg, mut run) = (false, 0u32);
        for row in rows {
            for c in row.chars() {
                let on = c == '#';
                if on == fg {
                    run += 1;
                } else {
                    counts.push(run);
                    (fg, run) = (on, 1);
                }
            }
        }
        counts.push(run);
        MaskEncoding::Window {
            left: 10,
            top: 20,
            width,
            height,
            counts,
        }
    }

    fn xy(ring: &[Point]) -> Vec<(f64, f64)> {
        ring.iter().map(|p| (p.x, p.y)).collect()
    }

    #[test]
    fn a_square_is_its_four_corners() {
        let m = window(4, 3, &["....", ".##.", ".##."]);
        let (ring, parts) = mask_outline(&m).unwrap().unwrap();
        assert_eq!(parts, 1);
        // A quarter pixel inside the pixel borders 11..13 and 21..23.
        assert_eq!(
            xy(&ring),
            [
                (11.25, 21.25),
                (12.75, 21.25),
                (12.75, 22.75),
                (11.25, 22.75)
            ]
        );
    }

    #[test]
    fn a_hole_is_joined_the_other_way_round_and_an_l_shape_has_six_corners() {
        let m = window(3, 3, &["###", "#.#", "###"]);
        let (ring, parts) = mask_outline(&m).unwrap().unwrap();
        assert_eq!(parts, 2);
        // Around the outline from its corner nearest the hole, into the
        // hole (counter-clockwise on screen, a quarter pixel wider than the
        // hole pixel 11..12 x 21..22), and back.
        assert_eq!(
            xy(&ring),
            [
                (10.25, 20.25),
                (12.75, 20.25),
                (12.75, 22.75),
                (10.25, 22.75),
                (10.25, 20.25),
                (10.75, 20.75),
                (10.75, 22.25),
                (12.25, 22.25),
                (12.25, 20.75),
                (10.75, 20.75)
            ]
        );
        let m = window(3, 2, &["#..", "###"]);
        let (ring, _) = mask_outline(&m).unwrap().unwrap();
        assert_eq!(
            xy(&ring),
            [
                (10.25, 20.25),
                (10.75, 20.25),
                // The inner corner (11, 21) moves into the foreground too.
                (10.75, 21.25),
                (12.75, 21.25),
                (12.75, 21.75),
                (10.25, 21.75)
            ]
        );
    }

    #[test]
    fn diagonal_neighbours_are_two_parts_joined_by_a_link_walked_twice() {
        let m = window(2, 2, &["#.", ".#"]);
        let (ring, parts) = mask_outline(&m).unwrap().unwrap();
        assert_eq!(parts, 2);
        // Around the first square from its corner nearest the second, over
        // to the second, around it, and back.
        assert_eq!(
            xy(&ring),
            [
                (10.75, 20.75),
                (10.25, 20.75),
                (10.25, 20.25),
                (10.75, 20.25),
                (10.75, 20.75),
                (11.25, 21.25),
                (11.75, 21.25),
                (11.75, 21.75),
                (11.25, 21.75),
                (11.25, 21.25)
            ]
        );
    }

    #[test]
    fn a_middle_ring_linked_twice_at_one_vertex_is_walked_around_once() {
        let ring = |pts: &[(f64, f64)]| -> Vec<Point> {
            pts.iter().map(|&(x, y)| Point::new(x, y)).collect()
        };
        let first = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]);
        // Its vertex (2, 0.5) is the nearest to both other rings.
        let middle = ring(&[(2.0, 0.5), (5.0, -3.0), (5.0, 4.0)]);
        let last = ring(&[(1.5, 2.0), (2.5, 2.0), (2.5, 3.0), (1.5, 3.0)]);
        let joined = join_parts(&[first, middle, last]);
        let far = joined
            .iter()
            .filter(|p| (p.x, p.y) == (5.0, -3.0) || (p.x, p.y) == (5.0, 4.0))
            .count();
        // Around the middle ring once (walked twice, it would cancel out).
        assert_eq!(far, 2, "{joined:?}");
    }

    #[test]
    fn an_empty_mask_has_no_outline() {
        let m = window(2, 2, &["..", ".."]);
        assert_eq!(mask_outline(&m).unwrap(), None);
    }

    #[test]
    fn a_run_down_a_tall_window_beyond_the_limit_is_refused() {
        // One column of 2^20 + 1 rows: one run, one row interval too many,
        // refused before any is made.
        let rows = (1u32 << 20) + 1;
        let m = MaskEncoding::Window {
            left: 0,
            top: 0,
            width: 1,
            height: rows,
            counts: vec![0, rows],
        };
        assert!(matches!(mask_outline(&m), Err(TraceError::TooFragmented)));
        // At the limit it is traced: a 1 x 2^20 rectangle, a quarter pixel
        // in.
        let m = MaskEncoding::Window {
            left: 0,
            top: 0,
            width: 1,
            height: rows - 1,
            counts: vec![0, rows - 1],
        };
        let (ring, parts) = mask_outline(&m).unwrap().unwrap();
        assert_eq!(parts, 1);
        assert_eq!(
            xy(&ring),
            [
                (0.25, 0.25),
                (0.75, 0.25),
                (0.75, f64::from(rows - 1) - 0.25),
                (0.25, f64::from(rows - 1) - 0.25)
            ]
        );
    }
}
