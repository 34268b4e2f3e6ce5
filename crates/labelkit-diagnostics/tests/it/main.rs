//! Integration tests of labelkit-diagnostics: the renderers and the line
//! index.

mod fixtures;
mod line_index;
mod render_concise;
mod render_full;
mod render_github;
mod render_json;
mod render_sarif;
mod sort;
mod terminal;

/// Asserts a snapshot stored in `tests/snapshots/<name>.snap`.
#[macro_export]
macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}
