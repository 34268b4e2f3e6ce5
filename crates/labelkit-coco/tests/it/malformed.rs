//! Malformed inputs.
