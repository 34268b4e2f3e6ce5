//! Integration tests of labelkit-model: properties of the coordinate
//! conversions, the run-length encodings and the number printer, and the
//! RLE masks of the conformance corpus against the facts pycocotools
//! computes for them (`tests/data/rle_facts.md`).

use std::collections::HashMap;

use labelkit_model::geometry::{CocoBox, YoloBox};
use labelkit_model::rle::{decode_counts_string, encode_counts_string, CocoCounts, MaskEncoding};
use labelkit_model::{BoxGeom, Point, Precision};
use proptest::prelude::*;

/// 64 cases by default; `PROPTEST_CASES` asks for more.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 64;
    }
    config
}

/// `a` and `b` agree within 1e-9 relative to `scale` (at least 1).
fn close(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= 1e-9 * scale.abs().max(a.abs()).max(b.abs()).max(1.0)
}

fn coord() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0i32..4000).prop_map(f64::from),
        (0i32..400_000).prop_map(|v| f64::from(v) / 100.0),
        0.0f64..4000.0,
    ]
}

fn size() -> impl Strategy<Value = f64> {
    prop_oneof![(3i32..2000).prop_map(f64::from), 0.001f64..2000.0]
}

// ---------------------------------------------------------------- boxes

proptest! {
    #![proptest_config(config())]

    #[test]
    fn box_coco_yolo_round_trip(
        x in coord(), y in coord(), w in size(), h in size(),
        image_w in 1u32..8000, image_h in 1u32..8000,
    ) {
        let b = BoxGeom::from_xyxy(x, y, x + w, y + h);
        let coco = CocoBox::from(b);
        prop_assert!(close(coco.x, x, x) && close(coco.y, y, y));
        prop_assert!(close(coco.w, w, x + w) && close(coco.h, h, y + h));
        let back = BoxGeom::from(coco);
        let (iw, ih) = (f64::from(image_w), f64::from(image_h));
        let yolo = YoloBox::from_pixels(&back, iw, ih);
        prop_assert!(close(yolo.cx, (x + w / 2.0) / iw, 1.0));
        prop_assert!(close(yolo.w, w / iw, 1.0));
        let again = yolo.to_pixels(iw, ih);
        let scale = iw.max(ih).max(x + w).max(y + h);
        for (got, want) in [
            (again.x_min, b.x_min),
            (again.y_min, b.y_min),
            (again.x_max, b.x_max),
            (again.y_max, b.y_max),
        ] {
            prop_assert!(close(got, want, scale), "{again:?} != {b:?}");
        }
        prop_assert_eq!(again.rotation, 0.0);
    }

    #[test]
    fn rotated_box_corners_round_trip(
        cx in coord(), cy in coord(), w in size(), h in size(),
        rotation in prop_oneof![(0u32..360).prop_map(f64::from), 0.0f64..360.0],
    ) {
        let b = BoxGeom::from_center(cx, cy, w, h, rotation);
        let corners = b.corners();
        let scale = cx.abs().max(cy.abs()).max(w).max(h);
        // Edge 0 -> 1 runs along the box's own x axis, so its angle is the
        // rotation, and its length is the width; edge 1 -> 2 the height.
        let edge = |a: Point, b: Point| (b.x - a.x, b.y - a.y);
        let (ex, ey) = edge(corners[0], corners[1]);
        let angle = ey.atan2(ex).to_degrees().rem_euclid(360.0);
        let turn = (angle - rotation + 180.0).rem_euclid(360.0) - 180.0;
        prop_assert!(turn.abs() < 1e-6, "edge angle {angle} vs rotation {rotation}");
        prop_assert!(close(ex.hypot(ey), w, scale));
        let (fx, fy) = edge(corners[1], corners[2]);
        prop_assert!(close(fx.hypot(fy), h, scale));
        // Edge 1 -> 2 is edge 0 -> 1 turned a quarter clockwise (y down).
        prop_assert!(close(fx * ex + fy * ey, 0.0, scale * scale));
        prop_assert!(ex * fy - ey * fx > 0.0);
        // Opposite edges are equal and parallel.
        let (gx, gy) = edge(corners[3], corners[2]);
        prop_assert!(close(gx, ex, scale) && close(gy, ey, scale));

        let back = BoxGeom::from_corners(corners);
        prop_assert!((0.0..360.0).contains(&back.rotation));
        let turn = (back.rotation - rotation + 180.0).rem_euclid(360.0) - 180.0;
        prop_assert!(turn.abs() < 1e-6, "{} vs {rotation}", back.rotation);
        prop_assert!(close(back.width(), w, scale) && close(back.height(), h, scale));
        let c = back.center();
        prop_assert!(close(c.x, cx, scale) && close(c.y, cy, scale));
    }
}

