#!/usr/bin/env python3
"""Count the annotations in a conversion's output, so that no tool is
faster by dropping data.

    bench_count.py PATH

A .json file is COCO: prints `annotations=N polygons=P keypoints=K images=I`
(P: annotations with a polygon segmentation, K: with keypoints). A folder is
YOLO: prints `annotations=N files=F`, N being the non-empty rows of every
.txt file under a `labels` folder (or anywhere, when there is none).
"""
import json
import os
import sys


def count_coco(path):
    with open(path, "rb") as f:
        d = json.load(f)
    anns = d.get("annotations", [])
    polygons = sum(1 for a in anns if isinstance(a.get("segmentation"), list) and a["segmentation"])
    keypoints = sum(1 for a in anns if a.get("keypoints"))
    return f"annotations={len(anns)} polygons={polygons} keypoints={keypoints} images={len(d.get('images', []))}"


def count_yolo(path):
    rows = files = 0
    labels = os.path.join(path, "labels")
    root = labels if os.path.isdir(labels) else path
    for dirpath, _, names in os.walk(root):
        for n in names:
            if n.endswith(".txt") and n not in ("classes.txt", "obj.names"):
                files += 1
                with open(os.path.join(dirpath, n), "rb") as f:
                    rows += sum(1 for line in f if line.strip())
    return f"annotations={rows} files={files}"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    p = sys.argv[1]
    print(count_yolo(p) if os.path.isdir(p) else count_coco(p))


if __name__ == "__main__":
    main()
