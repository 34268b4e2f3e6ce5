//! Test support for labelkit: proptest strategies producing valid
//! [`Dataset`]s and their parts, strategies for the rules' index tests
//! ([`oracles`]), and a generator of clean person datasets with the
//! configuration they pass ([`people`]), and headless Chromium for the
//! tests of the HTML pages ([`chromium`]).
//!
//! Nothing shipped depends on this crate: the library crates use it as a
//! dev-dependency, and the benchmark generator (not published) uses
//! [`people`]. It depends on `labelkit-model`, `labelkit-diagnostics` and
//! `labelkit-rules` (for [`people::person_config`]); a crate it depends on
//! can still dev-depend on it, since its tests link the same library.
//!
//! # Datasets
//!
//! [`arb_dataset`] generates a dataset using every feature of the model:
//! labels with CVAT attribute specs and one keypoint label with a
//! [`KeypointSchema`], images with sizes, annotations of every geometry kind
//! with attributes, occluded flags, z orders, groups, sources and scores, and
//! video tracks. [`arb_dataset_with`] takes a [`DatasetShape`] that says what
//! to generate, so a format crate can ask for exactly what it can hold:
//!
//! ```
//! use labelkit_model::GeometryKind;
//! use labelkit_testkit::{arb_dataset_with, DatasetShape};
//! use proptest::strategy::{Strategy, ValueTree};
//! use proptest::test_runner::TestRunner;
//!
//! let shape = DatasetShape::coco();
//! assert!(!shape.tracks);
//! let mut runner = TestRunner::deterministic();
//! let dataset = arb_dataset_with(shape).new_tree(&mut runner).unwrap().current();
//! assert!(dataset.tracks.is_empty());
//! assert!(dataset.annotations.iter().all(|a| matches!(
//!     a.geometry.kind(),
//!     GeometryKind::Box | GeometryKind::Polygon | GeometryKind::Keypoints | GeometryKind::Mask
//! )));
//! ```
//!
//! What "valid" means here: image ids, annotation ids and track ids are
//! unique (numbered from 1 in order); every annotation refers to an existing
//! image and label; keypoint annotations use the keypoint label and have one
//! point per schema name, and every other annotation uses a plain label;
//! boxes have positive width and height and lie inside the image before
//! rotation; polygons have rings of at least 3 vertices, polylines at least
//! 2 points; masks decode to their stated size and lie inside the image;
//! attribute values match the label's declared specs; track shapes are in
//! strictly increasing frame order and share one geometry kind.
//!
//! # Coordinates
//!
//! Coordinates are "nice" part of the time (integers, or values with two
//! decimals as CVAT writes them) and arbitrary finite `f64` the rest of the
//! time; [`Coordinates`] restricts that.
//!
//! # Case counts
//!
//! [`config`] returns a proptest configuration of 64 cases unless
//! `PROPTEST_CASES` asks for another number.

pub mod chromium;
pub mod corpus;
pub mod oracles;
pub mod people;
mod rng;

pub use rng::Rng;

use labelkit_model::rle::{encode_counts_string, CocoCounts, MaskEncoding};
use labelkit_model::{
    Annotation, AnnotationId, AttributeSpec, AttributeValue, Attributes, BoxGeom, Cuboid, Dataset,
    DatasetInfo, Ellipse, Geometry, GeometryKind, GroupId, Image, ImageId, InputType, Keypoint,
    KeypointSchema, Keypoints, Label, LabelId, LabelSet, Mask, Point, Points, Polygon, Polyline,
    Track, TrackId, TrackShape, Visibility,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::Config;

/// A proptest configuration with 64 cases, or `PROPTEST_CASES` when set.
#[must_use]
pub fn config() -> Config {
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 64;
    }
    config
}

/// Which coordinate values to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Coordinates {
    /// Integers, two-decimal values and arbitrary finite `f64`.
    #[default]
    Any,
    /// Integers and two-decimal values only (what a 2-decimal writer keeps).
    Nice,
    /// Integers only.
    Integers,
}

/// The encodings generated for masks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MaskForm {
    /// CVAT's row-major window runs.
    Window,
    /// COCO's full-image column-major runs, as a list.
    CocoRuns,
    /// COCO's full-image runs as a compressed string.
    CocoCompressed,
}

