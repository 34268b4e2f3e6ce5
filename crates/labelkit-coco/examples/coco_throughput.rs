//! Throughput and peak memory of the COCO reader and writer.
//!
//! `cargo run --release -p labelkit-coco --example coco_throughput -- SIZE_MB`
//! generates a person-domain COCO file of about `SIZE_MB` megabytes (boxes,
//! 24-vertex outlines, 17 keypoints and attributes on people, plain boxes on
//! their parts), writes it, reads it back, and prints:
//!
//! - the floor: reading the bytes and parsing them with serde_json into
//!   `IgnoredAny` (what any serde-based reader pays at least);
//! - read: `read_path`, in MB/s of the input file, and its peak memory
//!   (growth of `VmHWM` from `/proc/self/status` during the read);
//! - write: `write_to` into memory and `write_path` to a file, in MB/s of
//!   output.
//!
//! `--out PATH` keeps the generated file there; `-- --file PATH` measures an existing file instead (read, then write of
//! what was read); `--repeat N` keeps the best of N timed runs.
#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use labelkit_model::{
    Annotation, AnnotationId, AttributeValue, BoxGeom, Dataset, Geometry, GroupId, Image, ImageId,
    Keypoint, KeypointSchema, Keypoints, Label, LabelId, Point, Polygon, Visibility,
};

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Two decimals, as annotation tools store coordinates.
fn r2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

const SIZES: [(u32, u32); 4] = [(640, 480), (640, 427), (1280, 720), (1920, 1080)];
const PARTS: [&str; 6] = ["head", "face", "hand", "foot", "adult", "male"];

/// A dataset of `images` images, about 7 COCO annotations each.
fn generate(images: u64, seed: u64) -> Dataset {
    let mut rng = Rng(seed);
    let mut ds = Dataset::new();
    let mut person = Label::new("person");
    person.source_id = Some(1);
    person.supercategory = Some("person".to_owned());
    person.keypoints = Some(KeypointSchema::coco_person());
    ds.labels.push(person);
    for (i, name) in PARTS.iter().enumerate() {
        let mut l = Label::new(*name);
        l.source_id = Some(i as i64 + 2);
        l.supercategory = Some("person".to_owned());
        ds.labels.push(l);
    }
    let mut id = 1;
    for image in 1..=images {
        let (w, h) = SIZES[rng.below(SIZES.len() as u64) as usize];
        ds.images.push(Image {
            id: ImageId(image),
            file_name: format!("images/train/{image:012}.jpg"),
            width: w,
            height: h,
            ..Image::default()
        });
        let (w, h) = (f64::from(w), f64::from(h));
        for _ in 0..1 + rng.below(3) {
            let bw = rng.range(20.0, w / 3.0);
            let bh = rng.range(40.0, h / 2.0);
            let x = r2(rng.range(0.0, w - bw));
            let y = r2(rng.range(0.0, h - bh));
            let body = BoxGeom::from_xyxy(x, y, r2(x + bw), r2(y + bh));
            let group = Some(GroupId(id));
            let mut push = |geometry: Geometry, label: u32, ds: &mut Dataset| {
                let mut a =
                    Annotation::new(AnnotationId(id), ImageId(image), LabelId(label), geometry);
                a.group = group;
                a.occluded = label == 0 && id % 3 == 0;
                if label == 0 {
                    a.attributes
                        .0
                        .push(("pose".into(), AttributeValue::Text("standing".to_owned())));
                }
                id += 1;
                ds.annotations.push(a);
            };
            let ring = (0..24)
                .map(|i| {
                    let t = std::f64::consts::TAU * f64::from(i) / 24.0;
                    Point::new(
                        r2(x + bw * (0.5 + 0.45 * t.cos())),
                        r2(y + bh * (0.5 + 0.45 * t.sin())),
                    )
                })
                .collect();
            let points = (0..17)
                .map(|_| Keypoint {
                    name: None,
                    x: r2(rng.range(x, x + bw)),
                    y: r2(rng.range(y, y + bh)),
                    visibility: match rng.below(10) {
                        0 => Visibility::Absent,
                        1 | 2 => Visibility::Occluded,
                        _ => Visibility::Visible,
                    },
                })
                .collect();
            push(Geometry::Box(body), 0, &mut ds);
            push(Geometry::Polygon(Polygon { rings: vec![ring] }), 0, &mut ds);
            push(Geometry::Keypoints(Keypoints { points }), 0, &mut ds);
            for part in 0..PARTS.len() {
                if rng.below(3) == 0 {
                    continue;
                }
                let pw = r2(rng.range(3.0, bw / 2.0));
                let ph = r2(rng.range(3.0, bh / 3.0));
                let px = r2(rng.range(x, x + bw - pw));
                let py = r2(rng.range(y, y + bh - ph));
                let mut a = Annotation::new(
                    AnnotationId(id),
                    ImageId(image),
                    LabelId(part as u32 + 1),
                    Geometry::Box(BoxGeom::from_xyxy(px, py, r2(px + pw), r2(py + ph))),
                );
                a.occluded = id % 5 == 0;
                id += 1;
                ds.annotations.push(a);
            }
        }
    }
    ds
}

