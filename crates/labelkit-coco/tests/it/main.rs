//! Integration tests of labelkit-coco: the corpus facts, round trips,
//! malformed inputs, fuzz seeds and the round-trip property.

mod corpus;
mod malformed;
mod roundtrip;
mod support;
