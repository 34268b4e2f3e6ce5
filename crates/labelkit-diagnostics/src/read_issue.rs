//! The recoverable problems readers report, with their permanent codes.
//!
//! These are the `F` family of rule codes. They are defined here, below the
//! format crates, so that readers can emit them without knowing the rule
//! engine; `labelkit-rules` registers them with their documentation.

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{ByteSpan, FileId};

/// A kind of recoverable read problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ReadIssue {
    /// A value of the wrong type or syntax where a value was expected.
    MalformedValue,
    /// A row or list with the wrong number of values.
    WrongValueCount,
    /// A class id or label that the dataset does not declare.
    UnknownClass,
    /// A reference to an image, category or track that does not exist.
    DanglingReference,
    /// Two images, annotations or categories with one id.
    DuplicateId,
    /// NaN or infinity.
    NonFinite,
    /// A normalised coordinate outside `[-0.01, 1.01]`.
    CoordinateOutOfRange,
    /// An image file that is missing or whose size cannot be read.
    ImageUnreadable,
    /// A mask whose runs do not add up, or an invalid RLE string.
    InvalidMask,
    /// An image with a zero or negative size.
    InvalidImageSize,
    /// An element, key or value the reader does not know and skipped.
    Unsupported,
}

impl ReadIssue {
    /// Every kind, in code order.
    pub const ALL: [ReadIssue; 11] = [
        Self::MalformedValue,
        Self::WrongValueCount,
        Self::UnknownClass,
        Self::DanglingReference,
        Self::DuplicateId,
        Self::NonFinite,
        Self::CoordinateOutOfRange,
        Self::ImageUnreadable,
        Self::InvalidMask,
        Self::InvalidImageSize,
        Self::Unsupported,
    ];

    /// The permanent code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::MalformedValue => "F001",
            Self::WrongValueCount => "F002",
            Self::UnknownClass => "F003",
            Self::DanglingReference => "F004",
            Self::DuplicateId => "F005",
            Self::NonFinite => "F006",
            Self::CoordinateOutOfRange => "F007",
            Self::ImageUnreadable => "F008",
            Self::InvalidMask => "F009",
            Self::InvalidImageSize => "F010",
            Self::Unsupported => "F011",
        }
    }

    /// The kebab-case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::MalformedValue => "malformed-value",
            Self::WrongValueCount => "wrong-value-count",
            Self::UnknownClass => "unknown-class",
            Self::DanglingReference => "dangling-reference",
            Self::DuplicateId => "duplicate-id",
            Self::NonFinite => "non-finite-value",
            Self::CoordinateOutOfRange => "coordinate-out-of-range",
            Self::ImageUnreadable => "image-unreadable",
            Self::InvalidMask => "invalid-mask",
            Self::InvalidImageSize => "invalid-image-size",
            Self::Unsupported => "unsupported-content",
        }
    }

    /// The default severity.
    #[must_use]
    pub fn severity(self) -> Severity {
        match self {
            Self::Unsupported => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// A diagnostic of this kind at a position.
    #[must_use]
    pub fn at(self, file: FileId, span: ByteSpan, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.code(), self.name(), self.severity(), message).at(file, span)
    }

    /// A diagnostic of this kind about a file as a whole.
    #[must_use]
    pub fn in_file(
        self,
        path: impl Into<std::path::PathBuf>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(self.code(), self.name(), self.severity(), message).with_path(path)
    }
}
