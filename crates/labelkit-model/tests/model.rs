//! Integration tests of labelkit-model.
