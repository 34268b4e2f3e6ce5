//! Dataset statistics: where a dataset stands against its targets.
//!
//! [`stats`] walks a [`Dataset`] once (time linear in its shapes, no I/O)
//! and returns a typed [`Stats`]: per label the objects, the images holding
//! them and their share of the target count; the distributions of box
//! widths, heights, areas and aspect ratios in pixels with the count below
//! twice the minimum size; objects per image, empty and crowded images;
//! image sizes; how far each companion pass has got; attribute values;
//! keypoint visibility per point; the same figures per split
//! ([`Image::subset`]) and the split differences that matter
//! ([`BalanceNote`]). [`compare`] sets two datasets side by side.
//! [`write_table`] and [`write_json`] render them (the JSON schema is in
//! `docs/stats.md`); [`html::write_html`] draws them as a page.
//!
//! ```
//! use labelkit_model::{Annotation, AnnotationId, BoxGeom, Dataset, Geometry, Image, ImageId, Label};
//! use labelkit_stats::{stats, StatsOptions};
//!
//! let mut d = Dataset::new();
//! let person = d.labels.push(Label::new("person"));
//! d.images.push(Image { id: ImageId(1), file_name: "a.jpg".into(), width: 640, height: 480, ..Image::default() });
//! let b = Geometry::Box(BoxGeom::from_xyxy(10.0, 10.0, 20.0, 40.0));
//! d.annotations.push(Annotation::new(AnnotationId(1), ImageId(1), person, b));
//! let s = stats(&d, &StatsOptions::default().target_count(2));
//! assert_eq!(s.overall.objects, 1);
//! assert_eq!(s.overall.labels[0].share_of_target, 0.5);
//! ```
//!
//! Choices worth knowing:
//! - An object is what `too-few-labels` counts: the shapes of one group
//!   with one label on one image are one object (a COCO annotation's
//!   polygon and keypoints; a polygon of several rings is one shape
//!   already), every other shape is one object. Datumaro counts a COCO
//!   object's polygons apart; we do not.
//! - Sizes come from the object's bounding box in pixels: a box shape of
//!   the object when it has one, else the box its source states (COCO
//!   `bbox`), else the bounds of its geometry (points, polylines, the
//!   visible points of a skeleton). Shapes on images of unknown
//!   size are in normalised coordinates, not pixels: they are counted in
//!   [`LabelStats::unmeasured`] and in no size figure. So are tags.
//! - Histograms have fixed edges (sizes on a log-like scale: 1, 2, 3, 4,
//!   6, 8, 12, 16, ... px), so two splits or two datasets line up bucket
//!   by bucket.
//! - Companion matching is `missing-companion`'s (A003): one function
//!   serves both ([`labelkit_rules::companion_matches`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::collections::{BTreeMap, HashMap};

use labelkit_model::{
    AttributeValue, BoxGeom, Dataset, DatasetIndex, Geometry, GroupId, Image, KeypointSchema,
    LabelId, Visibility,
};
use labelkit_rules::{
    companion_matches, object_bounds, sort_image_annotations, CompanionGroup, Config, Context,
    ImageCtx, OptionValue, SchemaPoints,
};

mod compare;
pub mod html;
mod json;
mod table;

pub use compare::{compare, Comparison, CountDelta, LabelDelta};
pub use json::{write_comparison_json, write_json, JSON_VERSION};
pub use table::{write_comparison_table, write_table};

/// The default target count per label (`too-few-labels`' `min-count`).
pub const DEFAULT_TARGET_COUNT: u64 = 3000;
/// The default minimum box size (`box-too-small`), in pixels.
pub const DEFAULT_MIN_SIZE: (f64, f64) = (3.0, 3.0);
/// The default share difference between splits that matters (5 points).
pub const DEFAULT_BALANCE_THRESHOLD: f64 = 0.05;
/// How many crowded images are listed.
pub const CROWDED_LIMIT: usize = 10;
/// How many distinct image sizes are listed; the rest are counted in
/// [`SplitStats::image_sizes_omitted`].
pub const IMAGE_SIZE_LIMIT: usize = 20;
/// The size buckets by bounding-box area in px²: tiny below 16², small
/// below 32², medium below 96² (COCO's small and medium limits), large
/// from 96².
pub const SIZE_BUCKET_LIMITS: [f64; 3] = [256.0, 1024.0, 9216.0];
/// The names of the size buckets, in [`LabelStats::size_buckets`] order.
pub const SIZE_BUCKET_NAMES: [&str; 4] = ["tiny", "small", "medium", "large"];
/// Columns and rows of a [`Heatmap`].
pub const HEAT_CELLS: u16 = 16;
/// The name of the split of images without a subset, in a dataset where
/// other images have one.
pub const NO_SPLIT: &str = "(none)";

