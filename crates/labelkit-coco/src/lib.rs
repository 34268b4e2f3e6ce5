//! COCO JSON reader and writer (instances, person keypoints, RLE masks,
//! results) for labelkit.
//!
//! [`read_bytes`] / [`read_path`] turn a COCO file into a
//! [`labelkit_model::Dataset`] with the byte span of every image,
//! annotation and category in the [`SpanTable`](labelkit_diagnostics::SpanTable)
//! and the recoverable problems as diagnostics (codes `F0xx`);
//! [`write_to`] / [`write_path`] write a dataset back as COCO and return a
//! [`WriteReport`] of what COCO cannot hold; [`project`] is the dataset as
//! COCO can hold it, so that `read(write(d)) == project(d)`.
//!
//! ```
//! use std::path::Path;
//! let text = br#"{"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 5}],
//!   "annotations": [{"id": 7, "image_id": 1, "category_id": 3, "bbox": [1, 1, 4, 2],
//!                    "area": 8, "iscrowd": 0}],
//!   "categories": [{"id": 3, "name": "person"}]}"#;
//! let loaded = labelkit_coco::read_bytes(Path::new("a.json"), text, &Default::default()).unwrap();
//! assert_eq!(loaded.dataset.annotations.len(), 1);
//! assert_eq!(loaded.dataset.labels.labels[0].source_id, Some(3));
//! let mut out = Vec::new();
//! let report = labelkit_coco::write_to(&loaded.dataset, &mut out, &Default::default()).unwrap();
//! assert!(report.is_lossless());
//! ```
//!
//! # What is kept
//!
//! Everything in the file. What the model has no field for is kept, typed,
//! in the [`Kept`](labelkit_model::Kept) slot of its level (see
//! [`CocoDatasetFields`], [`CocoImageFields`], [`CocoCategoryFields`],
//! [`CocoAnnotationFields`]): `info`, `licenses` and unknown top-level keys
//! in `dataset.info.kept`; unknown image keys (`license`, `coco_url`, ...)
//! in `image.kept`; unknown category keys in `label.kept`; unknown
//! annotation keys in the first shape's `kept`, all as raw JSON text. Ids
//! are kept (64-bit). Category `keypoints` and the 1-based `skeleton` become
//! a [`labelkit_model::KeypointSchema`] (0-based edges, left/right pairs
//! inferred from the names). The non-standard `attributes` object becomes
//! the annotation's `occluded` flag and attributes. See the `model` module
//! docs (below) for how one COCO annotation becomes grouped shapes.
//!
//! # What the writer changes
//!
//! So that CVAT's COCO import (Datumaro) reads the file as written:
//! - a COCO source keeps its category ids, but `0`, which Datumaro reads as
//!   "no label": category 0 takes the next free id above the largest, and
//!   its annotations follow it (reported as bookkeeping: "category id 0
//!   renumbered above the largest ..."); any other source numbers its
//!   categories from 1;
//! - COCO has no unlabelled object, and Datumaro refuses a category named
//!   "": shapes whose label has no name (CVAT's `label=""`) are left out and
//!   counted as a material loss, "unlabelled shapes (label=""; COCO has no
//!   unlabelled object)", and no category with an empty name is written.
//!
//! # Results files
//!
//! A bare list of annotations (detector output) reads into a dataset whose
//! images and labels are made from the ids it names (labels are named after
//! the category id); annotation ids are their 1-based position, as
//! pycocotools `loadRes` numbers them. [`WriteOptions::results`] writes one.
//!
//! # Why two passes
//!
//! The first pass notes where each element is by following the brackets
//! (checking the structure around the elements, not parsing them), while
//! another thread looks for repeated keys; the second parses each element
//! from its own bytes, borrowing strings (annotations in parallel chunks,
//! settled in file order), so that every element is parsed once. A file
//! whose elements are not all JSON is read again after serde_json's full
//! pass, which refuses it at its line and column (or patches Python's
//! `NaN`). No more than one element is ever held as a parse tree.
//!
//! [`read_path`] runs both passes on a stream: a regular file is read in
//! pieces of about 4 MiB of whole elements, each scanned, parsed and
//! dropped (the next piece is read and scanned while one is parsed), so the
//! file is never held whole. What depends on another list (an annotation's
//! image and category, its label, the keypoint count of the category's
//! schema, an implied `num_keypoints: 0`) is resolved once the file has
//! been read, from 16 bytes per annotation and its shapes; so the order of
//! the top-level keys does not matter (categories may come last) and the
//! result (ids, references, issues in their order, spans) is the one of
//! [`read_bytes`]. A file the stream does not follow to its end is read
//! whole by [`read_bytes`], which gives its error with file, line and
//! column.
//!
//! # Mapping of a COCO annotation to model shapes
//!
//! One COCO annotation is one object. It becomes one model annotation, or
//! two when it has keypoints:
//!
//! - with a `segmentation` (polygons or RLE): a [`Geometry::Polygon`](labelkit_model::Geometry::Polygon) or
//!   [`Geometry::Mask`](labelkit_model::Geometry::Mask) whose [`Annotation::bbox`](labelkit_model::Annotation::bbox) is the stated `bbox` (the
//!   same object's box, never a shape of its own);
//! - without one: a [`Geometry::Box`](labelkit_model::Geometry::Box) from `bbox`;
//! - with `keypoints`: also a [`Geometry::Keypoints`](labelkit_model::Geometry::Keypoints). A keypoint
//!   annotation without segmentation is so a box and keypoints (the person
//!   box is data the points do not give), with one a polygon or mask and
//!   keypoints.
//!   The writer gives every annotation of a category that declares
//!   keypoints `keypoints` (all `0,0,0` when it has none, read back as
//!   keypoints all absent, as Datumaro reads them) and `num_keypoints`, as
//!   COCO's person annotations have, which Datumaro's COCO Keypoints import
//!   and pycocotools' keypoint evaluation need; in such a file the
//!   annotations of other categories get `num_keypoints: 0` (pycocotools
//!   reads it of every category it evaluates), which the reader drops again.
//!
//! The shapes share the image, the label, `iscrowd` (crowd), `score`,
//! `occluded` and the attributes.
//!
//! - The first shape keeps the COCO id as its [`AnnotationId`](labelkit_model::AnnotationId) and carries
//!   the annotation's extra fields; the keypoints, when second, get a fresh
//!   id above the largest COCO annotation id of the file, in file order.
//! - Two shapes share `group = GroupId(coco id)`; a single shape has no
//!   group.
//! - The writer merges a group (or a lone shape) back into one COCO
//!   annotation whose id is the id of its first shape, so a file read and
//!   written keeps its ids. Its `bbox` is the group's box shape, else the
//!   segmentation's stated box, else the bounds of the segmentation (or of
//!   the labelled keypoints). Several polygons of one group and label (a
//!   CVAT object drawn as one polygon per part) become one segmentation
//!   with a part each, as Datumaro's COCO export merges them.
//!
//! Fields kept in the first shape's [`CocoAnnotationFields`]:
//! - unknown keys (`ignore`, `face_box`, ...), in file order;
//! - whether `segmentation` was `[]` (declared, but no polygon);
//! - the width and height of `bbox` when `[x, y, w, h]` does not come back
//!   exactly from the box's (or stated box's) corners in floating point
//!   (`x + w - x != w`), so the stored numbers are written back as stored
//!   while the box is unchanged;
//! - `area` when it differs from the area computed from the geometry (the
//!   segmentation's: shoelace sum of the polygon parts or the mask's pixel
//!   count; else the box's), so a stored area is written back as stored
//!   (its value, and its text only when that is not the value's shortest
//!   form);
//! - `num_keypoints` when it differs from the count of labelled points;
//! - the [`AttributesForm`]: the `attributes` object had no `occluded` key,
//!   or held only `"occluded": false`, so that the object is written back
//!   in the same form.
//!
//! The writer also writes the unknown keys of a dataset's `extra` fields
//! (valid JSON values, not named `cvat.*`, `yolo.*`, `coco.*` or
//! `labelkit.*`); fields another format kept are counted as lost.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::Path;

