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
COCOeval of the file against itself (every non-crowd annotation given back
as a detection with score 1.0) gives AP 1.0 (stats[0]) for bbox; for segm on
the annotations that have a segmentation (a box is written with
`segmentation: []`, what CVAT and Datumaro write for a box and what their
importers require; COCOeval cannot turn it into a mask, so segm is evaluated
on the file without them); and for keypoints on every annotation of the
categories that declare keypoints (the ground truth as written, objects
without known points included: each has `keypoints` and `num_keypoints`, which
COCOeval reads and ignores at 0), with the annotations that have points as
detections. A kind the file has no non-crowd annotation of is skipped.
Prints one line per file and a closing "N passed, N failed" line.
"""

import contextlib
import copy
import io
import json
import os
import sys

import numpy as np

from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def counts_string(rle):
    """An RLE with its compressed counts as a str (pycocotools gives bytes)."""
    if isinstance(rle["counts"], bytes):
        return dict(rle, counts=rle["counts"].decode("ascii"))
    return rle


def self_eval(coco, kind):
    """stats[0] of COCOeval of `coco` against itself for `kind`, or None when
    the file has no non-crowd annotation of that kind."""
    kp_cats = [c["id"] for c in coco.dataset["categories"] if c.get("keypoints")]
    if kind == "bbox":
        keep = lambda a: len(a.get("bbox") or []) == 4
    elif kind == "segm":
        keep = lambda a: bool(a.get("segmentation"))
    else:
        keep = lambda a: a["category_id"] in kp_cats
    detected = lambda a: kind != "keypoints" or a["num_keypoints"] > 0
    anns = [a for a in coco.dataset["annotations"] if keep(a)]
    if not any(not a.get("iscrowd") and detected(a) for a in anns):
        return None
    dataset = copy.deepcopy(coco.dataset)
    dataset["annotations"] = copy.deepcopy(anns)
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = dataset
        gt.createIndex()
        results = []
        for a in gt.dataset["annotations"]:
            if a.get("iscrowd") or not detected(a):
                continue
            r = {"image_id": a["image_id"], "category_id": a["category_id"], "score": 1.0}
            if kind == "bbox":
                r["bbox"] = a["bbox"]
            elif kind == "segm":
                r["segmentation"] = counts_string(gt.annToRLE(a))
            else:
                r["keypoints"] = a["keypoints"]
            results.append(r)
        dt = gt.loadRes(results)
        ev = COCOeval(gt, dt, kind)
        per_image = max((len(v) for v in gt.imgToAnns.values()), default=0)
        ev.params.maxDets = [1, 10, max(100, per_image)]
        if kind == "keypoints":
            ev.params.catIds = kp_cats
            ev.params.maxDets = [max(20, per_image)]
            n = max(len(a["keypoints"]) // 3 for a in anns)
            if n != len(ev.params.kpt_oks_sigmas):
                # OKS of identical points is 1 whatever the sigmas; COCOeval
                # ships the 17 of COCO's person and needs one per keypoint.
                ev.params.kpt_oks_sigmas = np.full(n, 0.05)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return float(ev.stats[0])


def check_file(path, expected):
    """The problems found, and the kinds COCOeval gave AP 1.0 for."""
    problems = []
    evaluated = []
    with contextlib.redirect_stdout(io.StringIO()):
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
            string = counts_string(rle)["counts"]
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
    for kind in ("bbox", "segm", "keypoints"):
        ap = self_eval(coco, kind)
        if ap is None:
            continue
        if abs(ap - 1.0) > 1e-9:
            problems.append(f"COCOeval {kind} of the file against itself: AP {ap} != 1.0")
        else:
            evaluated.append(kind)
    return problems, evaluated


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "expected.json")) as f:
        expected = json.load(f)
    passed = failed = 0
    for name, want in sorted(expected.items()):
        try:
            problems, evaluated = check_file(os.path.join(out, name), want)
        except Exception as e:  # a file pycocotools cannot load at all
            problems, evaluated = [f"{type(e).__name__}: {e}"], []
        if problems:
            failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print(f"    {p}")
        else:
            passed += 1
            ap = f" (AP 1.0: {', '.join(evaluated)})" if evaluated else ""
            print(f"ok   {name}{ap}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
