//! Compare two annotation datasets: what changed between an old and a new
//! version, object by object.
//!
//! [`diff`] takes two [`Dataset`]s (of any formats: a CVAT task against the
//! YOLO export of last month) and gives a [`DatasetDiff`]: the images that
//! were added, removed or changed, and for each changed image the objects
//! that were added or removed and the [`Facet`]s of those that changed
//! (moved, resized, reshaped, relabelled, attributes, companions,
//! keypoints, track frames, occlusion), with a [`Summary`] per label and
//! per kind. [`write_concise`] and [`write_json`] render it; the HTML
//! review page lives in the `html` module.
//!
//! # How things are matched
//!
//! - **Images** by file stem (the name without folders and extension),
//!   falling back to the path without extension for a stem found more than
//!   once on a side (a note in [`DatasetDiff::notes`] says so); the frames
//!   of two videos by frame number.
//! - **Objects** within an image: first per label and geometry kind,
//!   greedily by best IoU first, one to one, at [`DiffOptions::iou`] or
//!   more (boxes: box IoU; other shapes: IoU of their bounds; a point-like
//!   shape counts as a 16 px box around it; tags by label). Then, when
//!   [`DiffOptions::companions`] gives groups, the leftover boxes of a
//!   group's companion labels that coincide with a matched object (the
//!   group's IoU or edge tolerance) become that object's
//!   [`Facet::Companions`]. Then the leftovers of one geometry kind
//!   across labels, by the same rule, as relabels (a box never pairs with
//!   a polygon). An image whose shapes are the same one by one in order
//!   needs no matching. Candidate pairs come from a uniform grid over the
//!   image, so an image of 100,000 shapes is matched in about linear time;
//!   each shape examines at most [`CANDIDATE_CAP`] candidates and a round
//!   keeps at most 2^21 candidate pairs (the best of each shape's); the
//!   pairing runs again on what is left while a cap cut a search short (up
//!   to 4 rounds), and a note says how many shapes a cap still cut short.
//! - **Companions** are boxes: a box of a group's companion label
//!   coinciding with a box of its object label (a keypoint set or outline
//!   is neither).
//! - **What both formats hold**: a shape of a kind the other side's format
//!   cannot hold (a polygon or keypoint set against a YOLO detect side) is
//!   not compared, nor are attributes and occlusion against a YOLO side; a
//!   note says what and how many. A YOLO side's task is the one its rows
//!   were read as (keypoints: pose; polygons: segment; else detect).
//! - **Attributes** are compared by name and value, across formats: the
//!   number `1` and the text `1.0` are one value, as are the boolean `true`
//!   and the text `true`. Image-level attributes are not compared.
//! - **Tracks** of a video per label and shape kind (then across labels),
//!   by the mean IoU of their shapes on the frames both have.
//!
//! Images are compared in parallel (rayon); the result does not depend on
//! it.
//!
//! Greedy rather than optimal assignment: optimal (Hungarian) matching is
//! cubic per label and image, and on annotation data, where one object
//! rarely overlaps two others above the threshold, both give the same
//! pairs.
//!
//! # Tolerance
//!
//! A difference smaller than what the two sides' formats can hold is no
//! change ([`Tolerance::Auto`]): a YOLO side holds normalised decimals
//! (`0.5e-N` times the image size, `N` the decimals it was written with, 6
//! when unknown), CVAT two decimals (0.005 px), COCO what it was read with
//! (float noise only). So a CVAT task compared with its own YOLO export
//! differs by nothing.
//!
//! ```
//! use labelkit_diff::{diff, DiffOptions, Facet};
//! use labelkit_model::{Annotation, AnnotationId, BoxGeom, Dataset, Geometry, Image, ImageId, Label};
//!
//! let mut old = Dataset::new();
//! let eye = old.labels.push(Label::new("eye"));
//! old.images.push(Image { id: ImageId(1), file_name: "img1.jpg".into(), width: 640, height: 480, ..Image::default() });
//! old.annotations.push(Annotation::new(AnnotationId(1), ImageId(1), eye,
//!     Geometry::Box(BoxGeom::from_xyxy(10.0, 10.0, 50.0, 40.0))));
//! let mut new = old.clone();
//! new.annotations[0].geometry = Geometry::Box(BoxGeom::from_xyxy(13.0, 10.0, 53.0, 40.0));
//!
//! let d = diff(&old, &new, &DiffOptions::new());
//! assert_eq!(d.images.len(), 1);
//! assert!(matches!(d.images[0].changes[0].facets[..], [Facet::Moved { dx, dy }] if dx == 3.0 && dy == 0.0));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::collections::BTreeMap;

