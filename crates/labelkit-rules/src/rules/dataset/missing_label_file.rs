//! # missing-label-file (D005)
//!
//! ## What it does
//! Warns about an image that has no label file. The YOLO reader records
//! such an image in the reader facts beside the dataset
//! (`ImageFacts::no_label_file`).
//!
//! ## Why it matters
//! Ultralytics trains on an image without a label file as pure background:
//! every person on it becomes a negative example. That is right for a
//! deliberate background image and harmful for one whose labels were lost.
//!
//! ## Example
//! ```text
//! images/train/0001.jpg
//! labels/train/          (no 0001.txt)
//! ```
//!
//! ## How to fix
//! Restore the label file; for a deliberate background image, create an
//! empty label file so the intent is recorded.
//!
//! ## Options
//! None.

use crate::rule::{Context, Finding, ImageCtx, Rule};

/// The permanent code.
pub(crate) const CODE: &str = "D005";

/// The rule.
pub(crate) struct MissingLabelFile;

impl Rule for MissingLabelFile {
    fn check_image(&self, cx: &Context<'_>, image: &ImageCtx<'_>, out: &mut Vec<Finding>) {
        if cx.facts.image(image.pos).no_label_file {
            out.push(
                Finding::image(
                    CODE,
                    image.pos,
                    format!("image `{}` has no label file", image.image.file_name),
                )
                .help("restore the label file, or create an empty one for a background image"),
            );
        }
    }
}
