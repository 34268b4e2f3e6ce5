use std::path::{Path, PathBuf};

/// A file of the repository's corpus of real files (tests/corpus).
pub(crate) fn corpus(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/corpus")).join(rel)
}
