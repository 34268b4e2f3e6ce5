//! Run-length encoded masks.
//!
//! Two encodings meet here:
//!
//! - **COCO**: runs over the whole image in column-major (Fortran) order,
//!   alternating background/foreground and starting with a background run
//!   (which may be 0). `size` is `[height, width]`. The runs are stored either
//!   as a list of integers or as the compressed counts string of pycocotools
//!   (`maskApi.c` `rleToString`: 5 bits per character with a continuation bit,
//!   offset by 48, and each run after the third stored as the difference from
//!   the run two before it).
//! - **CVAT**: runs in row-major order inside a `width x height` window whose
//!   top-left pixel is `(left, top)`, also starting with a background run.
//!
//! A [`MaskEncoding`] keeps whichever form was read, so a round trip through
//! the same format gives back the identical text; conversions produce the
//! other forms on demand.
//!
//! Masks come from strangers, so nothing here decodes pixels: area, bounds
//! and conversions walk the runs. A conversion turns the runs into groups of
//! lines that share their foreground (a run gives at most three: a partial
//! line, a block of full lines, a partial line), sweeps them into maximal
//! rectangles when the order changes (rows to columns or back), and writes
//! the runs of the target, so time and memory follow the runs read and
//! written, never the image area. Masks and images beyond
//! [`MAX_MASK_PIXELS`] (2^32 - 1) are refused, and one conversion writes at
//! most [`MAX_CONVERTED_RUNS`] runs. The pixel-by-pixel
//! [`MaskEncoding::to_bitmap`] remains as the oracle of tests and of
//! `fuzz_mask_conversion` (the fuzz body, built with the `fuzzing` feature).

use std::fmt;

use crate::geometry::BoxGeom;

/// How a COCO mask stores its runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CocoCounts {
    /// Uncompressed: a list of run lengths.
    Runs(Vec<u32>),
    /// Compressed: the pycocotools counts string.
    Compressed(String),
}

/// A run-length encoded mask in the form it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaskEncoding {
    /// CVAT: row-major runs inside a window.
    Window {
        /// Left column of the window.
        left: u32,
        /// Top row of the window.
        top: u32,
        /// Window width in pixels.
        width: u32,
        /// Window height in pixels.
        height: u32,
        /// Alternating background/foreground runs, row-major.
        counts: Vec<u32>,
    },
    /// COCO: column-major runs over the whole image.
    Coco {
        /// Image height (`size[0]`).
        height: u32,
        /// Image width (`size[1]`).
        width: u32,
        /// The runs.
        counts: CocoCounts,
    },
}

/// A problem with a run-length encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RleError {
    /// The runs do not add up to the mask's area.
    Length {
        /// `width * height`.
        expected: u64,
        /// The sum of the runs.
        found: u64,
    },
    /// A compressed counts string holds a character outside `'0'..='o'`, or
    /// decodes to a negative run.
    BadString {
        /// Byte offset in the string.
        offset: usize,
    },
    /// The mask (or the image it is placed on) has more pixels than `limit`
    /// ([`MAX_MASK_PIXELS`] for conversions).
    TooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The limit it exceeds.
        limit: u64,
    },
    /// A conversion would read or write more than `limit` runs
    /// ([`MAX_CONVERTED_RUNS`]).
    TooManyRuns {
        /// The limit.
        limit: usize,
    },
    /// A converted window's coordinate does not fit in `u32`.
    OutOfRange {
        /// The coordinate.
        value: u64,
    },
}

impl fmt::Display for RleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length { expected, found } => write!(
                f,
                "runs add up to {found} pixels, but the mask has {expected}"
            ),
            Self::BadString { offset } => {
                write!(f, "invalid compressed RLE counts at character {offset}")
            }
            Self::TooLarge {
                width,
                height,
                limit,
            } => write!(
                f,
                "{width} x {height} = {} pixels, more than the {limit} labelkit handles in a mask",
                u64::from(*width) * u64::from(*height)
            ),
            Self::TooManyRuns { limit } => write!(
                f,
                "converting the mask would read or write more than {limit} runs, the most labelkit converts for one mask"
            ),
            Self::OutOfRange { value } => {
                write!(f, "mask coordinate {value} does not fit in 32 bits")
            }
        }
    }
}

impl std::error::Error for RleError {}

