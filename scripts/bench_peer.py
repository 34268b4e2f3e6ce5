#!/usr/bin/env python3
"""Run one conversion with one peer tool, the way its users run it.

    bench_peer.py TOOL CONVERSION INPUT OUTPUT

TOOL: datumaro | globox | labelformat.
CONVERSION: coco-yolo | cvat-coco | yolo-coco | cvat-yolo.
INPUT is coco/instances.json, cvat/annotations.xml or the yolo folder of a
dataset written by `labelkit-bench generate`; OUTPUT is a folder (YOLO) or
a .json file (COCO). Exits 3 when the tool has no such conversion.

globox and labelformat run through their command lines; Datumaro's command
line needs extra packages (tensorboardX, matplotlib...), so it runs through
its Python API (Dataset.import_from / export), which is what its CLI calls.
"""
import os
import shutil
import subprocess
import sys

UNSUPPORTED = 3


def venv_bin(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def without_xml_declaration(src, dst):
    """labelformat 0.1.17's CVAT reader fails on every file that starts with
    an XML declaration (it hands lxml a decoded str: "Unicode strings with
    encoding declaration are not supported"), and CVAT writes one at the top
    of every export. Returns a copy of SRC without it (the copy's time is
    part of the measurement: a user has to make it too)."""
    with open(src, "rb") as f:
        first = f.readline()
        if not first.startswith(b"<?xml"):
            return src, None
        copy = dst + ".nodecl.xml"
        with open(copy, "wb") as out:
            rest = first.split(b"?>", 1)[1]
            out.write(rest)
            shutil.copyfileobj(f, out, 1 << 22)
    return copy, copy


def labelformat(conv, src, dst):
    base = [venv_bin("labelformat"), "convert", "--task", "object-detection"]
    copy = None
    if conv.startswith("cvat-"):
        src, copy = without_xml_declaration(src, dst)
    try:
        labelformat_run(base, conv, src, dst)
    finally:
        if copy:
            os.remove(copy)


def labelformat_run(base, conv, src, dst):
    if conv == "coco-yolo":
        run(base + ["--input-format", "coco", "--input-file", src,
                    "--output-format", "yolov8", "--output-file",
                    os.path.join(dst, "data.yaml"), "--output-split", "train"])
    elif conv == "cvat-coco":
        run(base + ["--input-format", "cvat", "--input-file", src,
                    "--output-format", "coco", "--output-file", dst])
    elif conv == "yolo-coco":
        run(base + ["--input-format", "yolov8", "--input-file",
                    os.path.join(src, "data.yaml"), "--input-split", "train",
                    "--output-format", "coco", "--output-file", dst])
    elif conv == "cvat-yolo":
        run(base + ["--input-format", "cvat", "--input-file", src,
                    "--output-format", "yolov8", "--output-file",
                    os.path.join(dst, "data.yaml"), "--output-split", "train"])
    else:
        sys.exit(UNSUPPORTED)


def globox(conv, src, dst):
    g = venv_bin("globox")
    if conv in ("coco-yolo", "cvat-yolo"):
        # globox writes each label file at the image's file_name, folders
        # and all, and expects those folders to exist.
        os.makedirs(os.path.join(dst, "images", "train"), exist_ok=True)
    if conv == "coco-yolo":
        run([g, "convert", src, dst, "--format", "coco", "--save_fmt", "yolov5"])
    elif conv == "cvat-coco":
        run([g, "convert", src, dst, "--format", "cvat", "--save_fmt", "coco",
             "--coco_auto_ids"])
    elif conv == "yolo-coco":
        # globox reads YOLO ids through a mapping file (id -> name) and the
        # image sizes from the images.
        names = yolo_names(src)
        mapping = dst + ".names.txt"
        with open(mapping, "w") as f:
            f.write("".join(n + "\n" for n in names))
        run([g, "convert", os.path.join(src, "labels", "train"), dst,
             "--format", "yolov5", "--img_folder", os.path.join(src, "images", "train"),
             "--img_ext", ".png", "--mapping", mapping, "--save_fmt", "coco", "--coco_auto_ids"])
        os.remove(mapping)
    elif conv == "cvat-yolo":
        run([g, "convert", src, dst, "--format", "cvat", "--save_fmt", "yolov5"])
    else:
        sys.exit(UNSUPPORTED)


def datumaro(conv, src, dst):
    import datumaro as dm

    a, b = conv.split("-")
    if b == "yolo":
        # Its yolo_ultralytics exporter refuses a dataset without both a
        # train and a val subset; the benchmark dataset is one train subset.
        sys.exit(UNSUPPORTED)
    # Datumaro imports folders laid out its way: <root>/annotations/
    # instances_train.json (COCO), <root>/train.xml (CVAT; the file's name is
    # the subset), with the images beside them. Build that from links.
    src_path = src
    if a in ("coco", "cvat"):
        root = dst + ".in"
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(os.path.join(root, "annotations"))
        # Images are looked up at <root>/images/<subset>/<file_name>.
        os.makedirs(os.path.join(root, "images"))
        os.symlink(os.path.dirname(os.path.abspath(src)), os.path.join(root, "images", "train"))
        if a == "coco":
            os.symlink(os.path.abspath(src), os.path.join(root, "annotations", "instances_train.json"))
        else:
            os.symlink(os.path.abspath(src), os.path.join(root, "train.xml"))
        src_path = root
    fmt_in = {"coco": "coco_instances", "cvat": "cvat", "yolo": "yolo"}
    fmt_out = {"coco": "coco_instances", "yolo": "yolo_ultralytics"}
    ds = dm.Dataset.import_from(src_path, fmt_in[a])
    out_dir = dst if b == "yolo" else dst + ".d"
    ds.export(out_dir, fmt_out[b], save_media=False)
    if b == "coco":
        # Datumaro writes <out>/annotations/instances_<subset>.json.
        ann = os.path.join(out_dir, "annotations")
        files = sorted(f for f in os.listdir(ann) if f.endswith(".json"))
        os.replace(os.path.join(ann, files[0]), dst)
        shutil.rmtree(out_dir, ignore_errors=True)
    if a in ("coco", "cvat"):
        shutil.rmtree(src_path, ignore_errors=True)


def yolo_names(folder):
    names = []
    in_names = False
    with open(os.path.join(folder, "data.yaml")) as f:
        for line in f:
            if line.startswith("names:"):
                in_names = True
                continue
            if in_names:
                if not line.startswith(" "):
                    break
                names.append(line.split(":", 1)[1].strip())
    return names


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    tool, conv, src, dst = sys.argv[1:]
    {"datumaro": datumaro, "globox": globox, "labelformat": labelformat}[tool](conv, src, dst)


if __name__ == "__main__":
    main()
