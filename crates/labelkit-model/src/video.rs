//! What a source states about the video or task a dataset annotates.
//!
//! CVAT exports say which task (or job) they come from and which frames of
//! its video it has: `<meta>`'s `<start_frame>`, `<stop_frame>`,
//! `<frame_filter>` and `<original_size>`, and the task's `<id>`, `<mode>`,
//! `<subset>` and `<size>`. The CVAT reader fills these typed fields of
//! [`DatasetInfo`](crate::DatasetInfo); a conversion reads them (the frames
//! a video's tracks are expanded on, the size of their frame images) and the
//! CVAT writer writes them back.
//!
//! ```
//! use labelkit_model::{DatasetInfo, VideoInfo};
//!
//! let mut info = DatasetInfo::default();
//! info.video = Some(VideoInfo {
//!     start_frame: Some(10),
//!     stop_frame: Some(40),
//!     frame_step: Some(5),
//!     frame_size: Some((1920, 1080)),
//! });
//! assert_eq!(info.video.as_ref().and_then(|v| v.frame_step), Some(5));
//! ```

/// The frames of a video task and their size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VideoInfo {
    /// The task's first frame (CVAT `<start_frame>`); frame 0 when absent.
    pub start_frame: Option<u64>,
    /// The task's last frame (CVAT `<stop_frame>`): a track still visible
    /// after its last shape lasts until it.
    pub stop_frame: Option<u64>,
    /// The task takes every `frame_step`-th frame from its first (CVAT
    /// `<frame_filter>step=N</frame_filter>`, at least 1).
    pub frame_step: Option<u64>,
    /// `(width, height)` of every frame (CVAT `<original_size>`), each at
    /// least 1.
    pub frame_size: Option<(u32, u32)>,
}

impl VideoInfo {
    /// Whether nothing is stated.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The annotation task (or job, or project) a dataset was exported from;
/// its name is [`DatasetInfo::name`](crate::DatasetInfo::name).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskInfo {
    /// What the source exported: `task`, `job` or `project` for CVAT (the
    /// element `<meta>` holds).
    pub scope: Option<String>,
    /// Its id in the tool (CVAT `<id>`).
    pub id: Option<u64>,
    /// Its mode: CVAT's `annotation` (images) or `interpolation` (video).
    pub mode: Option<String>,
    /// The subset it belongs to (CVAT `<subset>`: `train`, `val`...).
    pub subset: Option<String>,
    /// Its number of frames (CVAT `<size>`).
    pub size: Option<u64>,
}

impl TaskInfo {
    /// Whether nothing is stated.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
