//! The `concise` format.

use labelkit_diagnostics::{render, OutputFormat, RenderOptions};

use crate::fixtures::{self, fixture, COCO};
use crate::render_full::strip_ansi;
use crate::snap;

#[test]
fn concise_one_line_per_finding() {
    let f = fixture();
    let diags = [
        fixtures::small_box(&f),
        fixtures::multiline_box(&f),
        fixtures::yolo_row(&f),
        fixtures::class_count(),
        fixtures::no_file(),
    ];
    let out = render(
        OutputFormat::Concise,
        &diags,
        &f.sources,
        &RenderOptions::new(),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5);
    let line9 = COCO.lines().nth(8).unwrap();
    let col = line9[..line9.find("\"bbox\"").unwrap()].chars().count() + 1;
    assert_eq!(
        lines[0],
        format!("data/train.json:9:{col}: G001 box is 2.0x2.0 px, below the 3x3 minimum")
    );
    assert_eq!(
        lines[2],
        "data/labels/train/0001.txt:2:1: F002 expected 5 values (class x y w h), found 3"
    );
    assert_eq!(
        lines[3],
        "data/data.yaml: D001 class `face` has 1 label, below the minimum of 3000"
    );
    assert_eq!(lines[4], "D002 class `hand` is declared but never used");
    snap!("concise", &out);

    let colored = render(
        OutputFormat::Concise,
        &diags,
        &f.sources,
        &RenderOptions::new().with_color(true),
    );
    assert!(colored.contains("\x1b[1mdata/train.json\x1b[0m:9:"));
    assert_eq!(strip_ansi(&colored), out);
}

#[test]
fn concise_flattens_multi_line_messages() {
    let f = fixture();
    let mut d = fixtures::no_file();
    d.message = "first\nsecond\r\nthird".into();
    let out = render(
        OutputFormat::Concise,
        &[d],
        &f.sources,
        &RenderOptions::new(),
    );
    assert_eq!(out, "D002 first second third\n");
}