// ---------------------------------------------------------------- RLE

/// A small bitmap placed in an image: `(left, top, width, height, pixels
/// row-major, image width, image height)`.
#[derive(Debug, Clone)]
struct Placed {
    left: u32,
    top: u32,
    width: u32,
    height: u32,
    pixels: Vec<bool>,
    image_width: u32,
    image_height: u32,
}

impl Placed {
    /// Whether image pixel `(x, y)` is set.
    fn at(&self, x: u32, y: u32) -> bool {
        x >= self.left
            && y >= self.top
            && x - self.left < self.width
            && y - self.top < self.height
            && self.pixels[((y - self.top) * self.width + x - self.left) as usize]
    }

    /// Tight bounds `(x0, y0, x1, y1)` (exclusive ends), brute force.
    fn bounds(&self) -> Option<(u32, u32, u32, u32)> {
        let mut b: Option<(u32, u32, u32, u32)> = None;
        for y in 0..self.image_height {
            for x in 0..self.image_width {
                if self.at(x, y) {
                    b = Some(match b {
                        None => (x, y, x + 1, y + 1),
                        Some((x0, y0, x1, y1)) => {
                            (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1))
                        }
                    });
                }
            }
        }
        b
    }
}

/// Alternating runs starting with background over a sequence of pixels.
fn runs_of(pixels: impl IntoIterator<Item = bool>) -> Vec<u32> {
    let mut runs = vec![0u32];
    let mut current = false;
    for p in pixels {
        if p != current {
            runs.push(0);
            current = p;
        }
        *runs.last_mut().unwrap() += 1;
    }
    runs
}

fn placed() -> impl Strategy<Value = Placed> {
    (0u32..5, 0u32..5, 0u32..7, 0u32..7, 0u32..4, 0u32..4)
        .prop_flat_map(|(left, top, width, height, extra_w, extra_h)| {
            let n = (width * height) as usize;
            (
                prop::collection::vec(any::<bool>(), n),
                Just((left, top, width, height, extra_w, extra_h)),
            )
        })
        .prop_map(
            |(pixels, (left, top, width, height, extra_w, extra_h))| Placed {
                left,
                top,
                width,
                height,
                pixels,
                image_width: left + width + extra_w,
                image_height: top + height + extra_h,
            },
        )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn window_full_image_and_string_agree(p in placed()) {
        let window = MaskEncoding::Window {
            left: p.left,
            top: p.top,
            width: p.width,
            height: p.height,
            counts: runs_of(p.pixels.iter().copied()),
        };
        prop_assert!(window.validate().is_ok());
        let count = p.pixels.iter().filter(|&&b| b).count() as u64;
        prop_assert_eq!(window.pixel_count(), count);
        let expected_bounds = p.bounds().map(|(x0, y0, x1, y1)| {
            BoxGeom::from_xyxy(f64::from(x0), f64::from(y0), f64::from(x1), f64::from(y1))
        });
        prop_assert_eq!(window.bounds(), expected_bounds);
        let bitmap = window.to_bitmap().unwrap();
        prop_assert_eq!(&bitmap.pixels, &p.pixels);

        // Full image, column-major.
        let (iw, ih) = (p.image_width, p.image_height);
        let coco_runs = window.to_coco(iw, ih).unwrap();
        let brute = runs_of((0..iw).flat_map(|x| (0..ih).map(move |y| (x, y))).map(|(x, y)| p.at(x, y)));
        prop_assert_eq!(&coco_runs, &brute);
        let coco = MaskEncoding::Coco { height: ih, width: iw, counts: CocoCounts::Runs(coco_runs.clone()) };
        prop_assert_eq!(coco.pixel_count(), count);
        prop_assert_eq!(coco.bounds(), expected_bounds);
        let full = coco.to_bitmap().unwrap();
        for y in 0..ih {
            for x in 0..iw {
                prop_assert_eq!(full.get(x, y), p.at(x, y));
            }
        }

        // Compressed string.
        let s = encode_counts_string(&coco_runs);
        prop_assert!(s.bytes().all(|b| (48..=111).contains(&b)));
        prop_assert_eq!(decode_counts_string(&s).unwrap(), coco_runs.clone());
        let compressed = MaskEncoding::Coco { height: ih, width: iw, counts: CocoCounts::Compressed(s.clone()) };
        prop_assert_eq!(compressed.pixel_count(), count);
        prop_assert_eq!(compressed.bounds(), expected_bounds);
        prop_assert_eq!(compressed.to_coco(iw, ih).unwrap(), coco_runs.clone());

        // Back to a tight window, from either side.
        let tight = coco.to_window().unwrap();
        prop_assert_eq!(&tight, &compressed.to_window().unwrap());
        prop_assert_eq!(&tight, &window.to_window().unwrap());
        prop_assert_eq!(tight.pixel_count(), count);
        prop_assert_eq!(tight.bounds(), expected_bounds);
        match (&tight, p.bounds()) {
            (MaskEncoding::Window { left, top, width, height, .. }, Some((x0, y0, x1, y1))) => {
                prop_assert_eq!((*left, *top, *width, *height), (x0, y0, x1 - x0, y1 - y0));
            }
            (MaskEncoding::Window { width, height, .. }, None) => {
                prop_assert_eq!((*width, *height), (0, 0));
            }
            (other, _) => prop_assert!(false, "not a window: {other:?}"),
        }
        prop_assert_eq!(tight.to_coco(iw, ih).unwrap(), coco_runs);
    }

    #[test]
    fn compressed_strings_round_trip(runs in prop::collection::vec(
        prop_oneof![0u32..40, 0u32..100_000, any::<u32>()], 0..24,
    )) {
        let s = encode_counts_string(&runs);
        let decoded = decode_counts_string(&s).unwrap();
        prop_assert_eq!(&decoded, &runs);
        prop_assert_eq!(encode_counts_string(&decoded), s);
    }

    #[test]
    fn decoding_arbitrary_text_never_panics(s in "[0-o]{0,24}|.{0,12}") {
        if let Ok(runs) = decode_counts_string(&s) {
            let again = encode_counts_string(&runs);
            prop_assert_eq!(decode_counts_string(&again).unwrap(), runs);
        }
    }
}

