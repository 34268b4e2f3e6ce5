//! Video tracks (CVAT for video 1.1) and their expansion into per-frame
//! annotations.
//!
//! A [`Track`] stores the states of one object exactly as CVAT video writes
//! them. Formats without tracks (COCO, YOLO, CVAT for images) need one
//! annotation per frame instead: [`expand_tracks`] and [`Track::expand`]
//! produce them with CVAT's interpolation, and [`Track::state_at`] gives the
//! state of a track on any one frame.
//!
//! # Interpolation rules
//!
//! The rules follow what CVAT's server does when it exports a video task as
//! per-frame shapes:
//!
//! - Every shape written in the track, keyframe or not, is used as written
//!   on its own frame. Shapes are taken in frame order; when two shapes share
//!   a frame, the one listed last wins.
//! - Between two consecutive shapes `a` (frame `fa`) and `b` (frame `fb`),
//!   a frame `f` with `fa < f < fb` gets the geometry of `a` moved towards
//!   `b` by `t = (f - fa) / (fb - fa)`, and `a`'s occluded flag, z order and
//!   attributes. This also happens when `b` is `outside=1`: the object moves
//!   towards the place where it leaves.
//! - Nothing is produced from a shape with `outside=1` (neither on its frame
//!   nor after it) until a later shape with `outside=0`.
//! - After the last shape a visible track keeps its last state up to
//!   `stop_frame` (inclusive, the last frame of the task or segment); without
//!   a stop frame the track ends at its last shape. Shapes after `stop_frame`
//!   only steer the interpolation of the frames up to it.
//! - With a frame grid ([`ExpandOptions::frame_grid`], CVAT's
//!   `<start_frame>` and `frame_filter` `step=N`) states are produced on the
//!   task's frames only (`start`, `start + N`, ...), with their real frame
//!   numbers; interpolation is linear in the frame number, as CVAT's is in
//!   the task's frame index. A shape on a frame the task does not have
//!   (CVAT never writes one) steers the interpolation but produces nothing.
//! - Attributes are carried forward: a shape that lacks an attribute its
//!   predecessor had inherits the predecessor's value (CVAT writes mutable
//!   attributes only where they change in some exports).
//!
//! How each geometry moves:
//!
//! - **Box**: the four edges linearly; the rotation along the shortest arc
//!   (350 to 10 degrees turns through 0, not back through 180), the result
//!   in `[0, 360)`. An exact half turn goes counter-clockwise.
//! - **Ellipse**: centre and radii linearly, rotation as for boxes.
//! - **Cuboid**: each of the 16 coordinates linearly.
//! - **Points**: a single point moves linearly. Several points are held at
//!   the earlier shape, as CVAT does, unless
//!   [`ExpandOptions::points`] is [`PointsInterpolation::Linear`], which
//!   moves them point by point when both shapes have the same count.
//! - **Keypoints**: point by point when both shapes have the same number of
//!   points; names and visibility come from the earlier shape.
//! - **Polyline and polygon**: by arc length, as CVAT does, so the two
//!   shapes may have different vertex counts. Each vertex is placed at its
//!   relative position along the curve (cumulative length / total length).
//!   Every vertex of the earlier curve is paired with the vertex of the later
//!   curve nearest in relative position, and every vertex of the later curve
//!   left unpaired is paired with the nearest vertex of the earlier one. Each
//!   pair is interpolated linearly, then runs of interpolated vertices that
//!   came from one vertex are thinned: inside a run, a vertex closer than
//!   `length / (2 n)` to the last kept one is dropped, and a run of two
//!   vertices closer than that collapses to their midpoint (`length` is the
//!   length of the run's source curve and `n` its vertex count). A polygon
//!   ring is closed (its first vertex repeated at the end) for this and the
//!   last output vertex is removed afterwards. Polygons with several rings
//!   are interpolated ring by ring when both have the same ring count.
//! - **Mask, tag**, two shapes of different kinds, or shapes that cannot be
//!   paired (empty point lists, different keypoint counts): the earlier
//!   shape is held unchanged until the next shape.
//!
//! # Skeletons
//!
//! A skeleton track keeps the parent's states in [`Track::shapes`] (with
//! [`Geometry::Tag`]) and one element track per point in
//! [`Track::elements`]. Each element track is interpolated on its own; on
//! every frame where the parent is visible the elements are combined into
//! one [`Geometry::Keypoints`]: one [`Keypoint`] per element, named after the
//! element's label, [`Visibility::Absent`] when the element is outside on
//! that frame (or has no state yet), [`Visibility::Occluded`] when occluded,
//! [`Visibility::Visible`] otherwise. An absent element keeps the coordinates
//! of its last state (CVAT writes them too), or `(0, 0)` when it has none.
//! Points are ordered by the parent label's [`crate::KeypointSchema`] when it
//! has one (names of the schema without an element track become absent
//! points at `(0, 0)`), else in element order. A skeleton track without
//! parent shapes is visible on every frame where one of its elements is.
//!
//! # Images and ids
//!
//! [`expand_tracks`] puts the annotation of frame `f` on the first image of
//! the dataset whose [`crate::Image::frame`] is `f`; when no image has that
//! frame the annotation refers to `ImageId(f)` (CVAT numbers the frames of a
//! video task from 0 and its image ids are the frame numbers).
//!
//! Expanded annotations get fresh ids: they are numbered consecutively from
//! [`Dataset::next_annotation_id`], tracks in dataset order and, inside a
//! track, frames in increasing order. The same dataset always gives the same
//! ids.

use std::collections::HashMap;

use crate::attribute::Attributes;
use crate::dataset::{Annotation, Dataset};
use crate::geometry::{
    BoxGeom, Cuboid, Ellipse, Geometry, Keypoint, Keypoints, Point, Points, Polygon, Polyline,
    Visibility,
};
use crate::ids::{AnnotationId, GroupId, ImageId, LabelId, TrackId};
use crate::kept::Kept;
use crate::label::LabelSet;

/// The state of a track on one frame, exactly as CVAT video stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackShape {
    /// Frame number.
    pub frame: u64,
    /// Whether the state was set by a person (`keyframe=1`).
    pub keyframe: bool,
    /// Whether the object has left the frame (`outside=1`): it stays hidden
    /// until a later shape with `outside=0`.
    pub outside: bool,
    /// Whether the object is occluded.
    pub occluded: bool,
    /// Drawing order.
    pub z_order: i32,
    /// Geometry on this frame. For a skeleton track the parent's shapes carry
    /// [`Geometry::Tag`] and the points live in the element tracks.
    pub geometry: Geometry,
    /// Attributes on this frame (CVAT repeats them on every shape).
    pub attributes: Attributes,
}

/// A video track: one object followed over frames.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    /// Track id.
    pub id: TrackId,
    /// Label.
    pub label: LabelId,
    /// Group linking it with other tracks or shapes.
    pub group: Option<GroupId>,
    /// Who made it, shared (see [`crate::name`]).
    pub source: Option<crate::Name>,
    /// A crowd region (COCO `iscrowd`) throughout: every annotation it
    /// expands to is one ([`crate::Annotation::crowd`]).
    pub crowd: bool,
    /// Per-frame states, in frame order.
    pub shapes: Vec<TrackShape>,
    /// For a skeleton track: one nested track per element, each holding
    /// [`Geometry::Points`] with one point per shape, labelled with the
    /// element's sub-label.
    pub elements: Vec<Track>,
    /// The round-trip fields of the format this came from, typed by that
    /// format (see [`crate::kept`]).
    pub kept: Kept,
}

/// How several [`Geometry::Points`] move between two shapes of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PointsInterpolation {
    /// As CVAT: a single point moves linearly, several points are held at
    /// the earlier shape until the next one.
    #[default]
    Cvat,
    /// Every point moves linearly to the point at the same position in the
    /// next shape when both have the same count (else held).
    Linear,
}

/// Options of track expansion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExpandOptions {
    /// The last frame of the video (inclusive): a track still visible after
    /// its last shape continues to it, and nothing is produced after it.
    /// `None`: every track ends at its last shape.
    pub stop_frame: Option<u64>,
    /// How several points move.
    pub points: PointsInterpolation,
    /// The frames the task has (CVAT's `<start_frame>` and `frame_filter`
    /// `step=N`): states are produced on these frames only. `None`: every
    /// frame.
    pub frame_grid: Option<FrameGrid>,
}

/// The frames of a CVAT task whose `frame_filter` is `step=N`: `start`,
/// `start + step`, `start + 2 step`, ... (frame numbers as the video counts
/// them, as CVAT writes them in its XML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameGrid {
    start: u64,
    step: u64,
}

impl FrameGrid {
    /// The grid from `start` every `step` frames; `None` for a step of 0.
    #[must_use]
    pub fn new(start: u64, step: u64) -> Option<Self> {
        (step > 0).then_some(Self { start, step })
    }

