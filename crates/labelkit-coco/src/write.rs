//! The writer: plans every element as the reader would parse it back, then
//! prints it. [`crate::project`] converts the same plan to the model, so
//! `read(write(d)) == project(d)`.

use std::borrow::Cow;
use std::io::Write;

use labelkit_model::geometry::{bounds_of, CocoBox};
use labelkit_model::rle::{encode_counts_string, CocoCounts, MaskEncoding};
use labelkit_model::{
    Annotation, AttributeValue, Attributes, BoxGeom, Dataset, Geometry, GeometryKind, Image,
    ImageId, Label, LabelId, Point, Precision, Visibility, WriteReport,
};
use rayon::prelude::*;
use serde_json::value::RawValue;

use crate::elements::{
    AttributeObject, CocoAnnotation, CocoCategory, CocoImage, RawExtra, Segmentation, Skeleton,
};
use crate::json::Num;
use crate::model::{computed_area, ATTRIBUTES_MARKER};
use crate::read::{IdMap, IdSet};
use crate::{Error, WriteOptions};

const IMAGE_KEYS: &[&str] = &["id", "file_name", "width", "height"];
const CATEGORY_KEYS: &[&str] = &["id", "name", "supercategory", "keypoints", "skeleton"];
const ANNOTATION_KEYS: &[&str] = &[
    "id",
    "image_id",
    "category_id",
    "bbox",
    "segmentation",
    "area",
    "iscrowd",
    "keypoints",
    "num_keypoints",
    "score",
    "attributes",
];
const TOP_KEYS: &[&str] = &["images", "annotations", "categories"];

fn is_json(text: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

/// The extra fields a COCO element can hold: valid JSON, not a reserved key,
/// not a `coco.` marker, not repeated. The others are counted as lost.
fn filter_extra<'d>(
    extra: &'d [(String, String)],
    reserved: &[&str],
    report: &mut WriteReport,
) -> RawExtra<'d> {
    let mut out: RawExtra<'d> = Vec::with_capacity(extra.len());
    for (k, v) in extra {
        if k.starts_with("coco.") || k.starts_with("labelkit.") || reserved.contains(&k.as_str()) {
            // COCO's own markers, and facts a reader noted for the rules.
            continue;
        }
        if k.starts_with("cvat.") || k.starts_with("yolo.") {
            report.lose_one("fields specific to another format");
            continue;
        }
        if !is_json(v) {
            report.lose_one("extra fields whose value is not JSON");
        } else if out.iter().any(|(o, _)| o == k) {
            report.lose_one("repeated extra fields");
        } else {
            out.push((Cow::Borrowed(k.as_str()), Cow::Borrowed(v.trim())));
        }
    }
    out
}

fn extra_value<'d>(extra: &'d [(String, String)], key: &str) -> Option<&'d str> {
    extra
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Renumbers the ids outside the signed 32-bit range (which Datumaro, and
/// so CVAT's COCO import, cannot hold), densely and in their order, from
/// the largest id that fits; all of them from 1 if that would overflow.
/// Equal ids stay equal. Returns how many ids changed.
fn fit_i32<T>(ids: &mut [T]) -> u64
where
    T: Copy + Ord + Into<i128> + TryFrom<i64>,
{
    let fits = |v: T| i32::try_from(v.into()).is_ok();
    let mut outside: Vec<T> = ids.iter().copied().filter(|&v| !fits(v)).collect();
    if outside.is_empty() {
        return 0;
    }
    outside.sort_unstable();
    outside.dedup();
    let top = ids
        .iter()
        .copied()
        .filter(|&v| fits(v))
        .map(Into::into)
        .max()
        .unwrap_or(0)
        .max(0);
    let (start, targets) = if top + outside.len() as i128 <= i128::from(i32::MAX) {
        (top, outside)
    } else {
        let mut all = ids.to_vec();
        all.sort_unstable();
        all.dedup();
        (0, all)
    };
    let mut changed = 0;
    for v in ids.iter_mut() {
        if let Ok(k) = targets.binary_search(v) {
            let new = i64::try_from(start + 1 + k as i128).unwrap_or(i64::from(i32::MAX));
            if let Ok(new) = T::try_from(new) {
                let (old, now): (i128, i128) = ((*v).into(), new.into());
                if old != now {
                    changed += 1;
                }
                *v = new;
            }
        }
    }
    changed
}

/// The report line of annotations whose label has no name (CVAT's
/// `label=""`): COCO has no unlabelled object, and a category named "" is
/// refused by Datumaro (CVAT's COCO import).
pub(crate) const UNLABELLED_LOSS: &str =
    "unlabelled shapes (label=\"\"; COCO has no unlabelled object)";

/// Gives category 0, which Datumaro (and so CVAT's COCO import) reads as
/// "no label", the next free id above the largest (the smallest free
/// positive id when the largest is `i32::MAX`); the other ids stay. Run
/// after [`fit_i32`], so the new id is within 32 bits. Returns how many ids
/// changed (ids are distinct: at most one).
fn renumber_zero(ids: &mut [i64]) -> u64 {
    let Some(at) = ids.iter().position(|&id| id == 0) else {
        return 0;
    };
    let largest = ids.iter().copied().max().unwrap_or(0);
    ids[at] = if largest < i64::from(i32::MAX) {
        largest + 1
    } else {
        let mut used: Vec<i64> = ids.iter().copied().filter(|&id| id > 0).collect();
        used.sort_unstable();
        // The first gap in 1, 2, 3, ...: there is one, as fewer ids than
        // i32::MAX are in use.
        let mut free = 1;
        for id in used {
            if id == free {
                free += 1;
            } else if id > free {
                break;
            }
        }
        free
    };
    1
}

/// One planned COCO annotation.
#[derive(Debug)]
pub(crate) struct PlannedAnnotation<'d> {
    pub(crate) id: u64,
    pub(crate) image: ImageId,
    /// The label in the written label set.
    pub(crate) label: LabelId,
    pub(crate) category_id: i64,
    pub(crate) ann: CocoAnnotation<'d>,
}

