//! Ultralytics YOLO (detect, segment, pose, OBB) and darknet reader and writer for labelkit.
