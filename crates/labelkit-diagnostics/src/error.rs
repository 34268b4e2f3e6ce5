//! Fatal read errors with a position.

use std::path::PathBuf;

/// A position in a file, for errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: u32,
    /// 1-based column in characters.
    pub column: u32,
}

impl Located {
    /// The position of byte `offset` in `text`.
    #[must_use]
    pub fn from_offset(path: impl Into<PathBuf>, text: &[u8], offset: usize) -> Self {
        // Positions are 32 bits: past 4 GiB the position is unknown (0:0),
        // not the last one that fits.
        let (line, column) = u32::try_from(offset).map_or((0, 0), |offset| {
            let lc = crate::LineIndex::new(text).line_col(text, offset);
            (lc.line, lc.column)
        });
        Self {
            path: path.into(),
            line,
            column,
        }
    }
}

impl std::fmt::Display for Located {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

/// Input that cannot be parsed at all: the file, line and column, and what
/// was expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct ParseError {
    /// Where.
    pub location: Located,
    /// What was expected, in lower case with no trailing period.
    pub message: String,
}

impl ParseError {
    /// An error at byte `offset` of `text`.
    #[must_use]
    pub fn at_offset(
        path: impl Into<PathBuf>,
        text: &[u8],
        offset: usize,
        message: impl Into<String>,
    ) -> Self {
        Self {
            location: Located::from_offset(path, text, offset),
            message: message.into(),
        }
    }

    /// An error at a known line and column.
    #[must_use]
    pub fn at_line_col(
        path: impl Into<PathBuf>,
        line: u32,
        column: u32,
        message: impl Into<String>,
    ) -> Self {
        Self {
            location: Located {
                path: path.into(),
                line,
                column,
            },
            message: message.into(),
        }
    }
}
