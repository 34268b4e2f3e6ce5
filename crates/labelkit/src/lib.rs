//! Read, write, convert and check computer-vision annotation datasets:
//! CVAT for images and video 1.1, COCO JSON, Ultralytics and darknet YOLO.
//!
//! This crate is the front door of labelkit. It gathers the format crates
//! behind one [`Format`] enum, recognises a path's format by its content
//! ([`detect`]), and offers [`read`], [`write`] and [`convert`] over the
//! canonical model, re-exported from [`model`]; [`from_slice`],
//! [`from_reader`] and [`to_writer`] read and write the single-file formats
//! (COCO, CVAT) without a path. Every entry point takes its arguments in
//! one order: the source, then the destination, then the format(s), then
//! the options. Positions, diagnostics and their renderers come from
//! [`diagnostics`]; the rule engine is [`rules`], and [`check`] checks paths
//! exactly as `labelkit check` does (which files and datasets, read how,
//! with which configuration, plugins and baseline; cargo feature `rules`).
//! [`diff`] compares two versions of a dataset object by object, its sides
//! read from paths or git revisions as `labelkit diff` reads them (cargo
//! feature `yolo`).
//!
//! Nothing is lost silently: a reader reports what it had to step over as
//! diagnostics in [`Loaded::issues`], and a writer returns a
//! [`WriteReport`] counting what the target format cannot hold. A strict
//! [`convert`] refuses a lossy conversion and writes nothing.
//!
//! # Cargo features
//!
//! `coco`, `cvat`, `yolo` (the formats) and `rules` (the rule engine and
//! plugin host) are all on by default. A format whose feature is off still
//! has its [`Format`] variant and is still recognised by [`detect`];
//! reading or writing it returns [`Error::Disabled`].
//!
//! # Example
//!
//! ```no_run
//! use std::path::Path;
//! use labelkit::{convert, ConvertOptions, Format, Strictness};
//!
//! # fn main() -> Result<(), labelkit::Error> {
//! // COCO to Ultralytics YOLO, refusing any material loss (bookkeeping such
//! // as renumbered ids is reported, not refused).
//! let report = convert(
//!     Path::new("instances_val.json"),
//!     Path::new("yolo-out"),
//!     None, // recognised by content
//!     Format::YoloUltralytics,
//!     &ConvertOptions::new().strictness(Strictness::Material),
//! )?;
//! println!("{}", report.write);
//! # Ok(())
//! # }
//! ```
//!
//! Format names parse from the strings the command line accepts:
//!
//! ```
//! use labelkit::Format;
//!
//! assert_eq!("cvat".parse::<Format>().unwrap(), Format::CvatImages);
//! assert_eq!("ultralytics".parse::<Format>().unwrap(), Format::YoloUltralytics);
//! assert_eq!(Format::CvatVideo.to_string(), "cvat-video");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "rules")]
pub mod check;
mod detect;
#[cfg(feature = "yolo")]
pub mod diff;
mod error;
mod format;
mod io;
pub mod label_map;
#[cfg(all(feature = "rules", feature = "yolo"))]
pub mod neighbours;
mod sizes;
mod stream;
mod verify;

pub use detect::{detect, detect_bytes};
pub use error::Error;
pub use format::{formats, Capability, Format, FormatInfo, Support, UnknownFormat, FEATURES};
pub use io::{
    convert, convert_guard, expand_video_tracks, image_roots, read, read_guard, write,
    ConvertOptions, ConvertReport, ImageMode, OutputGuard, ReadOptions, WriteOptions,
    EXPANDED_TRACKS, MAX_EXPANDED_FRAMES,
};
pub use sizes::ImageSizes;
pub use stream::{from_reader, from_slice, to_writer, BYTES_NAME};

/// The canonical label model.
pub use labelkit_model as model;

/// Positions, diagnostics and renderers.
pub use labelkit_diagnostics as diagnostics;

pub use labelkit_diagnostics::{
    render, ByteSpan, Diagnostic, FileId, Loaded, OutputFormat, ParseError, ReadIssue,
    RenderOptions, Severity, SourceFile, SourceMap, SpanTable,
};
pub use labelkit_model::{
    Annotation, AnnotationId, BoxGeom, Dataset, DatasetInfo, Geometry, GeometryKind, Image,
    ImageId, KeypointSchema, Label, LabelId, LabelSet, Precision, Strictness, Track, TrackId,
    WriteReport,
};

/// The COCO reader and writer.
#[cfg(feature = "coco")]
pub use labelkit_coco as coco;

/// The CVAT reader and writer.
#[cfg(feature = "cvat")]
pub use labelkit_cvat as cvat;

/// The YOLO reader and writer.
#[cfg(feature = "yolo")]
pub use labelkit_yolo as yolo;

/// Image sizes from file headers (JPEG, PNG, BMP, GIF, WebP, TIFF), with
/// EXIF orientation.
pub use labelkit_imagesize as imagesize;

/// The rule engine: registry, configuration, checker, baseline.
#[cfg(feature = "rules")]
pub use labelkit_rules as rules;

/// The plugin host: loads rule plugins (shared libraries) into a
/// [`rules::Registry`].
#[cfg(feature = "rules")]
pub use labelkit_plugin_host as plugin_host;
