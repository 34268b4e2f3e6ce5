//! # shape-outside-image (G002)
//!
//! ## What it does
//! Flags a shape that extends beyond the image: any coordinate left of 0,
//! above 0, right of the image width or below its height, by more than a
//! small tolerance. The largest allowed box is the whole image,
//! `[0, width] x [0, height]`. Keypoints are checked by `keypoint-outside`
//! (K005) instead.
//!
//! ## Why it matters
//! Coordinates outside the image are clipped differently by every tool
//! (YOLO clips, COCO keeps, some loaders crash), so the object you train on
//! depends on the loader. They usually come from a drag past the border or
//! a wrong image size.
//!
//! ## Example
//! ```text
//! image 640 x 480
//! <box label="body" xtl="600" ytl="10" xbr="641" ybr="200"/>   flagged: x_max 641 > 640
//! <box label="body" xtl="0" ytl="0" xbr="640" ybr="480"/>      passes: the whole image
//! ```
//!
//! ## How to fix
//! Clip the shape to the image, or correct the image size if it is wrong.
//!
//! ## Options

use labelkit_model::{Annotation, Geometry};

use crate::options::OptionDecl;
use crate::rule::{Context, Finding, ImageCtx, Rule};

/// The permanent code.
pub(crate) const CODE: &str = "G002";

/// `tolerance`.
pub(crate) static TOLERANCE: OptionDecl =
    OptionDecl::number("tolerance", 0.01, "pixels a coordinate may pass the border").required();
/// The options of the rule.
pub(crate) static OPTIONS: &[&OptionDecl] = &[&TOLERANCE];

/// The rule.
pub(crate) struct ShapeOutsideImage;

impl Rule for ShapeOutsideImage {
    fn check_annotation(
        &self,
        cx: &Context<'_>,
        image: &ImageCtx<'_>,
        a: usize,
        ann: &Annotation,
        out: &mut Vec<Finding>,
    ) {
        let (w, h) = (f64::from(image.image.width), f64::from(image.image.height));
        if w <= 0.0 || h <= 0.0 || matches!(ann.geometry, Geometry::Keypoints(_) | Geometry::Tag) {
            return;
        }
        if !ann.geometry.is_finite() {
            return;
        }
        let Some(b) = ann.geometry.bounds() else {
            return;
        };
        let tol = cx.options.number(&TOLERANCE);
        let mut sides: [Option<String>; 4] = [None, None, None, None];
        if b.x_min < -tol {
            sides[0] = Some(format!("x_min {} < 0", b.x_min));
        }
        if b.y_min < -tol {
            sides[1] = Some(format!("y_min {} < 0", b.y_min));
        }
        if b.x_max > w + tol {
            sides[2] = Some(format!("x_max {} > width {w}", b.x_max));
        }
        if b.y_max > h + tol {
            sides[3] = Some(format!("y_max {} > height {h}", b.y_max));
        }
        let parts: Vec<String> = sides.into_iter().flatten().collect();
        if !parts.is_empty() {
            out.push(
                Finding::annotation(
                    CODE,
                    image.pos,
                    a,
                    format!(
                        "{} `{}` extends outside the {w}x{h} image: {}",
                        ann.geometry.kind().as_str(),
                        cx.dataset.labels.name(ann.label),
                        parts.join(", ")
                    ),
                )
                .help("clip the shape to the image, or correct the image size"),
            );
        }
    }
}