use labelkit_diagnostics::output::{AtomicFile, OutputError};
use labelkit_diagnostics::{IoError, Loaded, ParseError};
use labelkit_model::{Dataset, Precision, WriteReport};

pub use fields::{
    AttributesForm, CocoAnnotationFields, CocoCategoryFields, CocoDatasetFields, CocoImageFields,
    RawFields, StatedNumber,
};

/// Maps and sets keyed by integer ids, hashed with `rustc-hash`'s Fx
/// hasher: a multiply and a rotate per id, several times cheaper than
/// SipHash over 860k ids.
pub(crate) type IdMap<K, V> = rustc_hash::FxHashMap<K, V>;
pub(crate) type IdSet<K> = rustc_hash::FxHashSet<K>;

mod elements;
mod fields;
mod fmt;
mod json;
mod model;
mod read;
mod write;

/// Options of the reader.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Check that every RLE mask decodes and its runs add up to its size
    /// (reported as `F009`). On by default; it costs a decode of compressed
    /// strings.
    pub validate_masks: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            validate_masks: true,
        }
    }
}

impl ReadOptions {
    /// Sets [`ReadOptions::validate_masks`].
    #[must_use]
    pub fn validate_masks(mut self, yes: bool) -> Self {
        self.validate_masks = yes;
        self
    }
}

