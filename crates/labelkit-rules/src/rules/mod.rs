//! The built-in rules, one file each, and the table of their codes.
//!
//! Each rule file starts with a `//!` block, its documentation, with the
//! headings of [`crate::meta::DOC_HEADINGS`]; the registry reads it from the
//! file's text (`include_str!`) so the doc comment is the only source.

use labelkit_diagnostics::Severity;
use labelkit_model::{Annotation, BoxGeom, Dataset, Geometry, Keypoint, KeypointSchema, Keypoints};

use crate::meta::RuleStatus;
use crate::options::OptionDecl;
use crate::rule::{Context, ImageCtx, ResolvedGroup, Rule};

pub(crate) mod read {
    pub(crate) mod coordinate_out_of_range;
    pub(crate) mod dangling_reference;
    pub(crate) mod duplicate_id;
    pub(crate) mod image_unreadable;
    pub(crate) mod invalid_image_size;
    pub(crate) mod invalid_mask;
    pub(crate) mod malformed_value;
    pub(crate) mod non_finite;
    pub(crate) mod unknown_class;
    pub(crate) mod unsupported;
    pub(crate) mod wrong_value_count;
}
pub(crate) mod geometry {
    pub(crate) mod box_too_small;
    pub(crate) mod degenerate_shape;
    pub(crate) mod shape_outside_image;
    pub(crate) mod template_box;
    pub(crate) mod unmeasured_images;
}
pub(crate) mod ambiguity {
    pub(crate) mod exclusive_companions;
    pub(crate) mod missing_companion;
    pub(crate) mod near_duplicate;
    pub(crate) mod orphan_companion;
    pub(crate) mod part_outside_parent;
    pub(crate) mod still_ambiguous;
    pub(crate) mod too_many_parts;
}
pub(crate) mod keypoints {
    pub(crate) mod absent_point_with_coordinates;
    pub(crate) mod flip_idx_mismatch;
    pub(crate) mod keypoint_count;
    pub(crate) mod keypoint_order;
    pub(crate) mod keypoint_outside;
    pub(crate) mod left_right_swap;
}
pub(crate) mod dataset {
    pub(crate) mod config_name_mismatch;
    pub(crate) mod duplicate_ids;
    pub(crate) mod image_size_mismatch;
    pub(crate) mod labels_without_image;
    pub(crate) mod missing_label_file;
    pub(crate) mod too_few_labels;
    pub(crate) mod undeclared_class;
    pub(crate) mod unused_class;
}
pub(crate) mod labelkit {
    pub(crate) mod plugin_failed;
}
pub(crate) mod containment;
pub(crate) mod spatial;

/// One row of the table of built-in codes.
pub(crate) struct Builtin {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) family: &'static str,
    pub(crate) severity: Severity,
    pub(crate) status: RuleStatus,
    /// The text of the rule's file.
    pub(crate) source: &'static str,
    /// The rule; `None` for codes reported by readers or by the checker.
    pub(crate) rule: Option<&'static dyn Rule>,
    /// The options the rule declares in its file (its `OPTIONS`).
    pub(crate) options: &'static [&'static OptionDecl],
}

macro_rules! builtins {
    (@options) => { &[] };
    (@options $($path:tt)+) => { $($path)+ };
    ($( $family:ident :: $module:ident, $name:literal, $sev:ident, $rule:expr $(, $options:ident)?; )*) => {
        /// Every built-in code. Codes are permanent: a removed rule stays
        /// here with [`RuleStatus::Removed`].
        pub(crate) static BUILTINS: &[Builtin] = &[
            $( Builtin {
                code: $family::$module::CODE,
                name: $name,
                family: stringify!($family),
                severity: Severity::$sev,
                status: RuleStatus::Stable,
                source: include_str!(concat!(stringify!($family), "/", stringify!($module), ".rs")),
                rule: $rule,
                options: builtins!(@options $($family::$module::$options)?),
            }, )*
        ];
    };
}

