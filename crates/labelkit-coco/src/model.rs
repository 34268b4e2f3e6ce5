//! From COCO elements to the model: the one conversion both the reader and
//! [`crate::project`] use.
//!
//! How a COCO annotation maps to the model is described in the crate
//! documentation ("Mapping of a COCO annotation to model shapes").

use std::borrow::Cow;

use labelkit_model::geometry::CocoBox;
use labelkit_model::rle::MaskEncoding;
use labelkit_model::{
    Annotation, AnnotationId, BoxGeom, Geometry, GroupId, ImageId, Kept, Keypoint, KeypointSchema,
    Keypoints, Label, LabelId, Mask, Polygon, Visibility,
};

use crate::elements::{CocoAnnotation, CocoCategory, RawExtra, Segmentation, Skeleton};
use crate::fields::{
    AttributesForm, CocoAnnotationFields, CocoCategoryFields, CocoDatasetFields, CocoImageFields,
    RawFields, StatedNumber,
};

/// The kept fields of a dataset's other top-level keys.
pub(crate) fn dataset_kept<K: AsRef<str>, V: AsRef<str>>(
    keys: impl IntoIterator<Item = (K, V)>,
) -> Kept {
    RawFields::from_pairs(keys)
        .map_or_else(Kept::new, |keys| Kept::with(CocoDatasetFields::new(keys)))
}

/// The kept fields of an image's other keys.
pub(crate) fn image_kept(extra: &RawExtra<'_>) -> Kept {
    RawFields::from_pairs(extra.iter().map(|(k, v)| (k, v)))
        .map_or_else(Kept::new, |keys| Kept::with(CocoImageFields::new(keys)))
}

/// The label of a category, given its resolved id and name.
pub(crate) fn label_from(cat: CocoCategory<'_>, id: i64, name: String) -> Label {
    let mut kept = CocoCategoryFields {
        keys: RawFields::from_pairs(cat.extra.iter().map(|(k, v)| (k, v))),
        skeleton: None,
    };
    let keypoints = if cat.keypoints.is_some() || cat.skeleton.is_some() {
        let names = cat.keypoints.unwrap_or_default();
        let mut schema = KeypointSchema::from_names(names.into_iter().map(Cow::into_owned));
        match cat.skeleton {
            Some(Skeleton::Edges(edges)) => schema.edges = edges,
            Some(Skeleton::Raw(raw)) => kept.skeleton = Some(raw.trim().into()),
            None => {}
        }
        Some(schema)
    } else {
        None
    };
    let kept = if kept == CocoCategoryFields::default() {
        Kept::new()
    } else {
        Kept::with(kept)
    };
    Label {
        name,
        source_id: Some(id),
        supercategory: cat.supercategory.map(Cow::into_owned),
        keypoints,
        kept,
        ..Label::default()
    }
}

/// The visibility of a COCO `v`, and whether it was one of 0, 1, 2.
pub(crate) fn visibility(v: f64) -> (Visibility, bool) {
    if v == 0.0 {
        (Visibility::Absent, true)
    } else if v == 1.0 {
        (Visibility::Occluded, true)
    } else if v == 2.0 {
        (Visibility::Visible, true)
    } else if v > 0.0 {
        (Visibility::Visible, false)
    } else {
        (Visibility::Absent, false)
    }
}

/// The area the writer computes for an object: the segmentation's, else the
/// box's, else 0.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn computed_area(seg: Option<&Geometry>, bbox: Option<&BoxGeom>) -> f64 {
    match (seg, bbox) {
        (Some(Geometry::Polygon(p)), _) => p.area(),
        (Some(Geometry::Mask(m)), _) => m.encoding.pixel_count() as f64,
        (_, Some(b)) => b.area(),
        _ => 0.0,
    }
}

/// Whether two COCO boxes hold the same numbers (NaN equal to NaN).
pub(crate) fn same_box(a: CocoBox, b: CocoBox) -> bool {
    let eq = |x: f64, y: f64| x.to_bits() == y.to_bits() || x == y;
    eq(a.x, b.x) && eq(a.y, b.y) && eq(a.w, b.w) && eq(a.h, b.h)
}

