//! Source files, byte spans and line/column computation.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A half-open byte range `[start, end)` in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ByteSpan {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl ByteSpan {
    /// A span from byte offsets; offsets beyond 4 GiB saturate.
    #[must_use]
    pub fn new(start: usize, end: usize) -> Self {
        Self {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end.max(start)).unwrap_or(u32::MAX),
        }
    }

    /// An empty span at `offset`.
    #[must_use]
    pub fn at(offset: usize) -> Self {
        Self::new(offset, offset)
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the span is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// Identifies a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A 1-based line and a 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineCol {
    /// Line, from 1.
    pub line: u32,
    /// Column in characters, from 1.
    pub column: u32,
}

/// Start offsets of lines, built once on first use.
///
/// Columns are found in time bounded by a constant, whatever the length of
/// the line (a minified COCO file is one line of many megabytes): an ASCII
/// text needs no counting, and for other texts the index keeps the number of
/// characters before every 64 KiB boundary.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    /// Characters before byte `i * CHAR_BLOCK`; empty for ASCII text.
    char_checkpoints: Vec<u32>,
}

/// Bytes between two character-count checkpoints of a [`LineIndex`].
const CHAR_BLOCK: usize = 1 << 16;

impl LineIndex {
    /// Indexes `text`.
    #[must_use]
    pub fn new(text: &[u8]) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 40 + 1);
        line_starts.push(0);
        for pos in memchr_iter(b'\n', text) {
            line_starts.push(u32::try_from(pos + 1).unwrap_or(u32::MAX));
        }
        let char_checkpoints = if text.is_ascii() {
            Vec::new()
        } else {
            let mut total = 0usize;
            let mut checkpoints = Vec::with_capacity(text.len() / CHAR_BLOCK + 1);
            for block in text.chunks(CHAR_BLOCK) {
                checkpoints.push(u32::try_from(total).unwrap_or(u32::MAX));
                total += count_chars(block);
            }
            checkpoints
        };
        Self {
            line_starts,
            char_checkpoints,
        }
    }

    /// Characters in `text[start..end]`, using the checkpoints when the range
    /// is long.
    fn chars_between(&self, text: &[u8], start: usize, end: usize) -> usize {
        if self.char_checkpoints.is_empty() {
            return end - start;
        }
        if end - start <= 2 * CHAR_BLOCK {
            return count_chars(&text[start..end]);
        }
        self.chars_before(text, end) - self.chars_before(text, start)
    }

    /// Characters in `text[..offset]`.
    fn chars_before(&self, text: &[u8], offset: usize) -> usize {
        let block = offset / CHAR_BLOCK;
        let base = self.char_checkpoints.get(block).map_or(0, |&c| c as usize);
        base + count_chars(&text[block * CHAR_BLOCK..offset])
    }

    /// Number of lines.
    #[must_use]
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 1-based line and character column of byte `offset` in `text`
    /// (the text this index was built from).
    #[must_use]
    pub fn line_col(&self, text: &[u8], offset: u32) -> LineCol {
        let offset = offset.min(u32::try_from(text.len()).unwrap_or(u32::MAX));
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = (self.line_starts[line] as usize).min(offset as usize);
        let column = self.chars_between(text, start, offset as usize) + 1;
        LineCol {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    /// The byte range of 1-based `line`, without its line terminator.
    #[must_use]
    pub fn line_range(&self, text: &[u8], line: u32) -> (usize, usize) {
        let i = (line.max(1) - 1) as usize;
        let start = self.line_starts.get(i).map_or(text.len(), |&s| s as usize);
        let mut end = self
            .line_starts
            .get(i + 1)
            .map_or(text.len(), |&s| s as usize - 1);
        if end > start && text.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        (
            start.min(text.len()),
            end.min(text.len()).max(start.min(text.len())),
        )
    }
}

fn memchr_iter(needle: u8, haystack: &[u8]) -> impl Iterator<Item = usize> + '_ {
    haystack
        .iter()
        .enumerate()
        .filter(move |(_, &b)| b == needle)
        .map(|(i, _)| i)
}

/// Characters in a UTF-8 byte slice (invalid bytes count one each).
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// One source file: its path as shown to the user and, once loaded, its bytes.
#[derive(Debug)]
pub struct SourceFile {
    path: PathBuf,
    text: OnceLock<Option<Arc<[u8]>>>,
    index: OnceLock<LineIndex>,
}