    /// The first frame.
    #[must_use]
    pub fn start(self) -> u64 {
        self.start
    }

    /// Frames between two frames of the task.
    #[must_use]
    pub fn step(self) -> u64 {
        self.step
    }

    /// Whether the task has `frame`.
    #[must_use]
    pub fn contains(self, frame: u64) -> bool {
        frame >= self.start && (frame - self.start).is_multiple_of(self.step)
    }

    /// The first frame of the task at or after `frame`; `None` past
    /// `u64::MAX`.
    #[must_use]
    pub fn at_or_after(self, frame: u64) -> Option<u64> {
        if frame <= self.start {
            return Some(self.start);
        }
        match (frame - self.start) % self.step {
            0 => Some(frame),
            r => frame.checked_add(self.step - r),
        }
    }

    /// How many frames of the task lie in `first..=last` (saturating).
    #[must_use]
    pub fn count(self, first: u64, last: u64) -> u64 {
        match self.at_or_after(first) {
            Some(f) if f <= last => ((last - f) / self.step).saturating_add(1),
            _ => 0,
        }
    }
}

impl ExpandOptions {
    /// Options with the given stop frame and CVAT's rules otherwise.
    #[must_use]
    pub fn with_stop_frame(stop_frame: Option<u64>) -> Self {
        Self {
            stop_frame,
            ..Self::default()
        }
    }

    /// These options, producing states only on the frames of `grid`.
    #[must_use]
    pub fn on_frames(mut self, grid: Option<FrameGrid>) -> Self {
        self.frame_grid = grid;
        self
    }

    /// Whether a state may be produced on `frame`.
    fn has_frame(&self, frame: u64) -> bool {
        self.frame_grid.is_none_or(|g| g.contains(frame))
    }

    /// The first frame at or after `frame` a state may be produced on.
    fn frame_at_or_after(&self, frame: u64) -> Option<u64> {
        match self.frame_grid {
            Some(g) => g.at_or_after(frame),
            None => Some(frame),
        }
    }
}

/// Expands every track of the dataset into per-frame annotations with
/// CVAT's interpolation (see the module docs for the rules, the image of
/// each frame and the id scheme). `stop_frame` is the last frame of the video
/// (inclusive); with `None` each track ends at its last shape.
#[must_use]
pub fn expand_tracks(dataset: &Dataset, stop_frame: Option<u64>) -> Vec<Annotation> {
    expand_tracks_with(dataset, &ExpandOptions::with_stop_frame(stop_frame))
}

/// [`expand_tracks`] with all options.
#[must_use]
pub fn expand_tracks_with(dataset: &Dataset, options: &ExpandOptions) -> Vec<Annotation> {
    let mut frames: HashMap<u64, ImageId> = HashMap::new();
    for image in &dataset.images {
        if let Some(frame) = image.frame {
            frames.entry(frame).or_insert(image.id);
        }
    }
    let image_of = |frame: u64| frames.get(&frame).copied().unwrap_or(ImageId(frame));
    let mut next_id = dataset.next_annotation_id();
    let mut out = Vec::new();
    for track in &dataset.tracks {
        out.extend(track.expand(&dataset.labels, &image_of, &mut next_id, options));
    }
    out
}

/// What one expanded state costs beyond its vertices, in vertices: the
/// annotation itself (its id, image, label, attributes and geometry header),
/// the image of its frame (CVAT video files list none, so each frame gets
/// one) and its share of the output. Measured converting CVAT video to COCO
/// in a release build: a state costs about 620 bytes, a vertex of a polygon
/// 20 to 32 bytes.
pub const ANNOTATION_COST: u64 = 20;

/// The most vertex-states one expansion of a dataset's tracks may produce:
/// the sum over tracks of frames x (the vertices of the track's largest
/// shape + [`ANNOTATION_COST`]) (a box or ellipse counts 4 vertices, a
/// cuboid 8, a polygon, polyline or point set its points, a skeleton its
/// elements, a mask its runs, a tag 1).
///
/// Ten million is 416,666 boxes (140 boxes followed through 100 seconds of
/// video at 30 frames per second) or 476,190 states of a one-point track.
/// Converting to COCO just under it peaks at BUDGET_MEASURED in a release
/// build; before the per-state cost was counted, a 469-byte one-point track
/// over 10 million frames aborted at 3.2 GB. The bound is computed from the
/// shapes before anything is expanded.
pub const MAX_EXPANDED_VERTEX_STATES: u64 = 10_000_000;

/// Why [`try_expand_tracks`] refused to expand.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpandError {
    /// Expanding `track` would bring the total past
    /// [`MAX_EXPANDED_VERTEX_STATES`].
    OverBudget {
        /// The track that crosses the budget.
        track: TrackId,
        /// Its first frame.
        first: u64,
        /// The last frame it would be expanded to.
        last: u64,
        /// Vertices of its largest shape.
        vertices: u64,
        /// Vertex-states of the expansion up to and including this track,
        /// each state counting its vertices and [`ANNOTATION_COST`]
        /// (saturating).
        total: u64,
        /// The budget.
        limit: u64,
    },
    /// The annotation ids of the expansion would pass `u64::MAX`.
    IdOverflow {
        /// The track whose annotations would not get an id.
        track: TrackId,
    },
}

impl std::fmt::Display for ExpandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::OverBudget {
                track,
                first,
                last,
                vertices,
                total,
                limit,
            } => write!(
                f,
                "expanding track {} (frames {first} to {last}, {vertices} {} a frame \
                 and {ANNOTATION_COST} for its annotation) would bring the expanded tracks to \
                 {total} vertex-states, more than the {limit} labelkit expands; check the frame \
                 numbers of the track, or convert to CVAT for video, which keeps tracks",
                track.0,
                if *vertices == 1 { "vertex" } else { "vertices" }
            ),
            Self::IdOverflow { track } => write!(
                f,
                "expanding track {} would number annotations past {}; the dataset's annotation \
                 ids are too large",
                track.0,
                u64::MAX
            ),
        }
    }
}

impl std::error::Error for ExpandError {}

impl ExpandError {
    /// The track the refusal is about.
    #[must_use]
    pub fn track(&self) -> TrackId {
        match self {
            Self::OverBudget { track, .. } | Self::IdOverflow { track } => *track,
        }
    }
}

/// A checked expansion: the annotations, and what was left out.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Expansion {
    /// One annotation per visible frame of every track.
    pub annotations: Vec<Annotation>,
    /// Shapes (elements included) on frames after
    /// [`ExpandOptions::stop_frame`]: they steer the frames up to it but
    /// produce no annotation of their own.
    pub shapes_after_stop: u64,
    /// The tracks that have such shapes, in dataset order.
    pub tracks_after_stop: Vec<TrackId>,
    /// Shapes (elements included) on frames the task does not have
    /// ([`ExpandOptions::frame_grid`]; CVAT never writes them): they steer
    /// the interpolation of the task's frames but produce no annotation of
    /// their own.
    pub shapes_off_grid: u64,
    /// The tracks that have such shapes, in dataset order.
    pub tracks_off_grid: Vec<TrackId>,
}

/// The frames `(first, last)` a track's expansion can cover (its own shapes
/// and its elements'): from its first shape to `stop_frame`, or to its last
/// shape without one; `None` when it has no shape or starts after
/// `stop_frame`.
#[must_use]
pub fn expansion_frames(track: &Track, stop_frame: Option<u64>) -> Option<(u64, u64)> {
    let frames = || {
        track
            .shapes
            .iter()
            .chain(track.elements.iter().flat_map(|e| e.shapes.iter()))
            .map(|s| s.frame)
    };
    let first = frames().min()?;
    let last = match stop_frame {
        Some(stop) => stop,
        None => frames().max()?,
    };
    (first <= last).then_some((first, last))
}

/// The number of states `frames` from [`expansion_frames`] holds: every
/// frame, or only those of `grid`. Saturates at `u64::MAX` (frames
/// `0..=u64::MAX` are one more than `u64` counts).
#[must_use]
pub fn frame_count(frames: Option<(u64, u64)>, grid: Option<FrameGrid>) -> u64 {
    frames.map_or(0, |(first, last)| match grid {
        Some(g) => g.count(first, last),
        None => (last - first).saturating_add(1),
    })
}

/// The vertices a geometry holds, for the expansion budget (at least 1).
fn vertices(g: &Geometry) -> u64 {
    let n = match g {
        Geometry::Box(_) | Geometry::Ellipse(_) => 4,
        Geometry::Cuboid(_) => 8,
        Geometry::Polygon(p) => p.rings.iter().map(Vec::len).sum(),
        Geometry::Polyline(p) => p.points.len(),
        Geometry::Points(p) => p.points.len(),
        Geometry::Keypoints(k) => k.points.len(),
        Geometry::Mask(m) => match &m.encoding {
            crate::rle::MaskEncoding::Window { counts, .. }
            | crate::rle::MaskEncoding::Coco {
                counts: crate::rle::CocoCounts::Runs(counts),
                ..
            } => counts.len(),
            crate::rle::MaskEncoding::Coco {
                counts: crate::rle::CocoCounts::Compressed(s),
                ..
            } => s.len(),
        },
        _ => 1,
    };
    // usize is at most 64 bits on every target Rust supports.
    (n as u64).max(1)
}

