//! Benchmarks of labelkit at COCO train2017 scale, with a deterministic dataset generator.
