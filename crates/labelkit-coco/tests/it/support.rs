//! Helpers shared by the test modules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use labelkit_diagnostics::{Diagnostic, Loaded};
use labelkit_model::rle::{CocoCounts, MaskEncoding};
use labelkit_model::{Annotation, Dataset, Geometry};

/// The path of a corpus file.
pub(crate) fn corpus(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/corpus")).join(rel)
}

/// Reads a corpus file, failing the test on a fatal error.
pub(crate) fn read(rel: &str) -> Loaded {
    labelkit_coco::read_path(&corpus(rel), &labelkit_coco::ReadOptions::default())
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Reads bytes under a made-up path.
pub(crate) fn read_text(text: &str) -> Result<Loaded, labelkit_coco::Error> {
    labelkit_coco::read_bytes(
        Path::new("test.json"),
        text.as_bytes(),
        &labelkit_coco::ReadOptions::default(),
    )
}

/// The model annotations that carry a COCO annotation's id (the first shape
/// of each COCO annotation).
pub(crate) fn primaries(ds: &Dataset) -> Vec<&Annotation> {
    ds.annotations
        .iter()
        .filter(|a| a.group.is_none_or(|g| g.0 == a.id.0))
        .collect()
}

/// The shapes of the COCO annotation `id`.
pub(crate) fn object(ds: &Dataset, id: u64) -> Vec<&Annotation> {
    ds.annotations
        .iter()
        .filter(|a| a.group.map_or(a.id.0 == id, |g| g.0 == id))
        .collect()
}

/// Segmentation kinds counted as in EXPECTED.md.
pub(crate) fn segmentation_kinds(ds: &Dataset) -> BTreeMap<String, usize> {
    let mut kinds = BTreeMap::new();
    for p in primaries(ds) {
        let shapes = object(ds, p.id.0);
        let kind = shapes
            .iter()
            .find_map(|a| match &a.geometry {
                Geometry::Polygon(poly) => Some(format!("polygon_{}", poly.rings.len())),
                Geometry::Mask(m) => Some(
                    match &m.encoding {
                        MaskEncoding::Coco {
                            counts: CocoCounts::Runs(_),
                            ..
                        } => "rle_uncompressed",
                        _ => "rle_compressed",
                    }
                    .to_owned(),
                ),
                _ => None,
            })
            .unwrap_or_else(|| {
                if p.kept
                    .get::<labelkit_coco::CocoAnnotationFields>()
                    .is_some_and(labelkit_coco::CocoAnnotationFields::empty_segmentation)
                {
                    "empty_list".to_owned()
                } else {
                    "absent".to_owned()
                }
            });
        *kinds.entry(kind).or_insert(0) += 1;
    }
    kinds
}

/// `path:line:col: CODE message` of each issue.
pub(crate) fn rendered(loaded: &Loaded) -> Vec<String> {
    loaded.issues.iter().map(|d| concise(loaded, d)).collect()
}

fn concise(loaded: &Loaded, d: &Diagnostic) -> String {
    let (path, lc) = match &d.primary {
        Some(label) => {
            let file = loaded.sources.get(label.file).expect("file in source map");
            let lc = file.line_col(label.span.start);
            (file.path().display().to_string(), (lc.line, lc.column))
        }
        None => (String::new(), (0, 0)),
    };
    format!("{path}:{}:{}: {} {}", lc.0, lc.1, d.code, d.message)
}
