//! Run-length encoded masks.
//!
//! Two encodings meet here:
//!
//! - **COCO**: runs over the whole image in column-major (Fortran) order,
//!   alternating background/foreground and starting with a background run
//!   (which may be 0). `size` is `[height, width]`. The runs are stored either
//!   as a list of integers or as the compressed counts string of pycocotools
//!   (`maskApi.c` `rleToString`: 5 bits per character with a continuation bit,
//!   offset by 48, and each run after the third stored as the difference from
//!   the run two before it).
//! - **CVAT**: runs in row-major order inside a `width x height` window whose
//!   top-left pixel is `(left, top)`, also starting with a background run.
//!
//! A [`MaskEncoding`] keeps whichever form was read, so a round trip through
//! the same format gives back the identical text; conversions produce the
//! other forms on demand.

use std::fmt;

use crate::geometry::BoxGeom;

/// How a COCO mask stores its runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CocoCounts {
    /// Uncompressed: a list of run lengths.
    Runs(Vec<u32>),
    /// Compressed: the pycocotools counts string.
    Compressed(String),
}

/// A run-length encoded mask in the form it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaskEncoding {
    /// CVAT: row-major runs inside a window.
    Window {
        /// Left column of the window.
        left: u32,
        /// Top row of the window.
        top: u32,
        /// Window width in pixels.
        width: u32,
        /// Window height in pixels.
        height: u32,
        /// Alternating background/foreground runs, row-major.
        counts: Vec<u32>,
    },
    /// COCO: column-major runs over the whole image.
    Coco {
        /// Image height (`size[0]`).
        height: u32,
        /// Image width (`size[1]`).
        width: u32,
        /// The runs.
        counts: CocoCounts,
    },
}

/// A problem with a run-length encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RleError {
    /// The runs do not add up to the mask's area.
    Length {
        /// `width * height`.
        expected: u64,
        /// The sum of the runs.
        found: u64,
    },
    /// A compressed counts string holds a character outside `'0'..='o'`, or
    /// decodes to a negative run.
    BadString {
        /// Byte offset in the string.
        offset: usize,
    },
}

impl fmt::Display for RleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length { expected, found } => write!(
                f,
                "runs add up to {found} pixels, but the mask has {expected}"
            ),
            Self::BadString { offset } => {
                write!(f, "invalid compressed RLE counts at character {offset}")
            }
        }
    }
}

impl std::error::Error for RleError {}

/// Decodes a pycocotools compressed counts string into run lengths.
///
/// # Errors
/// [`RleError::BadString`] for characters outside `'0'..='o'`, a truncated
/// final run, or a run that decodes negative or beyond `u32`.
pub fn decode_counts_string(s: &str) -> Result<Vec<u32>, RleError> {
    let bytes = s.as_bytes();
    let mut counts: Vec<u32> = Vec::with_capacity(bytes.len() / 2);
    let mut p = 0;
    while p < bytes.len() {
        let start = p;
        let mut x: i64 = 0;
        let mut k = 0u32;
        loop {
            let Some(&byte) = bytes.get(p) else {
                return Err(RleError::BadString { offset: start });
            };
            if !(48..=111).contains(&byte) || k > 12 {
                return Err(RleError::BadString { offset: p });
            }
            let c = i64::from(byte - 48);
            x |= (c & 0x1f) << (5 * k);
            p += 1;
            k += 1;
            if c & 0x20 == 0 {
                if c & 0x10 != 0 {
                    x |= -1i64 << (5 * k);
                }
                break;
            }
        }
        let m = counts.len();
        if m > 2 {
            x += i64::from(counts[m - 2]);
        }
        let run = u32::try_from(x).map_err(|_| RleError::BadString { offset: start })?;
        counts.push(run);
    }
    Ok(counts)
}

/// Encodes run lengths as a pycocotools compressed counts string.
#[must_use]
pub fn encode_counts_string(counts: &[u32]) -> String {
    let mut out = String::with_capacity(counts.len() * 2);
    for (i, &run) in counts.iter().enumerate() {
        let mut x = i64::from(run);
        if i > 2 {
            x -= i64::from(counts[i - 2]);
        }
        loop {
            let mut c = x & 0x1f;
            x >>= 5;
            let more = if c & 0x10 != 0 { x != -1 } else { x != 0 };
            if more {
                c |= 0x20;
            }
            // c is in 0..64, so the character is ASCII 48..=111.
            out.push(char::from(u8::try_from(c + 48).unwrap_or(b'0')));
            if !more {
                break;
            }
        }
    }
    out
}

/// A decoded mask: `width x height` pixels, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Row-major pixels, `true` for foreground.
    pub pixels: Vec<bool>,
}

