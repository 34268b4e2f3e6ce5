//! Where a conversion finds images and their sizes: YOLO without images to
//! COCO or CVAT (refused, or sized by `--image-size` / `--image-sizes`),
//! COCO's and CVAT's image layouts and `--image-root`, and the default
//! `--images link`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{labelkit, png, repo_root, stderr, stdout};

/// A baseline JPEG header (SOI, SOF0) of the given size.
fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    j.extend(height.to_be_bytes());
    j.extend(width.to_be_bytes());
    j.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    j
}

const GTS: &str = "tests/corpus/review_object_detection_metrics/data/database/gts";

fn gts(rel: &str) -> String {
    repo_root().join(GTS).join(rel).display().to_string()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// By image file name: its size and its boxes `[x, y, w, h]`, sorted.
type BoxesByImage = BTreeMap<String, ((u64, u64), Vec<Vec<f64>>)>;

/// By image file name: each annotation's keypoints `(x, y, v)`.
type PointsByImage = BTreeMap<String, Vec<Vec<(f64, f64, u64)>>>;

/// Runs `labelkit args` in `d` and checks it fails with exit 2 saying
/// `needle`.
fn refused(d: &Path, args: &[&str], needle: &str) {
    let o = labelkit(args, d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(needle), "{}", stderr(&o));
}

/// The image ids of a COCO document and their file names without folder.
fn base_names(doc: &serde_json::Value) -> BTreeMap<u64, String> {
    doc["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let name = i["file_name"].as_str().unwrap();
            (
                i["id"].as_u64().unwrap(),
                name.rsplit('/').next().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The CVAT "YOLO 1.1" export without its images: COCO and CVAT output is
/// refused in one message, exit 2, nothing written, no line per image.
#[test]
fn yolo_without_images_to_pixel_formats_is_refused_in_one_message() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (to, out) in [("coco", "out.json"), ("cvat", "out.xml")] {
        let o = labelkit(&["convert", &gts("yolo_format"), "--to", to, "-o", out], d);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        let format = if to == "coco" { "coco" } else { "cvat-images" };
        assert_eq!(
            err.trim_end(),
            format!(
                "labelkit: error: 100 of 100 images have no known size \
                 (\"obj_train_data/2007_001585.jpg\", \"obj_train_data/2007_001583.jpg\", \
                 \"obj_train_data/2007_001568.jpg\", 97 more): {format} needs every image's \
                 size, and YOLO rows, fractions of the image size, need it to become pixels; \
                 nothing was written. Put the images where the dataset names them, or give \
                 the sizes with --image-size WxH (one size for all) or --image-sizes FILE \
                 (a COCO or CVAT file of the same images, matched by file name, e.g. the \
                 CVAT task the export came from)"
            )
        );
        assert!(!d.join(out).exists());
    }
    // `check` still reads it: findings, not a failure; a labels-only
    // export is one D006 warning, not an error per image.
    let o = labelkit(
        &["check", &gts("yolo_format"), "--output-format", "concise"],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).lines().filter(|l| l.contains(": D006 ")).count(),
        1,
        "{}",
        stdout(&o)
    );
}

/// `--image-sizes` with the CVAT task the export came from gives every
/// image its size; the boxes then equal those of CVAT's COCO export of the
/// same task, within the 6 decimals of the YOLO rows.
#[test]
fn image_sizes_from_the_cvat_task_make_the_yolo_export_its_coco_export() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = labelkit(
        &[
            "convert",
            &gts("yolo_format"),
            "--to",
            "coco",
            "-o",
            "out.json",
            "--image-sizes",
            &gts("cvat_format/annotations.xml"),
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("F008"), "{}", stderr(&o));
    let boxes = |doc: &serde_json::Value| -> BoxesByImage {
        let names = base_names(doc);
        let mut out = BoxesByImage::new();
        for img in doc["images"].as_array().unwrap() {
            let size = (
                img["width"].as_u64().unwrap(),
                img["height"].as_u64().unwrap(),
            );
            out.insert(
                names[&img["id"].as_u64().unwrap()].clone(),
                (size, Vec::new()),
            );
        }
        for a in doc["annotations"].as_array().unwrap() {
            let name = &names[&a["image_id"].as_u64().unwrap()];
            let b: Vec<f64> = a["bbox"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            out.get_mut(name).unwrap().1.push(b);
        }
        for (_, v) in out.values_mut() {
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        }
        out
    };
    let ours = boxes(&json(&d.join("out.json")));
    let cvat = boxes(&json(Path::new(&gts(
        "coco_format_v1/instances_default.json",
    ))));
    assert_eq!(ours.len(), 100);
    assert_eq!(
        ours.values().map(|(_, b)| b.len()).sum::<usize>(),
        273,
        "every box"
    );
    for (name, (size, theirs)) in &cvat {
        let (our_size, ours) = &ours[name];
        assert_eq!(our_size, size, "{name}");
        assert_eq!(ours.len(), theirs.len(), "{name}");
        for (a, b) in ours.iter().zip(theirs) {
            for (x, y) in a.iter().zip(b) {
                // 6 decimals of a fraction of at most 500 px, and CVAT's 2.
                assert!((x - y).abs() < 0.011, "{name}: {a:?} vs {b:?}");
            }
        }
    }

    // One size for all.
    let o = labelkit(
        &[
            "convert",
            &gts("yolo_format"),
            "--to",
            "cvat",
            "-o",
            "all.xml",
            "--image-size",
            "500x375",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let xml = std::fs::read_to_string(d.join("all.xml")).unwrap();
    assert_eq!(xml.matches(r#"width="500" height="375""#).count(), 100);
    assert!(!xml.contains(r#"width="0""#));

    let yolo = gts("yolo_format");
    let convert = ["convert", &yolo, "--to", "coco", "-o", "c.json"];
    refused(
        d,
        &[&convert[..], &["--image-size", "500"]].concat(),
        "--image-size: invalid image size \"500\": expected WIDTHxHEIGHT",
    );
    // COCO and CVAT declare their sizes: the options are refused, not
    // ignored.
    let cvat = gts("cvat_format/annotations.xml");
    let convert = ["convert", &cvat, "--to", "coco", "-o", "c.json"];
    refused(
        d,
        &[&convert[..], &["--image-size", "500x375"]].concat(),
        "--image-size and --image-sizes apply to YOLO input only",
    );
    assert!(!d.join("c.json").exists());
}

/// The COCO keypoints file of mmpose's tests in COCO's own layout
/// (`annotations/person_keypoints_val2017.json` beside `val2017/`), with
/// images of the declared sizes under `val2017/` when `images` is set.
fn coco_keypoints_layout(d: &Path, images: bool) -> PathBuf {
    let src = repo_root().join("tests/corpus/mmpose/tests/data/coco/test_coco.json");
    std::fs::create_dir_all(d.join("annotations")).unwrap();
    std::fs::create_dir_all(d.join("val2017")).unwrap();
    let file = d.join("annotations/person_keypoints_val2017.json");
    std::fs::copy(&src, &file).unwrap();
    if images {
        for img in json(&file)["images"].as_array().unwrap() {
            let (w, h) = (
                img["width"].as_u64().unwrap(),
                img["height"].as_u64().unwrap(),
            );
            std::fs::write(
                d.join("val2017").join(img["file_name"].as_str().unwrap()),
                jpeg(w.try_into().unwrap(), h.try_into().unwrap()),
            )
            .unwrap();
        }
    }
    file
}

/// Every annotation's keypoints `(x, y, v)` by image file name, in order.
fn keypoints(doc: &serde_json::Value) -> PointsByImage {
    let names = base_names(doc);
    let mut out = PointsByImage::new();
    for a in doc["annotations"].as_array().unwrap() {
        let k: Vec<f64> = a["keypoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let points = k
            .chunks(3)
            .map(|c| (c[0], c[1], c[2] as u64))
            .collect::<Vec<_>>();
        out.entry(names[&a["image_id"].as_u64().unwrap()].clone())
            .or_default()
            .push(points);
    }
    out
}

/// COCO -> YOLO -> COCO with default options on a COCO keypoints file:
/// the images are found in `val2017/`, linked into the YOLO dataset, and
/// their sizes bring every point back with its visibility.
#[test]
fn coco_keypoints_through_yolo_keep_every_point_and_visibility() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = coco_keypoints_layout(d, true);
    let o = labelkit(
        &[
            "convert",
            "annotations/person_keypoints_val2017.json",
            "--to",
            "yolo",
            "-o",
            "y",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("notes"), "{}", stderr(&o));
    // The images are linked in where data.yaml names them: the subset
    // `val2017` of the file's name.
    let yaml = std::fs::read_to_string(d.join("y/data.yaml")).unwrap();
    assert!(yaml.contains("val: images/val2017\n"), "{yaml}");
    let linked = d.join("y/images/val2017/000000000785.jpg");
    assert!(linked.symlink_metadata().unwrap().file_type().is_symlink());
    assert_eq!(
        std::fs::canonicalize(&linked).unwrap(),
        std::fs::canonicalize(d.join("val2017/000000000785.jpg")).unwrap()
    );

    let o = labelkit(&["convert", "y", "--to", "coco", "-o", "back.json"], d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = keypoints(&json(&file));
    let after = keypoints(&json(&d.join("back.json")));
    assert_eq!(before.len(), 4);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    let mut points = 0;
    let mut labelled = 0;
    for (name, objects) in &before {
        let mut theirs = after[name].clone();
        let mut ours = objects.clone();
        let key = |o: &Vec<(f64, f64, u64)>| format!("{o:?}");
        ours.sort_by_key(key);
        theirs.sort_by_key(key);
        assert_eq!(ours.len(), theirs.len(), "{name}");
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(a.len(), 17, "{name}");
            for (p, q) in a.iter().zip(b) {
                assert_eq!(p.2, q.2, "{name}: visibility of {p:?} vs {q:?}");
                assert!(
                    (p.0 - q.0).abs() < 1e-6 && (p.1 - q.1).abs() < 1e-6,
                    "{name}: {p:?} vs {q:?}"
                );
                points += 1;
                labelled += usize::from(p.2 > 0);
            }
        }
    }
    assert_eq!(points, 14 * 17);
    assert_eq!(labelled, 181, "the file's num_keypoints summed");
}

/// The same without the images: the YOLO labels are written and one note
/// says where the images were looked for; back to COCO is refused with the
/// message of unknown sizes.
#[test]
fn coco_keypoints_without_images_write_labels_and_refuse_to_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    coco_keypoints_layout(d, false);
    let o = labelkit(
        &[
            "convert",
            "annotations/person_keypoints_val2017.json",
            "--to",
            "yolo",
            "-o",
            "y",
        ],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let notes: Vec<&str> = err.lines().filter(|l| l.contains("not found")).collect();
    assert_eq!(
        notes,
        [
            "  4 x images not found (the first, \"000000000785.jpg\", was looked for at \
             annotations/000000000785.jpg, val2017/000000000785.jpg; its place in the output \
             is images/val2017/000000000785.jpg): labels written without them"
        ],
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(d.join("y/labels/val2017"))
            .unwrap()
            .count(),
        4
    );
    assert!(!d.join("y/images").exists());
    let yaml = std::fs::read_to_string(d.join("y/data.yaml")).unwrap();
    assert!(yaml.contains("train: images/val2017\n"), "{yaml}");

    let o = labelkit(&["convert", "y", "--to", "coco", "-o", "back.json"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "labelkit: error: 4 of 4 images have no known size \
             (\"images/val2017/000000000785.jpg\", \"images/val2017/000000040083.jpg\", \
             \"images/val2017/000000196141.jpg\", 1 more)"
        ),
        "{err}"
    );
    assert!(
        err.contains("--image-size WxH (one size for all) or --image-sizes FILE"),
        "{err}"
    );
    assert!(!d.join("back.json").exists());
    // The sizes from the original file bring it back.
    let o = labelkit(
        &[
            "convert",
            "y",
            "--to",
            "coco",
            "-o",
            "back.json",
            "--image-sizes",
            "annotations/person_keypoints_val2017.json",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let back = json(&d.join("back.json"));
    let before = keypoints(&json(&d.join("annotations/person_keypoints_val2017.json")));
    let after = keypoints(&back);
    assert_eq!(
        after.values().map(Vec::len).sum::<usize>(),
        before.values().map(Vec::len).sum::<usize>()
    );
}

/// A one-image COCO file naming `a.png` (20x10), one box.
fn coco_one(path: &Path, file_name: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        path,
        format!(
            r#"{{"images":[{{"id":1,"file_name":"{file_name}","width":20,"height":10}}],
"annotations":[{{"id":1,"image_id":1,"category_id":1,"bbox":[2,2,4,4],"area":16,"iscrowd":0}}],
"categories":[{{"id":1,"name":"cat"}}]}}"#
        ),
    )
    .unwrap();
}

/// COCO's and Datumaro's layouts put images beside `annotations/`, not in
/// it: `--images copy` finds them there, says where it looked when one is
/// missing, and takes `--image-root` for any other folder.
#[test]
fn images_are_found_where_the_common_layouts_put_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Datumaro's COCO: annotations/instances_train.json, images/train/.
    coco_one(&d.join("a/annotations/instances_train.json"), "a.png");
    std::fs::create_dir_all(d.join("a/images/train")).unwrap();
    std::fs::write(d.join("a/images/train/a.png"), png(20, 10)).unwrap();
    // COCO's: annotations/instances_train2017.json, train2017/.
    coco_one(&d.join("b/annotations/instances_train2017.json"), "a.png");
    std::fs::create_dir_all(d.join("b/train2017")).unwrap();
    std::fs::write(d.join("b/train2017/a.png"), png(20, 10)).unwrap();
    // instances_train.json beside train2017/.
    coco_one(&d.join("c/annotations/instances_train.json"), "a.png");
    std::fs::create_dir_all(d.join("c/train2017")).unwrap();
    std::fs::write(d.join("c/train2017/a.png"), png(20, 10)).unwrap();
    // CVAT's and Datumaro's images/ beside the annotation file.
    coco_one(&d.join("e/instances_default.json"), "a.png");
    std::fs::create_dir_all(d.join("e/images")).unwrap();
    std::fs::write(d.join("e/images/a.png"), png(20, 10)).unwrap();
    // The subset is the file name's (`train2017`; CVAT's `default` is none).
    for (input, source, subset) in [
        (
            "a/annotations/instances_train.json",
            "a/images/train/a.png",
            "train",
        ),
        (
            "b/annotations/instances_train2017.json",
            "b/train2017/a.png",
            "train2017",
        ),
        (
            "c/annotations/instances_train.json",
            "c/train2017/a.png",
            "train",
        ),
        ("e/instances_default.json", "e/images/a.png", "train"),
    ] {
        let out = format!("out-{}", &input[..1]);
        let o = labelkit(
            &[
                "convert", input, "--to", "yolo", "--images", "copy", "-o", &out,
            ],
            d,
        );
        assert_eq!(o.status.code(), Some(0), "{input}: {}", stderr(&o));
        assert_eq!(
            std::fs::read(d.join(&out).join(format!("images/{subset}/a.png"))).unwrap(),
            std::fs::read(d.join(source)).unwrap(),
            "{input}"
        );
        // The image folder found is part of the input: no output inside it.
        let inside = Path::new(source).parent().unwrap().join("o");
        let o = labelkit(
            &[
                "convert",
                input,
                "--to",
                "yolo",
                "-o",
                inside.to_str().unwrap(),
            ],
            d,
        );
        assert_eq!(o.status.code(), Some(2), "{input}: {}", stderr(&o));
    }

    // From inside `annotations/`, the dataset folder is its parent.
    let o = labelkit(
        &[
            "convert",
            "instances_train.json",
            "--to",
            "yolo",
            "--images",
            "copy",
            "-o",
            "../../out-inside",
        ],
        &d.join("a/annotations"),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(d.join("out-inside/images/train/a.png").is_file());

    // A missing image: where it was looked for, nothing written.
    std::fs::remove_file(d.join("c/train2017/a.png")).unwrap();
    refused(
        d,
        &[
            "convert",
            "c/annotations/instances_train.json",
            "--to",
            "yolo",
            "--images",
            "copy",
            "-o",
            "missing",
        ],
        "1 image not found, nothing written: images not found (the first, \"a.png\", was \
         looked for at c/annotations/a.png, c/train2017/a.png; its place in the output is \
         images/train/a.png); name the folder of the images as the image root \
         (--image-root DIR)",
    );
    assert!(!d.join("missing").exists());

    // Anywhere else: --image-root, trusted as the root even outside the
    // dataset's folder.
    let store = tempfile::tempdir().unwrap();
    std::fs::write(store.path().join("a.png"), png(20, 10)).unwrap();
    let o = labelkit(
        &[
            "convert",
            "c/annotations/instances_train.json",
            "--to",
            "yolo",
            "--images",
            "copy",
            "--image-root",
            store.path().to_str().unwrap(),
            "-o",
            "rooted",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(d.join("rooted/images/train/a.png").is_file());
}

/// A folder of the layout that the dataset links elsewhere is not searched:
/// the image is reported missing (labels written), until named with
/// `--image-root`.
#[cfg(unix)]
#[test]
fn a_layout_folder_linked_out_of_the_dataset_is_not_searched() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("a.png"), png(20, 10)).unwrap();
    coco_one(&d.join("annotations/instances_val2017.json"), "a.png");
    std::os::unix::fs::symlink(elsewhere.path(), d.join("val2017")).unwrap();
    let o = labelkit(
        &[
            "convert",
            "annotations/instances_val2017.json",
            "--to",
            "yolo",
            "-o",
            "y",
        ],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "1 x images not found (the first, \"a.png\", was looked for at annotations/a.png;"
        ),
        "{err}"
    );
    assert!(!d.join("y/images").exists());
    assert!(d.join("y/labels/val2017/a.txt").is_file());
}

/// The default links images in (a symlink here); `--images reference`
/// writes the labels only and says so; images the default cannot bring
/// (outside the image folder) are left out and noted, not copied.
#[test]
fn the_default_links_images_and_reference_says_what_it_leaves_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("ds");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("a.png"), png(20, 10)).unwrap();
    std::fs::write(dir.path().join("secret.png"), png(20, 10)).unwrap();
    super::coco_naming(&d, &["a.png", "../secret.png"]);
    let o = labelkit(&["convert", "in.json", "--to", "yolo", "-o", "../y"], &d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let y = dir.path().join("y");
    #[cfg(unix)]
    assert!(y
        .join("images/train/a.png")
        .symlink_metadata()
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(y.join("images/train/a.png").is_file());
    assert!(!y.join("images/train/secret.png").exists());
    assert!(
        err.contains(
            "  1 x images left out of the output, labels written (refusing to copy or link \
             the image \"../secret.png\": it resolves to"
        ),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(y.join("labels/train")).unwrap().count(),
        2
    );

    let o = labelkit(
        &[
            "convert",
            "in.json",
            "--to",
            "yolo",
            "--images",
            "reference",
            "-o",
            "../r",
        ],
        &d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "  2 x images named but not brought into the output (reference mode): put them \
             where data.yaml names them, images/train/a.png for the first"
        ),
        "{err}"
    );
    assert!(!dir.path().join("r/images").exists());
}

/// `check` verifies declared sizes (D007) against the images in the same
/// folders `convert` finds them in: COCO's `train2017/` beside
/// `annotations/`.
#[test]
fn check_verifies_sizes_of_images_in_the_coco_layout() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    coco_one(&d.join("annotations/instances_train2017.json"), "a.png");
    std::fs::create_dir_all(d.join("train2017")).unwrap();
    std::fs::write(d.join("train2017/a.png"), png(40, 10)).unwrap();
    let o = labelkit(
        &[
            "check",
            "annotations/instances_train2017.json",
            "--output-format",
            "concise",
            "--select",
            "D007",
        ],
        d,
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert_eq!(
        out,
        "annotations/instances_train2017.json:1:12: D007 image `a.png` is declared 20x10 but \
         the file is 40x10\n"
    );
    // A baseline is never written into that image folder, but may go
    // beside the dataset's folders.
    let check = [
        "check",
        "annotations/instances_train2017.json",
        "--select",
        "D007",
    ];
    refused(
        d,
        &[&check[..], &["--write-baseline", "train2017/baseline.json"]].concat(),
        "it lies inside the input",
    );
    assert!(!d.join("train2017/baseline.json").exists());
    let o = labelkit(
        &[&check[..], &["--write-baseline", "baseline.json"]].concat(),
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(d.join("baseline.json").is_file());
}
