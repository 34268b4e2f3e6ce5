//! Well-known keys of the `extra` fields.
//!
//! Readers leave facts that the model has no field for in `extra` entries
//! (the value is JSON text); rules and writers read them back. The keys live
//! here, below both, so that neither side needs to know the other.

/// `Dataset.info.extra`: the YOLO `flip_idx` list of `data.yaml`, e.g.
/// `[0,2,1,4,3]`.
pub const FLIP_IDX: &str = "yolo.flip_idx";

/// `Label.extra`: `true` when a label is used by annotations but not declared
/// by the file (a CVAT label missing from `<meta>`, a YOLO class id beyond
/// `names`, a COCO category id with no category).
pub const UNDECLARED: &str = "labelkit.undeclared";

/// `Image.extra`: `"missing"` when a YOLO image has no label file (a
/// background image by omission, rather than by an empty file).
pub const LABEL_FILE: &str = "yolo.label_file";

/// `Image.extra`: `"missing"` when an image entry was made for a label file
/// whose image file does not exist.
pub const IMAGE_FILE: &str = "yolo.image_file";

/// `Image.extra`: `[w,h]`, the size read from the image file's header with
/// EXIF orientation applied, where it was read.
pub const FILE_SIZE: &str = "labelkit.file_size";

/// `Image.extra`: the id a CVAT image was written with, when another image
/// of the file already had it (a project export numbers the images of each
/// task from 0) and the reader gave this one a fresh id.
pub const REPEATED_IMAGE_ID: &str = "cvat.id";
