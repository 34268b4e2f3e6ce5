//! # labels-without-image (D006)
//!
//! ## What it does
//! Flags labels whose image does not exist: an annotation whose image id
//! matches no image, and an image entry that a reader created for a label
//! file with no image file (the YOLO reader marks it with the key
//! `yolo.image_file` set to `"missing"` in the image's `extra`).
//!
//! ## Why it matters
//! Training skips labels without images silently; the annotation work is
//! lost, and often a whole folder was renamed or not copied.
//!
//! ## Example
//! ```text
//! labels/train/0002.txt
//! images/train/          (no 0002.jpg)
//! ```
//!
//! ## How to fix
//! Restore the image, or delete the labels.
//!
//! ## Options
//! None.

use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::extra_value;

/// The permanent code.
pub(crate) const CODE: &str = "D006";

/// The `Image::extra` key set to `"missing"` when an image entry stands for
/// a label file without an image file.
pub const IMAGE_FILE_KEY: &str = labelkit_model::keys::IMAGE_FILE;

/// The rule.
pub(crate) struct LabelsWithoutImage;

impl Rule for LabelsWithoutImage {
    fn check_dataset(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for &a in cx.index.orphans() {
            let Some(ann) = cx.dataset.annotations.get(a) else {
                continue;
            };
            let mut f = Finding::dataset(
                CODE,
                format!(
                    "annotation {} of `{}` refers to image {}, which does not exist",
                    ann.id,
                    cx.dataset.labels.name(ann.label),
                    ann.image
                ),
            )
            .help("restore the image, or delete the annotation");
            f.annotation = Some(a);
            out.push(f);
        }
    }

    fn check_image(&self, cx: &Context<'_>, image: &ImageCtx<'_>, out: &mut Vec<Finding>) {
        if extra_value(&image.image.extra, IMAGE_FILE_KEY) == Some("missing") {
            let _ = cx;
            out.push(
                Finding::image(
                    CODE,
                    image.pos,
                    format!(
                        "labels of `{}` ({} annotation(s)) have no image file",
                        image.image.file_name,
                        image.annotations.len()
                    ),
                )
                .help("restore the image, or delete the label file"),
            );
        }
    }
}
