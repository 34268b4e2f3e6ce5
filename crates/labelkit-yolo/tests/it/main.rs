//! Integration tests of labelkit-yolo (one binary, several modules).

mod corpus;
mod facts;
mod fuzz;
mod hostile;
mod single_file;
mod write;

use std::path::PathBuf;

use labelkit_model::{Dataset, Geometry};

pub(crate) fn corpus(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/corpus/")).join(rel)
}

pub(crate) fn r3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// `(class index, x_min, y_min, x_max, y_max)` of every box, rounded.
pub(crate) fn boxes(d: &Dataset, image: usize) -> Vec<(i64, f64, f64, f64, f64)> {
    let id = d.images[image].id;
    d.annotations
        .iter()
        .filter(|a| a.image == id)
        .filter_map(|a| match &a.geometry {
            Geometry::Box(b) => Some((
                d.labels
                    .get(a.label)
                    .and_then(|l| l.source_id)
                    .unwrap_or(-1),
                r3(b.x_min),
                r3(b.y_min),
                r3(b.x_max),
                r3(b.y_max),
            )),
            _ => None,
        })
        .collect()
}

pub(crate) fn codes(issues: &[labelkit_diagnostics::Diagnostic]) -> Vec<&str> {
    issues.iter().map(|d| d.code.as_str()).collect()
}
