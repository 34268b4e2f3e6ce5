#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| labelkit_cvat::fuzz::fuzz_read(data));