use labelkit_model::{Dataset, GeometryKind, Visibility};

mod facets;
mod holds;
pub mod html;
mod images;
mod matching;
mod render;
mod run;
mod tolerance;
mod tracks;

pub use matching::CANDIDATE_CAP;
pub use render::{
    change_words, object_words, to_json, write_concise, write_json, Units, JSON_VERSION,
};
pub use run::diff;

/// How two datasets are compared (see the [crate documentation](crate)).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DiffOptions {
    min_iou: f64,
    tolerance: Tolerance,
    companions: Vec<CompanionGroup>,
}

impl Default for DiffOptions {
    fn default() -> Self {
        Self {
            min_iou: 0.5,
            tolerance: Tolerance::Auto,
            companions: Vec::new(),
        }
    }
}

impl DiffOptions {
    /// The defaults: IoU 0.5, [`Tolerance::Auto`], no companion groups.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The least IoU for two shapes to be one object (0.5). A value outside
    /// `(0, 1]` (or NaN) is clamped into it: two shapes that do not overlap
    /// are never one object.
    #[must_use]
    pub fn iou(mut self, min_iou: f64) -> Self {
        self.min_iou = if min_iou.is_nan() {
            0.5
        } else {
            min_iou.clamp(f64::MIN_POSITIVE, 1.0)
        };
        self
    }

    /// How far coordinates may differ and still be the same
    /// ([`Tolerance::Auto`]).
    #[must_use]
    pub fn tolerance(mut self, t: Tolerance) -> Self {
        self.tolerance = t;
        self
    }

    /// The companion groups (labelkit.toml's `[[schema.companions]]`): a
    /// companion box that coincides with an object is a property of the
    /// object, reported as [`Facet::Companions`].
    #[must_use]
    pub fn companions(mut self, groups: Vec<CompanionGroup>) -> Self {
        self.companions = groups;
        self
    }

    /// The least IoU for two shapes to be one object.
    #[must_use]
    pub fn min_iou(&self) -> f64 {
        self.min_iou
    }

    /// The tolerance.
    #[must_use]
    pub fn tolerance_setting(&self) -> Tolerance {
        self.tolerance
    }

    /// The companion groups.
    #[must_use]
    pub fn companion_groups(&self) -> &[CompanionGroup] {
        &self.companions
    }
}

/// How far two coordinates may differ and still be the same.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Tolerance {
    /// From the precision the two sides' formats hold (see the [crate
    /// documentation](crate#tolerance)).
    #[default]
    Auto,
    /// A fixed number of pixels: a coordinate, a centre or a size that
    /// moves by this much or less is unchanged.
    Px(f64),
}

/// A group of mutually exclusive companion labels of an object label (a
/// `body` with one of `male`, `female`), as labelkit.toml's
/// `[[schema.companions]]` declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct CompanionGroup {
    /// The object label, e.g. `body`.
    pub object: String,
    /// The companion labels, e.g. `male`, `female`.
    pub one_of: Vec<String>,
    /// The IoU at which a companion box labels the object.
    pub iou: f64,
    /// A companion box also labels the object when each of its edges lies
    /// within this many pixels of the object's.
    pub edge_tolerance: f64,
}

/// What changed between two datasets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DatasetDiff {
    /// The images with at least one change, or added or removed: in the new
    /// side's order, then the removed images in the old side's order.
    pub images: Vec<ImageDiff>,
    /// Counts per label, per kind and per image.
    pub summary: Summary,
    /// What the reader of the diff should know about how it was made (an
    /// ambiguous stem matched by path, a candidate cap reached).
    pub notes: Vec<String>,
}

impl DatasetDiff {
    /// Whether the two datasets are the same (no image or object change).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }
}

/// The changes of one image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageDiff {
    /// The key the image was matched by: its stem, or its path without
    /// extension where the stem is ambiguous, or `frame N` for a video.
    pub key: String,
    /// The image in the old dataset; `None`: added. Both sides are `None`
    /// for the frame of a track change where neither dataset lists an
    /// image for that frame (a CVAT for video file lists none).
    pub old: Option<ImageSide>,
    /// The image in the new dataset; `None`: removed.
    pub new: Option<ImageSide>,
    /// The changed, added and removed objects, in the new side's order,
    /// then the removed ones in the old side's order.
    pub changes: Vec<Change>,
}