/// Lower edges of the width and height histograms, in px.
const SIDE_EDGES: [f64; 25] = [
    0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0, 48.0, 64.0, 96.0, 128.0, 192.0,
    256.0, 384.0, 512.0, 768.0, 1024.0, 1536.0, 2048.0, 3072.0, 4096.0,
];
/// Lower edges of the aspect-ratio (width / height) histogram.
const ASPECT_EDGES: [f64; 15] = [
    0.0,
    1.0 / 8.0,
    1.0 / 6.0,
    1.0 / 4.0,
    1.0 / 3.0,
    1.0 / 2.0,
    2.0 / 3.0,
    4.0 / 5.0,
    5.0 / 4.0,
    3.0 / 2.0,
    2.0,
    3.0,
    4.0,
    6.0,
    8.0,
];
/// Lower edges of the objects-per-image histogram.
const PER_IMAGE_EDGES: [f64; 17] = [
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 15.0, 20.0, 30.0, 50.0, 100.0, 200.0,
];

/// What [`stats`] measures against.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StatsOptions {
    target_count: u64,
    min_size: (f64, f64),
    companions: Vec<CompanionGroup>,
    keypoints: Vec<(String, KeypointSchema)>,
    balance_threshold: f64,
}

impl Default for StatsOptions {
    fn default() -> Self {
        Self {
            target_count: DEFAULT_TARGET_COUNT,
            min_size: DEFAULT_MIN_SIZE,
            companions: Vec::new(),
            keypoints: Vec::new(),
            balance_threshold: DEFAULT_BALANCE_THRESHOLD,
        }
    }
}

impl StatsOptions {
    /// The options a check configuration implies: the target count is
    /// `too-few-labels`' `min-count`, the minimum size `box-too-small`'s
    /// `min-width` and `min-height`, the companion groups and keypoint
    /// schemas the configuration's.
    #[must_use]
    pub fn from_config(config: &Config) -> Self {
        let mut opts = Self::default();
        if let Some(OptionValue::Count(n)) = config.options.get("too-few-labels", "min-count") {
            opts.target_count = *n;
        }
        if let Some(OptionValue::Number(w)) = config.options.get("box-too-small", "min-width") {
            opts.min_size.0 = *w;
        }
        if let Some(OptionValue::Number(h)) = config.options.get("box-too-small", "min-height") {
            opts.min_size.1 = *h;
        }
        opts.companions.clone_from(&config.schema.companions);
        opts.keypoints.clone_from(&config.keypoints);
        opts
    }

    /// The objects each label should have (3,000).
    #[must_use]
    pub fn target_count(mut self, count: u64) -> Self {
        self.target_count = count;
        self
    }

    /// The minimum box size in pixels (3x3): boxes below twice it are
    /// counted.
    #[must_use]
    pub fn min_size(mut self, width: f64, height: f64) -> Self {
        self.min_size = (width, height);
        self
    }

    /// The companion groups whose progress is counted.
    #[must_use]
    pub fn companions(mut self, groups: Vec<CompanionGroup>) -> Self {
        self.companions = groups;
        self
    }

    /// Keypoint schemas by label name, over the labels' own.
    #[must_use]
    pub fn keypoints(mut self, schemas: Vec<(String, KeypointSchema)>) -> Self {
        self.keypoints = schemas;
        self
    }

    /// The share difference between splits that is reported (0.05).
    #[must_use]
    pub fn balance_threshold(mut self, threshold: f64) -> Self {
        self.balance_threshold = threshold;
        self
    }
}

