//! The canonical label model of labelkit.
//!
//! Every format crate reads into and writes from the types of this crate, so
//! a conversion between two formats is always `read -> Dataset -> write`. The
//! model is as rich as the richest format we support (CVAT 1.1): rotated
//! boxes, multi-ring polygons, polylines, points, keypoints with COCO
//! visibility, masks, ellipses, cuboids, tags and video tracks. A format that
//! cannot hold something says so in a [`WriteReport`] rather than dropping it
//! silently.
//!
//! Main types:
//! - [`Dataset`]: images, annotations, tracks and the [`LabelSet`];
//! - [`Geometry`]: every shape kind, in absolute pixels with the origin at
//!   the top-left corner of the image;
//! - [`KeypointSchema`]: ordered point names, skeleton edges and left/right
//!   pairs, from which a YOLO `flip_idx` is derived;
//! - [`Track`]: CVAT video tracks, expanded into per-frame annotations by
//!   [`track::expand_tracks`] with CVAT's interpolation;
//! - [`rle`]: COCO and CVAT run-length mask encodings and the compressed
//!   COCO counts string, bit-compatible with pycocotools.
//! - [`VideoInfo`] and [`TaskInfo`] ([`DatasetInfo::video`],
//!   [`DatasetInfo::task`]): the frames of the video and the task a source
//!   states (CVAT `<meta>`).
//!
//! One [`Annotation`] is one shape; the shapes of one object share a
//! [`GroupId`] (a CVAT box and skeleton, a COCO keypoint annotation's
//! polygon and keypoints). A polygon or mask may also carry
//! [`Annotation::bbox`], the box its source states for the object (a COCO
//! `bbox`): it describes that same object and is never a shape of its own,
//! so rules do not count or compare it as one; writers use it where the
//! target needs a box (COCO `bbox`, YOLO detect rows) and count it where
//! the target cannot hold it. It is boxed (`Option<Box<BoxGeom>>`), as are
//! [`Annotation::stated_corners`] and [`Geometry::Cuboid`]: rare parts live
//! on the heap so that an annotation stays 200 bytes at a million shapes.
//!
//! The model holds no file positions: readers record where each image and
//! annotation came from in a span table that lives beside the dataset (see
//! `labelkit-diagnostics`).
//!
//! ```
//! use labelkit_model::{BoxGeom, geometry::CocoBox};
//!
//! let b = BoxGeom::from_xyxy(10.0, 20.0, 13.0, 23.0);
//! assert_eq!(b.width(), 3.0);
//! let coco = CocoBox::from(b);
//! assert_eq!((coco.x, coco.y, coco.w, coco.h), (10.0, 20.0, 3.0, 3.0));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod attribute;
pub mod dataset;
pub mod geometry;
pub mod ids;
pub mod kept;
pub mod label;
pub mod name;
pub mod number;
pub mod report;
pub mod rle;
pub mod track;
pub mod video;

pub use attribute::{AttributeValue, Attributes};
pub use dataset::{Annotation, Dataset, DatasetIndex, DatasetInfo, Image};
pub use geometry::{
    BoxGeom, Cuboid, Ellipse, Geometry, GeometryKind, Keypoint, Keypoints, Mask, Point, Points,
    Polygon, Polyline, StatedCorners, Visibility,
};
pub use ids::{AnnotationId, GroupId, ImageId, LabelId, TrackId};
pub use kept::{Kept, KeptFields, KeptValue};
pub use label::{
    children_by_parent, AttributeSpec, InputType, KeypointSchema, Label, LabelIndex, LabelSet,
};
pub use name::{intern, Name};
pub use number::{
    clean as clean_number, clean_with_digits, shortest_decimal_within, Precision,
    CLEAN_KEPT_DIGITS, CLEAN_TOLERANCE,
};
pub use report::{loss_kind, LossKind, Strictness, WriteReport};
pub use track::{expand_tracks, ExpandOptions, PointsInterpolation, Track, TrackShape};
pub use video::{TaskInfo, VideoInfo};
