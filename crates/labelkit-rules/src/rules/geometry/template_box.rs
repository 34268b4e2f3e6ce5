//! # template-box (G004)
//!
//! ## What it does
//! Warns about a box of exactly the minimum size (3x3 pixels by default):
//! the size a box has when it is pasted from a template and never
//! stretched to its object. A rotated box is measured along its own axes.
//! "Exactly" allows the rounding of the file's numbers, as `box-too-small`
//! (G001) does: a 3x3 box exported to YOLO (`2.9999988` px at 6 digits)
//! is still exactly 3x3. Images of unknown size are not measured.
//!
//! ## Why it matters
//! Real objects are almost never exactly the minimum size; a box that is
//! usually means an annotator created it and moved on. It passes
//! `box-too-small` (G001), so only this rule catches it.
//!
//! ## Example
//! ```text
//! <box label="eye" xtl="100" ytl="50" xbr="103" ybr="53"/>   exactly 3 x 3: warned
//! <box label="eye" xtl="100" ytl="50" xbr="103.5" ybr="53"/> passes
//! ```
//!
//! ## How to fix
//! Stretch the box to its object; if the object really is exactly that
//! size, add the finding to the baseline.
//!
//! ## Options

use labelkit_model::{Annotation, Geometry};

use crate::options::OptionDecl;
use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::fmt_size;
use crate::rules::geometry::box_too_small;

/// The permanent code.
pub(crate) const CODE: &str = "G004";

/// `width`.
pub(crate) static WIDTH: OptionDecl = OptionDecl::same_as(
    "width",
    &box_too_small::MIN_WIDTH,
    "pixels: the width of a template box",
);
/// `height`.
pub(crate) static HEIGHT: OptionDecl = OptionDecl::same_as(
    "height",
    &box_too_small::MIN_HEIGHT,
    "pixels: the height of a template box",
);
/// The options of the rule.
pub(crate) static OPTIONS: &[&OptionDecl] = &[&WIDTH, &HEIGHT];

/// The rule.
pub(crate) struct TemplateBox;

impl Rule for TemplateBox {
    fn check_annotation(
        &self,
        cx: &Context<'_>,
        image: &ImageCtx<'_>,
        a: usize,
        ann: &Annotation,
        out: &mut Vec<Finding>,
    ) {
        let Geometry::Box(b) = &ann.geometry else {
            return;
        };
        if !image.has_size() {
            return;
        }
        let (tw, th) = (cx.options.number(&WIDTH), cx.options.number(&HEIGHT));
        let (tol_w, tol_h) = cx.size_tolerance(a);
        if (b.width() - tw).abs() <= tol_w && (b.height() - th).abs() <= tol_h {
            out.push(
                Finding::annotation(
                    CODE,
                    image.pos,
                    a,
                    format!(
                        "box `{}` is exactly {} px, the template size: it was probably never stretched",
                        cx.dataset.labels.name(ann.label),
                        fmt_size(tw, th)
                    ),
                )
                .help("stretch the box to its object"),
            );
        }
    }
}
