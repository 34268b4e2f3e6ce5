//! Read, write, convert and check computer-vision annotation datasets (CVAT, COCO, YOLO).