/// What a generated dataset contains. Start from a preset
/// ([`DatasetShape::default`] is everything) and switch features off.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DatasetShape {
    /// At most this many images (at least one is generated).
    pub max_images: usize,
    /// At most this many annotations per image.
    pub max_annotations_per_image: usize,
    /// At most this many plain (non-keypoint) labels; at least one.
    pub max_labels: usize,
    /// The largest image width and height in pixels (the smallest is 4).
    pub max_image_size: u32,
    /// The geometry kinds annotations may have. [`GeometryKind::Keypoints`]
    /// needs [`DatasetShape::keypoint_label`].
    pub kinds: Vec<GeometryKind>,
    /// Boxes and ellipses may be rotated.
    pub rotation: bool,
    /// Polygons may have several rings.
    pub multi_ring_polygons: bool,
    /// Polygons and masks may carry a stated enclosing box
    /// ([`Annotation::bbox`], a COCO `bbox`): their bounds, or their bounds
    /// widened by a few pixels.
    pub stated_boxes: bool,
    /// The mask encodings to generate.
    pub mask_forms: Vec<MaskForm>,
    /// Add a keypoint label with a [`KeypointSchema`].
    pub keypoint_label: bool,
    /// Declare the keypoint label's points as CVAT skeleton sub-labels
    /// (labels with a parent), and name each keypoint.
    pub skeleton_elements: bool,
    /// Labels declare attribute specs and annotations carry attributes.
    pub attributes: bool,
    /// Annotations may be occluded.
    pub occluded: bool,
    /// Annotations may have a non-zero z order.
    pub z_order: bool,
    /// Annotations may belong to a group.
    pub groups: bool,
    /// Annotations may have a source (`manual`, `auto`, ...).
    pub sources: bool,
    /// Annotations may have a score.
    pub scores: bool,
    /// Masks and tracks may be marked crowd.
    pub crowd: bool,
    /// Generate video tracks (images then get frame numbers).
    pub tracks: bool,
    /// Images get frame numbers (their position).
    pub frames: bool,
    /// Images may have a subset (`train`, `val`).
    pub subsets: bool,
    /// Label source ids: `Some(first)` numbers labels from `first`.
    pub label_source_ids: Option<i64>,
    /// Which coordinate values to generate.
    pub coordinates: Coordinates,
}

impl Default for DatasetShape {
    /// Everything the model can hold.
    fn default() -> Self {
        Self {
            max_images: 4,
            max_annotations_per_image: 6,
            max_labels: 4,
            max_image_size: 1024,
            kinds: vec![
                GeometryKind::Box,
                GeometryKind::Polygon,
                GeometryKind::Polyline,
                GeometryKind::Points,
                GeometryKind::Keypoints,
                GeometryKind::Mask,
                GeometryKind::Ellipse,
                GeometryKind::Cuboid,
                GeometryKind::Tag,
            ],
            rotation: true,
            multi_ring_polygons: true,
            stated_boxes: true,
            mask_forms: vec![
                MaskForm::Window,
                MaskForm::CocoRuns,
                MaskForm::CocoCompressed,
            ],
            keypoint_label: true,
            skeleton_elements: true,
            attributes: true,
            occluded: true,
            z_order: true,
            groups: true,
            sources: true,
            scores: true,
            crowd: true,
            tracks: true,
            frames: true,
            subsets: true,
            label_source_ids: Some(1),
            coordinates: Coordinates::Any,
        }
    }
}

impl DatasetShape {
    /// Everything the model can hold (same as [`Default`]).
    #[must_use]
    pub fn everything() -> Self {
        Self::default()
    }

    /// What COCO instances/keypoints can hold: boxes, polygons (several
    /// rings), keypoints without names, COCO masks (crowd), groups and
    /// scores; no rotation, attributes, tracks, z order or sources.
    #[must_use]
    pub fn coco() -> Self {
        Self {
            kinds: vec![
                GeometryKind::Box,
                GeometryKind::Polygon,
                GeometryKind::Keypoints,
                GeometryKind::Mask,
            ],
            rotation: false,
            mask_forms: vec![MaskForm::CocoRuns, MaskForm::CocoCompressed],
            skeleton_elements: false,
            attributes: false,
            occluded: false,
            z_order: false,
            sources: false,
            tracks: false,
            frames: false,
            subsets: false,
            ..Self::default()
        }
    }

    /// What a YOLO detection dataset can hold: axis-aligned boxes and labels
    /// numbered from 0.
    #[must_use]
    pub fn yolo_detect() -> Self {
        Self {
            kinds: vec![GeometryKind::Box],
            rotation: false,
            keypoint_label: false,
            skeleton_elements: false,
            attributes: false,
            occluded: false,
            z_order: false,
            groups: false,
            sources: false,
            scores: false,
            crowd: false,
            tracks: false,
            frames: false,
            subsets: false,
            label_source_ids: Some(0),
            ..Self::default()
        }
    }

    /// What CVAT for images 1.1 can hold: every kind, window masks, named
    /// skeleton points, no scores, crowd flags or tracks.
    #[must_use]
    pub fn cvat_images() -> Self {
        Self {
            mask_forms: vec![MaskForm::Window],
            scores: false,
            crowd: false,
            tracks: false,
            frames: false,
            coordinates: Coordinates::Nice,
            ..Self::default()
        }
    }

    /// What CVAT for video 1.1 can hold: [`DatasetShape::cvat_images`] with
    /// tracks and frame numbers.
    #[must_use]
    pub fn cvat_video() -> Self {
        Self {
            tracks: true,
            frames: true,
            ..Self::cvat_images()
        }
    }

    fn allows(&self, kind: GeometryKind) -> bool {
        self.kinds.contains(&kind) && (kind != GeometryKind::Keypoints || self.keypoint_label)
    }
}

/// The names of the points of the generated keypoint schema.
pub const KEYPOINT_NAMES: [&str; 5] = [
    "nose",
    "left_eye",
    "right_eye",
    "left_shoulder",
    "right_shoulder",
];

const LABEL_NAMES: [&str; 8] = [
    "person",
    "car",
    "head",
    "face",
    "bicycle",
    "dog",
    "hand",
    "traffic light",
];
const SOURCES: [&str; 4] = ["manual", "auto", "semi-auto", "file"];
const POSES: [&str; 3] = ["standing", "sitting", "lying"];

