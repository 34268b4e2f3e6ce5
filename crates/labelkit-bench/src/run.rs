//! The runner: every measurement in a child process, repetitions
//! interleaved (one round runs each measurement once, then the next round
//! starts), medians reported beside the floors measured in the same run.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::measure::{OpError, Sample};

/// One thing to measure.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// Short name shown in the table.
    pub name: String,
    /// Arguments of `labelkit-bench child`, or the command line of an
    /// external program when `external` is set.
    pub args: Vec<String>,
    /// An output removed before each repetition (untimed).
    pub output: Option<PathBuf>,
    /// Run this program instead of a child, timing the whole process.
    pub external: Option<PathBuf>,
    /// The working folder of the external program (default: inherited).
    pub cwd: Option<PathBuf>,
}

impl Measurement {
    fn child(name: &str, args: &[&str], output: Option<&Path>) -> Self {
        Self {
            name: name.to_owned(),
            args: args.iter().map(|s| (*s).to_owned()).collect(),
            output: output.map(Path::to_path_buf),
            external: None,
            cwd: None,
        }
    }

    /// A whole process of `program`, timed from start to exit.
    #[must_use]
    pub fn external(name: &str, program: &Path, args: Vec<String>, cwd: Option<&Path>) -> Self {
        Self {
            name: name.to_owned(),
            args,
            output: None,
            external: Some(program.to_path_buf()),
            cwd: cwd.map(Path::to_path_buf),
        }
    }
}

/// What the runner measures and where.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The dataset written by `labelkit-bench generate`.
    pub data: PathBuf,
    /// A dataset to check (about 600,000 annotations); `None`: `data`.
    pub check_data: Option<PathBuf>,
    /// Scratch folder for outputs.
    pub scratch: PathBuf,
    /// Repetitions of each measurement.
    pub reps: usize,
    /// The `labelkit` binary, for the pre-commit and diff measurements.
    pub labelkit: Option<PathBuf>,
    /// The changed side written by `labelkit-bench change`, for the diff
    /// measurements (with `labelkit`).
    pub changed: Option<PathBuf>,
    /// Only measurements whose name contains one of these.
    pub only: Vec<String>,
}

/// Medians over the repetitions of one measurement.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    /// The measurement's name.
    pub name: String,
    /// Every sample, in run order.
    pub samples: Vec<Sample>,
    /// Median wall time, seconds.
    pub wall_s: f64,
    /// Fastest and slowest wall time, seconds.
    pub range_s: (f64, f64),
    /// Median of the read phase, seconds.
    pub read_s: Option<f64>,
    /// Median of the second phase (write or check), seconds.
    pub phase2_s: Option<f64>,
    /// Median peak resident memory, KiB.
    pub peak_kib: u64,
}

/// The median of `values` (the lower middle for an even count).
#[must_use]
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[(v.len() - 1) / 2]
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The first non-empty YOLO label file of the dataset, in name order.
fn first_label_file(data: &Path) -> Option<PathBuf> {
    let dir = data.join("yolo/labels/train");
    let mut names: Vec<PathBuf> = fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    names.sort();
    names
        .into_iter()
        .find(|p| fs::metadata(p).is_ok_and(|m| m.len() > 0))
}