builtins! {
    read::malformed_value, "malformed-value", Error, None;
    read::wrong_value_count, "wrong-value-count", Error, None;
    read::unknown_class, "unknown-class", Error, None;
    read::dangling_reference, "dangling-reference", Error, None;
    read::duplicate_id, "duplicate-id", Error, None;
    read::non_finite, "non-finite-value", Error, None;
    read::coordinate_out_of_range, "coordinate-out-of-range", Error, None;
    read::image_unreadable, "image-unreadable", Error, None;
    read::invalid_mask, "invalid-mask", Error, None;
    read::invalid_image_size, "invalid-image-size", Error, None;
    read::unsupported, "unsupported-content", Warning, None;
    geometry::box_too_small, "box-too-small", Error, Some(&geometry::box_too_small::BoxTooSmall), OPTIONS;
    geometry::shape_outside_image, "shape-outside-image", Error, Some(&geometry::shape_outside_image::ShapeOutsideImage), OPTIONS;
    geometry::degenerate_shape, "degenerate-shape", Error, Some(&geometry::degenerate_shape::DegenerateShape);
    geometry::template_box, "template-box", Warning, Some(&geometry::template_box::TemplateBox), OPTIONS;
    geometry::unmeasured_images, "unmeasured-images", Warning, Some(&geometry::unmeasured_images::UnmeasuredImages);
    ambiguity::near_duplicate, "near-duplicate", Error, Some(&ambiguity::near_duplicate::NearDuplicate), OPTIONS;
    ambiguity::exclusive_companions, "exclusive-companions", Error, Some(&ambiguity::exclusive_companions::ExclusiveCompanions);
    ambiguity::missing_companion, "missing-companion", Error, Some(&ambiguity::missing_companion::MissingCompanion);
    ambiguity::part_outside_parent, "part-outside-parent", Error, Some(&ambiguity::part_outside_parent::PartOutsideParent);
    ambiguity::still_ambiguous, "still-ambiguous", Error, Some(&ambiguity::still_ambiguous::StillAmbiguous), OPTIONS;
    ambiguity::orphan_companion, "orphan-companion", Error, Some(&ambiguity::orphan_companion::OrphanCompanion);
    ambiguity::too_many_parts, "too-many-parts", Error, Some(&ambiguity::too_many_parts::TooManyParts);
    keypoints::keypoint_count, "keypoint-count", Error, Some(&keypoints::keypoint_count::KeypointCount);
    keypoints::keypoint_order, "keypoint-order", Error, Some(&keypoints::keypoint_order::KeypointOrder);
    keypoints::absent_point_with_coordinates, "absent-point-with-coordinates", Warning, Some(&keypoints::absent_point_with_coordinates::AbsentPointWithCoordinates), OPTIONS;
    keypoints::left_right_swap, "left-right-swap", Warning, Some(&keypoints::left_right_swap::LeftRightSwap), OPTIONS;
    keypoints::keypoint_outside, "keypoint-outside", Error, Some(&keypoints::keypoint_outside::KeypointOutside), OPTIONS;
    keypoints::flip_idx_mismatch, "flip-idx-mismatch", Error, Some(&keypoints::flip_idx_mismatch::FlipIdxMismatchRule);
    dataset::too_few_labels, "too-few-labels", Warning, Some(&dataset::too_few_labels::TooFewLabels), OPTIONS;
    dataset::unused_class, "unused-class", Warning, Some(&dataset::unused_class::UnusedClass);
    dataset::undeclared_class, "undeclared-class", Error, Some(&dataset::undeclared_class::UndeclaredClass);
    dataset::duplicate_ids, "duplicate-ids", Error, Some(&dataset::duplicate_ids::DuplicateIds);
    dataset::missing_label_file, "missing-label-file", Warning, Some(&dataset::missing_label_file::MissingLabelFile);
    dataset::labels_without_image, "labels-without-image", Error, Some(&dataset::labels_without_image::LabelsWithoutImage);
    dataset::image_size_mismatch, "image-size-mismatch", Error, Some(&dataset::image_size_mismatch::ImageSizeMismatch);
    dataset::config_name_mismatch, "config-name-mismatch", Warning, Some(&dataset::config_name_mismatch::ConfigNameMismatch);
    labelkit::plugin_failed, "plugin-failed", Error, None;
}

/// The code of the plugin failure diagnostic.
pub(crate) const PLUGIN_FAILED: &str = labelkit::plugin_failed::CODE;

/// Source formats of CVAT, which identify each skeleton point by its own
/// `label` (so their order carries no meaning) and mark a point absent by
/// its own `outside` flag (keeping its last coordinates by design).
const CVAT_FORMATS: [&str; 2] = ["cvat-images", "cvat-video"];

/// Whether the dataset was read from CVAT XML (either flavour).
pub(crate) fn from_cvat(cx: &Context<'_>) -> bool {
    cx.dataset
        .info
        .source_format
        .as_deref()
        .is_some_and(|f| CVAT_FORMATS.contains(&f))
}