/// The box written for `geometry` when it was read from a `bbox` whose
/// width and height were `size`: that `bbox` if it gives `geometry` back.
pub(crate) fn stated_box(size: [f64; 2], geometry: &BoxGeom) -> Option<CocoBox> {
    let stated = CocoBox {
        x: geometry.x_min,
        y: geometry.y_min,
        w: size[0],
        h: size[1],
    };
    let back = BoxGeom::from(stated);
    let eq = |a: f64, b: f64| a.to_bits() == b.to_bits() || a == b;
    (eq(back.x_max, geometry.x_max) && eq(back.y_max, geometry.y_max)).then_some(stated)
}

/// Drops `num_keypoints: 0` from an annotation without `keypoints` in a
/// file where a category declares keypoints (`keypoint_file`): the writer
/// gives it to every annotation there (pycocotools' keypoint evaluation
/// reads it of every category), so it is no field of the object's own.
pub(crate) fn drop_implied_num_keypoints(ann: &mut CocoAnnotation<'_>, keypoint_file: bool) {
    if keypoint_file && states_implied_num_keypoints(ann) {
        ann.num_keypoints = None;
    }
}

/// Whether an annotation states `num_keypoints: 0` without `keypoints`,
/// which [`drop_implied_num_keypoints`] drops in a keypoint file.
pub(crate) fn states_implied_num_keypoints(ann: &CocoAnnotation<'_>) -> bool {
    let zero = ann
        .num_keypoints
        .as_ref()
        .is_some_and(|n| n.trim().parse::<u64>().ok() == Some(0));
    zero && ann.keypoints.is_none()
}

/// What a conversion noticed, for the reader to report.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Noticed {
    /// Shapes made.
    pub(crate) members: usize,
    /// A visibility other than 0, 1, 2.
    pub(crate) bad_visibility: bool,
    /// A non-finite coordinate.
    pub(crate) non_finite: bool,
}

/// Collects the model annotations of COCO annotations and gives the derived
/// shapes their ids at the end.
#[derive(Debug, Default)]
pub(crate) struct AnnotationSink {
    pub(crate) annotations: Vec<Annotation>,
    derived: Vec<usize>,
    max_id: u64,
}

impl AnnotationSink {
    /// Converts one COCO annotation with its resolved id, image and label.
    pub(crate) fn push(
        &mut self,
        ann: CocoAnnotation<'_>,
        id: u64,
        image: ImageId,
        label: LabelId,
    ) -> Noticed {
        let before = self.annotations.len();
        let noticed = convert(ann, id, image, label, &mut self.annotations);
        self.record(id, before);
        noticed
    }

    /// Notes the shapes from position `first` on, all made from COCO
    /// annotation `id` by [`convert`]: the ones after the first are derived.
    pub(crate) fn record(&mut self, id: u64, first: usize) {
        if self.annotations.len() > first {
            self.max_id = self.max_id.max(id);
            self.derived.extend(first + 1..self.annotations.len());
        }
    }

    /// The annotations, with the derived shapes numbered above the largest
    /// COCO id.
    pub(crate) fn finish(mut self) -> Vec<Annotation> {
        let mut next = self.max_id;
        for &i in &self.derived {
            next = next.saturating_add(1);
            if let Some(a) = self.annotations.get_mut(i) {
                a.id = AnnotationId(next);
            }
        }
        self.annotations
    }
}

