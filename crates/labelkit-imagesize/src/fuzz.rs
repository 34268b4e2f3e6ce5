//! The fuzz body: the header parsers must never panic, whatever the input,
//! and must agree with themselves. The cargo-fuzz target `image_size` is a
//! thin wrapper; the seeds in `tests/fuzz_seeds/` are replayed by
//! `cargo test`.

use std::io::{self, Read};

use crate::{image_size_from_bytes, image_size_from_reader, ImageSizeError};

/// Parses `data` as the start of an image file, and checks that:
/// - reading it through [`image_size_from_reader`] in short reads (sizes
///   taken from the data, 1 to 64 bytes) gives what parsing it whole gives;
/// - a size found does not change when bytes follow the header.
///
/// # Panics
/// When either does not hold; never on the input alone.
pub fn fuzz_header(data: &[u8]) {
    let whole = image_size_from_bytes(data);
    let chunked = image_size_from_reader(ShortReads { data, at: 0 });
    assert_eq!(
        outcome(&chunked),
        outcome(&whole),
        "short reads disagree with the whole bytes"
    );
    if let Ok(size) = whole {
        let mut longer = data.to_vec();
        longer.extend_from_slice(&[0xFF; 16]);
        assert_eq!(
            image_size_from_bytes(&longer).ok(),
            Some(size),
            "bytes after the header changed its size"
        );
    }
}

/// A result in a comparable form: the size, or the error's message.
fn outcome(r: &Result<(u32, u32), ImageSizeError>) -> Result<(u32, u32), String> {
    r.as_ref().map(|&s| s).map_err(ToString::to_string)
}

/// A reader that gives `data` in short pieces, each as long as the byte
/// at its start says (1 to 64), as a pipe or a network file system may.
struct ShortReads<'a> {
    data: &'a [u8],
    at: usize,
}

impl Read for ShortReads<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = self.data.get(self.at..).unwrap_or_default();
        let piece = rest.first().map_or(0, |&b| usize::from(b % 64) + 1);
        let n = piece.min(rest.len()).min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        Ok(n)
    }
}