/// The measurements of `plan`, in the order of one round.
#[must_use]
pub fn measurements(plan: &Plan) -> Vec<Measurement> {
    let d = &plan.data;
    let sc = &plan.scratch;
    let coco = s(&d.join("coco/instances.json"));
    let kp = s(&d.join("coco/person_keypoints.json"));
    let cvat = s(&d.join("cvat/annotations.xml"));
    let yolo = s(&d.join("yolo"));
    let out = |n: &str| sc.join(n);
    let mut m = vec![
        Measurement::child("floor: read COCO bytes", &["bytes", &coco], None),
        Measurement::child("floor: serde_json COCO", &["json", &coco], None),
        Measurement::child("read COCO", &["read", &coco, "coco"], None),
        Measurement::child("read COCO keypoints", &["read", &kp, "coco"], None),
        Measurement::child("floor: read CVAT bytes", &["bytes", &cvat], None),
        Measurement::child("floor: quick-xml CVAT", &["xml", &cvat], None),
        Measurement::child("read CVAT", &["read", &cvat, "cvat"], None),
        Measurement::child("read YOLO", &["read", &yolo, "yolo"], None),
        Measurement::child(
            "floor: write YOLO files",
            &["write-floor", &s(&out("ref-yolo")), &s(&out("floor-yolo"))],
            Some(&out("floor-yolo")),
        ),
        Measurement::child(
            "convert COCO -> YOLO",
            &["convert", &coco, "coco", &s(&out("coco-yolo")), "yolo"],
            Some(&out("coco-yolo")),
        ),
        Measurement::child(
            "convert CVAT -> COCO",
            &["convert", &cvat, "cvat", &s(&out("cvat-coco.json")), "coco"],
            Some(&out("cvat-coco.json")),
        ),
        Measurement::child(
            "convert YOLO -> COCO",
            &["convert", &yolo, "yolo", &s(&out("yolo-coco.json")), "coco"],
            Some(&out("yolo-coco.json")),
        ),
        Measurement::child(
            "convert CVAT -> YOLO",
            &["convert", &cvat, "cvat", &s(&out("cvat-yolo")), "yolo"],
            Some(&out("cvat-yolo")),
        ),
    ];
    for (name, input) in [("COCO", &coco), ("CVAT", &cvat), ("YOLO", &yolo)] {
        m.push(Measurement::child(
            &format!("stats {name}: read + full report"),
            &["stats", input],
            None,
        ));
    }
    let check = plan.check_data.as_ref().unwrap_or(&plan.data);
    m.push(Measurement::child(
        "check COCO, every rule",
        &["check", &s(&check.join("coco/instances.json"))],
        None,
    ));
    m.push(Measurement::child(
        "check CVAT, every rule",
        &["check", &s(&check.join("cvat/annotations.xml"))],
        None,
    ));
    m.push(Measurement::child(
        "check YOLO, every rule",
        &["check", &s(&check.join("yolo"))],
        None,
    ));
    if let Some(file) = first_label_file(d) {
        m.push(Measurement::child(
            "check one YOLO label file (in-process)",
            &["check", &s(&file)],
            None,
        ));
        if let Some(bin) = &plan.labelkit {
            m.push(Measurement::external(
                "pre-commit: `labelkit check FILE` (process)",
                bin,
                vec!["check".to_owned(), "--quiet".to_owned(), s(&file)],
                None,
            ));
        }
    }
    if let Some(changed) = &plan.changed {
        for pair in &crate::diffbench::PAIRS {
            // The library's read (both sides in parallel) and comparison,
            // timed apart; then the whole command as a user runs it.
            m.push(Measurement::child(
                &format!("{} (in-process: read, compare)", pair.name),
                &["diff", &s(&d.join(pair.old)), &s(&changed.join(pair.new))],
                None,
            ));
            if let Some(bin) = &plan.labelkit {
                m.push(Measurement::external(
                    &format!("{} (process)", pair.name),
                    bin,
                    crate::diffbench::diff_args(d, changed, pair, &["--quiet"]),
                    None,
                ));
            }
        }
    }
    m.retain(|x| plan.wants(&x.name));
    m
}

/// The git measurements of `case`: the driver alone, called as git calls
/// it, and the whole `git diff` of the file.
#[must_use]
pub fn git_measurements(plan: &Plan, case: &crate::diffbench::GitCase) -> Vec<Measurement> {
    let Some(bin) = &plan.labelkit else {
        return Vec::new();
    };
    let mut driver = vec!["diff".to_owned(), "--git-external".to_owned()];
    driver.extend(case.driver_args.iter().cloned());
    // Run in the repository, as git runs it: the binary's absolute path.
    let bin = fs::canonicalize(bin).unwrap_or_else(|_| bin.clone());
    let mut m = vec![
        Measurement::external(
            "git driver: `labelkit diff --git-external` one label file (process)",
            &bin,
            driver,
            Some(&case.repo),
        ),
        Measurement::external(
            "git diff of one label file through the driver (process)",
            Path::new("git"),
            vec![
                "-C".to_owned(),
                s(&case.repo),
                "diff".to_owned(),
                "--".to_owned(),
                case.path.clone(),
            ],
            None,
        ),
    ];
    m.retain(|x| plan.wants(&x.name));
    m
}