/// The vertices of a track's largest state: its largest shape, or for a
/// skeleton the number of its elements (one keypoint each) plus the largest
/// element shape (held while the element is interpolated).
fn track_vertices(track: &Track) -> u64 {
    let own = track
        .shapes
        .iter()
        .map(|s| vertices(&s.geometry))
        .max()
        .unwrap_or(1);
    if track.elements.is_empty() {
        return own;
    }
    // usize is at most 64 bits on every target Rust supports.
    let elements = track.elements.len() as u64;
    let largest = track.elements.iter().map(track_vertices).max().unwrap_or(1);
    elements.saturating_mul(largest).max(own)
}

/// [`expand_tracks_with`], checked: the frames and vertices every track
/// would produce are added up from its shapes before anything is expanded,
/// and the expansion is refused beyond `limit` vertex-states, each state
/// counting its vertices and [`ANNOTATION_COST`] (see
/// [`MAX_EXPANDED_VERTEX_STATES`]) or when the annotation ids would
/// overflow. Shapes after the stop frame are counted.
///
/// # Errors
/// [`ExpandError`], naming the track.
pub fn try_expand_tracks(
    dataset: &Dataset,
    options: &ExpandOptions,
    limit: u64,
) -> Result<Expansion, ExpandError> {
    let mut total = 0u64;
    let mut states = 0u64;
    let mut shapes_after_stop = 0u64;
    let mut tracks_after_stop = Vec::new();
    let mut shapes_off_grid = 0u64;
    let mut tracks_off_grid = Vec::new();
    // Ids run from one past the largest in use to `first_id + states - 1`.
    let first_id = match dataset.annotations.iter().map(|a| a.id.0).max() {
        Some(max) => max.checked_add(1),
        None => Some(1),
    };
    for track in &dataset.tracks {
        let frames = expansion_frames(track, options.stop_frame);
        let n = frame_count(frames, options.frame_grid);
        let vertices = track_vertices(track);
        total = total.saturating_add(n.saturating_mul(vertices.saturating_add(ANNOTATION_COST)));
        if total > limit {
            let (first, last) = frames.unwrap_or_default();
            return Err(ExpandError::OverBudget {
                track: track.id,
                first,
                last,
                vertices,
                total,
                limit,
            });
        }
        states = states.saturating_add(n);
        if first_id
            .and_then(|id| id.checked_add(states.saturating_sub(1)))
            .is_none()
        {
            return Err(ExpandError::IdOverflow { track: track.id });
        }
        if let Some(grid) = options.frame_grid {
            let off = track
                .shapes
                .iter()
                .chain(track.elements.iter().flat_map(|e| e.shapes.iter()))
                .filter(|s| !grid.contains(s.frame))
                .count() as u64;
            if off > 0 {
                shapes_off_grid += off;
                tracks_off_grid.push(track.id);
            }
        }
        if let Some(stop) = options.stop_frame {
            let after = track
                .shapes
                .iter()
                .chain(track.elements.iter().flat_map(|e| e.shapes.iter()))
                .filter(|s| s.frame > stop)
                .count() as u64;
            if after > 0 {
                shapes_after_stop += after;
                tracks_after_stop.push(track.id);
            }
        }
    }
    Ok(Expansion {
        annotations: expand_tracks_with(dataset, options),
        shapes_after_stop,
        tracks_after_stop,
        shapes_off_grid,
        tracks_off_grid,
    })
}

/// The shapes of a track in frame order (the last of equal frames wins),
/// each with its attributes after carrying forward the earlier ones.
struct Prepared<'a> {
    shapes: Vec<&'a TrackShape>,
    attributes: Vec<Attributes>,
}

impl<'a> Prepared<'a> {
    fn new(track: &'a Track) -> Self {
        let mut shapes: Vec<&TrackShape> = track.shapes.iter().collect();
        if !shapes.windows(2).all(|w| w[0].frame < w[1].frame) {
            shapes.sort_by_key(|s| s.frame);
            // Keep the last of each run of equal frames.
            let mut kept: Vec<&TrackShape> = Vec::with_capacity(shapes.len());
            for s in shapes {
                match kept.last_mut() {
                    Some(last) if last.frame == s.frame => *last = s,
                    _ => kept.push(s),
                }
            }
            shapes = kept;
        }
        let mut attributes: Vec<Attributes> = Vec::with_capacity(shapes.len());
        for s in &shapes {
            let mut attrs = s.attributes.clone();
            if let Some(prev) = attributes.last() {
                for (name, value) in &prev.0 {
                    if attrs.get(name).is_none() {
                        attrs.0.push((name.clone(), value.clone()));
                    }
                }
            }
            attributes.push(attrs);
        }
        Self { shapes, attributes }
    }

    /// The shape at position `i` as a state (with carried attributes).
    fn state(&self, i: usize) -> TrackShape {
        let s = self.shapes[i];
        TrackShape {
            frame: s.frame,
            keyframe: s.keyframe,
            outside: s.outside,
            occluded: s.occluded,
            z_order: s.z_order,
            geometry: s.geometry.clone(),
            attributes: self.attributes[i].clone(),
        }
    }

    /// The state on `frame`, strictly after shape `i` and strictly before
    /// shape `i + 1` (if any): interpolated, held, or outside.
    fn between(&self, i: usize, frame: u64, options: &ExpandOptions) -> TrackShape {
        let a = self.shapes[i];
        let geometry = match self.shapes.get(i + 1) {
            Some(b) if !a.outside => {
                #[allow(clippy::cast_precision_loss)]
                let t = (frame - a.frame) as f64 / (b.frame - a.frame) as f64;
                interpolate_geometry(&a.geometry, &b.geometry, t, options)
                    .unwrap_or_else(|| a.geometry.clone())
            }
            _ => a.geometry.clone(),
        };
        TrackShape {
            frame,
            keyframe: false,
            outside: a.outside,
            occluded: a.occluded,
            z_order: a.z_order,
            geometry,
            attributes: self.attributes[i].clone(),
        }
    }

    /// The state on `frame`, outside states included; `None` before the
    /// first shape. After the last shape the last state holds.
    fn state_at(&self, frame: u64, options: &ExpandOptions) -> Option<TrackShape> {
        let after = self.shapes.partition_point(|s| s.frame <= frame);
        let i = after.checked_sub(1)?;
        if self.shapes[i].frame == frame {
            Some(self.state(i))
        } else {
            Some(self.between(i, frame, options))
        }
    }

    /// Every visible state, frames increasing, up to `options.stop_frame`.
    fn visible_states(&self, options: &ExpandOptions) -> Vec<TrackShape> {
        let stop = options.stop_frame.unwrap_or(u64::MAX);
        let mut out = Vec::new();
        for (i, s) in self.shapes.iter().enumerate() {
            if s.frame > stop {
                break;
            }
            if !s.outside && options.has_frame(s.frame) {
                out.push(self.state(i));
            }
            let end = match self.shapes.get(i + 1) {
                Some(next) => next.frame.min(stop.saturating_add(1)),
                None => match options.stop_frame {
                    Some(stop) => stop.saturating_add(1),
                    None => s.frame.saturating_add(1),
                },
            };
            if !s.outside {
                let step = options.frame_grid.map_or(1, FrameGrid::step);
                let mut frame = options.frame_at_or_after(s.frame.saturating_add(1));
                while let Some(f) = frame.filter(|&f| f < end) {
                    out.push(self.between(i, f, options));
                    frame = f.checked_add(step);
                }
            }
        }
        out
    }
}

impl Track {
    /// Whether this is a skeleton track (it has element tracks).
    #[must_use]
    pub fn is_skeleton(&self) -> bool {
        !self.elements.is_empty()
    }

    /// The state of the track on `frame` with CVAT's interpolation (see the
    /// module docs), including hidden states (`outside == true`); `None`
    /// before the first shape. After the last shape the last state holds
    /// forever. The state of a frame that has a shape is that shape (its
    /// attributes completed by the carried-forward ones); any other state has
    /// `keyframe == false`. For a skeleton track this is the parent's state
    /// (see [`Track::keypoints_at`] for the points).
    #[must_use]
    pub fn state_at(&self, frame: u64) -> Option<TrackShape> {
        self.state_at_with(frame, &ExpandOptions::default())
    }

    /// [`Track::state_at`] with options.
    #[must_use]
    pub fn state_at_with(&self, frame: u64, options: &ExpandOptions) -> Option<TrackShape> {
        Prepared::new(self).state_at(frame, options)
    }

