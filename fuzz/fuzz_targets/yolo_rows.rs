#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| labelkit_yolo::fuzz::fuzz_rows(data));