impl Plan {
    /// Whether the measurement named `name` is selected by `only`.
    #[must_use]
    pub fn wants(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| name.contains(o.as_str()))
    }
}

/// Moves a previous output out of the way, into `trash` beside it, without
/// deleting it. Deleting 120,000 files just before a sample creates 120,000
/// files makes that sample slow and erratic on ext4: for every new file the
/// kernel's inode allocator skips the inodes freed in the last minutes
/// (`recently_deleted`, reading their inode-table blocks), which took from
/// 2.5 s to 60 s of kernel time per sample. A rename frees nothing; the
/// trash is deleted once, after the last round.
fn set_aside(path: &Path) {
    if !path.exists() {
        return;
    }
    let Some(parent) = path.parent() else {
        remove(path);
        return;
    };
    let trash = parent.join("trash");
    if fs::create_dir_all(&trash).is_err() {
        remove(path);
        return;
    }
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    for i in 0u32.. {
        let target = trash.join(format!("{name}.{i}"));
        if !target.exists() {
            if fs::rename(path, &target).is_err() {
                remove(path);
            }
            return;
        }
    }
}

fn remove(path: &Path) {
    if path.is_dir() {
        let _ = fs::remove_dir_all(path);
    } else if path.exists() {
        let _ = fs::remove_file(path);
    }
}

/// Flushes the file systems (`sync`, untimed) so that neither the deletion
/// of the previous output nor the write-back of the previous sample's
/// files runs during the next sample. Without it, samples that create
/// 120,000 files varied from 3 s to 60 s from one round to the next.
fn settle() {
    let _ = Command::new("sync").status();
}