    /// The visible states of the track (not its elements), one per frame,
    /// frames increasing, up to `options.stop_frame`.
    #[must_use]
    pub fn visible_states(&self, options: &ExpandOptions) -> Vec<TrackShape> {
        Prepared::new(self).visible_states(options)
    }

    /// The keypoints of a skeleton track on `frame`, whether or not the
    /// parent is visible there (see the module docs for names, order and
    /// visibility); `None` for a track without elements.
    #[must_use]
    pub fn keypoints_at(&self, frame: u64, labels: &LabelSet) -> Option<Keypoints> {
        if self.elements.is_empty() {
            return None;
        }
        let options = ExpandOptions::default();
        let elements = SkeletonElements::new(self, labels);
        Some(elements.keypoints_at(frame, &options))
    }

    /// Expands the track into one annotation per visible frame.
    ///
    /// `image_of` gives the image of a frame; ids are taken from `next_id`,
    /// which is advanced past them. Each annotation carries the track's id,
    /// label, group and source, and the state's geometry, occluded flag, z
    /// order and attributes.
    pub fn expand(
        &self,
        labels: &LabelSet,
        image_of: &dyn Fn(u64) -> ImageId,
        next_id: &mut AnnotationId,
        options: &ExpandOptions,
    ) -> Vec<Annotation> {
        let states = if self.elements.is_empty() {
            self.visible_states(options)
        } else {
            let elements = SkeletonElements::new(self, labels);
            let parent = if self.shapes.is_empty() {
                elements.union_states(options)
            } else {
                self.visible_states(options)
            };
            parent
                .into_iter()
                .map(|mut state| {
                    state.geometry =
                        Geometry::Keypoints(elements.keypoints_at(state.frame, options));
                    state
                })
                .collect()
        };
        states
            .into_iter()
            .map(|state| {
                let id = *next_id;
                next_id.0 = next_id.0.saturating_add(1);
                Annotation {
                    id,
                    image: image_of(state.frame),
                    label: self.label,
                    geometry: state.geometry,
                    bbox: None,
                    attributes: state.attributes,
                    occluded: state.occluded,
                    z_order: state.z_order,
                    group: self.group,
                    source: self.source.clone(),
                    score: None,
                    crowd: self.crowd,
                    track: Some(self.id),
                    stated_corners: None,
                    kept: Kept::new(),
                }
            })
            .collect()
    }
}

/// The element tracks of a skeleton, prepared once, in output order.
struct SkeletonElements<'a> {
    /// `(name, element)`; `None` for a schema point without element track.
    points: Vec<(Option<crate::Name>, Option<Prepared<'a>>)>,
}

impl<'a> SkeletonElements<'a> {
    fn new(track: &'a Track, labels: &LabelSet) -> Self {
        let name_of = |e: &Track| labels.get(e.label).map(|l| l.name.clone());
        let schema = labels.get(track.label).and_then(|l| l.keypoints.as_ref());
        let mut points = Vec::new();
        let mut used = vec![false; track.elements.len()];
        if let Some(schema) = schema {
            // Each schema name takes the first unused element of that name:
            // a queue per name keeps this linear (a file may declare
            // thousands of points).
            let mut by_name: HashMap<String, std::collections::VecDeque<usize>> = HashMap::new();
            for (i, e) in track.elements.iter().enumerate() {
                if let Some(name) = name_of(e) {
                    by_name.entry(name).or_default().push_back(i);
                }
            }
            for name in &schema.names {
                let found = by_name
                    .get_mut(name)
                    .and_then(std::collections::VecDeque::pop_front)
                    .and_then(|i| Some((i, track.elements.get(i)?)));
                match found {
                    Some((i, e)) => {
                        used[i] = true;
                        points.push((Some(crate::intern(name)), Some(Prepared::new(e))));
                    }
                    None => points.push((Some(crate::intern(name)), None)),
                }
            }
        }
        for (i, e) in track.elements.iter().enumerate() {
            if !used[i] {
                points.push((
                    name_of(e).as_deref().map(crate::intern),
                    Some(Prepared::new(e)),
                ));
            }
        }
        Self { points }
    }

    fn keypoints_at(&self, frame: u64, options: &ExpandOptions) -> Keypoints {
        let points = self
            .points
            .iter()
            .map(|(name, element)| {
                let state = element.as_ref().and_then(|e| e.state_at(frame, options));
                let (x, y, visibility) = match state {
                    None => (0.0, 0.0, Visibility::Absent),
                    Some(s) => match first_point(&s.geometry) {
                        None => (0.0, 0.0, Visibility::Absent),
                        Some(p) if s.outside => (p.x, p.y, Visibility::Absent),
                        Some(p) if s.occluded => (p.x, p.y, Visibility::Occluded),
                        Some(p) => (p.x, p.y, Visibility::Visible),
                    },
                };
                Keypoint {
                    name: name.clone(),
                    x,
                    y,
                    visibility,
                }
            })
            .collect();
        Keypoints { points }
    }

    /// Parent states for a skeleton without parent shapes: every frame where
    /// an element is visible.
    fn union_states(&self, options: &ExpandOptions) -> Vec<TrackShape> {
        let mut frames: Vec<u64> = self
            .points
            .iter()
            .filter_map(|(_, e)| e.as_ref())
            .flat_map(|e| e.visible_states(options).into_iter().map(|s| s.frame))
            .collect();
        frames.sort_unstable();
        frames.dedup();
        frames
            .into_iter()
            .map(|frame| TrackShape {
                frame,
                keyframe: false,
                outside: false,
                occluded: false,
                z_order: 0,
                geometry: Geometry::Tag,
                attributes: Attributes::new(),
            })
            .collect()
    }
}

fn first_point(g: &Geometry) -> Option<Point> {
    match g {
        Geometry::Points(p) => p.points.first().copied(),
        Geometry::Keypoints(k) => k.points.first().map(|p| Point::new(p.x, p.y)),
        Geometry::Polyline(p) => p.points.first().copied(),
        _ => None,
    }
}

fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

fn lerp_point(a: Point, b: Point, t: f64) -> Point {
    Point::new(lerp(a.x, b.x, t), lerp(a.y, b.y, t))
}

/// The signed difference `to - from` of two angles in degrees, along the
/// shortest arc, in `[-180, 180)`.
fn angle_diff(to: f64, from: f64) -> f64 {
    (to - from + 180.0).rem_euclid(360.0) - 180.0
}

/// A rotation moved by `t` along the shortest arc, in `[0, 360)`.
fn lerp_rotation(a: f64, b: f64, t: f64) -> f64 {
    let r = (a + angle_diff(b, a) * t).rem_euclid(360.0);
    // rem_euclid can round up to exactly 360 for tiny negative inputs.
    if r >= 360.0 {
        0.0
    } else {
        r
    }
}

/// The geometry a fraction `t` of the way from `a` to `b`, or `None` when
/// the two cannot be interpolated (the caller holds `a`).
fn interpolate_geometry(
    a: &Geometry,
    b: &Geometry,
    t: f64,
    options: &ExpandOptions,
) -> Option<Geometry> {
    Some(match (a, b) {
        (Geometry::Box(a), Geometry::Box(b)) => Geometry::Box(BoxGeom {
            x_min: lerp(a.x_min, b.x_min, t),
            y_min: lerp(a.y_min, b.y_min, t),
            x_max: lerp(a.x_max, b.x_max, t),
            y_max: lerp(a.y_max, b.y_max, t),
            rotation: lerp_rotation(a.rotation, b.rotation, t),
        }),
        (Geometry::Ellipse(a), Geometry::Ellipse(b)) => Geometry::Ellipse(Ellipse {
            cx: lerp(a.cx, b.cx, t),
            cy: lerp(a.cy, b.cy, t),
            rx: lerp(a.rx, b.rx, t),
            ry: lerp(a.ry, b.ry, t),
            rotation: lerp_rotation(a.rotation, b.rotation, t),
        }),
        (Geometry::Cuboid(a), Geometry::Cuboid(b)) => {
            let mut coords = a.coords;
            for (c, &target) in coords.iter_mut().zip(&b.coords) {
                *c = lerp(*c, target, t);
            }
            Geometry::Cuboid(Box::new(Cuboid { coords }))
        }
        (Geometry::Points(a), Geometry::Points(b)) => {
            let linear = a.points.len() == 1 || options.points == PointsInterpolation::Linear;
            if !linear || a.points.len() != b.points.len() || a.points.is_empty() {
                return None;
            }
            Geometry::Points(Points {
                points: a
                    .points
                    .iter()
                    .zip(&b.points)
                    .map(|(&p, &q)| lerp_point(p, q, t))
                    .collect(),
            })
        }
        (Geometry::Keypoints(a), Geometry::Keypoints(b)) => {
            if a.points.len() != b.points.len() {
                return None;
            }
            Geometry::Keypoints(Keypoints {
                points: a
                    .points
                    .iter()
                    .zip(&b.points)
                    .map(|(p, q)| Keypoint {
                        name: p.name.clone(),
                        x: lerp(p.x, q.x, t),
                        y: lerp(p.y, q.y, t),
                        visibility: p.visibility,
                    })
                    .collect(),
            })
        }
        (Geometry::Polyline(a), Geometry::Polyline(b)) => Geometry::Polyline(Polyline {
            points: interpolate_curve(&a.points, &b.points, t)?,
        }),
        (Geometry::Polygon(a), Geometry::Polygon(b)) => {
            if a.rings.len() != b.rings.len() || a.rings.is_empty() {
                return None;
            }
            let mut rings = Vec::with_capacity(a.rings.len());
            for (ra, rb) in a.rings.iter().zip(&b.rings) {
                rings.push(interpolate_ring(ra, rb, t)?);
            }
            Geometry::Polygon(Polygon { rings })
        }
        _ => return None,
    })
}