/// A field of `/proc/self/status` in kB.
fn status_kb(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets `VmHWM` to the current RSS (Linux 4.0+); false when not possible.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn rate(bytes: u64, d: Duration) -> f64 {
    mb(bytes) / d.as_secs_f64()
}

/// Best time of `repeat` runs of `f`, and the last result.
fn best<T>(repeat: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..repeat.max(1) {
        drop(last.take());
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        last = Some(v);
    }
    (best, last.expect("at least one run"))
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut size_mb = 100.0_f64;
    let mut file: Option<PathBuf> = None;
    let mut repeat = 3;
    let mut keep: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--file" => file = args.next().map(PathBuf::from),
            "--out" => keep = args.next().map(PathBuf::from),
            "--repeat" => repeat = args.next().and_then(|n| n.parse().ok()).unwrap_or(3),
            other => match other.parse() {
                Ok(v) => size_mb = v,
                Err(_) => {
                    eprintln!(
                        "usage: throughput [SIZE_MB] [--out PATH] [--file PATH] [--repeat N]"
                    );
                    return ExitCode::from(2);
                }
            },
        }
    }
    println!(
        "size_of: Annotation {} B, Geometry {} B, Keypoint {} B, Point {} B",
        std::mem::size_of::<Annotation>(),
        std::mem::size_of::<Geometry>(),
        std::mem::size_of::<Keypoint>(),
        std::mem::size_of::<Point>()
    );
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = match file {
        Some(p) => p,
        None => {
            let sample = generate(500, 1);
            let mut buf = Vec::new();
            let _ = labelkit_coco::write_to(&sample, &mut buf, &Default::default());
            let per_image = buf.len() as f64 / 500.0;
            let images = (size_mb * 1e6 / per_image).ceil() as u64;
            let t = Instant::now();
            let ds = generate(images, 2017);
            println!(
                "generated {images} images, {} model annotations in {:.2} s",
                ds.annotations.len(),
                t.elapsed().as_secs_f64()
            );
            let mut out = Vec::new();
            let (d, ()) = best(repeat, || {
                out = Vec::with_capacity(out.capacity());
                labelkit_coco::write_to(&ds, &mut out, &Default::default()).expect("write");
            });
            let bytes = out.len() as u64;
            println!(
                "write_to (memory): {:.1} MB in {:.3} s = {:.0} MB/s",
                mb(bytes),
                d.as_secs_f64(),
                rate(bytes, d)
            );
            drop(out);
            let p = keep.unwrap_or_else(|| dir.path().join("instances.json"));
            let t = Instant::now();
            labelkit_coco::write_path(&ds, &p, &Default::default()).expect("write file");
            let d = t.elapsed();
            println!(
                "write_path (file):  {:.1} MB in {:.3} s = {:.0} MB/s",
                mb(bytes),
                d.as_secs_f64(),
                rate(bytes, d)
            );
            p
        }
    };
    measure_read(&path, repeat);
    ExitCode::SUCCESS
}

fn measure_read(path: &Path, repeat: usize) {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let (d, ()) = best(repeat, || {
        let bytes = std::fs::read(path).expect("read");
        serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).expect("valid JSON");
    });
    println!(
        "floor (read + serde_json IgnoredAny): {:.1} MB in {:.3} s = {:.0} MB/s",
        mb(size),
        d.as_secs_f64(),
        rate(size, d)
    );
    let can_reset = reset_peak();
    let before = status_kb("VmRSS:").unwrap_or(0);
    let (d, loaded) = best(repeat, || {
        labelkit_coco::read_path(path, &Default::default()).expect("read")
    });
    let peak = status_kb("VmHWM:").unwrap_or(0);
    println!(
        "read_path: {:.1} MB in {:.3} s = {:.0} MB/s ({:.2}x the floor time); {} images, {} model annotations, {} issues",
        mb(size),
        d.as_secs_f64(),
        rate(size, d),
        d.as_secs_f64() / best_floor(path).as_secs_f64(),
        loaded.dataset.images.len(),
        loaded.dataset.annotations.len(),
        loaded.issues.len()
    );
    if can_reset {
        println!(
            "read peak memory: VmHWM {:.1} MB, {:.1} MB above the {:.1} MB before reading ({:.2}x the file size)",
            peak as f64 / 1e3,
            (peak.saturating_sub(before)) as f64 / 1e3,
            before as f64 / 1e3,
            (peak.saturating_sub(before)) as f64 * 1e3 / size as f64
        );
    } else {
        println!(
            "read peak memory: VmHWM {:.1} MB (could not reset it)",
            peak as f64 / 1e3
        );
    }
    let mut out = Vec::new();
    let (d, ()) = best(repeat, || {
        out = Vec::with_capacity(out.capacity());
        labelkit_coco::write_to(&loaded.dataset, &mut out, &Default::default()).expect("write");
    });
    println!(
        "write_to of what was read: {:.1} MB in {:.3} s = {:.0} MB/s",
        mb(out.len() as u64),
        d.as_secs_f64(),
        rate(out.len() as u64, d)
    );
}

/// One more floor timing, for the ratio (the file is in the page cache now).
fn best_floor(path: &Path) -> Duration {
    best(2, || {
        let bytes = std::fs::read(path).expect("read");
        serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).expect("valid JSON");
    })
    .0
}
