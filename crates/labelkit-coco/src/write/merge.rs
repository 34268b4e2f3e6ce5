//! One COCO annotation from the shapes of its slot: the object-level fields
//! merged, the geometry of each field, the derived box, area and counts.

use std::borrow::Cow;

use labelkit_model::geometry::{bounds_of, CocoBox};
use labelkit_model::rle::{encode_counts_string, CocoCounts, MaskEncoding};
use labelkit_model::{
    Annotation, Attributes, BoxGeom, Geometry, ImageId, LabelId, Point, Visibility, WriteReport,
};

use super::keys::{coco_fields, is_json, ANNOTATION_KEYS};
use super::Plan;
use crate::elements::{AttributeObject, BboxValues, CocoAnnotation, RawExtra, Segmentation};
use crate::fields::{AttributesForm, CocoAnnotationFields, RawFields, StatedNumber};
use crate::json::Num;
use crate::model::computed_area;

/// One planned COCO annotation.
#[derive(Debug)]
pub(super) struct PlannedAnnotation<'d> {
    pub(super) id: u64,
    pub(super) image: ImageId,
    /// The label in the written label set.
    pub(super) label: LabelId,
    pub(super) category_id: i64,
    pub(super) ann: CocoAnnotation<'d>,
}

impl<'d> Plan<'d> {
    /// The JSON text of a computed area. A non-finite area (a shape with
    /// non-finite or overflowing coordinates) is not JSON: it is recomputed
    /// from the written bbox where that is finite, else written as `null`
    /// (read back as a non-finite value), and counted either way.
    pub(super) fn area_text(
        &self,
        area: f64,
        bbox: Option<&BoxGeom>,
        report: &mut WriteReport,
    ) -> String {
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

    /// Plans annotation `i` (in `0..self.len()`); `None` when nothing of it
    /// can be written: its only shape is a mask the writer could not
    /// convert (counted in `report` as such) and that states no box (with
    /// one, the box is written), and an annotation without
    /// geometry would be rejected on reading.
    #[allow(clippy::too_many_lines)]
    pub(super) fn annotation(
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
        // The members' kept COCO fields, in order: the first that states
        // a field gives it; other keys are merged, the first of a name
        // kept.
        let mut kept: Vec<&'d CocoAnnotationFields> = Vec::new();
        let mut keys: Vec<(Cow<'d, str>, &'d str)> = Vec::new();
        for m in self.members(i) {
            let a: &'d Annotation = &anns[m];
            if let Some(fields) = coco_fields::<CocoAnnotationFields>(&a.kept, report) {
                kept.push(fields);
                let pairs = fields.unknown().map(RawFields::pairs).unwrap_or_default();
                keys.extend(pairs);
            }
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
        let first_stated = |get: fn(&'d CocoAnnotationFields) -> Option<&'d StatedNumber>| {
            kept.iter().find_map(|&f| get(f))
        };

        // A box drawn with its corners swapped (CVAT `xbr < xtl`) covers
        // the same pixels: written in order, never with a negative size.
        let ordered = |b: BoxGeom, report: &mut WriteReport| {
            if b.is_inverted() {
                report.lose_one("inverted boxes (written with their corners in order)");
            }
            b.ordered()
        };
        let bbox_geom = slot.bbox().and_then(|m| match &anns[m].geometry {
            Geometry::Box(b) => {
                if b.is_rotated() {
                    report.lose_one("rotation of boxes (written as their bounds)");
                }
                Some(ordered(b.bounds(), report))
            }
            _ => None,
        });
        let seg_geom: Option<Geometry> = slot.seg().and_then(|m| match &anns[m].geometry {
            Geometry::Polygon(p) => {
                let mut p = p.clone();
                for part in self.parts_of(i) {
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
        let keypoints: Option<Vec<f64>> = slot.keypoints().and_then(|m| match &anns[m].geometry {
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
        let stated = slot.seg().and_then(|m| anns[m].bbox.as_ref());
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
        let stated_box = bbox_geom.as_ref().and_then(|b| {
            let size = kept.iter().find_map(|f| f.bbox_size)?;
            crate::model::stated_box(size, b)
        });
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
            _ if !self.results || kept.iter().any(|f| f.empty_segmentation()) => {
                Segmentation::Empty
            }
            _ => Segmentation::Absent,
        };
        let area_text = match first_stated(|f| f.area.as_ref()) {
            Some(v) if v.parsed_f64() != Some(area) && is_json(&v.text()) => Some(v.text()),
            _ if self.results => None,
            _ => Some(Cow::Owned(self.area_text(area, bbox.as_ref(), report))),
        };
        let counted = keypoints
            .as_ref()
            .map(|k| k.chunks_exact(3).filter(|t| t[2] > 0.0).count() as u64);
        let num_keypoints = match first_stated(CocoAnnotationFields::num_keypoints) {
            Some(v) if v.parsed_u64() != counted && is_json(&v.text()) => Some(v.text()),
            _ if self.results => None,
            // pycocotools' keypoint evaluation reads `num_keypoints` of every
            // annotation of the categories evaluated, all by default.
            _ if counted.is_none() && self.keypoint_file => Some(Cow::Borrowed("0")),
            _ => counted.map(|c| Cow::Owned(c.to_string())),
        };
        let form = kept
            .iter()
            .map(|f| f.attributes_form())
            .find(|&f| f != AttributesForm::Usual)
            .unwrap_or_default();
        let stated_form = form != AttributesForm::Usual;
        let attributes =
            (occluded || !attributes.is_empty() || stated_form).then(|| AttributeObject {
                occluded: if form == AttributesForm::NoOccluded && !occluded {
                    None
                } else {
                    Some(occluded)
                },
                attributes,
                non_scalar: Vec::new(),
            });
        let mut extra: RawExtra<'d> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (k, v) in &keys {
            if seen.insert(k.as_ref())
                && !k.starts_with("coco.")
                && !ANNOTATION_KEYS.contains(&k.as_ref())
            {
                extra.push((k.clone(), Cow::Borrowed(v.trim())));
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
                    let c = stated_box.unwrap_or_else(|| CocoBox::from(b));
                    BboxValues::new([c.x, c.y, c.w, c.h])
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
pub(super) fn flat_keypoints(
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