impl SourceFile {
    /// A file whose bytes are read from disk when first needed.
    #[must_use]
    pub fn lazy(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            text: OnceLock::new(),
            index: OnceLock::new(),
        }
    }

    /// A file with its bytes already in memory.
    #[must_use]
    pub fn with_text(path: impl Into<PathBuf>, text: impl Into<Arc<[u8]>>) -> Self {
        let cell = OnceLock::new();
        let _ = cell.set(Some(text.into()));
        Self {
            path: path.into(),
            text: cell,
            index: OnceLock::new(),
        }
    }

    /// The path as given.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bytes, reading the file on first use; empty if it cannot be read.
    #[must_use]
    pub fn text(&self) -> &[u8] {
        self.text
            .get_or_init(|| std::fs::read(&self.path).ok().map(Arc::from))
            .as_deref()
            .unwrap_or(&[])
    }

    /// The line index, built on first use.
    #[must_use]
    pub fn line_index(&self) -> &LineIndex {
        self.index.get_or_init(|| LineIndex::new(self.text()))
    }

    /// Line and column of a byte offset.
    #[must_use]
    pub fn line_col(&self, offset: u32) -> LineCol {
        self.line_index().line_col(self.text(), offset)
    }
}

/// The files diagnostics point into.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    ///
    /// # Panics
    /// When the map already holds 2^32 files: file ids are 32 bits. Readers
    /// that add one file per input file (YOLO's label files) refuse larger
    /// datasets with an error before adding them.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 2^32 source files"));
        self.files.push(file);
        id
    }

    /// The id of the file at `index` of `files`, which [`SourceMap::add`]
    /// and [`SourceMap::append`] keep below 2^32 entries, so the conversion
    /// cannot fail.
    fn id_at(index: usize) -> FileId {
        FileId(u32::try_from(index).expect("fewer than 2^32 source files"))
    }

    /// Adds a file unless one with the same path is present; returns its id.
    pub fn add_path(&mut self, path: impl Into<PathBuf>) -> FileId {
        let path = path.into();
        if let Some(i) = self.files.iter().position(|f| f.path == path) {
            return Self::id_at(i);
        }
        self.add(SourceFile::lazy(path))
    }

    /// Makes `text` the bytes of the file `id`, for a file read from memory:
    /// its path names it in messages, and a file of that name on disk (other
    /// content, or none of the caller's business) is never read for it.
    /// Returns whether the map has the file.
    pub fn set_text(&mut self, id: FileId, text: &[u8]) -> bool {
        let Some(file) = self.files.get_mut(id.0 as usize) else {
            return false;
        };
        if file.text.get().and_then(Option::as_deref) != Some(text) {
            *file = SourceFile::with_text(std::mem::take(&mut file.path), text);
        }
        true
    }

    /// The file with this id.
    #[must_use]
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// Iterates over `(id, file)`.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (Self::id_at(i), f))
    }

    /// Number of files.
    #[must_use]
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the map is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Moves the files of `other` into this map and returns the offset to add
    /// to `other`'s file ids.
    ///
    /// # Panics
    /// When the two maps hold 2^32 files or more together (see
    /// [`SourceMap::add`]).
    pub fn append(&mut self, other: SourceMap) -> u32 {
        let offset = Self::id_at(self.files.len()).0;
        let total = self.files.len().saturating_add(other.files.len());
        assert!(u32::try_from(total).is_ok(), "fewer than 2^32 source files");
        self.files.extend(other.files);
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_character_columns() {
        let text = "ab\ncé d\n\nx".as_bytes();
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(text, 3), LineCol { line: 2, column: 1 });
        // 'é' is two bytes but one character.
        let d = text.iter().position(|&b| b == b'd').unwrap();
        assert_eq!(
            index.line_col(text, d as u32),
            LineCol { line: 2, column: 4 }
        );
        assert_eq!(index.line_col(text, 9), LineCol { line: 3, column: 1 });
        assert_eq!(index.line_range(text, 2), (3, 8));
    }

    #[test]
    fn set_text_replaces_what_a_file_on_disk_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, "on disk\n").unwrap();
        let mut map = SourceMap::new();
        let lazy = map.add(SourceFile::lazy(&path));
        let loaded = map.add(SourceFile::with_text("b", b"old".as_slice()));
        assert!(map.set_text(lazy, b"x\nin memory"));
        assert!(map.set_text(loaded, b"new"));
        assert!(!map.set_text(FileId(2), b"none"));
        let file = map.get(lazy).unwrap();
        assert_eq!(file.path(), path);
        assert_eq!(file.text(), b"x\nin memory");
        assert_eq!(file.line_col(3), LineCol { line: 2, column: 2 });
        assert_eq!(map.get(loaded).unwrap().text(), b"new");
        assert_eq!(map.len(), 2);
    }
}
