//! The human format: a header, the position, a source window with the spans
//! underlined, and the help.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::style::{Painter, Style};
use super::{terminal_safe, unsafe_for_terminal, Place, RenderOptions};
use crate::diagnostic::{Diagnostic, Label};
use crate::source::{FileId, SourceFile, SourceMap};

/// A span of a multi-line label shows at most this many lines in full; a
/// longer one shows its first and last two lines.
const MAX_SPAN_LINES: u32 = 4;

pub(super) fn render<W: Write + ?Sized>(
    out: &mut W,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    options: &RenderOptions,
) -> io::Result<()> {
    let painter = Painter { on: options.color };
    let width = options.max_line_width.max(20);
    let mut buf = String::new();
    for diag in diagnostics {
        buf.clear();
        Writer {
            buf: &mut buf,
            p: painter,
            width,
        }
        .diagnostic(diag, sources);
        out.write_all(buf.as_bytes())?;
    }
    Ok(())
}

/// One label's part on one line, as byte offsets into the file.
#[derive(Debug, Clone, Copy)]
struct LineMark<'a> {
    start: usize,
    end: usize,
    primary: bool,
    /// The label's message, on the last line of its span only.
    message: Option<&'a str>,
}

/// The labels of one diagnostic in one file, ready to print.
#[derive(Debug)]
struct FileWindow<'a> {
    /// `-->` for the primary file, `:::` for others.
    arrow: &'static str,
    /// `path:line:col`, `path`, or a placeholder.
    location: String,
    file: Option<&'a SourceFile>,
    lines: BTreeMap<u32, Vec<LineMark<'a>>>,
    /// Messages of labels whose span lies outside the file's text.
    notes: Vec<&'a str>,
}

struct Writer<'b> {
    buf: &'b mut String,
    p: Painter,
    width: usize,
}

