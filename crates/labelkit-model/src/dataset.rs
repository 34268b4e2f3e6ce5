//! Datasets, images and annotations.

use std::collections::HashMap;

use crate::attribute::Attributes;
use crate::geometry::{BoxGeom, Geometry, Point, StatedCorners};
use crate::ids::{AnnotationId, GroupId, ImageId, LabelId, TrackId};
use crate::kept::Kept;
use crate::label::LabelSet;
use crate::track::Track;
use crate::video::{TaskInfo, VideoInfo};

/// Dataset-level information.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DatasetInfo {
    /// A name for the dataset (CVAT task or project name).
    pub name: Option<String>,
    /// The format the dataset was read from (`coco`, `cvat-images`, ...).
    pub source_format: Option<String>,
    /// The round-trip fields of the format this came from, typed by that
    /// format (see [`crate::kept`]).
    pub kept: Kept,
    /// The frames of the video the dataset annotates, as its source states
    /// them (see [`crate::video`]).
    pub video: Option<VideoInfo>,
    /// The task the dataset was exported from, as its source states it.
    pub task: Option<TaskInfo>,
}

/// One image (or video frame).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Image {
    /// Image id.
    pub id: ImageId,
    /// Relative path as written in the source.
    pub file_name: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frame number in a video.
    pub frame: Option<u64>,
    /// Subset (`train`, `val`, ...).
    pub subset: Option<String>,
    /// Image-level attributes.
    pub attributes: Attributes,
    /// The id the source wrote for this image when an earlier image of the
    /// source already had it (a CVAT project export numbers the images of
    /// each task from 0): the reader gave the image the fresh [`Image::id`]
    /// instead. A writer whose format allows repeated ids writes this one
    /// back; another counts the renumbering.
    pub repeated_id: Option<u64>,
    /// The round-trip fields of the format this came from, typed by that
    /// format (see [`crate::kept`]).
    pub kept: Kept,
}

/// One shape on one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// Annotation id.
    pub id: AnnotationId,
    /// The image it belongs to.
    pub image: ImageId,
    /// Its label.
    pub label: LabelId,
    /// Its geometry, in absolute pixels.
    pub geometry: Geometry,
    /// The object's enclosing box as the source states it, for a shape that
    /// is not a box: the COCO `bbox` of a segmented annotation, whose
    /// geometry is the polygon or mask. It describes this same object and is
    /// never a shape of its own (rules do not count or compare it as one);
    /// `None` when the source states no box or the geometry is a box.
    /// Boxed: only segmented COCO annotations state one, and a shape
    /// without it pays 8 bytes instead of 48.
    pub bbox: Option<Box<BoxGeom>>,
    /// Attributes, in source order.
    pub attributes: Attributes,
    /// Whether the object is occluded.
    pub occluded: bool,
    /// Drawing order (CVAT `z_order`, may be negative).
    pub z_order: i32,
    /// Links the shapes of one object (a CVAT box and polygon drawn for one
    /// object, a COCO keypoint annotation's box or segmentation and its
    /// keypoints).
    pub group: Option<GroupId>,
    /// Who made it (`manual`, `auto`, `semi-auto`, `file`...), shared
    /// between the shapes that say the same (see [`crate::name`]).
    pub source: Option<crate::Name>,
    /// Detector confidence (COCO results, CVAT auto annotation).
    pub score: Option<f64>,
    /// COCO `iscrowd`.
    pub crowd: bool,
    /// The track this annotation was expanded from.
    pub track: Option<TrackId>,
    /// The four corners a source stated for a rotated box (a YOLO OBB row),
    /// which need not form an exact rectangle: the geometry is their
    /// [`StatedCorners::fit`], and [`Annotation::corners_as_stated`] gives
    /// them back while it still is, so that a file of corners is written
    /// with the corners it was read with. Boxed: rare, and an annotation
    /// stays small.
    pub stated_corners: Option<Box<StatedCorners>>,
    /// The round-trip fields of the format this came from, typed by that
    /// format (see [`crate::kept`]).
    pub kept: Kept,
}

impl Annotation {
    /// An annotation with defaults for everything but the essentials.
    #[must_use]
    pub fn new(id: AnnotationId, image: ImageId, label: LabelId, geometry: Geometry) -> Self {
        Self {
            id,
            image,
            label,
            geometry,
            bbox: None,
            attributes: Attributes::new(),
            occluded: false,
            z_order: 0,
            group: None,
            source: None,
            score: None,
            crowd: false,
            track: None,
            stated_corners: None,
            kept: Kept::new(),
        }
    }

    /// The corners the source stated for this box
    /// ([`Annotation::stated_corners`]), while the geometry is still the
    /// box fitted to them: `None` once anything changed the box (a flip, a
    /// resize, a move) or when the source stated none.
    #[must_use]
    pub fn corners_as_stated(&self) -> Option<[Point; 4]> {
        let stated = self.stated_corners.as_deref()?;
        match &self.geometry {
            Geometry::Box(b) if *b == stated.fit() => Some(stated.points),
            _ => None,
        }
    }
}