impl Bitmap {
    /// The pixel at `(x, y)`; `false` outside the bitmap.
    #[must_use]
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        self.pixels
            .get(y as usize * self.width as usize + x as usize)
            .copied()
            .unwrap_or(false)
    }
}

fn check_sum(counts: &[u32], expected: u64) -> Result<(), RleError> {
    let found: u64 = counts.iter().map(|&c| u64::from(c)).sum();
    if found == expected {
        Ok(())
    } else {
        Err(RleError::Length { expected, found })
    }
}

/// Foreground pixel count of alternating runs starting with background.
fn foreground(counts: &[u32]) -> u64 {
    counts
        .iter()
        .skip(1)
        .step_by(2)
        .map(|&c| u64::from(c))
        .sum()
}

impl MaskEncoding {
    /// The runs as integers, decoding a compressed string.
    ///
    /// # Errors
    /// [`RleError::BadString`] for an invalid compressed string.
    pub fn runs(&self) -> Result<std::borrow::Cow<'_, [u32]>, RleError> {
        match self {
            Self::Window { counts, .. }
            | Self::Coco {
                counts: CocoCounts::Runs(counts),
                ..
            } => Ok(std::borrow::Cow::Borrowed(counts)),
            Self::Coco {
                counts: CocoCounts::Compressed(s),
                ..
            } => decode_counts_string(s).map(std::borrow::Cow::Owned),
        }
    }

    /// Checks that the runs decode and add up to the mask's area.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> Result<(), RleError> {
        let runs = self.runs()?;
        let (w, h) = self.size();
        check_sum(&runs, u64::from(w) * u64::from(h))
    }

    /// `(width, height)` of the area the runs cover: the window for CVAT, the
    /// image for COCO.
    #[must_use]
    pub fn size(&self) -> (u32, u32) {
        match *self {
            Self::Window { width, height, .. } | Self::Coco { width, height, .. } => {
                (width, height)
            }
        }
    }

    /// Number of foreground pixels (pycocotools `area`); 0 for an invalid
    /// compressed string.
    #[must_use]
    pub fn pixel_count(&self) -> u64 {
        self.runs().map_or(0, |r| foreground(&r))
    }

    /// The tight bounding box of the foreground in image pixels (a pixel at
    /// column `x` spans `[x, x + 1]`), as pycocotools `toBbox`; `None` when
    /// empty or invalid.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn bounds(&self) -> Option<BoxGeom> {
        let runs = self.runs().ok()?;
        let (major, left, top, column_major) = match *self {
            Self::Window {
                left, top, width, ..
            } => (u64::from(width), left, top, false),
            Self::Coco { height, .. } => (u64::from(height), 0, 0, true),
        };
        if major == 0 {
            return None;
        }
        // For each foreground run, the positions it covers form a range of
        // "lines" (rows for CVAT, columns for COCO) and offsets inside them.
        let (mut lo_line, mut hi_line) = (u64::MAX, 0u64);
        let (mut lo_off, mut hi_off) = (u64::MAX, 0u64);
        let mut pos = 0u64;
        for (i, &run) in runs.iter().enumerate() {
            let run = u64::from(run);
            if i % 2 == 1 && run > 0 {
                let (first, last) = (pos, pos + run - 1);
                let (l0, o0) = (first / major, first % major);
                let (l1, o1) = (last / major, last % major);
                lo_line = lo_line.min(l0);
                hi_line = hi_line.max(l1);
                if l0 == l1 {
                    lo_off = lo_off.min(o0);
                    hi_off = hi_off.max(o1);
                } else {
                    // The run wraps a line, so it touches both ends of it.
                    lo_off = 0;
                    hi_off = major - 1;
                }
            }
            pos += run;
        }
        if lo_line == u64::MAX {
            return None;
        }
        let (x0, x1, y0, y1) = if column_major {
            (lo_line, hi_line, lo_off, hi_off)
        } else {
            (lo_off, hi_off, lo_line, hi_line)
        };
        let (left, top) = (u64::from(left), u64::from(top));
        Some(BoxGeom::from_xyxy(
            (left + x0) as f64,
            (top + y0) as f64,
            (left + x1 + 1) as f64,
            (top + y1 + 1) as f64,
        ))
    }

    /// Decodes the mask over the area its runs cover (see
    /// [`MaskEncoding::size`]).
    ///
    /// # Errors
    /// An invalid string or runs that do not add up.
    pub fn to_bitmap(&self) -> Result<Bitmap, RleError> {
        let runs = self.runs()?;
        let (w, h) = self.size();
        check_sum(&runs, u64::from(w) * u64::from(h))?;
        let (wu, hu) = (w as usize, h as usize);
        let mut pixels = vec![false; wu * hu];
        let column_major = matches!(self, Self::Coco { .. });
        let mut pos = 0usize;
        for (i, &run) in runs.iter().enumerate() {
            let run = run as usize;
            if i % 2 == 1 {
                for p in pos..pos + run {
                    let idx = if column_major {
                        (p % hu) * wu + p / hu
                    } else {
                        p
                    };
                    pixels[idx] = true;
                }
            }
            pos += run;
        }
        Ok(Bitmap {
            width: w,
            height: h,
            pixels,
        })
    }

    /// Converts to COCO's full-image column-major runs for an image of the
    /// given size. Window pixels outside the image are dropped.
    ///
    /// # Errors
    /// An invalid string or runs that do not add up.
    pub fn to_coco(&self, image_width: u32, image_height: u32) -> Result<Vec<u32>, RleError> {
        if let Self::Coco { width, height, .. } = self {
            if (*width, *height) == (image_width, image_height) {
                return self.runs().map(std::borrow::Cow::into_owned);
            }
        }
        let bitmap = self.to_bitmap()?;
        let (left, top) = match *self {
            Self::Window { left, top, .. } => (left, top),
            Self::Coco { .. } => (0, 0),
        };
        let mut counts = Vec::new();
        let mut current = false;
        let mut run = 0u32;
        for x in 0..image_width {
            for y in 0..image_height {
                let inside = x >= left
                    && y >= top
                    && x - left < bitmap.width
                    && y - top < bitmap.height
                    && bitmap.get(x - left, y - top);
                if inside == current {
                    run += 1;
                } else {
                    counts.push(run);
                    current = inside;
                    run = 1;
                }
            }
        }
        counts.push(run);
        Ok(counts)
    }

    /// Converts to CVAT's row-major window runs over the tight bounds of the
    /// foreground. An empty mask gives a 0x0 window at the origin.
    ///
    /// # Errors
    /// An invalid string or runs that do not add up.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    pub fn to_window(&self) -> Result<MaskEncoding, RleError> {
        let bitmap = self.to_bitmap()?;
        let (offset_x, offset_y) = match *self {
            Self::Window { left, top, .. } => (left, top),
            Self::Coco { .. } => (0, 0),
        };
        let Some(b) = self.bounds() else {
            return Ok(Self::Window {
                left: 0,
                top: 0,
                width: 0,
                height: 0,
                counts: vec![0],
            });
        };
        let (left, top) = (b.x_min as u32, b.y_min as u32);
        let (width, height) = ((b.x_max - b.x_min) as u32, (b.y_max - b.y_min) as u32);
        let mut counts = Vec::new();
        let mut current = false;
        let mut run = 0u32;
        for y in top..top + height {
            for x in left..left + width {
                let inside = bitmap.get(x - offset_x, y - offset_y);
                if inside == current {
                    run += 1;
                } else {
                    counts.push(run);
                    current = inside;
                    run = 1;
                }
            }
        }
        counts.push(run);
        Ok(Self::Window {
            left,
            top,
            width,
            height,
            counts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_string_round_trip() {
        let runs = vec![0, 5, 3, 100, 2, 1_000_000, 7, 0, 9];
        let s = encode_counts_string(&runs);
        assert_eq!(decode_counts_string(&s).unwrap(), runs);
    }

    #[test]
    fn known_pycocotools_string() {
        // A 3x3 image whose centre pixel is set: column-major runs 4, 1, 4.
        assert_eq!(encode_counts_string(&[4, 1, 4]), "414");
        assert_eq!(decode_counts_string("414").unwrap(), vec![4, 1, 4]);
    }

    #[test]
    fn window_and_coco_agree() {
        // 4x3 image; foreground is the 2x2 block at columns 1..=2, rows 0..=1.
        let coco = MaskEncoding::Coco {
            height: 3,
            width: 4,
            counts: CocoCounts::Runs(vec![3, 2, 1, 2, 4]),
        };
        assert_eq!(coco.pixel_count(), 4);
        assert_eq!(coco.bounds(), Some(BoxGeom::from_xyxy(1.0, 0.0, 3.0, 2.0)));
        let window = coco.to_window().unwrap();
        assert_eq!(
            window,
            MaskEncoding::Window {
                left: 1,
                top: 0,
                width: 2,
                height: 2,
                counts: vec![0, 4]
            }
        );
        assert_eq!(window.to_coco(4, 3).unwrap(), vec![3, 2, 1, 2, 4]);
    }

    #[test]
    fn bad_strings_are_errors() {
        assert!(decode_counts_string("p").is_err());
        assert!(decode_counts_string("\u{7f}").is_err());
        // A continuation bit on the last character leaves the run unfinished.
        assert!(decode_counts_string("P").is_err());
    }
}