/// Options of the writer.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct WriteOptions {
    /// How coordinates, areas and scores are printed. The default
    /// ([`Precision::Clean`]) drops arithmetic noise (within 1e-9 relative);
    /// [`Precision::Shortest`] makes model -> file -> model exact.
    pub precision: Precision,
    /// Indent every field on its own line. Otherwise each image, annotation
    /// and category is one line.
    pub pretty: bool,
    /// Write a results file: a bare list of annotations without ids, areas
    /// or derived boxes, as detectors output and pycocotools `loadRes` reads.
    pub results: bool,
}

impl WriteOptions {
    /// Sets [`WriteOptions::precision`].
    #[must_use]
    pub fn precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// Sets [`WriteOptions::pretty`].
    #[must_use]
    pub fn pretty(mut self, pretty: bool) -> Self {
        self.pretty = pretty;
        self
    }

    /// Sets [`WriteOptions::results`].
    #[must_use]
    pub fn results(mut self, results: bool) -> Self {
        self.results = results;
        self
    }
}

/// Errors of the COCO reader and writer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not JSON, or not COCO's shape: file, line, column and what
    /// was expected.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The output could not be written safely.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// Reads a COCO file.
///
/// A regular file is read as a stream, in pieces of whole elements of
/// about 4 MiB, so its bytes are never held whole; only a file the stream
/// reader does not follow to its end (not JSON, Python's `NaN`, ...) is
/// read whole, for its error or its patch.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read, [`Error::Parse`] if it is not
/// JSON or its top level is not COCO's shape.
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<Loaded, Error> {
    let io = |error| Error::Io(IoError::new(path, error));
    let file = std::fs::File::open(path).map_err(io)?;
    if file.metadata().is_ok_and(|m| m.is_file()) {
        if let Some(loaded) = read::stream(path, file, options, read::PIECE).map_err(io)? {
            return Ok(loaded);
        }
    }
    let bytes = IoError::read(path)?;
    read_bytes(path, &bytes, options)
}

/// Reads COCO JSON from bytes; `path` names the file in messages and in the
/// source map (a path that exists on disk is re-read only when a diagnostic
/// shows it; otherwise the bytes are kept in the source map).
///
/// # Errors
/// [`Error::Parse`] with file, line and column if the bytes are not JSON or
/// the top level is not COCO's shape (`images` not a list, ...). Problems
/// inside an element are recoverable issues in [`Loaded::issues`].
pub fn read_bytes(path: &Path, bytes: &[u8], options: &ReadOptions) -> Result<Loaded, Error> {
    read::read(path, bytes, options)
}

