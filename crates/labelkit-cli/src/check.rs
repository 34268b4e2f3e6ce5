//! `labelkit check`: the arguments turned into a
//! [`CheckRequest`](labelkit::check::CheckRequest), which plans what to read
//! for each path, reads, checks and applies the baseline (see
//! [`labelkit::check`]); here are only the notes and progress on stderr,
//! the output of the findings and the exit code.

use anyhow::{anyhow, Context as _};
use labelkit::check::{CheckError, CheckEvent, CheckRequest};
use labelkit::rules::SelectionOverrides;
use labelkit::{Format, OutputFormat, RenderOptions};

use crate::args::{CheckArgs, OutputFormatArg};
use crate::out::Ui;

/// `labelkit check`.
pub(crate) fn run(ui: &Ui, args: &CheckArgs) -> anyhow::Result<u8> {
    let forced = args.from.as_deref().map(str::parse::<Format>).transpose()?;
    let mut overrides = SelectionOverrides::default();
    if !args.select.is_empty() {
        overrides.select = Some(args.select.clone());
    }
    overrides.extend_select.clone_from(&args.extend_select);
    overrides.ignore.clone_from(&args.ignore);
    let mut request = CheckRequest::new(args.paths.iter().cloned())
        .skip_other_files(args.skip_other_files)
        .overrides(overrides)
        .plugins(args.plugin.iter().cloned())
        .trust(crate::trust::UserTrust)
        .allow_outside_root(args.allow_outside);
    if let Some(format) = forced {
        request = request.format(format);
    }
    if let Some(file) = &args.config {
        request = request.config_file(file);
    }
    if let Some(file) = &args.write_baseline {
        request = request.write_baseline(file);
    } else if let Some(file) = &args.baseline {
        request = request.baseline(file);
    }
    let progress = ui.progress();
    let result = request.run_with(&mut |event| match event {
        CheckEvent::Skipped { path, reason } => progress.suspend(|| {
            ui.note(&format!("labelkit: skipped {}: {reason}", path.display()));
        }),
        CheckEvent::Reading {
            target,
            targets,
            path,
        } => progress.count(
            target.saturating_sub(1),
            targets,
            &format!("[{target}/{targets}] reading {}", path.display()),
        ),
        CheckEvent::Checking {
            target,
            targets,
            path,
        } => progress.count(
            target.saturating_sub(1),
            targets,
            &format!("[{target}/{targets}] checking {}", path.display()),
        ),
        CheckEvent::LabelFile {
            target,
            targets,
            path,
            file,
            files,
        } => progress.count(
            file.saturating_sub(1),
            files,
            &format!("[{target}/{targets}] {} ({file}/{files})", path.display()),
        ),
        CheckEvent::Described {
            path,
            classes,
            label_files,
        } => progress.suspend(|| {
            ui.note(&format!(
                "labelkit: checked {} as the description of its dataset ({}, {} read against it)",
                path.display(),
                plural(classes, "class", "classes"),
                plural(label_files, "label file", "label files"),
            ));
        }),
        _ => {}
    });
    progress.finish();
    let outcome = result.map_err(command_error)?;

    if let Some(file) = &outcome.baseline_written {
        ui.note(&format!(
            "labelkit: recorded {} findings in {}",
            outcome.diagnostics.len(),
            file.display()
        ));
        return Ok(0);
    }
    let accepted = outcome.accepted_by_baseline;
    if accepted > 0 {
        ui.note(&format!(
            "labelkit: {accepted} findings accepted by the baseline"
        ));
    }

    let errors = outcome.errors();
    if args.statistics {
        ui.print(&outcome.statistics().to_string())
            .context("writing the statistics")?;
    } else {
        let format = match args.output_format {
            Some(f) => f,
            None if ui.stdout_is_terminal => OutputFormatArg::Full,
            None => OutputFormatArg::Concise,
        };
        let mut options = RenderOptions::default();
        options.color = ui.color;
        options.tool_version = env!("CARGO_PKG_VERSION").to_owned();
        let mut text = labelkit::render(
            output_format(format),
            &outcome.diagnostics,
            &outcome.sources,
            &options,
        );
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        ui.print(&text).context("writing the findings")?;
    }
    if !ui.quiet
        && !matches!(
            args.output_format,
            Some(OutputFormatArg::Json | OutputFormatArg::Sarif)
        )
    {
        let diagnostics = outcome.diagnostics.len();
        let warnings = diagnostics - errors;
        if diagnostics == 0 && outcome.checked_nothing() {
            eprintln!("labelkit: no annotation file to check");
        } else if diagnostics == 0 {
            eprintln!("labelkit: all checks passed");
        } else {
            eprintln!(
                "labelkit: {}, {}",
                plural(errors, "error", "errors"),
                plural(warnings, "warning or note", "warnings or notes")
            );
        }
    }
    Ok(u8::from(errors > 0))
}

/// A check error as the command states it: the flags that would change
/// the outcome are named.
pub(crate) fn command_error(error: CheckError) -> anyhow::Error {
    match error {
        CheckError::NotAnnotation(e) => {
            anyhow!("{e} (--skip-other-files skips files that are not annotations)")
        }
        CheckError::BaselineRefused { reason, .. } => {
            anyhow::Error::from(reason).context("--write-baseline")
        }
        other => other.into(),
    }
}

/// `1 error`, `2 errors`.
fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

fn output_format(arg: OutputFormatArg) -> OutputFormat {
    match arg {
        OutputFormatArg::Full => OutputFormat::Full,
        OutputFormatArg::Concise => OutputFormat::Concise,
        OutputFormatArg::Json => OutputFormat::Json,
        OutputFormatArg::Sarif => OutputFormat::Sarif,
        OutputFormatArg::Github => OutputFormat::Github,
    }
}
