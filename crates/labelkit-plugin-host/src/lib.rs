//! Loads labelkit rule plugins from shared libraries and runs their rules.
