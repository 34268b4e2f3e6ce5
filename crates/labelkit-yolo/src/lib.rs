//! Ultralytics YOLO (detect, segment, pose, OBB) and darknet reader and
//! writer for labelkit.
//!
//! # Layouts
//! - [`Layout::Ultralytics`]: a `data.yaml` with `path`, `train`/`val`/`test`
//!   (each a folder, a `.txt` list of images or a YAML list), `names` (a list
//!   or a map), `nc`, `kpt_shape`, `flip_idx`. `train` is required, as
//!   Ultralytics requires it: a `data.yaml` without it is refused at its
//!   file, line and column. The entries are relative to the dataset root;
//!   one that names nothing and starts with `../` is read without it, as
//!   Ultralytics does (Roboflow writes `train: ../train/images`), and an
//!   info note at its key says which folder was read. The label file of an
//!   image is found, and written, by Ultralytics' rule: the last `/images/`
//!   of its path replaced with `/labels/` (or the folder named by
//!   [`ReadOptions::labels_dir`]) and its extension with `.txt`. The writer
//!   writes no `path:` unless [`WriteOptions::yaml_path`] asks for one.
//! - [`Layout::Darknet`] (CVAT "YOLO 1.1"): `obj.names`, `obj.data`,
//!   `train.txt`/`valid.txt` and `obj_<subset>_data/` with images and label
//!   files side by side.
//!
//! # Mapping to the model
//! - `Image::file_name` is the image path relative to the dataset root (the
//!   folder `data.yaml` resolves to), `subset` the `data.yaml` key it was
//!   listed under (`train`, `val`, `test`) or the darknet subset;
//! - `Label::source_id` is the class index;
//! - detect rows become boxes; segment rows one-ring polygons; OBB rows
//!   rotated boxes fitted to their corners
//!   ([`labelkit_model::StatedCorners::fit`]: the rotation is the shortest
//!   decimal within what the row's decimals allow, `30` and not
//!   `30.00001157` for a box drawn at 30 degrees and written with 6
//!   decimals), the corners kept as read in
//!   [`labelkit_model::Annotation::stated_corners`]; pose rows a
//!   box and a [`labelkit_model::Keypoints`] sharing a group (visibility
//!   `0` absent, `1` occluded, `2` visible; with two values per point a point
//!   at `(0, 0)` or with a negative coordinate is absent, any other visible);
//! - with `kpt_shape`, every label carries a keypoint schema named `"0"` ..
//!   `"N-1"` (or by `kpt_names` when the file has them), whose left/right
//!   pairs come from `flip_idx`.
//!
//! The task is taken from `data.yaml` (`kpt_shape` means pose; a `task` key
//! is honoured) or from the rows: rows of 5 values are boxes, a dataset whose
//! rows all have 9 values is OBB, other odd lengths are polygons.
//!
//! An image whose size cannot be read (missing file, unknown header) is a
//! recoverable issue; it is kept with width and height 0 and its shapes in
//! normalised coordinates (the scale is 1), so that no point is lost. Sizes
//! can be supplied with [`ReadOptions::image_sizes`] (instead of the files)
//! or [`ReadOptions::fallback_sizes`] and [`ReadOptions::fallback_size`]
//! (where the files give none). A width or height of 0 therefore means
//! "size unknown, coordinates normalised": writers of pixel formats refuse
//! it (see the `labelkit` facade).
//!
//! Empty and missing label files both mean an image without objects; such
//! background images are kept, and written back as empty label files.
//!
//! # What a copy keeps
//! A YOLO -> YOLO copy changes no value's text, so label files diff clean:
//! - at the default precision ([`Precision::Clean`]), values are written
//!   with the digits they were read with; when every value of the source
//!   has the same number of decimals (`%.6f`, as Datumaro's and CVAT's YOLO
//!   exports write), with that many (`0.444000` stays `0.444000`;
//!   [`YoloInfo::fixed_decimals`]; not for pose, whose visibility column
//!   is an integer);
//! - pose rows are written with as many values per keypoint (2 or 3) as
//!   they were read with: the reader keeps `kpt_shape` in
//!   [`labelkit_model::DatasetInfo::kept`] as a [`YoloInfo`], YOLO's typed
//!   round-trip fields, which no other format reads;
//! - OBB rows are written with the corners they were read with while the
//!   box is unchanged (they need not form an exact rectangle); a box that
//!   was changed, or came from another format, is written as its corners;
//! - coordinates up to 1% of the image outside it are written as they are
//!   (Ultralytics' label check accepts -0.01 to 1.01 and clips when it
//!   trains: a corner at `-0.009808` is data); beyond that they are clipped
//!   to the image and counted as "coordinates clipped to the image".
//!
//! # Reading untrusted datasets
//! A dataset may come from a stranger, so the reader:
//! - reads only inside the dataset folder (the folder of `data.yaml` or
//!   `obj.data`): a `path:`, a `train`/`val`/`test` entry, an `obj.data`
//!   `names`/`train`/`valid` value that resolves outside it is a fatal
//!   error at its line and column; images listed in a folder outside it
//!   (absolute paths in a `train.txt`), label files and folders reached
//!   through a symlink that leads outside are refused with a diagnostic
//!   (F011, an error). An image file itself may be a symlink to anywhere:
//!   only its header is read, for its size. [`ReadOptions::allow_outside_root`]
//!   (`--allow-outside` on the command line) lifts this;
//! - opens only regular files, without blocking: a FIFO, a socket or a
//!   device (`/dev/zero`, `/dev/stdin`) is refused, never read;
//! - reads at most [`MAX_CONFIG_BYTES`] (16 MiB) of `data.yaml`,
//!   `obj.data` and class names files and [`MAX_LABEL_BYTES`] (256 MiB) of
//!   a label file or an image list; a longer file is refused with its name
//!   and the limit;
//! - refuses YAML anchors and aliases in `data.yaml` (at their line and
//!   column, before any expansion: a few hundred bytes of nested aliases
//!   would expand to gigabytes), and strips a UTF-8 byte order mark;
//! - walks each folder once (by device and inode): a symlink loop is
//!   reported once (F011, a warning) and not followed again;
//! - refuses a file whose name (relative to the dataset folder) is not
//!   UTF-8, naming it with its bytes escaped, rather than merging two such
//!   names into one.
//!
//! # Facts left for the rules
//! The reader records what it found out about the dataset's files in
//! [`Loaded::facts`](labelkit_diagnostics::Loaded::facts), beside the
//! dataset, where no writer sees them:
//! - `data.yaml`'s `flip_idx`, as written, and where
//!   ([`labelkit_diagnostics::ReaderFacts::flip_idx`]);
//! - an image without a label file (not one with an empty label file):
//!   [`labelkit_diagnostics::ImageFacts::no_label_file`];
//! - an image entry made for a label file whose image file does not exist:
//!   [`labelkit_diagnostics::ImageFacts::no_image_file`] (not when its size
//!   came from [`ReadOptions::image_sizes`], whose files are not looked
//!   at).
//!
//! ```no_run
//! use labelkit_yolo::{read_path, write_path, ReadOptions, WriteOptions};
//! let loaded = read_path("data.yaml".as_ref(), &ReadOptions::default())?;
//! let report = write_path(&loaded.dataset, "out".as_ref(), &WriteOptions::default())?;
//! println!("{report}");
//! # Ok::<(), labelkit_yolo::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::collections::HashMap;
use std::path::PathBuf;