/// Decodes a pycocotools compressed counts string into run lengths.
///
/// # Errors
/// [`RleError::BadString`] for characters outside `'0'..='o'`, a truncated
/// final run, or a run that decodes negative or beyond `u32`.
pub fn decode_counts_string(s: &str) -> Result<Vec<u32>, RleError> {
    let bytes = s.as_bytes();
    let mut counts: Vec<u32> = Vec::with_capacity(bytes.len() / 2);
    let mut p = 0;
    while p < bytes.len() {
        let start = p;
        let mut x: i64 = 0;
        let mut k = 0u32;
        loop {
            let Some(&byte) = bytes.get(p) else {
                return Err(RleError::BadString { offset: start });
            };
            if !(48..=111).contains(&byte) || k > 12 {
                return Err(RleError::BadString { offset: p });
            }
            let c = i64::from(byte - 48);
            x |= (c & 0x1f) << (5 * k);
            p += 1;
            k += 1;
            if c & 0x20 == 0 {
                if c & 0x10 != 0 {
                    x |= -1i64 << (5 * k);
                }
                break;
            }
        }
        let m = counts.len();
        if m > 2 {
            x += i64::from(counts[m - 2]);
        }
        let run = u32::try_from(x).map_err(|_| RleError::BadString { offset: start })?;
        counts.push(run);
    }
    Ok(counts)
}

/// Encodes run lengths as a pycocotools compressed counts string.
#[must_use]
pub fn encode_counts_string(counts: &[u32]) -> String {
    let mut out = String::with_capacity(counts.len() * 2);
    for (i, &run) in counts.iter().enumerate() {
        let mut x = i64::from(run);
        if i > 2 {
            x -= i64::from(counts[i - 2]);
        }
        loop {
            let mut c = x & 0x1f;
            x >>= 5;
            let more = if c & 0x10 != 0 { x != -1 } else { x != 0 };
            if more {
                c |= 0x20;
            }
            // c is in 0..64, so the character is ASCII 48..=111.
            out.push(char::from(u8::try_from(c + 48).unwrap_or(b'0')));
            if !more {
                break;
            }
        }
    }
    out
}

/// The largest mask labelkit reads or converts, in pixels: `width * height`
/// of the area a mask's runs cover (the window of a CVAT mask, the image of a
/// COCO mask) and of the image a converted mask is placed on.
///
/// 2^32 - 1 keeps every run and every sum of runs within the 32-bit counts
/// of pycocotools (`uint` in `maskApi.c`) and of the model; real masks are
/// at most about 100 million pixels. A larger mask is reported as
/// invalid-mask (F009) where it is read and refused where it is converted.
pub const MAX_MASK_PIXELS: u64 = u32::MAX as u64;

/// The most runs a mask conversion reads or writes (2^22, 4,194,304).
///
/// A real mask has thousands of runs, tens of thousands for a fine one on a
/// large image; millions only come from noise. At the limit the worst case
/// (a checkerboard, where every pixel is its own run) costs about 230 MB
/// (measured: a 2048 x 2048 checkerboard of 4,192,257 runs, COCO to CVAT,
/// 228 MB and 10 s in a debug build; four times the runs took 754 MB).
///
/// Conversions walk runs, never pixels, so their time and memory follow the
/// number of runs read and written; this bounds both. The written side is
/// the one a few runs can inflate (a one-pixel-high line of width `w` is 3
/// runs in rows and `2 * w` runs in columns). A conversion that would read or
/// produce more is refused with [`RleError::TooManyRuns`].
pub const MAX_CONVERTED_RUNS: usize = 1 << 22;

/// What a reader says of a run written in full but larger than a run length
/// holds (`u32`), after the run: "mask run `4900000000` is larger than ...".
pub const RUN_TOO_LONG: &str = "is larger than 4294967295, the largest run an RLE count holds";

/// How a writer reports a mask it did not convert because of
/// [`MAX_MASK_PIXELS`] or [`MAX_CONVERTED_RUNS`] (a [`crate::WriteReport`]
/// loss).
pub const LOST_TO_MASK_LIMITS: &str =
    "masks beyond labelkit's mask limits (2^32 - 1 pixels, 2^22 runs)";

impl RleError {
    /// Whether this is a refusal by labelkit's limits rather than a broken
    /// mask.
    #[must_use]
    pub fn is_limit(&self) -> bool {
        matches!(self, Self::TooLarge { .. } | Self::TooManyRuns { .. })
    }
}

/// The largest mask [`MaskEncoding::to_bitmap`] decodes (2^24 pixels): the
/// bitmap is an oracle for tests and fuzzing, never used by conversions.
pub const MAX_BITMAP_PIXELS: u64 = 1 << 24;

/// `width * height`, refused above `limit`.
fn area_within(width: u32, height: u32, limit: u64) -> Result<u64, RleError> {
    let area = u64::from(width) * u64::from(height);
    if area > limit {
        return Err(RleError::TooLarge {
            width,
            height,
            limit,
        });
    }
    Ok(area)
}

/// Checks that a mask or image of `width x height` pixels is within
/// [`MAX_MASK_PIXELS`], and returns its area.
///
/// # Errors
/// [`RleError::TooLarge`] beyond the limit.
pub fn check_mask_size(width: u32, height: u32) -> Result<u64, RleError> {
    area_within(width, height, MAX_MASK_PIXELS)
}

/// A decoded mask: `width x height` pixels, row-major.
///
/// Only [`MaskEncoding::to_bitmap`] makes one, as an oracle for tests and
/// fuzzing; conversions never decode pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Row-major pixels, `true` for foreground.
    pub pixels: Vec<bool>,
}

