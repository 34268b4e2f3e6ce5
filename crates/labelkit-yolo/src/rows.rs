//! Tokenising label files: one row per object, `class v1 v2 ...`.
//!
//! The first pass only splits rows into numbers and records where each
//! token is; what the numbers mean (detect, segment, pose, OBB) is decided
//! afterwards, once the task of the dataset is known.

use labelkit_diagnostics::{decimals_of, ByteSpan, Diagnostic, FileId, ReadIssue};

/// One well-formed row: a class id and its values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// The class id.
    pub class: u32,
    /// The whole line, without its terminator.
    pub line: ByteSpan,
    /// Range of this row's values in [`RowFile::values`] and
    /// [`RowFile::spans`].
    pub start: usize,
    /// Number of values after the class id.
    pub len: usize,
    /// The most decimals any value of the row is written with (`0.146731`:
    /// 6; `1e-3`: 3): the precision of the row as its writer printed it
    /// (writers that trim zeros, like `%g`, print some values shorter).
    pub decimals: u32,
    /// The fewest decimals any value of the row is written with: equal to
    /// [`Row::decimals`] when every value has the same (a fixed-point
    /// writer, `%.6f`).
    pub fewest_decimals: u32,
}

/// The rows of one label file.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RowFile {
    /// Rows in file order.
    pub rows: Vec<Row>,
    /// All values, row after row.
    pub values: Vec<f64>,
    /// The span of each value.
    pub spans: Vec<ByteSpan>,
    /// The decimals each value was written with (see
    /// [`labelkit_diagnostics::decimals_of`]).
    pub decimals: Vec<u8>,
}

impl RowFile {
    /// The values of `row`.
    pub(crate) fn values(&self, row: &Row) -> &[f64] {
        self.values
            .get(row.start..row.start + row.len)
            .unwrap_or(&[])
    }

    /// The decimals each value of `row` was written with.
    pub(crate) fn decimals(&self, row: &Row) -> &[u8] {
        self.decimals
            .get(row.start..row.start + row.len)
            .unwrap_or(&[])
    }

    /// The span of value `i` of `row`, or the line.
    pub(crate) fn span(&self, row: &Row, i: usize) -> ByteSpan {
        self.spans.get(row.start + i).copied().unwrap_or(row.line)
    }
}

fn lossy(token: &[u8]) -> String {
    let s = String::from_utf8_lossy(token);
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(40).collect();
        format!("{cut}...")
    } else {
        s.into_owned()
    }
}

fn parse_f64(token: &[u8]) -> Option<f64> {
    std::str::from_utf8(token).ok()?.parse::<f64>().ok()
}

/// Splits `text` into rows. A token that is not a number makes its row a
/// recoverable issue (the row is skipped); so does a non-finite value or a
/// class id that is not a non-negative integer.
pub(crate) fn tokenize(text: &[u8], file: FileId, issues: &mut Vec<Diagnostic>) -> RowFile {
    let mut out = RowFile::default();
    let mut line_start = 0usize;
    // A UTF-8 byte order mark is not part of the first row.
    if text.starts_with(&[0xEF, 0xBB, 0xBF]) {
        line_start = 3;
    }
    while line_start < text.len() {
        let line_end =
            memchr::memchr(b'\n', &text[line_start..]).map_or(text.len(), |i| line_start + i);
        let mut end = line_end;
        if end > line_start && text[end - 1] == b'\r' {
            end -= 1;
        }
        parse_line(text, line_start, end, file, issues, &mut out);
        line_start = line_end + 1;
    }
    out
}

