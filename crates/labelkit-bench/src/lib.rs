//! Benchmarks of labelkit at the scale of COCO train2017.
//!
//! [`generate`] builds a deterministic person-domain dataset in memory and
//! [`write::write_all`] writes it as COCO, CVAT for images and an
//! Ultralytics YOLO tree (with tiny PNG files whose headers carry the image
//! sizes, see [`png`]). The `labelkit-bench` binary generates datasets and
//! measures reading, converting and checking ([`run`]), each sample in its
//! own process ([`measure`]), with the floors of the machine beside the
//! figures. See `docs/BENCHMARKS.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod change;
pub mod checkset;
pub mod diffbench;
pub mod footprint;
pub mod generate;
pub mod measure;
pub mod png;
pub mod run;
pub mod write;

pub use generate::{generate, Scale, CLASSES};
pub use labelkit_testkit::Rng;