/// A group of shapes that becomes one COCO annotation: positions in
/// `dataset.annotations`.
#[derive(Debug)]
struct Slot {
    image: ImageId,
    label: LabelId,
    bbox: Option<usize>,
    seg: Option<usize>,
    keypoints: Option<usize>,
    /// Further polygons of the object (one CVAT polygon per part, grouped),
    /// merged into the segmentation as more parts, as Datumaro's COCO
    /// export merges the polygons of one group.
    parts: Vec<usize>,
    first: usize,
}

/// Which field of a COCO annotation a shape fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotKind {
    /// `bbox`: a box.
    Bbox,
    /// `segmentation`: a polygon or mask.
    Segmentation,
    /// `keypoints`.
    Keypoints,
}

impl SlotKind {
    /// The field a geometry fills; `None` for kinds COCO cannot hold.
    fn of(geometry: &Geometry) -> Option<Self> {
        match geometry {
            Geometry::Box(_) => Some(Self::Bbox),
            Geometry::Polygon(_) | Geometry::Mask(_) => Some(Self::Segmentation),
            Geometry::Keypoints(_) => Some(Self::Keypoints),
            _ => None,
        }
    }
}

impl Slot {
    fn field(&self, kind: SlotKind) -> Option<usize> {
        match kind {
            SlotKind::Bbox => self.bbox,
            SlotKind::Segmentation => self.seg,
            SlotKind::Keypoints => self.keypoints,
        }
    }
    fn free(&self, kind: SlotKind) -> bool {
        self.field(kind).is_none()
    }
    fn set(&mut self, kind: SlotKind, pos: usize) {
        let field = match kind {
            SlotKind::Bbox => &mut self.bbox,
            SlotKind::Segmentation => &mut self.seg,
            SlotKind::Keypoints => &mut self.keypoints,
        };
        *field = Some(pos);
    }
    fn members(&self) -> impl Iterator<Item = usize> + '_ {
        let mut m = [self.bbox, self.seg, self.keypoints];
        m.sort_unstable();
        m.into_iter().flatten().chain(self.parts.iter().copied())
    }
}

/// Everything the writer will write, before any annotation is formatted.
#[derive(Debug)]
pub(crate) struct Plan<'d> {
    dataset: &'d Dataset,
    results: bool,
    precision: Precision,
    pub(crate) extras: RawExtra<'d>,
    pub(crate) images: Vec<CocoImage<'d>>,
    pub(crate) categories: Vec<(i64, CocoCategory<'d>)>,
    /// Old label -> new label and category id.
    label_map: Vec<Option<(LabelId, i64)>>,
    image_sizes: IdMap<u64, (u32, u32)>,
    /// Old image id -> written id, when some were renumbered.
    image_ids: IdMap<u64, u64>,
    slots: Vec<Slot>,
    slot_ids: Vec<u64>,
    /// Whether a category declares keypoints: every annotation then says
    /// how many it has (`num_keypoints`, 0 for the other categories').
    keypoint_file: bool,
    /// Point names for labels that declare none but whose annotations
    /// carry keypoints (CVAT skeletons of labels `<meta>` does not
    /// declare): `1`..`N`, N the most points of one of them, so that the
    /// category lists its points as COCO readers require.
    derived: IdMap<u32, labelkit_model::KeypointSchema>,
    pub(crate) report: WriteReport,
}

fn loss_name(kind: GeometryKind) -> &'static str {
    match kind {
        GeometryKind::Polyline => "polylines",
        GeometryKind::Points => "points shapes",
        GeometryKind::Ellipse => "ellipses",
        GeometryKind::Cuboid => "cuboids",
        GeometryKind::Tag => "tags",
        _ => "shapes of an unsupported kind",
    }
}

impl<'d> Plan<'d> {
    pub(crate) fn new(dataset: &'d Dataset, options: &WriteOptions) -> Self {
        let mut report = WriteReport::new();
        if dataset.info.name.is_some() {
            report.lose_one("dataset name");
        }
        report.lose("tracks", dataset.tracks.len() as u64);
        let extras = if options.results {
            Vec::new()
        } else {
            filter_extra(&dataset.info.extra, TOP_KEYS, &mut report)
        };
        let mut plan = Plan {
            dataset,
            results: options.results,
            precision: options.precision,
            extras,
            images: Vec::new(),
            categories: Vec::new(),
            label_map: Vec::new(),
            image_sizes: IdMap::default(),
            image_ids: IdMap::default(),
            slots: Vec::new(),
            slot_ids: Vec::new(),
            keypoint_file: false,
            derived: IdMap::default(),
            report,
        };
        plan.derive_schemas();
        plan.plan_labels();
        plan.keypoint_file = plan
            .categories
            .iter()
            .any(|(_, c)| c.keypoints.as_ref().is_some_and(|k| !k.is_empty()));
        plan.plan_images();
        plan.plan_slots();
        plan
    }

