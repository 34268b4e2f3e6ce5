//! Tiny valid PNG files of a given size.
//!
//! The generated datasets need real image files whose headers carry the
//! right size, without spending disk on pixels: a 1-bit greyscale PNG whose
//! rows are all zero compresses to a few hundred bytes with a fixed-Huffman
//! deflate stream made of distance-1 matches. This module writes exactly
//! that, with no compression library.

/// Encodes a blank `width x height` 1-bit greyscale PNG.
#[must_use]
pub fn blank_png(width: u32, height: u32) -> Vec<u8> {
    let row = 1 + width.div_ceil(8) as usize;
    let raw_len = row * height as usize;
    let mut out = Vec::with_capacity(64 + raw_len / 200);
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]);
    chunk(&mut out, *b"IHDR", &ihdr);
    chunk(&mut out, *b"IDAT", &zlib_zeros(raw_len));
    chunk(&mut out, *b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: [u8; 4], data: &[u8]) {
    // The generated images are small (a few KiB of zlib per image).
    let len = u32::try_from(data.len()).expect("PNG chunk below 4 GiB");
    out.extend_from_slice(&len.to_be_bytes());
    let start = out.len();
    out.extend_from_slice(&kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// Appends bits least-significant first, as deflate wants.
struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= value << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push((self.acc & 0xff) as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// Huffman codes are sent most-significant bit first.
    fn put_code(&mut self, code: u32, len: u32) {
        let reversed = code.reverse_bits() >> (32 - len);
        self.put(reversed, len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push((self.acc & 0xff) as u8);
        }
        self.out
    }
}

/// A zlib stream of `len` zero bytes.
fn zlib_zeros(len: usize) -> Vec<u8> {
    let mut bits = Bits {
        out: vec![0x78, 0x01],
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // final block
    bits.put(1, 2); // fixed Huffman
    let literal_zero = |bits: &mut Bits| bits.put_code(0b0011_0000, 8);
    let mut remaining = len;
    if remaining > 0 {
        literal_zero(&mut bits);
        remaining -= 1;
    }
    while remaining >= 258 {
        bits.put_code(0b1100_0101, 8); // length 258 (code 285)
        bits.put_code(0, 5); // distance 1 (code 0)
        remaining -= 258;
    }
    for _ in 0..remaining {
        literal_zero(&mut bits);
    }
    bits.put_code(0, 7); // end of block (256)
    let mut out = bits.finish();
    // Adler-32 of `len` zeros: a = 1, b = len mod 65521.
    let b = u32::try_from(len % 65_521).unwrap_or(0);
    out.extend_from_slice(&((b << 16) | 1).to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_carries_the_size() {
        let png = blank_png(640, 480);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(
            u32::from_be_bytes([png[16], png[17], png[18], png[19]]),
            640
        );
        assert_eq!(
            u32::from_be_bytes([png[20], png[21], png[22], png[23]]),
            480
        );
        assert!(png.len() < 600, "{} bytes", png.len());
    }

    #[test]
    fn crc_of_iend_is_the_well_known_value() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }
}
