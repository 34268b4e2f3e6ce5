//! Image sizes from elsewhere than the image files: YOLO rows are fractions
//! of their image's size, so a YOLO dataset whose images are absent (a CVAT
//! "YOLO 1.1" export, a Roboflow download before its images) needs its
//! sizes from somewhere before it can become COCO or CVAT, which hold
//! pixels. They come from the image files first; for the images whose file
//! gives none, from an [`ImageSizes`]: a COCO or CVAT file of the same
//! images ([`ImageSizes::read`], e.g. the CVAT task the export came from)
//! and one size for all ([`ImageSizes::all`]). What still has no size is
//! refused when a pixel format is written ([`Error::UnknownImageSizes`]),
//! never written as a zero size with fractions as pixels.

use std::collections::HashMap;
use std::path::Path;

use labelkit_model::{Dataset, Image};

use crate::error::Error;
use crate::format::Format;

/// Sizes of images known from elsewhere than the image files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageSizes {
    pub(crate) by_name: HashMap<String, (u32, u32)>,
    pub(crate) all: Option<(u32, u32)>,
}

impl ImageSizes {
    /// No sizes at all.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether no size is known.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty() && self.all.is_none()
    }

    /// Sets the `(width, height)` of images by name: the name as the
    /// sizes' file writes it, its file name, or its file name without
    /// extension ([`ImageSizes::from_dataset`] gives all three, and leaves
    /// out a file name or stem that two images of different sizes share).
    #[must_use]
    pub fn by_name(mut self, sizes: HashMap<String, (u32, u32)>) -> Self {
        self.by_name = sizes;
        self
    }

    /// Sets one size for every image that [`ImageSizes::by_name`] does not
    /// give.
    #[must_use]
    pub fn all(mut self, size: (u32, u32)) -> Self {
        self.all = Some(size);
        self
    }

    /// Parses `WxH` (`640x480`; `X` and `*` are accepted too): both
    /// positive integers.
    ///
    /// # Errors
    /// A message saying what was expected.
    pub fn parse_size(text: &str) -> Result<(u32, u32), String> {
        let bad = || format!("invalid image size {text:?}: expected WIDTHxHEIGHT, e.g. 640x480");
        let (w, h) = text.trim().split_once(['x', 'X', '*']).ok_or_else(bad)?;
        let w: u32 = w.trim().parse().map_err(|_| bad())?;
        let h: u32 = h.trim().parse().map_err(|_| bad())?;
        if w == 0 || h == 0 {
            return Err(bad());
        }
        Ok((w, h))
    }

    /// The sizes the images of `dataset` declare (images of size 0 are
    /// skipped), keyed as [`ImageSizes::by_name`].
    #[must_use]
    pub fn from_dataset(dataset: &Dataset) -> Self {
        let mut full: HashMap<String, (u32, u32)> = HashMap::new();
        // `None` marks a short key shared by images of different sizes.
        let mut short: HashMap<String, Option<(u32, u32)>> = HashMap::new();
        for img in &dataset.images {
            if img.width == 0 || img.height == 0 {
                continue;
            }
            let size = (img.width, img.height);
            let name = img.file_name.replace('\\', "/");
            let path = Path::new(&name);
            for key in [path.file_name(), path.file_stem()]
                .into_iter()
                .flatten()
                .map(|k| k.to_string_lossy().into_owned())
            {
                short
                    .entry(key)
                    .and_modify(|s| {
                        if *s != Some(size) {
                            *s = None;
                        }
                    })
                    .or_insert(Some(size));
            }
            full.insert(name, size);
        }
        let mut by_name: HashMap<String, (u32, u32)> = short
            .into_iter()
            .filter_map(|(k, s)| Some((k, s?)))
            .collect();
        by_name.extend(full);
        Self { by_name, all: None }
    }

    /// The sizes declared by the COCO or CVAT file `path` (format
    /// recognised by content), as [`ImageSizes::from_dataset`].
    ///
    /// # Errors
    /// What [`crate::read`] returns, and a YOLO dataset, which declares no
    /// sizes.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let format = crate::detect(path)?;
        if matches!(format, Format::YoloUltralytics | Format::YoloDarknet) {
            return Err(Error::Undetected {
                path: path.to_path_buf(),
                reason: "image sizes come from a COCO or CVAT file; this is a YOLO dataset, \
                         which declares none"
                    .to_owned(),
            });
        }
        let loaded = crate::read(path, Some(format), &crate::ReadOptions::default())?;
        Ok(Self::from_dataset(&loaded.dataset))
    }
}