    /// Category ids: a COCO source keeps its ids (fresh ids above the
    /// largest for labels without one); any other source numbers them from
    /// 1, as `category_id: 0` reads as "no label" in Datumaro (and so CVAT):
    /// class index N becomes category N + 1 when every label has a distinct
    /// index, else the labels are numbered in order. Ids beyond 32 bits are
    /// renumbered by [`fit_i32`].
    fn plan_labels(&mut self) {
        let labels = &self.dataset.labels.labels;
        // A label without a name (CVAT's `label=""`) marks unlabelled
        // shapes, which COCO cannot hold: a category named "" is refused by
        // Datumaro (CVAT's COCO import). Its shapes are left out, counted
        // as [`UNLABELLED_LOSS`] where the annotations are planned.
        let top: Vec<usize> = (0..labels.len())
            .filter(|&i| labels[i].parent.is_none() && !labels[i].name.is_empty())
            .collect();
        let elements = labels.iter().filter(|l| l.parent.is_some()).count();
        self.report.lose("skeleton element labels", elements as u64);
        let source = self.dataset.info.source_format.as_deref();
        let mut ids: Vec<i64> = Vec::with_capacity(top.len());
        if source == Some("coco") {
            let mut used: IdSet<i64> = IdSet::default();
            let kept: Vec<Option<i64>> = top
                .iter()
                .map(|&i| labels[i].source_id.filter(|&id| used.insert(id)))
                .collect();
            let mut next = used
                .iter()
                .copied()
                .max()
                .map_or(1, |m| m.saturating_add(1));
            for id in kept {
                ids.push(id.unwrap_or_else(|| {
                    let id = next;
                    next = next.saturating_add(1);
                    id
                }));
            }
        } else {
            let mut used: IdSet<i64> = IdSet::default();
            let shifted: Option<Vec<i64>> = top
                .iter()
                .map(|&i| {
                    labels[i]
                        .source_id
                        .filter(|&s| s >= 0)
                        .and_then(|s| s.checked_add(1))
                        .filter(|&id| used.insert(id))
                })
                .collect();
            let with_source = top
                .iter()
                .filter(|&&i| labels[i].source_id.is_some())
                .count();
            match shifted {
                Some(shifted) if !shifted.is_empty() => {
                    let format = source.map_or("source", |f| if f == "yolo" { "YOLO" } else { f });
                    self.report.lose_one(&format!(
                        "category ids renumbered from 1 ({format} class N is category N+1)"
                    ));
                    ids = shifted;
                }
                _ => {
                    if with_source > 0 {
                        self.report.lose(
                            "label source ids (categories numbered from 1 in label order)",
                            with_source as u64,
                        );
                    }
                    ids = (1..).take(top.len()).collect();
                }
            }
        }
        let renumbered = fit_i32(&mut ids);
        self.report
            .lose("category ids beyond 32 bits renumbered", renumbered);
        self.report.lose(
            "category id 0 renumbered above the largest (read as no label by Datumaro and CVAT)",
            renumber_zero(&mut ids),
        );
        self.label_map = vec![None; labels.len()];
        for (&i, id) in top.iter().zip(ids) {
            // One category per label at most, and `LabelSet::push` keeps
            // the labels below 2^32.
            let new =
                LabelId(u32::try_from(self.categories.len()).expect("fewer than 2^32 labels"));
            self.label_map[i] = Some((new, id));
            let cat = self.plan_category(
                LabelId(u32::try_from(i).expect("fewer than 2^32 labels")),
                &labels[i],
            );
            self.categories.push((id, cat));
        }
    }

    /// Fills [`Plan::derived`]: the labels without a keypoint schema whose
    /// annotations carry keypoints, named `1`..`N`.
    fn derive_schemas(&mut self) {
        let mut most: IdMap<u32, usize> = IdMap::default();
        for a in &self.dataset.annotations {
            if let Geometry::Keypoints(k) = &a.geometry {
                let declared = self
                    .dataset
                    .labels
                    .get(a.label)
                    .is_some_and(|l| l.keypoints.is_some());
                if !declared {
                    let n = most.entry(a.label.0).or_default();
                    *n = (*n).max(k.points.len());
                }
            }
        }
        for (label, n) in most {
            if n > 0 {
                let names = (1..=n).map(|i| i.to_string());
                self.derived
                    .insert(label, labelkit_model::KeypointSchema::from_names(names));
                self.report.note(
                    "categories given point names 1..N (their keypoints had no declared names)",
                    1,
                );
            }
        }
    }

    /// The keypoint schema of `label`: declared, or derived (see
    /// [`Plan::derived`]).
    fn schema_of(&self, label: LabelId) -> Option<&labelkit_model::KeypointSchema> {
        self.dataset
            .labels
            .get(label)
            .and_then(|l| l.keypoints.as_ref())
            .or_else(|| self.derived.get(&label.0))
    }

    fn plan_category(&mut self, label_id: LabelId, label: &'d Label) -> CocoCategory<'d> {
        let report = &mut self.report;
        if label.color.is_some() {
            report.lose_one("label colors");
        }
        if label.kind.is_some() {
            report.lose_one("label shape types");
        }
        report.lose(
            "label attribute declarations",
            label.attributes.len() as u64,
        );
        let (keypoints, skeleton) = match &label.keypoints {
            Some(schema) => {
                if schema.flip_pairs != schema.infer_flip_pairs() {
                    report.lose_one("keypoint left/right pairs not implied by the point names");
                }
                let skeleton = match extra_value(&label.extra, "skeleton")
                    .filter(|_| schema.edges.is_empty())
                    .and_then(|raw| serde_json::from_str::<&RawValue>(raw).ok())
                {
                    Some(raw) => crate::elements::parse_skeleton(raw),
                    None => Skeleton::Edges(schema.edges.clone()),
                };
                let names = schema
                    .names
                    .iter()
                    .map(|n| Cow::Borrowed(n.as_str()))
                    .collect();
                (Some(names), Some(skeleton))
            }
            None => match self.derived.get(&label_id.0) {
                Some(schema) => (
                    Some(schema.names.iter().map(|n| Cow::Owned(n.clone())).collect()),
                    Some(Skeleton::Edges(Vec::new())),
                ),
                None => (None, None),
            },
        };
        CocoCategory {
            id: None,
            name: Some(Cow::Borrowed(label.name.as_str())),
            supercategory: label.supercategory.as_deref().map(Cow::Borrowed),
            keypoints,
            skeleton,
            extra: filter_extra(&label.extra, CATEGORY_KEYS, report),
        }
    }

    /// Images: ids beyond 32 bits renumbered by [`fit_i32`]; when file
    /// names repeat (a CVAT project has `img0.jpg` in each subset), the
    /// subset becomes a folder of every name (`Train/img0.jpg`, as the
    /// images lie in a CVAT project export), and a name still repeated gets
    /// its image id as a folder.
    fn plan_images(&mut self) {
        let images = &self.dataset.images;
        for image in images {
            self.image_sizes
                .insert(image.id.0, (image.width, image.height));
        }
        if self.results {
            return;
        }
        let mut ids: Vec<u64> = images.iter().map(|i| i.id.0).collect();
        let renumbered = fit_i32(&mut ids);
        if renumbered > 0 {
            // The fresh ids a reader gave images whose id repeated another's
            // are beyond 32 bits too, but the reason is the repetition.
            let repeated = images
                .iter()
                .zip(&ids)
                .filter(|(i, &id)| {
                    i.id.0 != id
                        && i.extra
                            .iter()
                            .any(|(k, _)| k == labelkit_model::keys::REPEATED_IMAGE_ID)
                })
                .count() as u64;
            self.report.lose(
                "repeated image ids renumbered (two images of the source had one id)",
                repeated,
            );
            self.report
                .lose("image ids beyond 32 bits renumbered", renumbered - repeated);
            self.image_ids = images
                .iter()
                .map(|i| i.id.0)
                .zip(ids.iter().copied())
                .collect();
        }
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let repeats = images.iter().any(|i| !seen.insert(i.file_name.as_str()));
        let mut names: Vec<Cow<'d, str>> = images
            .iter()
            .map(|i| match &i.subset {
                Some(subset) if repeats && !subset.is_empty() => {
                    Cow::Owned(format!("{subset}/{}", i.file_name))
                }
                _ => Cow::Borrowed(i.file_name.as_str()),
            })
            .collect();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        for (name, id) in names.iter_mut().zip(&ids) {
            if !seen.insert(name.to_string()) {
                // Each step lengthens the name: it ends on a name not seen.
                let mut unique = format!("{id}/{name}");
                while !seen.insert(unique.clone()) {
                    unique = format!("{id}/{unique}");
                }
                *name = Cow::Owned(unique);
                self.report
                    .lose_one("repeated file names given their image id as a folder");
            }
        }
        for ((image, name), id) in images.iter().zip(names).zip(ids) {
            if image.frame.is_some() {
                self.report.lose_one("image frame numbers");
            }
            if let Some(subset) = &image.subset {
                if repeats && !subset.is_empty() {
                    self.report
                        .lose_one("image subsets (kept as a folder of file_name)");
                } else {
                    self.report.lose_one("image subsets");
                }
            }
            self.report
                .lose("image attributes", image.attributes.len() as u64);
            self.images.push(CocoImage {
                id: Some(Num::U(id)),
                file_name: Some(name),
                width: Some(Num::U(u64::from(image.width))),
                height: Some(Num::U(u64::from(image.height))),
                extra: filter_extra(&image.extra, IMAGE_KEYS, &mut self.report),
            });
        }
    }

    /// Why the shapes of `label`, which has no category, are not written.
    fn unwritten_label(&self, label: LabelId) -> &'static str {
        match self.dataset.labels.get(label) {
            Some(l) if l.parent.is_none() && l.name.is_empty() => UNLABELLED_LOSS,
            _ => "annotations whose label is not a top-level label",
        }
    }

