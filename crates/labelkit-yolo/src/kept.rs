//! YOLO's round-trip fields: what a YOLO dataset states that the model has
//! no field for, kept by the reader in the model's typed slot
//! ([`labelkit_model::Kept`]) so that the writer and [`crate::project`] give
//! it back. No other format reads them.

use labelkit_model::Kept;

/// The dataset-level round-trip fields of YOLO, kept in
/// [`DatasetInfo::kept`](labelkit_model::DatasetInfo::kept).
///
/// ```
/// use labelkit_model::DatasetInfo;
/// use labelkit_yolo::YoloInfo;
///
/// let mut info = DatasetInfo::default();
/// info.kept.get_or_default::<YoloInfo>().kpt_shape = Some((17, 2));
/// assert_eq!(info.kept.get::<YoloInfo>().and_then(|y| y.kpt_shape), Some((17, 2)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct YoloInfo {
    /// The `kpt_shape` of a pose dataset as read: keypoints per row and
    /// values per keypoint (2 or 3). The writer writes pose rows with as
    /// many values per keypoint unless
    /// [`WriteOptions::keypoint_dims`](crate::WriteOptions::keypoint_dims)
    /// says otherwise.
    pub kpt_shape: Option<(usize, usize)>,
}

impl YoloInfo {
    /// The slot of a dataset whose pose rows have `kpt_shape`: empty when
    /// it has none (not pose), as the reader and [`crate::project`] leave it.
    pub(crate) fn kept(kpt_shape: Option<(usize, usize)>) -> Kept {
        kpt_shape.map_or_else(Kept::new, |k| Kept::with(Self { kpt_shape: Some(k) }))
    }
}
