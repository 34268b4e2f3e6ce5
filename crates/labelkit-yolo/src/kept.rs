//! YOLO's round-trip fields: what a YOLO dataset states that the model has
//! no field for, kept by the reader in the model's typed slot
//! ([`labelkit_model::Kept`]) so that the writer and [`crate::project`] give
//! it back. No other format reads them.

use labelkit_model::{Kept, KeptValue};

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
    /// The number of decimals every coordinate of the source was written
    /// with, when they all have the same (a fixed-point writer: Datumaro's
    /// and CVAT's YOLO exports print `%.6f`); never for pose, whose
    /// visibility column is an integer. The writer at its default precision
    /// prints its numbers so, and a copy keeps every value's text
    /// (`0.300000` stays `0.300000`).
    pub fixed_decimals: Option<u32>,
}

/// Both fields state only the form YOLO's rows were written in; another
/// format states the same keypoints and coordinates its own way, and its
/// writer does not count them as lost.
impl KeptValue for YoloInfo {
    fn is_material(&self) -> bool {
        false
    }
}

impl YoloInfo {
    /// The slot of a dataset whose pose rows have `kpt_shape` and whose
    /// values all have `fixed_decimals`: empty when it has neither, as the
    /// reader and [`crate::project`] leave it.
    pub(crate) fn kept(kpt_shape: Option<(usize, usize)>, fixed_decimals: Option<u32>) -> Kept {
        if kpt_shape.is_none() && fixed_decimals.is_none() {
            return Kept::new();
        }
        Kept::with(Self {
            kpt_shape,
            fixed_decimals,
        })
    }

    /// The fields a dataset keeps, when it came from YOLO.
    pub(crate) fn of(dataset: &labelkit_model::Dataset) -> Option<&Self> {
        dataset.info.kept.get::<Self>()
    }
}