/// The points of an annotation that holds keypoints.
pub(crate) fn keypoints(ann: &Annotation) -> Option<&Keypoints> {
    match &ann.geometry {
        Geometry::Keypoints(k) => Some(k),
        _ => None,
    }
}

/// Width and height of an area shape along its own axes (a rotated box is
/// measured unrotated), else of its bounds.
pub(crate) fn own_size(g: &Geometry) -> Option<(f64, f64)> {
    match g {
        Geometry::Box(b) => Some((b.width(), b.height())),
        Geometry::Ellipse(e) => Some((2.0 * e.rx, 2.0 * e.ry)),
        other => other.bounds().map(|b| (b.width(), b.height())),
    }
}

/// Bounds of a finite shape that covers an area (box, polygon, mask,
/// ellipse).
pub(crate) fn area_bounds(g: &Geometry) -> Option<BoxGeom> {
    match g {
        Geometry::Box(b)
            if b.x_min.is_finite()
                && b.x_max.is_finite()
                && b.y_min.is_finite()
                && b.y_max.is_finite()
                && b.rotation.is_finite() =>
        {
            Some(b.bounds())
        }
        Geometry::Polygon(_) | Geometry::Mask(_) | Geometry::Ellipse(_) if g.is_finite() => {
            g.bounds()
        }
        _ => None,
    }
}

/// The bounds of an object's region: the box its source states for it (a
/// COCO `bbox` of a polygon or mask, see [`Annotation::bbox`]) when that is
/// finite, else [`area_bounds`] of its geometry.
pub fn object_bounds(a: &Annotation) -> Option<BoxGeom> {
    let stated = a
        .bbox
        .as_deref()
        .filter(|_| matches!(a.geometry, Geometry::Polygon(_) | Geometry::Mask(_)));
    stated
        .and_then(|b| area_bounds(&Geometry::Box(*b)))
        .or_else(|| area_bounds(&a.geometry))
}

/// `WxH`, each rounded to 4 decimals without trailing zeros.
pub(crate) fn fmt_size(w: f64, h: f64) -> String {
    format!("{}x{}", fmt_num(w), fmt_num(h))
}

/// A size read with a tolerance, as the annotator drew it: the shortest
/// decimal (at most 4 decimals) within `tol` of `v`, so a YOLO height of
/// `2.9999988` px, known to 1.8e-6 px, shows as `3`; else [`fmt_num`].
pub(crate) fn fmt_within(v: f64, tol: f64) -> String {
    for decimals in 0..=4 {
        let p = 10f64.powi(decimals);
        let r = (v * p).round() / p;
        if (r - v).abs() <= tol {
            return fmt_num(r);
        }
    }
    fmt_num(v)
}

/// A number rounded to 4 decimals without trailing zeros (`2.99`, `3`),
/// so float noise such as `2.9899999999999984` does not reach messages.
pub(crate) fn fmt_num(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s.as_str()
    };
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// The companion shapes of one group on one image, indexed so matching
/// every object against them stays near-linear. A companion matches an
/// object at an IoU of at least the group's `iou`, or with each edge
/// within the group's `edge-tolerance` pixels of the object's (on images
/// of known size only: on others the coordinates are not pixels).
pub(crate) struct Companions<'b> {
    /// Candidate annotations, sorted as the image's annotations (by
    /// label, then id).
    members: Vec<usize>,
    index: spatial::IouIndex<'b>,
    edges: spatial::EdgeIndex<'b>,
}

impl<'b> Companions<'b> {
    /// The shapes of `group`'s member labels on `image`; `bounds` is
    /// scratch space the indexes borrow.
    pub(crate) fn new(
        image: &ImageCtx<'_>,
        group: &ResolvedGroup,
        bounds: &'b mut Vec<Option<BoxGeom>>,
    ) -> Self {
        let mut members = Vec::new();
        for &member in &group.members {
            members.extend_from_slice(image.with_label(member));
        }
        fill_bounds(image, &members, bounds);
        Companions {
            members,
            index: spatial::IouIndex::new(bounds, group.iou),
            edges: spatial::EdgeIndex::new(bounds, edge_tolerance(image, group)),
        }
    }

    /// The companions of object annotation `o`: members with an IoU of at
    /// least the group's with it, or every edge near its own, in the
    /// image's order.
    pub(crate) fn of(&self, image: &ImageCtx<'_>, o: usize, out: &mut Vec<usize>) {
        out.clear();
        let Some(ob) = image.annotation(o).and_then(object_bounds) else {
            return;
        };
        let mut hits = Vec::new();
        self.index.all(&ob, &mut hits);
        self.edges.extend_all(&ob, &mut hits);
        hits.sort_unstable();
        hits.dedup();
        out.extend(hits.iter().filter_map(|&i| self.members.get(i).copied()));
    }
}