impl Bitmap {
    /// The pixel at `(x, y)`; `false` outside the bitmap.
    #[must_use]
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        self.pixels
            .get(y as usize * self.width as usize + x as usize)
            .copied()
            .unwrap_or(false)
    }
}

fn check_sum(counts: &[u32], expected: u64) -> Result<(), RleError> {
    let found: u64 = counts.iter().map(|&c| u64::from(c)).sum();
    if found == expected {
        Ok(())
    } else {
        Err(RleError::Length { expected, found })
    }
}

/// Foreground pixel count of alternating runs starting with background.
fn foreground(counts: &[u32]) -> u64 {
    counts
        .iter()
        .skip(1)
        .step_by(2)
        .map(|&c| u64::from(c))
        .sum()
}

/// The order runs walk a grid in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// Rows first (CVAT).
    RowMajor,
    /// Columns first (COCO).
    ColumnMajor,
}

/// A rectangle of image pixels walked in one order: the area a mask's runs
/// cover, or the area a conversion writes.
#[derive(Debug, Clone, Copy)]
struct Grid {
    order: Order,
    x: u64,
    y: u64,
    width: u64,
    height: u64,
}

impl Grid {
    /// `(first line, line count, first offset, line length)`: lines are rows
    /// for row-major grids and columns for column-major ones, offsets the
    /// other coordinate, all in image pixels.
    fn lines(&self) -> (u64, u64, u64, u64) {
        match self.order {
            Order::RowMajor => (self.y, self.height, self.x, self.width),
            Order::ColumnMajor => (self.x, self.width, self.y, self.height),
        }
    }
}

/// The foreground of a grid as groups of lines that share it, in line
/// order: lines `first..first + count` hold the same intervals of offsets
/// (image pixels, half-open, sorted, disjoint). Stored flat, without an
/// allocation per group, since a mask may have millions of them.
#[derive(Debug, Default, PartialEq, Eq)]
struct LineGroups {
    /// `(first, count, end)`: a group's intervals end at `end` in
    /// `intervals` and start where the previous group's end.
    groups: Vec<(u64, u64, usize)>,
    intervals: Vec<(u64, u64)>,
}

impl LineGroups {
    /// `(first, count, intervals)` of every group.
    fn iter(&self) -> impl Iterator<Item = (u64, u64, &[(u64, u64)])> {
        let mut start = 0;
        self.groups.iter().map(move |&(first, count, end)| {
            let intervals = self.intervals.get(start..end).unwrap_or(&[]);
            start = end;
            (first, count, intervals)
        })
    }

    /// Adds the interval `a..b` on lines `line..line + count`, after every
    /// line added so far.
    fn add(&mut self, line: u64, count: u64, (a, b): (u64, u64), full: (u64, u64)) {
        let start = self
            .groups
            .len()
            .checked_sub(2)
            .map_or(0, |i| self.groups[i].2);
        if let Some(last) = self.groups.last_mut() {
            if last.0 == line && last.1 == 1 && count == 1 {
                // Another run on the same line; a zero-length background
                // run between them makes them touch.
                match self.intervals.last_mut() {
                    Some(prev) if prev.1 == a => prev.1 = b,
                    _ => self.intervals.push((a, b)),
                }
                last.2 = self.intervals.len();
                return;
            }
            if last.0 + last.1 == line
                && self.intervals.get(start..) == Some(&[full][..])
                && (a, b) == full
            {
                last.1 += count;
                return;
            }
        }
        self.intervals.push((a, b));
        self.groups.push((line, count, self.intervals.len()));
    }
}

/// The foreground of runs over `grid` as line groups: each foreground run
/// gives at most three (a partial first line, a block of full lines, a
/// partial last line), so this is linear in the runs whatever the mask's
/// size. The runs must add up to the grid's area.
fn line_groups(runs: &[u32], grid: Grid) -> LineGroups {
    let (line0, _, off0, len) = grid.lines();
    let mut groups = LineGroups::default();
    if len == 0 {
        return groups;
    }
    let full = (off0, off0 + len);
    let mut add = |line: u64, count: u64, a: u64, b: u64| {
        groups.add(line0 + line, count, (off0 + a, off0 + b), full);
    };
    let mut pos = 0u64;
    for (i, &run) in runs.iter().enumerate() {
        let run = u64::from(run);
        if i % 2 == 1 && run > 0 {
            let last = pos + run - 1;
            let (l0, o0) = (pos / len, pos % len);
            let (l1, o1) = (last / len, last % len);
            if l0 == l1 {
                add(l0, 1, o0, o1 + 1);
            } else {
                add(l0, 1, o0, len);
                if l1 > l0 + 1 {
                    add(l0 + 1, l1 - l0 - 1, 0, len);
                }
                add(l1, 1, 0, o1 + 1);
            }
        }
        pos += run;
    }
    groups
}