/// How many images without a size [`Error::UnknownImageSizes`] names.
const SHOWN: usize = 3;

/// Refuses writing `dataset` as `format` when an image's size is needed
/// and unknown (width or height 0: a YOLO image whose size was not found
/// keeps its rows as fractions; a COCO or CVAT image that declares none).
/// COCO and CVAT hold pixels and need every image's size. YOLO rows are
/// fractions of their image's size: a dataset read from YOLO keeps the rows
/// of an image of unknown size as fractions, but pixels from COCO or CVAT
/// need the size of every image that has annotations.
pub(crate) fn refuse_unknown_sizes(dataset: &Dataset, format: Format) -> Result<(), Error> {
    let from_yolo = dataset.info.source_format.as_deref() == Some("yolo");
    let to_yolo = matches!(format, Format::YoloUltralytics | Format::YoloDarknet);
    if to_yolo && from_yolo {
        return Ok(());
    }
    let annotated: std::collections::HashSet<_> = if to_yolo {
        dataset.annotations.iter().map(|a| a.image).collect()
    } else {
        std::collections::HashSet::new()
    };
    let unknown =
        |i: &&Image| (i.width == 0 || i.height == 0) && (!to_yolo || annotated.contains(&i.id));
    let count = dataset.images.iter().filter(unknown).count();
    if count == 0 {
        return Ok(());
    }
    Err(Error::UnknownImageSizes {
        to: format,
        count,
        images: dataset.images.len(),
        first: dataset
            .images
            .iter()
            .filter(unknown)
            .take(SHOWN)
            .map(|i| {
                if i.file_name.is_empty() {
                    // A COCO results file names its images by id only.
                    format!("<image id {}>", i.id.0)
                } else {
                    i.file_name.clone()
                }
            })
            .collect(),
        from_yolo,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use labelkit_model::ImageId;

    #[test]
    fn sizes_parse() {
        assert_eq!(ImageSizes::parse_size("640x480"), Ok((640, 480)));
        assert_eq!(ImageSizes::parse_size(" 12X7 "), Ok((12, 7)));
        assert_eq!(ImageSizes::parse_size("3*4"), Ok((3, 4)));
        for bad in ["640", "0x4", "4x0", "-1x4", "axb", "640x480x3", ""] {
            let err = ImageSizes::parse_size(bad).unwrap_err();
            assert!(err.contains("expected WIDTHxHEIGHT"), "{bad}: {err}");
        }
    }

    #[test]
    fn names_stems_and_ambiguous_short_names() {
        let mut d = Dataset::default();
        for (id, name, w, h) in [
            (1, "train/a.jpg", 10, 20),
            (2, "val/a.jpg", 30, 40),
            (3, "b.png", 5, 6),
            (4, "c.png", 0, 0),
            (5, "x\\d.jpg", 7, 8),
        ] {
            d.images.push(Image {
                id: ImageId(id),
                file_name: name.to_owned(),
                width: w,
                height: h,
                ..Image::default()
            });
        }
        let s = ImageSizes::from_dataset(&d);
        assert_eq!(s.by_name.get("train/a.jpg"), Some(&(10, 20)));
        assert_eq!(s.by_name.get("val/a.jpg"), Some(&(30, 40)));
        assert_eq!(s.by_name.get("a.jpg"), None);
        assert_eq!(s.by_name.get("a"), None);
        assert_eq!(s.by_name.get("b"), Some(&(5, 6)));
        assert_eq!(s.by_name.get("b.png"), Some(&(5, 6)));
        assert_eq!(s.by_name.get("c.png"), None);
        assert_eq!(s.by_name.get("d"), Some(&(7, 8)));
        assert_eq!(s.by_name.get("x/d.jpg"), Some(&(7, 8)));
    }
}
