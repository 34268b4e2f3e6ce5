//! Fatal read errors with a position, and I/O errors with their path.

use std::path::{Path, PathBuf};

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

/// An I/O error on a path (or on a stream, named as `<output>`, ...): the
/// one I/O error of every format crate, the facade and
/// [`OutputError`](crate::output::OutputError).
///
/// ```
/// use labelkit_diagnostics::IoError;
/// let e = IoError::read("no/such/file.json".as_ref()).unwrap_err();
/// assert!(e.to_string().starts_with("no/such/file.json: "));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{}: {error}", path.display())]
pub struct IoError {
    /// The path, or the name of a stream.
    pub path: PathBuf,
    /// The error, stated in the message; not also given as
    /// [`std::error::Error::source`], so that a reporter walking the chain
    /// does not print it twice.
    pub error: std::io::Error,
}

impl IoError {
    /// Wraps an I/O error with its path.
    #[must_use]
    pub fn new(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        Self {
            path: path.into(),
            error,
        }
    }

    /// The whole content of the file at `path`.
    ///
    /// # Errors
    /// When the file cannot be read, naming it.
    pub fn read(path: &Path) -> Result<Vec<u8>, Self> {
        std::fs::read(path).map_err(|error| Self::new(path, error))
    }

    /// The error with its path, when it is `temp` or lies below it (a
    /// temporary name the user never gave), named after `output`, the place
    /// it stands for.
    #[must_use]
    pub fn named_as(self, temp: &Path, output: &Path) -> Self {
        Self {
            path: crate::output::named_as(self.path, temp, output),
            error: self.error,
        }
    }
}

/// The byte offset of the first line of `text` that is a git merge
/// conflict marker (`<<<<<<< ours`, `|||||||`, `=======`, `>>>>>>> theirs`:
/// seven marker characters at the start of a line, then the end of the
/// line or a space).
#[must_use]
pub fn conflict_marker(text: &[u8]) -> Option<usize> {
    let mut start = 0usize;
    for line in text.split(|&b| b == b'\n') {
        let marker = line.len() >= 7
            && [b'<', b'|', b'=', b'>']
                .iter()
                .any(|&c| line.iter().take(7).all(|&b| b == c))
            && matches!(line.get(7), None | Some(b' ' | b'\r' | b'\t'));
        // `=======` stands alone on its line.
        let bare = line.first() == Some(&b'=');
        let rest_blank = line
            .get(7..)
            .unwrap_or_default()
            .iter()
            .all(u8::is_ascii_whitespace);
        if marker && (!bare || rest_blank) {
            return Some(start);
        }
        start += line.len() + 1;
    }
    None
}

impl ParseError {
    /// An error at the first git merge conflict marker of `text`, if it has
    /// one: such a file is neither side of the merge, and a reader would
    /// otherwise report a confusing syntax error (or read one side
    /// silently).
    #[must_use]
    pub fn conflict_marker(path: impl Into<PathBuf>, text: &[u8]) -> Option<Self> {
        let offset = conflict_marker(text)?;
        let marker =
            String::from_utf8_lossy(text.get(offset..offset + 7).unwrap_or_default()).into_owned();
        Some(Self::at_offset(
            path,
            text,
            offset,
            format!(
                "git merge conflict marker `{marker}`: the file is in the middle of a merge; resolve the conflict (keep one side) before it can be read"
            ),
        ))
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_markers_are_whole_marker_lines() {
        assert_eq!(conflict_marker(b"<<<<<<< HEAD\n{}\n"), Some(0));
        assert_eq!(conflict_marker(b"a\r\n=======\r\nb\n"), Some(3));
        assert_eq!(conflict_marker(b"a\n>>>>>>>\n"), Some(2));
        assert_eq!(conflict_marker(b"a\n||||||| base\n"), Some(2));
        // Not markers: eight characters, text after `=======`, indented.
        assert_eq!(conflict_marker(b"<<<<<<<<\n"), None);
        assert_eq!(conflict_marker(b"======= title\n"), None);
        assert_eq!(conflict_marker(b" <<<<<<< HEAD\n"), None);
        assert_eq!(conflict_marker(b"<<<<<<"), None);
        let e = ParseError::conflict_marker("a.json", b"{\n=======\n").unwrap();
        assert_eq!((e.location.line, e.location.column), (2, 1));
        assert!(e.message.starts_with("git merge conflict marker `=======`"));
    }

    #[test]
    fn io_errors_name_their_path_once_and_follow_a_rename() {
        let dir = std::env::temp_dir().join("labelkit-io-error-test-missing");
        let e = IoError::read(&dir.join("a.json")).unwrap_err();
        assert_eq!(e.error.kind(), std::io::ErrorKind::NotFound);
        let text = e.to_string();
        assert!(text.starts_with(&format!("{}: ", dir.join("a.json").display())));
        // The OS message is stated once, and not given again as the source.
        assert_eq!(text.matches("os error").count(), 1);
        assert!(std::error::Error::source(&e).is_none());
        let renamed = e.named_as(&dir, Path::new("out"));
        assert_eq!(renamed.path, Path::new("out").join("a.json"));
        let other = IoError::new("x.xml", std::io::Error::other("full"));
        assert_eq!(
            other.named_as(&dir, Path::new("out")).to_string(),
            "x.xml: full"
        );
    }
}