// ------------------------------------------------------------ numbers

/// A coordinate in `[0, max]`: an integer, a two-decimal value or an
/// arbitrary finite `f64`, as `style` allows.
pub fn arb_coord(max: f64, style: Coordinates) -> BoxedStrategy<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let max_int = max.floor() as u32;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let max_hundredths = (max * 100.0).floor() as u64;
    let integers = (0..=max_int).prop_map(f64::from);
    #[allow(clippy::cast_precision_loss)]
    let hundredths = (0..=max_hundredths).prop_map(|v| v as f64 / 100.0);
    match style {
        Coordinates::Integers => integers.boxed(),
        Coordinates::Nice => prop_oneof![integers, hundredths].boxed(),
        Coordinates::Any => prop_oneof![integers, hundredths, 0.0..=max].boxed(),
    }
}

/// A point inside a `width x height` image.
pub fn arb_point(width: f64, height: f64, style: Coordinates) -> BoxedStrategy<Point> {
    (arb_coord(width, style), arb_coord(height, style))
        .prop_map(|(x, y)| Point::new(x, y))
        .boxed()
}

/// Two different coordinates in `[0, max]`, sorted.
fn arb_span(max: f64, style: Coordinates) -> BoxedStrategy<(f64, f64)> {
    (arb_coord(max, style), arb_coord(max, style))
        .prop_filter_map("an empty span", |(a, b)| {
            (a != b).then(|| (a.min(b), a.max(b)))
        })
        .boxed()
}

fn arb_rotation(rotate: bool, style: Coordinates) -> BoxedStrategy<f64> {
    if rotate {
        prop_oneof![2 => Just(0.0), 1 => arb_coord(359.99, style)].boxed()
    } else {
        Just(0.0).boxed()
    }
}

// ------------------------------------------------------------ geometry

/// A box inside a `width x height` image (before rotation), with positive
/// width and height; rotated in `[0, 360)` part of the time when `rotate`.
pub fn arb_box(
    width: f64,
    height: f64,
    rotate: bool,
    style: Coordinates,
) -> BoxedStrategy<BoxGeom> {
    (
        arb_span(width, style),
        arb_span(height, style),
        arb_rotation(rotate, style),
    )
        .prop_map(|((x_min, x_max), (y_min, y_max), rotation)| BoxGeom {
            x_min,
            y_min,
            x_max,
            y_max,
            rotation,
        })
        .boxed()
}

/// A polygon of 1..=`max_rings` rings of 3 to 8 vertices inside the image.
pub fn arb_polygon(
    width: f64,
    height: f64,
    max_rings: usize,
    style: Coordinates,
) -> BoxedStrategy<Polygon> {
    vec(
        vec(arb_point(width, height, style), 3..=8),
        1..=max_rings.max(1),
    )
    .prop_map(|rings| Polygon { rings })
    .boxed()
}

/// A polyline of 2 to 8 points inside the image.
pub fn arb_polyline(width: f64, height: f64, style: Coordinates) -> BoxedStrategy<Polyline> {
    vec(arb_point(width, height, style), 2..=8)
        .prop_map(|points| Polyline { points })
        .boxed()
}

/// 1 to 6 points inside the image.
pub fn arb_points(width: f64, height: f64, style: Coordinates) -> BoxedStrategy<Points> {
    vec(arb_point(width, height, style), 1..=6)
        .prop_map(|points| Points { points })
        .boxed()
}

/// One keypoint per name of `names`, inside the image; an absent point is at
/// `(0, 0)`. Points are named when `named`, else `name` is `None`.
pub fn arb_keypoints(
    names: &[String],
    named: bool,
    width: f64,
    height: f64,
    style: Coordinates,
) -> BoxedStrategy<Keypoints> {
    let point = (
        prop_oneof![
            Just(Visibility::Absent),
            Just(Visibility::Occluded),
            Just(Visibility::Visible)
        ],
        arb_point(width, height, style),
    );
    let names: Vec<Option<String>> = names.iter().map(|n| named.then(|| n.clone())).collect();
    vec(point, names.len())
        .prop_map(move |points| Keypoints {
            points: points
                .into_iter()
                .zip(&names)
                .map(|((visibility, p), name)| {
                    let (x, y) = if visibility == Visibility::Absent {
                        (0.0, 0.0)
                    } else {
                        (p.x, p.y)
                    };
                    Keypoint {
                        name: name.as_deref().map(Into::into),
                        x,
                        y,
                        visibility,
                    }
                })
                .collect(),
        })
        .boxed()
}

/// An ellipse centred inside the image with radii of at least 0.5 px.
pub fn arb_ellipse(
    width: f64,
    height: f64,
    rotate: bool,
    style: Coordinates,
) -> BoxedStrategy<Ellipse> {
    (
        arb_point(width, height, style),
        arb_coord(width / 2.0, style),
        arb_coord(height / 2.0, style),
        arb_rotation(rotate, style),
    )
        .prop_map(|(c, rx, ry, rotation)| Ellipse {
            cx: c.x,
            cy: c.y,
            rx: rx.max(0.5),
            ry: ry.max(0.5),
            rotation,
        })
        .boxed()
}

