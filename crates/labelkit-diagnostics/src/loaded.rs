//! What a reader returns.

use labelkit_model::Dataset;

use crate::diagnostic::Diagnostic;
use crate::facts::ReaderFacts;
use crate::measure::Measurements;
use crate::source::SourceMap;
use crate::span_table::SpanTable;

/// A dataset as read, with where everything came from and what the reader
/// had to step over.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The dataset.
    pub dataset: Dataset,
    /// Positions of images, annotations, tracks and labels.
    pub spans: SpanTable,
    /// The files read.
    pub sources: SourceMap,
    /// Recoverable problems, with positions (codes in the `F` family).
    pub issues: Vec<Diagnostic>,
    /// The rounding of the sizes read and the images of unknown size, by
    /// position, for rules that compare sizes in pixels.
    pub measurements: Measurements,
    /// What the reader found out about the dataset's files (an image
    /// without its label file, the size an image's header gives, a stated
    /// `flip_idx`), for the rules.
    pub facts: ReaderFacts,
}
