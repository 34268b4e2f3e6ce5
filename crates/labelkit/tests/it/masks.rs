//! RLE masks written as YOLO segment rows: each mask's outline, its parts
//! and holes joined into one ring, must cover the mask (IoU >= 0.9 when the
//! row is rasterised by pixel centres with the even-odd rule), on every
//! non-crowd RLE mask of the corpus. (`.ci/ultralytics-interop.sh` measures
//! the same with Ultralytics' own rasteriser.)

use std::collections::HashMap;
use std::path::Path;

use crate::support::corpus;
use labelkit::model::rle::MaskEncoding;
use labelkit::model::Geometry;
use labelkit::yolo::Task;
use labelkit::{
    convert, read, write, ConvertOptions, ConvertReport, Dataset, Format, ReadOptions, WriteOptions,
};

/// The polygon rows of a label file, in normalised coordinates.
fn polygon_rows(path: &Path) -> Vec<Vec<(f64, f64)>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|line| {
            let v: Vec<f64> = line
                .split_whitespace()
                .skip(1)
                .map(|t| t.parse().unwrap())
                .collect();
            assert!(
                v.len() >= 6 && v.len().is_multiple_of(2),
                "{path:?}: {line}"
            );
            v.chunks(2).map(|c| (c[0], c[1])).collect()
        })
        .collect()
}

/// The pixels of the window `[x0, x0 + w) x [y0, y0 + h)` whose centres a
/// polygon covers (even-odd rule), row-major; edges are bucketed by row,
/// so the cost follows the polygon's extent rather than pixels times edges.
fn rasterise(poly: &[(f64, f64)], (x0, y0, w, h): (usize, usize, usize, usize)) -> Vec<bool> {
    let mut crossings: Vec<Vec<f64>> = vec![Vec::new(); h];
    for (i, &(ax, ay)) in poly.iter().enumerate() {
        let (bx, by) = poly[(i + 1) % poly.len()];
        if ay == by {
            continue;
        }
        let (lo, hi) = (ay.min(by), ay.max(by));
        // Rows whose centre lies in [lo, hi).
        let mut row = ((lo - 0.5).ceil().max(y0 as f64) as usize).saturating_sub(y0);
        while row < h && ((row + y0) as f64 + 0.5) < hi {
            let yc = (row + y0) as f64 + 0.5;
            crossings[row].push(ax + (yc - ay) * (bx - ax) / (by - ay));
            row += 1;
        }
    }
    let mut out = vec![false; w * h];
    for (y, xs) in crossings.iter_mut().enumerate() {
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks(2) {
            if let [a, b] = pair {
                for x in 0..w {
                    let xc = (x + x0) as f64 + 0.5;
                    if xc >= *a && xc < *b {
                        out[y * w + x] = true;
                    }
                }
            }
        }
    }
    out
}

/// The IoU of a polygon (pixels) and a mask, over the window holding both.
fn iou(poly: &[(f64, f64)], mask: &MaskEncoding) -> f64 {
    let MaskEncoding::Window {
        left,
        top,
        width,
        height,
        ..
    } = mask.to_window().unwrap()
    else {
        unreachable!()
    };
    let bitmap = mask.to_window().unwrap().to_bitmap().unwrap();
    let (mut x0, mut y0) = (left as f64, top as f64);
    let (mut x1, mut y1) = (f64::from(left + width), f64::from(top + height));
    for &(x, y) in poly {
        (x0, y0, x1, y1) = (
            x0.min(x.floor()),
            y0.min(y.floor()),
            x1.max(x.ceil()),
            y1.max(y.ceil()),
        );
    }
    let (x0, y0) = (x0.max(0.0) as usize, y0.max(0.0) as usize);
    let (w, h) = (x1 as usize - x0, y1 as usize - y0);
    let drawn = rasterise(poly, (x0, y0, w, h));
    let (mut inter, mut union) = (0usize, 0usize);
    for y in 0..h {
        for x in 0..w {
            let (ix, iy) = (
                (x + x0) as i64 - i64::from(left),
                (y + y0) as i64 - i64::from(top),
            );
            let truth = ix >= 0 && iy >= 0 && bitmap.get(ix as u32, iy as u32);
            let d = drawn[y * w + x];
            inter += usize::from(truth && d);
            union += usize::from(truth || d);
        }
    }
    inter as f64 / union.max(1) as f64
}

/// For every non-crowd mask of `source`, in order, the IoU of the row
/// written for it (the rows of an image follow its annotations).
fn mask_ious(source: &Dataset, out: &Path) -> Vec<f64> {
    let mut ious = Vec::new();
    for img in &source.images {
        // An image without a name (a results file's) is written as
        // `image_<id>`.
        let stem = Path::new(&img.file_name).file_stem().map_or_else(
            || format!("image_{}", img.id),
            |s| s.to_string_lossy().into_owned(),
        );
        let rows = polygon_rows(&out.join("labels/train").join(format!("{stem}.txt")));
        let masks: Vec<&MaskEncoding> = source
            .annotations
            .iter()
            .filter(|a| a.image == img.id && !a.crowd)
            .filter_map(|a| match &a.geometry {
                Geometry::Mask(m) => Some(&m.encoding),
                _ => None,
            })
            .collect();
        assert_eq!(rows.len(), masks.len(), "{stem}");
        let (w, h) = (f64::from(img.width), f64::from(img.height));
        for (row, mask) in rows.iter().zip(masks) {
            let px: Vec<(f64, f64)> = row.iter().map(|&(x, y)| (x * w, y * h)).collect();
            ious.push(iou(&px, mask));
        }
    }
    ious
}

