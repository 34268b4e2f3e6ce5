"""Checks that Ultralytics loads the YOLO datasets labelkit writes.

Usage: ultralytics_interop.py LABELKIT_BIN CORPUS_DIR WORK_DIR

For each case, a source from the corpus is copied into WORK_DIR (with
blank images of the source's sizes where the corpus has none), converted
by labelkit to Ultralytics YOLO, and then, from a folder that is neither
the dataset's nor its parent, Ultralytics' own `check_det_dataset` is run
on the written data.yaml and its `YOLODataset` is built over every split.
Each split must have every label file accepted (none missing, none
corrupt), and the instance, segment and keypoint counts must equal those
of the source, counted here from the source files themselves. For the RLE
masks, rows filled by Ultralytics' `polygon2mask` must cover their masks
(decoded here) with IoU >= 0.9: every OCHuman mask, 99 % of cocoapi's.

Ultralytics is used as a tool (AGPL-3.0); none of its code is copied.
Prints one line per case and a closing "N passed, N failed" line; exits 1
when a case fails.
"""

import json
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

from PIL import Image

LABELKIT, CORPUS, WORK = (Path(p).resolve() for p in sys.argv[1:4])


def blank(path: Path, width: int, height: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (width, height), (114, 114, 114)).save(path)


def labelkit(*args: str, cwd: Path) -> None:
    done = subprocess.run([str(LABELKIT), *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"labelkit {' '.join(args)} exited {done.returncode}:\n{done.stderr}")


# ---------------------------------------------------------------- sources


def coco_source(rel: str, name: str):
    """A COCO file copied into its own folder, blank images beside it."""
    src = CORPUS / rel
    folder = WORK / "src" / name
    folder.mkdir(parents=True)
    shutil.copy(src, folder / "annotations.json")
    data = json.loads(src.read_text())
    for img in data["images"]:
        blank(folder / img["file_name"], img["width"], img["height"])
    return folder / "annotations.json", data


def coco_counts(data, task: str):
    """Instances, segments and labelled keypoints of a COCO file."""
    anns = [a for a in data["annotations"] if not a.get("iscrowd", 0)]
    segments = 0
    keypoints = 0
    if task == "segment":
        segments = sum(1 for a in anns if a.get("segmentation"))
    if task == "pose":
        keypoints = sum(sum(1 for v in a.get("keypoints", [])[2::3] if v > 0) for a in anns)
    return {"images": len(data["images"]), "instances": len(anns), "segments": segments, "keypoints": keypoints}


def yolo_source(rel: str, name: str, scale: int = 1, segments: bool = False):
    """A YOLO dataset copied; each image replaced by a blank one of its
    size times `scale` (normalised rows do not change with the size).
    With `segments`, every row is also a segment (OBB rows are four
    corners, which Ultralytics keeps as a segment)."""
    folder = WORK / "src" / name
    shutil.copytree(CORPUS / rel, folder)
    rows = 0
    images = 0
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in {".jpg", ".jpeg", ".png"}:
            with Image.open(path) as im:
                w, h = im.size
            path.unlink()
            blank(path, w * scale, h * scale)
            images += 1
        elif path.suffix == ".txt" and "labels" in path.parts:
            rows += len({line.strip() for line in path.read_text().splitlines() if line.strip()})
    counts = {"images": images, "instances": rows}
    if segments:
        counts["segments"] = rows
    return folder, counts


def results_source():
    """cocoapi's segmentation results (734 RLE masks, many of several parts
    or with holes) as a COCO file: each image takes its masks' size."""
    results = json.loads((CORPUS / "cocoapi/results/instances_val2014_fakesegm100_results.json").read_text())
    folder = WORK / "src" / "segment-rle-results"
    folder.mkdir(parents=True)
    images = {}
    for r in results:
        h, w = r["segmentation"]["size"]
        images[r["image_id"]] = {"id": r["image_id"], "file_name": f"{r['image_id']}.jpg", "width": w, "height": h}
    for img in images.values():
        blank(folder / img["file_name"], img["width"], img["height"])
    data = {
        "images": sorted(images.values(), key=lambda i: i["id"]),
        "categories": [{"id": c, "name": str(c)} for c in sorted({r["category_id"] for r in results})],
        "annotations": [
            {"id": i + 1, "image_id": r["image_id"], "category_id": r["category_id"], "segmentation": r["segmentation"], "iscrowd": 0}
            for i, r in enumerate(results)
        ],
    }
    (folder / "annotations.json").write_text(json.dumps(data))
    return folder / "annotations.json", coco_counts(data, "segment")


def nested_source():
    """labelformat's COCO boxes with their images moved into folders that
    hold `images` twice and a dotted folder: the label files must be where
    Ultralytics' image-to-label rule looks for them."""
    src = CORPUS / "labelformat/tests/fixtures/object_detection/COCO/train.json"
    folder = WORK / "src" / "detect-nested-images"
    folder.mkdir(parents=True)
    data = json.loads(src.read_text())
    moved = ["images/x/images/", "deep.er/images/images/"]
    for img, prefix in zip(data["images"], moved):
        img["file_name"] = prefix + img["file_name"]
        blank(folder / img["file_name"], img["width"], img["height"])
    (folder / "annotations.json").write_text(json.dumps(data))
    return folder / "annotations.json", coco_counts(data, "detect")


def rle_counts(counts):
    """The runs of a COCO RLE: a list as is, or the compressed string
    (pycocotools' format: 6-bit groups offset by 48, 5 bits of value and a
    continuation bit, the last group's bit 4 the sign; from the fourth run on,
    each is stored as the difference from the run two before)."""
    if isinstance(counts, list):
        return counts
    runs = []
    p = 0
    while p < len(counts):
        value, shift, more = 0, 0, True
        while more:
            c = ord(counts[p]) - 48
            value |= (c & 0x1F) << shift
            more = bool(c & 0x20)
            p += 1
            shift += 5
            if not more and c & 0x10:
                value |= -1 << shift
        if len(runs) > 2:
            value += runs[-2]
        runs.append(value)
    return runs


def rle_mask(segmentation):
    """A COCO RLE as a (height, width) array of 0 and 1."""
    import numpy as np

    h, w = segmentation["size"]
    flat = np.zeros(h * w, dtype=np.uint8)
    pos = 0
    for i, run in enumerate(rle_counts(segmentation["counts"])):
        if i % 2:
            flat[pos : pos + run] = 1
        pos += run
    return flat.reshape((w, h)).T


def mask_ious(source_json: Path, out: Path, run_in: Path):
    """For each RLE mask of a COCO file, the IoU of the mask with its row as
    Ultralytics rasterises it (`polygon2mask`, OpenCV's fillPoly) from the
    segments its YOLODataset reads."""
    import numpy as np
    from ultralytics.cfg import get_cfg
    from ultralytics.data import YOLODataset
    from ultralytics.data.utils import check_det_dataset, polygon2mask

    source = json.loads(source_json.read_text())
    by_stem = {}
    for img in source["images"]:
        anns = [a for a in source["annotations"] if a["image_id"] == img["id"] and not a.get("iscrowd", 0)]
        by_stem[Path(img["file_name"]).stem] = (img, anns)
    old = os.getcwd()
    os.chdir(run_in)
    try:
        data = check_det_dataset(str(os.path.relpath(out / "data.yaml", run_in)))
        ds = YOLODataset(img_path=data["train"], data=data, task="segment", augment=False, hyp=get_cfg(), imgsz=64)
        ious = []
        for lb in ds.labels:
            img, anns = by_stem[Path(lb["im_file"]).stem]
            w, h = img["width"], img["height"]
            assert len(lb["segments"]) == len(anns), (lb["im_file"], len(lb["segments"]), len(anns))
            for seg, ann in zip(lb["segments"], anns):
                drawn = polygon2mask((h, w), [(seg * np.array([w, h])).reshape(-1)])
                truth = rle_mask(ann["segmentation"])
                inter = int(np.logical_and(drawn, truth).sum())
                union = int(np.logical_or(drawn, truth).sum())
                ious.append(inter / max(union, 1))
        return ious
    finally:
        os.chdir(old)


# ---------------------------------------------------------------- checks


def ultralytics_counts(yaml_path: Path, task: str, run_in: Path):
    """check_det_dataset and YOLODataset over every split, run from
    `run_in`: per split, Ultralytics' scan results and the counts."""
    from ultralytics.cfg import get_cfg
    from ultralytics.data import YOLODataset
    from ultralytics.data.utils import check_det_dataset, load_dataset_cache_file

    old = os.getcwd()
    os.chdir(run_in)
    try:
        data = check_det_dataset(str(os.path.relpath(yaml_path, run_in)))
        out = {}
        seen = set()
        for split in ("train", "val", "test"):
            if not data.get(split) or data[split] in seen:
                continue
            seen.add(data[split])
            ds = YOLODataset(
                img_path=data[split],
                data=data,
                task=task,
                augment=False,
                hyp=get_cfg(),
                imgsz=64,
                cache=False,
            )
            cache_path = Path(ds.label_files[0]).parent.with_suffix(".cache")
            nf, nm, ne, nc, n = load_dataset_cache_file(cache_path)["results"]
            labels = ds.labels
            kpts = 0
            if task == "pose":
                kpts = int(sum(int((lb["keypoints"][..., 2] > 0).sum()) for lb in labels))
            out[split] = {
                "found": nf,
                "missing": nm,
                "empty": ne,
                "corrupt": nc,
                "total": n,
                "images": len(labels),
                "instances": int(sum(len(lb["cls"]) for lb in labels)),
                "segments": int(sum(len(lb["segments"]) for lb in labels)),
                "keypoints": kpts,
            }
        return out
    finally:
        os.chdir(old)


def case(name: str, task: str, make_source, extra_args=()):
    src, expected = make_source()
    problems = []
    out = WORK / "out" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    labelkit("convert", str(src), "--to", "yolo", "--task", task, "--images", "copy", "-o", str(out), *extra_args, cwd=WORK)
    yaml_text = (out / "data.yaml").read_text()
    assert not any(line.startswith("path:") for line in yaml_text.splitlines()), yaml_text
    elsewhere = WORK / "elsewhere" / name
    elsewhere.mkdir(parents=True)
    splits = ultralytics_counts(out / "data.yaml", task, elsewhere)
    if name.startswith("segment-rle-"):
        # polygon2mask fills with OpenCV at the image's own size, and also
        # fills every pixel the links between the parts of a mask pass
        # through: a few small masks of many parts (cocoapi's fake results)
        # lose IoU to their links. Required: every OCHuman mask (real
        # people) at 0.9 or more, and 99 % of all masks. By pixel centres the
        # rows cover every mask exactly (crates/labelkit/tests/it/masks.rs).
        ious = mask_ious(src, out, elsewhere)
        good = sum(1 for v in ious if v >= 0.9)
        print(
            f"     {name}: IoU of each mask with its row filled by Ultralytics' polygon2mask: "
            f"min {min(ious):.4f}, mean {sum(ious) / len(ious):.4f}, {good} of {len(ious)} at 0.9 or more"
        )
        if name == "segment-rle-masks" and min(ious) < 0.9:
            problems.append(f"mask IoU below 0.9: {ious}")
        if good < 0.99 * len(ious):
            problems.append(f"fewer than 99 % of the masks at IoU 0.9 or more: {ious}")
    train = splits.get("train")
    if train is None:
        problems.append("no train split")
    for split, got in splits.items():
        if got["missing"] or got["corrupt"] or got["found"] + got["empty"] != got["total"]:
            problems.append(f"{split}: label files not all accepted: {got}")
    # The train split holds every image (labelkit writes all of a source
    # without subsets to train; val names the same folder).
    total = {k: sum(s[k] for s in splits.values()) for k in ("images", "instances", "segments", "keypoints")}
    for key, want in expected.items():
        if total.get(key) != want:
            problems.append(f"{key}: Ultralytics {total.get(key)}, source {want}")
    return problems, splits


CASES = [
    (
        "detect-labelformat",
        "detect",
        lambda: (lambda f, d: (f, coco_counts(d, "detect")))(
            *coco_source("labelformat/tests/fixtures/object_detection/COCO/train.json", "detect-labelformat")
        ),
    ),
    (
        # Roboflow's layout (train/images/x.jpg, `train: ../train/images`);
        # its 10 x 5 images are below Ultralytics' 10-pixel minimum, so
        # they are replaced by blank 100 x 50 ones.
        "detect-roboflow",
        "detect",
        lambda: yolo_source("datumaro-openvino/tests/assets/roboflow_dataset/yolo", "detect-roboflow", scale=10),
    ),
    (
        "segment-polygons",
        "segment",
        lambda: (lambda f, d: (f, coco_counts(d, "segment")))(
            *coco_source("labelformat/tests/fixtures/instance_segmentation/COCO/instances.json", "segment-polygons")
        ),
    ),
    (
        "segment-rle-masks",
        "segment",
        lambda: (lambda f, d: (f, coco_counts(d, "segment")))(
            *coco_source("mmpose/tests/data/ochuman/test_ochuman.json", "segment-rle-masks")
        ),
    ),
    ("segment-rle-results", "segment", results_source),
    (
        "pose-coco-keypoints",
        "pose",
        lambda: (lambda f, d: (f, coco_counts(d, "pose")))(
            *coco_source("mmpose/tests/data/coco/test_coco.json", "pose-coco-keypoints")
        ),
    ),
    (
        "obb-datumaro",
        "obb",
        lambda: yolo_source(
            "datumaro-cvat-ai/tests/assets/yolo_dataset/yolov8_oriented_boxes", "obb-datumaro", segments=True
        ),
    ),
    ("detect-nested-images", "detect", nested_source),
]


def main() -> int:
    passed = failed = 0
    for name, task, make in CASES:
        try:
            problems, splits = case(name, task, make)
        except Exception:  # noqa: BLE001 - every failure is reported
            problems, splits = [traceback.format_exc()], {}
        summary = ", ".join(
            f"{s}: {v['images']} images {v['instances']} instances {v['segments']} segments {v['keypoints']} keypoints"
            for s, v in splits.items()
        )
        if problems:
            failed += 1
            print(f"FAIL {name} ({task}): {summary}")
            for p in problems:
                print(f"    {p}")
        else:
            passed += 1
            print(f"ok   {name} ({task}): {summary}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
