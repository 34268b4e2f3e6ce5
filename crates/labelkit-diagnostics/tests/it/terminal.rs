//! Data-derived text never reaches a terminal raw: escape sequences, line
//! breaks and bidi overrides in names, paths, messages, labels, notes and
//! help are escaped in the `full`, `concise` and `github` outputs; `json`
//! and `sarif` escape them as JSON strings.

use labelkit_diagnostics::{
    render, ByteSpan, Diagnostic, Label, OutputFormat, RenderOptions, Severity, SourceFile,
    SourceMap,
};

/// A label file with a name holding ESC [2J (clear screen), a bidi
/// override and a C1 CSI, shown under a path holding ESC too.
const TEXT: &str = "{\"name\": \"evil\u{1b}[2J\u{202e}gnp.exe\u{9b}31m\"}\n";

fn diagnostics() -> (SourceMap, Vec<Diagnostic>) {
    let mut sources = SourceMap::new();
    let file = sources.add(SourceFile::with_text(
        "data/\u{1b}]0;title\u{7}x.json",
        TEXT.as_bytes().to_vec(),
    ));
    let at = TEXT.find("evil").unwrap();
    let d = Diagnostic::new(
        "D003",
        "undeclared-class",
        Severity::Error,
        "class `evil\u{1b}[2J\u{202e}gnp.exe` is\nnot declared",
    )
    .with_primary(Label::with_message(
        file,
        ByteSpan::new(at, at + 4),
        "named `\u{1b}[31mred`",
    ))
    .with_secondary(Label::with_message(
        file,
        ByteSpan::new(9_999, 10_000),
        "note \u{2066}isolated\u{2069}",
    ))
    .with_help("rename `\u{1b}[5m`\nor declare it");
    let bare = Diagnostic::new(
        "D002",
        "unused-class",
        Severity::Warning,
        "unused `a\u{7f}b`",
    )
    .with_path("x\u{1b}[8m.yaml");
    (sources, vec![d, bare])
}

fn unsafe_chars(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

#[test]
fn full_and_concise_escape_every_data_derived_text() {
    let (sources, diags) = diagnostics();
    let full = render(OutputFormat::Full, &diags, &sources, &RenderOptions::new());
    assert_eq!(unsafe_chars(&full), Vec::<char>::new(), "{full}");
    for expected in [
        "error[D003]: class `evil\\x1b[2J\\u{202e}gnp.exe` is\\nnot declared",
        "--> data/\\x1b]0;title\\x07x.json:1:11",
        "^^^^ named `\\x1b[31mred`",
        "= note: note \\u{2066}isolated\\u{2069}",
        "help: rename `\\x1b[5m`",
        "or declare it",
        "warning[D002]: unused `a\\x7fb`",
        "--> x\\x1b[8m.yaml",
        // The source line: one replacement cell per unsafe character.
        "1 | {\"name\": \"evil\u{fffd}[2J\u{fffd}gnp.exe\u{fffd}31m\"}",
    ] {
        assert!(full.contains(expected), "missing {expected:?} in\n{full}");
    }

    let concise = render(
        OutputFormat::Concise,
        &diags,
        &sources,
        &RenderOptions::new(),
    );
    assert_eq!(
        concise,
        "data/\\x1b]0;title\\x07x.json:1:11: D003 class `evil\\x1b[2J\\u{202e}gnp.exe` is not declared\n\
         x\\x1b[8m.yaml: D002 unused `a\\x7fb`\n"
    );

    let github = render(
        OutputFormat::Github,
        &diags,
        &sources,
        &RenderOptions::new(),
    );
    assert_eq!(unsafe_chars(&github), Vec::<char>::new(), "{github}");
    assert!(github.contains("::class `evil\\x1b[2J\\u{202e}gnp.exe` is%0Anot declared"));
}

/// json and sarif are escaped by serde: no raw control character, and the
/// text reads back unchanged.
#[test]
fn json_and_sarif_escape_as_json_strings() {
    let (sources, diags) = diagnostics();
    for format in [OutputFormat::Json, OutputFormat::Sarif] {
        let out = render(format, &diags, &sources, &RenderOptions::new());
        assert!(!out.contains('\u{1b}') && !out.contains('\u{9b}'), "{out}");
        assert!(out.contains("\\u001b[2J"), "{out}");
        let value: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        assert!(value.to_string().contains("gnp.exe"));
        assert!(
            out.contains("evil\\u001b[2J\u{202e}gnp.exe"),
            "{format:?}: {out}"
        );
    }
}
