//! # image-size-mismatch (D007)
//!
//! ## What it does
//! Flags an image whose declared size (COCO `width`/`height`, CVAT
//! `width`/`height`) differs from the size of the image file. Whoever reads
//! the image file's header (a reader or the facade) records the file's
//! size, with EXIF orientation applied, in the reader facts beside the
//! dataset (`ImageFacts::file_size`).
//!
//! ## Why it matters
//! Every normalised coordinate is computed from the declared size. A
//! mismatch (a resized or rotated image, a wrong export) shifts and scales
//! every label of the image.
//!
//! ## Example
//! ```text
//! {"id": 1, "file_name": "a.jpg", "width": 640, "height": 480}   file is 480 x 640: flagged
//! ```
//!
//! ## How to fix
//! Correct the declared size, or re-export the labels for the image as it
//! is now.
//!
//! ## Options
//! None.

use crate::rule::{Context, Finding, ImageCtx, Rule};

/// The permanent code.
pub(crate) const CODE: &str = "D007";

/// The rule.
pub(crate) struct ImageSizeMismatch;

impl Rule for ImageSizeMismatch {
    fn check_image(&self, cx: &Context<'_>, image: &ImageCtx<'_>, out: &mut Vec<Finding>) {
        let Some((w, h)) = cx.facts.image(image.pos).file_size else {
            return;
        };
        let img = image.image;
        if (w, h) != (img.width, img.height) {
            out.push(
                Finding::image(
                    CODE,
                    image.pos,
                    format!(
                        "image `{}` is declared {}x{} but the file is {w}x{h}",
                        img.file_name, img.width, img.height
                    ),
                )
                .help("correct the declared size, or re-export the labels for the image as it is"),
            );
        }
    }
}