/// A cuboid whose 8 corners lie inside the image.
pub fn arb_cuboid(width: f64, height: f64, style: Coordinates) -> BoxedStrategy<Cuboid> {
    vec(arb_point(width, height, style), 8)
        .prop_map(|points| {
            let mut coords = [0.0; 16];
            for (i, p) in points.iter().enumerate() {
                coords[2 * i] = p.x;
                coords[2 * i + 1] = p.y;
            }
            Cuboid { coords }
        })
        .boxed()
}

/// A CVAT window mask inside a `width x height` image: a window of up to
/// 12 x 12 pixels with random pixels, its runs row-major.
pub fn arb_mask_window(width: u32, height: u32) -> BoxedStrategy<MaskEncoding> {
    let (width, height) = (width.max(1), height.max(1));
    (0..width, 0..height)
        .prop_flat_map(move |(left, top)| {
            (
                Just((left, top)),
                1..=(width - left).min(12),
                1..=(height - top).min(12),
            )
        })
        .prop_flat_map(|((left, top), w, h)| {
            (
                Just((left, top, w, h)),
                vec(any::<bool>(), (w * h) as usize),
            )
        })
        .prop_map(
            |((left, top, width, height), pixels)| MaskEncoding::Window {
                left,
                top,
                width,
                height,
                counts: runs_of(pixels),
            },
        )
        .boxed()
}

/// A COCO mask over a whole `width x height` image (runs or compressed
/// string as `compressed` says), its foreground inside a window of up to
/// 12 x 12 pixels.
pub fn arb_mask_coco(width: u32, height: u32, compressed: bool) -> BoxedStrategy<MaskEncoding> {
    let (width, height) = (width.max(1), height.max(1));
    arb_mask_window(width, height)
        .prop_map(move |window| {
            let runs = window_to_coco_runs(&window, width, height);
            let counts = if compressed {
                CocoCounts::Compressed(encode_counts_string(&runs))
            } else {
                CocoCounts::Runs(runs)
            };
            MaskEncoding::Coco {
                height,
                width,
                counts,
            }
        })
        .boxed()
}

/// Alternating runs starting with background.
fn runs_of(pixels: impl IntoIterator<Item = bool>) -> Vec<u32> {
    let mut runs = vec![0u32];
    let mut current = false;
    for p in pixels {
        if p != current {
            runs.push(0);
            current = p;
        }
        if let Some(last) = runs.last_mut() {
            *last += 1;
        }
    }
    runs
}

/// Column-major full-image runs of a window lying inside the image, in time
/// proportional to the window rather than the image.
fn window_to_coco_runs(window: &MaskEncoding, width: u32, height: u32) -> Vec<u32> {
    let MaskEncoding::Window {
        left,
        top,
        width: w,
        height: h,
        counts,
    } = window
    else {
        return vec![width * height];
    };
    let mut row_major = Vec::with_capacity((w * h) as usize);
    for (i, &run) in counts.iter().enumerate() {
        row_major.extend(std::iter::repeat_n(i % 2 == 1, run as usize));
    }
    let mut set: Vec<u64> = Vec::new();
    for x in 0..*w {
        for y in 0..*h {
            if row_major
                .get((y * w + x) as usize)
                .copied()
                .unwrap_or(false)
            {
                set.push(u64::from(left + x) * u64::from(height) + u64::from(top + y));
            }
        }
    }
    let total = u64::from(width) * u64::from(height);
    let mut runs = Vec::new();
    let mut pos = 0u64;
    let mut i = 0;
    while i < set.len() {
        let start = set[i];
        let mut end = start + 1;
        i += 1;
        while i < set.len() && set[i] == end {
            end += 1;
            i += 1;
        }
        runs.push(u32::try_from(start - pos).unwrap_or(u32::MAX));
        runs.push(u32::try_from(end - start).unwrap_or(u32::MAX));
        pos = end;
    }
    // A mask ending in foreground has no final background run (as
    // pycocotools writes it).
    if pos < total || runs.is_empty() {
        runs.push(u32::try_from(total - pos).unwrap_or(u32::MAX));
    }
    runs
}

/// A mask in one of `forms` inside the image.
pub fn arb_mask(width: u32, height: u32, forms: &[MaskForm]) -> BoxedStrategy<Mask> {
    let forms = if forms.is_empty() {
        vec![MaskForm::Window]
    } else {
        forms.to_vec()
    };
    proptest::sample::select(forms)
        .prop_flat_map(move |form| match form {
            MaskForm::Window => arb_mask_window(width, height),
            MaskForm::CocoRuns => arb_mask_coco(width, height, false),
            MaskForm::CocoCompressed => arb_mask_coco(width, height, true),
        })
        .prop_map(|encoding| Mask { encoding })
        .boxed()
}

