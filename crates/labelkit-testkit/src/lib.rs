//! Test support for labelkit: proptest strategies, fuzz bodies, fixtures.