// ---------------------------------------------------------------- numbers

proptest! {
    #![proptest_config(config())]

    #[test]
    fn shortest_precision_reads_back_exactly(bits in any::<u64>(), nice in -1_000_000i64..1_000_000) {
        let arbitrary = f64::from_bits(bits);
        #[allow(clippy::cast_precision_loss)]
        let hundredths = nice as f64 / 100.0;
        for v in [arbitrary, hundredths] {
            if !v.is_finite() {
                continue;
            }
            let text = Precision::Shortest.format(v);
            let back: f64 = text.parse().unwrap();
            prop_assert_eq!(back, v, "{} printed as {}", v, text);
        }
    }
}

#[test]
fn shortest_precision_at_the_extremes() {
    for v in [
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        5e-324,
        -5e-324,
        1e300,
        0.1 + 0.2,
    ] {
        let text = Precision::Shortest.format(v);
        assert_eq!(text.parse::<f64>().unwrap(), v, "{text}");
    }
    assert_eq!(Precision::Shortest.format(0.1 + 0.2), "0.30000000000000004");
}

// ---------------------------------------------------------------- corpus

/// One row of `tests/data/rle_facts.md`.
#[derive(Debug)]
struct Fact {
    file: String,
    index: usize,
    size: [u32; 2],
    compressed: bool,
    pixels: u64,
    bbox: [f64; 4],
}

fn parse_list<T: std::str::FromStr>(text: &str) -> Vec<T>
where
    T::Err: std::fmt::Debug,
{
    text.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|v| v.trim().parse().unwrap())
        .collect()
}

fn facts() -> Vec<Fact> {
    let table = include_str!("data/rle_facts.md");
    table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| file"))
        .map(|line| {
            let cells: Vec<&str> = line
                .trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            assert_eq!(cells.len(), 6, "{line}");
            let size: Vec<u32> = parse_list(cells[2]);
            let bbox: Vec<f64> = parse_list(cells[5]);
            Fact {
                file: cells[0].to_owned(),
                index: cells[1].parse().unwrap(),
                size: [size[0], size[1]],
                compressed: match cells[3] {
                    "yes" => true,
                    "no" => false,
                    other => panic!("compressed column: {other}"),
                },
                pixels: cells[4].parse().unwrap(),
                bbox: [bbox[0], bbox[1], bbox[2], bbox[3]],
            }
        })
        .collect()
}

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/corpus");

