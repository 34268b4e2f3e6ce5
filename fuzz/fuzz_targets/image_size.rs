#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| labelkit_imagesize::fuzz::fuzz_header(data));
