//! Which model shape fills which field of which COCO annotation: shapes of
//! one group (or a lone shape) become one slot, a further polygon of the
//! group another part of its segmentation; and the ids of the annotations.

use labelkit_model::{Geometry, GeometryKind, ImageId, LabelId};

use super::ids::fit_i32;
use super::Plan;
use crate::{IdMap, IdSet};

/// A group of shapes that becomes one COCO annotation: positions in
/// `dataset.annotations`.
#[derive(Debug)]
pub(super) struct Slot {
    pub(super) image: ImageId,
    pub(super) label: LabelId,
    pub(super) bbox: Option<usize>,
    pub(super) seg: Option<usize>,
    pub(super) keypoints: Option<usize>,
    /// Further polygons of the object (one CVAT polygon per part, grouped),
    /// merged into the segmentation as more parts, as Datumaro's COCO
    /// export merges the polygons of one group.
    pub(super) parts: Vec<usize>,
    pub(super) first: usize,
}

/// Which field of a COCO annotation a shape fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SlotKind {
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
    pub(super) fn members(&self) -> impl Iterator<Item = usize> + '_ {
        let mut m = [self.bbox, self.seg, self.keypoints];
        m.sort_unstable();
        m.into_iter().flatten().chain(self.parts.iter().copied())
    }
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

impl Plan<'_> {
    pub(super) fn plan_slots(&mut self) {
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
}