#[test]
fn ochuman_masks_become_polygons_that_cover_them() {
    let input = corpus("mmpose/tests/data/ochuman/test_ochuman.json");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("yolo");
    let report = to_yolo_segment(&input, &out);
    let counts: Vec<(String, u64)> = report
        .write
        .losses()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    assert!(
        counts.contains(&(
            "masks written as polygons (traced along pixel borders)".to_owned(),
            5
        )),
        "{counts:?}"
    );
    // No mask is written as its box any more.
    assert!(
        !counts
            .iter()
            .any(|(k, _)| k.starts_with("masks (segment keeps")),
        "{counts:?}"
    );
    let source = read(&input, Some(Format::Coco), &ReadOptions::new())
        .unwrap()
        .dataset;
    let ious = mask_ious(&source, &out);
    assert_eq!(ious.len(), 5);
    for (i, v) in ious.iter().enumerate() {
        assert!(*v >= 0.9, "mask {i}: IoU {v}");
    }
    assert!(ious.iter().all(|&v| v == 1.0), "{ious:?}");
}

#[test]
fn every_mask_of_the_cocoapi_results_is_covered_by_its_row() {
    let input = corpus("cocoapi/results/instances_val2014_fakesegm100_results.json");
    let mut source = read(&input, Some(Format::Coco), &ReadOptions::new())
        .unwrap()
        .dataset;
    // A results file lists no images: each image takes the size of its
    // masks (as `--image-sizes` would give it).
    let mut sizes: HashMap<_, (u32, u32)> = HashMap::new();
    for a in &source.annotations {
        if let Geometry::Mask(m) = &a.geometry {
            if let MaskEncoding::Coco { width, height, .. } = m.encoding {
                sizes.insert(a.image, (width, height));
            }
        }
    }
    for img in &mut source.images {
        (img.width, img.height) = sizes[&img.id];
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("yolo");
    let report = write(
        &source,
        &out,
        Format::YoloUltralytics,
        &WriteOptions::new().yolo_task(Task::Segment),
    )
    .unwrap();
    assert_eq!(
        report.count("masks written as polygons (traced along pixel borders)"),
        734
    );
    // Masks of several parts are joined into one row each.
    assert!(
        report.count(
            "mask parts and holes joined into one ring (as Ultralytics joins polygon parts)"
        ) > 0,
        "{report}"
    );
    let ious = mask_ious(&source, &out);
    assert_eq!(ious.len(), 734);
    let low: Vec<(usize, f64)> = ious
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, v)| *v < 0.9)
        .collect();
    assert!(low.is_empty(), "IoU below 0.9: {low:?}");
    // Traced along pixel borders, parts and holes joined, the rows cover
    // exactly the masks' pixels.
    assert!(ious.iter().all(|&v| v == 1.0));
}

/// A COCO polygon of two parts (DagsHub's annotation 13: two 5 x 5
/// squares) is one segment row: both squares, joined by the shortest link
/// between their corners, walked there and back.
#[test]
fn the_parts_of_a_polygon_are_joined_into_one_row() {
    let input = corpus("dagshub-annotation-converter/tests/coco/res/annotations.json");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("yolo");
    let report = to_yolo_segment(&input, &out);
    assert_eq!(
        report
            .write
            .count("polygon parts joined into one ring (as Ultralytics joins them)"),
        1
    );
    let rows = polygon_rows(&out.join("labels/train/b.txt"));
    assert_eq!(rows.len(), 2);
    let px: Vec<(f64, f64)> = rows[1].iter().map(|&(x, y)| (x * 50.0, y * 40.0)).collect();
    // Around the first square from (15, 15), over to (20, 20), around the
    // second, and back.
    assert_eq!(
        px,
        [
            (15.0, 15.0),
            (10.0, 15.0),
            (10.0, 10.0),
            (15.0, 10.0),
            (15.0, 15.0),
            (20.0, 20.0),
            (25.0, 20.0),
            (25.0, 25.0),
            (20.0, 25.0),
            (20.0, 20.0)
        ]
    );
    let covered = rasterise(&px, (0, 0, 50, 40))
        .iter()
        .filter(|&&p| p)
        .count();
    assert_eq!(covered, 50);
}

/// `labelkit convert input --from coco --to yolo --task segment -o out`.
fn to_yolo_segment(input: &Path, out: &Path) -> ConvertReport {
    convert(
        input,
        out,
        Some(Format::Coco),
        Format::YoloUltralytics,
        &ConvertOptions::new().write(WriteOptions::new().yolo_task(Task::Segment)),
    )
    .unwrap()
}