/// A geometry of `kind` inside a `width x height` image (keypoints take
/// their names from `keypoint_names`).
pub fn arb_geometry(
    kind: GeometryKind,
    width: u32,
    height: u32,
    shape: &DatasetShape,
    keypoint_names: &[String],
) -> BoxedStrategy<Geometry> {
    let (w, h) = (f64::from(width), f64::from(height));
    let style = shape.coordinates;
    match kind {
        GeometryKind::Box => arb_box(w, h, shape.rotation, style)
            .prop_map(Geometry::Box)
            .boxed(),
        GeometryKind::Polygon => {
            let rings = if shape.multi_ring_polygons { 3 } else { 1 };
            arb_polygon(w, h, rings, style)
                .prop_map(Geometry::Polygon)
                .boxed()
        }
        GeometryKind::Polyline => arb_polyline(w, h, style)
            .prop_map(Geometry::Polyline)
            .boxed(),
        GeometryKind::Points => arb_points(w, h, style).prop_map(Geometry::Points).boxed(),
        GeometryKind::Keypoints => {
            arb_keypoints(keypoint_names, shape.skeleton_elements, w, h, style)
                .prop_map(Geometry::Keypoints)
                .boxed()
        }
        GeometryKind::Mask => arb_mask(width, height, &shape.mask_forms)
            .prop_map(Geometry::Mask)
            .boxed(),
        GeometryKind::Ellipse => arb_ellipse(w, h, shape.rotation, style)
            .prop_map(Geometry::Ellipse)
            .boxed(),
        GeometryKind::Cuboid => arb_cuboid(w, h, style)
            .prop_map(|c| Geometry::Cuboid(Box::new(c)))
            .boxed(),
        GeometryKind::Tag => Just(Geometry::Tag).boxed(),
    }
}

// ------------------------------------------------------------ labels

/// The attribute specs every plain label declares when attributes are on.
#[must_use]
pub fn attribute_specs() -> Vec<AttributeSpec> {
    vec![
        AttributeSpec {
            name: "truncated".into(),
            input_type: InputType::Checkbox,
            mutable: false,
            default: Some("false".into()),
            values: vec!["false".into()],
        },
        AttributeSpec {
            name: "pose".into(),
            input_type: InputType::Select,
            mutable: true,
            default: Some(POSES[0].into()),
            values: POSES.iter().map(|&p| p.to_owned()).collect(),
        },
        AttributeSpec {
            name: "count".into(),
            input_type: InputType::Number,
            mutable: true,
            default: Some("0".into()),
            values: vec!["0".into(), "100".into(), "1".into()],
        },
        AttributeSpec {
            name: "note".into(),
            input_type: InputType::Text,
            mutable: false,
            default: Some(String::new()),
            values: Vec::new(),
        },
    ]
}

/// Attributes that match [`attribute_specs`]: a subset of them, in spec
/// order, with values of the declared types.
pub fn arb_attributes() -> BoxedStrategy<Attributes> {
    (
        proptest::option::of(any::<bool>()),
        proptest::option::of(proptest::sample::select(&POSES[..])),
        proptest::option::of(0u8..=100),
        proptest::option::of("[a-z ]{0,8}"),
    )
        .prop_map(|(truncated, pose, count, note)| {
            let mut a = Attributes::new();
            if let Some(t) = truncated {
                a.set("truncated", AttributeValue::Bool(t));
            }
            if let Some(p) = pose {
                a.set("pose", AttributeValue::Text(p.to_owned()));
            }
            if let Some(c) = count {
                a.set("count", AttributeValue::Number(f64::from(c)));
            }
            if let Some(n) = note {
                a.set("note", AttributeValue::Text(n));
            }
            a
        })
        .boxed()
}

/// The labels of a generated dataset: 1..=`max_labels` plain labels and,
/// when asked, the keypoint label `person_pose` (with its skeleton
/// sub-labels when [`DatasetShape::skeleton_elements`]). Returns the set and
/// the number of plain labels, which come first.
pub fn arb_labels(shape: &DatasetShape) -> BoxedStrategy<(LabelSet, usize)> {
    let shape = shape.clone();
    let max = shape.max_labels.clamp(1, LABEL_NAMES.len());
    (
        proptest::sample::subsequence(&LABEL_NAMES[..], 1..=max),
        vec(proptest::option::of("#[0-9a-f]{6}"), max),
    )
        .prop_map(move |(names, colors)| {
            let mut set = LabelSet::new();
            let mut next_source = shape.label_source_ids;
            let mut source_id = || {
                let id = next_source;
                next_source = next_source.map(|n| n + 1);
                id
            };
            for (name, color) in names.iter().zip(colors) {
                let mut label = Label::new(*name);
                label.source_id = source_id();
                label.color = color;
                if *name == "person" || *name == "head" || *name == "face" || *name == "hand" {
                    label.supercategory = Some("person".into());
                }
                if shape.attributes {
                    label.attributes = attribute_specs();
                }
                set.push(label);
            }
            let plain = set.len();
            if shape.keypoint_label {
                let mut schema = KeypointSchema::from_names(KEYPOINT_NAMES);
                schema.edges = vec![(0, 1), (0, 2), (1, 3), (2, 4), (3, 4)];
                let mut label = Label::new("person_pose");
                label.source_id = source_id();
                label.supercategory = Some("person".into());
                label.keypoints = Some(schema);
                if shape.attributes {
                    label.attributes = attribute_specs();
                }
                if shape.skeleton_elements {
                    label.kind = Some("skeleton".into());
                }
                let parent = set.push(label);
                if shape.skeleton_elements {
                    for name in KEYPOINT_NAMES {
                        let mut element = Label::new(name);
                        element.parent = Some(parent);
                        element.kind = Some("points".into());
                        set.push(element);
                    }
                }
            }
            (set, plain)
        })
        .boxed()
}

// ------------------------------------------------------------ annotations

