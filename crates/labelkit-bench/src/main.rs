//! `labelkit-bench`: generate the benchmark datasets and measure labelkit.
//!
//! ```text
//! labelkit-bench generate --images 120000 --out /work/bench-data/train2017
//! labelkit-bench run --data /work/bench-data/train2017 --reps 3
//! labelkit-bench child OP ARGS...    (one sample; used by `run`)
//! labelkit-bench footprint PATH FMT  (where a read dataset's memory goes)
//! ```
#![forbid(unsafe_code)]
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use labelkit::Format;
use labelkit_bench::measure::{self, OpError, Sample};
use labelkit_bench::run::{self, Plan};
use labelkit_bench::{checkset, footprint, generate, write, Scale};

/// Benchmarks of labelkit with a deterministic dataset generator.
#[derive(Debug, Parser)]
#[command(name = "labelkit-bench")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Write the person dataset as COCO, CVAT and YOLO under OUT.
    Generate {
        /// Number of images (COCO train2017: 120000).
        #[arg(long)]
        images: u32,
        /// Output folder (must not hold a previous dataset).
        #[arg(long)]
        out: PathBuf,
        /// Seed of the generator.
        #[arg(long, default_value_t = 2017)]
        seed: u64,
        /// Write the clean dataset of the check benchmark instead (see
        /// `checkset`): three fully labelled people per image.
        #[arg(long)]
        clean: bool,
    },
    /// Write the changed side of a diff benchmark: a copy of a generated
    /// dataset where a seeded share of the objects changed, in every
    /// format, with `expected.json` (what `labelkit diff` must find).
    Change {
        /// The old side: a dataset written by `generate`, in any format
        /// (its CVAT file holds every kind of shape).
        #[arg(long)]
        from: PathBuf,
        /// Its format, when it cannot be told from the contents.
        #[arg(long)]
        format: Option<String>,
        /// Output folder (must not hold a previous dataset).
        #[arg(long)]
        out: PathBuf,
        /// Seed of the changes.
        #[arg(long, default_value_t = 16)]
        seed: u64,
        /// Share of the objects to change.
        #[arg(long, default_value_t = 0.05)]
        fraction: f64,
    },
    /// Measure every operation, interleaving repetitions.
    Run {
        /// A folder written by `generate`.
        #[arg(long)]
        data: PathBuf,
        /// A dataset for the check measurements (about 600,000
        /// annotations); default: DATA.
        #[arg(long)]
        check_data: Option<PathBuf>,
        /// Scratch folder for outputs (default: DATA/../bench-scratch).
        #[arg(long)]
        scratch: Option<PathBuf>,
        /// Repetitions of each measurement.
        #[arg(long, default_value_t = 5)]
        reps: usize,
        /// The labelkit binary, for the pre-commit and diff measurements.
        #[arg(long)]
        labelkit: Option<PathBuf>,
        /// The changed side written by `change`: adds the `labelkit diff`
        /// measurements (needs `--labelkit`).
        #[arg(long)]
        changed: Option<PathBuf>,
        /// Only the measurements whose name contains one of these.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Also write every sample as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Read a dataset and print where its memory goes, part by part of
    /// the model, with the sizes of the model's types.
    Footprint {
        /// The dataset.
        path: PathBuf,
        /// Its format (`coco`, `cvat`, `yolo`).
        format: String,
    },
    /// Run one operation in this process and print one JSON sample.
    Child {
        /// bytes FILE | json FILE | xml FILE | write-floor REF OUT |
        /// read PATH FMT | convert IN FMT OUT FMT | check PATH |
        /// diff OLD NEW
        op: String,
        /// The operation's arguments.
        args: Vec<String>,
    },
}

fn format_of(name: &str) -> Result<Format, OpError> {
    name.parse::<Format>()
        .map_err(|e| OpError(format!("unknown format {name:?}: {e}")))
}

fn child(op: &str, args: &[String]) -> Result<Sample, OpError> {
    let p = |i: usize| -> Result<&Path, OpError> {
        args.get(i)
            .map(Path::new)
            .ok_or_else(|| OpError(format!("{op}: missing argument {}", i + 1)))
    };
    let f =
        |i: usize| -> Result<Format, OpError> { format_of(args.get(i).map_or("", String::as_str)) };
    let mut sample = match op {
        "bytes" => measure::floor_bytes(p(0)?)?,
        "json" => measure::floor_json(p(0)?)?,
        "xml" => measure::floor_xml(p(0)?)?,
        "write-floor" => measure::floor_write(p(0)?, p(1)?)?,
        "read" => measure::read(p(0)?, f(1)?)?,
        "convert" => measure::convert(p(0)?, f(1)?, p(2)?, f(3)?)?,
        "check" => measure::check(p(0)?, None)?,
        "stats" => measure::stats(p(0)?)?,
        "diff" => measure::diff(p(0)?, p(1)?)?,
        other => return Err(OpError(format!("unknown operation {other:?}"))),
    };
    sample.peak_kib = measure::peak_rss_kib();
    Ok(sample)
}