/// Runs one measurement once.
///
/// # Errors
/// The child failed or printed no sample.
pub fn run_once(m: &Measurement) -> Result<Sample, OpError> {
    if let Some(o) = &m.output {
        set_aside(o);
    }
    settle();
    if let Some(bin) = &m.external {
        return run_external(bin, &m.args, m.cwd.as_deref());
    }
    let exe = std::env::current_exe().map_err(|e| OpError(format!("current exe: {e}")))?;
    let out = Command::new(exe)
        .arg("child")
        .args(&m.args)
        .output()
        .map_err(|e| OpError(format!("{}: cannot start the child: {e}", m.name)))?;
    if !out.status.success() {
        return Err(OpError(format!(
            "{}: child failed ({}): {}",
            m.name,
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| OpError(format!("{}: the child printed no sample", m.name)))?;
    serde_json::from_str(line).map_err(|e| OpError(format!("{}: bad sample {line:?}: {e}", m.name)))
}

/// Times a whole external process; its peak memory comes from
/// `/usr/bin/time` when that is installed. Exit codes 0 and 1 (findings)
/// count as success.
fn run_external(bin: &Path, args: &[String], cwd: Option<&Path>) -> Result<Sample, OpError> {
    let time = Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-f").arg("LKB_PEAK_KIB %M").arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(args);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let t = Instant::now();
    let out = cmd
        .output()
        .map_err(|e| OpError(format!("{}: cannot start: {e}", bin.display())))?;
    let wall_s = t.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0 | 1) => {}
        _ => {
            return Err(OpError(format!(
                "{} failed ({}): {}",
                bin.display(),
                out.status,
                stderr.trim()
            )))
        }
    }
    let peak_kib = stderr
        .lines()
        .find_map(|l| l.strip_prefix("LKB_PEAK_KIB "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let findings = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count() as u64;
    Ok(Sample {
        wall_s,
        peak_kib,
        findings,
        ..Sample::default()
    })
}

/// Prepares the scratch folder: one pass over every input file to warm
/// the page cache, and the reference YOLO tree of the write floor when it
/// is measured (labelkit's own COCO -> YOLO output, written once, untimed).
///
/// # Errors
/// The reference conversion failed.
pub fn prepare(plan: &Plan) -> Result<(), OpError> {
    fs::create_dir_all(&plan.scratch)
        .map_err(|e| OpError(format!("{}: {e}", plan.scratch.display())))?;
    for root in std::iter::once(&plan.data).chain(plan.changed.as_ref()) {
        for f in [
            "coco/instances.json",
            "coco/person_keypoints.json",
            "cvat/annotations.xml",
        ] {
            let _ = fs::read(root.join(f));
        }
    }
    if !plan.wants("floor: write YOLO files") {
        // Only the write floor reads the reference: 120,000 files not
        // written for nothing.
        return Ok(());
    }
    let reference = plan.scratch.join("ref-yolo");
    let m = Measurement::child(
        "reference YOLO output",
        &[
            "convert",
            &s(&plan.data.join("coco/instances.json")),
            "coco",
            &s(&reference),
            "yolo",
        ],
        Some(&reference),
    );
    run_once(&m)?;
    Ok(())
}

/// Prepares the diff measurements when the plan has a changed side and a
/// `labelkit` binary: checks whether every diff finds exactly the changes
/// made (untimed; the lines go into `checks`), builds the git repository
/// of the driver measurements, and returns those.
///
/// # Errors
/// A diff or git failed.
pub fn prepare_diff(plan: &Plan, checks: &mut Vec<String>) -> Result<Vec<Measurement>, OpError> {
    let (Some(bin), Some(changed)) = (&plan.labelkit, &plan.changed) else {
        return Ok(Vec::new());
    };
    let named = |p: &crate::diffbench::Pair| format!("{} (process)", p.name);
    if crate::diffbench::PAIRS
        .iter()
        .any(|p| plan.wants(&named(p)))
    {
        checks.extend(crate::diffbench::verify(bin, &plan.data, changed)?);
    }
    if !plan.wants("git driver") && !plan.wants("git diff of one label file") {
        return Ok(Vec::new());
    }
    let case = crate::diffbench::prepare_git(bin, &plan.data, changed, &plan.scratch)?;
    checks.push(format!(
        "git diff -- {} through the driver printed:\n{}",
        case.path,
        case.driver_output.trim_end()
    ));
    Ok(git_measurements(plan, &case))
}

/// Runs every measurement `plan.reps` times, interleaved, and summarises.
/// `progress` is told each sample as it arrives; `checks` gets the lines of
/// the untimed checks of the diff measurements (see [`prepare_diff`]).
///
/// # Errors
/// The first failing measurement.
pub fn run(
    plan: &Plan,
    checks: &mut Vec<String>,
    mut progress: impl FnMut(usize, &str, &Sample),
) -> Result<Vec<Summary>, OpError> {
    let mut ms = measurements(plan);
    prepare(plan)?;
    ms.extend(prepare_diff(plan, checks)?);
    let mut all: Vec<Vec<Sample>> = vec![Vec::new(); ms.len()];
    for round in 0..plan.reps {
        for (i, m) in ms.iter().enumerate() {
            let sample = run_once(m)?;
            progress(round, &m.name, &sample);
            all[i].push(sample);
        }
    }
    for m in &ms {
        if let Some(o) = &m.output {
            remove(o);
        }
    }
    remove(&plan.scratch.join("trash"));
    Ok(ms
        .iter()
        .zip(all)
        .map(|(m, samples)| summarise(&m.name, samples))
        .collect())
}

/// Medians of `samples`.
#[must_use]
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
pub fn summarise(name: &str, samples: Vec<Sample>) -> Summary {
    let walls: Vec<f64> = samples.iter().map(|x| x.wall_s).collect();
    let opt = |f: fn(&Sample) -> Option<f64>| {
        let v: Vec<f64> = samples.iter().filter_map(f).collect();
        (!v.is_empty()).then(|| median(&v))
    };
    let peaks: Vec<f64> = samples.iter().map(|x| x.peak_kib as f64).collect();
    Summary {
        name: name.to_owned(),
        wall_s: median(&walls),
        range_s: (
            walls.iter().copied().fold(f64::INFINITY, f64::min),
            walls.iter().copied().fold(0.0, f64::max),
        ),
        read_s: opt(|x| x.read_s),
        phase2_s: opt(|x| x.phase2_s),
        peak_kib: median(&peaks) as u64,
        samples,
    }
}

fn find<'a>(summaries: &'a [Summary], name: &str) -> Option<&'a Summary> {
    summaries.iter().find(|x| x.name == name)
}

/// The results as Markdown: the table, then the ratios to the floors.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn report(summaries: &[Summary], reps: usize) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Median of {reps} interleaved runs; every sample in its own process.\n"
    );
    let _ = writeln!(
        t,
        "| measurement | median s (min-max) | read s | write/check s | peak MiB | input MB | MB/s | annotations | annotations/s | files | findings |"
    );
    let _ = writeln!(t, "|---|---|---|---|---|---|---|---|---|---|---|");
    let f = |x: Option<f64>| x.map_or_else(|| "".to_owned(), |v| format!("{v:.3}"));
    for x in summaries {
        let first = x.samples.first().cloned().unwrap_or_default();
        let mb = first.bytes as f64 / 1e6;
        let rate = |n: f64| {
            if x.wall_s > 0.0 {
                n / x.wall_s
            } else {
                f64::NAN
            }
        };
        let _ = writeln!(
            t,
            "| {} | {:.3} ({:.3}-{:.3}) | {} | {} | {:.0} | {} | {} | {} | {} | {} | {} |",
            x.name,
            x.wall_s,
            x.range_s.0,
            x.range_s.1,
            f(x.read_s),
            f(x.phase2_s),
            x.peak_kib as f64 / 1024.0,
            if first.bytes > 0 {
                format!("{mb:.1}")
            } else {
                String::new()
            },
            if first.bytes > 0 {
                format!("{:.0}", rate(mb))
            } else {
                String::new()
            },
            if first.objects > 0 {
                format!("{} ({} shapes)", first.objects, first.shapes)
            } else {
                String::new()
            },
            if first.objects > 0 {
                format!("{:.0}", rate(first.objects as f64))
            } else {
                String::new()
            },
            if first.files > 0 {
                first.files.to_string()
            } else {
                String::new()
            },
            if first.findings > 0 {
                first.findings.to_string()
            } else {
                String::new()
            },
        );
    }
    let _ = writeln!(t, "\nRatios (lower is better):\n");
    let ratio = |a: &str, b: &str| -> Option<f64> {
        let (a, b) = (find(summaries, a)?, find(summaries, b)?);
        Some(a.wall_s / b.wall_s)
    };
    for (what, a, b) in [
        (
            "read COCO / (bytes + serde_json)",
            "read COCO",
            "floor: serde_json COCO",
        ),
        (
            "read CVAT / (bytes + quick-xml)",
            "read CVAT",
            "floor: quick-xml CVAT",
        ),
        (
            "convert COCO -> YOLO / write floor",
            "convert COCO -> YOLO",
            "floor: write YOLO files",
        ),
        (
            "convert CVAT -> YOLO / write floor",
            "convert CVAT -> YOLO",
            "floor: write YOLO files",
        ),
    ] {
        if let Some(r) = ratio(a, b) {
            let _ = writeln!(t, "- {what}: {r:.2}x");
        }
    }
    for x in summaries {
        let first = x.samples.first().cloned().unwrap_or_default();
        if first.bytes > 0 && (x.name.starts_with("read") || x.name.starts_with("convert")) {
            let _ = writeln!(
                t,
                "- peak memory / input size, {}: {:.2}",
                x.name,
                x.peak_kib as f64 * 1024.0 / first.bytes as f64
            );
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_takes_the_middle_and_skips_nan() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.0);
        assert_eq!(median(&[f64::NAN, 5.0]), 5.0);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn summary_and_report_show_medians_and_ratios() {
        let mk = |w: f64| Sample {
            wall_s: w,
            peak_kib: 2048,
            bytes: 10_000_000,
            objects: 1000,
            shapes: 2000,
            ..Sample::default()
        };
        let a = summarise("read COCO", vec![mk(2.0), mk(1.0), mk(3.0)]);
        let b = summarise("floor: serde_json COCO", vec![mk(1.0), mk(1.0), mk(1.0)]);
        assert_eq!(a.wall_s, 2.0);
        assert_eq!(a.range_s, (1.0, 3.0));
        let text = report(&[a, b], 3);
        assert!(
            text.contains("| read COCO | 2.000 (1.000-3.000) |"),
            "{text}"
        );
        assert!(
            text.contains("read COCO / (bytes + serde_json): 2.00x"),
            "{text}"
        );
        // 10 MB in 2 s, 1000 annotations in 2 s.
        assert!(
            text.contains("| 10.0 | 5 | 1000 (2000 shapes) | 500 |"),
            "{text}"
        );
    }

    #[test]
    fn measurements_follow_the_layout_and_filter() {
        let plan = Plan {
            data: PathBuf::from("/d"),
            check_data: None,
            scratch: PathBuf::from("/s"),
            reps: 1,
            labelkit: None,
            changed: None,
            only: vec!["COCO ->".to_owned()],
        };
        let ms = measurements(&plan);
        assert_eq!(ms.len(), 1);
        assert_eq!(
            ms[0].args,
            [
                "convert",
                "/d/coco/instances.json",
                "coco",
                "/s/coco-yolo",
                "yolo"
            ]
        );
        assert_eq!(ms[0].output.as_deref(), Some(Path::new("/s/coco-yolo")));
    }

    #[test]
    fn a_changed_side_adds_the_diff_measurements() {
        let plan = Plan {
            data: PathBuf::from("/d"),
            check_data: None,
            scratch: PathBuf::from("/s"),
            reps: 1,
            labelkit: Some(PathBuf::from("/bin/labelkit")),
            changed: Some(PathBuf::from("/c")),
            only: vec!["diff ".to_owned()],
        };
        let ms = measurements(&plan);
        let names: Vec<&str> = ms.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "diff CVAT vs CVAT (in-process: read, compare)",
                "diff CVAT vs CVAT (process)",
                "diff COCO vs COCO (in-process: read, compare)",
                "diff COCO vs COCO (process)",
                "diff YOLO vs YOLO (in-process: read, compare)",
                "diff YOLO vs YOLO (process)",
                "diff CVAT vs the YOLO export (in-process: read, compare)",
                "diff CVAT vs the YOLO export (process)",
            ]
        );
        assert_eq!(
            ms[0].args,
            ["diff", "/d/cvat/annotations.xml", "/c/cvat/annotations.xml"]
        );
        assert_eq!(ms[7].external.as_deref(), Some(Path::new("/bin/labelkit")));
        assert_eq!(
            ms[7].args,
            ["diff", "/d/cvat/annotations.xml", "/c/yolo", "--quiet"]
        );
        let case = crate::diffbench::GitCase {
            repo: PathBuf::from("/s/git-yolo"),
            path: "labels/train/1.txt".to_owned(),
            driver_args: (1..=7).map(|i| i.to_string()).collect(),
            driver_output: String::new(),
        };
        let plan = Plan {
            only: Vec::new(),
            ..plan
        };
        let git = git_measurements(&plan, &case);
        assert_eq!(git.len(), 2);
        assert_eq!(git[0].args[..3], ["diff", "--git-external", "1"]);
        assert_eq!(git[0].cwd.as_deref(), Some(Path::new("/s/git-yolo")));
        assert_eq!(
            git[1].args,
            ["-C", "/s/git-yolo", "diff", "--", "labels/train/1.txt"]
        );
    }
}