/// The statistics of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// The whole dataset.
    pub overall: SplitStats,
    /// Per split (by [`Image::subset`]); empty when no image has one.
    pub splits: BTreeMap<String, SplitStats>,
    /// Split differences larger than the threshold, largest first.
    pub balance: Vec<BalanceNote>,
    /// The threshold of [`Stats::balance`].
    pub balance_threshold: f64,
    /// The target count per label.
    pub target_count: u64,
    /// The minimum box size, width and height in px.
    pub min_size: (f64, f64),
    /// Shapes whose image is not in the dataset: counted nowhere else.
    pub orphan_shapes: u64,
    /// Video tracks the dataset holds unexpanded: their shapes are counted
    /// nowhere (`labelkit stats` expands them into per-frame shapes first).
    pub tracks: u64,
}

/// The figures of one split, or of the whole dataset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SplitStats {
    /// Images.
    pub images: u64,
    /// Images without any object.
    pub empty_images: u64,
    /// Images of unknown size (their shapes are not in pixels).
    pub unmeasured_images: u64,
    /// Objects (see the crate docs).
    pub objects: u64,
    /// Shapes (annotations).
    pub shapes: u64,
    /// Per label, in label-set order.
    pub labels: Vec<LabelStats>,
    /// How many images hold 0, 1, 2, ... objects.
    pub objects_per_image: Histogram,
    /// The images with most objects: file name and objects, most first
    /// (ties by file name), at most [`CROWDED_LIMIT`].
    pub crowded: Vec<(String, u64)>,
    /// Distinct image sizes (width, height) and their images, most common
    /// first, at most [`IMAGE_SIZE_LIMIT`]; images of unknown size are left
    /// out.
    pub image_sizes: Vec<((u32, u32), u64)>,
    /// Images of known size whose size is not among [`SplitStats::image_sizes`].
    pub image_sizes_omitted: u64,
    /// Progress of each companion group, in configuration order.
    pub companions: Vec<CompanionProgress>,
    /// Attribute values per label and attribute name.
    pub attributes: Vec<AttributeStats>,
    /// Keypoint visibility per label with a keypoint schema.
    pub keypoints: Vec<KeypointStats>,
}

/// The figures of one label.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelStats {
    /// The label's name.
    pub name: String,
    /// The parent label's name, for an element of a skeleton (a CVAT
    /// skeleton's points): its points are counted in
    /// [`SplitStats::keypoints`], not as objects here.
    pub parent: Option<String>,
    /// Objects.
    pub objects: u64,
    /// Images holding at least one.
    pub images: u64,
    /// `objects / target_count` (1 when the target is 0).
    pub share_of_target: f64,
    /// Bounding-box widths in px.
    pub widths: Histogram,
    /// Bounding-box heights in px.
    pub heights: Histogram,
    /// Bounding-box areas in px².
    pub areas: Histogram,
    /// Width / height.
    pub aspect: Histogram,
    /// Objects narrower or lower than twice the minimum size.
    pub below_twice_min: u64,
    /// Objects per size bucket ([`SIZE_BUCKET_NAMES`]).
    pub size_buckets: [u64; 4],
    /// Objects marked occluded.
    pub occluded: u64,
    /// Objects marked crowd (`iscrowd`).
    pub crowd: u64,
    /// Objects without a size in pixels (on an image of unknown size, or
    /// a tag): in no size figure.
    pub unmeasured: u64,
    /// Where the box centres lie in the frame.
    pub heat: Heatmap,
}

/// Counts over buckets: bucket `i` holds the values `v` with
/// `edges[i] <= v < edges[i + 1]`; the last bucket is open above.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Histogram {
    /// Lower edges, increasing.
    pub edges: Vec<f64>,
    /// Count per bucket (as many as edges).
    pub counts: Vec<u64>,
}

impl Histogram {
    fn with_edges(edges: &[f64]) -> Self {
        Self {
            edges: edges.to_vec(),
            counts: vec![0; edges.len()],
        }
    }

    /// Counts `v` (values below the first edge or not finite are not
    /// counted; callers check first).
    fn add(&mut self, v: f64) {
        let i = self.edges.partition_point(|&e| e <= v);
        if let Some(c) = i.checked_sub(1).and_then(|i| self.counts.get_mut(i)) {
            *c += 1;
        }
    }

