//! The `full` format.

use labelkit_diagnostics::{
    render, ByteSpan, Diagnostic, Label, OutputFormat, RenderOptions, Severity, SourceFile,
    SourceMap,
};

use crate::fixtures::{self, fixture, span_of, COCO};
use crate::snap;

fn full(diags: &[Diagnostic], sources: &SourceMap) -> String {
    render(OutputFormat::Full, diags, sources, &RenderOptions::new())
}

#[test]
fn full_box_with_unicode_secondary_label_and_help() {
    let f = fixture();
    let out = full(&[fixtures::small_box(&f)], &f.sources);
    // The caret starts under `"bbox"`, counted in characters after `größe`.
    let line = out.lines().find(|l| l.starts_with("9 |")).unwrap();
    let caret = out.lines().find(|l| l.contains('^')).unwrap();
    let bbox_col = line
        .find("\"bbox\"")
        .map(|b| line[..b].chars().count())
        .unwrap();
    assert_eq!(caret.chars().position(|c| c == '^'), Some(bbox_col));
    // Column 64 in characters; the line has two 2-byte characters before.
    assert!(out.contains(" --> data/train.json:9:64\n"), "{out}");
    snap!("full_small_box", out);
}

#[test]
fn full_multiline_span() {
    let f = fixture();
    let out = full(&[fixtures::multiline_box(&f)], &f.sources);
    assert!(out.starts_with("warning[G002]: box reaches x=700"));
    snap!("full_multiline_span", out);
}

#[test]
fn full_crlf_file_shows_no_carriage_return() {
    let f = fixture();
    let out = full(&[fixtures::yolo_row(&f)], &f.sources);
    assert!(!out.contains('\r'));
    assert!(
        out.contains(" --> data/labels/train/0001.txt:2:1\n"),
        "{out}"
    );
    snap!("full_crlf", out);
}

#[test]
fn full_without_position() {
    let f = fixture();
    let out = full(&[fixtures::class_count(), fixtures::no_file()], &f.sources);
    assert_eq!(
        out,
        "info[D001]: class `face` has 1 label, below the minimum of 3000\n \
         --> data/data.yaml\n  \
         = help: annotate more faces, in varied sizes, poses and lighting\n\n\
         warning[D002]: class `hand` is declared but never used\n\n"
    );
    snap!("full_without_position", out);
}

#[test]
fn full_minified_line_is_trimmed_around_the_span() {
    let (text, span) = fixtures::minified();
    assert!(text.len() >= 10_000 && !text.contains('\n'));
    let mut sources = SourceMap::new();
    let file = sources.add(SourceFile::with_text(
        "coco/instances_min.json",
        text.as_bytes().to_vec(),
    ));
    let diag = Diagnostic::new(
        "G001",
        "box-too-small",
        Severity::Error,
        "box is 1.5x2.0 px, below the 3x3 minimum",
    )
    .with_primary(Label::with_message(file, span, "annotation 9999"));
    let out = full(&[diag], &sources);
    for line in out.lines() {
        assert!(line.chars().count() <= 130, "line too long: {line}");
    }
    let source_line = out.lines().find(|l| l.starts_with("1 | ")).unwrap();
    assert!(source_line.starts_with("1 | ...") && source_line.ends_with("..."));
    let span_text = &text[span.start as usize..span.end as usize];
    assert!(source_line.contains(span_text));
    // The underline is exactly as long as the span and starts under it.
    let underline = out.lines().find(|l| l.contains('^')).unwrap();
    let at = source_line.find(span_text).unwrap();
    assert_eq!(underline.find('^'), Some(at));
    assert_eq!(underline.matches('^').count(), span_text.chars().count());
    assert!(out.contains(&format!(
        " --> coco/instances_min.json:1:{}\n",
        span.start + 1
    )));
    snap!("full_minified", out);
}

#[test]
fn full_span_wider_than_the_window_is_cut() {
    let (text, _) = fixtures::minified();
    let mut sources = SourceMap::new();
    let file = sources.add(SourceFile::with_text("min.json", text.as_bytes().to_vec()));
    let diag = Diagnostic::new("A001", "duplicate", Severity::Warning, "long span")
        .at(file, ByteSpan::new(3000, 6000));
    let out = render(
        OutputFormat::Full,
        &[diag],
        &sources,
        &RenderOptions::new().with_max_line_width(60),
    );
    let source_line = out.lines().find(|l| l.starts_with("1 | ")).unwrap();
    let underline = out.lines().find(|l| l.contains('^')).unwrap();
    // 8 characters of context before the span, then the span to the edge.
    assert_eq!(source_line.chars().count(), "1 | ".len() + 3 + 60 + 3);
    assert_eq!(underline.matches('^').count(), 60 - 8);
    assert_eq!(&source_line[7 + 8..7 + 8 + 10], &text[3000..3010]);
}

