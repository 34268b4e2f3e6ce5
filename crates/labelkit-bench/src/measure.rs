//! One measurement, run in its own process.
//!
//! The runner starts `labelkit-bench child OP ARGS...` once per repetition
//! of each measurement. The child does one operation in-process, then prints
//! one JSON line: the wall time of the operation (not of the process start),
//! the peak resident memory of the process (`VmHWM` from
//! `/proc/self/status`), the input bytes and the annotations handled. A
//! fresh process per sample keeps one measurement's allocations and page
//! cache state out of the next one's peak memory.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use labelkit::rules::{Checker, Config, Registry, Selection};
use labelkit::{Format, Loaded, ReadOptions};
use serde::de::IgnoredAny;

use crate::write::coco_objects;

/// The result of one operation, as the child prints it.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Sample {
    /// Wall time of the operation, in seconds.
    pub wall_s: f64,
    /// Of which reading (for conversions and checks), in seconds.
    pub read_s: Option<f64>,
    /// Of which the second phase (writing or checking), in seconds.
    pub phase2_s: Option<f64>,
    /// Peak resident memory of the process, in KiB.
    pub peak_kib: u64,
    /// Bytes of input.
    pub bytes: u64,
    /// Annotations handled, counted as COCO counts objects.
    pub objects: u64,
    /// Shapes of the model (a body with box, polygon and keypoints is three).
    pub shapes: u64,
    /// Files written, for file-writing operations.
    pub files: u64,
    /// Findings, for checks.
    pub findings: u64,
}

/// An error of a child operation.
#[derive(Debug)]
pub struct OpError(pub String);

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OpError {}

fn op_err(what: &Path, e: impl fmt::Display) -> OpError {
    OpError(format!("{}: {e}", what.display()))
}

/// Peak resident memory of this process in KiB (`VmHWM`), 0 when unknown.
#[must_use]
pub fn peak_rss_kib() -> u64 {
    let Ok(status) = fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Size of a file, or the total size of the files under a folder.
#[must_use]
pub fn input_bytes(path: &Path) -> u64 {
    let Ok(meta) = fs::metadata(path) else {
        return 0;
    };
    if meta.is_file() {
        return meta.len();
    }
    let mut total = 0;
    if let Ok(entries) = fs::read_dir(path) {
        for e in entries.flatten() {
            let p = e.path();
            // Images are not annotation bytes: only their headers are read.
            if p.extension().is_some_and(|x| x == "png") {
                continue;
            }
            total += input_bytes(&p);
        }
    }
    total
}

/// The floor of reading: the bytes of the file, nothing else.
///
/// # Errors
/// The file cannot be read.
pub fn floor_bytes(path: &Path) -> Result<Sample, OpError> {
    let t = Instant::now();
    let bytes = fs::read(path).map_err(|e| op_err(path, e))?;
    let wall_s = t.elapsed().as_secs_f64();
    Ok(Sample {
        wall_s,
        bytes: bytes.len() as u64,
        ..Sample::default()
    })
}

/// The floor of JSON parsing: the bytes, then serde_json over them into
/// nothing (`IgnoredAny`), which still validates every token.
///
/// # Errors
/// The file cannot be read or is not JSON.
pub fn floor_json(path: &Path) -> Result<Sample, OpError> {
    let t = Instant::now();
    let bytes = fs::read(path).map_err(|e| op_err(path, e))?;
    let read_s = t.elapsed().as_secs_f64();
    serde_json::from_slice::<IgnoredAny>(&bytes).map_err(|e| op_err(path, e))?;
    let wall_s = t.elapsed().as_secs_f64();
    Ok(Sample {
        wall_s,
        read_s: Some(read_s),
        phase2_s: Some(wall_s - read_s),
        bytes: bytes.len() as u64,
        ..Sample::default()
    })
}

/// The floor of XML parsing: the bytes, then a quick-xml event loop that
/// visits every element and attribute.
///
/// # Errors
/// The file cannot be read or is not well-formed XML.
pub fn floor_xml(path: &Path) -> Result<Sample, OpError> {
    use quick_xml::events::Event;
    let t = Instant::now();
    let bytes = fs::read(path).map_err(|e| op_err(path, e))?;
    let read_s = t.elapsed().as_secs_f64();
    let mut reader = quick_xml::Reader::from_reader(bytes.as_slice());
    let mut elements = 0u64;
    let mut attributes = 0u64;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                elements += 1;
                for a in e.attributes() {
                    a.map_err(|e| op_err(path, e))?;
                    attributes += 1;
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(op_err(
                    path,
                    format!("{e} at byte {}", reader.buffer_position()),
                ))
            }
        }
    }
    let wall_s = t.elapsed().as_secs_f64();
    std::hint::black_box((elements, attributes));
    Ok(Sample {
        wall_s,
        read_s: Some(read_s),
        phase2_s: Some(wall_s - read_s),
        bytes: bytes.len() as u64,
        ..Sample::default()
    })
}