impl Writer<'_> {
    fn diagnostic(&mut self, diag: &Diagnostic, sources: &SourceMap) {
        let sev = Style::of(diag.severity);
        let p = self.p;
        let _ = writeln!(
            self.buf,
            "{}{}",
            p.paint(sev, format_args!("{}[{}]", diag.severity, diag.code)),
            p.paint(
                Style::Bold,
                format_args!(": {}", terminal_safe(&diag.message))
            ),
        );

        // Group labels by file: the primary's file first, then others in
        // order of appearance.
        let mut groups: Vec<(FileId, Vec<(&Label, bool)>)> = Vec::new();
        let labels = diag
            .primary
            .iter()
            .map(|l| (l, true))
            .chain(diag.secondary.iter().map(|l| (l, false)));
        for (label, primary) in labels {
            match groups.iter_mut().find(|(f, _)| *f == label.file) {
                Some((_, list)) => list.push((label, primary)),
                None => groups.push((label.file, vec![(label, primary)])),
            }
        }
        let mut windows: Vec<FileWindow<'_>> = groups
            .iter()
            .enumerate()
            .map(|(i, (file, labels))| {
                let arrow = if i == 0 && diag.primary.is_some() {
                    "-->"
                } else {
                    ":::"
                };
                prepare(*file, labels, arrow, diag, sources)
            })
            .collect();
        if windows.is_empty() {
            if let Some(path) = &diag.path {
                windows.push(FileWindow {
                    arrow: "-->",
                    location: terminal_safe(&path.to_string_lossy()).into_owned(),
                    file: None,
                    lines: BTreeMap::new(),
                    notes: Vec::new(),
                });
            }
        }

        let max_line = windows
            .iter()
            .filter_map(|w| w.lines.keys().next_back().copied())
            .max()
            .unwrap_or(1);
        let gutter = digits(max_line);
        let pad = " ".repeat(gutter);
        let bar = p.paint(Style::Gutter, "|").to_string();

        for (i, window) in windows.iter().enumerate() {
            if i > 0 && windows[i - 1].file.is_some() && !windows[i - 1].lines.is_empty() {
                let _ = writeln!(self.buf, "{pad} {bar}");
            }
            let _ = writeln!(
                self.buf,
                "{pad}{} {}",
                p.paint(Style::Gutter, window.arrow),
                window.location
            );
            if let Some(file) = window.file {
                if !window.lines.is_empty() {
                    let _ = writeln!(self.buf, "{pad} {bar}");
                    self.window_lines(file, window, gutter, sev);
                }
            }
            for note in &window.notes {
                let _ = writeln!(
                    self.buf,
                    "{pad} {} note: {}",
                    p.paint(Style::Gutter, "="),
                    terminal_safe(note)
                );
            }
        }
        if let Some(help) = &diag.help {
            if windows.iter().any(|w| !w.lines.is_empty()) {
                let _ = writeln!(self.buf, "{pad} {bar}");
            }
            let indent = format!("{pad}         ");
            // Help may span lines; each line is escaped on its own.
            let help = help
                .split('\n')
                .map(terminal_safe)
                .collect::<Vec<_>>()
                .join(&format!("\n{indent}"));
            let _ = writeln!(
                self.buf,
                "{pad} {} {}",
                p.paint(Style::Gutter, "="),
                p.paint(Style::Bold, format_args!("help: {help}"))
            );
        }
        self.buf.push('\n');
    }

    /// Prints the lines of one file window, with `...` between lines that
    /// are not adjacent (a single skipped line is printed instead).
    fn window_lines(
        &mut self,
        file: &SourceFile,
        window: &FileWindow<'_>,
        gutter: usize,
        sev: Style,
    ) {
        let text = file.text();
        let index = file.line_index();
        let mut previous: Option<u32> = None;
        for (&line, marks) in &window.lines {
            if let Some(prev) = previous {
                if line == prev + 2 {
                    self.source_line(
                        text,
                        index.line_range(text, prev + 1),
                        prev + 1,
                        &[],
                        gutter,
                        sev,
                    );
                } else if line > prev + 2 {
                    let _ = writeln!(self.buf, "{}", self.p.paint(Style::Gutter, "..."));
                }
            }
            self.source_line(text, index.line_range(text, line), line, marks, gutter, sev);
            previous = Some(line);
        }
    }

    /// Prints one source line, cut to a window around its marks when long,
    /// and one underline row per mark.
    fn source_line(
        &mut self,
        text: &[u8],
        (ls, le): (usize, usize),
        line: u32,
        marks: &[LineMark<'_>],
        gutter: usize,
        sev: Style,
    ) {
        let p = self.p;
        let width = self.width;
        // The part to keep in view: the primary mark if it is on this line,
        // else all marks.
        let has_primary = marks.iter().any(|m| m.primary);
        let (mut fa, mut fb) = (le, ls);
        for m in marks.iter().filter(|m| m.primary || !has_primary) {
            fa = fa.min(m.start);
            fb = fb.max(m.end);
        }
        if fa > fb {
            (fa, fb) = (ls, ls);
        }
        let reach = 4 * width;
        fb = fb.min(fa + reach);
        let s0 = snap_back(text, ls, fa.saturating_sub(reach).max(ls));
        let e0 = snap_forward(text, le, (fb + reach).min(le));
        let cells = Cells::new(text.get(s0..e0).unwrap_or(&[]), s0);
        let n = cells.len();
        let (left_more, right_more) = (s0 > ls, e0 < le);

        let ia = cells.index_of(fa);
        let ib = cells.index_of(fb).max(ia);
        let (ws, we) = if !left_more && !right_more && n <= width {
            (0, n)
        } else {
            let span = ib - ia;
            let margin = 8;
            let ws = if span + 2 * margin <= width {
                ia.saturating_sub((width - span) / 2)
            } else {
                ia.saturating_sub(margin)
            };
            let we = (ws + width).min(n);
            (we.saturating_sub(width).min(ws), we)
        };
        let left = ws > 0 || left_more;
        let right = we < n || right_more;

        let mut shown = String::new();
        if left {
            shown.push_str("...");
        }
        cells.push_range(&mut shown, ws, we);
        if right {
            shown.push_str("...");
        }
        let number = p.paint(Style::Gutter, format!("{line:>gutter$} |"));
        if shown.is_empty() {
            let _ = writeln!(self.buf, "{number}");
        } else {
            let _ = writeln!(self.buf, "{number} {shown}");
        }

        let mut order: Vec<&LineMark<'_>> = marks.iter().collect();
        order.sort_by_key(|m| (cells.index_of(m.start), !m.primary));
        let pad = " ".repeat(gutter);
        for m in order {
            let cs = cells.index_of(m.start);
            let ce = cells.index_of(m.end).max(cs);
            let col = cs.clamp(ws, we) - ws;
            let end = ce.clamp(ws, we) - ws;
            let len = (end - col).max(1);
            let offset = col + if left { 3 } else { 0 };
            let (style, marker) = if m.primary {
                (sev, '^')
            } else {
                (Style::Gutter, '-')
            };
            let mut underline: String = std::iter::repeat_n(marker, len).collect();
            if let Some(msg) = m.message.filter(|s| !s.is_empty()) {
                underline.push(' ');
                underline.push_str(&terminal_safe(msg));
            }
            let _ = writeln!(
                self.buf,
                "{pad} {} {:offset$}{}",
                p.paint(Style::Gutter, "|"),
                "",
                p.paint(style, underline)
            );
        }
    }
}

