//! Image sizes from file headers, without decoding pixels.
//!
//! Every format of labelkit needs the size of an image at some point: YOLO
//! rows are normalised to it, and the declared sizes of COCO and CVAT
//! files are checked against it (rule D007). This crate reads it from the
//! first bytes of the file.
//!
//! Supports JPEG (with the EXIF orientation applied: orientations 5 to 8
//! swap width and height), PNG, BMP, GIF, WebP (lossy, lossless, extended)
//! and TIFF (with its orientation tag). Only the first kilobytes of a file
//! are read; a JPEG whose frame header lies further (a large EXIF thumbnail)
//! is read in growing chunks until the header is found, up to 64 MiB.
//!
//! Image files come from datasets labelkit does not trust, so a file is
//! opened only when it is a regular file, without ever blocking
//! ([`open_regular`]): a FIFO, a socket or a device (`/dev/zero`,
//! `/dev/stdin`) is refused. The YOLO reader opens every file of a dataset
//! the same way.
//!
//! ```
//! use labelkit_imagesize::image_size_from_bytes;
//! let gif = b"GIF89a\x0a\x00\x05\x00";
//! assert_eq!(image_size_from_bytes(gif).unwrap(), (10, 5));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::io::{self, Read};
use std::path::Path;

mod file;
#[doc(hidden)]
#[cfg(feature = "fuzzing")]
pub mod fuzz;

pub use file::{is_symlink_refusal, open_regular};

/// Why an image size could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageSizeError {
    /// The file could not be opened or read. The I/O error is stated in
    /// the message, not also given as [`std::error::Error::source`], so
    /// that a reporter walking the chain does not print it twice.
    #[error("cannot read the image: {0}")]
    Io(io::Error),
    /// The bytes are not an image format labelkit knows.
    #[error("unknown image format")]
    UnknownFormat,
    /// The header ends before the size.
    #[error("the image header is truncated")]
    Truncated,
    /// The header is malformed.
    #[error("invalid image header: {0}")]
    Invalid(&'static str),
}