use labelkit_diagnostics::output::OutputError;
use labelkit_diagnostics::{IoError, ParseError};
use labelkit_model::Precision;

mod contour;
mod data_yaml;
#[doc(hidden)]
#[cfg(feature = "fuzzing")]
pub mod fuzz;
mod guard;
mod kept;
mod paths;
mod project;
mod read;
mod rows;
mod write;

pub use guard::{VisitedFolders, MAX_CONFIG_BYTES, MAX_LABEL_BYTES};
pub use kept::YoloInfo;
pub use labelkit_diagnostics::Loaded;
pub use labelkit_model::WriteReport;
pub use project::project;
pub use read::{find_config, is_class_list, label_file_layout, read_label_file, read_path, sniff};
pub use write::write_path;

/// The on-disk organisation of a YOLO dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Layout {
    /// `data.yaml`, `images/<subset>/`, `labels/<subset>/`.
    #[default]
    Ultralytics,
    /// `obj.data`, `obj.names`, `train.txt`, `obj_<subset>_data/`.
    Darknet,
}

/// What the rows of a dataset describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Task {
    /// `class cx cy w h`.
    Detect,
    /// `class x1 y1 ... xn yn`.
    Segment,
    /// `class cx cy w h px1 py1 [v1] ...`.
    Pose,
    /// `class x1 y1 x2 y2 x3 y3 x4 y4`.
    Obb,
}

