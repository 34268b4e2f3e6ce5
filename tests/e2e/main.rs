//! Conformance tests of the `labelkit` facade on the corpus of real files
//! in `tests/corpus`: format detection, reading, and conversions, with
//! assertions on what is read and written.

mod convert;
mod dataset_rules;
mod detect;
mod fidelity;
mod frame_step;
mod read;
mod skeleton_tracks;
mod untrusted_sizes;
mod video;

use std::path::PathBuf;

/// A file or folder of the corpus.
pub(crate) fn corpus(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus")).join(rel)
}
