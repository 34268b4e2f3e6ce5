//! Source files and diagnostics shared by the renderer tests.

use labelkit_diagnostics::{ByteSpan, Diagnostic, FileId, Label, Severity, SourceFile, SourceMap};

/// A pretty-printed COCO file with a non-ASCII file name and an attribute
/// value with umlauts before the box on line 9.
pub(crate) const COCO: &str = r#"{
  "images": [
    {"id": 1, "file_name": "café/0001.jpg", "width": 640, "height": 480},
    {"id": 2, "file_name": "0002.jpg", "width": 640, "height": 480}
  ],
  "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "face"}],
  "annotations": [
    {"id": 6, "image_id": 1, "category_id": 1, "bbox": [100, 50, 80, 200]},
    {"id": 7, "image_id": 1, "attributes": {"größe": "klein"}, "bbox": [10, 20, 2, 2]},
    {
      "id": 8,
      "image_id": 2,
      "category_id": 2,
      "bbox": [0, 0, 700, 10]
    }
  ]
}
"#;

/// The path the COCO fixture is shown under.
pub(crate) const COCO_PATH: &str = "data/train.json";

/// A YOLO label file with CRLF line ends.
pub(crate) const YOLO_CRLF: &str = "0 0.5 0.5 0.2 0.2\r\n1 0.5 0.5\r\n0 0.1 0.1 0.05 0.05\r\n";

/// The byte span of the `nth` (0-based) occurrence of `needle` in `text`.
///
/// # Panics
/// When the needle is not there: the fixture is wrong.
pub(crate) fn span_of(text: &str, needle: &str, nth: usize) -> ByteSpan {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("{needle:?} not in fixture"));
    ByteSpan::new(start, start + needle.len())
}

/// A source map holding the COCO fixture, the CRLF YOLO file and, when
/// asked, a minified one-line COCO file.
pub(crate) struct Fixture {
    pub(crate) sources: SourceMap,
    pub(crate) coco: FileId,
    pub(crate) yolo: FileId,
}

pub(crate) fn fixture() -> Fixture {
    let mut sources = SourceMap::new();
    let coco = sources.add(SourceFile::with_text(COCO_PATH, COCO.as_bytes().to_vec()));
    let yolo = sources.add(SourceFile::with_text(
        "data/labels/train/0001.txt",
        YOLO_CRLF.as_bytes().to_vec(),
    ));
    Fixture {
        sources,
        coco,
        yolo,
    }
}

/// A box below the minimum size, with a non-ASCII text before it on its
/// line, a secondary label on the image it belongs to, and help.
pub(crate) fn small_box(f: &Fixture) -> Diagnostic {
    Diagnostic::new(
        "G001",
        "box-too-small",
        Severity::Error,
        "box is 2.0x2.0 px, below the 3x3 minimum",
    )
    .with_primary(Label::with_message(
        f.coco,
        span_of(COCO, r#""bbox": [10, 20, 2, 2]"#, 0),
        "annotation 7",
    ))
    .with_secondary(Label::with_message(
        f.coco,
        span_of(
            COCO,
            r#"{"id": 1, "file_name": "café/0001.jpg", "width": 640, "height": 480}"#,
            0,
        ),
        "on image 1 (640x480)",
    ))
    .with_help("stretch the box to at least 3x3 px or delete it")
    .about(Some(1), Some(7))
}

/// A warning whose span covers a whole multi-line annotation object.
pub(crate) fn multiline_box(f: &Fixture) -> Diagnostic {
    let start = COCO.find("    {\n      \"id\": 8").map_or(0, |i| i + 4);
    let end = COCO[start..].find('}').map_or(0, |i| start + i + 1);
    Diagnostic::new(
        "G002",
        "shape-outside-image",
        Severity::Warning,
        "box reaches x=700, outside the 640 px wide image",
    )
    .with_primary(Label::with_message(
        f.coco,
        ByteSpan::new(start, end),
        "annotation 8",
    ))
    .about(Some(2), Some(8))
}

/// A reader issue on line 2 of the CRLF YOLO file.
pub(crate) fn yolo_row(f: &Fixture) -> Diagnostic {
    Diagnostic::new(
        "F002",
        "wrong-value-count",
        Severity::Error,
        "expected 5 values (class x y w h), found 3",
    )
    .at(f.yolo, span_of(YOLO_CRLF, "1 0.5 0.5", 0))
}

/// A dataset-level finding about a file, without position.
pub(crate) fn class_count() -> Diagnostic {
    Diagnostic::new(
        "D001",
        "too-few-labels",
        Severity::Info,
        "class `face` has 1 label, below the minimum of 3000",
    )
    .with_path("data/data.yaml")
    .with_help("annotate more faces, in varied sizes, poses and lighting")
}

/// A finding with neither position nor file.
pub(crate) fn no_file() -> Diagnostic {
    Diagnostic::new(
        "D002",
        "unused-class",
        Severity::Warning,
        "class `hand` is declared but never used",
    )
}

/// A minified COCO file of about 10,000 characters on one line, with a
/// small box in the middle. Returns the text and the box's span.
pub(crate) fn minified() -> (String, ByteSpan) {
    let mut text = String::from(
        r#"{"images":[{"id":1,"file_name":"a.jpg","width":640,"height":480}],"annotations":["#,
    );
    let mut id = 0;
    while text.len() < 5000 {
        id += 1;
        text.push_str(&format!(
            r#"{{"id":{id},"image_id":1,"category_id":1,"bbox":[{},{},40,80],"area":3200,"iscrowd":0}},"#,
            id % 600,
            id % 400
        ));
    }
    let start = text.len();
    text.push_str(
        r#"{"id":9999,"image_id":1,"category_id":1,"bbox":[12.5,30,1.5,2],"area":3,"iscrowd":0}"#,
    );
    let end = text.len();
    while text.len() < 10_000 {
        id += 1;
        text.push_str(&format!(
            r#",{{"id":{id},"image_id":1,"category_id":1,"bbox":[{},{},40,80],"area":3200,"iscrowd":0}}"#,
            id % 600,
            id % 400
        ));
    }
    text.push_str(r#"],"categories":[{"id":1,"name":"person"}]}"#);
    (text, ByteSpan::new(start, end))
}
