//! Write labelkit rule plugins in safe Rust: a trait and an export macro.