/// Every file under `dir`, as (path relative to `dir`, contents).
///
/// # Errors
/// A file or folder cannot be read.
pub fn load_tree(dir: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>, OpError> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let here = dir.join(&rel);
        let mut entries: Vec<_> = fs::read_dir(&here)
            .map_err(|e| op_err(&here, e))?
            .collect::<Result<_, _>>()
            .map_err(|e| op_err(&here, e))?;
        entries.sort_by_key(fs::DirEntry::file_name);
        for e in entries {
            let kind = e.file_type().map_err(|err| op_err(&e.path(), err))?;
            let r = rel.join(e.file_name());
            if kind.is_dir() {
                stack.push(r);
            } else {
                let p = e.path();
                let bytes = fs::read(&p).map_err(|err| op_err(&p, err))?;
                out.push((r, bytes));
            }
        }
    }
    Ok(out)
}

/// The floor of writing a YOLO tree: the files of `reference` (loaded
/// first, not timed), written again into `out` one after the other from
/// one thread, folders created as needed.
///
/// # Errors
/// A file cannot be read or written.
pub fn floor_write(reference: &Path, out: &Path) -> Result<Sample, OpError> {
    let files = load_tree(reference)?;
    let t = Instant::now();
    let mut bytes = 0u64;
    let mut made: Option<PathBuf> = None;
    for (rel, contents) in &files {
        let p = out.join(rel);
        if let Some(parent) = p.parent() {
            if made.as_deref() != Some(parent) {
                fs::create_dir_all(parent).map_err(|e| op_err(parent, e))?;
                made = Some(parent.to_path_buf());
            }
        }
        fs::write(&p, contents).map_err(|e| op_err(&p, e))?;
        bytes += contents.len() as u64;
    }
    let wall_s = t.elapsed().as_secs_f64();
    Ok(Sample {
        wall_s,
        bytes,
        files: files.len() as u64,
        ..Sample::default()
    })
}

fn read_loaded(path: &Path, format: Format) -> Result<Loaded, OpError> {
    labelkit::read(path, Some(format), &ReadOptions::default()).map_err(|e| op_err(path, e))
}

/// Reads a dataset with labelkit.
///
/// # Errors
/// The reader's errors.
pub fn read(path: &Path, format: Format) -> Result<Sample, OpError> {
    let t = Instant::now();
    let loaded = read_loaded(path, format)?;
    let wall_s = t.elapsed().as_secs_f64();
    let sample = Sample {
        wall_s,
        bytes: input_bytes(path),
        objects: coco_objects(&loaded.dataset) as u64,
        shapes: loaded.dataset.annotations.len() as u64,
        ..Sample::default()
    };
    drop(loaded);
    Ok(sample)
}

/// Converts with labelkit: read, then write. YOLO is written with the
/// detect task (boxes), as the other tools write it.
///
/// # Errors
/// The reader's and writer's errors.
pub fn convert(input: &Path, from: Format, out: &Path, to: Format) -> Result<Sample, OpError> {
    let t = Instant::now();
    let loaded = read_loaded(input, from)?;
    let read_s = t.elapsed().as_secs_f64();
    let dataset = &loaded.dataset;
    match to {
        Format::YoloUltralytics => {
            let options =
                labelkit::yolo::WriteOptions::default().task(labelkit::yolo::Task::Detect);
            labelkit::yolo::write_path(dataset, out, &options).map_err(|e| op_err(out, e))?;
        }
        _ => {
            labelkit::write(dataset, out, to, &labelkit::WriteOptions::default())
                .map_err(|e| op_err(out, e))?;
        }
    }
    let wall_s = t.elapsed().as_secs_f64();
    Ok(Sample {
        wall_s,
        read_s: Some(read_s),
        phase2_s: Some(wall_s - read_s),
        bytes: input_bytes(input),
        objects: coco_objects(dataset) as u64,
        shapes: dataset.annotations.len() as u64,
        ..Sample::default()
    })
}