/// One side's image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSide {
    /// Its position in [`Dataset::images`].
    pub index: usize,
    /// Its file name as the dataset states it.
    pub file_name: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// One object that was added, removed or changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The object in the old dataset; `None`: added.
    pub old: Option<ObjectSide>,
    /// The object in the new dataset; `None`: removed.
    pub new: Option<ObjectSide>,
    /// How it changed: empty for an added or removed object; several for
    /// one object (moved and relabelled).
    pub facets: Vec<Facet>,
}

impl Change {
    /// The kinds of this change, in [`ChangeKind`] order, without repeats.
    #[must_use]
    pub fn kinds(&self) -> Vec<ChangeKind> {
        match (&self.old, &self.new) {
            (None, _) => return vec![ChangeKind::Added],
            (_, None) => return vec![ChangeKind::Removed],
            _ => {}
        }
        let mut kinds: Vec<ChangeKind> = self.facets.iter().map(Facet::kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        kinds
    }

    /// The object's label: the new one, else the old one.
    #[must_use]
    pub fn label(&self) -> &str {
        self.new
            .as_ref()
            .or(self.old.as_ref())
            .map_or("", |o| o.label.as_str())
    }
}

/// One side's object.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectSide {
    /// Its position in [`Dataset::annotations`], or in [`Dataset::tracks`]
    /// when [`ObjectSide::track`] is true.
    pub annotation: usize,
    /// Whether the object is a video track (then [`ObjectSide::annotation`]
    /// is its position in [`Dataset::tracks`] and [`ObjectSide::bbox`] its
    /// box on its first frame).
    pub track: bool,
    /// Its label.
    pub label: String,
    /// Its kind of geometry.
    pub kind: GeometryKind,
    /// Its bounds, `[x, y, w, h]` in pixels; `None` for a tag.
    pub bbox: Option<[f64; 4]>,
}

/// One way in which a matched object changed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Facet {
    /// The centre moved by `(dx, dy)` pixels (new minus old).
    Moved {
        /// Horizontal shift in pixels.
        dx: f64,
        /// Vertical shift in pixels.
        dy: f64,
    },
    /// The width and height changed by `(dw, dh)` pixels (new minus old).
    Resized {
        /// Change of width in pixels.
        dw: f64,
        /// Change of height in pixels.
        dh: f64,
    },
    /// The shape changed other than by a move or resize of its bounds: a
    /// polygon's, polyline's, points' or cuboid's vertices, a rotated box's
    /// angle, a mask's pixels.
    Reshaped {
        /// The largest displacement of a vertex, in pixels, with the
        /// centre shift taken out (a vertex count that changed: the
        /// largest distance from a vertex to the other shape's nearest
        /// vertex). For a mask: the changed pixel count, as in
        /// `changed_pixels`.
        max_shift: f64,
        /// For a mask: the number of pixels set on one side only.
        changed_pixels: Option<u64>,
    },
    /// The label changed.
    Relabelled {
        /// The old label.
        from: String,
        /// The new label.
        to: String,
    },
    /// Attributes changed, by name.
    Attributes(Vec<AttributeChange>),
    /// Companion labels gained or lost (a body gained `male`).
    Companions {
        /// Companion labels on the new side only.
        gained: Vec<String>,
        /// Companion labels on the old side only.
        lost: Vec<String>,
    },
    /// Keypoints moved or changed visibility.
    Keypoints(Vec<KeypointChange>),
    /// A track's frames changed.
    Track {
        /// Frames with a visible shape on the new side only.
        frames_added: Vec<u64>,
        /// Frames with a visible shape on the old side only.
        frames_removed: Vec<u64>,
    },
    /// The occluded flag changed.
    Occluded {
        /// The old flag.
        from: bool,
        /// The new flag.
        to: bool,
    },
}