/// Writes a dataset as COCO JSON to `path`, atomically.
///
/// # Errors
/// [`Error::Output`] or [`Error::Io`] if the file cannot be written.
pub fn write_path(
    dataset: &Dataset,
    path: &Path,
    options: &WriteOptions,
) -> Result<WriteReport, Error> {
    let mut file = AtomicFile::create(path)?;
    let report = write::write(dataset, file.writer(), options).map_err(|e| match e {
        Error::Io(e) => Error::Io(IoError::new(path, e.error)),
        other => other,
    })?;
    file.commit()?;
    Ok(report)
}

/// Writes a dataset as COCO JSON.
///
/// Categories come from the top-level labels (ids: from a COCO source, the
/// label's `source_id`, else the next free id; from another source, from 1,
/// class index N as N + 1 when every label has one); images keep their ids;
/// each group of shapes (or lone shape) becomes one annotation, keeping the
/// id of its first shape, with a `bbox` derived from the geometry when the
/// group has no box and `segmentation: []` when it has no polygon or mask.
/// Ids beyond the signed 32-bit range are renumbered in order after the
/// largest that fits; repeated file names get their subset as a folder. The
/// report counts these and what COCO cannot hold: rotation, ellipses,
/// cuboids, polylines, points, tags, tracks, z_order, ...
///
/// # Errors
/// [`Error::Io`] if writing fails.
pub fn write_to(
    dataset: &Dataset,
    out: &mut impl std::io::Write,
    options: &WriteOptions,
) -> Result<WriteReport, Error> {
    write::write(dataset, out, options)
}

/// The dataset as COCO can hold it: what [`read_bytes`] gives back for what
/// [`write_to`] wrote with [`Precision::Shortest`] (numbers that read back
/// the same). With the default [`Precision::Clean`], numbers whose shortest
/// form has more than 15 significant digits read back within 1e-9 of it.
#[must_use]
pub fn project(dataset: &Dataset) -> Dataset {
    write::project(dataset)
}

/// Whether the bytes look like COCO JSON: an object with an `images`,
/// `annotations` or `categories` key, or a list of objects with an
/// `image_id`.
#[must_use]
pub fn sniff(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1 << 16)];
    let Some(start) = head
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF)
    else {
        return false;
    };
    let has = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
    match head[start] {
        b'{' => has(b"\"images\"") || has(b"\"annotations\"") || has(b"\"categories\""),
        b'[' => {
            let rest = head[start + 1..]
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .copied();
            rest == Some(b'{') && has(b"\"image_id\"")
        }
        _ => false,
    }
}

#[doc(hidden)]
#[cfg(feature = "fuzzing")]
pub mod fuzz {
    //! The fuzz body: reading any bytes never panics, and whatever reads
    //! writes and reads again.

    use std::path::Path;

    /// Reads `data` as COCO; if it reads, writes it and reads the output,
    /// which must succeed.
    ///
    /// # Panics
    /// When the written output of a dataset that read does not read back:
    /// that is a bug the fuzzer should find.
    pub fn fuzz_read(data: &[u8]) {
        let path = Path::new("fuzz.json");
        let Ok(loaded) = super::read_bytes(path, data, &super::ReadOptions::default()) else {
            return;
        };
        let mut out = Vec::new();
        if super::write_to(&loaded.dataset, &mut out, &super::WriteOptions::default()).is_ok() {
            let again = super::read_bytes(path, &out, &super::ReadOptions::default());
            assert!(again.is_ok(), "written COCO does not read back: {again:?}");
        }
        let _ = super::project(&loaded.dataset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_recognises_objects_and_results() {
        assert!(sniff(br#" {"info": {}, "images": []}"#));
        assert!(sniff(br#"[{"image_id": 1, "category_id": 2}]"#));
        assert!(!sniff(br#"{"names": []}"#));
        assert!(!sniff(b"[1, 2]"));
        assert!(!sniff(b""));
    }
}