fn show_footprint(path: &Path, format: &str) -> Result<String, OpError> {
    let format = format_of(format)?;
    let loaded = labelkit::read(path, Some(format), &labelkit::ReadOptions::default())
        .map_err(|e| OpError(format!("{}: {e}", path.display())))?;
    let peak_after_read = measure::peak_rss_kib();
    let input = measure::input_bytes(path);
    let f = footprint::footprint(&loaded);
    Ok(format!(
        "{}: {} bytes of input, {} shapes, peak RSS after reading {} MiB\n\n{}\n{}",
        path.display(),
        input,
        f.annotations,
        peak_after_read / 1024,
        f.table(),
        footprint::type_sizes()
    ))
}

/// The dataset root of `path`: the folder holding `coco/`, `cvat/` and
/// `yolo/` when `path` is one of the files or folders `generate` writes.
fn dataset_root(path: &Path) -> Option<&Path> {
    path.ancestors()
        .find(|p| p.join("yolo/images/train").is_dir() && p.join("cvat").is_dir())
}

fn make_changed(
    from: &Path,
    format: Option<&str>,
    out: &Path,
    seed: u64,
    fraction: f64,
) -> Result<String, OpError> {
    let t = Instant::now();
    let format = format.map(format_of).transpose()?;
    let loaded = labelkit::read(from, format, &labelkit::ReadOptions::default())
        .map_err(|e| OpError(format!("{}: {e}", from.display())))?;
    let opts = labelkit_bench::change::ChangeOptions { fraction, seed };
    let changed = labelkit_bench::change::change(&loaded.dataset, &opts);
    drop(loaded);
    let root = dataset_root(from);
    let config = root
        .and_then(|r| std::fs::read_to_string(r.join("labelkit.toml")).ok())
        .unwrap_or_else(|| {
            labelkit::rules::preset_toml("whole-body")
                .unwrap_or_default()
                .to_owned()
        });
    let link = root.map(|r| r.join("yolo/images/train"));
    let images = link
        .as_deref()
        .map_or(write::Images::Blank, write::Images::LinkFrom);
    let written = write::write_all_as(&changed.dataset, out, &config, images)
        .map_err(|e| OpError(e.to_string()))?;
    let expected = out.join("expected.json");
    let text = serde_json::to_string_pretty(&changed.expected)
        .map_err(|e| OpError(format!("{}: {e}", expected.display())))?;
    std::fs::write(&expected, text + "\n")
        .map_err(|e| OpError(format!("{}: {e}", expected.display())))?;
    let e = &changed.expected;
    let made: Vec<String> = e.made.iter().map(|(k, n)| format!("{k} {n}")).collect();
    Ok(format!(
        "{written}changed {} of {} objects: {}\nin {:.1} s; expected diffs in {}\n",
        e.changes,
        e.objects,
        made.join(", "),
        t.elapsed().as_secs_f64(),
        expected.display()
    ))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Generate {
            images,
            out,
            seed,
            clean,
        } => {
            let t = Instant::now();
            let (dataset, config) = if clean {
                (
                    checkset::clean_dataset(images as usize, seed),
                    checkset::clean_config(),
                )
            } else {
                let preset = labelkit::rules::preset_toml("whole-body").unwrap_or_default();
                (generate(Scale { images, seed }), preset.to_owned())
            };
            let generated = t.elapsed().as_secs_f64();
            match write::write_all_with(&dataset, &out, &config) {
                Ok(written) => {
                    print!("{written}");
                    println!(
                        "generated in {generated:.1} s, written in {:.1} s",
                        t.elapsed().as_secs_f64() - generated
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("labelkit-bench: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Cmd::Run {
            data,
            check_data,
            scratch,
            reps,
            labelkit,
            changed,
            only,
            json,
        } => {
            let scratch = scratch.unwrap_or_else(|| {
                data.parent()
                    .unwrap_or(Path::new("."))
                    .join("bench-scratch")
            });
            let plan = Plan {
                data,
                check_data,
                scratch,
                reps: reps.max(1),
                labelkit,
                changed,
                only,
            };
            let mut checks = Vec::new();
            let result = run::run(&plan, &mut checks, |round, name, s| {
                eprintln!(
                    "round {}: {name}: {:.3} s, {} MiB",
                    round + 1,
                    s.wall_s,
                    s.peak_kib / 1024
                );
            });
            match result {
                Ok(summaries) => {
                    print!("{}", run::report(&summaries, plan.reps));
                    if !checks.is_empty() {
                        println!("\nChecked before timing (counts against expected.json):\n");
                        for line in &checks {
                            println!("- {line}");
                        }
                    }
                    if let Some(path) = json {
                        let text = serde_json::to_string_pretty(&summaries).unwrap_or_default();
                        if let Err(e) = std::fs::write(&path, text) {
                            eprintln!("labelkit-bench: {}: {e}", path.display());
                            return ExitCode::from(2);
                        }
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("labelkit-bench: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Cmd::Change {
            from,
            format,
            out,
            seed,
            fraction,
        } => match make_changed(&from, format.as_deref(), &out, seed, fraction) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("labelkit-bench change: {e}");
                ExitCode::from(2)
            }
        },
        Cmd::Footprint { path, format } => match show_footprint(&path, &format) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("labelkit-bench footprint: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Child { op, args } => match child(&op, &args) {
            Ok(sample) => {
                println!("{}", serde_json::to_string(&sample).unwrap_or_default());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("labelkit-bench child {op}: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