/// Everything of an annotation but its id and image.
#[derive(Debug, Clone)]
struct Parts {
    label: LabelId,
    geometry: Geometry,
    bbox: Option<BoxGeom>,
    attributes: Attributes,
    occluded: bool,
    z_order: i32,
    group: Option<GroupId>,
    source: Option<String>,
    score: Option<f64>,
    crowd: bool,
}

fn arb_label_id(plain: usize) -> BoxedStrategy<LabelId> {
    (0..u32::try_from(plain.max(1)).unwrap_or(1))
        .prop_map(LabelId)
        .boxed()
}

/// Attributes, occluded, z order, group and source of a shape.
type Flags = (Attributes, bool, i32, Option<GroupId>, Option<String>);

fn arb_flags(shape: &DatasetShape) -> BoxedStrategy<Flags> {
    let attributes = if shape.attributes {
        arb_attributes()
    } else {
        Just(Attributes::new()).boxed()
    };
    let occluded = if shape.occluded {
        any::<bool>().boxed()
    } else {
        Just(false).boxed()
    };
    let z_order = if shape.z_order {
        (-3i32..=3).boxed()
    } else {
        Just(0).boxed()
    };
    let group = if shape.groups {
        proptest::option::of((1u64..=4).prop_map(GroupId)).boxed()
    } else {
        Just(None).boxed()
    };
    let source = if shape.sources {
        proptest::option::of(proptest::sample::select(&SOURCES[..]).prop_map(str::to_owned)).boxed()
    } else {
        Just(None).boxed()
    };
    (attributes, occluded, z_order, group, source).boxed()
}

fn arb_parts(
    width: u32,
    height: u32,
    shape: &DatasetShape,
    plain: usize,
    keypoint_label: Option<LabelId>,
    keypoint_names: &[String],
) -> BoxedStrategy<Parts> {
    let kinds: Vec<GeometryKind> = shape
        .kinds
        .iter()
        .copied()
        .filter(|&k| shape.allows(k) && (k != GeometryKind::Keypoints || keypoint_label.is_some()))
        .collect();
    let kinds = if kinds.is_empty() {
        vec![GeometryKind::Box]
    } else {
        kinds
    };
    let shape2 = shape.clone();
    let names = keypoint_names.to_vec();
    let score = if shape.scores {
        proptest::option::of(prop_oneof![
            (0u32..=100).prop_map(|v| f64::from(v) / 100.0),
            0.0f64..=1.0
        ])
        .boxed()
    } else {
        Just(None).boxed()
    };
    let crowd_allowed = shape.crowd;
    let stated = if shape.stated_boxes {
        proptest::option::of(0u8..=2).boxed()
    } else {
        Just(None).boxed()
    };
    (
        proptest::sample::select(kinds),
        arb_flags(shape),
        score,
        any::<bool>(),
        stated,
    )
        .prop_flat_map(move |(kind, flags, score, crowd, stated)| {
            let label = match (kind, keypoint_label) {
                (GeometryKind::Keypoints, Some(id)) => Just(id).boxed(),
                _ => arb_label_id(plain),
            };
            (
                label,
                arb_geometry(kind, width, height, &shape2, &names),
                Just((
                    flags,
                    score,
                    crowd_allowed && crowd && kind == GeometryKind::Mask,
                    stated,
                )),
            )
        })
        .prop_map(
            |(
                label,
                geometry,
                ((attributes, occluded, z_order, group, source), score, crowd, stated),
            )| {
                // A stated box: the shape's bounds, widened by 0 to 2 px.
                let bbox = match &geometry {
                    Geometry::Polygon(_) | Geometry::Mask(_) => stated.and_then(|pad| {
                        let pad = f64::from(pad);
                        geometry.bounds().map(|b| {
                            BoxGeom::from_xyxy(
                                b.x_min - pad,
                                b.y_min - pad,
                                b.x_max + pad,
                                b.y_max + pad,
                            )
                        })
                    }),
                    _ => None,
                };
                Parts {
                    label,
                    geometry,
                    bbox,
                    attributes,
                    occluded,
                    z_order,
                    group,
                    source,
                    score,
                    crowd,
                }
            },
        )
        .boxed()
}

// ------------------------------------------------------------ tracks

