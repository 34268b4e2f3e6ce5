"""Checks that Datumaro imports the CVAT XML and COCO files labelkit writes.

Usage: python datumaro_interop.py LABELKIT CORPUS WORKDIR

For every CVAT and COCO dataset file under CORPUS (tests/corpus; detection
results files, which are not datasets, are left out), converts it with the
LABELKIT binary to CVAT XML and to COCO, imports each output with Datumaro
(CVAT's own importer of COCO: `cvat`, `coco_instances`, or
`coco_person_keypoints` when the file has keypoints) and compares with the
source as Datumaro reads it:
- items (images or frames),
- top-level labels (a skeleton's element labels are not counted: COCO keeps
  them as keypoint names),
- objects: annotations, where the annotations Datumaro puts in one group
  (COCO: the polygon, box and points of one annotation; CVAT: the shapes of
  one group) count once,
- keypoints: the points of every Points and Skeleton annotation.
When Datumaro cannot read the source, the counts are compared with what
labelkit says it wrote (images, annotations) for the COCO output.

Mismatches that are known and explained are listed in ALLOWED below; an
allowed mismatch that no longer happens is reported so the list is tightened.
Prints one line per conversion and a closing "N passed, N failed" line;
exits 1 on a failure.
"""

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from xml.etree import ElementTree

import datumaro as dm
from datumaro.components.annotation import AnnotationType

logging.disable(logging.CRITICAL)

# PyPI's Datumaro (OpenVINO's) has no skeleton annotation type; CVAT's fork
# has. Counted when present.
SKELETON = getattr(AnnotationType, "skeleton", None)

# Known, explained mismatches: (source relative to CORPUS, target, count or
# "import") -> why. Each entry must still happen (else the check fails and
# asks for the entry to be removed), so the list only shrinks as labelkit
# gets fixed.
_V = "datumaro-cvat-ai/tests/assets/cvat_dataset/for_video/annotations.xml"
_NO_KP = (
    "the CVAT source has boxes or polylines of labels without keypoints beside "
    "skeletons; labelkit's COCO gives every annotation of a keypoint category "
    "`keypoints` (zeros when it has none) but invents none for a category that "
    "declares no keypoints, and Datumaro's coco_person_keypoints reader (CVAT's "
    "COCO Keypoints import) requires `keypoints` on every annotation"
)
_TRACK_BEYOND = (
    "every track shape is on frames 20-29, after stop_frame 9; labelkit leaves "
    "them out and reports `track shapes after the video's last frame`, "
    "Datumaro keeps them"
)
ALLOWED = {
    ("dagshub-annotation-converter/tests/cvat/res/pose_grouping.xml", "coco", "import"): _NO_KP,
    ("dagshub-annotation-converter/tests/fs_import/cvat/annotations.xml", "coco", "import"): _NO_KP,
    (_V, "coco", "import"): _NO_KP,
    (_V, "cvat", "items"): (
        "Datumaro makes items only of the frames a track shape is written on "
        "(10, 13, 16); labelkit writes every frame of the task (frame_filter "
        "step=3: 10, 13, 16, 19)"
    ),
    (_V, "cvat", "objects"): (
        "Datumaro counts the 4 outside=\"1\" track shapes as shapes (7); labelkit "
        "writes the 3 visible ones (skeleton elements are not counted)"
    ),
    (_V, "cvat", "keypoints"): (
        "Datumaro counts the skeleton track's element points as written (11, on "
        "keyframes) and the 6 of `klhg` (3 outside) = 17; labelkit writes the "
        "skeleton, interpolated, on each of the 4 frames (16 element points) and "
        "the 3 visible `klhg` points = 19"
    ),
    (
        "dagshub-annotation-converter/tests/cvat_video/res/sample_video.xml",
        "cvat",
        "objects",
    ): (
        "Datumaro keeps the track's outside=\"1\" box on frame 3 as a shape; "
        "labelkit leaves it out: the object is not in that frame"
    ),
    (
        "dagshub-annotation-converter/tests/cvat_video/res/sample_video.xml",
        "coco",
        "objects",
    ): "the outside=\"1\" box, as for the CVAT output",
    (
        "dagshub-annotation-converter/tests/cvat_video/res/sample_video.xml",
        "coco",
        "labels",
    ): (
        "the source declares no labels in <meta> (Datumaro counts 0); labelkit's "
        "COCO lists the 2 its tracks use"
    ),
    ("datumaro-cvat-ai/tests/assets/cvat_dataset/for_images/train.xml", "coco", "import"): _NO_KP,
    (
        "datumaro-openvino/tests/assets/cvat_dataset/for_images/export_project/annotations.xml",
        "coco",
        "objects",
    ): "3 points shapes and 3 polylines COCO cannot hold (labelkit reports them)",
    (
        "datumaro-openvino/tests/assets/cvat_dataset/for_images/export_project/annotations.xml",
        "coco",
        "keypoints",
    ): "the 3 points shapes COCO cannot hold (labelkit reports them)",
    (
        "training_extensions/tests/assets/cvat_dataset/action_classification/train/0/annotations.xml",
        "coco",
        "objects",
    ): "10 image tags: COCO has no image-level labels (labelkit reports them)",
    (
        "training_extensions/tests/assets/cvat_dataset/action_detection/train/0/annotations.xml",
        "cvat",
        "objects",
    ): _TRACK_BEYOND,
    (
        "training_extensions/tests/assets/cvat_dataset/action_detection/train/0/annotations.xml",
        "coco",
        "objects",
    ): _TRACK_BEYOND,
}