/// The configuration a check of `path` uses: `labelkit.toml` found by
/// walking up, else the whole-body preset.
///
/// # Errors
/// An invalid configuration file.
pub fn config_for(path: &Path) -> Result<Config, OpError> {
    match Config::discover(path).map_err(|e| op_err(path, e))? {
        Some((_, config)) => Ok(config),
        None => {
            let text = labelkit::rules::preset_toml("whole-body").unwrap_or_default();
            Config::from_toml_str(text, "labelkit.toml").map_err(|e| op_err(path, e))
        }
    }
}

/// Reads `path` and checks it with every built-in rule.
///
/// # Errors
/// The reader's errors and an invalid configuration.
pub fn check(path: &Path, format: Option<Format>) -> Result<Sample, OpError> {
    let t = Instant::now();
    let config = config_for(path)?;
    let loaded =
        labelkit::read(path, format, &ReadOptions::default()).map_err(|e| op_err(path, e))?;
    let read_s = t.elapsed().as_secs_f64();
    let registry = Registry::builtin();
    let t2 = Instant::now();
    let findings = Checker::new(&registry, &config, Selection::all()).check(&loaded);
    let check_s = t2.elapsed().as_secs_f64();
    let wall_s = t.elapsed().as_secs_f64();
    Ok(Sample {
        wall_s,
        read_s: Some(read_s),
        phase2_s: Some(check_s),
        bytes: input_bytes(path),
        objects: coco_objects(&loaded.dataset) as u64,
        shapes: loaded.dataset.annotations.len() as u64,
        findings: (findings.len() + loaded.issues.len()) as u64,
        ..Sample::default()
    })
}

/// Reads `path` and makes the full statistics report of `labelkit stats
/// --output-format json` (the configuration as [`config_for`] finds it),
/// written to nowhere.
///
/// # Errors
/// The reader's errors and an invalid configuration.
pub fn stats(path: &Path) -> Result<Sample, OpError> {
    let t = Instant::now();
    let options = labelkit::stats::StatsOptions::from_config(&config_for(path)?);
    let loaded =
        labelkit::read(path, None, &ReadOptions::default()).map_err(|e| op_err(path, e))?;
    let read_s = t.elapsed().as_secs_f64();
    let stats = labelkit::stats::stats(&loaded.dataset, &options);
    labelkit::stats::write_json(&stats, &mut std::io::sink()).map_err(|e| op_err(path, e))?;
    let wall_s = t.elapsed().as_secs_f64();
    Ok(Sample {
        wall_s,
        read_s: Some(read_s),
        phase2_s: Some(wall_s - read_s),
        bytes: input_bytes(path),
        objects: stats.overall.objects,
        shapes: loaded.dataset.annotations.len() as u64,
        ..Sample::default()
    })
}

