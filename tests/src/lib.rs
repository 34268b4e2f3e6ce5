//! Workspace-level tests of labelkit.