fn parse_line(
    text: &[u8],
    start: usize,
    end: usize,
    file: FileId,
    issues: &mut Vec<Diagnostic>,
    out: &mut RowFile,
) {
    let line = &text[start..end];
    let mut pos = 0usize;
    let mut class: Option<u32> = None;
    let first = out.values.len();
    let mut ok = true;
    let mut most_decimals = 0;
    let mut fewest_decimals = u32::MAX;
    while pos < line.len() {
        while pos < line.len() && line[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= line.len() {
            break;
        }
        let tok_start = pos;
        while pos < line.len() && !line[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let token = &line[tok_start..pos];
        let span = ByteSpan::new(start + tok_start, start + pos);
        if class.is_none() {
            if token.first() == Some(&b'#') {
                // A comment line: not a row.
                return;
            }
            match parse_f64(token) {
                Some(v) if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 4e9 => {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let c = v as u32;
                    class = Some(c);
                }
                Some(_) => {
                    issues.push(
                        ReadIssue::UnknownClass
                            .at(
                                file,
                                span,
                                format!(
                                    "expected a class id (an integer >= 0), found \"{}\"",
                                    lossy(token)
                                ),
                            )
                            .skipped(),
                    );
                    ok = false;
                    break;
                }
                None => {
                    let message = if labelkit_diagnostics::conflict_marker(line) == Some(0) {
                        format!(
                            "git merge conflict marker `{}`: resolve the conflict (keep one side)",
                            lossy(token.get(..7).unwrap_or(token))
                        )
                    } else {
                        format!("expected a class id, found \"{}\"", lossy(token))
                    };
                    issues.push(ReadIssue::MalformedValue.at(file, span, message).skipped());
                    ok = false;
                    break;
                }
            }
            continue;
        }
        match parse_f64(token) {
            Some(v) if v.is_finite() => {
                out.values.push(v);
                out.spans.push(span);
                // A token that parsed as a number is a decimal; 0 (the
                // coarsest) should one ever not count.
                let d = decimals_of(token).unwrap_or(0);
                out.decimals.push(d);
                most_decimals = most_decimals.max(u32::from(d));
                fewest_decimals = fewest_decimals.min(u32::from(d));
            }
            Some(_) => {
                issues.push(
                    ReadIssue::NonFinite
                        .at(
                            file,
                            span,
                            format!("expected a finite number, found \"{}\"", lossy(token)),
                        )
                        .skipped(),
                );
                ok = false;
                break;
            }
            None => {
                issues.push(
                    ReadIssue::MalformedValue
                        .at(
                            file,
                            span,
                            format!("expected a number, found \"{}\"", lossy(token)),
                        )
                        .skipped(),
                );
                ok = false;
                break;
            }
        }
    }
    match (ok, class) {
        (true, Some(class)) => out.rows.push(Row {
            class,
            line: ByteSpan::new(start, end),
            start: first,
            len: out.values.len() - first,
            decimals: most_decimals,
            fewest_decimals: fewest_decimals.min(most_decimals),
        }),
        _ => {
            out.values.truncate(first);
            out.spans.truncate(first);
            out.decimals.truncate(first);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_values_and_spans() {
        let mut issues = Vec::new();
        let f = tokenize(
            b"0 0.5 0.5 0.1 0.2\r\n\n  3 1e-3 .5\n",
            FileId(0),
            &mut issues,
        );
        assert!(issues.is_empty());
        assert_eq!(f.rows.len(), 2);
        assert_eq!(f.values(&f.rows[0]), &[0.5, 0.5, 0.1, 0.2]);
        assert_eq!(f.rows[1].class, 3);
        assert_eq!(f.values(&f.rows[1]), &[0.001, 0.5]);
        assert_eq!(f.span(&f.rows[1], 0), ByteSpan::new(24, 28));
        assert_eq!(f.decimals(&f.rows[0]), &[1, 1, 1, 1]);
        assert_eq!(f.decimals(&f.rows[1]), &[3, 1]);
        assert_eq!((f.rows[0].decimals, f.rows[1].decimals), (1, 3));
        assert_eq!(
            (f.rows[0].fewest_decimals, f.rows[1].fewest_decimals),
            (1, 1)
        );
    }

    #[test]
    fn decimals_count_the_digits_after_the_point_less_the_exponent() {
        for (token, want) in [
            ("0.146731", 6),
            ("-0.009808", 6),
            ("0.444000", 6),
            ("1", 0),
            ("1.", 0),
            (".5", 1),
            ("1.5e-3", 4),
            ("12e2", 0),
            ("1.25E+1", 1),
            ("1e-400", 255),
        ] {
            assert_eq!(decimals_of(token.as_bytes()), Some(want), "{token}");
        }
    }

    #[test]
    fn bad_tokens_are_issues_and_rows_are_skipped() {
        let mut issues = Vec::new();
        let text = b"0 0.5 0.5 0.1 0.2\n1 0.5 abc 0.1 0.2\n2 nan 0 0 0\nx 1 1 1 1\n";
        let f = tokenize(text, FileId(0), &mut issues);
        assert_eq!(f.rows.len(), 1);
        assert_eq!(f.values.len(), 4);
        let codes: Vec<&str> = issues.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["F001", "F006", "F001"]);
        assert_eq!(issues[0].message, "expected a number, found \"abc\"");
        let span = issues[0].primary.as_ref().unwrap().span;
        assert_eq!(&text[span.start as usize..span.end as usize], b"abc");
    }
}
