//! Benchmarks of labelkit at the scale of COCO train2017.
//!
//! [`generate`] builds a deterministic person-domain dataset in memory;
//! the `labelkit-bench` binary writes it as COCO, CVAT for images and an
//! Ultralytics YOLO tree (with tiny PNG files whose headers carry the image
//! sizes, see [`png`]) and measures reading, converting and checking, with
//! the floors of the machine beside the figures. See `docs/BENCHMARKS.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod generate;
pub mod png;

pub use generate::{generate, Rng, Scale, CLASSES};
