//! labelkit plugin: photometric-noise copies must carry the labels of their original.