    /// The number of values counted.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// Where box centres lie, normalised to the image: `cols` x `rows` cells,
/// row-major from the top-left.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Columns.
    pub cols: u16,
    /// Rows.
    pub rows: u16,
    /// Centres per cell, `rows * cols`, row by row.
    pub counts: Vec<u64>,
}

impl Default for Heatmap {
    fn default() -> Self {
        Self {
            cols: HEAT_CELLS,
            rows: HEAT_CELLS,
            counts: vec![0; usize::from(HEAT_CELLS) * usize::from(HEAT_CELLS)],
        }
    }
}

impl Heatmap {
    fn add(&mut self, x: f64, y: f64) {
        let cell = |v: f64, n: u16| {
            let v = (v * f64::from(n)).floor().clamp(0.0, f64::from(n) - 1.0);
            // In 0..n after the clamp.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let i = v as usize;
            i
        };
        if !(x.is_finite() && y.is_finite()) {
            return;
        }
        let i = cell(y, self.rows) * usize::from(self.cols) + cell(x, self.cols);
        if let Some(c) = self.counts.get_mut(i) {
            *c += 1;
        }
    }
}

/// How far one companion pass has got.
#[derive(Debug, Clone, PartialEq)]
pub struct CompanionProgress {
    /// The object label, e.g. `body`.
    pub object: String,
    /// The companion labels as configured, e.g. `male`, `female`.
    pub one_of: Vec<String>,
    /// Objects of the object label (crowd ones left out, as A003 does).
    pub objects: u64,
    /// Objects carrying at least one companion.
    pub with_companion: u64,
    /// Objects carrying more than one (A002's concern).
    pub with_several: u64,
    /// Per companion label (as configured): the objects it labels.
    pub per_companion: Vec<(String, u64)>,
}

/// Attribute values of one label.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeStats {
    /// The label.
    pub label: String,
    /// The attribute (`occluded`, `crowd`, or the source's name).
    pub name: String,
    /// Value -> objects, sorted by value.
    pub values: BTreeMap<String, u64>,
}

/// Keypoint visibility of one label.
#[derive(Debug, Clone, PartialEq)]
pub struct KeypointStats {
    /// The label.
    pub label: String,
    /// Keypoint instances.
    pub instances: u64,
    /// Per point of the schema, in schema order.
    pub points: Vec<PointVisibility>,
}

/// The visibility counts of one keypoint.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PointVisibility {
    /// The point's name.
    pub name: String,
    /// Visible (COCO 2).
    pub visible: u64,
    /// Labelled but occluded (COCO 1).
    pub occluded: u64,
    /// Not labelled (COCO 0, or missing from the instance).
    pub absent: u64,
}

/// A figure whose share differs between splits by more than the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceNote {
    /// What: `label eye` (the label's share of each split's objects),
    /// `size tiny of eye` (the bucket's share of the label's measured
    /// objects), `occluded of eye` (the occluded share of the label's
    /// objects).
    pub what: String,
    /// The share per split (splits without the base figure are left out).
    pub shares: BTreeMap<String, f64>,
    /// Largest share minus smallest.
    pub difference: f64,
}

/// An attribute value as counted: borrowed from the dataset, made text
/// only once per distinct value, when the figures are finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ValueKey<'a> {
    Text(&'a str),
    Bool(bool),
    /// The bits of an `f64`.
    Number(u64),
}

impl ValueKey<'_> {
    fn text(self) -> String {
        match self {
            Self::Text(t) => t.to_owned(),
            Self::Bool(b) => b.to_string(),
            Self::Number(bits) => f64::from_bits(bits).to_string(),
        }
    }
}

/// The accumulators of one split.
struct Acc<'a> {
    split: SplitStats,
    image_sizes: HashMap<(u32, u32), u64>,
    crowded: Vec<(u64, usize)>,
    /// (label index, attribute name) -> value -> objects.
    attributes: HashMap<(usize, &'a str), HashMap<ValueKey<'a>, u64>>,
}

