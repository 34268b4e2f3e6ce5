//! The C ABI of labelkit rule plugins: repr(C) types and constants.
