//! Integration tests of labelkit-rules: one binary, modules inside.

mod support;

mod clean;
mod docs;
mod external;
mod fixtures;
mod meta;
mod mutation;
mod read_fixtures;
mod scale;
mod workflow;