def cvat_element_labels(path):
    """Names of the skeleton element labels of a CVAT XML file (a <label>
    with a <parent>). PyPI's Datumaro reads them as labels of their own and
    each element of a skeleton as a separate Points shape."""
    names = set()
    for _, elem in ElementTree.iterparse(path):
        if elem.tag == "label" and elem.find("parent") is not None:
            names.add(elem.findtext("name"))
        if elem.tag in ("image", "track"):
            elem.clear()
    return names


def read(path, fmt):
    """Counts of a dataset as Datumaro imports it: items, labels (a
    skeleton's element labels left out), objects (the annotations of one
    group count once; skeleton elements are not objects) and keypoints."""
    elements = cvat_element_labels(path) if fmt == "cvat" else set()
    ds = dm.Dataset.import_from(path, fmt)
    labels = ds.categories().get(AnnotationType.label)
    names = [c.name for c in labels.items] if labels else []
    objects = keypoints = 0
    for item in ds:
        groups = set()
        for ann in item.annotations:
            label = getattr(ann, "label", None)
            element = label is not None and names[label] in elements
            if ann.type == AnnotationType.points:
                keypoints += len(ann.points) // 2
            elif ann.type == SKELETON:
                keypoints += sum(len(e.points) // 2 for e in ann.elements)
            if element:
                continue
            if ann.group:
                if ann.group in groups:
                    continue
                groups.add(ann.group)
            objects += 1
    return {
        "items": len(ds),
        "labels": len([n for n in names if n not in elements]),
        "objects": objects,
        "keypoints": keypoints,
    }


def coco_format(path):
    with open(path) as f:
        data = json.load(f)
    if any(c.get("keypoints") for c in data.get("categories", [])):
        return "coco_person_keypoints"
    return "coco_instances"


def coco_layout(path, root):
    """Copies a COCO file into the layout Datumaro's COCO importer needs:
    ROOT/annotations/<task>_default.json beside an ROOT/images folder.
    Returns the copy's path and the Datumaro format for it."""
    fmt = coco_format(path)
    task = "person_keypoints" if fmt == "coco_person_keypoints" else "instances"
    os.makedirs(os.path.join(root, "images"), exist_ok=True)
    os.makedirs(os.path.join(root, "annotations"), exist_ok=True)
    copy = os.path.join(root, "annotations", f"{task}_default.json")
    shutil.copyfile(path, copy)
    return copy, fmt


def cvat_layout(path, root):
    """Copies a CVAT XML file to ROOT/annotations.xml beside an ROOT/images
    folder with an empty file for every <image name=..>: Datumaro's CVAT
    importer refuses an image it cannot find, but reads no pixels when the
    XML gives the size."""
    os.makedirs(root, exist_ok=True)
    copy = os.path.join(root, "annotations.xml")
    shutil.copyfile(path, copy)
    images = os.path.join(root, "images")
    for _, elem in ElementTree.iterparse(path):
        name = elem.get("name") if elem.tag == "image" else None
        if name:
            target = os.path.normpath(os.path.join(images, name))
            if target.startswith(images + os.sep):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                open(target, "a").close()
        if elem.tag in ("image", "track"):
            elem.clear()
    return copy


def read_any(path, root):
    """Counts of a CVAT XML or COCO file as Datumaro imports it."""
    if path.endswith(".xml"):
        return read(cvat_layout(path, root), "cvat")
    return read(*coco_layout(path, root))


def corpus_files(corpus):
    for root, _, names in os.walk(corpus):
        for name in sorted(names):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, corpus)
            if not name.endswith((".xml", ".json")) or rel.startswith("cocoapi/results/"):
                continue
            yield rel, path