    fn plan_slots(&mut self) {
        let mut open: IdMap<(ImageId, u64), Vec<usize>> = IdMap::default();
        for (pos, a) in self.dataset.annotations.iter().enumerate() {
            let Some(kind) = SlotKind::of(&a.geometry) else {
                self.report.lose_one(loss_name(a.geometry.kind()));
                continue;
            };
            if self
                .label_map
                .get(a.label.index())
                .copied()
                .flatten()
                .is_none()
            {
                self.report.lose_one(self.unwritten_label(a.label));
                continue;
            }
            if !self.image_sizes.contains_key(&a.image.0) {
                self.report
                    .lose_one("annotations on images not in the dataset");
                continue;
            }
            let existing = a.group.and_then(|g| {
                open.get(&(a.image, g.0)).and_then(|list| {
                    list.iter()
                        .copied()
                        .find(|&s| self.slots[s].label == a.label && self.slots[s].free(kind))
                })
            });
            if let Some(s) = existing {
                self.slots[s].set(kind, pos);
                continue;
            }
            // A further polygon of an object that has one: another part.
            let is_polygon = |p: usize| {
                matches!(
                    self.dataset.annotations.get(p).map(|x| &x.geometry),
                    Some(Geometry::Polygon(_))
                )
            };
            let part_of = a.group.filter(|_| is_polygon(pos)).and_then(|g| {
                open.get(&(a.image, g.0)).and_then(|list| {
                    list.iter().copied().find(|&s| {
                        self.slots[s].label == a.label && self.slots[s].seg.is_some_and(is_polygon)
                    })
                })
            });
            if let Some(s) = part_of {
                self.slots[s].parts.push(pos);
                continue;
            }
            if let Some(g) = a.group {
                let list = open.entry((a.image, g.0)).or_default();
                if !list.is_empty() {
                    self.report
                        .lose_one("groups split into several COCO annotations");
                }
                list.push(self.slots.len());
            }
            let mut slot = Slot {
                image: a.image,
                label: a.label,
                bbox: None,
                seg: None,
                keypoints: None,
                parts: Vec::new(),
                first: pos,
            };
            slot.set(kind, pos);
            self.slots.push(slot);
        }
        // Ids: the first shape's id, unless already taken.
        let mut used: IdSet<u64> = IdSet::default();
        let mut ids: Vec<Option<u64>> = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            let id = self.dataset.annotations[slot.first].id.0;
            ids.push(used.insert(id).then_some(id));
        }
        let mut next = used.iter().copied().max().unwrap_or(0);
        self.slot_ids = ids
            .into_iter()
            .map(|id| {
                id.unwrap_or_else(|| {
                    next = next.saturating_add(1);
                    next
                })
            })
            .collect();
        if !self.results {
            let renumbered = fit_i32(&mut self.slot_ids);
            self.report
                .lose("annotation ids beyond 32 bits renumbered", renumbered);
        }
    }

    /// Number of annotations that will be written.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Plans annotation `i` (in `0..self.len()`); `None` when nothing of it
    /// can be written: its only shape is a mask the writer could not
    /// convert (counted in `report` as such) and that states no box (with
    /// one, the box is written), and an annotation without
    /// geometry would be rejected on reading.
    #[allow(clippy::too_many_lines)]
    /// The JSON text of a computed area. A non-finite area (a shape with
    /// non-finite or overflowing coordinates) is not JSON: it is recomputed
    /// from the written bbox where that is finite, else written as `null`
    /// (read back as a non-finite value), and counted either way.
    fn area_text(&self, area: f64, bbox: Option<&BoxGeom>, report: &mut WriteReport) -> String {
        if area.is_finite() {
            return self.precision.format(area);
        }
        match bbox.map(BoxGeom::area).filter(|a| a.is_finite()) {
            Some(from_box) => {
                report.lose_one("non-finite areas (recomputed from the bbox)");
                self.precision.format(from_box)
            }
            None => {
                report.lose_one("non-finite areas (written as null)");
                "null".to_owned()
            }
        }
    }

    pub(crate) fn annotation(
        &self,
        i: usize,
        report: &mut WriteReport,
    ) -> Option<PlannedAnnotation<'d>> {
        let slot = &self.slots[i];
        let anns: &'d [Annotation] = &self.dataset.annotations;
        let (label, category_id) = self.label_map[slot.label.index()].unwrap_or((LabelId(0), 0));
        let image_size = self
            .image_sizes
            .get(&slot.image.0)
            .copied()
            .unwrap_or((0, 0));

        // Merge the members' object-level fields.
        let mut attributes = Attributes::new();
        // Names taken so far: a member may carry thousands of attributes.
        let mut taken = std::collections::HashSet::new();
        let mut occluded = false;
        let mut crowd = false;
        let mut score = None;
        let mut extra_src: Vec<&'d (String, String)> = Vec::new();
        for m in slot.members() {
            let a = &anns[m];
            for (name, value) in a.attributes.iter() {
                if name == "occluded" {
                    report.lose_one(
                        "attributes named \"occluded\" (COCO keeps the occluded flag there)",
                    );
                } else if taken.insert(name) {
                    attributes.push(name, value.clone());
                }
            }
            occluded |= a.occluded;
            crowd |= a.crowd;
            score = score.or(a.score);
            extra_src.extend(a.extra.iter());
            if a.z_order != 0 {
                report.lose_one("z_order");
            }
            if a.source.is_some() {
                report.lose_one("annotation sources");
            }
            if a.track.is_some() {
                report.lose_one("track links of annotations");
            }
        }
        let merged_extra: Vec<(String, String)> = {
            let mut seen: Vec<&str> = Vec::new();
            let mut out = Vec::new();
            for (k, v) in extra_src {
                if !seen.contains(&k.as_str()) {
                    seen.push(k);
                    out.push((k.clone(), v.clone()));
                }
            }
            out
        };
        let marker = |key: &str| extra_value(&merged_extra, key);

        // A box drawn with its corners swapped (CVAT `xbr < xtl`) covers
        // the same pixels: written in order, never with a negative size.
        let ordered = |b: BoxGeom, report: &mut WriteReport| {
            if b.is_inverted() {
                report.lose_one("inverted boxes (written with their corners in order)");
            }
            b.ordered()
        };
        let bbox_geom = slot.bbox.and_then(|m| match &anns[m].geometry {
            Geometry::Box(b) => {
                if b.is_rotated() {
                    report.lose_one("rotation of boxes (written as their bounds)");
                }
                Some(ordered(b.bounds(), report))
            }
            _ => None,
        });
        let seg_geom: Option<Geometry> = slot.seg.and_then(|m| match &anns[m].geometry {
            Geometry::Polygon(p) => {
                let mut p = p.clone();
                for &part in &slot.parts {
                    if let Geometry::Polygon(more) = &anns[part].geometry {
                        p.rings.extend(more.rings.iter().cloned());
                    }
                }
                Some(Geometry::Polygon(p))
            }
            Geometry::Mask(mask) => match &mask.encoding {
                MaskEncoding::Coco { .. } => Some(Geometry::Mask(mask.clone())),
                window @ MaskEncoding::Window { .. } => {
                    match window.to_coco(image_size.0, image_size.1) {
                        Ok(runs) if image_size.0 > 0 && image_size.1 > 0 => {
                            Some(Geometry::Mask(labelkit_model::Mask {
                                encoding: MaskEncoding::Coco {
                                    height: image_size.1,
                                    width: image_size.0,
                                    counts: CocoCounts::Compressed(encode_counts_string(&runs)),
                                },
                            }))
                        }
                        Err(e) if e.is_limit() => {
                            report.lose_one(labelkit_model::rle::LOST_TO_MASK_LIMITS);
                            None
                        }
                        _ => {
                            report.lose_one("masks that cannot be placed on their image");
                            None
                        }
                    }
                }
            },
            _ => None,
        });
        let keypoints: Option<Vec<f64>> = slot.keypoints.and_then(|m| match &anns[m].geometry {
            Geometry::Keypoints(k) => {
                let declared = self
                    .dataset
                    .labels
                    .get(slot.label)
                    .and_then(|l| l.keypoints.as_ref());
                let mut flat = flat_keypoints(k, declared, report);
                // A derived schema names the points by position and has the
                // most points of the label's annotations: the others are
                // padded with absent points.
                if let Some(derived) = self.derived.get(&slot.label.0) {
                    if flat.len() < 3 * derived.len() {
                        flat.resize(3 * derived.len(), 0.0);
                    }
                }
                Some(flat)
            }
            _ => None,
        });

        // The box the segmentation's shape states for its object: written
        // when the group has no box shape of its own (also when the mask
        // itself cannot be written, so the object keeps its box).
        let stated = slot.seg.and_then(|m| anns[m].bbox.as_ref());
        let bbox_geom = match (bbox_geom, stated) {
            (Some(b), Some(s)) => {
                if s.bounds() != b {
                    report.lose_one(
                        "COCO boxes of segmented objects grouped with a box (the box is written)",
                    );
                }
                Some(b)
            }
            (b, s) => b.or_else(|| {
                s.map(|s| {
                    if s.is_rotated() {
                        report.lose_one("rotation of boxes (written as their bounds)");
                    }
                    ordered(s.bounds(), report)
                })
            }),
        };
        if seg_geom.is_none() && bbox_geom.is_none() && keypoints.is_none() {
            return None;
        }
        // Every object of a category that declares keypoints has them, as
        // COCO's own person annotations do (all `0,0,0`, `num_keypoints` 0,
        // when none is known): Datumaro's (CVAT's) "COCO Keypoints" import
        // and pycocotools' keypoint evaluation need both fields.
        let keypoints = keypoints.or_else(|| {
            let declared = self
                .schema_of(slot.label)
                .map_or(0, labelkit_model::KeypointSchema::len);
            (declared > 0 && !self.results).then(|| vec![0.0; 3 * declared])
        });
        let area = computed_area(seg_geom.as_ref(), bbox_geom.as_ref());
        let stored_bbox = bbox_geom
            .as_ref()
            .and_then(|b| marker("bbox").and_then(|m| crate::model::stored_box(m, b)));
        let bbox = bbox_geom.or_else(|| {
            if self.results {
                return None;
            }
            match &seg_geom {
                Some(Geometry::Mask(m)) => m.encoding.bounds(),
                Some(g) => g.bounds(),
                None => keypoints.as_ref().and_then(|k| {
                    bounds_of(
                        k.chunks_exact(3)
                            .filter(|t| t[2] > 0.0)
                            .map(|t| Point::new(t[0], t[1])),
                    )
                }),
            }
        });
        let segmentation = match seg_geom {
            Some(Geometry::Polygon(p)) => Segmentation::Polygon {
                rings: p.rings,
                odd: false,
            },
            Some(Geometry::Mask(m)) => match m.encoding {
                MaskEncoding::Coco {
                    height,
                    width,
                    counts,
                } => Segmentation::Rle {
                    height,
                    width,
                    counts,
                },
                MaskEncoding::Window { .. } => Segmentation::Absent,
            },
            // Datumaro (and so CVAT's COCO import) refuses an annotation
            // without `segmentation`; its own exporter writes `[]` for a box.
            _ if !self.results || marker("segmentation").is_some_and(|v| v.trim() == "[]") => {
                Segmentation::Empty
            }
            _ => Segmentation::Absent,
        };
        let area_text = match marker("area") {
            Some(v) if v.trim().parse::<f64>().ok() != Some(area) && is_json(v) => {
                Some(Cow::Owned(v.trim().to_owned()))
            }
            _ if self.results => None,
            _ => Some(Cow::Owned(self.area_text(area, bbox.as_ref(), report))),
        };
        let counted = keypoints
            .as_ref()
            .map(|k| k.chunks_exact(3).filter(|t| t[2] > 0.0).count() as u64);
        let num_keypoints = match marker("num_keypoints") {
            Some(v) if v.trim().parse::<u64>().ok() != counted && is_json(v) => {
                Some(Cow::Owned(v.trim().to_owned()))
            }
            _ if self.results => None,
            // pycocotools' keypoint evaluation reads `num_keypoints` of every
            // annotation of the categories evaluated, all by default.
            _ if counted.is_none() && self.keypoint_file => Some(Cow::Borrowed("0")),
            _ => counted.map(|c| Cow::Owned(c.to_string())),
        };
        let attr_marker = marker(ATTRIBUTES_MARKER).map(str::trim);
        let attributes = (occluded || !attributes.is_empty() || attr_marker.is_some()).then(|| {
            AttributeObject {
                occluded: if attr_marker == Some("\"no-occluded\"") && !occluded {
                    None
                } else {
                    Some(occluded)
                },
                attributes,
                non_scalar: Vec::new(),
            }
        });
        let mut extra: RawExtra<'d> = Vec::new();
        for (k, v) in &merged_extra {
            if k.starts_with("coco.") || ANNOTATION_KEYS.contains(&k.as_str()) {
                continue;
            }
            if is_json(v) {
                extra.push((Cow::Owned(k.clone()), Cow::Owned(v.trim().to_owned())));
            } else {
                report.lose_one("extra fields whose value is not JSON");
            }
        }
        let image = self
            .image_ids
            .get(&slot.image.0)
            .map_or(slot.image, |&id| ImageId(id));
        Some(PlannedAnnotation {
            id: self.slot_ids[i],
            image,
            label,
            category_id,
            ann: CocoAnnotation {
                id: Some(Num::U(self.slot_ids[i])),
                image_id: Some(Num::U(image.0)),
                category_id: Some(Num::I(category_id)),
                bbox: bbox.map(|b| {
                    let c = stored_bbox.unwrap_or_else(|| CocoBox::from(b));
                    vec![c.x, c.y, c.w, c.h]
                }),
                segmentation,
                area: area_text,
                iscrowd: (!self.results || crowd).then_some(Num::U(u64::from(crowd))),
                keypoints,
                num_keypoints,
                score,
                attributes,
                extra,
            },
        })
    }
}

