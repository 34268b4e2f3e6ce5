//! How exactly a reader knew what it read: the rounding the file's numbers
//! carry, per annotation, and why an image's size is unknown, per image.
//!
//! A format that writes coordinates as fractions of the image size (YOLO)
//! cannot write most pixel sizes exactly: a box 3 px tall on a 360 px image
//! is `0.00833333` with 8 decimals (`2.9999988` px) and `0.008333` with 6
//! (`2.99988` px). The reader counts the decimals actually present in the
//! file and hands them to the rules as typed data, beside the span table,
//! so a rule comparing a size against a limit knows the interval the file
//! allows and says where its tolerance comes from.

/// The decimals a size was written with, and the rounding they imply in
/// pixels.
///
/// A value written with `d` decimals is known to `±0.5 * 10^-d` of what it
/// is a fraction of. A size is one written value (a YOLO box's width) or
/// the difference of two (a polygon's extent, an oriented box's edge):
/// [`Rounding::width`] and [`Rounding::height`] bound the error of both
/// cases, as computed by the reader, which knows the shape and the image
/// size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rounding {
    /// The fewest decimals among the values the width and height come
    /// from, as counted in the file (`0.00625` has 5, `1.5e-3` has 4).
    pub decimals: u8,
    /// How far the shape's true width may lie from the width read, in
    /// pixels.
    pub width: f64,
    /// How far the shape's true height may lie from the height read, in
    /// pixels.
    pub height: f64,
}

impl Rounding {
    /// Half a unit in the last place of a value with `decimals` decimals:
    /// `0.5 * 10^-decimals`, in fractions of the image size.
    #[must_use]
    pub fn half_unit(decimals: u8) -> f64 {
        0.5 * 10f64.powi(-i32::from(decimals))
    }
}

/// Why an image's size is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SizeUnknown {
    /// The image file is not there.
    ImageMissing,
    /// The image file is there, but its header could not be read.
    ImageUnreadable,
}

impl SizeUnknown {
    /// What happened, in a few words (`image file missing`).
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::ImageMissing => "image file missing",
            Self::ImageUnreadable => "image header unreadable",
        }
    }
}

/// What the reader knew about the precision of what it read, by position
/// like [`crate::SpanTable`]: entry `i` of `annotations` is about
/// `dataset.annotations[i]`. Empty when the format writes pixels (CVAT,
/// COCO): their numbers are what the annotator drew, up to the format's
/// own rounding, which the rules absorb with a fixed epsilon.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measurements {
    /// The rounding of each annotation's size, when the reader knows it.
    pub annotations: Vec<Option<Rounding>>,
    /// Why each image's size is unknown, when it is.
    pub images: Vec<Option<SizeUnknown>>,
}

impl Measurements {
    /// An empty table.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            annotations: Vec::new(),
            images: Vec::new(),
        }
    }

    /// The rounding of annotation `i`.
    #[must_use]
    pub fn annotation(&self, i: usize) -> Option<Rounding> {
        self.annotations.get(i).copied().flatten()
    }

    /// Why the size of image `i` is unknown.
    #[must_use]
    pub fn image(&self, i: usize) -> Option<SizeUnknown> {
        self.images.get(i).copied().flatten()
    }
}

/// The number of decimals of a number as written: digits after the point,
/// plus a negative exponent's magnitude (`1.5e-3` has 4), less a positive
/// one's, at least 0 and at most 255. `None` when the text is not a
/// decimal number.
#[must_use]
pub fn decimals_of(token: &[u8]) -> Option<u8> {
    let (mantissa, exponent) = match token.iter().position(|&c| c == b'e' || c == b'E') {
        Some(i) => {
            let exp = std::str::from_utf8(token.get(i + 1..)?).ok()?;
            (token.get(..i)?, exp.parse::<i64>().ok()?)
        }
        None => (token, 0),
    };
    let fraction = match mantissa.iter().position(|&c| c == b'.') {
        Some(i) => mantissa.get(i + 1..)?,
        None => &[],
    };
    if !fraction.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let digits = i64::try_from(fraction.len()).ok()?;
    let d = digits.saturating_sub(exponent).clamp(0, 255);
    u8::try_from(d).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_counted_as_written() {
        assert_eq!(decimals_of(b"0.00625"), Some(5));
        assert_eq!(decimals_of(b"0.008333"), Some(6));
        assert_eq!(decimals_of(b"0.00833333"), Some(8));
        assert_eq!(decimals_of(b"1"), Some(0));
        assert_eq!(decimals_of(b".5"), Some(1));
        assert_eq!(decimals_of(b"1.5e-3"), Some(4));
        assert_eq!(decimals_of(b"15E2"), Some(0));
        assert_eq!(decimals_of(b"1e-999"), Some(255));
        assert_eq!(decimals_of(b"1.2.3"), None);
        assert_eq!(decimals_of(b"1ex"), None);
    }

    #[test]
    fn half_unit() {
        assert!((Rounding::half_unit(6) - 5e-7).abs() < 1e-20);
        assert_eq!(Rounding::half_unit(0), 0.5);
    }
}
