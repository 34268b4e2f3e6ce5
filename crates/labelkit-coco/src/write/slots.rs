//! Which model shape fills which field of which COCO annotation: shapes of
//! one group (or a lone shape) become one slot, a further polygon of the
//! group another part of its segmentation; and the ids of the annotations.

use labelkit_model::{Geometry, GeometryKind, ImageId, LabelId};

use super::ids::fit_i32;
use super::Plan;
use crate::{IdMap, IdSet};

/// A group of shapes that becomes one COCO annotation: positions in
/// `dataset.annotations`, as `u32` (24 bytes a slot: a plan holds one per
/// COCO annotation). Further polygons of the group (its segmentation's
/// other parts) are in [`Plan::parts`], as few slots have them.
#[derive(Debug)]
pub(super) struct Slot {
    pub(super) image: ImageId,
    pub(super) label: LabelId,
    /// The shapes in the `bbox`, `segmentation` and `keypoints` fields, in
    /// [`SlotKind`] order; [`NONE`] for an empty field.
    fields: [u32; 3],
}

/// An empty field of a [`Slot`]; shapes at this position or beyond are not
/// planned (see [`BEYOND_POSITIONS`]).
const NONE: u32 = u32::MAX;

/// The report line of shapes at positions a slot cannot hold (more than
/// 4,294,967,295 shapes in one dataset).
const BEYOND_POSITIONS: &str = "shapes beyond the 4,294,967,295th (the COCO writer's limit)";

/// Which field of a COCO annotation a shape fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SlotKind {
    /// `bbox`: a box.
    Bbox = 0,
    /// `segmentation`: a polygon or mask.
    Segmentation = 1,
    /// `keypoints`.
    Keypoints = 2,
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
    fn new(image: ImageId, label: LabelId, kind: SlotKind, pos: u32) -> Self {
        let mut fields = [NONE; 3];
        fields[kind as usize] = pos;
        Slot {
            image,
            label,
            fields,
        }
    }
    fn field(&self, kind: SlotKind) -> Option<usize> {
        let pos = self.fields[kind as usize];
        (pos != NONE).then_some(pos as usize)
    }
    /// The shape in the `bbox` field.
    pub(super) fn bbox(&self) -> Option<usize> {
        self.field(SlotKind::Bbox)
    }
    /// The shape in the `segmentation` field.
    pub(super) fn seg(&self) -> Option<usize> {
        self.field(SlotKind::Segmentation)
    }
    /// The shape in the `keypoints` field.
    pub(super) fn keypoints(&self) -> Option<usize> {
        self.field(SlotKind::Keypoints)
    }
    fn free(&self, kind: SlotKind) -> bool {
        self.fields[kind as usize] == NONE
    }
    fn set(&mut self, kind: SlotKind, pos: u32) {
        self.fields[kind as usize] = pos;
    }
    /// The shape that opened the slot: the first of its fields, as shapes
    /// join in the order of `dataset.annotations` (parts come later still).
    fn first(&self) -> usize {
        self.fields.iter().copied().min().unwrap_or(NONE) as usize
    }
    /// The fields' shapes in order of position.
    fn sorted_fields(&self) -> impl Iterator<Item = usize> {
        let mut m = self.fields;
        m.sort_unstable();
        m.into_iter().filter(|&p| p != NONE).map(|p| p as usize)
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
    /// The shapes of slot `i`: its fields' in order of position, then its
    /// further parts.
    pub(super) fn members(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.slots[i].sorted_fields().chain(self.parts_of(i))
    }

    /// The further polygons of slot `i` (see [`Plan::parts`]).
    pub(super) fn parts_of(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        u32::try_from(i)
            .ok()
            .and_then(|i| self.parts.get(&i))
            .into_iter()
            .flatten()
            .map(|&p| p as usize)
    }

    pub(super) fn plan_slots(&mut self) {
        let mut open: IdMap<(ImageId, u64), Vec<u32>> = IdMap::default();
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
            // Slots and their fields are `u32` positions: checked, with
            // NONE (u32::MAX) reserved for an empty field.
            let (Some(pos32), Ok(next_slot)) = (
                u32::try_from(pos).ok().filter(|&p| p != NONE),
                u32::try_from(self.slots.len()),
            ) else {
                self.report.lose_one(BEYOND_POSITIONS);
                continue;
            };
            let existing = a.group.and_then(|g| {
                open.get(&(a.image, g.0)).and_then(|list| {
                    list.iter().copied().find(|&s| {
                        let slot = &self.slots[s as usize];
                        slot.label == a.label && slot.free(kind)
                    })
                })
            });
            if let Some(s) = existing {
                self.slots[s as usize].set(kind, pos32);
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
                        let slot = &self.slots[s as usize];
                        slot.label == a.label && slot.seg().is_some_and(is_polygon)
                    })
                })
            });
            if let Some(s) = part_of {
                self.parts.entry(s).or_default().push(pos32);
                continue;
            }
            if let Some(g) = a.group {
                let list = open.entry((a.image, g.0)).or_default();
                if !list.is_empty() {
                    self.report
                        .lose_one("groups split into several COCO annotations");
                }
                list.push(next_slot);
            }
            self.slots.push(Slot::new(a.image, a.label, kind, pos32));
        }
        drop(open);
        self.plan_slot_ids();
    }

    /// Ids: the first shape's id, unless an earlier slot took it; then one
    /// above the largest id taken, in slot order.
    fn plan_slot_ids(&mut self) {
        let anns = &self.dataset.annotations;
        let mut used: IdSet<u64> = IdSet::default();
        used.reserve(self.slots.len());
        let mut ids: Vec<u64> = Vec::with_capacity(self.slots.len());
        // Slots whose first shape's id was taken: few, filled in below.
        let mut taken: Vec<usize> = Vec::new();
        let mut next = 0;
        for (i, slot) in self.slots.iter().enumerate() {
            let id = anns[slot.first()].id.0;
            if used.insert(id) {
                next = next.max(id);
            } else {
                taken.push(i);
            }
            ids.push(id);
        }
        drop(used);
        for i in taken {
            next = next.saturating_add(1);
            ids[i] = next;
        }
        self.slot_ids = ids;
        if !self.results {
            let renumbered = fit_i32(&mut self.slot_ids);
            self.report
                .lose("annotation ids beyond 32 bits renumbered", renumbered);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_takes_24_bytes_and_knows_its_first_shape() {
        // One slot per COCO annotation is held for the whole write: 840,108
        // at train2017 scale, 20 MiB at 24 bytes (96 before).
        assert_eq!(std::mem::size_of::<Slot>(), 24);
        let mut slot = Slot::new(ImageId(7), LabelId(2), SlotKind::Segmentation, 5);
        assert_eq!(
            (slot.bbox(), slot.seg(), slot.keypoints()),
            (None, Some(5), None)
        );
        assert!(slot.free(SlotKind::Bbox) && !slot.free(SlotKind::Segmentation));
        slot.set(SlotKind::Keypoints, 9);
        slot.set(SlotKind::Bbox, 6);
        assert_eq!(slot.first(), 5);
        assert_eq!(slot.sorted_fields().collect::<Vec<_>>(), [5, 6, 9]);
    }
}