/// Resolves the labels of one file into per-line marks.
fn prepare<'a>(
    file_id: FileId,
    labels: &[(&'a Label, bool)],
    arrow: &'static str,
    diag: &'a Diagnostic,
    sources: &'a SourceMap,
) -> FileWindow<'a> {
    let Some(file) = sources.get(file_id) else {
        let location = match (arrow, &diag.path) {
            ("-->", Some(path)) => terminal_safe(&path.to_string_lossy()).into_owned(),
            _ => "<unknown file>".to_owned(),
        };
        return FileWindow {
            arrow,
            location,
            file: None,
            lines: BTreeMap::new(),
            notes: labels
                .iter()
                .map(|(l, _)| l.message.as_str())
                .filter(|m| !m.is_empty())
                .collect(),
        };
    };
    let text = file.text();
    let index = file.line_index();
    let path = terminal_safe(&file.path().to_string_lossy()).into_owned();
    let mut window = FileWindow {
        arrow,
        location: path.clone(),
        file: Some(file),
        lines: BTreeMap::new(),
        notes: Vec::new(),
    };
    let mut located = false;
    for &(label, primary) in labels {
        let (start, end) = (label.span.start as usize, label.span.end as usize);
        let (start, end) = (start.min(end), start.max(end));
        if end > text.len() {
            if !label.message.is_empty() {
                window.notes.push(&label.message);
            }
            continue;
        }
        let place = Place::of_label(label, sources);
        if !located {
            if let Some(pos) = place.start {
                window.location = format!("{path}:{}:{}", pos.line, pos.column);
                located = true;
            }
        }
        let (Some(first), Some(last_pos)) = (place.start, place.end) else {
            continue;
        };
        let first = first.line;
        // A span that ends just after a line break ends on the line before.
        let last = if last_pos.column == 1 && last_pos.line > first {
            last_pos.line - 1
        } else {
            last_pos.line.max(first)
        };
        let shown: Vec<u32> = if last - first < MAX_SPAN_LINES {
            (first..=last).collect()
        } else {
            vec![first, first + 1, last - 1, last]
        };
        for &line in &shown {
            let (ls, le) = index.line_range(text, line);
            let (a, b) = if first == last {
                (start, end)
            } else if line == first {
                (start, le)
            } else if line == last {
                (first_non_blank(text, ls, le), end.min(le))
            } else {
                (first_non_blank(text, ls, le), le)
            };
            let (a, b) = (a.clamp(ls, le), b.clamp(ls, le));
            let is_last = line == last;
            // Skip an empty middle line of a multi-line span.
            if a == b && first != last && !is_last && line != first {
                window.lines.entry(line).or_default();
                continue;
            }
            window.lines.entry(line).or_default().push(LineMark {
                start: a,
                end: b,
                primary,
                message: is_last.then_some(label.message.as_str()),
            });
        }
    }
    window
}

