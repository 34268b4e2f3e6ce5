//! Integration tests of the facade, through `labelkit::convert` and
//! `labelkit::read` on real corpus files: one test binary, one module a
//! topic.

mod check;
mod coco_output;
mod crowd;
mod errors;
mod float_noise;
mod masks;
mod stream;
mod support;