/// The flat `[x, y, v, ...]` list of keypoints: named points go to their
/// place in the label's schema, unnamed points keep their position.
fn flat_keypoints(
    k: &labelkit_model::Keypoints,
    schema: Option<&labelkit_model::KeypointSchema>,
    report: &mut WriteReport,
) -> Vec<f64> {
    let named = k.points.iter().any(|p| p.name.is_some());
    let points: Vec<Option<&labelkit_model::Keypoint>> = match schema {
        Some(schema) if named => {
            let mut placed: Vec<Option<&labelkit_model::Keypoint>> = vec![None; schema.len()];
            for (i, p) in k.points.iter().enumerate() {
                let at = p.name.as_deref().map_or(Some(i), |n| schema.index_of(n));
                match at.and_then(|at| placed.get_mut(at)) {
                    Some(slot @ None) => *slot = Some(p),
                    _ => report.lose_one("keypoints without a place in the label's schema"),
                }
            }
            placed
        }
        _ => k.points.iter().map(Some).collect(),
    };
    let mut flat = Vec::with_capacity(points.len() * 3);
    for p in points {
        match p {
            Some(p) => flat.extend([p.x, p.y, f64::from(p.visibility.coco_code())]),
            None => flat.extend([0.0, 0.0, f64::from(Visibility::Absent.coco_code())]),
        }
    }
    flat
}

