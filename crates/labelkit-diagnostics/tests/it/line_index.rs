//! `LineIndex` edge cases.

use labelkit_diagnostics::{LineCol, LineIndex, SourceFile};

fn lc(line: u32, column: u32) -> LineCol {
    LineCol { line, column }
}

#[test]
fn crlf_lines() {
    let text = b"ab\r\ncd\r\n\r\nef";
    let index = LineIndex::new(text);
    assert_eq!(index.line_count(), 4);
    assert_eq!(index.line_col(text, 0), lc(1, 1));
    // The carriage return is the column after the last character.
    assert_eq!(index.line_col(text, 2), lc(1, 3));
    assert_eq!(index.line_col(text, 3), lc(1, 4));
    assert_eq!(index.line_col(text, 4), lc(2, 1));
    assert_eq!(index.line_col(text, 8), lc(3, 1));
    assert_eq!(index.line_col(text, 10), lc(4, 1));
    // Line ranges exclude the whole terminator.
    assert_eq!(index.line_range(text, 1), (0, 2));
    assert_eq!(index.line_range(text, 2), (4, 6));
    assert_eq!(index.line_range(text, 3), (8, 8));
    assert_eq!(index.line_range(text, 4), (10, 12));
}

#[test]
fn offsets_at_and_past_the_end() {
    let text = "ab\ncé\n".as_bytes();
    let index = LineIndex::new(text);
    assert_eq!(index.line_count(), 3);
    // The end of a file that ends with a newline is the start of an empty
    // last line.
    assert_eq!(index.line_col(text, 7), lc(3, 1));
    // Past the end: clamped to the end.
    assert_eq!(index.line_col(text, 100), lc(3, 1));
    assert_eq!(index.line_range(text, 3), (7, 7));
    assert_eq!(index.line_range(text, 99), (7, 7));
    // Just before the newline of line 2: after the 2-byte 'é'.
    assert_eq!(index.line_col(text, 6), lc(2, 3));

    let no_newline = b"xy";
    let index = LineIndex::new(no_newline);
    assert_eq!(index.line_count(), 1);
    assert_eq!(index.line_col(no_newline, 2), lc(1, 3));
    assert_eq!(index.line_range(no_newline, 1), (0, 2));
}

#[test]
fn empty_text() {
    let index = LineIndex::new(b"");
    assert_eq!(index.line_count(), 1);
    assert_eq!(index.line_col(b"", 0), lc(1, 1));
    assert_eq!(index.line_col(b"", 5), lc(1, 1));
    assert_eq!(index.line_range(b"", 1), (0, 0));
    assert_eq!(index.line_range(b"", 0), (0, 0));
}

#[test]
fn long_non_ascii_line_counts_characters() {
    // Over three checkpoint blocks of 64 KiB on one line, with multi-byte
    // characters everywhere, then a second line.
    let mut text = String::new();
    while text.len() < 200_000 {
        text.push_str("ab é 😀 ");
    }
    text.push_str("\nz");
    let bytes = text.as_bytes();
    let index = LineIndex::new(bytes);
    let mut offsets: Vec<usize> = (0..bytes.len()).step_by(9_973).collect();
    offsets.push(bytes.len() - 2);
    offsets.push(bytes.len());
    for offset in offsets {
        if !text.is_char_boundary(offset) {
            continue;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let expected = lc(
            u32::try_from(before.matches('\n').count() + 1).unwrap(),
            u32::try_from(before[line_start..].chars().count() + 1).unwrap(),
        );
        assert_eq!(
            index.line_col(bytes, u32::try_from(offset).unwrap()),
            expected,
            "offset {offset}"
        );
    }
}

#[test]
fn source_file_line_col() {
    let file = SourceFile::with_text("a.txt", "x\r\nyé z".as_bytes().to_vec());
    assert_eq!(file.line_col(3), lc(2, 1));
    assert_eq!(file.line_col(7), lc(2, 4));
}