/// Calls `each` with every object of `group` on `image` (the annotations
/// of the group's object label, crowd ones left out) and the positions of
/// the companions that label it, as `missing-companion` (A003) matches
/// them: the one matching the checker and `labelkit stats` share.
pub fn companion_matches(
    image: &ImageCtx<'_>,
    group: &ResolvedGroup,
    mut each: impl FnMut(usize, &[usize]),
) {
    let mut bounds = Vec::new();
    let mut matched = Vec::new();
    let companions = Companions::new(image, group, &mut bounds);
    for &o in image.with_label(group.object) {
        if image.annotation(o).is_some_and(|a| a.crowd) {
            continue;
        }
        companions.of(image, o, &mut matched);
        each(o, &matched);
    }
}

/// The edge tolerance of `group` on `image`: none on an image of unknown
/// size.
pub(crate) fn edge_tolerance(image: &ImageCtx<'_>, group: &ResolvedGroup) -> f64 {
    if image.has_size() {
        group.edge_tolerance
    } else {
        0.0
    }
}

/// The bounds of the shapes at `positions`, into `bounds` (cleared
/// first).
pub(crate) fn fill_bounds(
    image: &ImageCtx<'_>,
    positions: &[usize],
    bounds: &mut Vec<Option<BoxGeom>>,
) {
    bounds.clear();
    bounds.extend(
        positions
            .iter()
            .map(|&m| image.annotation(m).and_then(object_bounds)),
    );
}

/// Use counts per label index, in objects: the shapes of one group with
/// one label on one image (a COCO keypoint annotation's polygon and
/// keypoints, a CVAT box and polygon drawn for one object) count once. An
/// annotation of a skeleton element also counts for its skeleton.
pub(crate) fn label_counts(dataset: &Dataset) -> Vec<u64> {
    let mut counts = vec![0u64; dataset.labels.len()];
    let mut grouped = std::collections::HashSet::new();
    for a in &dataset.annotations {
        if a.group
            .is_some_and(|g| !grouped.insert((a.image, g, a.label)))
        {
            continue;
        }
        if let Some(c) = counts.get_mut(a.label.index()) {
            *c += 1;
        }
        if let Some(parent) = dataset.labels.get(a.label).and_then(|l| l.parent) {
            if let Some(c) = counts.get_mut(parent.index()) {
                *c += 1;
            }
        }
    }
    for t in &dataset.tracks {
        if let Some(c) = counts.get_mut(t.label.index()) {
            *c += 1;
        }
    }
    counts
}

/// The points of an instance by schema position: by name when the points
/// carry names (the first point of a name counts), else by position. The
/// names are indexed once, so looking up every position of a schema costs
/// time linear in the points, however many a hostile file declares.
#[derive(Debug)]
pub struct SchemaPoints<'k> {
    schema: &'k KeypointSchema,
    points: &'k Keypoints,
    by_name: Option<std::collections::HashMap<&'k str, &'k Keypoint>>,
}

impl<'k> SchemaPoints<'k> {
    /// Indexes `points` against `schema`.
    #[must_use]
    pub fn new(schema: &'k KeypointSchema, points: &'k Keypoints) -> Self {
        let by_name = points.points.iter().any(|p| p.name.is_some()).then(|| {
            let mut map = std::collections::HashMap::with_capacity(points.points.len());
            for p in &points.points {
                if let Some(name) = p.name.as_deref() {
                    map.entry(name).or_insert(p);
                }
            }
            map
        });
        Self {
            schema,
            points,
            by_name,
        }
    }

    /// The point standing for schema position `index`.
    #[must_use]
    pub fn get(&self, index: usize) -> Option<&'k Keypoint> {
        match &self.by_name {
            Some(map) => map.get(self.schema.names.get(index)?.as_str()).copied(),
            None => self.points.points.get(index),
        }
    }
}

/// A point's name: its own, the schema's at its position, or its position.
pub(crate) fn point_name(schema: Option<&KeypointSchema>, p: &Keypoint, i: usize) -> String {
    if let Some(name) = &p.name {
        return name.to_string();
    }
    schema
        .and_then(|s| s.names.get(i))
        .cloned()
        .unwrap_or_else(|| format!("#{i}"))
}