impl Acc<'_> {
    fn new(
        labels: &[(String, Option<String>)],
        groups: &[CompanionProgress],
        keypoints: &[KeypointStats],
    ) -> Self {
        Self {
            split: SplitStats {
                labels: labels
                    .iter()
                    .map(|(name, parent)| LabelStats {
                        name: name.clone(),
                        parent: parent.clone(),
                        objects: 0,
                        images: 0,
                        share_of_target: 0.0,
                        widths: Histogram::with_edges(&SIDE_EDGES),
                        heights: Histogram::with_edges(&SIDE_EDGES),
                        areas: Histogram::with_edges(&SIDE_EDGES.map(|e| e * e)),
                        aspect: Histogram::with_edges(&ASPECT_EDGES),
                        below_twice_min: 0,
                        size_buckets: [0; 4],
                        occluded: 0,
                        crowd: 0,
                        unmeasured: 0,
                        heat: Heatmap::default(),
                    })
                    .collect(),
                objects_per_image: Histogram::with_edges(&PER_IMAGE_EDGES),
                companions: groups.to_vec(),
                keypoints: keypoints.to_vec(),
                ..SplitStats::default()
            },
            image_sizes: HashMap::new(),
            crowded: Vec::new(),
            attributes: HashMap::new(),
        }
    }
}

/// One object of one image, as its shapes are gathered.
struct Object {
    label: LabelId,
    /// The first shape's position.
    first: usize,
    bounds: Option<BoxGeom>,
    from_box: bool,
    occluded: bool,
    crowd: bool,
}