/// The annotation list of a COCO file: the file itself for results files,
/// its `annotations` otherwise.
fn annotations(json: &serde_json::Value) -> &[serde_json::Value] {
    match json {
        serde_json::Value::Array(list) => list,
        other => other["annotations"].as_array().map_or(&[], Vec::as_slice),
    }
}

fn mask_of(segmentation: &serde_json::Value) -> MaskEncoding {
    let size = segmentation["size"].as_array().unwrap();
    let height = u32::try_from(size[0].as_u64().unwrap()).unwrap();
    let width = u32::try_from(size[1].as_u64().unwrap()).unwrap();
    let counts = match &segmentation["counts"] {
        serde_json::Value::String(s) => CocoCounts::Compressed(s.clone()),
        serde_json::Value::Array(runs) => CocoCounts::Runs(
            runs.iter()
                .map(|r| u32::try_from(r.as_u64().unwrap()).unwrap())
                .collect(),
        ),
        other => panic!("counts: {other}"),
    };
    MaskEncoding::Coco {
        height,
        width,
        counts,
    }
}

fn load_corpus() -> HashMap<String, serde_json::Value> {
    let mut files = HashMap::new();
    for fact in facts() {
        files.entry(fact.file.clone()).or_insert_with(|| {
            let path = format!("{CORPUS}/{}", fact.file);
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            serde_json::from_str::<serde_json::Value>(&text).unwrap()
        });
    }
    files
}

#[test]
fn corpus_rle_masks_match_pycocotools_facts() {
    let facts = facts();
    assert_eq!(facts.len(), 742);
    let files = load_corpus();
    let mut compressed = 0;
    for fact in &facts {
        let ann = &annotations(&files[&fact.file])[fact.index];
        let seg = &ann["segmentation"];
        let mask = mask_of(seg);
        let what = format!("{} #{}", fact.file, fact.index);
        assert_eq!(mask.size(), (fact.size[1], fact.size[0]), "{what}");
        assert!(mask.validate().is_ok(), "{what}: {:?}", mask.validate());
        assert_eq!(mask.pixel_count(), fact.pixels, "{what}");
        let b = mask.bounds().unwrap();
        let coco = CocoBox::from(b);
        assert_eq!([coco.x, coco.y, coco.w, coco.h], fact.bbox, "{what}");
        let runs = mask.runs().unwrap().into_owned();
        match (&mask, fact.compressed) {
            (
                MaskEncoding::Coco {
                    counts: CocoCounts::Compressed(s),
                    ..
                },
                true,
            ) => {
                compressed += 1;
                assert_eq!(&encode_counts_string(&runs), s, "{what}");
                // The window form holds the same pixels.
                let window = mask.to_window().unwrap();
                assert_eq!(window.pixel_count(), fact.pixels, "{what}");
                assert_eq!(window.bounds(), Some(b), "{what}");
                assert_eq!(window.to_coco(fact.size[1], fact.size[0]).unwrap(), runs);
            }
            (
                MaskEncoding::Coco {
                    counts: CocoCounts::Runs(_),
                    ..
                },
                false,
            ) => {
                let s = encode_counts_string(&runs);
                assert_eq!(decode_counts_string(&s).unwrap(), runs, "{what}");
            }
            _ => panic!("{what}: compressed flag disagrees"),
        }
    }
    assert_eq!(compressed, 739);
}

#[test]
fn every_corpus_rle_mask_is_in_the_facts_table() {
    let facts = facts();
    let mut found = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(CORPUS)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).unwrap();
                let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
                    continue;
                };
                let rel = path
                    .strip_prefix(CORPUS)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                for (i, ann) in annotations(&json).iter().enumerate() {
                    if ann["segmentation"]["counts"].is_null() {
                        continue;
                    }
                    found.push((rel.clone(), i));
                }
            }
        }
    }
    found.sort();
    let mut listed: Vec<(String, usize)> =
        facts.iter().map(|f| (f.file.clone(), f.index)).collect();
    listed.sort();
    assert_eq!(found, listed);
}