#[test]
fn full_secondary_label_in_another_file() {
    let f = fixture();
    let diag = Diagnostic::new(
        "F003",
        "unknown-class",
        Severity::Error,
        "class id 1 is not declared",
    )
    .with_primary(Label::with_message(
        f.yolo,
        span_of(fixtures::YOLO_CRLF, "1", 0),
        "class id",
    ))
    .with_secondary(Label::with_message(
        f.coco,
        span_of(COCO, r#""categories""#, 0),
        "classes are declared here",
    ));
    let out = full(&[diag], &f.sources);
    assert!(out.contains(" ::: data/train.json:6:3\n"), "{out}");
    snap!("full_secondary_other_file", out);
}

#[test]
fn full_tabs_controls_and_empty_span() {
    let mut sources = SourceMap::new();
    let text = "a\tb\x01c\n\n";
    let file = sources.add(SourceFile::with_text("t.txt", text.as_bytes().to_vec()));
    let diags = [
        Diagnostic::new("X001", "x", Severity::Error, "at c").at(file, span_of(text, "c", 0)),
        Diagnostic::new("X002", "y", Severity::Info, "empty span at end of file")
            .at(file, ByteSpan::at(text.len())),
    ];
    let out = full(&diags, &sources);
    assert_eq!(
        out,
        "error[X001]: at c\n \
         --> t.txt:1:5\n  \
         |\n\
         1 | a    b\u{FFFD}c\n  \
         |        ^\n\n\
         info[X002]: empty span at end of file\n \
         --> t.txt:3:1\n  \
         |\n\
         3 |\n  \
         | ^\n\n"
    );
}

#[test]
fn full_label_outside_an_unreadable_file() {
    let mut sources = SourceMap::new();
    let file = sources.add(SourceFile::lazy("/nonexistent/labelkit/missing.json"));
    let diag = Diagnostic::new("F008", "image-unreadable", Severity::Error, "cannot read")
        .with_primary(Label::with_message(file, ByteSpan::new(10, 20), "here"));
    let out = full(&[diag], &sources);
    assert_eq!(
        out,
        "error[F008]: cannot read\n --> /nonexistent/labelkit/missing.json\n  = note: here\n\n"
    );
}

#[test]
fn full_color_only_adds_escapes() {
    let f = fixture();
    let diags = [
        fixtures::small_box(&f),
        fixtures::multiline_box(&f),
        fixtures::class_count(),
    ];
    let plain = full(&diags, &f.sources);
    let colored = render(
        OutputFormat::Full,
        &diags,
        &f.sources,
        &RenderOptions::new().with_color(true),
    );
    assert!(colored.contains("\x1b[1;31merror[G001]\x1b[0m"));
    assert!(colored.contains("\x1b[1;33m"));
    assert!(!plain.contains('\x1b'));
    assert_eq!(strip_ansi(&colored), plain);
}

/// Removes `ESC [ ... m` sequences.
pub(crate) fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn full_many_findings_on_one_huge_non_ascii_line() {
    // 2 MB on one line with multi-byte characters: every finding's column
    // and window must come from bounded work, not from rescanning the line.
    let mut text = String::with_capacity(2_100_000);
    let mut starts = Vec::new();
    while text.len() < 2_000_000 {
        if text.len() % 4000 < 40 {
            starts.push(text.len());
        }
        text.push_str(r#"{"n":"é","bbox":[1,2,3,4]},"#);
    }
    let mut sources = SourceMap::new();
    let file = sources.add(SourceFile::with_text("huge.json", text.as_bytes().to_vec()));
    let diags: Vec<Diagnostic> = starts
        .iter()
        .map(|&s| {
            Diagnostic::new("G001", "box-too-small", Severity::Error, "small")
                .at(file, ByteSpan::new(s, s + 27))
        })
        .collect();
    assert!(diags.len() > 400);
    let out = full(&diags, &sources);
    assert_eq!(out.matches("error[G001]").count(), diags.len());
    // Each span is one 27-byte object of 26 characters (`é` is 2 bytes).
    let last = starts[starts.len() - 1];
    let column = text[..last].chars().count() + 1;
    assert!(out.contains(&format!(" --> huge.json:1:{column}\n")));
    assert!(out
        .lines()
        .filter(|l| l.contains('^'))
        .all(|l| l.matches('^').count() == 26));
}

#[test]
fn full_swapped_span_ends_do_not_panic() {
    let mut sources = SourceMap::new();
    let text = "abc\ndef\n";
    let file = sources.add(SourceFile::with_text("s.txt", text.as_bytes().to_vec()));
    let diag = Diagnostic::new("X001", "x", Severity::Error, "swapped")
        .at(file, ByteSpan { start: 5, end: 1 });
    let out = full(std::slice::from_ref(&diag), &sources);
    assert_eq!(
        out,
        "error[X001]: swapped\n --> s.txt:1:2\n  |\n1 | abc\n  |  ^^\n2 | def\n  | ^\n\n"
    );
    let concise = render(
        OutputFormat::Concise,
        &[diag],
        &sources,
        &RenderOptions::new(),
    );
    assert_eq!(concise, "s.txt:1:2: X001 swapped\n");
}