/// `a` minus `b`, both sorted disjoint half-open intervals.
fn difference(a: &[(u64, u64)], b: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut j = 0;
    for &(mut lo, hi) in a {
        while j < b.len() && b[j].1 <= lo {
            j += 1;
        }
        let mut k = j;
        while lo < hi {
            match b.get(k) {
                Some(&(blo, bhi)) if blo < hi => {
                    if blo > lo {
                        out.push((lo, blo));
                    }
                    lo = lo.max(bhi);
                    k += 1;
                }
                _ => {
                    out.push((lo, hi));
                    break;
                }
            }
        }
    }
    out
}

/// A rectangle of foreground: offsets `a..b` on every line of
/// `first..end` of the source grid.
#[derive(Debug, Clone, Copy)]
struct Block {
    a: u64,
    b: u64,
    first: u64,
    end: u64,
}

/// Sweeps line groups in line order and gives the foreground to `out` as
/// maximal blocks: for each offset, one block per unbroken stretch of lines
/// that holds it. Only changes between consecutive groups cost work, so this
/// is O(g log g) in the groups and their intervals, not in lines or pixels.
fn blocks(groups: &LineGroups, mut out: impl FnMut(Block)) {
    use std::collections::BTreeMap;
    // Offsets currently in the foreground, as segments `a -> (b, first)`
    // sharing the line their stretch began on.
    let mut active: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    let mut change = |old: &[(u64, u64)], new: &[(u64, u64)], line: u64| {
        for (a, b) in difference(old, new) {
            let touched: Vec<(u64, (u64, u64))> = active
                .range(..b)
                .rev()
                .take_while(|(_, &(end, _))| end > a)
                .map(|(&k, &v)| (k, v))
                .collect();
            for (s, (e, first)) in touched {
                active.remove(&s);
                out(Block {
                    a: s.max(a),
                    b: e.min(b),
                    first,
                    end: line,
                });
                if s < a {
                    active.insert(s, (a, first));
                }
                if e > b {
                    active.insert(b, (e, first));
                }
            }
        }
        for (a, b) in difference(new, old) {
            active.insert(a, (b, line));
        }
    };
    let mut prev: &[(u64, u64)] = &[];
    let mut prev_end = 0;
    for (first, count, intervals) in groups.iter() {
        if !prev.is_empty() && first > prev_end {
            change(prev, &[], prev_end);
            prev = &[];
        }
        change(prev, intervals, first);
        prev = intervals;
        prev_end = first + count;
    }
    change(prev, &[], prev_end);
}

/// Writes alternating runs starting with background, merging runs of the
/// same colour and splitting any run longer than `u32::MAX` into
/// `u32::MAX, 0, rest` (a zero-length run of the other colour between).
struct RunWriter {
    counts: Vec<u32>,
    /// Colour of the run being built: `false` background.
    colour: bool,
    pending: u64,
}

impl RunWriter {
    fn new() -> Self {
        Self {
            counts: Vec::new(),
            colour: false,
            pending: 0,
        }
    }

    fn push(&mut self, colour: bool, len: u64) -> Result<(), RleError> {
        if len == 0 {
            return Ok(());
        }
        if colour != self.colour {
            self.flush()?;
            self.colour = colour;
        }
        self.pending = self.pending.checked_add(len).ok_or(RleError::TooManyRuns {
            limit: MAX_CONVERTED_RUNS,
        })?;
        Ok(())
    }

    /// Ends the current run.
    fn flush(&mut self) -> Result<(), RleError> {
        let mut rest = self.pending;
        while rest > u64::from(u32::MAX) {
            self.emit(u32::MAX)?;
            self.emit(0)?;
            rest -= u64::from(u32::MAX);
        }
        #[allow(clippy::cast_possible_truncation)] // rest <= u32::MAX
        self.emit(rest as u32)?;
        self.pending = 0;
        Ok(())
    }

    fn emit(&mut self, run: u32) -> Result<(), RleError> {
        if self.counts.len() >= MAX_CONVERTED_RUNS {
            return Err(RleError::TooManyRuns {
                limit: MAX_CONVERTED_RUNS,
            });
        }
        self.counts.push(run);
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<u32>, RleError> {
        self.flush()?;
        Ok(self.counts)
    }
}

/// Writes the runs of a target grid from line groups given in its own line
/// order (clipping whatever falls outside it).
struct Emitter {
    out: RunWriter,
    line0: u64,
    lines: u64,
    off0: u64,
    len: u64,
    /// The next line not written yet.
    cursor: u64,
    clipped: Vec<(u64, u64)>,
}

impl Emitter {
    fn new(target: Grid) -> Self {
        let (line0, lines, off0, len) = target.lines();
        Self {
            out: RunWriter::new(),
            line0,
            lines,
            off0,
            len,
            cursor: line0,
            clipped: Vec::new(),
        }
    }

    fn lines_of(&self, lines: u64) -> Result<u64, RleError> {
        lines.checked_mul(self.len).ok_or(RleError::TooManyRuns {
            limit: MAX_CONVERTED_RUNS,
        })
    }

