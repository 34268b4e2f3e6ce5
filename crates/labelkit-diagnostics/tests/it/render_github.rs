//! The `github` format.

use labelkit_diagnostics::{
    render, ByteSpan, Diagnostic, OutputFormat, RenderOptions, Severity, SourceFile, SourceMap,
};

use crate::fixtures::{self, fixture};
use crate::snap;

#[test]
fn github_workflow_commands() {
    let f = fixture();
    let diags = [
        fixtures::small_box(&f),
        fixtures::multiline_box(&f),
        fixtures::yolo_row(&f),
        fixtures::class_count(),
        fixtures::no_file(),
    ];
    let out = render(
        OutputFormat::Github,
        &diags,
        &f.sources,
        &RenderOptions::new(),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(
        lines[0],
        "::error file=data/train.json,line=9,col=64,endLine=9,endColumn=86,\
         title=G001 box-too-small::box is 2.0x2.0 px, below the 3x3 minimum\
         %0Ahelp: stretch the box to at least 3x3 px or delete it"
    );
    assert!(lines[1]
        .starts_with("::warning file=data/train.json,line=10,col=5,endLine=15,endColumn=6,"));
    assert!(lines[3].starts_with("::notice file=data/data.yaml,title=D001 too-few-labels::"));
    assert_eq!(
        lines[4],
        "::warning title=D002 unused-class::class `hand` is declared but never used"
    );
    snap!("github", out);
}

#[test]
fn github_escapes_properties_and_message() {
    let mut sources = SourceMap::new();
    let file = sources.add(SourceFile::with_text("/repo/a,b:c%.txt", b"xyz".to_vec()));
    let diag = Diagnostic::new(
        "X001",
        "x:y,z",
        Severity::Error,
        "100% wrong\r\nsecond: line, really",
    )
    .at(file, ByteSpan::new(1, 2));
    let out = render(
        OutputFormat::Github,
        &[diag],
        &sources,
        &RenderOptions::new().with_base_dir("/repo"),
    );
    assert_eq!(
        out,
        "::error file=a%2Cb%3Ac%25.txt,line=1,col=2,endLine=1,endColumn=3,\
         title=X001 x%3Ay%2Cz::100%25 wrong%0D%0Asecond: line, really\n"
    );
}
