"""Checks that pycocotools loads the COCO files labelkit writes.

Usage: python pycocotools_interop.py OUTDIR

OUTDIR is filled by `cargo run -p labelkit-coco --example write_corpus --
OUTDIR`: COCO files written by labelkit (from tests/corpus and a generated
dataset) and expected.json, what labelkit computes for them. For every file:
COCO(path) loads; the image, annotation and category counts agree; annToMask
works for every annotation that has a segmentation (and for no other: COCO
has no mask for a bbox-only annotation); for every RLE mask, pycocotools'
pixel count, tight box and compressed counts string agree with labelkit's;
and what Datumaro (CVAT's COCO import) needs: every annotation has a
`segmentation`, every id fits in a signed 32-bit integer, no two images share
a `file_name`.
Prints one line per file and a closing "N passed, N failed" line.
"""

import json
import os
import sys

from pycocotools import mask as mask_utils
from pycocotools.coco import COCO


def check_file(path, expected):
    problems = []
    coco = COCO(path)
    counts = (len(coco.imgs), len(coco.anns), len(coco.cats))
    wanted = (expected["images"], expected["annotations"], expected["categories"])
    if counts != wanted:
        problems.append(f"counts {counts} != labelkit's {wanted}")
    int32 = range(-(2**31), 2**31)
    for img in coco.imgs.values():
        if img["id"] not in int32:
            problems.append(f"image id {img['id']} beyond 32 bits")
    for cat in coco.cats.values():
        if cat["id"] not in int32:
            problems.append(f"category id {cat['id']} beyond 32 bits")
    names = [img["file_name"] for img in coco.dataset["images"]]
    if len(set(names)) != len(names):
        problems.append("repeated file_name")
    masks = 0
    for ann in coco.anns.values():
        if ann["id"] not in int32:
            problems.append(f"annotation id {ann['id']} beyond 32 bits")
        if "segmentation" not in ann:
            problems.append(f"annotation {ann['id']}: no segmentation")
        seg = ann.get("segmentation")
        if not seg:
            continue
        img = coco.imgs[ann["image_id"]]
        m = coco.annToMask(ann)
        if m.shape != (img["height"], img["width"]):
            problems.append(f"annotation {ann['id']}: mask shape {m.shape}")
        if isinstance(seg, dict):
            masks += 1
            rle = coco.annToRLE(ann)
            if isinstance(rle["counts"], bytes):
                string = rle["counts"].decode("ascii")
            else:
                string = rle["counts"]
            want = expected["masks"].get(str(ann["id"]))
            if want is None:
                problems.append(f"annotation {ann['id']}: labelkit has no mask")
                continue
            area = int(mask_utils.area(rle))
            bbox = [float(v) for v in mask_utils.toBbox(rle)]
            if area != want["pixels"] or int(m.sum()) != want["pixels"]:
                problems.append(f"annotation {ann['id']}: area {area} != {want['pixels']}")
            if bbox != [float(v) for v in want["bbox"]]:
                problems.append(f"annotation {ann['id']}: toBbox {bbox} != {want['bbox']}")
            if string != want["counts"]:
                problems.append(f"annotation {ann['id']}: RLE string differs")
    if masks != len(expected["masks"]):
        problems.append(f"{masks} RLE masks != labelkit's {len(expected['masks'])}")
    return problems


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "expected.json")) as f:
        expected = json.load(f)
    passed = failed = 0
    for name, want in sorted(expected.items()):
        try:
            problems = check_file(os.path.join(out, name), want)
        except Exception as e:  # a file pycocotools cannot load at all
            problems = [f"{type(e).__name__}: {e}"]
        if problems:
            failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print(f"    {p}")
        else:
            passed += 1
            print(f"ok   {name}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