    /// Lines `first..first + count` hold `intervals`; groups come in line
    /// order.
    fn group(&mut self, first: u64, count: u64, intervals: &[(u64, u64)]) -> Result<(), RleError> {
        let end = first.saturating_add(count).min(self.line0 + self.lines);
        let first = first.max(self.cursor);
        if first >= end {
            return Ok(());
        }
        self.out.push(false, self.lines_of(first - self.cursor)?)?;
        let (lo, hi) = (self.off0, self.off0 + self.len);
        self.clipped.clear();
        for &(a, b) in intervals {
            let (a, b) = (a.max(lo), b.min(hi));
            if a < b {
                self.clipped.push((a - lo, b - lo));
            }
        }
        let k = end - first;
        if self.clipped.is_empty() {
            self.out.push(false, self.lines_of(k)?)?;
        } else if self.clipped == [(0, self.len)] {
            self.out.push(true, self.lines_of(k)?)?;
        } else {
            // Each line adds at least one run, so the writer's limit ends
            // this loop.
            for _ in 0..k {
                let mut at = 0;
                for &(a, b) in &self.clipped {
                    self.out.push(false, a - at)?;
                    self.out.push(true, b - a)?;
                    at = b;
                }
                self.out.push(false, self.len - at)?;
            }
        }
        self.cursor = end;
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<u32>, RleError> {
        let rest = self.line0 + self.lines - self.cursor;
        self.out.push(false, self.lines_of(rest)?)?;
        self.out.finish()
    }
}

/// Converts runs over `source` into runs over `target` (either order, any
/// placement; pixels outside `target` are dropped) without decoding pixels:
/// time and memory follow the runs read and written.
fn convert_runs(runs: &[u32], source: Grid, target: Grid) -> Result<Vec<u32>, RleError> {
    if runs.len() > MAX_CONVERTED_RUNS {
        return Err(RleError::TooManyRuns {
            limit: MAX_CONVERTED_RUNS,
        });
    }
    let groups = line_groups(runs, source);
    let mut emitter = Emitter::new(target);
    if source.order == target.order {
        for (first, count, intervals) in groups.iter() {
            emitter.group(first, count, intervals)?;
        }
        return emitter.finish();
    }
    // Transpose: the blocks' offsets become the target's lines. Clip them to
    // the target first so that every interval swept costs output.
    let (t_line0, t_lines, t_off0, t_len) = target.lines();
    let mut events: Vec<(u64, bool, u64, u64)> = Vec::new();
    blocks(&groups, |b| {
        let (a, bb) = (b.a.max(t_line0), b.b.min(t_line0 + t_lines));
        let (first, end) = (b.first.max(t_off0), b.end.min(t_off0 + t_len));
        if a < bb && first < end {
            events.push((a, true, first, end));
            events.push((bb, false, first, end));
        }
    });
    drop(groups);
    events.sort_unstable();
    let mut active: std::collections::BTreeSet<(u64, u64)> = std::collections::BTreeSet::new();
    let mut intervals: Vec<(u64, u64)> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let at = events[i].0;
        while let Some(&(p, add, first, end)) = events.get(i) {
            if p != at {
                break;
            }
            if add {
                active.insert((first, end));
            } else {
                active.remove(&(first, end));
            }
            i += 1;
        }
        if let Some(&(next, ..)) = events.get(i) {
            if !active.is_empty() {
                intervals.clear();
                intervals.extend(active.iter().copied());
                emitter.group(at, next - at, &intervals)?;
            }
        }
    }
    emitter.finish()
}

impl MaskEncoding {
    /// The runs as integers, decoding a compressed string.
    ///
    /// # Errors
    /// [`RleError::BadString`] for an invalid compressed string.
    pub fn runs(&self) -> Result<std::borrow::Cow<'_, [u32]>, RleError> {
        match self {
            Self::Window { counts, .. }
            | Self::Coco {
                counts: CocoCounts::Runs(counts),
                ..
            } => Ok(std::borrow::Cow::Borrowed(counts)),
            Self::Coco {
                counts: CocoCounts::Compressed(s),
                ..
            } => decode_counts_string(s).map(std::borrow::Cow::Owned),
        }
    }