/// The statistics of `dataset`, in one pass over its images and shapes.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn stats(dataset: &Dataset, opts: &StatsOptions) -> Stats {
    let index = DatasetIndex::new(dataset);
    let mut config = Config::default();
    config.schema.companions.clone_from(&opts.companions);
    config.keypoints.clone_from(&opts.keypoints);
    let cx = Context::new(dataset, &index, &config);
    let labels = &dataset.labels.labels;
    let names: Vec<(String, Option<String>)> = labels
        .iter()
        .map(|l| {
            let parent = l.parent.map(|p| dataset.labels.name(p).to_owned());
            (l.name.clone(), parent)
        })
        .collect();
    let groups: Vec<CompanionProgress> = cx
        .groups
        .iter()
        .map(|g| CompanionProgress {
            object: dataset.labels.name(g.object).to_owned(),
            one_of: g
                .members
                .iter()
                .map(|&m| dataset.labels.name(m).to_owned())
                .collect(),
            objects: 0,
            with_companion: 0,
            with_several: 0,
            per_companion: g
                .members
                .iter()
                .map(|&m| (dataset.labels.name(m).to_owned(), 0))
                .collect(),
        })
        .collect();
    let schemas: Vec<(usize, &KeypointSchema)> = cx
        .keypoints
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i, s.as_deref()?)))
        .collect();
    let keypoints: Vec<KeypointStats> = schemas
        .iter()
        .map(|&(i, s)| KeypointStats {
            label: names.get(i).map(|n| n.0.clone()).unwrap_or_default(),
            instances: 0,
            points: s
                .names
                .iter()
                .map(|n| PointVisibility {
                    name: n.clone(),
                    ..PointVisibility::default()
                })
                .collect(),
        })
        .collect();
    // Label index -> position in `keypoints`.
    let mut keypoint_slot = vec![None; labels.len()];
    for (slot, &(i, _)) in schemas.iter().enumerate() {
        if let Some(s) = keypoint_slot.get_mut(i) {
            *s = Some(slot);
        }
    }

    let with_splits = dataset.images.iter().any(|i| i.subset.is_some());
    let mut overall = Acc::new(&names, &groups, &keypoints);
    let mut splits: BTreeMap<String, Acc<'_>> = BTreeMap::new();

    let mut sorted: Vec<usize> = Vec::new();
    let mut objects: Vec<Object> = Vec::new();
    let mut object_of: HashMap<(LabelId, GroupId), usize> = HashMap::new();
    let mut slot_of_shape: HashMap<usize, usize> = HashMap::new();
    let mut label_seen = vec![false; labels.len()];
    let mut companions_of: Vec<Vec<usize>> = Vec::new();
    let (min_w, min_h) = opts.min_size;

    for (pos, image) in dataset.images.iter().enumerate() {
        let shapes = index.annotations_of(pos);
        objects.clear();
        object_of.clear();
        slot_of_shape.clear();
        for &a in shapes {
            let Some(ann) = dataset.annotations.get(a) else {
                continue;
            };
            let is_box = matches!(ann.geometry, Geometry::Box(_));
            let slot = match ann.group.map(|g| (ann.label, g)) {
                Some(key) => *object_of.entry(key).or_insert(objects.len()),
                None => objects.len(),
            };
            slot_of_shape.insert(a, slot);
            if let Some(o) = objects.get_mut(slot) {
                if is_box && !o.from_box {
                    o.bounds = measured_bounds(ann);
                    o.from_box = true;
                } else if o.bounds.is_none() {
                    o.bounds = measured_bounds(ann);
                }
                o.occluded |= ann.occluded;
                o.crowd |= ann.crowd;
            } else {
                objects.push(Object {
                    label: ann.label,
                    first: a,
                    bounds: measured_bounds(ann),
                    from_box: is_box,
                    occluded: ann.occluded,
                    crowd: ann.crowd,
                });
            }
        }

        // Companion progress: per group, per object of its object label.
        let mut progress: Vec<(usize, Vec<usize>)> = Vec::new();
        if !cx.groups.is_empty() {
            sorted.clear();
            sorted.extend_from_slice(shapes);
            sort_image_annotations(&dataset.annotations, &mut sorted);
            let image_cx = ImageCtx::new(pos, image, &sorted, &dataset.annotations);
            for (g, group) in cx.groups.iter().enumerate() {
                companions_of.clear();
                companions_of.resize(objects.len(), Vec::new());
                let mut present = vec![false; objects.len()];
                companion_matches(&image_cx, group, |o, matched| {
                    let Some(&slot) = slot_of_shape.get(&o) else {
                        return;
                    };
                    if let Some(p) = present.get_mut(slot) {
                        *p = true;
                    }
                    if let Some(c) = companions_of.get_mut(slot) {
                        for &m in matched {
                            if let Some(label) = dataset.annotations.get(m).map(|x| x.label) {
                                if let Some(k) = group.members.iter().position(|&x| x == label) {
                                    c.push(k);
                                }
                            }
                        }
                    }
                });
                for (slot, c) in companions_of.iter_mut().enumerate() {
                    if present.get(slot).copied().unwrap_or(false) {
                        c.sort_unstable();
                        c.dedup();
                        progress.push((g, std::mem::take(c)));
                    }
                }
            }
        }

        let split_name = image.subset.clone().unwrap_or_else(|| NO_SPLIT.to_owned());
        let mut accs: Vec<&mut Acc<'_>> = vec![&mut overall];
        if with_splits {
            accs.push(
                splits
                    .entry(split_name)
                    .or_insert_with(|| Acc::new(&names, &groups, &keypoints)),
            );
        }
        let measured = image.width > 0 && image.height > 0;
        for acc in accs {
            add_image(
                acc,
                pos,
                image,
                measured,
                &objects,
                dataset,
                &mut label_seen,
                (min_w, min_h),
            );
            acc.split.shapes += shapes.len() as u64;
            for (g, companions) in &progress {
                if let Some(p) = acc.split.companions.get_mut(*g) {
                    p.objects += 1;
                    if !companions.is_empty() {
                        p.with_companion += 1;
                    }
                    if companions.len() > 1 {
                        p.with_several += 1;
                    }
                    for &k in companions {
                        if let Some(c) = p.per_companion.get_mut(k) {
                            c.1 += 1;
                        }
                    }
                }
            }
            for &a in shapes {
                let Some(ann) = dataset.annotations.get(a) else {
                    continue;
                };
                let Geometry::Keypoints(points) = &ann.geometry else {
                    continue;
                };
                let Some(slot) = keypoint_slot.get(ann.label.index()).copied().flatten() else {
                    continue;
                };
                let (Some(k), Some(&(_, schema))) =
                    (acc.split.keypoints.get_mut(slot), schemas.get(slot))
                else {
                    continue;
                };
                k.instances += 1;
                let by_schema = SchemaPoints::new(schema, points);
                for (i, p) in k.points.iter_mut().enumerate() {
                    match by_schema.get(i).map(|p| p.visibility) {
                        Some(Visibility::Visible) => p.visible += 1,
                        Some(Visibility::Occluded) => p.occluded += 1,
                        Some(Visibility::Absent) | None => p.absent += 1,
                    }
                }
            }
        }
    }

    let orphan_shapes = index.orphans().len() as u64;
    let overall = finish(overall, dataset, opts.target_count);
    let splits: BTreeMap<String, SplitStats> = splits
        .into_iter()
        .map(|(k, acc)| (k, finish(acc, dataset, opts.target_count)))
        .collect();
    let balance = balance(&splits, opts.balance_threshold);
    Stats {
        overall,
        splits,
        balance,
        balance_threshold: opts.balance_threshold,
        target_count: opts.target_count,
        min_size: opts.min_size,
        orphan_shapes,
        tracks: dataset.tracks.len() as u64,
    }
}