impl Task {
    /// The name Ultralytics uses: `detect`, `segment`, `pose`, `obb`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Detect => "detect",
            Self::Segment => "segment",
            Self::Pose => "pose",
            Self::Obb => "obb",
        }
    }
}

/// How a writer provides the images of the dataset it writes.
///
/// Every mode but [`ImageMode::Reference`] looks for each image's
/// `file_name` under the folders of [`WriteOptions::image_roots`], in
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ImageMode {
    /// Images are not touched: the written layout names where they belong
    /// (`images/<subset>/...`) and the user puts them there; the report
    /// notes how many images are not in the output.
    #[default]
    Reference,
    /// Images are copied.
    Copy,
    /// Images are hard-linked.
    HardLink,
    /// Images are symlinked to their files.
    Symlink,
    /// Images are symlinked, or hard-linked where a symlink cannot be made,
    /// or copied where neither can, and the report notes each fallback.
    /// Unlike the other modes, an image that is not found, or that is
    /// refused (outside its image folder, not a regular file), is left out
    /// of the output rather than failing the write: its labels are written
    /// and the report notes how many images are missing and where the first
    /// was looked for.
    Link,
}

/// Options of the readers.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Image sizes `(width, height)` to use instead of reading image
    /// headers, keyed by the image path relative to the dataset root, by its
    /// file name, or by its file name without extension (tried in that
    /// order).
    pub image_sizes: HashMap<String, (u32, u32)>,
    /// Sizes `(width, height)` for the images whose file gives none (not
    /// found, or a header that cannot be read), keyed as
    /// [`ReadOptions::image_sizes`]; unlike those, the image file is looked
    /// at first, and an image without a file keeps its
    /// [`labelkit_diagnostics::ImageFacts::no_image_file`] fact.
    pub fallback_sizes: HashMap<String, (u32, u32)>,
    /// One size for every image whose size neither its file nor
    /// [`ReadOptions::fallback_sizes`] gives.
    pub fallback_size: Option<(u32, u32)>,
    /// The name of the labels folder that replaces `images` in image paths
    /// (default `labels`).
    pub labels_dir: Option<String>,
    /// The task, overriding what `data.yaml` and the rows say.
    pub task: Option<Task>,
    /// Read image headers on one thread only.
    pub serial: bool,
    /// Read files outside the dataset folder: a `data.yaml` `path:` that is
    /// absolute or leads up with `..` (Ultralytics' own semantics), lists
    /// and images named by absolute paths, symlinks leading out. Off by
    /// default: a dataset from a stranger could name private files.
    pub allow_outside_root: bool,
}

impl ReadOptions {
    /// Default options.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`ReadOptions::image_sizes`].
    #[must_use]
    pub fn with_image_sizes(mut self, sizes: HashMap<String, (u32, u32)>) -> Self {
        self.image_sizes = sizes;
        self
    }

    /// Sets [`ReadOptions::fallback_sizes`] and [`ReadOptions::fallback_size`].
    #[must_use]
    pub fn with_fallback_sizes(
        mut self,
        sizes: HashMap<String, (u32, u32)>,
        all: Option<(u32, u32)>,
    ) -> Self {
        self.fallback_sizes = sizes;
        self.fallback_size = all;
        self
    }

    /// Sets [`ReadOptions::labels_dir`].
    #[must_use]
    pub fn with_labels_dir(mut self, name: impl Into<String>) -> Self {
        self.labels_dir = Some(name.into());
        self
    }

    /// Sets [`ReadOptions::task`].
    #[must_use]
    pub fn with_task(mut self, task: Task) -> Self {
        self.task = Some(task);
        self
    }

    /// Sets [`ReadOptions::allow_outside_root`].
    #[must_use]
    pub fn allow_outside_root(mut self, allow: bool) -> Self {
        self.allow_outside_root = allow;
        self
    }