/// The dataset as COCO can hold it, written with [`Precision::Shortest`].
pub(crate) fn project(dataset: &Dataset) -> Dataset {
    let options = WriteOptions::default().precision(Precision::Shortest);
    let plan = Plan::new(dataset, &options);
    let mut out = Dataset::new();
    out.info.source_format = Some("coco".to_owned());
    out.info.extra = crate::model::owned_extra(plan.extras.clone());
    for (id, cat) in &plan.categories {
        let name = cat.name.as_deref().unwrap_or_default().to_owned();
        out.labels
            .push(crate::model::label_from(cat.clone(), *id, name));
    }
    for img in &plan.images {
        out.images.push(Image {
            id: ImageId(img.id.and_then(Num::as_u64).unwrap_or(0)),
            file_name: img.file_name.as_deref().unwrap_or_default().to_owned(),
            width: img
                .width
                .and_then(Num::as_u64)
                .and_then(|w| u32::try_from(w).ok())
                .unwrap_or(0),
            height: img
                .height
                .and_then(Num::as_u64)
                .and_then(|h| u32::try_from(h).ok())
                .unwrap_or(0),
            extra: crate::model::owned_extra(img.extra.clone()),
            ..Image::default()
        });
    }
    let mut sink = crate::model::AnnotationSink::default();
    let mut scratch = WriteReport::new();
    for i in 0..plan.len() {
        if let Some(mut p) = plan.annotation(i, &mut scratch) {
            crate::model::drop_implied_num_keypoints(&mut p.ann, plan.keypoint_file);
            sink.push(p.ann, p.id, p.image, p.label);
        }
    }
    out.annotations = sink.finish();
    out
}

