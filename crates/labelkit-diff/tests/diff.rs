//! Integration tests of `labelkit-diff`.

mod browser;
