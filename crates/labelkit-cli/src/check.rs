//! `labelkit check`: what to read for each path, the rule run, and output.
//!
//! Paths come from a person (`labelkit check data/`) or from pre-commit,
//! which passes the changed files one by one. So:
//! - a folder or a CVAT or COCO file is read as a whole dataset;
//! - a YOLO label `.txt` is read alone, with the classes of the dataset
//!   found by walking up; label files of one dataset are checked as a group,
//!   and dataset-wide rules (class counts, unused classes) are left out,
//!   since a few files are not the dataset;
//! - a `data.yaml`, `obj.data`, `obj.names` or LabelImg `classes.txt` is
//!   checked as its dataset's description: read as the dataset's reader
//!   reads it (so refused as the whole dataset is), with the dataset's label
//!   files read against its classes, but only what concerns the
//!   description and the classes is reported (a folder is the whole check);
//! - a `.txt` in a YOLO dataset's label tree is a label file whatever it
//!   holds, so a malformed one has its bad rows reported;
//! - anything else (`README.txt`, `package.json`, an image list, an empty
//!   file) is an error naming the reason (exit 2), or, with
//!   `--skip-other-files` (which the pre-commit hook passes, since
//!   pre-commit hands over every changed `.json`, `.xml` and `.txt`), is
//!   skipped with a one-line note.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _};
use labelkit::rules::{Baseline, Checker, Config, Registry, Selection, SelectionOverrides};
use labelkit::{
    Diagnostic, Format, Loaded, OutputFormat, ReadOptions, RenderOptions, Severity, SourceFile,
    SourceMap,
};

use crate::args::{CheckArgs, OutputFormatArg};
use crate::out::Ui;

/// What one command-line path turns into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A whole dataset.
    Dataset { path: PathBuf, format: Format },
    /// YOLO label files of one dataset (grouped by the dataset's root).
    LabelFiles {
        root: PathBuf,
        format: Format,
        files: Vec<PathBuf>,
    },
    /// A YOLO dataset description checked on its own (`data.yaml`,
    /// `obj.names`).
    Description { path: PathBuf, format: Format },
    /// Not an annotation file.
    Skip { path: PathBuf, reason: String },
}

/// Sorts paths into targets, grouping label files by dataset. A file that
/// is not an annotation file is an error naming the reason, or a
/// [`Target::Skip`] with `skip_other_files` (the pre-commit hook's flag).
pub(crate) fn plan(
    paths: &[PathBuf],
    forced: Option<Format>,
    skip_other_files: bool,
) -> anyhow::Result<Vec<Target>> {
    let mut targets = Vec::new();
    let mut groups: BTreeMap<(PathBuf, Format), Vec<PathBuf>> = BTreeMap::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?;
        if meta.is_dir() {
            let format = match forced {
                Some(f) => f,
                None => labelkit::detect(path)?,
            };
            targets.push(Target::Dataset {
                path: path.clone(),
                format,
            });
            continue;
        }
        let format = match forced {
            Some(f) => f,
            None => match labelkit::detect(path) {
                Ok(f) => f,
                Err(labelkit::Error::Undetected { reason, .. }) if skip_other_files => {
                    targets.push(Target::Skip {
                        path: path.clone(),
                        reason,
                    });
                    continue;
                }
                Err(e @ labelkit::Error::Undetected { .. }) => {
                    return Err(anyhow!(
                        "{e} (--skip-other-files skips files that are not annotations)"
                    ));
                }
                Err(e) => return Err(e.into()),
            },
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let is_yolo = matches!(format, Format::YoloUltralytics | Format::YoloDarknet);
        let description = name == "obj.names"
            || ext == "yaml"
            || ext == "yml"
            || ext == "data"
            || labelkit::yolo::is_class_list(path);
        if is_yolo && description {
            targets.push(Target::Description {
                path: path.clone(),
                format,
            });
        } else if is_yolo && ext == "txt" {
            let root = dataset_root(path);
            groups.entry((root, format)).or_default().push(path.clone());
        } else {
            targets.push(Target::Dataset {
                path: path.clone(),
                format,
            });
        }
    }
    for ((root, format), mut files) in groups {
        files.sort();
        files.dedup();
        targets.push(Target::LabelFiles {
            root,
            format,
            files,
        });
    }
    Ok(targets)
}

