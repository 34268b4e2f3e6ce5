//! # box-too-small (G001)
//!
//! ## What it does
//! Flags a box, polygon, mask or ellipse whose width or height is below the
//! minimum object size, 3x3 pixels by default. Sizes are continuous: a box
//! spans `x_max - x_min`, so a width of exactly 3.0 passes and 2.9 fails.
//! A rotated box is measured along its own axes; other shapes by their
//! bounds.
//!
//! Sizes read from a file carry its rounding, and the comparison allows
//! it: a YOLO value written with `d` decimals is known to `±0.5 * 10^-d`
//! of the image size (a polygon's extent, the difference of two values,
//! to twice that), as counted by the reader in the file itself. CVAT
//! writes every coordinate with two decimals, each known to ±0.005 px, so
//! a CVAT size (the difference of two) is known to ±0.01 px: a box drawn
//! exactly 3 px wide on a rounding tie (`xtl="0.20" xbr="3.19"`, from
//! 0.195 and 3.195) reads 2.99 px and passes. Every size also gets 1e-6 px
//! for the floating-point noise of decimals (`13.33 - 10.33` is
//! `2.9999999999999982`). A shape is flagged only when even its largest
//! size the file allows is below the minimum, so a 3x3 box exported to
//! YOLO at 6 digits (`2.9999988` px) passes while 2.98 px in CVAT and
//! 2.9 px anywhere fail, and sizes are shown as the annotator drew them
//! (the shortest decimal the file allows). Images whose size is
//! unknown (a YOLO image that is missing) are not measured: their
//! coordinates are not pixels; `unmeasured-images` (G005) counts them.
//!
//! ## Why it matters
//! Objects smaller than the minimum cannot be identified by a person, and
//! most detectors cannot learn from them: they are almost always a slip of
//! the mouse, a click that created a box instead of selecting one.
//!
//! ## Example
//! ```text
//! <box label="eye" xtl="10" ytl="10" xbr="12.98" ybr="13"/>   2.98 x 3: flagged
//! <box label="eye" xtl="10" ytl="10" xbr="12.99" ybr="13"/>   2.99 x 3: passes (CVAT's rounding)
//! <box label="eye" xtl="10" ytl="10" xbr="13" ybr="13"/>      3 x 3: passes
//! ```
//!
//! ## How to fix
//! Enlarge the shape to cover the object, or delete it when the object is
//! too small to be identified.
//!
//! ## Options

use labelkit_model::{Annotation, Geometry};

use crate::options::OptionDecl;
use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::{fmt_size, fmt_within, own_size};

/// The permanent code.
pub(crate) const CODE: &str = "G001";

/// `min-width`.
pub(crate) static MIN_WIDTH: OptionDecl =
    OptionDecl::number("min-width", 3.0, "pixels: a narrower shape is flagged");
/// `min-height`.
pub(crate) static MIN_HEIGHT: OptionDecl =
    OptionDecl::number("min-height", 3.0, "pixels: a lower shape is flagged");
/// The options of the rule.
pub(crate) static OPTIONS: &[&OptionDecl] = &[&MIN_WIDTH, &MIN_HEIGHT];

/// The rule.
pub(crate) struct BoxTooSmall;

impl Rule for BoxTooSmall {
    fn check_annotation(
        &self,
        cx: &Context<'_>,
        image: &ImageCtx<'_>,
        a: usize,
        ann: &Annotation,
        out: &mut Vec<Finding>,
    ) {
        if !image.has_size() {
            return; // unmeasured-images counts these
        }
        if !matches!(
            ann.geometry,
            Geometry::Box(_) | Geometry::Polygon(_) | Geometry::Mask(_) | Geometry::Ellipse(_)
        ) || !ann.geometry.is_finite()
        {
            return;
        }
        let Some((w, h)) = own_size(&ann.geometry) else {
            return;
        };
        if w <= 0.0 || h <= 0.0 {
            return; // degenerate-shape reports these
        }
        let (min_w, min_h) = (
            cx.options.number(&MIN_WIDTH),
            cx.options.number(&MIN_HEIGHT),
        );
        let (tw, th) = cx.size_tolerance(a);
        if w + tw < min_w || h + th < min_h {
            let mut shown = format!("{}x{}", fmt_within(w, tw), fmt_within(h, th));
            if shown == fmt_size(min_w, min_h) {
                // Rounding hid the difference: show every digit.
                shown = format!("{w}x{h}");
            }
            out.push(
                Finding::annotation(
                    CODE,
                    image.pos,
                    a,
                    format!(
                        "{} `{}` is {} px, smaller than the minimum {} px",
                        ann.geometry.kind().as_str(),
                        cx.dataset.labels.name(ann.label),
                        shown,
                        fmt_size(min_w, min_h)
                    ),
                )
                .help("enlarge the shape to the object, or delete it if the object cannot be identified"),
            );
        }
    }
}