/// A polygon ring: closed by repeating its first vertex, interpolated as a
/// curve, and the last output vertex removed.
fn interpolate_ring(a: &[Point], b: &[Point], t: f64) -> Option<Vec<Point>> {
    let (&a0, &b0) = (a.first()?, b.first()?);
    let closed_a: Vec<Point> = a.iter().copied().chain(std::iter::once(a0)).collect();
    let closed_b: Vec<Point> = b.iter().copied().chain(std::iter::once(b0)).collect();
    let mut out = interpolate_curve(&closed_a, &closed_b, t)?;
    out.pop();
    if out.is_empty() {
        None
    } else {
        Some(out)
    }
}

fn distance(a: Point, b: Point) -> f64 {
    (b.x - a.x).hypot(b.y - a.y)
}

fn curve_length(points: &[Point]) -> f64 {
    points.windows(2).map(|w| distance(w[0], w[1])).sum()
}

/// Relative position of each vertex along the curve, from 0 to 1 (all 0 for
/// a curve of length 0).
fn relative_positions(points: &[Point]) -> Vec<f64> {
    let total = curve_length(points);
    let mut acc = 0.0;
    let mut out = Vec::with_capacity(points.len());
    out.push(0.0);
    for w in points.windows(2) {
        acc += distance(w[0], w[1]);
        out.push(if total > 0.0 { acc / total } else { 0.0 });
    }
    out.truncate(points.len());
    out
}

/// The index of the entry of `curve` nearest to `value` (the first on ties).
fn nearest(value: f64, curve: &[f64]) -> usize {
    let mut best = 0;
    let mut best_distance = f64::INFINITY;
    for (i, &c) in curve.iter().enumerate() {
        let d = (value - c).abs();
        if i == 0 || d < best_distance {
            best = i;
            best_distance = d;
        }
    }
    best
}