impl Facet {
    /// The kind of change this facet is (an occlusion counts as
    /// [`ChangeKind::Attributes`]).
    #[must_use]
    pub fn kind(&self) -> ChangeKind {
        match self {
            Self::Moved { .. } => ChangeKind::Moved,
            Self::Resized { .. } => ChangeKind::Resized,
            Self::Reshaped { .. } => ChangeKind::Reshaped,
            Self::Relabelled { .. } => ChangeKind::Relabelled,
            Self::Attributes(_) | Self::Occluded { .. } => ChangeKind::Attributes,
            Self::Companions { .. } => ChangeKind::Companions,
            Self::Keypoints(_) => ChangeKind::Keypoints,
            Self::Track { .. } => ChangeKind::Track,
        }
    }
}

/// One attribute that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeChange {
    /// The attribute's name.
    pub name: String,
    /// The old value; `None`: absent.
    pub old: Option<String>,
    /// The new value; `None`: absent.
    pub new: Option<String>,
}

/// One keypoint that moved or changed visibility.
#[derive(Debug, Clone, PartialEq)]
pub struct KeypointChange {
    /// Its position in the keypoint list.
    pub index: usize,
    /// Its name, where a side states one.
    pub name: Option<String>,
    /// How far it moved in pixels, when it is labelled on both sides.
    pub distance: Option<f64>,
    /// Its old visibility.
    pub old: Visibility,
    /// Its new visibility.
    pub new: Visibility,
}

/// The kind of a change, for counting and filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeKind {
    /// The object is new.
    Added,
    /// The object is gone.
    Removed,
    /// [`Facet::Moved`].
    Moved,
    /// [`Facet::Resized`].
    Resized,
    /// [`Facet::Reshaped`].
    Reshaped,
    /// [`Facet::Relabelled`].
    Relabelled,
    /// [`Facet::Attributes`] and [`Facet::Occluded`].
    Attributes,
    /// [`Facet::Companions`].
    Companions,
    /// [`Facet::Keypoints`].
    Keypoints,
    /// [`Facet::Track`].
    Track,
}

impl ChangeKind {
    /// Every kind, in order.
    pub const ALL: [ChangeKind; 10] = [
        Self::Added,
        Self::Removed,
        Self::Moved,
        Self::Resized,
        Self::Reshaped,
        Self::Relabelled,
        Self::Attributes,
        Self::Companions,
        Self::Keypoints,
        Self::Track,
    ];

    /// Its name: `added`, `removed`, `moved`, `resized`, `reshaped`,
    /// `relabelled`, `attributes`, `companions`, `keypoints`, `track`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Moved => "moved",
            Self::Resized => "resized",
            Self::Reshaped => "reshaped",
            Self::Relabelled => "relabelled",
            Self::Attributes => "attributes",
            Self::Companions => "companions",
            Self::Keypoints => "keypoints",
            Self::Track => "track",
        }
    }

    fn position(self) -> usize {
        self as usize
    }
}

/// A count per [`ChangeKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KindCounts {
    counts: [usize; 10],
}

impl KindCounts {
    /// The count of `k`.
    #[must_use]
    pub fn get(&self, k: ChangeKind) -> usize {
        self.counts[k.position()]
    }

    /// The sum over every kind (an object moved and resized counts twice).
    #[must_use]
    pub fn total(&self) -> usize {
        self.counts.iter().fold(0, |a, &b| a.saturating_add(b))
    }

    /// Adds one to `k`.
    pub fn add(&mut self, k: ChangeKind) {
        let c = &mut self.counts[k.position()];
        *c = c.saturating_add(1);
    }
}

/// Counts of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    /// Per label (the new label of a relabelled object): each change counts
    /// once per kind it has.
    pub per_label: BTreeMap<String, KindCounts>,
    /// Per kind, over every label.
    pub per_kind: KindCounts,
    /// Images only in the new dataset.
    pub images_added: usize,
    /// Images only in the old dataset.
    pub images_removed: usize,
    /// Images on both sides with at least one change.
    pub images_changed: usize,
    /// Images on both sides without change.
    pub images_unchanged: usize,
    /// Objects (shapes and tracks) in the old dataset.
    pub objects_old: usize,
    /// Objects in the new dataset.
    pub objects_new: usize,
    /// Objects matched across the two without any change.
    pub objects_unchanged: usize,
}

/// The datasets a diff compares: for the modules, one place to look up a
/// side's labels.
fn label_name(dataset: &Dataset, label: labelkit_model::LabelId) -> String {
    dataset
        .labels
        .get(label)
        .map_or_else(|| format!("#{}", label.0), |l| l.name.clone())
}