#[test]
fn corpus_files_whose_stored_bbox_or_area_differ_from_the_mask() {
    let files = load_corpus();
    let ann = |file: &str, i: usize| annotations(&files[file])[i].clone();

    // datumaro's instances_val.json: an uncompressed RLE over a 5x10 image
    // (runs 0, 20, 30: the first two columns). Its stored area agrees, but
    // its stored bbox [0, 0, 1, 9] is one pixel short of the mask's tight
    // bounds [0, 0, 2, 10].
    let a = ann(
        "datumaro-cvat-ai/tests/assets/coco_dataset/coco_instances/annotations/instances_val.json",
        1,
    );
    let mask = mask_of(&a["segmentation"]);
    assert_eq!(
        mask,
        MaskEncoding::Coco {
            height: 10,
            width: 5,
            counts: CocoCounts::Runs(vec![0, 20, 30])
        }
    );
    assert_eq!(a["iscrowd"], 1);
    assert_eq!(a["area"].as_f64(), Some(20.0));
    assert_eq!(mask.pixel_count(), 20);
    let stored: Vec<f64> = a["bbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(stored, vec![0.0, 0.0, 1.0, 9.0]);
    assert_eq!(mask.bounds(), Some(BoxGeom::from_xyxy(0.0, 0.0, 2.0, 10.0)));
    assert_eq!(
        mask.to_window().unwrap(),
        MaskEncoding::Window {
            left: 0,
            top: 0,
            width: 2,
            height: 10,
            counts: vec![0, 20]
        }
    );

    // labelformat's binary mask: stored area 962 and bbox [12, 524, 381, 33]
    // against 938 pixels inside [12, 524, 382, 34].
    let a = ann(
        "labelformat/tests/fixtures/instance_segmentation/COCO/instances_with_binary_mask.json",
        3,
    );
    let mask = mask_of(&a["segmentation"]);
    assert_eq!(a["area"].as_f64(), Some(962.0));
    assert_eq!(mask.pixel_count(), 938);
    assert_eq!(
        mask.bounds(),
        Some(BoxGeom::from_xyxy(12.0, 524.0, 394.0, 558.0))
    );
}

// ------------------------------------------- masks from strangers: limits

proptest! {
    #![proptest_config(config())]

    /// The run-based conversions (window -> image, image -> tight window,
    /// window -> tight window, image -> image of another size) give the
    /// pixels the pixel-by-pixel oracle gives, on small random masks placed
    /// partly outside their image.
    #[test]
    fn run_based_conversion_matches_the_pixel_oracle(
        data in prop::collection::vec(any::<u8>(), 0..48)
    ) {
        labelkit_model::rle::fuzz_mask_conversion(&data);
    }
}

/// The 327-byte attack: a COCO mask declaring a 100000 x 100000 image used
/// to be decoded into a 10 GB bitmap. It is now refused before anything is
/// decoded, with the size and the limit in the message.
#[test]
fn a_100000_square_coco_mask_is_refused_not_decoded() {
    use labelkit_model::rle::{RleError, MAX_MASK_PIXELS};
    let mask = MaskEncoding::Coco {
        height: 100_000,
        width: 100_000,
        counts: CocoCounts::Compressed("0`0".to_owned()),
    };
    let too_large = RleError::TooLarge {
        width: 100_000,
        height: 100_000,
        limit: MAX_MASK_PIXELS,
    };
    assert_eq!(mask.validate(), Err(too_large.clone()));
    assert_eq!(mask.to_window(), Err(too_large.clone()));
    assert_eq!(mask.to_coco(10, 10), Err(too_large.clone()));
    assert_eq!(
        too_large.to_string(),
        "100000 x 100000 = 10000000000 pixels, more than the 4294967295 labelkit handles in a mask"
    );
    // A window mask placed on such an image is refused too (item: RLE
    // counts used to wrap at 2^32 on the way to COCO).
    let window = MaskEncoding::Window {
        left: 99_990,
        top: 99_990,
        width: 2,
        height: 1,
        counts: vec![0, 2],
    };
    assert_eq!(
        window.to_coco(100_000, 100_000),
        Err(RleError::TooLarge {
            width: 100_000,
            height: 100_000,
            limit: MAX_MASK_PIXELS
        })
    );
}

/// Just under the limit, a 65535 x 65535 image (4,294,836,225 pixels) with
/// large masks converts run by run, in time and memory that follow the runs:
/// a 30000-column block, a one-pixel diagonal, and a window on the far
/// corner.
#[test]
fn masks_of_four_billion_pixels_convert_run_by_run() {
    const S: u32 = 65_535;
    let area = u64::from(S) * u64::from(S);
    let block = MaskEncoding::Coco {
        height: S,
        width: S,
        counts: CocoCounts::Runs(vec![
            S * 100,
            S * 30_000,
            u32::try_from(area - u64::from(S) * 30_100).unwrap(),
        ]),
    };
    assert_eq!(block.pixel_count(), u64::from(S) * 30_000);
    let window = block.to_window().unwrap();
    assert_eq!(
        window,
        MaskEncoding::Window {
            left: 100,
            top: 0,
            width: 30_000,
            height: S,
            counts: vec![0, S * 30_000],
        }
    );
    assert_eq!(
        window.to_coco(S, S).unwrap(),
        vec![
            S * 100,
            S * 30_000,
            u32::try_from(area - u64::from(S) * 30_100).unwrap()
        ]
    );

    // The diagonal: one pixel per column, 2 runs per column either way.
    let mut runs = vec![0u32];
    for x in 0..S {
        runs.push(1);
        if x + 1 < S {
            runs.push(S);
        }
    }
    let diagonal = MaskEncoding::Coco {
        height: S,
        width: S,
        counts: CocoCounts::Compressed(encode_counts_string(&runs)),
    };
    assert_eq!(diagonal.validate(), Ok(()));
    let window = diagonal.to_window().unwrap();
    let MaskEncoding::Window {
        left,
        top,
        width,
        height,
        counts,
    } = &window
    else {
        panic!("not a window: {window:?}");
    };
    assert_eq!((*left, *top, *width, *height), (0, 0, S, S));
    assert_eq!(counts.len(), 2 * S as usize);
    assert_eq!(&counts[..5], &[0, 1, S, 1, S]);
    assert_eq!(window.pixel_count(), u64::from(S));
    // (assert! rather than assert_eq!: a failure would print 131070 runs)
    assert!(window.to_coco(S, S).unwrap() == runs);

    // A 3x2 window in the far corner of the image, on to COCO: the leading
    // background run is more than four billion pixels, in one u32.
    let corner = MaskEncoding::Window {
        left: S - 3,
        top: S - 2,
        width: 3,
        height: 2,
        counts: vec![0, 6],
    };
    let before = u64::from(S) * u64::from(S - 3) + u64::from(S - 2);
    assert_eq!(
        corner.to_coco(S, S).unwrap(),
        vec![u32::try_from(before).unwrap(), 2, S - 2, 2, S - 2, 2]
    );
}

/// Vertical stripes over 65535 x 65535: 65535 runs in columns, but 2^31
/// runs in rows. The conversion stops at the run limit instead of growing.
#[test]
fn a_conversion_beyond_the_run_limit_is_refused() {
    use labelkit_model::rle::{RleError, MAX_CONVERTED_RUNS};
    const S: u32 = 65_535;
    let stripes = MaskEncoding::Coco {
        height: S,
        width: S,
        counts: CocoCounts::Runs(vec![S; S as usize]),
    };
    assert_eq!(stripes.validate(), Ok(()));
    let err = stripes.to_window().unwrap_err();
    assert_eq!(
        err,
        RleError::TooManyRuns {
            limit: MAX_CONVERTED_RUNS
        }
    );
    assert_eq!(
        err.to_string(),
        "converting the mask would read or write more than 4194304 runs, the most labelkit converts for one mask"
    );

    // An input of more runs than that is refused before anything is built:
    // 2^22 + 2 one-pixel runs over a 2 x 2097153 image.
    let n = MAX_CONVERTED_RUNS + 2;
    let noise = MaskEncoding::Coco {
        height: 2,
        width: u32::try_from(n / 2).unwrap(),
        counts: CocoCounts::Runs(vec![1; n]),
    };
    assert_eq!(noise.validate(), Ok(()));
    assert_eq!(
        noise.to_window(),
        Err(RleError::TooManyRuns {
            limit: MAX_CONVERTED_RUNS
        })
    );
}

#[test]
fn mask_fuzz_seeds_agree_with_the_pixel_oracle() {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz_seeds"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "bin") {
            let data = std::fs::read(&path).unwrap();
            for cut in 0..=data.len() {
                labelkit_model::rle::fuzz_mask_conversion(&data[..cut]);
            }
            n += 1;
        }
    }
    assert_eq!(n, 4);
}
