//! Integration tests of labelkit-imagesize (one binary, several modules).

mod fuzz;
mod headers;

use std::path::PathBuf;

pub(crate) fn corpus(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/corpus/")).join(rel)
}