/// Converts one COCO annotation with its resolved id, image and label to
/// its shapes, appended to `out`; [`AnnotationSink::record`] then notes the
/// shapes after the first, which get fresh ids at the end.
#[allow(clippy::too_many_lines)]
pub(crate) fn convert(
    ann: CocoAnnotation<'_>,
    id: u64,
    image: ImageId,
    label: LabelId,
    out: &mut Vec<Annotation>,
) -> Noticed {
    let mut noticed = Noticed::default();
    let crowd = ann.iscrowd.is_some_and(|n| n.as_f64() != 0.0);
    let mut kept = CocoAnnotationFields::default();
    if !ann.extra.is_empty() {
        kept.set_unknown(RawFields::from_pairs(ann.extra.iter().map(|(k, v)| (k, v))));
    }
    let (occluded, attributes) = match ann.attributes {
        Some(obj) => {
            match obj.occluded {
                None => kept.set_attributes_form(AttributesForm::NoOccluded),
                Some(false) if obj.attributes.is_empty() => {
                    kept.set_attributes_form(AttributesForm::Present);
                }
                Some(_) => {}
            }
            (obj.occluded.unwrap_or(false), obj.attributes)
        }
        None => (false, labelkit_model::Attributes::new()),
    };

    let bbox = ann.bbox.and_then(|b| b.four()).map(|[x, y, w, h]| {
        let stored = CocoBox { x, y, w, h };
        let geometry = BoxGeom::from(stored);
        if !same_box(CocoBox::from(geometry), stored) {
            kept.bbox_size = Some([w, h]);
        }
        geometry
    });
    let seg = match ann.segmentation {
        Segmentation::Polygon { rings, .. } => Some(Geometry::Polygon(Polygon { rings })),
        Segmentation::Rle {
            height,
            width,
            counts,
        } => Some(Geometry::Mask(Mask {
            encoding: MaskEncoding::Coco {
                height,
                width,
                counts,
            },
        })),
        Segmentation::Empty => {
            kept.set_empty_segmentation(true);
            None
        }
        Segmentation::Absent => None,
    };
    let keypoints = ann.keypoints.map(|flat| {
        let points = flat
            .chunks_exact(3)
            .map(|t| {
                let (visibility, ok) = visibility(t[2]);
                noticed.bad_visibility |= !ok;
                Keypoint {
                    name: None,
                    x: t[0],
                    y: t[1],
                    visibility,
                }
            })
            .collect();
        Keypoints { points }
    });

    let area = computed_area(seg.as_ref(), bbox.as_ref());
    if let Some(stored) = ann.area {
        if stored.trim().parse::<f64>().ok() != Some(area) {
            kept.area = Some(StatedNumber::from_text(&stored));
        }
    }
    if let Some(stored) = ann.num_keypoints {
        let counted = keypoints.as_ref().map(|k| k.num_labelled() as u64);
        if counted.is_none() || stored.trim().parse::<u64>().ok() != counted {
            kept.set_num_keypoints(Some(StatedNumber::from_text(&stored)));
        }
    }

    // One object: the segmentation is its geometry and keeps the stated
    // `bbox`; without a segmentation the box is the geometry. Keypoints
    // are a second shape of the object, in its group.
    let (primary, stated) = match seg {
        Some(seg) => (Some(seg), bbox),
        None => (bbox.map(Geometry::Box), None),
    };
    let keypoints = keypoints.map(|k| (Geometry::Keypoints(k), None));
    let (first, second) = match primary {
        Some(g) => (Some((g, stated)), keypoints),
        None => (keypoints, None),
    };
    noticed.members = usize::from(first.is_some()) + usize::from(second.is_some());
    let group = second.is_some().then_some(GroupId(id));
    let mut kept = (!kept.is_empty()).then(|| Kept::with(kept));
    let mut attributes = Some(attributes);
    for (i, (geometry, bbox)) in first.into_iter().chain(second).enumerate() {
        noticed.non_finite |= !geometry.is_finite()
            || bbox.is_some_and(|b| {
                ![b.x_min, b.y_min, b.x_max, b.y_max]
                    .iter()
                    .all(|v| v.is_finite())
            });
        out.push(Annotation {
            id: AnnotationId(id),
            image,
            label,
            geometry,
            bbox: bbox.map(Box::new),
            // The last shape takes the attributes, the others a copy.
            attributes: if i + 1 == noticed.members {
                attributes.take().unwrap_or_default()
            } else {
                attributes.clone().unwrap_or_default()
            },
            occluded,
            z_order: 0,
            group,
            source: None,
            score: ann.score,
            crowd,
            track: None,
            stated_corners: None,
            kept: kept.take().unwrap_or_default(),
        });
    }
    noticed
}