/// Reads two sides of a diff in parallel, as `labelkit diff` does, then
/// compares them with the companion groups of the configuration found
/// from the new side (else the whole-body preset's). The first phase is
/// the reading, the second the comparison; `findings` counts the changes.
///
/// # Errors
/// A side cannot be read.
pub fn diff(old: &Path, new: &Path) -> Result<Sample, OpError> {
    use labelkit::diff::{read_sides, Side, SideOptions};
    let t = Instant::now();
    let config = config_for(new)?;
    let (a, b) = read_sides(
        &Side::Path(old.to_path_buf()),
        &Side::Path(new.to_path_buf()),
        &SideOptions::new(),
        &SideOptions::new(),
    );
    let a = a.map_err(|e| op_err(old, e))?;
    let b = b.map_err(|e| op_err(new, e))?;
    let read_s = t.elapsed().as_secs_f64();
    let opts =
        labelkit::diff::DiffOptions::new().companions(labelkit::diff::companion_groups(&config));
    let t2 = Instant::now();
    let d = labelkit::diff::diff(&a.loaded.dataset, &b.loaded.dataset, &opts);
    let diff_s = t2.elapsed().as_secs_f64();
    let wall_s = t.elapsed().as_secs_f64();
    Ok(Sample {
        wall_s,
        read_s: Some(read_s),
        phase2_s: Some(diff_s),
        bytes: input_bytes(old) + input_bytes(new),
        objects: (coco_objects(&a.loaded.dataset) + coco_objects(&b.loaded.dataset)) as u64,
        shapes: (a.loaded.dataset.annotations.len() + b.loaded.dataset.annotations.len()) as u64,
        findings: d.summary.per_kind.total() as u64,
        ..Sample::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The figures of `labelkit stats --output-format json` on the
    /// generated dataset, as written in each format, are the generator's
    /// own: every object of the generator has exactly one box (a body's
    /// outline polygon and keypoints share its group), so the objects of
    /// a label are its boxes.
    #[test]
    fn stats_of_a_generated_dataset_are_the_generators_counts() {
        use crate::generate::{generate, Scale};
        use labelkit::model::Geometry;
        let dataset = generate(Scale {
            images: 200,
            seed: 2017,
        });
        let mut boxes: std::collections::BTreeMap<String, u64> = Default::default();
        for a in &dataset.annotations {
            if matches!(a.geometry, Geometry::Box(_)) {
                *boxes
                    .entry(dataset.labels.name(a.label).to_owned())
                    .or_default() += 1;
            }
        }
        let keypoints = dataset
            .annotations
            .iter()
            .filter(|a| matches!(a.geometry, Geometry::Keypoints(_)))
            .count() as u64;
        let empty = dataset
            .images
            .iter()
            .filter(|i| !dataset.annotations.iter().any(|a| a.image == i.id))
            .count() as u64;
        assert!(boxes.values().sum::<u64>() > 1000 && keypoints > 100 && empty > 0);

        let dir = tempfile::tempdir().unwrap();
        crate::write::write_all(&dataset, dir.path()).unwrap();
        for input in ["coco/instances.json", "cvat/annotations.xml", "yolo"] {
            let path = dir.path().join(input);
            let options = labelkit::stats::StatsOptions::from_config(&config_for(&path).unwrap());
            let loaded = labelkit::read(&path, None, &ReadOptions::default()).unwrap();
            let stats = labelkit::stats::stats(&loaded.dataset, &options);
            let mut json = Vec::new();
            labelkit::stats::write_json(&stats, &mut json).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
            let all = &v["overall"];
            assert_eq!(all["images"], 200, "{input}");
            assert_eq!(all["empty_images"], empty, "{input}");
            assert_eq!(all["objects"], boxes.values().sum::<u64>(), "{input}");
            // Skeleton elements (CVAT) count with the keypoints.
            for l in all["labels"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|l| l["parent"].is_null())
            {
                let name = l["name"].as_str().unwrap();
                assert_eq!(
                    l["objects"].as_u64().unwrap(),
                    boxes.get(name).copied().unwrap_or(0),
                    "{input}: {name}"
                );
            }
            if input != "yolo" {
                // YOLO is written as boxes: no keypoints there.
                let person = all["keypoints"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k["instances"].as_u64().unwrap())
                    .sum::<u64>();
                assert_eq!(person, keypoints, "{input}");
            }
        }
    }

    #[test]
    fn peak_rss_is_read_from_proc() {
        let kib = peak_rss_kib();
        // A running test binary holds at least a few hundred KiB.
        assert!(kib > 100, "{kib}");
    }

    #[test]
    fn floors_parse_and_count_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("a.json");
        fs::write(&json, br#"{"images": [{"id": 1}], "annotations": []}"#).unwrap();
        let s = floor_json(&json).unwrap();
        assert_eq!(s.bytes, 42);
        let bad = dir.path().join("b.json");
        fs::write(&bad, b"{\"images\": [").unwrap();
        assert!(floor_json(&bad).is_err());
        let xml = dir.path().join("a.xml");
        fs::write(&xml, b"<a><b x=\"1\"/></a>").unwrap();
        assert_eq!(floor_xml(&xml).unwrap().bytes, 17);
        let badxml = dir.path().join("b.xml");
        fs::write(&badxml, b"<a><b></a>").unwrap();
        assert!(floor_xml(&badxml).is_err());
    }

    #[test]
    fn write_floor_copies_the_tree() {
        let dir = tempfile::tempdir().unwrap();
        let reference = dir.path().join("ref");
        fs::create_dir_all(reference.join("labels/train")).unwrap();
        fs::write(reference.join("data.yaml"), b"names: [a]\n").unwrap();
        fs::write(reference.join("labels/train/1.txt"), b"0 0.5 0.5 0.1 0.1\n").unwrap();
        let out = dir.path().join("out");
        let s = floor_write(&reference, &out).unwrap();
        assert_eq!(s.files, 2);
        assert_eq!(s.bytes, 11 + 18);
        assert_eq!(
            fs::read(out.join("labels/train/1.txt")).unwrap(),
            b"0 0.5 0.5 0.1 0.1\n"
        );
    }
}
