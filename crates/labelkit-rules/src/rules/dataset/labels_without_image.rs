//! # labels-without-image (D006)
//!
//! ## What it does
//! Flags labels whose image does not exist: an annotation whose image id
//! matches no image, and an image entry that a reader created for a label
//! file with no image file (the YOLO reader records it in the reader
//! facts beside the dataset: `ImageFacts::no_image_file`).
//!
//! When no label file of the dataset has its image, the dataset is a
//! labels-only export (CVAT's "YOLO 1.1" export without images, a
//! repository that keeps its images out of git): instead of an error per
//! label file, one finding for the dataset says so, at warning severity.
//! The labels are still checked; what needs pixels is counted by
//! `unmeasured-images` (G005). When only some images are missing, each is
//! an error.
//!
//! ## Why it matters
//! Training skips labels without images silently; the annotation work is
//! lost, and often a whole folder was renamed or not copied.
//!
//! ## Example
//! ```text
//! labels/train/0002.txt
//! images/train/          (no 0002.jpg)                      error
//!
//! labels/train/*.txt     (100 files, no images/ at all)
//! -> none of the 100 label files has its image (a labels-only export?)   warning
//! ```
//!
//! ## How to fix
//! Restore the image, or delete the labels.
//!
//! ## Options
//! None.

use labelkit_diagnostics::Severity;

use crate::rule::{Context, Finding, Rule};

/// The permanent code.
pub(crate) const CODE: &str = "D006";

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
        let images = &cx.dataset.images;
        let missing: Vec<usize> = (0..images.len())
            .filter(|&pos| cx.facts.image(pos).no_image_file)
            .collect();
        if !missing.is_empty() && missing.len() == images.len() {
            let n = missing.len();
            let which = if n == 1 {
                "the only label file has no image".to_owned()
            } else {
                format!("none of the {n} label files has its image")
            };
            let f = Finding::dataset(
                CODE,
                format!(
                    "{which} (a labels-only export?): the labels were checked, \
                     nothing was measured in pixels"
                ),
            )
            .with_severity(Severity::Warning)
            .help(
                "add the images beside the labels (images/<subset>/ for labels/<subset>/) to check \
                 sizes in pixels; a labels-only export needs nothing else",
            );
            out.push(f);
            return;
        }
        for pos in missing {
            let Some(image) = images.get(pos) else {
                continue;
            };
            out.push(
                Finding::image(
                    CODE,
                    pos,
                    format!(
                        "labels of `{}` ({} annotation(s)) have no image file",
                        image.file_name,
                        cx.index.annotations_of(pos).len()
                    ),
                )
                .help("restore the image, or delete the label file"),
            );
        }
    }
}