    /// Checks that the mask is within [`MAX_MASK_PIXELS`] and that its runs
    /// decode and add up to its area.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> Result<(), RleError> {
        self.valid_runs().map(drop)
    }

    /// The runs, checked as [`MaskEncoding::validate`] does.
    fn valid_runs(&self) -> Result<std::borrow::Cow<'_, [u32]>, RleError> {
        let (w, h) = self.size();
        let area = check_mask_size(w, h)?;
        let runs = self.runs()?;
        check_sum(&runs, area)?;
        Ok(runs)
    }

    /// `(width, height)` of the area the runs cover: the window for CVAT, the
    /// image for COCO.
    #[must_use]
    pub fn size(&self) -> (u32, u32) {
        match *self {
            Self::Window { width, height, .. } | Self::Coco { width, height, .. } => {
                (width, height)
            }
        }
    }

    /// The grid the runs cover, in image pixels.
    fn grid(&self) -> Grid {
        match *self {
            Self::Window {
                left,
                top,
                width,
                height,
                ..
            } => Grid {
                order: Order::RowMajor,
                x: u64::from(left),
                y: u64::from(top),
                width: u64::from(width),
                height: u64::from(height),
            },
            Self::Coco { width, height, .. } => Grid {
                order: Order::ColumnMajor,
                x: 0,
                y: 0,
                width: u64::from(width),
                height: u64::from(height),
            },
        }
    }

    /// Number of foreground pixels (pycocotools `area`); 0 for an invalid
    /// compressed string.
    #[must_use]
    pub fn pixel_count(&self) -> u64 {
        self.runs().map_or(0, |r| foreground(&r))
    }

    /// The tight bounding box of the foreground in image pixels (a pixel at
    /// column `x` spans `[x, x + 1]`), as pycocotools `toBbox`; `None` when
    /// empty or invalid. Computed from the runs, in time linear in them.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn bounds(&self) -> Option<BoxGeom> {
        let (x0, y0, x1, y1) = self.pixel_bounds()?;
        Some(BoxGeom::from_xyxy(
            x0 as f64, y0 as f64, x1 as f64, y1 as f64,
        ))
    }

    /// The tight bounds of the foreground as half-open pixel ranges
    /// `(x0, y0, x1, y1)`.
    fn pixel_bounds(&self) -> Option<(u64, u64, u64, u64)> {
        let runs = self.runs().ok()?;
        let grid = self.grid();
        let (line0, _, off0, major) = grid.lines();
        if major == 0 {
            return None;
        }
        // For each foreground run, the positions it covers form a range of
        // lines (rows for CVAT, columns for COCO) and offsets inside them.
        let (mut lo_line, mut hi_line) = (u64::MAX, 0u64);
        let (mut lo_off, mut hi_off) = (u64::MAX, 0u64);
        let mut pos = 0u64;
        for (i, &run) in runs.iter().enumerate() {
            let run = u64::from(run);
            if i % 2 == 1 && run > 0 {
                let (first, last) = (pos, pos.checked_add(run - 1)?);
                let (l0, o0) = (first / major, first % major);
                let (l1, o1) = (last / major, last % major);
                lo_line = lo_line.min(l0);
                hi_line = hi_line.max(l1);
                if l0 == l1 {
                    lo_off = lo_off.min(o0);
                    hi_off = hi_off.max(o1);
                } else {
                    // The run wraps a line, so it touches both ends of it.
                    lo_off = 0;
                    hi_off = major - 1;
                }
            }
            pos = pos.checked_add(run)?;
        }
        if lo_line == u64::MAX {
            return None;
        }
        let (l0, l1) = (line0.checked_add(lo_line)?, line0.checked_add(hi_line)?);
        let (o0, o1) = (off0 + lo_off, off0 + hi_off);
        Some(match grid.order {
            Order::RowMajor => (o0, l0, o1 + 1, l1 + 1),
            Order::ColumnMajor => (l0, o0, l1 + 1, o1 + 1),
        })
    }

    /// Decodes the mask over the area its runs cover (see
    /// [`MaskEncoding::size`]) pixel by pixel: an oracle for tests and
    /// fuzzing. Conversions never use it.
    ///
    /// # Errors
    /// An invalid string, runs that do not add up, or a mask larger than
    /// [`MAX_BITMAP_PIXELS`].
    pub fn to_bitmap(&self) -> Result<Bitmap, RleError> {
        let (w, h) = self.size();
        let area = area_within(w, h, MAX_BITMAP_PIXELS)?;
        let runs = self.runs()?;
        check_sum(&runs, area)?;
        let (wu, hu) = (w as usize, h as usize);
        let mut pixels = vec![false; wu * hu];
        let column_major = matches!(self, Self::Coco { .. });
        let mut pos = 0usize;
        for (i, &run) in runs.iter().enumerate() {
            let run = run as usize;
            if i % 2 == 1 {
                for p in pos..pos + run {
                    let idx = if column_major {
                        (p % hu) * wu + p / hu
                    } else {
                        p
                    };
                    pixels[idx] = true;
                }
            }
            pos += run;
        }
        Ok(Bitmap {
            width: w,
            height: h,
            pixels,
        })
    }

    /// Converts to COCO's full-image column-major runs for an image of the
    /// given size. Window pixels outside the image are dropped. Works run by
    /// run: time and memory follow the runs read and written, not the area.
    ///
    /// # Errors
    /// An invalid string, runs that do not add up, a mask or image larger
    /// than [`MAX_MASK_PIXELS`], or more than [`MAX_CONVERTED_RUNS`] runs.
    pub fn to_coco(&self, image_width: u32, image_height: u32) -> Result<Vec<u32>, RleError> {
        let runs = self.valid_runs()?;
        if let Self::Coco { width, height, .. } = self {
            if (*width, *height) == (image_width, image_height) {
                return Ok(runs.into_owned());
            }
        }
        check_mask_size(image_width, image_height)?;
        let target = Grid {
            order: Order::ColumnMajor,
            x: 0,
            y: 0,
            width: u64::from(image_width),
            height: u64::from(image_height),
        };
        convert_runs(&runs, self.grid(), target)
    }

    /// Converts to CVAT's row-major window runs over the tight bounds of the
    /// foreground. An empty mask gives a 0x0 window at the origin. Works run
    /// by run, as [`MaskEncoding::to_coco`].
    ///
    /// # Errors
    /// An invalid string, runs that do not add up, a mask larger than
    /// [`MAX_MASK_PIXELS`], a window beyond `u32` coordinates, or more than
    /// [`MAX_CONVERTED_RUNS`] runs.
    pub fn to_window(&self) -> Result<MaskEncoding, RleError> {
        let runs = self.valid_runs()?;
        let Some((x0, y0, x1, y1)) = self.pixel_bounds() else {
            return Ok(Self::Window {
                left: 0,
                top: 0,
                width: 0,
                height: 0,
                counts: vec![0],
            });
        };
        let coordinate = |v: u64| u32::try_from(v).map_err(|_| RleError::OutOfRange { value: v });
        let (left, top) = (coordinate(x0)?, coordinate(y0)?);
        let (width, height) = (coordinate(x1 - x0)?, coordinate(y1 - y0)?);
        let target = Grid {
            order: Order::RowMajor,
            x: x0,
            y: y0,
            width: x1 - x0,
            height: y1 - y0,
        };
        let counts = convert_runs(&runs, self.grid(), target)?;
        Ok(Self::Window {
            left,
            top,
            width,
            height,
            counts,
        })
    }
}

