//! Video tracks (CVAT for video 1.1) and their expansion into per-frame
//! annotations.

use crate::attribute::Attributes;
use crate::dataset::Extra;
use crate::geometry::Geometry;
use crate::ids::{GroupId, LabelId, TrackId};

/// The state of a track on one frame, exactly as CVAT video stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackShape {
    /// Frame number.
    pub frame: u64,
    /// Whether the state was set by a person (`keyframe=1`).
    pub keyframe: bool,
    /// Whether the object has left the frame (`outside=1`): it stays hidden
    /// until a later shape with `outside=0`.
    pub outside: bool,
    /// Whether the object is occluded.
    pub occluded: bool,
    /// Drawing order.
    pub z_order: i32,
    /// Geometry on this frame. For a skeleton track the parent's shapes carry
    /// [`Geometry::Tag`] and the points live in the element tracks.
    pub geometry: Geometry,
    /// Attributes on this frame (CVAT repeats them on every shape).
    pub attributes: Attributes,
}

/// A video track: one object followed over frames.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    /// Track id.
    pub id: TrackId,
    /// Label.
    pub label: LabelId,
    /// Group linking it with other tracks or shapes.
    pub group: Option<GroupId>,
    /// Who made it.
    pub source: Option<String>,
    /// Per-frame states, in frame order.
    pub shapes: Vec<TrackShape>,
    /// For a skeleton track: one nested track per element, each holding
    /// [`Geometry::Points`] with one point per shape, labelled with the
    /// element's sub-label.
    pub elements: Vec<Track>,
    /// Format-specific fields (CVAT `task_id`, `subset`).
    pub extra: Extra,
}
