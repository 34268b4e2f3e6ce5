//! Identifier newtypes.
//!
//! Image, annotation, track and group ids keep the value they had in the
//! source file (COCO ids are arbitrary 64-bit integers, CVAT ids are indices),
//! so a round trip keeps them. A [`LabelId`] is different: it is the position
//! of a label inside the dataset's [`crate::LabelSet`]; the label's id in the
//! source format (COCO category id, YOLO class index) is kept on the label.

use std::fmt;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident($inner:ty)) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl From<$inner> for $name {
            fn from(value: $inner) -> Self {
                Self(value)
            }
        }
    };
}

id_type!(
    /// Identifies an image; the id of the source file where it has one.
    ImageId(u64)
);
id_type!(
    /// Identifies an annotation; the id of the source file where it has one.
    AnnotationId(u64)
);
id_type!(
    /// Identifies a video track (CVAT `<track id>`).
    TrackId(u64)
);
id_type!(
    /// Links the shapes of one object: a COCO annotation's box, polygon and
    /// keypoints, or CVAT shapes sharing a `group_id`.
    GroupId(u64)
);
id_type!(
    /// Position of a label in the dataset's [`crate::LabelSet`].
    LabelId(u32)
);

impl LabelId {
    /// The index of this label in [`crate::LabelSet::labels`].
    #[must_use]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