/// A track of 1 to 5 shapes of one geometry kind (box, polygon, polyline,
/// points or ellipse, as `shape.kinds` allows) in strictly increasing frames
/// (gaps of 1 to 4, from frame 0), inside a `width x height` frame; the
/// first shape is a visible keyframe.
pub fn arb_track(
    id: TrackId,
    width: u32,
    height: u32,
    shape: &DatasetShape,
    plain_labels: usize,
) -> BoxedStrategy<Track> {
    let kinds: Vec<GeometryKind> = [
        GeometryKind::Box,
        GeometryKind::Polygon,
        GeometryKind::Polyline,
        GeometryKind::Points,
        GeometryKind::Ellipse,
    ]
    .into_iter()
    .filter(|k| shape.kinds.contains(k))
    .collect();
    let kinds = if kinds.is_empty() {
        vec![GeometryKind::Box]
    } else {
        kinds
    };
    let shape = shape.clone();
    let crowd_allowed = shape.crowd;
    (
        proptest::sample::select(kinds),
        arb_label_id(plain_labels),
        arb_flags(&shape),
        1usize..=5,
        any::<bool>().prop_map(move |c| c && crowd_allowed),
    )
        .prop_flat_map(move |(kind, label, (_, _, _, group, source), n, crowd)| {
            let state = (
                1u64..=4,
                any::<bool>(),
                any::<bool>(),
                arb_flags(&shape),
                arb_geometry(kind, width, height, &shape, &[]),
            );
            (Just((label, group, source, crowd)), vec(state, n))
        })
        .prop_map(move |((label, group, source, crowd), states)| {
            let mut frame = 0u64;
            let shapes = states
                .into_iter()
                .enumerate()
                .map(
                    |(
                        i,
                        (gap, keyframe, outside, (attributes, occluded, z_order, _, _), geometry),
                    )| {
                        if i > 0 {
                            frame += gap;
                        }
                        TrackShape {
                            frame,
                            // The first shape is always a visible keyframe.
                            keyframe: i == 0 || keyframe,
                            outside: i > 0 && outside,
                            occluded,
                            z_order,
                            geometry,
                            attributes,
                        }
                    },
                )
                .collect();
            Track {
                id,
                label,
                group,
                source: source.map(Into::into),
                crowd,
                shapes,
                elements: Vec::new(),
                kept: labelkit_model::Kept::default(),
            }
        })
        .boxed()
}

// ------------------------------------------------------------ datasets

/// A dataset with everything the model can hold
/// (`arb_dataset_with(DatasetShape::default())`).
pub fn arb_dataset() -> BoxedStrategy<Dataset> {
    arb_dataset_with(DatasetShape::default())
}