    pub(crate) fn labels_dir(&self) -> &str {
        self.labels_dir.as_deref().unwrap_or("labels")
    }
}

/// Options of the writer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WriteOptions {
    /// Ultralytics or darknet layout.
    pub layout: Layout,
    /// The task; `None` infers it from the dataset (keypoints: pose, rotated
    /// boxes: OBB, polygons: segment, else detect).
    pub task: Option<Task>,
    /// How coordinates are printed. [`Precision::Clean`] (the default)
    /// drops arithmetic noise; [`Precision::Shortest`] reads back exactly;
    /// `Precision::Significant(6)` matches Ultralytics.
    pub precision: Precision,
    /// What to do with the image files.
    pub images: ImageMode,
    /// The folders the source images' `file_name`s are relative to, tried
    /// in order for each image, for every mode but
    /// [`ImageMode::Reference`]. An image must resolve (symlinks followed)
    /// inside the folder it was found in.
    pub image_roots: Vec<PathBuf>,
    /// Class names in id order; labels are matched by name. `None` uses the
    /// dataset's top-level labels in their order.
    pub class_map: Option<Vec<String>>,
    /// Values per keypoint in pose rows (2 or 3); `None` keeps what the
    /// dataset was read with, else 3.
    pub keypoint_dims: Option<usize>,
    /// The `path:` written into `data.yaml`; `None` (the default) writes
    /// none, and Ultralytics then takes the yaml's own folder as the dataset
    /// root wherever it is run from. A relative `path:` is resolved by
    /// Ultralytics against the working folder (or its datasets folder), not
    /// the yaml's.
    pub yaml_path: Option<String>,
    /// Create files from several threads. Off by default: on some file
    /// systems creating many small files in one folder is slower from two
    /// threads than from one. Rows are formatted in parallel either way.
    pub parallel_writes: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            layout: Layout::Ultralytics,
            task: None,
            precision: Precision::Clean,
            images: ImageMode::Reference,
            image_roots: Vec::new(),
            class_map: None,
            keypoint_dims: None,
            yaml_path: None,
            parallel_writes: false,
        }
    }
}

impl WriteOptions {
    /// Default options.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the layout.
    #[must_use]
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    /// Sets the task.
    #[must_use]
    pub fn task(mut self, task: Task) -> Self {
        self.task = Some(task);
        self
    }

    /// Sets the precision policy.
    #[must_use]
    pub fn precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// Sets the image mode and the folder the source images live in.
    #[must_use]
    pub fn images(mut self, mode: ImageMode, image_root: Option<PathBuf>) -> Self {
        self.images = mode;
        self.image_roots = image_root.into_iter().collect();
        self
    }

    /// Sets the class map (names in id order).
    #[must_use]
    pub fn class_map(mut self, names: Vec<String>) -> Self {
        self.class_map = Some(names);
        self
    }

    /// Sets the values per keypoint (2 or 3).
    #[must_use]
    pub fn keypoint_dims(mut self, dims: usize) -> Self {
        self.keypoint_dims = Some(dims);
        self
    }

    /// Sets the `path:` written into `data.yaml`.
    #[must_use]
    pub fn yaml_path(mut self, path: impl Into<String>) -> Self {
        self.yaml_path = Some(path.into());
        self
    }

    /// Creates files from several threads.
    #[must_use]
    pub fn parallel_writes(mut self, on: bool) -> Self {
        self.parallel_writes = on;
        self
    }
}

/// Errors of the YOLO reader and writer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file that cannot be parsed (data.yaml syntax, ...).
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] IoError),
    /// An error writing the output.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The path is not a YOLO dataset, or it is ambiguous.
    #[error("{path}: {reason}")]
    NotADataset {
        /// The path given.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The dataset cannot be written as asked (a class map that misses a
    /// label, an invalid option).
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        Self::Io(IoError::new(path, error))
    }
}

/// Extensions taken as images, lower case (the reader also tries each in
/// upper case), in the order the image of a label file is looked for.
pub const IMAGE_EXTENSIONS: [&str; 12] = [
    "jpg", "jpeg", "png", "bmp", "gif", "webp", "tif", "tiff", "dng", "mpo", "heic", "pfm",
];
