//! COCO JSON reader and writer (instances, person keypoints, RLE masks, results) for labelkit.
