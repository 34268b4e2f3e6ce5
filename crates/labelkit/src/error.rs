//! The facade's error type.

use std::io;
use std::path::PathBuf;

use labelkit_diagnostics::output::OutputError;
use labelkit_diagnostics::IoError;
use labelkit_model::WriteReport;

use crate::format::{Format, UnknownFormat};

/// What can go wrong reading, writing or converting a dataset.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O error on a path, or on a stream (named as
    /// [`crate::from_reader`]: `<bytes>` or
    /// [`crate::ReadOptions::source_name`]; [`crate::to_writer`]:
    /// `<output>`).
    #[error(transparent)]
    Io(#[from] IoError),
    /// The format of a path, or of bytes ([`crate::from_slice`]), could
    /// not be recognised.
    #[error("{}: cannot tell the annotation format: {reason}", path.display())]
    Undetected {
        /// The path, or the name of the bytes.
        path: PathBuf,
        /// What was found instead, in lower case.
        reason: String,
    },
    /// A format name that is not known.
    #[error(transparent)]
    UnknownFormat(#[from] UnknownFormat),
    /// Support for the format was not compiled in.
    #[error("support for {format} was not compiled in (enable the cargo feature `{feature}`)")]
    Disabled {
        /// The format.
        format: Format,
        /// The cargo feature that enables it.
        feature: &'static str,
    },
    /// A folder format (YOLO) given to an entry point for bytes or streams
    /// ([`crate::from_slice`], [`crate::from_reader`], [`crate::to_writer`]):
    /// its dataset is a tree of files, read with [`crate::read`] and written
    /// with [`crate::write()`].
    #[error("{}", not_a_stream(*format, *writing))]
    FolderFormat {
        /// The format.
        format: Format,
        /// Whether it was to be written (else read).
        writing: bool,
    },
    /// An error of the COCO reader or writer.
    #[cfg(feature = "coco")]
    #[error(transparent)]
    Coco(#[from] labelkit_coco::Error),
    /// An error of the CVAT reader or writer.
    #[cfg(feature = "cvat")]
    #[error(transparent)]
    Cvat(#[from] labelkit_cvat::Error),
    /// An error of the YOLO reader or writer.
    #[cfg(feature = "yolo")]
    #[error(transparent)]
    Yolo(#[from] labelkit_yolo::Error),
    /// Output refused or failed (overwriting the input, leaving the output
    /// folder, I/O).
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Expanding the video tracks would produce more frames than labelkit
    /// expands (see [`crate::MAX_EXPANDED_FRAMES`]); a damaged or hostile file
    /// can place two shapes of one track billions of frames apart.
    #[error(
        "expanding the tracks would produce {frames} frames, more than the {limit} labelkit expands; \
         check the frame numbers of the tracks, or convert to CVAT for video, which keeps tracks"
    )]
    TooManyFrames {
        /// Frames the expansion would produce.
        frames: u64,
        /// The limit.
        limit: u64,
    },
    /// Expanding the video tracks was refused: a track takes the expansion
    /// past its budget of vertex-states, or annotation ids would overflow
    /// (see [`labelkit_model::track::try_expand_tracks`]).
    #[error("{}{error}", at.as_ref().map(|l| format!("{l}: ")).unwrap_or_default())]
    TrackExpansion {
        /// What was refused, naming the track.
        error: labelkit_model::track::ExpandError,
        /// Where the track was declared, when the reader recorded it.
        at: Option<labelkit_diagnostics::Located>,
    },
    /// A label map names a label the dataset does not declare.
    #[error("{}:{line}: the label map names `{name}`, which the dataset does not declare", path.display())]
    UnknownLabel {
        /// The label map file.
        path: PathBuf,
        /// Its 1-based line.
        line: u32,
        /// The name.
        name: String,
    },
    /// A format cannot be written because images have no known size (width
    /// or height 0): COCO and CVAT hold pixels, so YOLO rows (fractions of
    /// the image size) cannot become pixels; YOLO holds fractions, so the
    /// pixels of COCO or CVAT cannot become rows. See [`crate::ImageSizes`].
    #[error("{}", unknown_sizes(*to, *count, *images, first, *from_yolo))]
    UnknownImageSizes {
        /// The target format.
        to: Format,
        /// How many images have no size.
        count: usize,
        /// How many images the dataset has.
        images: usize,
        /// The names of the first few.
        first: Vec<String>,
        /// Whether the dataset was read from YOLO (whose images' sizes the
        /// command line's `--image-size` and `--image-sizes` give); other
        /// sources declare their sizes themselves.
        from_yolo: bool,
    },
    /// A strict conversion would lose something.
    #[error("strict conversion to {to} refused: {}", lossy_summary(report))]
    Lossy {
        /// The target format.
        to: Format,
        /// What the target could not hold.
        report: Box<WriteReport>,
        /// How many read issues skipped input (see
        /// [`labelkit_diagnostics::Diagnostic::skipped`]).
        read_issues: usize,
        /// The read issues (all of them, as a conversion reports them) and
        /// the files they point into, for showing what was skipped.
        issues: Box<(
            Vec<labelkit_diagnostics::Diagnostic>,
            labelkit_diagnostics::SourceMap,
        )>,
    },
}

/// The message of [`Error::UnknownImageSizes`]: how many, the first few,
/// and the ways to give the sizes.
fn unknown_sizes(
    to: Format,
    count: usize,
    images: usize,
    first: &[String],
    from_yolo: bool,
) -> String {
    let mut names: Vec<String> = first.iter().map(|n| format!("{n:?}")).collect();
    if count > first.len() {
        names.push(format!("{} more", count - first.len()));
    }
    let which = if images == 1 { "image" } else { "images" };
    let have = if count == 1 { "has" } else { "have" };
    if !from_yolo {
        let needs = if matches!(to, Format::YoloUltralytics | Format::YoloDarknet) {
            "its rows are fractions of the image's size"
        } else {
            "it needs every image's size"
        };
        return format!(
            "{count} of {images} {which} {have} no known size ({}): {to} cannot be written, \
             {needs}, so nothing was written; declare the size in the source (the width and \
             height of each COCO `images` entry, which a COCO results file lacks, or of a \
             CVAT <image>, a video's <original_size>)",
            names.join(", ")
        );
    }
    format!(
        "{count} of {images} {which} {have} no known size ({}): {to} needs every image's size, \
         and YOLO rows, fractions of the image size, need it to become pixels; nothing was \
         written. Put the images where the dataset names them, or give the sizes with \
         --image-size WxH (one size for all) or --image-sizes FILE (a COCO or CVAT file of \
         the same images, matched by file name, e.g. the CVAT task the export came from)",
        names.join(", ")
    )
}

/// The message of [`Error::FolderFormat`].
fn not_a_stream(format: Format, writing: bool) -> String {
    let (what, how) = if writing {
        ("written to a stream", "write it to a folder with `write`")
    } else {
        (
            "read from bytes or a stream",
            "read its folder, description or label file with `read`",
        )
    };
    format!(
        "{format} cannot be {what}: {} is a folder of files; {how}",
        format.description()
    )
}

/// The lines of a refused strict conversion: material losses (input the
/// reader skipped among them), then bookkeeping in parentheses.
fn lossy_summary(report: &WriteReport) -> String {
    let join = |lines: &mut dyn Iterator<Item = (&str, u64)>| {
        lines
            .map(|(what, n)| format!("{n} x {what}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let material = join(&mut report.material());
    let bookkeeping = join(&mut report.bookkeeping());
    match (material.is_empty(), bookkeeping.is_empty()) {
        (true, true) => "nothing".to_owned(),
        (false, true) => material,
        (true, false) => format!("bookkeeping: {bookkeeping}"),
        (false, false) => format!("{material} (bookkeeping: {bookkeeping})"),
    }
}

impl From<labelkit_model::track::ExpandError> for Error {
    fn from(error: labelkit_model::track::ExpandError) -> Self {
        Self::TrackExpansion { error, at: None }
    }
}

impl Error {
    /// Wraps an I/O error with its path.
    #[must_use]
    pub fn io(path: impl Into<PathBuf>, error: io::Error) -> Self {
        Self::Io(IoError::new(path, error))
    }

    pub(crate) fn disabled(format: Format) -> Self {
        let feature = match format {
            Format::CvatImages | Format::CvatVideo => "cvat",
            Format::Coco => "coco",
            Format::YoloUltralytics | Format::YoloDarknet => "yolo",
        };
        Self::Disabled { format, feature }
    }
}
