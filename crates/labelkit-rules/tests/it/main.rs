//! Integration tests of labelkit-rules: one binary, modules inside.

mod support;

mod clean;
mod fixtures;