/// The folder of the YOLO dataset a label file belongs to: the folder of
/// the description found above it ([`labelkit::yolo::find_config`], which
/// probes fixed names and never lists the big `labels`/`images` folders);
/// the file's own folder when there is none.
fn dataset_root(label: &Path) -> PathBuf {
    let absolute = std::path::absolute(label).unwrap_or_else(|_| label.to_path_buf());
    labelkit::yolo::find_config(&absolute)
        .and_then(|c| c.parent().map(Path::to_path_buf))
        .or_else(|| absolute.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `labelkit check`.
pub(crate) fn run(ui: &Ui, args: &CheckArgs) -> anyhow::Result<u8> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let forced = args.from.as_deref().map(str::parse::<Format>).transpose()?;
    let loaded = load_config(args.config.as_deref(), &paths)?;
    let config = &loaded.config;
    let mut overrides = SelectionOverrides::default();
    if !args.select.is_empty() {
        overrides.select = Some(args.select.clone());
    }
    overrides.extend_select.clone_from(&args.extend_select);
    overrides.ignore.clone_from(&args.ignore);
    let whole = Selection::with_overrides(config, &overrides);
    let mut registry = Registry::builtin();
    load_plugins(&mut registry, &loaded, &args.plugin)?;
    // A few label files are not the dataset: dataset-wide rules (class
    // counts, unused classes, missing images) would report nonsense. A
    // configuration name that matches no class (D008) is about the classes
    // alone, which a label file's check reads too.
    overrides.ignore.extend(
        registry
            .rules()
            .map(|m| m.code.clone())
            .filter(|c| c.starts_with('D') && c != "D008"),
    );
    let partial = Selection::with_overrides(config, &overrides);

    // What the baseline may not replace or go into, grown with each read:
    // the inputs as given, the configuration in use, then every file read
    // and the dataset's label and image folders.
    let mut guard = args.write_baseline.as_ref().map(|file| {
        let mut guard = paths
            .iter()
            .fold(labelkit::OutputGuard::default(), |g, p| g.file(p));
        if let Some(config) = &config.path {
            guard = guard.file(config);
        }
        (guard, file)
    });
    if let Some((guard, file)) = &guard {
        // Refused before the work when the inputs alone tell.
        check_baseline_output(guard, file)?;
    }
    let targets = plan(&paths, forced, args.skip_other_files)?;
    // Declared image sizes are compared with the image files wherever the
    // files are found beside the annotation file (D007).
    let mut options = ReadOptions::new().verify_image_sizes(true);
    options.yolo.allow_outside_root = args.allow_outside;
    let mut sources = SourceMap::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let total = targets.len();
    for (n, target) in targets.iter().enumerate() {
        match target {
            Target::Skip { path, reason } => {
                ui.note(&format!("labelkit: skipped {}: {reason}", path.display()));
            }
            Target::Dataset { path, format } => {
                ui.progress(&format!("[{}/{total}] reading {}", n + 1, path.display()));
                let mut loaded = labelkit::read(path, Some(*format), &options)?;
                guard_read(&mut guard, path, *format, &loaded);
                // The rules check what a video's tracks hold on each frame.
                labelkit::expand_video_tracks(&mut loaded)?;
                ui.progress(&format!("[{}/{total}] checking {}", n + 1, path.display()));
                let found = checker(&registry, config, whole.clone(), &mut loaded).check(&loaded);
                absorb(&mut sources, &mut diagnostics, loaded, found);
            }
            Target::LabelFiles { files, format, .. } => {
                for (i, file) in files.iter().enumerate() {
                    ui.progress(&format!(
                        "[{}/{total}] {} ({}/{})",
                        n + 1,
                        file.display(),
                        i + 1,
                        files.len()
                    ));
                    let mut loaded = labelkit::read(file, Some(*format), &options)?;
                    guard_read(&mut guard, file, *format, &loaded);
                    // Plugins may read the label files beside this one (a
                    // copy's original, an original's copies).
                    let neighbours = labelkit::neighbours::LabelFileNeighbours::new(
                        file,
                        *format,
                        options.clone(),
                    );
                    let found = checker(&registry, config, partial.clone(), &mut loaded)
                        .with_neighbours(std::sync::Arc::new(neighbours))
                        .check(&loaded);
                    absorb(&mut sources, &mut diagnostics, loaded, found);
                }
            }
            Target::Description { path, format } => {
                ui.progress(&format!("[{}/{total}] checking {}", n + 1, path.display()));
                let (mut loaded, labels) = read_description(path, *format, &options, |loaded| {
                    guard_read(&mut guard, path, *format, loaded);
                })?;
                ui.note(&format!(
                    "labelkit: checked {} as the description of its dataset ({}, {} read against it)",
                    path.display(),
                    plural(loaded.dataset.labels.labels.len(), "class", "classes"),
                    plural(labels, "label file", "label files"),
                ));
                let found = checker(&registry, config, partial.clone(), &mut loaded).check(&loaded);
                absorb(&mut sources, &mut diagnostics, loaded, found);
            }
        }
    }
    ui.progress_done();
    labelkit::rules::sort_diagnostics(&mut diagnostics, &sources);
    // A data.yaml and one of its label files changed together each read
    // the description: a finding about it comes once.
    diagnostics.dedup_by(|a, b| {
        a.code == b.code
            && a.message == b.message
            && (a.image, a.annotation) == (b.image, b.annotation)
            && a.primary.as_ref().map(|l| l.span) == b.primary.as_ref().map(|l| l.span)
            && labelkit::rules::diagnostic_path(a, &sources)
                == labelkit::rules::diagnostic_path(b, &sources)
    });

    if let Some((guard, file)) = &guard {
        // Never over an input, a file that was read or anything that is not
        // a baseline, nor into the dataset's label and image folders.
        check_baseline_output(guard, file)?;
        let baseline = Baseline::from_diagnostics(&diagnostics, &sources);
        baseline
            .save(file)
            .with_context(|| format!("writing the baseline {}", file.display()))?;
        ui.note(&format!(
            "labelkit: recorded {} findings in {}",
            diagnostics.len(),
            file.display()
        ));
        return Ok(0);
    }
    if let Some(file) = &args.baseline {
        let baseline = Baseline::load(file)
            .with_context(|| format!("reading the baseline {}", file.display()))?;
        let before = diagnostics.len();
        diagnostics = baseline.filter(diagnostics, &sources);
        let accepted = before - diagnostics.len();
        if accepted > 0 {
            ui.note(&format!(
                "labelkit: {accepted} findings accepted by the baseline"
            ));
        }
    }

    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if args.statistics {
        ui.print(&statistics(&diagnostics))
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
        let mut text = labelkit::render(output_format(format), &diagnostics, &sources, &options);
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
        let warnings = diagnostics.len() - errors;
        let skipped_all = targets.iter().all(|t| matches!(t, Target::Skip { .. }));
        if diagnostics.is_empty() && skipped_all {
            eprintln!("labelkit: no annotation file to check");
        } else if diagnostics.is_empty() {
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

/// The checker of one read. The configuration file joins the read's
/// sources, so that a finding about a name of the configuration (D008)
/// points at the name in it.
fn checker<'r>(
    registry: &'r Registry,
    config: &'r Config,
    selection: Selection,
    loaded: &mut Loaded,
) -> Checker<'r> {
    let checker = Checker::new(registry, config, selection);
    let Some(path) = &config.path else {
        return checker;
    };
    // Found by walking up, the path is absolute: shown relative to the
    // current folder when it lies below it, as the other files are.
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.clone());
    checker.with_config_file(loaded.sources.add(SourceFile::lazy(shown)))
}

/// Refuses a baseline output that `guard` protects, or an existing file
/// that is not a baseline.
fn check_baseline_output(guard: &labelkit::OutputGuard, file: &Path) -> anyhow::Result<()> {
    guard.check(file).context("--write-baseline")?;
    Baseline::check_replaceable(file).context("--write-baseline")?;
    Ok(())
}

/// Adds what reading `input` into `loaded` protects to the baseline's
/// guard, when a baseline is to be written.
fn guard_read(
    guard: &mut Option<(labelkit::OutputGuard, &PathBuf)>,
    input: &Path,
    format: Format,
    loaded: &Loaded,
) {
    if let Some((g, _)) = guard {
        *g = labelkit::read_guard(std::mem::take(g), input, format, loaded);
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

/// Reads a YOLO dataset description (`data.yaml`, `obj.data`,
/// `obj.names`) as the reader of its dataset does: a description the
/// dataset check refuses (no `train:`, a syntax error) is the same error
/// at the same place. The dataset's label files are read against its
/// classes, so a class list that no longer covers them is reported (F003
/// at each row whose class it does not declare); of the findings about the
/// label files only those are kept (the rest are each file's own check),
/// and of the dataset only what concerns the description (its classes,
/// keypoint shape and `flip_idx`, and the problems found in it). Returns
/// the trimmed read and how many label files were read against it. `read`
/// sees the whole read before it is trimmed.
fn read_description(
    path: &Path,
    format: Format,
    options: &ReadOptions,
    read: impl FnOnce(&Loaded),
) -> anyhow::Result<(Loaded, usize)> {
    let mut loaded = labelkit::read(path, Some(format), options)?;
    read(&loaded);
    let labels = (0..loaded.dataset.images.len())
        .filter(|&pos| !loaded.facts.image(pos).no_label_file)
        .count();
    loaded.dataset.images.clear();
    loaded.dataset.annotations.clear();
    loaded.dataset.tracks.clear();
    loaded.spans.images.clear();
    loaded.spans.annotations.clear();
    loaded.spans.tracks.clear();
    loaded.measurements = labelkit::diagnostics::Measurements::default();
    loaded.facts.images.clear();
    let description = |p: &Path| {
        p == path
            || p.extension().is_some_and(|e| {
                ["yaml", "yml", "data", "names"]
                    .iter()
                    .any(|d| e.eq_ignore_ascii_case(d))
            })
            || labelkit::yolo::is_class_list(p)
    };
    let sources = &loaded.sources;
    let in_description = |d: &Diagnostic| match &d.primary {
        Some(label) => sources
            .get(label.file)
            .is_some_and(|f| description(f.path())),
        None => d.path.as_deref().is_some_and(description),
    };
    let undeclared = labelkit::ReadIssue::UnknownClass.code();
    let kept: Vec<Diagnostic> = std::mem::take(&mut loaded.issues)
        .into_iter()
        .filter(|d| d.code == undeclared || in_description(d))
        .collect();
    loaded.issues = kept;
    Ok((loaded, labels))
}

/// A configuration and where it came from, which decides whether its
/// plugins may be loaded.
#[derive(Debug)]
pub(crate) struct LoadedConfig {
    pub(crate) config: Config,
    origin: Origin,
}

#[derive(Debug)]
enum Origin {
    /// No file: the defaults.
    Defaults,
    /// `--config FILE`: the user named it.
    Explicit,
    /// Found by walking up from `start`: its plugins need trust.
    Discovered {
        start: PathBuf,
        file: PathBuf,
        /// The bytes read and parsed, hashed for the trust check.
        bytes: Vec<u8>,
    },
}

/// The configuration: `--config FILE`, else `labelkit.toml` found by
/// walking up from the first path, else the defaults.
pub(crate) fn load_config(
    explicit: Option<&Path>,
    paths: &[PathBuf],
) -> anyhow::Result<LoadedConfig> {
    if let Some(file) = explicit {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading the configuration {}", file.display()))?;
        return Ok(LoadedConfig {
            config: Config::from_toml_str(&text, file)?,
            origin: Origin::Explicit,
        });
    }
    let start = paths
        .first()
        .map_or_else(|| PathBuf::from("."), Clone::clone);
    let Some(file) = Config::find(&start) else {
        return Ok(LoadedConfig {
            config: Config::default(),
            origin: Origin::Defaults,
        });
    };
    // Read once: the bytes parsed are the bytes hashed for the trust check.
    let bytes = std::fs::read(&file)
        .with_context(|| format!("reading the configuration {}", file.display()))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        anyhow!(
            "reading the configuration {}: not UTF-8: {e}",
            file.display()
        )
    })?;
    let config = Config::from_toml_str(text, &file)?;
    Ok(LoadedConfig {
        config,
        origin: Origin::Discovered { start, file, bytes },
    })
}

/// The libraries of the `[plugins.<name>]` tables of `config` (`path = ...`,
/// relative to `base`), by name.
pub(crate) fn plugin_libraries(
    config: &Config,
    base: &Path,
) -> anyhow::Result<Vec<(String, PathBuf)>> {
    config
        .plugins
        .iter()
        .map(|(name, table)| {
            let path = table
                .get("path")
                .and_then(|p| p.as_str())
                .ok_or_else(|| anyhow!("[plugins.{name}] in the configuration has no `path`"))?;
            Ok((name.clone(), base.join(path)))
        })
        .collect()
}

/// Where rule plugins plug in: libraries named with `--plugin` and in the
/// `[plugins.<name>]` tables of the configuration (`path = ...`, relative
/// to the configuration file) are loaded into the registry.
///
/// A configuration found by walking up loads its plugins only when the user
/// trusts it as it is now (`labelkit trust`, see [`crate::trust`]);
/// otherwise the whole run is refused, so that nothing is ever checked with
/// fewer rules than the configuration asks for.
pub(crate) fn load_plugins(
    registry: &mut Registry,
    loaded: &LoadedConfig,
    extra: &[PathBuf],
) -> anyhow::Result<()> {
    let config = &loaded.config;
    let mut libraries: Vec<PathBuf> = extra.to_vec();
    match &loaded.origin {
        Origin::Discovered { start, file, bytes } if !config.plugins.is_empty() => {
            let fingerprint = crate::trust::fingerprint(file, bytes, config)?;
            crate::trust::require(&fingerprint, start)?;
            libraries.extend(fingerprint.libraries.into_iter().map(|l| l.path));
        }
        Origin::Defaults | Origin::Explicit | Origin::Discovered { .. } => {
            let base = config
                .path
                .as_deref()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
                .unwrap_or_default();
            libraries.extend(
                plugin_libraries(config, &base)?
                    .into_iter()
                    .map(|(_, path)| path),
            );
        }
    }
    for library in &libraries {
        labelkit::plugin_host::register(registry, library)?;
    }
    Ok(())
}

/// Moves one read's files into `sources` and its findings into `out`,
/// renumbering file ids.
fn absorb(
    sources: &mut SourceMap,
    out: &mut Vec<Diagnostic>,
    loaded: Loaded,
    found: Vec<Diagnostic>,
) {
    let offset = sources.append(loaded.sources);
    for mut d in found {
        if let Some(label) = d.primary.as_mut() {
            label.file.0 += offset;
        }
        for label in &mut d.secondary {
            label.file.0 += offset;
        }
        out.push(d);
    }
}

/// A count per code, most frequent first.
fn statistics(diagnostics: &[Diagnostic]) -> String {
    let mut counts: BTreeMap<(&str, &str), (usize, Severity)> = BTreeMap::new();
    for d in diagnostics {
        let entry = counts
            .entry((d.code.as_str(), d.name.as_str()))
            .or_insert((0, d.severity));
        entry.0 += 1;
        entry.1 = entry.1.max(d.severity);
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    let width = rows
        .iter()
        .map(|(_, (n, _))| n.to_string().len())
        .max()
        .unwrap_or(1);
    let mut out = String::new();
    for ((code, name), (n, severity)) in rows {
        out.push_str(&format!("{n:>width$}  {code:<5} {name} ({severity})\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_groups_label_files_and_skips_prose() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("labels/train")).unwrap();
        std::fs::write(root.join("data.yaml"), "names: [person]\n").unwrap();
        std::fs::write(root.join("labels/train/a.txt"), "0 0.5 0.5 0.2 0.2\n").unwrap();
        std::fs::write(root.join("labels/train/b.txt"), "").unwrap();
        std::fs::write(root.join("README.txt"), "This is a dataset.\n").unwrap();
        let paths = [
            root.join("labels/train/b.txt"),
            root.join("README.txt"),
            root.join("data.yaml"),
            root.join("labels/train/a.txt"),
        ];
        let targets = plan(&paths, None, true).unwrap();
        assert_eq!(targets.len(), 3, "{targets:?}");
        assert!(matches!(&targets[0], Target::Skip { path, .. } if path.ends_with("README.txt")));
        assert!(matches!(
            &targets[1],
            Target::Description {
                format: Format::YoloUltralytics,
                ..
            }
        ));
        let Target::LabelFiles { root: r, files, .. } = &targets[2] else {
            panic!("{targets:?}");
        };
        assert_eq!(r, &std::path::absolute(root).unwrap());
        assert_eq!(
            files,
            &[
                root.join("labels/train/a.txt"),
                root.join("labels/train/b.txt")
            ]
        );
    }

    #[test]
    fn statistics_sorts_by_count() {
        let d = |code: &str, sev| Diagnostic::new(code, format!("rule-{code}"), sev, "m");
        let text = statistics(&[
            d("G001", Severity::Error),
            d("A001", Severity::Warning),
            d("G001", Severity::Error),
        ]);
        assert_eq!(
            text,
            "2  G001  rule-G001 (error)\n1  A001  rule-A001 (warning)\n"
        );
    }
}