/// Interpolates two open curves by arc length (see the module docs).
fn interpolate_curve(left: &[Point], right: &[Point], t: f64) -> Option<Vec<Point>> {
    if left.is_empty() || right.is_empty() {
        return None;
    }
    let left_pos = relative_positions(left);
    let right_pos = relative_positions(right);

    // Pair every left vertex with the nearest right one, then every unpaired
    // right vertex with the nearest left one.
    let mut matching: Vec<Vec<usize>> = left_pos
        .iter()
        .map(|&v| vec![nearest(v, &right_pos)])
        .collect();
    let mut paired = vec![false; right.len()];
    for m in &matching {
        paired[m[0]] = true;
    }
    for (r, &v) in right_pos.iter().enumerate() {
        if !paired[r] {
            matching[nearest(v, &left_pos)].push(r);
        }
    }
    for m in &mut matching {
        m.sort_unstable();
    }

    // Interpolate each pair; `first_index[l]` is the position in
    // `interpolated` of the first pair of left vertex `l`.
    let mut interpolated = Vec::with_capacity(left.len() + right.len());
    let mut first_index = Vec::with_capacity(left.len());
    for (l, m) in matching.iter().enumerate() {
        first_index.push(interpolated.len());
        for &r in m {
            interpolated.push(lerp_point(left[l], right[r], t));
        }
    }

    let minimize = |base_length: f64, n: usize, start: usize, stop: usize, out: &mut Vec<Point>| {
        #[allow(clippy::cast_precision_loss)]
        let threshold = base_length / (2.0 * n as f64);
        let mut kept = vec![interpolated[start]];
        let mut latest = start;
        for i in start + 1..stop {
            if distance(interpolated[latest], interpolated[i]) >= threshold {
                kept.push(interpolated[i]);
                latest = i;
            }
        }
        kept.push(interpolated[stop]);
        if kept.len() == 2 && distance(interpolated[start], interpolated[stop]) < threshold {
            out.push(Point::new(
                (kept[0].x + kept[1].x) / 2.0,
                (kept[0].y + kept[1].y) / 2.0,
            ));
        } else {
            out.extend(kept);
        }
    };

    let mut reduced = Vec::with_capacity(interpolated.len());
    // A run of left vertices `start..=stop` paired with one right vertex.
    let left_segment = |start: usize, stop: usize, out: &mut Vec<Point>| {
        let (si, ti) = (first_index[start], first_index[stop]);
        if si == ti {
            out.push(interpolated[si]);
        } else {
            minimize(
                curve_length(&left[start..=stop]),
                stop - start + 1,
                si,
                ti,
                out,
            );
        }
    };
    let mut open: Option<usize> = None;
    for (i, m) in matching.iter().enumerate() {
        if m.len() == 1 {
            match open {
                Some(o) if matching[o][0] == m[0] => {}
                Some(o) => {
                    left_segment(o, i - 1, &mut reduced);
                    open = Some(i);
                }
                None => open = Some(i),
            }
        } else {
            if let Some(o) = open.take() {
                left_segment(o, i - 1, &mut reduced);
            }
            // One left vertex paired with the right vertices `start..=stop`.
            let (start, stop) = (m[0], m[m.len() - 1]);
            let si = first_index[i];
            minimize(
                curve_length(&right[start..=stop]),
                stop - start + 1,
                si,
                si + m.len() - 1,
                &mut reduced,
            );
        }
    }
    if let Some(o) = open {
        left_segment(o, left.len() - 1, &mut reduced);
    }
    Some(reduced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribute::AttributeValue;
    use crate::dataset::Image;
    use crate::label::{KeypointSchema, Label};
    use crate::rle::{CocoCounts, MaskEncoding};
    use crate::Mask;

    fn shape(frame: u64, geometry: Geometry) -> TrackShape {
        TrackShape {
            frame,
            keyframe: true,
            outside: false,
            occluded: false,
            z_order: 0,
            geometry,
            attributes: Attributes::new(),
        }
    }

    fn outside(frame: u64, geometry: Geometry) -> TrackShape {
        TrackShape {
            outside: true,
            ..shape(frame, geometry)
        }
    }

    fn track(shapes: Vec<TrackShape>) -> Track {
        Track {
            id: TrackId(3),
            label: LabelId(0),
            group: Some(GroupId(9)),
            source: Some("manual".into()),
            crowd: false,
            shapes,
            elements: Vec::new(),
            kept: Kept::new(),
        }
    }

    fn rbox(x0: f64, y0: f64, x1: f64, y1: f64, rotation: f64) -> Geometry {
        Geometry::Box(BoxGeom {
            x_min: x0,
            y_min: y0,
            x_max: x1,
            y_max: y1,
            rotation,
        })
    }

    fn pts(points: &[(f64, f64)]) -> Vec<Point> {
        points.iter().map(|&(x, y)| Point::new(x, y)).collect()
    }

    fn assert_box(g: &Geometry, expected: [f64; 5]) {
        let Geometry::Box(b) = g else {
            panic!("not a box: {g:?}");
        };
        let got = [b.x_min, b.y_min, b.x_max, b.y_max, b.rotation];
        for (g, e) in got.iter().zip(expected) {
            assert!((g - e).abs() < 1e-9, "{got:?} != {expected:?}");
        }
    }

    fn assert_points(got: &[Point], expected: &[(f64, f64)]) {
        assert_eq!(got.len(), expected.len(), "{got:?} != {expected:?}");
        for (g, e) in got.iter().zip(expected) {
            assert!(
                (g.x - e.0).abs() < 1e-9 && (g.y - e.1).abs() < 1e-9,
                "{got:?} != {expected:?}"
            );
        }
    }

    fn frames(states: &[TrackShape]) -> Vec<u64> {
        states.iter().map(|s| s.frame).collect()
    }

    #[test]
    fn box_moves_linearly_and_turns_through_zero() {
        let t = track(vec![
            shape(0, rbox(0.0, 0.0, 10.0, 10.0, 350.0)),
            shape(4, rbox(4.0, 8.0, 14.0, 18.0, 10.0)),
        ]);
        let states = t.visible_states(&ExpandOptions::default());
        assert_eq!(frames(&states), vec![0, 1, 2, 3, 4]);
        assert_box(&states[1].geometry, [1.0, 2.0, 11.0, 12.0, 355.0]);
        assert_box(&states[2].geometry, [2.0, 4.0, 12.0, 14.0, 0.0]);
        assert_box(&states[3].geometry, [3.0, 6.0, 13.0, 16.0, 5.0]);
        assert_box(&states[4].geometry, [4.0, 8.0, 14.0, 18.0, 10.0]);
        assert!(states[0].keyframe && !states[1].keyframe && states[4].keyframe);
    }

    #[test]
    fn rotation_takes_the_shortest_arc_both_ways() {
        let t = track(vec![
            shape(0, rbox(0.0, 0.0, 4.0, 4.0, 10.0)),
            shape(2, rbox(0.0, 0.0, 4.0, 4.0, 50.0)),
            shape(4, rbox(0.0, 0.0, 4.0, 4.0, 350.0)),
        ]);
        assert_box(&t.state_at(1).unwrap().geometry, [0.0, 0.0, 4.0, 4.0, 30.0]);
        // 50 -> 350 turns back by 60 degrees, not forward by 300.
        assert_box(&t.state_at(3).unwrap().geometry, [0.0, 0.0, 4.0, 4.0, 20.0]);
        assert_eq!(angle_diff(10.0, 350.0), 20.0);
        assert_eq!(angle_diff(350.0, 10.0), -20.0);
        assert_eq!(angle_diff(190.0, 10.0), -180.0);
    }

    #[test]
    fn ellipse_and_cuboid_move_linearly() {
        let e = |cx, rx, rotation| {
            Geometry::Ellipse(Ellipse {
                cx,
                cy: 5.0,
                rx,
                ry: 2.0,
                rotation,
            })
        };
        let t = track(vec![
            shape(0, e(0.0, 2.0, 340.0)),
            shape(2, e(10.0, 6.0, 20.0)),
        ]);
        assert_eq!(t.state_at(1).unwrap().geometry, e(5.0, 4.0, 0.0));
        let c = |v: f64| Geometry::Cuboid(Box::new(Cuboid { coords: [v; 16] }));
        let t = track(vec![shape(10, c(0.0)), shape(14, c(8.0))]);
        assert_eq!(t.state_at(11).unwrap().geometry, c(2.0));
    }

    #[test]
    fn one_point_moves_and_several_points_hold_as_in_cvat() {
        let p = |points: &[(f64, f64)]| {
            Geometry::Points(Points {
                points: pts(points),
            })
        };
        let single = track(vec![
            shape(0, p(&[(0.0, 0.0)])),
            shape(2, p(&[(10.0, 20.0)])),
        ]);
        assert_eq!(single.state_at(1).unwrap().geometry, p(&[(5.0, 10.0)]));

        let several = track(vec![
            shape(0, p(&[(0.0, 0.0), (4.0, 4.0)])),
            shape(4, p(&[(8.0, 0.0), (4.0, 12.0)])),
        ]);
        assert_eq!(
            several.state_at(1).unwrap().geometry,
            p(&[(0.0, 0.0), (4.0, 4.0)])
        );
        let linear = ExpandOptions {
            points: PointsInterpolation::Linear,
            ..ExpandOptions::default()
        };
        assert_eq!(
            several.state_at_with(1, &linear).unwrap().geometry,
            p(&[(2.0, 0.0), (4.0, 6.0)])
        );
        // Different counts hold even when linear.
        let uneven = track(vec![
            shape(0, p(&[(0.0, 0.0), (4.0, 4.0)])),
            shape(4, p(&[(8.0, 0.0)])),
        ]);
        assert_eq!(
            uneven.state_at_with(2, &linear).unwrap().geometry,
            p(&[(0.0, 0.0), (4.0, 4.0)])
        );
    }

    #[test]
    fn polyline_with_a_new_vertex_is_resampled_by_arc_length() {
        let line = |points: &[(f64, f64)]| {
            Geometry::Polyline(Polyline {
                points: pts(points),
            })
        };
        let t = track(vec![
            shape(0, line(&[(0.0, 0.0), (10.0, 0.0)])),
            shape(2, line(&[(0.0, 10.0), (5.0, 10.0), (10.0, 10.0)])),
        ]);
        let Geometry::Polyline(mid) = t.state_at(1).unwrap().geometry else {
            panic!("not a polyline");
        };
        // Left vertex 0 pairs with right 0 and (tie, first wins) right 1.
        assert_points(&mid.points, &[(0.0, 5.0), (2.5, 5.0), (10.0, 5.0)]);
        // Same vertex count, same spacing: plain pointwise interpolation.
        let t = track(vec![
            shape(0, line(&[(0.0, 0.0), (10.0, 0.0)])),
            shape(2, line(&[(0.0, 10.0), (10.0, 10.0)])),
        ]);
        let Geometry::Polyline(mid) = t.state_at(1).unwrap().geometry else {
            panic!("not a polyline");
        };
        assert_points(&mid.points, &[(0.0, 5.0), (10.0, 5.0)]);
    }

    #[test]
    fn polygons_are_closed_for_resampling() {
        let poly = |ring: &[(f64, f64)]| {
            Geometry::Polygon(Polygon {
                rings: vec![pts(ring)],
            })
        };
        let square = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];
        let moved = [(10.0, 0.0), (20.0, 0.0), (20.0, 10.0), (10.0, 10.0)];
        let t = track(vec![shape(0, poly(&square)), shape(2, poly(&moved))]);
        let Geometry::Polygon(mid) = t.state_at(1).unwrap().geometry else {
            panic!("not a polygon");
        };
        assert_points(
            &mid.rings[0],
            &[(5.0, 0.0), (15.0, 0.0), (15.0, 10.0), (5.0, 10.0)],
        );

        // A vertex added in the middle of the top edge survives at t = 0.5.
        let small = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)];
        let split = [(0.0, 0.0), (2.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)];
        let t = track(vec![shape(0, poly(&small)), shape(2, poly(&split))]);
        let Geometry::Polygon(mid) = t.state_at(1).unwrap().geometry else {
            panic!("not a polygon");
        };
        assert_points(
            &mid.rings[0],
            &[(0.0, 0.0), (1.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)],
        );
    }

    #[test]
    fn geometry_is_held_when_it_cannot_be_interpolated() {
        let poly = Geometry::Polygon(Polygon {
            rings: vec![pts(&[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0)])],
        });
        let b = rbox(0.0, 0.0, 4.0, 4.0, 0.0);
        let t = track(vec![shape(0, b.clone()), shape(3, poly.clone())]);
        let states = t.visible_states(&ExpandOptions::default());
        assert_eq!(frames(&states), vec![0, 1, 2, 3]);
        assert_eq!(states[1].geometry, b);
        assert_eq!(states[2].geometry, b);
        assert_eq!(states[3].geometry, poly);

        let mask = |left| {
            Geometry::Mask(Mask {
                encoding: MaskEncoding::Window {
                    left,
                    top: 0,
                    width: 1,
                    height: 1,
                    counts: vec![0, 1],
                },
            })
        };
        let t = track(vec![shape(0, mask(0)), shape(2, mask(5))]);
        assert_eq!(t.state_at(1).unwrap().geometry, mask(0));
        let coco = Geometry::Mask(Mask {
            encoding: MaskEncoding::Coco {
                height: 1,
                width: 1,
                counts: CocoCounts::Runs(vec![1]),
            },
        });
        let t = track(vec![shape(0, coco.clone()), shape(2, mask(5))]);
        assert_eq!(t.state_at(1).unwrap().geometry, coco);
    }

    #[test]
    fn nothing_comes_from_an_outside_shape_until_a_visible_one() {
        let t = track(vec![
            shape(0, rbox(0.0, 0.0, 10.0, 10.0, 0.0)),
            outside(2, rbox(2.0, 0.0, 12.0, 10.0, 0.0)),
            shape(5, rbox(20.0, 0.0, 30.0, 10.0, 0.0)),
            shape(6, rbox(22.0, 0.0, 32.0, 10.0, 0.0)),
        ]);
        let states = t.visible_states(&ExpandOptions::default());
        assert_eq!(frames(&states), vec![0, 1, 5, 6]);
        // Frame 1 moves towards where the object leaves.
        assert_box(&states[1].geometry, [1.0, 0.0, 11.0, 10.0, 0.0]);
        // The last visible state continues to the stop frame.
        let to_8 = t.visible_states(&ExpandOptions::with_stop_frame(Some(8)));
        assert_eq!(frames(&to_8), vec![0, 1, 5, 6, 7, 8]);
        assert_box(&to_8[5].geometry, [22.0, 0.0, 32.0, 10.0, 0.0]);
        assert!(!to_8[5].keyframe);
        // Nothing after the stop frame.
        let to_5 = t.visible_states(&ExpandOptions::with_stop_frame(Some(5)));
        assert_eq!(frames(&to_5), vec![0, 1, 5]);
        // state_at reports the hidden frames as outside.
        assert!(t.state_at(3).unwrap().outside);
        assert!(t.state_at(2).unwrap().outside);
        assert!(!t.state_at(1).unwrap().outside);
        assert_eq!(t.state_at(0).unwrap().frame, 0);
        assert!(track(vec![shape(4, rbox(0.0, 0.0, 1.0, 1.0, 0.0))])
            .state_at(3)
            .is_none());

        // A track ending outside does not continue.
        let ended = track(vec![
            shape(0, rbox(0.0, 0.0, 10.0, 10.0, 0.0)),
            outside(1, rbox(0.0, 0.0, 10.0, 10.0, 0.0)),
        ]);
        let states = ended.visible_states(&ExpandOptions::with_stop_frame(Some(10)));
        assert_eq!(frames(&states), vec![0]);
    }

    #[test]
    fn a_shape_after_the_stop_frame_steers_the_last_frames() {
        let t = track(vec![
            shape(0, rbox(0.0, 0.0, 10.0, 10.0, 0.0)),
            shape(10, rbox(10.0, 0.0, 20.0, 10.0, 0.0)),
        ]);
        let states = t.visible_states(&ExpandOptions::with_stop_frame(Some(4)));
        assert_eq!(frames(&states), vec![0, 1, 2, 3, 4]);
        assert_box(&states[4].geometry, [4.0, 0.0, 14.0, 10.0, 0.0]);
    }

    #[test]
    fn a_frame_grid_counts_and_finds_the_tasks_frames() {
        assert_eq!(FrameGrid::new(5, 0), None);
        let g = FrameGrid::new(10, 3).unwrap();
        assert!(g.contains(10) && g.contains(19) && !g.contains(11) && !g.contains(7));
        assert_eq!(g.at_or_after(0), Some(10));
        assert_eq!(g.at_or_after(11), Some(13));
        assert_eq!(g.at_or_after(13), Some(13));
        assert_eq!(g.at_or_after(u64::MAX), None);
        assert_eq!(g.count(10, 19), 4);
        assert_eq!(g.count(11, 12), 0);
        assert_eq!(g.count(0, 9), 0);
        assert_eq!(frame_count(Some((10, 19)), Some(g)), 4);
        assert_eq!(frame_count(Some((10, 19)), None), 10);
        let every = FrameGrid::new(0, 1).unwrap();
        assert_eq!(every.count(0, u64::MAX), u64::MAX);
        let wide = FrameGrid::new(0, u64::MAX).unwrap();
        assert_eq!(wide.count(0, u64::MAX), 2);
        assert_eq!(wide.at_or_after(1), Some(u64::MAX));
    }

    #[test]
    fn a_frame_grid_keeps_states_on_its_frames_and_off_grid_shapes_steer() {
        // Frames 0, 3, 6, 9, 12; the shape on 4 is not a frame of the task.
        let t = track(vec![
            shape(0, rbox(0.0, 0.0, 10.0, 10.0, 0.0)),
            shape(4, rbox(8.0, 0.0, 18.0, 10.0, 0.0)),
            shape(6, rbox(20.0, 0.0, 30.0, 10.0, 0.0)),
            outside(9, rbox(20.0, 0.0, 30.0, 10.0, 0.0)),
            shape(12, rbox(0.0, 0.0, 1.0, 1.0, 0.0)),
        ]);
        let options = ExpandOptions::with_stop_frame(Some(13)).on_frames(FrameGrid::new(0, 3));
        let states = t.visible_states(&options);
        assert_eq!(frames(&states), vec![0, 3, 6, 12]);
        // 3 is three quarters of the way from 0 to 4.
        assert_box(&states[1].geometry, [6.0, 0.0, 16.0, 10.0, 0.0]);
        assert_box(&states[2].geometry, [20.0, 0.0, 30.0, 10.0, 0.0]);
        let mut ds = Dataset::new();
        ds.labels.push(Label::new("a"));
        ds.tracks.push(t);
        let expansion = try_expand_tracks(&ds, &options, MAX_EXPANDED_VERTEX_STATES).unwrap();
        assert_eq!(expansion.annotations.len(), 4);
        assert_eq!(expansion.shapes_off_grid, 1);
        assert_eq!(expansion.tracks_off_grid, vec![TrackId(3)]);
        // The budget counts the 5 frames of the grid in 0..=13, not 14.
        let err = try_expand_tracks(&ds, &options, 5 * (4 + ANNOTATION_COST) - 1).unwrap_err();
        let ExpandError::OverBudget { total, .. } = err else {
            panic!("{err:?}");
        };
        assert_eq!(total, 5 * (4 + ANNOTATION_COST));
    }

    #[test]
    fn unsorted_shapes_are_sorted_and_the_last_of_a_frame_wins() {
        let t = track(vec![
            shape(2, rbox(2.0, 0.0, 3.0, 1.0, 0.0)),
            shape(0, rbox(0.0, 0.0, 1.0, 1.0, 0.0)),
            shape(2, rbox(4.0, 0.0, 5.0, 1.0, 0.0)),
        ]);
        let states = t.visible_states(&ExpandOptions::default());
        assert_eq!(frames(&states), vec![0, 1, 2]);
        assert_box(&states[1].geometry, [2.0, 0.0, 3.0, 1.0, 0.0]);
        assert_box(&states[2].geometry, [4.0, 0.0, 5.0, 1.0, 0.0]);
    }

    #[test]
    fn state_flags_and_attributes_come_from_the_earlier_shape() {
        let mut a = shape(0, rbox(0.0, 0.0, 2.0, 2.0, 0.0));
        a.occluded = true;
        a.z_order = 4;
        a.attributes
            .set("pose", AttributeValue::Text("standing".into()));
        a.attributes.set("lit", AttributeValue::Bool(true));
        let mut b = shape(2, rbox(2.0, 0.0, 4.0, 2.0, 0.0));
        b.attributes
            .set("pose", AttributeValue::Text("sitting".into()));
        let t = track(vec![a, b]);
        let mid = t.state_at(1).unwrap();
        assert!(mid.occluded);
        assert_eq!(mid.z_order, 4);
        assert_eq!(
            mid.attributes.get("pose"),
            Some(&AttributeValue::Text("standing".into()))
        );
        let last = t.state_at(2).unwrap();
        assert!(!last.occluded);
        assert_eq!(
            last.attributes.get("pose"),
            Some(&AttributeValue::Text("sitting".into()))
        );
        // Carried forward from frame 0.
        assert_eq!(
            last.attributes.get("lit"),
            Some(&AttributeValue::Bool(true))
        );
        assert_eq!(last.attributes.len(), 2);
    }

    fn skeleton_dataset() -> Dataset {
        let mut ds = Dataset::new();
        let mut person = Label::new("person");
        person.keypoints = Some(KeypointSchema::from_names([
            "nose",
            "left_eye",
            "right_eye",
        ]));
        let person = ds.labels.push(person);
        let mut nose = Label::new("nose");
        nose.parent = Some(person);
        let nose = ds.labels.push(nose);
        let mut eye = Label::new("left_eye");
        eye.parent = Some(person);
        let eye = ds.labels.push(eye);
        let p = |x: f64, y: f64| {
            Geometry::Points(Points {
                points: pts(&[(x, y)]),
            })
        };
        let element = |label, shapes| Track {
            label,
            elements: Vec::new(),
            ..track(shapes)
        };
        let mut occluded_eye = shape(0, p(5.0, 5.0));
        occluded_eye.occluded = true;
        let mut parent0 = shape(0, Geometry::Tag);
        parent0
            .attributes
            .set("pose", AttributeValue::Text("walking".into()));
        parent0.z_order = 2;
        ds.tracks.push(Track {
            id: TrackId(1),
            label: person,
            group: None,
            source: Some("auto".into()),
            crowd: false,
            shapes: vec![parent0, shape(2, Geometry::Tag)],
            // Element order differs from the schema order on purpose.
            elements: vec![
                element(
                    eye,
                    vec![occluded_eye, outside(1, p(6.0, 6.0)), shape(2, p(7.0, 7.0))],
                ),
                element(nose, vec![shape(0, p(10.0, 10.0)), shape(2, p(20.0, 30.0))]),
            ],
            kept: Kept::new(),
        });
        for frame in 0..2 {
            ds.images.push(Image {
                id: ImageId(100 + frame),
                file_name: format!("frame_{frame:06}.png"),
                width: 64,
                height: 64,
                frame: Some(frame),
                ..Image::default()
            });
        }
        let mut existing = Annotation::new(AnnotationId(7), ImageId(100), person, Geometry::Tag);
        existing.group = Some(GroupId(1));
        ds.annotations.push(existing);
        ds
    }

    #[test]
    fn skeleton_elements_combine_into_keypoints() {
        let ds = skeleton_dataset();
        let out = expand_tracks(&ds, None);
        assert_eq!(out.len(), 3);
        let ids: Vec<u64> = out.iter().map(|a| a.id.0).collect();
        assert_eq!(ids, vec![8, 9, 10]);
        let images: Vec<u64> = out.iter().map(|a| a.image.0).collect();
        // Frame 2 has no image: ImageId(2).
        assert_eq!(images, vec![100, 101, 2]);
        for a in &out {
            assert_eq!(a.track, Some(TrackId(1)));
            assert_eq!(a.label, LabelId(0));
            assert_eq!(a.source.as_deref(), Some("auto"));
            assert_eq!(
                a.attributes.get("pose"),
                Some(&AttributeValue::Text("walking".into()))
            );
        }
        assert_eq!(out[1].z_order, 2);
        let kp = |a: &Annotation| match &a.geometry {
            Geometry::Keypoints(k) => k
                .points
                .iter()
                .map(|p| {
                    (
                        p.name.as_deref().unwrap_or_default().to_owned(),
                        p.x,
                        p.y,
                        p.visibility,
                    )
                })
                .collect::<Vec<_>>(),
            g => panic!("not keypoints: {g:?}"),
        };
        let s = |n: &str| n.to_owned();
        assert_eq!(
            kp(&out[0]),
            vec![
                (s("nose"), 10.0, 10.0, Visibility::Visible),
                (s("left_eye"), 5.0, 5.0, Visibility::Occluded),
                (s("right_eye"), 0.0, 0.0, Visibility::Absent),
            ]
        );
        assert_eq!(
            kp(&out[1]),
            vec![
                (s("nose"), 15.0, 20.0, Visibility::Visible),
                (s("left_eye"), 6.0, 6.0, Visibility::Absent),
                (s("right_eye"), 0.0, 0.0, Visibility::Absent),
            ]
        );
        assert_eq!(
            kp(&out[2]),
            vec![
                (s("nose"), 20.0, 30.0, Visibility::Visible),
                (s("left_eye"), 7.0, 7.0, Visibility::Visible),
                (s("right_eye"), 0.0, 0.0, Visibility::Absent),
            ]
        );
        let at1 = ds.tracks[0].keypoints_at(1, &ds.labels).unwrap();
        assert_eq!(at1.num_labelled(), 1);
        // Up to a stop frame the last state continues.
        assert_eq!(expand_tracks(&ds, Some(4)).len(), 5);
    }

    #[test]
    fn expansion_carries_track_fields_and_numbers_ids_in_order() {
        let mut ds = Dataset::new();
        ds.labels.push(Label::new("car"));
        ds.tracks.push(track(vec![
            shape(0, rbox(0.0, 0.0, 10.0, 10.0, 0.0)),
            shape(2, rbox(2.0, 2.0, 12.0, 12.0, 0.0)),
        ]));
        let mut second = track(vec![shape(5, rbox(0.0, 0.0, 1.0, 1.0, 0.0))]);
        second.id = TrackId(4);
        second.group = None;
        ds.tracks.push(second);
        let out = expand_tracks(&ds, None);
        let summary: Vec<(u64, u64, u64)> = out
            .iter()
            .map(|a| (a.id.0, a.image.0, a.track.unwrap().0))
            .collect();
        assert_eq!(summary, vec![(1, 0, 3), (2, 1, 3), (3, 2, 3), (4, 5, 4)]);
        assert_eq!(out[1].group, Some(GroupId(9)));
        assert_eq!(out[1].source.as_deref(), Some("manual"));
        assert_box(&out[1].geometry, [1.0, 1.0, 11.0, 11.0, 0.0]);
        assert_eq!(out[3].group, None);
    }

    #[test]
    fn the_budget_counts_frames_times_vertices_and_names_the_track() {
        // The skeleton spans frames 0..=2 (3 states) with 2 elements of one
        // point each, and each state's annotation counts 20 more: 66
        // vertex-states.
        let ds = skeleton_dataset();
        let options = ExpandOptions::with_stop_frame(None);
        let ok = try_expand_tracks(&ds, &options, 66).unwrap();
        assert_eq!(ok.annotations.len(), 3);
        let err = try_expand_tracks(&ds, &options, 65).unwrap_err();
        assert_eq!(
            err,
            ExpandError::OverBudget {
                track: TrackId(1),
                first: 0,
                last: 2,
                vertices: 2,
                total: 66,
                limit: 65,
            }
        );
        assert_eq!(
            err.to_string(),
            "expanding track 1 (frames 0 to 2, 2 vertices a frame and 20 for its annotation) \
             would bring the expanded tracks to 66 vertex-states, more than the 65 labelkit \
             expands; check the frame numbers of the track, or convert to CVAT for video, which \
             keeps tracks"
        );
        // A stop frame before the last shape shortens the span, and the
        // shapes after it are counted: the parent's and both elements'.
        let cut = try_expand_tracks(&ds, &ExpandOptions::with_stop_frame(Some(1)), 44).unwrap();
        assert_eq!(cut.annotations.len(), 2);
        assert_eq!(cut.shapes_after_stop, 3);
        assert_eq!(cut.tracks_after_stop, vec![TrackId(1)]);
    }

    #[test]
    fn frames_and_ids_at_the_end_of_u64_do_not_wrap() {
        let t = track(vec![
            shape(0, rbox(0.0, 0.0, 1.0, 1.0, 0.0)),
            shape(u64::MAX, rbox(0.0, 0.0, 1.0, 1.0, 0.0)),
        ]);
        let span = expansion_frames(&t, None);
        assert_eq!(span, Some((0, u64::MAX)));
        // 2^64 frames saturate instead of wrapping to 0.
        assert_eq!(frame_count(span, None), u64::MAX);
        assert_eq!(frame_count(expansion_frames(&t, Some(9)), None), 10);
        assert_eq!(expansion_frames(&t, Some(0)), Some((0, 0)));
        let late = track(vec![shape(u64::MAX, rbox(0.0, 0.0, 1.0, 1.0, 0.0))]);
        assert_eq!(expansion_frames(&late, Some(5)), None);
        // The last frame of u64 expands to one state, without overflowing
        // into the next.
        assert_eq!(
            frames(&late.visible_states(&ExpandOptions::default())),
            vec![u64::MAX]
        );

        // Three states need ids up to first + 2.
        let mut ds = Dataset::new();
        ds.tracks.push(track(vec![
            shape(0, Geometry::Tag),
            shape(2, Geometry::Tag),
        ]));
        ds.annotations.push(Annotation::new(
            AnnotationId(u64::MAX - 3),
            ImageId(0),
            LabelId(0),
            Geometry::Tag,
        ));
        let ok = try_expand_tracks(&ds, &ExpandOptions::default(), 100).unwrap();
        let ids: Vec<u64> = ok.annotations.iter().map(|a| a.id.0).collect();
        assert_eq!(ids, vec![u64::MAX - 2, u64::MAX - 1, u64::MAX]);
        ds.annotations[0].id = AnnotationId(u64::MAX - 2);
        assert_eq!(
            try_expand_tracks(&ds, &ExpandOptions::default(), 100),
            Err(ExpandError::IdOverflow { track: TrackId(3) })
        );
    }

    #[test]
    fn a_skeleton_of_many_points_pairs_schema_names_with_elements_in_linear_time() {
        // 20,000 points, element tracks listed in reverse schema order: the
        // keypoints come out in schema order. (Pairing used to scan every
        // element for every name.)
        const N: usize = 20_000;
        let mut ds = Dataset::new();
        let names: Vec<String> = (0..N).map(|i| format!("p{i}")).collect();
        let mut person = Label::new("person");
        person.keypoints = Some(KeypointSchema::from_names(names.iter().map(String::as_str)));
        let person = ds.labels.push(person);
        let mut elements = Vec::with_capacity(N);
        for name in names.iter().rev() {
            let mut l = Label::new(name);
            l.parent = Some(person);
            let label = ds.labels.push(l);
            let x = name[1..].parse::<f64>().unwrap();
            elements.push(Track {
                label,
                elements: Vec::new(),
                ..track(vec![shape(
                    0,
                    Geometry::Points(Points {
                        points: pts(&[(x, 1.0)]),
                    }),
                )])
            });
        }
        ds.tracks.push(Track {
            id: TrackId(1),
            label: person,
            shapes: vec![shape(0, Geometry::Tag)],
            elements,
            ..track(Vec::new())
        });
        let out = expand_tracks(&ds, None);
        let [ann] = out.as_slice() else {
            panic!("{} annotations", out.len());
        };
        let Geometry::Keypoints(k) = &ann.geometry else {
            panic!("{:?}", ann.geometry);
        };
        assert_eq!(k.points.len(), N);
        for (i, p) in k.points.iter().enumerate() {
            assert_eq!(p.name.as_deref(), Some(names[i].as_str()));
            assert_eq!(p.x, i as f64);
        }
    }
}