/// Adds the objects of one image to a split's accumulators.
#[allow(clippy::too_many_arguments)]
fn add_image<'a>(
    acc: &mut Acc<'a>,
    pos: usize,
    image: &Image,
    measured: bool,
    objects: &[Object],
    dataset: &'a Dataset,
    label_seen: &mut [bool],
    (min_w, min_h): (f64, f64),
) {
    let s = &mut acc.split;
    s.images += 1;
    let n = objects.len() as u64;
    s.objects += n;
    if n == 0 {
        s.empty_images += 1;
    }
    #[allow(clippy::cast_precision_loss)]
    s.objects_per_image.add(n as f64);
    if measured {
        *acc.image_sizes
            .entry((image.width, image.height))
            .or_insert(0) += 1;
    } else {
        s.unmeasured_images += 1;
    }
    if n > 0 {
        acc.crowded.push((n, pos));
    }
    label_seen.iter_mut().for_each(|x| *x = false);
    for o in objects {
        let li = o.label.index();
        if let Some(seen) = label_seen.get_mut(li) {
            if !*seen {
                *seen = true;
                if let Some(l) = s.labels.get_mut(li) {
                    l.images += 1;
                }
            }
        }
        let Some(l) = s.labels.get_mut(li) else {
            continue;
        };
        l.objects += 1;
        l.occluded += u64::from(o.occluded);
        l.crowd += u64::from(o.crowd);
        match o.bounds.filter(|_| measured) {
            Some(b) if b.width().is_finite() && b.height().is_finite() => {
                let (w, h) = (b.width().abs(), b.height().abs());
                l.widths.add(w);
                l.heights.add(h);
                let area = w * h;
                l.areas.add(area);
                if h > 0.0 {
                    l.aspect.add(w / h);
                }
                if w < 2.0 * min_w || h < 2.0 * min_h {
                    l.below_twice_min += 1;
                }
                let bucket = SIZE_BUCKET_LIMITS.partition_point(|&lim| lim <= area);
                if let Some(c) = l.size_buckets.get_mut(bucket) {
                    *c += 1;
                }
                let c = b.center();
                l.heat
                    .add(c.x / f64::from(image.width), c.y / f64::from(image.height));
            }
            _ => l.unmeasured += 1,
        }
        // `occluded` is counted in `LabelStats::occluded` and listed with
        // the attributes when the figures are finished.
        if let Some(ann) = dataset.annotations.get(o.first) {
            for (name, value) in ann.attributes.iter() {
                let key = match value {
                    AttributeValue::Text(t) => ValueKey::Text(t),
                    AttributeValue::Bool(b) => ValueKey::Bool(*b),
                    AttributeValue::Number(n) => ValueKey::Number(n.to_bits()),
                };
                *acc.attributes
                    .entry((li, name))
                    .or_default()
                    .entry(key)
                    .or_insert(0) += 1;
            }
        }
    }
}

