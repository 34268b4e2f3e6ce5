//! What a reader found out about a dataset's files that the dataset itself
//! does not hold: an image without its label file, labels without their
//! image file, the size an image file's header gives, the `flip_idx` a
//! `data.yaml` states. The rules read these facts; writers never see them,
//! so no conversion can carry them into its output as data.
//!
//! Facts that describe the data itself, and that writers need too, are
//! fields of the model instead: [`labelkit_model::Label::declared`] (a
//! label used but not declared by the file) and
//! [`labelkit_model::Image::repeated_id`] (the id an image was written
//! with when an earlier image of the file had it).

use crate::span_table::SourceSpan;

/// The facts a reader (or the facade, which reads image headers for the
/// formats that only declare sizes) left for the rules, beside the span
/// table of a [`crate::Loaded`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReaderFacts {
    /// The facts about each image's files, by position like
    /// [`crate::SpanTable::images`]: entry `i` is about
    /// `dataset.images[i]`. It may be shorter than the images (empty when
    /// nothing was found out): the images past its end have no facts.
    pub images: Vec<ImageFacts>,
    /// The `flip_idx` the dataset's description states (YOLO `data.yaml`),
    /// as written, for the rule that compares it with the keypoint
    /// schema's left/right pairs. Writers derive their own from the pairs.
    pub flip_idx: Option<StatedFlipIdx>,
}

impl ReaderFacts {
    /// No facts.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            images: Vec::new(),
            flip_idx: None,
        }
    }

    /// The facts about image `i` (none when nothing was found out).
    #[must_use]
    pub fn image(&self, i: usize) -> ImageFacts {
        self.images.get(i).copied().unwrap_or_default()
    }

    /// The facts about image `i`, to fill in: the table grows to hold it.
    pub fn image_mut(&mut self, i: usize) -> &mut ImageFacts {
        if self.images.len() <= i {
            self.images
                .resize(i.saturating_add(1), ImageFacts::default());
        }
        &mut self.images[i]
    }

    /// Whether no fact was found out.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.flip_idx.is_none() && self.images.iter().all(ImageFacts::is_empty)
    }
}

/// What a reader found out about the files of one image.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImageFacts {
    /// The image has no label file (a YOLO image without its `.txt`;
    /// an empty label file is a deliberate background image and is not
    /// this), for the missing-label-file rule.
    pub no_label_file: bool,
    /// The image entry stands for a label file whose image file does not
    /// exist, for the labels-without-image rule.
    pub no_image_file: bool,
    /// The size `(width, height)` the image file's header gives, with the
    /// EXIF orientation applied, where it was read, for the
    /// image-size-mismatch rule.
    pub file_size: Option<(u32, u32)>,
}

impl ImageFacts {
    /// Whether nothing was found out about the image.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A `flip_idx` as a dataset's description states it, and where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatedFlipIdx {
    /// The indices, in the order written.
    pub indices: Vec<usize>,
    /// Where it was written (the `flip_idx:` key of `data.yaml`), for
    /// findings about it.
    pub at: Option<SourceSpan>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_past_the_table_have_no_facts_and_filling_one_grows_it() {
        let mut facts = ReaderFacts::new();
        assert!(facts.is_empty());
        assert_eq!(facts.image(3), ImageFacts::default());
        facts.image_mut(2).file_size = Some((640, 480));
        assert_eq!(facts.images.len(), 3);
        assert_eq!(facts.image(2).file_size, Some((640, 480)));
        assert!(facts.image(0).is_empty());
        assert!(facts.image(7).is_empty());
        assert!(!facts.is_empty());
        facts.image_mut(0).no_label_file = true;
        assert_eq!(facts.images.len(), 3);
        assert!(facts.image(0).no_label_file);
    }
}
