//! Integration tests of `labelkit-diff`: generated pairs with known changes
//! of every kind, real files of other tools read through labelkit's
//! readers, the same data across formats, large images, and properties;
//! the review page in headless Chromium.

mod diff {
    pub(crate) mod util;

    mod browser;
    mod formats;
    mod kinds;
    mod props;
    mod render;
    mod scale;
}