/// A dataset as `shape` describes (see the crate docs for what is
/// guaranteed).
pub fn arb_dataset_with(shape: DatasetShape) -> BoxedStrategy<Dataset> {
    let max_size = shape.max_image_size.max(4);
    let images = vec(
        (
            4..=max_size,
            4..=max_size,
            proptest::option::of(proptest::sample::select(vec!["train", "val"])),
        ),
        1..=shape.max_images.max(1),
    );
    (arb_labels(&shape), images)
        .prop_flat_map(move |((labels, plain), images)| {
            let keypoint_label = if shape.keypoint_label {
                u32::try_from(plain).ok().map(LabelId)
            } else {
                None
            };
            let names: Vec<String> = KEYPOINT_NAMES.iter().map(|&n| n.to_owned()).collect();
            let per_image: Vec<BoxedStrategy<Vec<Parts>>> = images
                .iter()
                .map(|&(w, h, _)| {
                    vec(
                        arb_parts(w, h, &shape, plain, keypoint_label, &names),
                        0..=shape.max_annotations_per_image,
                    )
                    .boxed()
                })
                .collect();
            let (w0, h0, _) = images[0];
            let tracks: BoxedStrategy<Vec<Track>> = if shape.tracks {
                let shape = shape.clone();
                (0usize..=3)
                    .prop_flat_map(move |n| {
                        (1..=n as u64)
                            .map(|id| arb_track(TrackId(id), w0, h0, &shape, plain))
                            .collect::<Vec<_>>()
                    })
                    .boxed()
            } else {
                Just(Vec::new()).boxed()
            };
            (Just((labels, images, shape.clone())), per_image, tracks)
        })
        .prop_map(|((labels, sizes, shape), per_image, tracks)| {
            let frames = shape.frames || shape.tracks;
            let images: Vec<Image> = sizes
                .iter()
                .enumerate()
                .map(|(i, &(width, height, subset))| {
                    let subset = subset.filter(|_| shape.subsets);
                    Image {
                        id: ImageId(i as u64 + 1),
                        file_name: match subset {
                            Some(s) => format!("images/{s}/img_{i:05}.jpg"),
                            None => format!("images/img_{i:05}.jpg"),
                        },
                        width,
                        height,
                        frame: frames.then_some(i as u64),
                        subset: subset.map(str::to_owned),
                        ..Image::default()
                    }
                })
                .collect();
            let mut annotations = Vec::new();
            for (image, parts) in images.iter().zip(per_image) {
                for p in parts {
                    let id = AnnotationId(annotations.len() as u64 + 1);
                    annotations.push(Annotation {
                        label: p.label,
                        geometry: p.geometry,
                        bbox: p.bbox.map(Box::new),
                        attributes: p.attributes,
                        occluded: p.occluded,
                        z_order: p.z_order,
                        group: p.group,
                        source: p.source.map(Into::into),
                        score: p.score,
                        crowd: p.crowd,
                        ..Annotation::new(id, image.id, p.label, Geometry::Tag)
                    });
                }
            }
            Dataset {
                info: DatasetInfo {
                    name: Some("generated".into()),
                    ..DatasetInfo::default()
                },
                labels,
                images,
                annotations,
                tracks,
            }
        })
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    fn check_valid(d: &Dataset, shape: &DatasetShape) {
        assert!(!d.images.is_empty());
        let index = d.index();
        assert!(index.orphans().is_empty());
        for (i, a) in d.annotations.iter().enumerate() {
            assert_eq!(a.id.0, i as u64 + 1);
            let label = d.labels.get(a.label).expect("label exists");
            assert!(label.parent.is_none());
            assert!(
                shape.kinds.contains(&a.geometry.kind()),
                "{:?}",
                a.geometry.kind()
            );
            let image = &d.images[index.image_position(a.image).unwrap()];
            let (w, h) = (f64::from(image.width), f64::from(image.height));
            match &a.geometry {
                Geometry::Box(b) => {
                    assert!(b.width() > 0.0 && b.height() > 0.0);
                    assert!(b.x_min >= 0.0 && b.x_max <= w && b.y_min >= 0.0 && b.y_max <= h);
                    assert!((0.0..360.0).contains(&b.rotation));
                    if !shape.rotation {
                        assert_eq!(b.rotation, 0.0);
                    }
                }
                Geometry::Polygon(p) => {
                    assert!(p.rings.iter().all(|r| r.len() >= 3));
                }
                Geometry::Keypoints(k) => {
                    let schema = label.keypoints.as_ref().expect("keypoint label");
                    assert_eq!(k.points.len(), schema.len());
                }
                Geometry::Mask(m) => {
                    m.encoding.validate().unwrap();
                    let b = m.encoding.bounds();
                    if let Some(b) = b {
                        assert!(b.x_max <= w && b.y_max <= h);
                    }
                    if let MaskEncoding::Coco { width, height, .. } = m.encoding {
                        assert_eq!((width, height), (image.width, image.height));
                    }
                }
                _ => {}
            }
            assert!(a.geometry.is_finite());
            if !a.attributes.is_empty() {
                for (name, value) in a.attributes.iter() {
                    let spec = label.attribute_spec(name).expect("declared");
                    match spec.input_type {
                        InputType::Checkbox => assert!(matches!(value, AttributeValue::Bool(_))),
                        InputType::Number => assert!(matches!(value, AttributeValue::Number(_))),
                        _ => assert!(matches!(value, AttributeValue::Text(_))),
                    }
                }
            }
        }
        for t in &d.tracks {
            assert!(t.shapes.windows(2).all(|w| w[0].frame < w[1].frame));
            assert!(!t.shapes[0].outside);
            let kind = t.shapes[0].geometry.kind();
            assert!(t.shapes.iter().all(|s| s.geometry.kind() == kind));
        }
    }

    fn sample(shape: &DatasetShape, n: usize) -> Vec<Dataset> {
        let mut runner = TestRunner::deterministic();
        let strategy = arb_dataset_with(shape.clone());
        (0..n)
            .map(|_| strategy.new_tree(&mut runner).unwrap().current())
            .collect()
    }

    #[test]
    fn everything_is_valid_and_covers_every_kind() {
        let shape = DatasetShape::default();
        let sets = sample(&shape, 200);
        let mut kinds = std::collections::BTreeSet::new();
        let (mut tracks, mut nice, mut arbitrary) = (0, 0, 0);
        for d in &sets {
            check_valid(d, &shape);
            kinds.extend(d.annotations.iter().map(|a| a.geometry.kind()));
            tracks += d.tracks.len();
            for a in &d.annotations {
                if let Geometry::Box(b) = a.geometry {
                    if (b.x_min * 100.0).fract() == 0.0 {
                        nice += 1;
                    } else {
                        arbitrary += 1;
                    }
                }
            }
            // The keypoint label and its elements.
            let kp = d.labels.find("person_pose").unwrap();
            assert_eq!(d.labels.children(kp).count(), KEYPOINT_NAMES.len());
        }
        assert_eq!(kinds.len(), shape.kinds.len(), "{kinds:?}");
        assert!(tracks > 0);
        assert!(
            nice > 0 && arbitrary > 0,
            "{nice} nice, {arbitrary} arbitrary"
        );
    }

    #[test]
    fn presets_hold_only_what_their_format_can() {
        for shape in [
            DatasetShape::coco(),
            DatasetShape::yolo_detect(),
            DatasetShape::cvat_images(),
            DatasetShape::cvat_video(),
        ] {
            for d in sample(&shape, 60) {
                check_valid(&d, &shape);
                if !shape.tracks {
                    assert!(d.tracks.is_empty());
                }
                if !shape.attributes {
                    assert!(d.annotations.iter().all(|a| a.attributes.is_empty()));
                }
                if !shape.scores {
                    assert!(d.annotations.iter().all(|a| a.score.is_none()));
                }
                if shape.coordinates == Coordinates::Nice {
                    for a in &d.annotations {
                        a.geometry.for_each_point(|_| {});
                        if let Geometry::Polygon(p) = &a.geometry {
                            for q in p.rings.iter().flatten() {
                                let h = q.x * 100.0;
                                assert!((h - h.round()).abs() < 1e-6, "{}", q.x);
                            }
                        }
                    }
                }
            }
        }
        let yolo = sample(&DatasetShape::yolo_detect(), 10);
        assert!(yolo
            .iter()
            .all(|d| d.labels.get(LabelId(0)).unwrap().source_id == Some(0)));
    }

    #[test]
    fn coco_masks_have_the_runs_of_their_window() {
        let mut runner = TestRunner::deterministic();
        for _ in 0..100 {
            let window = arb_mask_window(9, 7)
                .new_tree(&mut runner)
                .unwrap()
                .current();
            let runs = window_to_coco_runs(&window, 9, 7);
            assert_eq!(window.to_coco(9, 7).unwrap(), runs);
        }
    }
}
