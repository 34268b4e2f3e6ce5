//! Positions, diagnostics and their rendering, for labelkit.
//!
//! Readers record where each image and annotation came from as a
//! [`ByteSpan`] in a [`SourceFile`]; the [`SpanTable`] keeps these beside the
//! dataset, since the model itself holds no positions, and [`ReaderFacts`]
//! what the reader found out about the dataset's files for the rules (an
//! image without its label file, the size an image's header gives). Line
//! and column are computed only when a diagnostic is shown, through a
//! lazily built [`LineIndex`] (1-based lines, 1-based columns counted in
//! characters).
//!
//! A [`Diagnostic`] is what every reader issue, rule finding and plugin
//! finding becomes: a code, a severity, a message, a primary label, optional
//! secondary labels and help. [`render()`] prints diagnostics in one of the
//! [`OutputFormat`]s: `full` (a source window with a caret), `concise`
//! (`path:line:col: CODE message`), `json`, `sarif` (2.1.0) and `github`
//! (workflow commands).
//!
//! [`ParseError`] is input that cannot be parsed, at its file, line and
//! column; [`IoError`] the one I/O error of every format crate, naming its
//! path once.
//!
//! The [`output`] module holds the one way labelkit writes files: atomically
//! (temporary name, then rename), never over the input, never outside the
//! output folder.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod diagnostic;
mod error;
mod facts;
mod loaded;
mod measure;
mod order;
pub mod output;
pub mod read_issue;
pub mod render;
mod source;
mod span_table;

pub use diagnostic::{Diagnostic, Label, Severity};
pub use error::{conflict_marker, IoError, Located, ParseError};
pub use facts::{ImageFacts, ReaderFacts, StatedFlipIdx};
pub use loaded::Loaded;
pub use measure::{decimals_of, Measurements, Rounding, SizeUnknown};
pub use order::{compare_diagnostics, diagnostic_path, sort_diagnostics};
pub use read_issue::ReadIssue;
pub use render::{render, render_to, terminal_safe, OutputFormat, RenderOptions};
pub use source::{ByteSpan, FileId, LineCol, LineIndex, SourceFile, SourceMap};
pub use span_table::{SourceSpan, SpanTable};
