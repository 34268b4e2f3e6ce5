//! The tolerance of a comparison: how far two coordinates may differ and
//! still be the same, from the precision of the formats the two sides were
//! read from.

use labelkit_model::{Dataset, Image};
use labelkit_yolo::YoloInfo;

use crate::Tolerance;

/// The decimals of a YOLO file whose writer is unknown: Ultralytics,
/// Datumaro and CVAT print normalised coordinates with 6.
const YOLO_DEFAULT_DECIMALS: u32 = 6;

/// CVAT XML holds coordinates with two decimals: a value is within half
/// of 0.01 px of the one it stands for.
const CVAT_HALF_UNIT: f64 = 0.005;

/// The noise of `f64` arithmetic on a coordinate (a COCO `x + w`), in px:
/// far below any annotation's precision.
const FLOAT_NOISE: f64 = 1e-6;

/// How far one coordinate of `image` of `dataset` may be from the value it
/// stands for, by the precision of the format the dataset was read from.
fn rounding(dataset: &Dataset, image: Option<&Image>) -> f64 {
    match dataset.info.source_format.as_deref() {
        Some("yolo") => {
            let decimals = dataset
                .info
                .kept
                .get::<YoloInfo>()
                .and_then(|y| y.fixed_decimals)
                .unwrap_or(YOLO_DEFAULT_DECIMALS)
                .min(300);
            let size = image.map_or(0, |i| i.width.max(i.height));
            let exponent = i32::try_from(decimals).unwrap_or(300);
            (0.5 * 10f64.powi(-exponent) * f64::from(size)).max(FLOAT_NOISE)
        }
        Some(f) if f.starts_with("cvat") => CVAT_HALF_UNIT,
        _ => FLOAT_NOISE,
    }
}

/// The largest difference, in px, of a coordinate, centre or size between
/// the old and new image that is no change: [`Tolerance::Px`] as given;
/// for [`Tolerance::Auto`] twice the sum of the two sides' rounding (a
/// size or centre derived from two rounded values, as YOLO's `x - w/2`,
/// carries up to twice the error of one).
pub(crate) fn threshold(
    setting: Tolerance,
    old: (&Dataset, Option<&Image>),
    new: (&Dataset, Option<&Image>),
) -> f64 {
    match setting {
        Tolerance::Px(t) if t.is_finite() && t >= 0.0 => t,
        Tolerance::Px(_) => 0.0,
        Tolerance::Auto => 2.0 * (rounding(old.0, old.1) + rounding(new.0, new.1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yolo_rounding_scales_with_the_image_and_its_decimals() {
        let mut d = Dataset::new();
        d.info.source_format = Some("yolo".into());
        let image = Image {
            width: 1000,
            height: 500,
            ..Image::default()
        };
        assert!((rounding(&d, Some(&image)) - 0.0005).abs() < 1e-12);
        d.info.kept.get_or_default::<YoloInfo>().fixed_decimals = Some(3);
        assert!((rounding(&d, Some(&image)) - 0.5).abs() < 1e-12);
        d.info.source_format = Some("cvat-images".into());
        assert_eq!(rounding(&d, Some(&image)), 0.005);
        d.info.source_format = Some("coco".into());
        assert_eq!(rounding(&d, Some(&image)), FLOAT_NOISE);
        assert_eq!(threshold(Tolerance::Px(0.25), (&d, None), (&d, None)), 0.25);
    }
}