def convert(labelkit, source, target, out):
    """Runs labelkit convert; returns what it says it wrote."""
    run = subprocess.run(
        [labelkit, "convert", "--color", "never", source, "--to", target, "-o", out],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise RuntimeError(f"labelkit convert --to {target}: {run.stderr.strip()}")
    said = re.search(r"wrote (\d+) (?:images|frames), (\d+) annotations", run.stdout + run.stderr)
    return {"items": int(said[1]), "objects": int(said[2])} if said else {}


def main():
    labelkit, corpus, work = sys.argv[1:4]
    passed = failed = 0
    unused = set(ALLOWED)
    for rel, path in sorted(corpus_files(corpus)):
        name = rel.replace("/", "__")
        try:
            source = read_any(path, os.path.join(work, name, "source"))
            source_by = "Datumaro"
        except Exception as e:  # Datumaro cannot read this source
            cause = e.__cause__ or e
            source, source_by = None, f"labelkit (Datumaro: {type(cause).__name__}: {cause})"
        outputs = {}
        said = {}
        for target in ("cvat", "coco"):
            ext = "xml" if target == "cvat" else "json"
            out = os.path.join(work, name, f"labelkit.{ext}")
            os.makedirs(os.path.dirname(out), exist_ok=True)
            try:
                said[target] = convert(labelkit, path, target, out)
                outputs[target] = out
            except Exception as e:
                outputs[target] = e
        if source is None:
            source = said.get("coco") or {}
        for target, out in outputs.items():
            problems = []
            if isinstance(out, Exception):
                problems.append(str(out))
            else:
                key = (rel, target, "import")
                try:
                    got = read_any(out, os.path.join(work, name, target))
                    if key in ALLOWED:
                        unused.discard(key)
                        problems.append("import: allowed failure no longer happens; remove it from ALLOWED")
                except Exception as e:
                    got = {}
                    cause = e.__cause__ or e
                    if key in ALLOWED:
                        unused.discard(key)
                        print(f"     {name} -> {target}: Datumaro cannot import it (allowed: {ALLOWED[key]})")
                    else:
                        problems.append(
                            f"Datumaro cannot import it: {type(cause).__name__}: {cause}"
                        )
                for count, want in source.items():
                    if count not in got:
                        continue
                    key = (rel, target, count)
                    if got[count] == want:
                        if key in ALLOWED:
                            problems.append(
                                f"{count}: allowed mismatch no longer happens; remove it from ALLOWED"
                            )
                            unused.discard(key)
                        continue
                    if key in ALLOWED:
                        unused.discard(key)
                        print(f"     {name} -> {target}: {count} {got[count]} != {want} (allowed: {ALLOWED[key]})")
                        continue
                    problems.append(f"{count}: {got[count]} != {want} in the source (read by {source_by})")
            if problems:
                failed += 1
                print(f"FAIL {name} -> {target}")
                for p in problems:
                    print(f"    {p}")
            else:
                passed += 1
                print(f"ok   {name} -> {target} {got}")
    for key in sorted(unused):
        failed += 1
        print(f"FAIL ALLOWED entry {key} names no conversion checked")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
