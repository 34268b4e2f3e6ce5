//! Integration tests of `labelkit-diff`.
