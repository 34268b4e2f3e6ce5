//! Where each image, annotation and track of a dataset came from.

use crate::source::{ByteSpan, FileId};

/// A span in a particular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SourceSpan {
    /// The file.
    pub file: FileId,
    /// The bytes.
    pub span: ByteSpan,
}

/// Positions of a dataset's parts, parallel to the dataset's vectors: entry
/// `i` of `images` is where `dataset.images[i]` was read from, and so on.
///
/// Positional rather than keyed by id, because ids may repeat in a broken
/// file and each copy needs its own position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanTable {
    /// Where each image was declared.
    pub images: Vec<Option<SourceSpan>>,
    /// Where each annotation was declared.
    pub annotations: Vec<Option<SourceSpan>>,
    /// Where each track was declared.
    pub tracks: Vec<Option<SourceSpan>>,
    /// Where each shape of each track was declared: `track_shapes[t][s]` is
    /// shape `s` of track `t`, in the order of the track's shapes (empty
    /// when the reader does not record them).
    pub track_shapes: Vec<Vec<Option<SourceSpan>>>,
    /// Where each label was declared.
    pub labels: Vec<Option<SourceSpan>>,
    /// The file describing the dataset as a whole (COCO or CVAT file,
    /// data.yaml).
    pub dataset_file: Option<FileId>,
}

impl SpanTable {
    /// An empty table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Where image `i` came from.
    #[must_use]
    pub fn image(&self, i: usize) -> Option<SourceSpan> {
        self.images.get(i).copied().flatten()
    }

    /// Where annotation `i` came from.
    #[must_use]
    pub fn annotation(&self, i: usize) -> Option<SourceSpan> {
        self.annotations.get(i).copied().flatten()
    }

    /// Where shape `s` of track `t` came from.
    #[must_use]
    pub fn track_shape(&self, t: usize, s: usize) -> Option<SourceSpan> {
        self.track_shapes.get(t)?.get(s).copied().flatten()
    }

    /// Where track `i` came from.
    #[must_use]
    pub fn track(&self, i: usize) -> Option<SourceSpan> {
        self.tracks.get(i).copied().flatten()
    }

    /// Where label `i` was declared.
    #[must_use]
    pub fn label(&self, i: usize) -> Option<SourceSpan> {
        self.labels.get(i).copied().flatten()
    }
}