/// Prints JSON into a byte buffer; the caller writes the buffer out.
struct Out {
    buf: Vec<u8>,
    precision: Precision,
    pretty: bool,
    scratch: String,
    non_finite: u64,
}

impl Out {
    fn new(capacity: usize, options: &WriteOptions) -> Self {
        Self {
            buf: Vec::with_capacity(capacity),
            precision: options.precision,
            pretty: options.pretty,
            scratch: String::new(),
            non_finite: 0,
        }
    }

    fn raw(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// Writes the buffer out once it holds at least `at` bytes.
    fn flush_if(&mut self, out: &mut (impl Write + ?Sized), at: usize) -> std::io::Result<()> {
        if self.buf.len() >= at {
            out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn string(&mut self, s: &str) {
        self.buf.push(b'"');
        let bytes = s.as_bytes();
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let esc: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0..=0x1f => b"",
                _ => continue,
            };
            self.buf.extend_from_slice(&bytes[start..i]);
            if esc.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                self.buf.extend_from_slice(b"\\u00");
                self.buf.push(HEX[usize::from(b >> 4)]);
                self.buf.push(HEX[usize::from(b & 15)]);
            } else {
                self.buf.extend_from_slice(esc);
            }
            start = i + 1;
        }
        self.buf.extend_from_slice(&bytes[start..]);
        self.buf.push(b'"');
    }

    fn number(&mut self, v: f64) {
        if v.is_finite() {
            crate::fmt::write_f64(&mut self.buf, v, self.precision, &mut self.scratch);
        } else {
            self.non_finite += 1;
            self.raw("null");
        }
    }

    fn uint(&mut self, v: u64) {
        crate::fmt::write_u64(&mut self.buf, v);
    }

    fn int(&mut self, v: i64) {
        crate::fmt::write_i64(&mut self.buf, v);
    }

    fn numbers(&mut self, values: impl IntoIterator<Item = f64>) {
        self.buf.push(b'[');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            self.number(v);
        }
        self.buf.push(b']');
    }

    /// Starts field `key` of an element (depth 1: element, inside a top-level list).
    fn key(&mut self, first: &mut bool, key: &str) {
        if !*first {
            self.buf.push(b',');
        }
        *first = false;
        if self.pretty {
            self.raw("\n      ");
        }
        self.string(key);
        self.raw(if self.pretty { ": " } else { ":" });
    }

    fn end_object(&mut self) {
        if self.pretty {
            self.raw("\n    }");
        } else {
            self.raw("}");
        }
    }

    fn extras(&mut self, first: &mut bool, extra: &RawExtra<'_>) {
        for (k, v) in extra {
            self.key(first, k);
            self.raw(v.trim());
        }
    }

    fn image(&mut self, img: &CocoImage<'_>) {
        let mut first = true;
        self.raw("{");
        self.key(&mut first, "id");
        self.uint(img.id.and_then(Num::as_u64).unwrap_or(0));
        self.key(&mut first, "width");
        self.uint(img.width.and_then(Num::as_u64).unwrap_or(0));
        self.key(&mut first, "height");
        self.uint(img.height.and_then(Num::as_u64).unwrap_or(0));
        self.key(&mut first, "file_name");
        self.string(img.file_name.as_deref().unwrap_or_default());
        self.extras(&mut first, &img.extra);
        self.end_object();
    }

    fn category(&mut self, id: i64, cat: &CocoCategory<'_>) {
        let mut first = true;
        self.raw("{");
        self.key(&mut first, "id");
        self.int(id);
        self.key(&mut first, "name");
        self.string(cat.name.as_deref().unwrap_or_default());
        if let Some(s) = &cat.supercategory {
            self.key(&mut first, "supercategory");
            self.string(s);
        }
        if let Some(names) = &cat.keypoints {
            self.key(&mut first, "keypoints");
            self.raw("[");
            for (i, n) in names.iter().enumerate() {
                if i > 0 {
                    self.raw(",");
                }
                self.string(n);
            }
            self.raw("]");
        }
        match &cat.skeleton {
            Some(Skeleton::Edges(edges)) => {
                self.key(&mut first, "skeleton");
                self.raw("[");
                for (i, (a, b)) in edges.iter().enumerate() {
                    if i > 0 {
                        self.raw(",");
                    }
                    self.raw("[");
                    self.uint(*a as u64 + 1);
                    self.raw(",");
                    self.uint(*b as u64 + 1);
                    self.raw("]");
                }
                self.raw("]");
            }
            Some(Skeleton::Raw(raw)) => {
                self.key(&mut first, "skeleton");
                self.raw(raw.trim());
            }
            None => {}
        }
        self.extras(&mut first, &cat.extra);
        self.end_object();
    }

    fn annotation(&mut self, p: &PlannedAnnotation<'_>, results: bool) {
        let a = &p.ann;
        let mut first = true;
        self.raw("{");
        if !results {
            self.key(&mut first, "id");
            self.uint(p.id);
        }
        self.key(&mut first, "image_id");
        self.uint(p.image.0);
        self.key(&mut first, "category_id");
        self.int(p.category_id);
        match &a.segmentation {
            Segmentation::Absent => {}
            Segmentation::Empty => {
                self.key(&mut first, "segmentation");
                self.raw("[]");
            }
            Segmentation::Polygon { rings, .. } => {
                self.key(&mut first, "segmentation");
                self.raw("[");
                for (i, ring) in rings.iter().enumerate() {
                    if i > 0 {
                        self.raw(",");
                    }
                    self.numbers(ring.iter().flat_map(|p| [p.x, p.y]));
                }
                self.raw("]");
            }
            Segmentation::Rle {
                height,
                width,
                counts,
            } => {
                self.key(&mut first, "segmentation");
                self.raw("{\"size\":[");
                self.uint(u64::from(*height));
                self.raw(",");
                self.uint(u64::from(*width));
                self.raw("],\"counts\":");
                match counts {
                    CocoCounts::Runs(runs) => {
                        self.raw("[");
                        for (i, r) in runs.iter().enumerate() {
                            if i > 0 {
                                self.raw(",");
                            }
                            self.uint(u64::from(*r));
                        }
                        self.raw("]");
                    }
                    CocoCounts::Compressed(s) => self.string(s),
                }
                self.raw("}");
            }
        }
        if let Some(area) = &a.area {
            self.key(&mut first, "area");
            self.raw(area.trim());
        }
        if let Some(b) = &a.bbox {
            self.key(&mut first, "bbox");
            self.numbers(b.iter().copied());
        }
        if let Some(c) = a.iscrowd {
            self.key(&mut first, "iscrowd");
            self.uint(c.as_u64().unwrap_or(0));
        }
        if let Some(k) = &a.keypoints {
            self.key(&mut first, "keypoints");
            self.numbers(k.iter().copied());
        }
        if let Some(n) = &a.num_keypoints {
            self.key(&mut first, "num_keypoints");
            self.raw(n.trim());
        }
        if let Some(s) = a.score {
            self.key(&mut first, "score");
            self.number(s);
        }
        if let Some(obj) = &a.attributes {
            self.key(&mut first, "attributes");
            self.raw("{");
            let mut inner_first = true;
            let mut sep = |out: &mut Self| {
                if !inner_first {
                    out.raw(",");
                }
                inner_first = false;
            };
            if let Some(o) = obj.occluded {
                sep(self);
                self.raw(if o {
                    "\"occluded\":true"
                } else {
                    "\"occluded\":false"
                });
            }
            for (name, value) in obj.attributes.iter() {
                sep(self);
                self.string(name);
                self.raw(":");
                match value {
                    AttributeValue::Bool(b) => self.raw(if *b { "true" } else { "false" }),
                    AttributeValue::Number(n) => self.number(*n),
                    AttributeValue::Text(t) => self.string(t),
                }
            }
            self.raw("}");
        }
        self.extras(&mut first, &a.extra);
        self.end_object();
    }

    fn list_start(&mut self, key: Option<&str>, first_top: &mut bool) {
        if let Some(key) = key {
            if !*first_top {
                self.raw(",");
            }
            *first_top = false;
            self.raw(if self.pretty { "\n  " } else { "\n" });
            self.string(key);
            self.raw(if self.pretty { ": [" } else { ":[" });
        } else {
            self.raw("[");
        }
    }

    fn item_start(&mut self, i: usize) {
        if i > 0 {
            self.raw(",");
        }
        self.raw(if self.pretty { "\n    " } else { "\n" });
    }

    fn list_end(&mut self, empty: bool) {
        if !empty {
            self.raw(if self.pretty { "\n  " } else { "\n" });
        }
        self.raw("]");
    }
}