impl From<io::Error> for ImageSizeError {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

/// The size of the image at `path` as displayed: `(width, height)` after the
/// EXIF orientation is applied.
///
/// Only a regular file is read: a FIFO, a socket or a device (`/dev/stdin`)
/// is refused without blocking.
///
/// # Errors
/// [`ImageSizeError`] when the file cannot be read or its header parsed.
pub fn image_size(path: &Path) -> Result<(u32, u32), ImageSizeError> {
    image_size_from_reader(open_regular(path, true)?)
}

/// The size of the image whose bytes `reader` gives from the start of its
/// file, as [`image_size`]: one read of up to 4 KiB, which holds almost
/// every header, then reads in growing chunks (16 KiB, 64 KiB, ...) while
/// the header is not complete, up to 64 MiB. Short reads are no error.
///
/// # Errors
/// [`ImageSizeError::Io`] when a read fails, else as
/// [`image_size_from_bytes`] on the bytes read.
pub fn image_size_from_reader<R: Read>(mut reader: R) -> Result<(u32, u32), ImageSizeError> {
    // One read is enough for almost every header: parse what it gave.
    let mut head = [0u8; 4096];
    let n = loop {
        match reader.read(&mut head) {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    };
    let first = head.get(..n).unwrap_or_default();
    match image_size_from_bytes(first) {
        Err(ImageSizeError::Truncated) if n > 0 => {}
        other => return other,
    }
    // A header further in (a JPEG after a large EXIF thumbnail), or a short
    // read: read in growing chunks.
    let mut buf = Vec::with_capacity(16 * 1024);
    buf.extend_from_slice(first);
    let mut limit = 16 * 1024u64;
    loop {
        let want = limit - buf.len() as u64;
        let read = (&mut reader).take(want).read_to_end(&mut buf)?;
        match image_size_from_bytes(&buf) {
            Err(ImageSizeError::Truncated) if read as u64 == want && limit < (64 << 20) => {
                limit *= 4;
            }
            other => return other,
        }
    }
}

/// The size of an image from the first bytes of its file.
///
/// # Errors
/// [`ImageSizeError::Truncated`] when more bytes are needed, or another
/// [`ImageSizeError`] for unknown or malformed headers.
pub fn image_size_from_bytes(bytes: &[u8]) -> Result<(u32, u32), ImageSizeError> {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        jpeg(bytes)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(bytes)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        let w = u16_le(bytes, 6)?;
        let h = u16_le(bytes, 8)?;
        Ok((u32::from(w), u32::from(h)))
    } else if bytes.starts_with(b"BM") {
        bmp(bytes)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        webp(bytes)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        tiff(bytes)
    } else if bytes.len() < 12 {
        Err(ImageSizeError::Truncated)
    } else {
        Err(ImageSizeError::UnknownFormat)
    }
}

fn slice(bytes: &[u8], at: usize, len: usize) -> Result<&[u8], ImageSizeError> {
    bytes
        .get(at..at.checked_add(len).ok_or(ImageSizeError::Truncated)?)
        .ok_or(ImageSizeError::Truncated)
}

fn u16_le(b: &[u8], at: usize) -> Result<u16, ImageSizeError> {
    let s = slice(b, at, 2)?;
    Ok(u16::from_le_bytes([s[0], s[1]]))
}

fn u16_be(b: &[u8], at: usize) -> Result<u16, ImageSizeError> {
    let s = slice(b, at, 2)?;
    Ok(u16::from_be_bytes([s[0], s[1]]))
}

fn u32_le(b: &[u8], at: usize) -> Result<u32, ImageSizeError> {
    let s = slice(b, at, 4)?;
    Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u32_be(b: &[u8], at: usize) -> Result<u32, ImageSizeError> {
    let s = slice(b, at, 4)?;
    Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn oriented(w: u32, h: u32, orientation: u16) -> (u32, u32) {
    if (5..=8).contains(&orientation) {
        (h, w)
    } else {
        (w, h)
    }
}

fn png(b: &[u8]) -> Result<(u32, u32), ImageSizeError> {
    if slice(b, 12, 4)? != b"IHDR" {
        return Err(ImageSizeError::Invalid("png without IHDR"));
    }
    Ok((u32_be(b, 16)?, u32_be(b, 20)?))
}

fn bmp(b: &[u8]) -> Result<(u32, u32), ImageSizeError> {
    let header = u32_le(b, 14)?;
    if header == 12 {
        return Ok((u32::from(u16_le(b, 18)?), u32::from(u16_le(b, 20)?)));
    }
    let w = i32::from_le_bytes(u32_le(b, 18)?.to_le_bytes());
    let h = i32::from_le_bytes(u32_le(b, 22)?.to_le_bytes());
    // A negative height means a top-down bitmap.
    Ok((w.unsigned_abs(), h.unsigned_abs()))
}

fn webp(b: &[u8]) -> Result<(u32, u32), ImageSizeError> {
    match slice(b, 12, 4)? {
        b"VP8 " => {
            if slice(b, 23, 3)? != [0x9D, 0x01, 0x2A] {
                return Err(ImageSizeError::Invalid("webp VP8 without start code"));
            }
            let w = u16_le(b, 26)? & 0x3FFF;
            let h = u16_le(b, 28)? & 0x3FFF;
            Ok((u32::from(w), u32::from(h)))
        }
        b"VP8L" => {
            if slice(b, 20, 1)? != [0x2F] {
                return Err(ImageSizeError::Invalid("webp VP8L without signature"));
            }
            let bits = u32_le(b, 21)?;
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => {
            let s = slice(b, 24, 6)?;
            let w = u32::from_le_bytes([s[0], s[1], s[2], 0]) + 1;
            let h = u32::from_le_bytes([s[3], s[4], s[5], 0]) + 1;
            Ok((w, h))
        }
        _ => Err(ImageSizeError::Invalid("unknown webp chunk")),
    }
}

/// Reads a TIFF structure starting at `base` (a whole TIFF file, or the
/// payload of a JPEG EXIF segment); returns width, height and orientation
/// tags of the first IFD.
fn tiff_tags(b: &[u8]) -> Result<(Option<u32>, Option<u32>, u16), ImageSizeError> {
    let little = match slice(b, 0, 2)? {
        b"II" => true,
        b"MM" => false,
        _ => return Err(ImageSizeError::Invalid("tiff without byte order")),
    };
    let r16 = |at: usize| if little { u16_le(b, at) } else { u16_be(b, at) };
    let r32 = |at: usize| if little { u32_le(b, at) } else { u32_be(b, at) };
    let ifd = r32(4)? as usize;
    let count = r16(ifd)? as usize;
    let (mut w, mut h, mut orientation) = (None, None, 1u16);
    for i in 0..count.min(1000) {
        let entry = ifd + 2 + i * 12;
        let tag = r16(entry)?;
        let kind = r16(entry + 2)?;
        let value = match kind {
            3 => u32::from(r16(entry + 8)?),
            4 => r32(entry + 8)?,
            _ => continue,
        };
        match tag {
            256 => w = Some(value),
            257 => h = Some(value),
            274 => orientation = u16::try_from(value).unwrap_or(1),
            _ => {}
        }
    }
    Ok((w, h, orientation))
}

fn tiff(b: &[u8]) -> Result<(u32, u32), ImageSizeError> {
    match tiff_tags(b)? {
        (Some(w), Some(h), o) => Ok(oriented(w, h, o)),
        _ => Err(ImageSizeError::Invalid("tiff without width or height")),
    }
}

fn jpeg(b: &[u8]) -> Result<(u32, u32), ImageSizeError> {
    let mut pos = 2usize;
    let mut orientation = 1u16;
    loop {
        // Skip fill bytes.
        let marker = loop {
            let byte = *b.get(pos).ok_or(ImageSizeError::Truncated)?;
            if byte != 0xFF {
                return Err(ImageSizeError::Invalid("jpeg marker expected"));
            }
            let next = *b.get(pos + 1).ok_or(ImageSizeError::Truncated)?;
            pos += 1;
            if next != 0xFF {
                pos += 1;
                break next;
            }
        };
        match marker {
            // Markers without a length.
            0xD8 | 0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return Err(ImageSizeError::Invalid("jpeg without frame header")),
            _ => {}
        }
        let len = usize::from(u16_be(b, pos)?);
        if len < 2 {
            return Err(ImageSizeError::Invalid("jpeg segment length"));
        }
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let h = u16_be(b, pos + 3)?;
            let w = u16_be(b, pos + 5)?;
            return Ok(oriented(u32::from(w), u32::from(h), orientation));
        }
        if marker == 0xE1 {
            if let Ok(segment) = slice(b, pos + 2, len - 2) {
                if segment.starts_with(b"Exif\0\0") {
                    if let Ok((_, _, o)) = tiff_tags(&segment[6..]) {
                        orientation = o;
                    }
                }
            }
        }
        pos += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_gif_bmp_webp_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend(640u32.to_be_bytes());
        png.extend(480u32.to_be_bytes());
        assert_eq!(image_size_from_bytes(&png).unwrap(), (640, 480));

        let gif = b"GIF89a\x0a\x00\x05\x00rest";
        assert_eq!(image_size_from_bytes(gif).unwrap(), (10, 5));

        let mut bmp = b"BM".to_vec();
        bmp.extend([0u8; 12]);
        bmp.extend(40u32.to_le_bytes());
        bmp.extend(7i32.to_le_bytes());
        bmp.extend((-9i32).to_le_bytes());
        assert_eq!(image_size_from_bytes(&bmp).unwrap(), (7, 9));

        let mut webp = b"RIFF\0\0\0\0WEBPVP8X".to_vec();
        webp.extend([0u8; 8]);
        webp.extend([99, 0, 0, 49, 0, 0]);
        assert_eq!(image_size_from_bytes(&webp).unwrap(), (100, 50));
    }

    #[test]
    fn tiff_with_orientation_swaps() {
        let mut t = b"II*\0".to_vec();
        t.extend(8u32.to_le_bytes());
        t.extend(3u16.to_le_bytes());
        for (tag, value) in [(256u16, 30u32), (257, 20), (274, 6)] {
            t.extend(tag.to_le_bytes());
            t.extend(4u16.to_le_bytes());
            t.extend(1u32.to_le_bytes());
            t.extend(value.to_le_bytes());
        }
        assert_eq!(image_size_from_bytes(&t).unwrap(), (20, 30));
    }

    #[test]
    fn garbage_never_panics() {
        assert!(matches!(
            image_size_from_bytes(b"hello world!!"),
            Err(ImageSizeError::UnknownFormat)
        ));
        assert!(matches!(
            image_size_from_bytes(&[0xFF, 0xD8, 0xFF]),
            Err(ImageSizeError::Truncated)
        ));
        assert!(image_size_from_bytes(b"II*\0\xff\xff\xff\xff").is_err());
    }
}