/// Checks a tight window of `expected` pixels against the oracle `inside`
/// (image coordinates).
#[cfg(feature = "fuzzing")]
fn check_tight(
    tight: Result<MaskEncoding, RleError>,
    expected: u64,
    inside: &dyn Fn(u32, u32) -> bool,
) {
    let tight = tight.unwrap_or_else(|e| panic!("{e}"));
    let bitmap = tight.to_bitmap().unwrap_or_else(|e| panic!("{e}"));
    let MaskEncoding::Window { left, top, .. } = tight else {
        panic!("not a window");
    };
    assert_eq!(tight.pixel_count(), expected);
    assert_eq!(
        bitmap.pixels.iter().filter(|&&p| p).count() as u64,
        expected
    );
    for y in 0..bitmap.height {
        for x in 0..bitmap.width {
            assert_eq!(
                bitmap.get(x, y),
                inside(left + x, top + y),
                "tight pixel ({x}, {y})"
            );
        }
    }
}

/// The fuzz body of mask conversion: builds a small mask from `data` (a
/// window, its placement, its pixels and an image size), converts it both
/// ways run by run and checks every result against the pixel-by-pixel
/// oracle. Panics on a disagreement; never on input.
///
/// Built only with the `fuzzing` feature: the fuzz crate enables it, and so
/// do this crate's own tests, which replay `tests/fuzz_seeds/`.
#[cfg(feature = "fuzzing")]
pub fn fuzz_mask_conversion(data: &[u8]) {
    let mut bytes = data.iter().copied();
    let mut next = |modulo: u8| bytes.next().map_or(0, |b| b % modulo);
    let (left, top) = (u32::from(next(8)), u32::from(next(8)));
    let (width, height) = (u32::from(next(13)), u32::from(next(13)));
    let (image_width, image_height) = (u32::from(next(24)), u32::from(next(24)));
    let rest: Vec<u8> = data.iter().copied().skip(6).collect();
    let pixel = |i: usize| rest.get(i / 8).is_some_and(|b| b >> (i % 8) & 1 == 1);
    let area = (width * height) as usize;
    let mut counts = Vec::new();
    let (mut colour, mut run) = (false, 0u32);
    for i in 0..area {
        if pixel(i) == colour {
            run += 1;
        } else {
            counts.push(run);
            colour = !colour;
            run = 1;
        }
    }
    counts.push(run);
    let window = MaskEncoding::Window {
        left,
        top,
        width,
        height,
        counts,
    };
    let inside = |x: u32, y: u32| {
        x >= left && y >= top && x - left < width && y - top < height && {
            let i = ((y - top) * width + (x - left)) as usize;
            pixel(i)
        }
    };
    // Window -> COCO against the oracle.
    let runs = match window.to_coco(image_width, image_height) {
        Ok(runs) => runs,
        Err(e) => panic!("window to COCO failed: {e}"),
    };
    let coco = MaskEncoding::Coco {
        height: image_height,
        width: image_width,
        counts: CocoCounts::Runs(runs),
    };
    let full = coco.to_bitmap().unwrap_or_else(|e| panic!("{e}"));
    for y in 0..image_height {
        for x in 0..image_width {
            assert_eq!(full.get(x, y), inside(x, y), "pixel ({x}, {y})");
        }
    }
    // COCO -> window and window -> window: the tight crop of the same
    // pixels (the COCO side lost what lay outside the image).
    let in_image = |x: u32, y: u32| x < image_width && y < image_height && inside(x, y);
    let window_pixels = (0..area).filter(|&i| pixel(i)).count() as u64;
    let image_pixels = full.pixels.iter().filter(|&&p| p).count() as u64;
    check_tight(coco.to_window(), image_pixels, &in_image);
    check_tight(window.to_window(), window_pixels, &inside);
    // A COCO mask resized onto another image keeps the pixels inside both.
    let (other_w, other_h) = (u32::from(next(20)), u32::from(next(20)));
    let resized = coco
        .to_coco(other_w, other_h)
        .unwrap_or_else(|e| panic!("{e}"));
    let resized = MaskEncoding::Coco {
        height: other_h,
        width: other_w,
        counts: CocoCounts::Runs(resized),
    };
    let resized = resized.to_bitmap().unwrap_or_else(|e| panic!("{e}"));
    for y in 0..other_h {
        for x in 0..other_w {
            assert_eq!(
                resized.get(x, y),
                full.get(x, y),
                "resized pixel ({x}, {y})"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_string_round_trip() {
        let runs = vec![0, 5, 3, 100, 2, 1_000_000, 7, 0, 9];
        let s = encode_counts_string(&runs);
        assert_eq!(decode_counts_string(&s).unwrap(), runs);
    }

    #[test]
    fn known_pycocotools_string() {
        // A 3x3 image whose centre pixel is set: column-major runs 4, 1, 4.
        assert_eq!(encode_counts_string(&[4, 1, 4]), "414");
        assert_eq!(decode_counts_string("414").unwrap(), vec![4, 1, 4]);
    }

    #[test]
    fn window_and_coco_agree() {
        // 4x3 image; foreground is the 2x2 block at columns 1..=2, rows 0..=1.
        let coco = MaskEncoding::Coco {
            height: 3,
            width: 4,
            counts: CocoCounts::Runs(vec![3, 2, 1, 2, 4]),
        };
        assert_eq!(coco.pixel_count(), 4);
        assert_eq!(coco.bounds(), Some(BoxGeom::from_xyxy(1.0, 0.0, 3.0, 2.0)));
        let window = coco.to_window().unwrap();
        assert_eq!(
            window,
            MaskEncoding::Window {
                left: 1,
                top: 0,
                width: 2,
                height: 2,
                counts: vec![0, 4]
            }
        );
        assert_eq!(window.to_coco(4, 3).unwrap(), vec![3, 2, 1, 2, 4]);
    }

    #[test]
    fn runs_longer_than_u32_are_split_with_a_zero_run_between() {
        // 2^33 + 5 = 2 * (2^32 - 1) + 7 background pixels, then 3 of
        // foreground: nothing of the size is allocated.
        let mut w = RunWriter::new();
        w.push(false, (1u64 << 33) + 5).unwrap();
        w.push(true, 3).unwrap();
        assert_eq!(w.finish().unwrap(), vec![u32::MAX, 0, u32::MAX, 0, 7, 3]);
        let mut w = RunWriter::new();
        w.push(true, u64::from(u32::MAX) + 1).unwrap();
        assert_eq!(w.finish().unwrap(), vec![0, u32::MAX, 0, 1]);
    }

    #[test]
    fn the_block_sweep_keeps_each_offset_in_one_block_per_stretch() {
        // A 4-wide window: row 0 columns 1..3, rows 1-2 full, row 3 column 0.
        let grid = Grid {
            order: Order::RowMajor,
            x: 0,
            y: 0,
            width: 4,
            height: 4,
        };
        let groups = line_groups(&[1, 2, 1, 8, 0, 1, 3], grid);
        let listed: Vec<_> = groups
            .iter()
            .map(|(first, count, intervals)| (first, count, intervals.to_vec()))
            .collect();
        assert_eq!(
            listed,
            vec![
                (0, 1, vec![(1, 3)]),
                (1, 2, vec![(0, 4)]),
                (3, 1, vec![(0, 1)]),
            ]
        );
        let mut got = Vec::new();
        blocks(&groups, |b| got.push((b.a, b.b, b.first, b.end)));
        got.sort_unstable();
        assert_eq!(got, vec![(0, 1, 1, 4), (1, 3, 0, 3), (3, 4, 1, 3)]);
    }

    #[test]
    fn bad_strings_are_errors() {
        assert!(decode_counts_string("p").is_err());
        assert!(decode_counts_string("\u{7f}").is_err());
        // A continuation bit on the last character leaves the run unfinished.
        assert!(decode_counts_string("P").is_err());
    }
}