/// Annotations formatted per parallel task.
const CHUNK: usize = 2048;

pub(crate) fn write<W: Write + ?Sized>(
    dataset: &Dataset,
    out: &mut W,
    options: &WriteOptions,
) -> Result<WriteReport, Error> {
    let io = |e: std::io::Error| Error::Io {
        path: "<output>".into(),
        error: e,
    };
    const FLUSH_AT: usize = 1 << 20;
    let plan = Plan::new(dataset, options);
    let mut report = plan.report.clone();
    let mut o = Out::new(FLUSH_AT + (1 << 16), options);
    let mut first_top = true;
    if options.results {
        o.list_start(None, &mut first_top);
    } else {
        o.raw("{");
        for (k, v) in &plan.extras {
            if !first_top {
                o.raw(",");
            }
            first_top = false;
            o.raw(if o.pretty { "\n  " } else { "\n" });
            o.string(k);
            o.raw(if o.pretty { ": " } else { ":" });
            o.raw(v.trim());
        }
        o.list_start(Some("images"), &mut first_top);
        for (i, img) in plan.images.iter().enumerate() {
            o.item_start(i);
            o.image(img);
            o.flush_if(out, FLUSH_AT).map_err(io)?;
        }
        o.list_end(plan.images.is_empty());
        report.images_written = plan.images.len() as u64;
        o.list_start(Some("annotations"), &mut first_top);
    }
    // Chunks of annotations are formatted in parallel, a batch at a time,
    // and written in order: the output does not depend on the threads.
    // Every item starts with a comma, but the first written.
    let chunks = plan.len().div_ceil(CHUNK);
    let mut written = 0u64;
    let batch = (rayon::current_num_threads() * 4).max(1);
    let mut next = 0;
    while next < chunks {
        let end = (next + batch).min(chunks);
        let parts: Vec<(Vec<u8>, WriteReport, u64, u64)> = (next..end)
            .into_par_iter()
            .map(|c| {
                let mut part = Out::new(CHUNK * 256, options);
                let mut part_report = WriteReport::new();
                let mut count = 0;
                for i in c * CHUNK..((c + 1) * CHUNK).min(plan.len()) {
                    if let Some(p) = plan.annotation(i, &mut part_report) {
                        part.item_start(1);
                        part.annotation(&p, options.results);
                        count += 1;
                    }
                }
                (part.buf, part_report, part.non_finite, count)
            })
            .collect();
        for (bytes, part_report, non_finite, count) in parts {
            report.merge(&part_report);
            o.non_finite += non_finite;
            let bytes = match bytes.strip_prefix(b",") {
                Some(rest) if written == 0 => rest,
                _ => &bytes,
            };
            o.buf.extend_from_slice(bytes);
            written += count;
            o.flush_if(out, FLUSH_AT).map_err(io)?;
        }
        next = end;
    }
    o.list_end(written == 0);
    report.annotations_written = written;
    if !options.results {
        o.list_start(Some("categories"), &mut first_top);
        for (i, (id, cat)) in plan.categories.iter().enumerate() {
            o.item_start(i);
            o.category(*id, cat);
        }
        o.list_end(plan.categories.is_empty());
        o.raw(if o.pretty { "\n}\n" } else { "}\n" });
    } else {
        o.raw("\n");
    }
    report.lose("non-finite numbers (written as null)", o.non_finite);
    o.flush_if(out, 0).map_err(io)?;
    out.flush().map_err(io)?;
    Ok(report)
}
