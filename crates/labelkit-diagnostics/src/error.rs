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
}
