//! `labelkit stats`: dataset statistics as a table, JSON or an HTML report.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context as _, Result};
use labelkit::check::LoadedConfig;
use labelkit::stats::{Comparison, Stats, StatsOptions};
use labelkit::{Format, ReadOptions};

use crate::args::{StatsArgs, StatsFormat};
use crate::out::{start_output, Ui};

/// Reads the dataset (and the one to compare with), measures it against
/// the configuration found as `labelkit check` finds it, and writes the
/// report to stdout or `-o`.
pub(crate) fn run(ui: &Ui, args: &StatsArgs) -> Result<u8> {
    if ui.quiet {
        // The report is the output: there is nothing to leave out.
        bail!("--quiet does not apply to stats: its output is the report (redirect stderr to hide the notes)");
    }
    let from = args.from.as_deref().map(str::parse::<Format>).transpose()?;
    // The output is refused before anything is read when it would replace
    // an input (or lie inside an input folder).
    let output = match &args.output {
        Some(file) => Some(start_output(
            file,
            std::iter::once(args.path.as_path()).chain(args.compare.as_deref()),
        )?),
        None => None,
    };
    let loaded_config = LoadedConfig::load(args.config.as_deref(), &args.path)?;
    let opts = StatsOptions::from_config(&loaded_config.config);
    let stats = measure(ui, &args.path, from, &opts)?;
    let comparison = match &args.compare {
        Some(other) => {
            let b = measure(ui, other, from, &opts)?;
            Some(labelkit::stats::compare(&stats, &b))
        }
        None => None,
    };
    let mut text = Vec::new();
    render(
        args.output_format,
        &args.path,
        &stats,
        comparison.as_ref(),
        &mut text,
    )
    .context("rendering the statistics")?;
    match (output, &args.output) {
        (Some(mut out), Some(file)) => {
            out.write_all(&text)
                .with_context(|| format!("writing {}", file.display()))?;
            out.commit()?;
        }
        _ => ui
            .print(&String::from_utf8_lossy(&text))
            .context("writing the statistics")?,
    }
    Ok(0)
}

/// Reads one dataset (video tracks expanded into per-frame shapes) and
/// measures it; read issues are counted on stderr.
fn measure(ui: &Ui, path: &Path, from: Option<Format>, opts: &StatsOptions) -> Result<Stats> {
    let progress = ui.progress();
    progress.phase(&format!("reading {}", path.display()));
    let mut loaded = labelkit::read(path, from, &ReadOptions::default())
        .with_context(|| format!("reading {}", path.display()))?;
    labelkit::expand_video_tracks(&mut loaded)
        .with_context(|| format!("expanding the tracks of {}", path.display()))?;
    progress.phase(&format!("measuring {}", path.display()));
    let stats = labelkit::stats::stats(&loaded.dataset, opts);
    progress.finish();
    if !loaded.issues.is_empty() {
        ui.note(&format!(
            "labelkit: {}: {} read issues (shapes the reader stepped over are not counted); \
             `labelkit check` lists them",
            path.display(),
            loaded.issues.len()
        ));
    }
    Ok(stats)
}

fn render(
    format: StatsFormat,
    title: &Path,
    stats: &Stats,
    comparison: Option<&Comparison>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match (format, comparison) {
        (StatsFormat::Html, c) => {
            let opts = labelkit::stats::html::HtmlOptions::default()
                .title(format!("labelkit stats: {}", title.display()));
            labelkit::stats::html::write_html(stats, c, &opts, out)
        }
        (StatsFormat::Table, None) => labelkit::stats::write_table(stats, out),
        (StatsFormat::Table, Some(c)) => {
            labelkit::stats::write_comparison_table(c, out)?;
            writeln!(out)?;
            labelkit::stats::write_table(stats, out)
        }
        (StatsFormat::Json, None) => labelkit::stats::write_json(stats, out),
        (StatsFormat::Json, Some(c)) => labelkit::stats::write_comparison_json(c, out),
    }
}
