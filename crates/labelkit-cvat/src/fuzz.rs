//! Fuzz bodies: functions a cargo-fuzz target calls with arbitrary bytes.
//! They must never panic; seeds in `tests/fuzz_seeds/` are replayed by
//! `cargo test`.

use std::path::Path;

use crate::{read_bytes, write_to, ReadOptions, WriteOptions};

/// Reads arbitrary bytes as CVAT XML; whatever reads is written back in both
/// variants and read again.
pub fn fuzz_read(data: &[u8]) {
    let path = Path::new("fuzz.xml");
    let Ok(loaded) = read_bytes(path, data, &ReadOptions::default()) else {
        return;
    };
    for variant in [crate::Variant::Images, crate::Variant::Video] {
        let mut out = Vec::new();
        let options = WriteOptions::new().variant(variant);
        if write_to(&loaded.dataset, &mut out, &options).is_ok() {
            // The writer's output must always read back.
            let again = read_bytes(path, &out, &ReadOptions::default());
            assert!(
                again.is_ok(),
                "written output does not read back: {again:?}"
            );
        }
    }
}
