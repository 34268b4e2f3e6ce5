//! Replays the fuzz seeds through the fuzz body, and checks their sizes.

use std::fs;
use std::path::Path;

use labelkit_imagesize::fuzz::fuzz_header;
use labelkit_imagesize::{image_size, image_size_from_bytes};

/// A seed and the size it gives, or the error's message.
type Expected = (&'static str, Result<(u32, u32), &'static str>);

#[test]
fn seeds_give_their_sizes_and_the_fuzz_body_holds() {
    let expected: &[Expected] = &[
        ("bmp_core_7x9.bmp", Ok((7, 9))),
        ("bmp_topdown_7x9.bmp", Ok((7, 9))),
        ("gif_10x5.gif", Ok((10, 5))),
        ("jpeg_exif_orientation6.jpg", Ok((480, 640))),
        ("jpeg_frame_after_8k_segment.jpg", Ok((64, 48))),
        ("png_640x480.png", Ok((640, 480))),
        ("tiff_be_short.tif", Ok((30, 20))),
        ("tiff_le_orientation6.tif", Ok((20, 30))),
        ("truncated_exif.jpg", Err("the image header is truncated")),
        ("webp_vp8_100x50.webp", Ok((100, 50))),
        ("webp_vp8l_100x50.webp", Ok((100, 50))),
        ("webp_vp8x_100x50.webp", Ok((100, 50))),
    ];
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz_seeds"));
    let mut seen = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.ends_with(".md") {
            continue;
        }
        let data = fs::read(&path).unwrap();
        fuzz_header(&data);
        let want = expected
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("{name}: a seed without an expected size"))
            .1;
        // From the bytes, and from the file (the 8 KiB JPEG needs the
        // reads beyond the first 4 KiB).
        for got in [image_size_from_bytes(&data), image_size(&path)] {
            assert_eq!(
                got.map_err(|e| e.to_string()),
                want.map_err(str::to_owned),
                "{name}"
            );
        }
        seen.push(name);
    }
    seen.sort();
    let mut names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    assert_eq!(seen, names);
}

#[test]
fn the_fuzz_body_survives_random_bytes_and_header_prefixes() {
    // A small deterministic generator: no dependency, reproducible.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let magics: [&[u8]; 8] = [
        b"\xFF\xD8\xFF\xE1",
        b"\x89PNG\r\n\x1a\n",
        b"GIF89a",
        b"BM",
        b"RIFF\0\0\0\0WEBPVP8X",
        b"II*\0",
        b"MM\0*",
        b"",
    ];
    for len in 0..300usize {
        let magic = magics[len % magics.len()];
        let mut data = magic.to_vec();
        data.extend((0..len).map(|_| (next() % 256) as u8));
        fuzz_header(&data);
    }
    // Every prefix of two seeds: truncation anywhere.
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz_seeds"));
    for name in ["jpeg_exif_orientation6.jpg", "tiff_le_orientation6.tif"] {
        let data = fs::read(dir.join(name)).unwrap();
        for end in 0..data.len() {
            fuzz_header(&data[..end]);
        }
    }
}
