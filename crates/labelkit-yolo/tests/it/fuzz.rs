//! Replays the fuzz seeds: none may panic.

use std::fs;

#[test]
fn replay_fuzz_seeds() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz_seeds");
    let mut n = 0;
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let data = fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            continue;
        } else if name.starts_with("yaml") {
            labelkit_yolo::fuzz::fuzz_data_yaml(&data);
        } else {
            labelkit_yolo::fuzz::fuzz_rows(&data);
        }
        n += 1;
    }
    assert!(n >= 6, "only {n} seeds");
}

#[test]
fn bodies_survive_random_bytes() {
    // A small deterministic generator: no dependency, reproducible.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for len in 0..400usize {
        let data: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                b"0123456789. -e\nnan[]{}:,#\r\t"[(state % 27) as usize]
            })
            .collect();
        labelkit_yolo::fuzz::fuzz_rows(&data);
        labelkit_yolo::fuzz::fuzz_data_yaml(&data);
    }
}