impl Annotation {
    /// Whether [`Annotation::bbox`] says something the geometry does not:
    /// it is set and a side differs from the geometry's bounds by more than
    /// [`crate::CLEAN_TOLERANCE`] (relative, at least 1 px scale: the noise
    /// of a box stored as `x, y, width, height`). A writer that cannot
    /// hold the stated box counts it only then.
    #[must_use]
    pub fn stated_bbox_differs(&self) -> bool {
        let Some(stated) = self.bbox.as_deref().map(BoxGeom::bounds) else {
            return false;
        };
        let Some(bounds) = self.geometry.bounds() else {
            return true;
        };
        let near = |a: f64, b: f64| {
            a == b || (a - b).abs() <= crate::CLEAN_TOLERANCE * a.abs().max(b.abs()).max(1.0)
        };
        !(near(stated.x_min, bounds.x_min)
            && near(stated.y_min, bounds.y_min)
            && near(stated.x_max, bounds.x_max)
            && near(stated.y_max, bounds.y_max))
    }
}

/// A whole dataset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dataset {
    /// Dataset-level information.
    pub info: DatasetInfo,
    /// Declared labels.
    pub labels: LabelSet,
    /// Images in source order.
    pub images: Vec<Image>,
    /// Annotations in source order.
    pub annotations: Vec<Annotation>,
    /// Video tracks.
    pub tracks: Vec<Track>,
}

impl Dataset {
    /// An empty dataset.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the per-image index. Build it once and keep it: it is O(n).
    #[must_use]
    pub fn index(&self) -> DatasetIndex {
        DatasetIndex::new(self)
    }

    /// The next free annotation id (one more than the largest in use,
    /// saturating at `u64::MAX`).
    #[must_use]
    pub fn next_annotation_id(&self) -> AnnotationId {
        AnnotationId(
            self.annotations
                .iter()
                .map(|a| a.id.0.saturating_add(1))
                .max()
                .unwrap_or(1),
        )
    }

    /// The next free group id.
    #[must_use]
    pub fn next_group_id(&self) -> GroupId {
        GroupId(
            self.annotations
                .iter()
                .filter_map(|a| a.group.map(|g| g.0 + 1))
                .chain(self.tracks.iter().filter_map(|t| t.group.map(|g| g.0 + 1)))
                .max()
                .unwrap_or(1),
        )
    }
}

/// O(1) access from an image to its position and its annotations.
#[derive(Debug, Clone, Default)]
pub struct DatasetIndex {
    image_pos: HashMap<ImageId, usize>,
    /// For each image position, the positions of its annotations.
    by_image: Vec<Vec<usize>>,
    /// Annotations whose image id matches no image.
    orphans: Vec<usize>,
}

impl DatasetIndex {
    /// Builds the index.
    #[must_use]
    pub fn new(dataset: &Dataset) -> Self {
        let mut image_pos = HashMap::with_capacity(dataset.images.len());
        for (i, image) in dataset.images.iter().enumerate() {
            image_pos.entry(image.id).or_insert(i);
        }
        let mut by_image = vec![Vec::new(); dataset.images.len()];
        let mut orphans = Vec::new();
        for (a, ann) in dataset.annotations.iter().enumerate() {
            match image_pos.get(&ann.image) {
                Some(&i) => by_image[i].push(a),
                None => orphans.push(a),
            }
        }
        Self {
            image_pos,
            by_image,
            orphans,
        }
    }

    /// The position of image `id` in [`Dataset::images`].
    #[must_use]
    pub fn image_position(&self, id: ImageId) -> Option<usize> {
        self.image_pos.get(&id).copied()
    }

    /// Positions in [`Dataset::annotations`] of the annotations on the image at
    /// position `image_pos`.
    #[must_use]
    pub fn annotations_of(&self, image_pos: usize) -> &[usize] {
        self.by_image.get(image_pos).map_or(&[], Vec::as_slice)
    }

    /// Positions of annotations whose image does not exist.
    #[must_use]
    pub fn orphans(&self) -> &[usize] {
        &self.orphans
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::{Point, Polygon};

    /// The stated box is boxed: a shape without one pays a pointer, and an
    /// annotation stays at 200 bytes (it was 240 with the box inline).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn an_annotation_without_a_stated_box_pays_a_pointer_for_it() {
        use std::mem::size_of;
        assert_eq!(size_of::<Option<Box<BoxGeom>>>(), 8);
        assert_eq!(size_of::<BoxGeom>(), 40);
        assert_eq!(size_of::<Annotation>(), 200);
    }

    #[test]
    fn a_stated_box_differs_only_beyond_float_noise() {
        let polygon = Geometry::Polygon(Polygon {
            rings: vec![vec![
                Point::new(38.08, 110.95),
                Point::new(212.79, 110.95),
                Point::new(212.79, 285.66),
            ]],
        });
        let mut a = Annotation::new(AnnotationId(1), ImageId(1), LabelId(0), polygon);
        assert!(!a.stated_bbox_differs(), "no stated box");
        // x + w of COCO's [38.08, 110.95, 174.71, 174.71] is
        // 212.79000000000002: the same box.
        a.bbox = Some(Box::new(BoxGeom::from_xyxy(
            38.08,
            110.95,
            38.08 + 174.71,
            110.95 + 174.71,
        )));
        assert!(!a.stated_bbox_differs());
        a.bbox = Some(Box::new(BoxGeom::from_xyxy(38.08, 110.95, 212.8, 285.66)));
        assert!(a.stated_bbox_differs());
        a.geometry = Geometry::Tag;
        assert!(
            a.stated_bbox_differs(),
            "a box with no shape to recompute it from"
        );
    }
}
