//! Fuzz bodies: library functions that must never panic, whatever the
//! input. The cargo-fuzz targets are thin wrappers; the seeds in
//! `tests/fuzz_seeds/` are replayed by `cargo test`.

use std::path::Path;

use labelkit_diagnostics::FileId;

use crate::read::{convert_for_fuzz, Task4};

/// Tokenises `data` as a label file and converts its rows for every task
/// (pose with 3 points and 2 or 3 values per point) on a 640x480 image.
pub fn fuzz_rows(data: &[u8]) {
    let mut issues = Vec::new();
    let rows = crate::rows::tokenize(data, FileId(0), &mut issues);
    for task in [
        Task4::Detect,
        Task4::Segment,
        Task4::Obb,
        Task4::Pose2,
        Task4::Pose3,
    ] {
        convert_for_fuzz(&rows, task, &mut issues);
    }
}

/// Parses `data` as a `data.yaml`.
pub fn fuzz_data_yaml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    // As the reader does: the byte order mark is stripped first.
    let text = crate::data_yaml::strip_bom(&text);
    let mut issues = Vec::new();
    let _ = crate::data_yaml::parse_data_yaml(text, Path::new("data.yaml"), FileId(0), &mut issues);
    let _ = crate::data_yaml::parse_obj_data(text);
    let _ = crate::data_yaml::read_obj_names(text, FileId(0), &mut issues);
}
