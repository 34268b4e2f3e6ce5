#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| labelkit_model::rle::fuzz_mask_conversion(data));