/// Turns a split's accumulators into its figures.
fn finish(mut acc: Acc<'_>, dataset: &Dataset, target: u64) -> SplitStats {
    let s = &mut acc.split;
    for l in &mut s.labels {
        #[allow(clippy::cast_precision_loss)]
        {
            l.share_of_target = if target == 0 {
                1.0
            } else {
                l.objects as f64 / target as f64
            };
        }
    }
    acc.crowded.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| file(dataset, a.1).cmp(file(dataset, b.1)))
    });
    s.crowded = acc
        .crowded
        .iter()
        .take(CROWDED_LIMIT)
        .map(|&(n, pos)| (file(dataset, pos).to_owned(), n))
        .collect();
    let mut sizes: Vec<((u32, u32), u64)> = acc.image_sizes.into_iter().collect();
    sizes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    s.image_sizes_omitted = sizes.iter().skip(IMAGE_SIZE_LIMIT).map(|x| x.1).sum();
    sizes.truncate(IMAGE_SIZE_LIMIT);
    s.image_sizes = sizes;
    let mut attributes: BTreeMap<(usize, String), BTreeMap<String, u64>> = BTreeMap::new();
    for (i, l) in s.labels.iter().enumerate().filter(|(_, l)| l.objects > 0) {
        let values = attributes.entry((i, "occluded".to_owned())).or_default();
        for (value, n) in [(false, l.objects - l.occluded), (true, l.occluded)] {
            if n > 0 {
                values.insert(value.to_string(), n);
            }
        }
    }
    for ((li, name), values) in acc.attributes {
        let slot = attributes.entry((li, name.to_owned())).or_default();
        for (value, n) in values {
            *slot.entry(value.text()).or_insert(0) += n;
        }
    }
    s.attributes = attributes
        .into_iter()
        .map(|((li, name), values)| AttributeStats {
            label: s.labels.get(li).map(|l| l.name.clone()).unwrap_or_default(),
            name,
            values,
        })
        .collect();
    acc.split
}

fn file(dataset: &Dataset, pos: usize) -> &str {
    dataset.images.get(pos).map_or("", |i| i.file_name.as_str())
}

/// The split differences above `threshold`, largest first (ties in label
/// order).
fn balance(splits: &BTreeMap<String, SplitStats>, threshold: f64) -> Vec<BalanceNote> {
    if splits.len() < 2 {
        return Vec::new();
    }
    let Some(first) = splits.values().next() else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    let mut note = |what: String, share: &dyn Fn(&SplitStats) -> Option<f64>| {
        let shares: BTreeMap<String, f64> = splits
            .iter()
            .filter_map(|(k, s)| Some((k.clone(), share(s)?)))
            .collect();
        if shares.len() < 2 {
            return;
        }
        let max = shares.values().copied().fold(f64::MIN, f64::max);
        let min = shares.values().copied().fold(f64::MAX, f64::min);
        let difference = max - min;
        if difference > threshold {
            notes.push(BalanceNote {
                what,
                shares,
                difference,
            });
        }
    };
    #[allow(clippy::cast_precision_loss)]
    let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
    for (i, label) in first.labels.iter().enumerate() {
        let name = &label.name;
        note(format!("label {name}"), &|s| {
            ratio(s.labels.get(i)?.objects, s.objects)
        });
        for (b, bucket) in SIZE_BUCKET_NAMES.iter().enumerate() {
            note(format!("size {bucket} of {name}"), &|s| {
                let l = s.labels.get(i)?;
                ratio(*l.size_buckets.get(b)?, l.size_buckets.iter().sum())
            });
        }
        note(format!("occluded of {name}"), &|s| {
            let l = s.labels.get(i)?;
            ratio(l.occluded, l.objects)
        });
    }
    notes.sort_by(|a, b| b.difference.total_cmp(&a.difference));
    notes
}

/// A share as a percentage with one decimal (`12.5%`).
pub(crate) fn fmt_share(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}
/// The size of a shape: its area's bounds as the rules measure them
/// ([`object_bounds`]: a box, polygon, mask or ellipse, COCO's stated
/// box), else the bounds of its geometry (points, polylines, the visible
/// points of a skeleton); `None` for a tag or non-finite coordinates.
fn measured_bounds(ann: &labelkit_model::Annotation) -> Option<BoxGeom> {
    object_bounds(ann).or_else(|| {
        ann.geometry.bounds().filter(|b| {
            [b.x_min, b.y_min, b.x_max, b.y_max]
                .iter()
                .all(|v| v.is_finite())
        })
    })
}