/// The first byte of `text[ls..le]` that is not a space or tab.
fn first_non_blank(text: &[u8], ls: usize, le: usize) -> usize {
    text.get(ls..le)
        .and_then(|line| line.iter().position(|&b| b != b' ' && b != b'\t'))
        .map_or(le, |i| ls + i)
}

/// Moves `at` back to the start of a UTF-8 character, not before `floor`.
fn snap_back(text: &[u8], floor: usize, mut at: usize) -> usize {
    while at > floor && text.get(at).is_some_and(|&b| is_continuation(b)) {
        at -= 1;
    }
    at
}

/// Moves `at` forward to the start of a UTF-8 character, not past `ceil`.
fn snap_forward(text: &[u8], ceil: usize, mut at: usize) -> usize {
    while at < ceil && text.get(at).is_some_and(|&b| is_continuation(b)) {
        at += 1;
    }
    at
}

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

fn digits(mut n: u32) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// The display cells of a piece of a line: one per character, four per tab,
/// `�` for control characters, bidi overrides and invalid bytes; each remembers the byte
/// offset (in the file) it came from.
struct Cells {
    chars: Vec<char>,
    offsets: Vec<usize>,
    end: usize,
}

impl Cells {
    fn new(bytes: &[u8], base: usize) -> Self {
        let mut chars = Vec::with_capacity(bytes.len());
        let mut offsets = Vec::with_capacity(bytes.len());
        let mut at = base;
        for chunk in bytes.utf8_chunks() {
            for (i, c) in chunk.valid().char_indices() {
                let off = at + i;
                if c == '\t' {
                    for _ in 0..4 {
                        chars.push(' ');
                        offsets.push(off);
                    }
                } else if unsafe_for_terminal(c) {
                    // One cell each, so the underline stays aligned.
                    chars.push('\u{FFFD}');
                    offsets.push(off);
                } else {
                    chars.push(c);
                    offsets.push(off);
                }
            }
            at += chunk.valid().len();
            for i in 0..chunk.invalid().len() {
                chars.push('\u{FFFD}');
                offsets.push(at + i);
            }
            at += chunk.invalid().len();
        }
        Self {
            chars,
            offsets,
            end: at,
        }
    }

    fn len(&self) -> usize {
        self.chars.len()
    }

    /// The first cell at or after byte `offset` (the cell count past the end).
    fn index_of(&self, offset: usize) -> usize {
        if offset >= self.end {
            return self.chars.len();
        }
        self.offsets.partition_point(|&o| o < offset)
    }

    fn push_range(&self, out: &mut String, from: usize, to: usize) {
        if let Some(cells) = self.chars.get(from..to) {
            out.extend(cells);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_expand_tabs_and_replace_controls() {
        let cells = Cells::new(b"a\tb\x01\xffc", 10);
        let mut s = String::new();
        cells.push_range(&mut s, 0, cells.len());
        assert_eq!(s, "a    b\u{FFFD}\u{FFFD}c");
        assert_eq!(cells.index_of(10), 0);
        assert_eq!(cells.index_of(11), 1);
        assert_eq!(cells.index_of(12), 5);
        assert_eq!(cells.index_of(15), 8);
        assert_eq!(cells.index_of(16), 9);
        assert_eq!(cells.index_of(99), 9);
    }

    #[test]
    fn digit_counts() {
        assert_eq!(digits(1), 1);
        assert_eq!(digits(9), 1);
        assert_eq!(digits(10), 2);
        assert_eq!(digits(4_000_000_000), 10);
    }
}
