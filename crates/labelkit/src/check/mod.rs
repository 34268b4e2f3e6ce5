//! Checking datasets and single files against the rules, exactly as
//! `labelkit check PATH...` (and the pre-commit hook) does.
//!
//! A [`CheckRequest`] names the paths; [`CheckRequest::run`] plans what to
//! read for each ([`plan`]), finds and loads the configuration
//! ([`LoadedConfig`]) and its plugins, reads each target with the read
//! options of the check, runs the [`Checker`] over it, gathers the
//! findings with the files they point into, and applies a baseline. The
//! [`CheckOutcome`] holds the findings in their final order with the
//! [`SourceMap`] to render them ([`crate::render()`]), and a summary of
//! each target.
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
//!   file) is an error naming the reason ([`CheckError::NotAnnotation`]),
//!   or, with [`CheckRequest::skip_other_files`] (which the pre-commit hook
//!   asks for, since pre-commit hands over every changed `.json`, `.xml`
//!   and `.txt`), a [`Target::Skip`].
//!
//! # Configuration and plugins
//!
//! The configuration is the file given with [`CheckRequest::config_file`],
//! else `labelkit.toml` found by walking up from the first path, else the
//! defaults. Rule plugins are native code: those named with
//! [`CheckRequest::plugins`] and by a configuration the caller named are
//! loaded; those of a configuration found by walking up only when the
//! request's [`PluginTrust`] allows them (by default never: the run is
//! refused, so that nothing is checked with fewer rules than the
//! configuration asks for).
//!
//! # Example
//!
//! ```no_run
//! use labelkit::check::CheckRequest;
//! use labelkit::{render, OutputFormat, RenderOptions};
//!
//! # fn main() -> Result<(), labelkit::check::CheckError> {
//! // Two changed label files of a YOLO dataset, as the pre-commit hook
//! // hands them over, and a README that is skipped.
//! let outcome = CheckRequest::new(["labels/train/a.txt", "labels/train/b.txt", "README.txt"])
//!     .skip_other_files(true)
//!     .run()?;
//! print!(
//!     "{}",
//!     render(OutputFormat::Concise, &outcome.diagnostics, &outcome.sources, &RenderOptions::default())
//! );
//! for d in &outcome.diagnostics {
//!     println!("{} {}", d.code, d.message);
//! }
//! std::process::exit(i32::from(outcome.errors() > 0));
//! # }
//! ```

mod config;
mod error;
mod outcome;
mod plan;

use std::fmt;
use std::path::{Path, PathBuf};

use labelkit_diagnostics::{Diagnostic, Loaded, SourceFile, SourceMap};
use labelkit_rules::{Baseline, Checker, Config, Registry, Selection, SelectionOverrides};

pub use config::{
    plugin_libraries, ConfigOrigin, LoadedConfig, PluginTrust, RefuseDiscoveredPlugins,
};
pub use error::{BaselineRefusal, CheckError};
pub use outcome::{CheckOutcome, RuleCount, Statistics, TargetCounts, TargetSummary};
use plan::is_class_list;
pub use plan::{plan, Target};

use crate::{Error, Format, OutputGuard, ReadOptions};

/// Something that happens during [`CheckRequest::run_with`], in order:
/// for showing progress and notes.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum CheckEvent<'a> {
    /// A file that is not an annotation file was skipped.
    Skipped {
        /// The file.
        path: &'a Path,
        /// Why it is not an annotation file.
        reason: &'a str,
    },
    /// Target `target` (1-based) of `targets`, a dataset, is being read.
    Reading {
        /// 1-based.
        target: usize,
        /// How many targets there are.
        targets: usize,
        /// The dataset.
        path: &'a Path,
    },
    /// Target `target` of `targets` is being checked (a dataset, after its
    /// read; a description, before it).
    Checking {
        /// 1-based.
        target: usize,
        /// How many targets there are.
        targets: usize,
        /// The dataset or description.
        path: &'a Path,
    },
    /// Label file `file` (1-based) of `files` of target `target` is being
    /// read and checked.
    LabelFile {
        /// 1-based.
        target: usize,
        /// How many targets there are.
        targets: usize,
        /// The label file.
        path: &'a Path,
        /// 1-based, among the target's label files.
        file: usize,
        /// How many label files the target has.
        files: usize,
    },
    /// A description was read as its dataset's description.
    Described {
        /// The description.
        path: &'a Path,
        /// The classes it declares.
        classes: usize,
        /// The dataset's label files read against it.
        label_files: usize,
    },
}

/// What to check and how: `labelkit check`'s arguments (see the module
/// docs). Built with by-value setters, run with [`CheckRequest::run`].
pub struct CheckRequest {
    paths: Vec<PathBuf>,
    format: Option<Format>,
    skip_other_files: bool,
    config_file: Option<PathBuf>,
    overrides: SelectionOverrides,
    plugins: Vec<PathBuf>,
    trust: Box<dyn PluginTrust>,
    allow_outside_root: bool,
    baseline: Option<PathBuf>,
    write_baseline: Option<PathBuf>,
}

impl fmt::Debug for CheckRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckRequest")
            .field("paths", &self.paths)
            .field("format", &self.format)
            .field("skip_other_files", &self.skip_other_files)
            .field("config_file", &self.config_file)
            .field("overrides", &self.overrides)
            .field("plugins", &self.plugins)
            .field("allow_outside_root", &self.allow_outside_root)
            .field("baseline", &self.baseline)
            .field("write_baseline", &self.write_baseline)
            .finish_non_exhaustive()
    }
}

impl CheckRequest {
    /// A check of `paths` (datasets, annotation files, YOLO label files and
    /// descriptions; the current folder when empty) with the configuration
    /// found by walking up from the first, every selected rule, no plugin
    /// of a discovered configuration, no baseline.
    #[must_use]
    pub fn new<P: Into<PathBuf>>(paths: impl IntoIterator<Item = P>) -> Self {
        let mut paths: Vec<PathBuf> = paths.into_iter().map(Into::into).collect();
        if paths.is_empty() {
            paths.push(PathBuf::from("."));
        }
        Self {
            paths,
            format: None,
            skip_other_files: false,
            config_file: None,
            overrides: SelectionOverrides::default(),
            plugins: Vec::new(),
            trust: Box::new(RefuseDiscoveredPlugins),
            allow_outside_root: false,
            baseline: None,
            write_baseline: None,
        }
    }

    /// Reads every path as `format` instead of recognising it.
    #[must_use]
    pub fn format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// Skips files that are not annotation files ([`Target::Skip`])
    /// instead of failing with [`CheckError::NotAnnotation`].
    #[must_use]
    pub fn skip_other_files(mut self, yes: bool) -> Self {
        self.skip_other_files = yes;
        self
    }

    /// The configuration file, instead of `labelkit.toml` found by walking
    /// up; its plugins are loaded.
    #[must_use]
    pub fn config_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.config_file = Some(file.into());
        self
    }

    /// Selection changes over the configuration's (`--select`,
    /// `--extend-select`, `--ignore`).
    #[must_use]
    pub fn overrides(mut self, overrides: SelectionOverrides) -> Self {
        self.overrides = overrides;
        self
    }

    /// Rule plugins (shared libraries) to load besides the configuration's.
    #[must_use]
    pub fn plugins<P: Into<PathBuf>>(mut self, libraries: impl IntoIterator<Item = P>) -> Self {
        self.plugins = libraries.into_iter().map(Into::into).collect();
        self
    }

    /// Decides whether the plugins of a configuration found by walking up
    /// are loaded (default: [`RefuseDiscoveredPlugins`]).
    #[must_use]
    pub fn trust(mut self, trust: impl PluginTrust + 'static) -> Self {
        self.trust = Box::new(trust);
        self
    }

    /// YOLO input: reads files outside the dataset folder that the dataset
    /// names (see [`labelkit_yolo::ReadOptions`]'s `allow_outside_root`).
    #[must_use]
    pub fn allow_outside_root(mut self, yes: bool) -> Self {
        self.allow_outside_root = yes;
        self
    }

    /// Findings recorded in this baseline file are accepted: left out of
    /// [`CheckOutcome::diagnostics`] and counted in
    /// [`CheckOutcome::accepted_by_baseline`].
    #[must_use]
    pub fn baseline(mut self, file: impl Into<PathBuf>) -> Self {
        self.baseline = Some(file.into());
        self
    }

    /// Records every finding in this baseline file (then
    /// [`CheckRequest::baseline`] is not applied). The file may not be,
    /// replace or go into an input, a file read, the configuration or the
    /// dataset's label and image folders, nor replace a file that is not a
    /// baseline: [`CheckError::BaselineRefused`], checked before the
    /// reads as far as the inputs tell, and again before writing.
    #[must_use]
    pub fn write_baseline(mut self, file: impl Into<PathBuf>) -> Self {
        self.write_baseline = Some(file.into());
        self
    }

    /// Runs the check.
    ///
    /// # Errors
    /// See [`CheckError`]; the first error stops the check.
    pub fn run(&self) -> Result<CheckOutcome, CheckError> {
        self.run_with(&mut |_| {})
    }

    /// Runs the check, telling `on_event` what it does as it goes.
    ///
    /// # Errors
    /// See [`CheckError`]; the first error stops the check.
    pub fn run_with(
        &self,
        on_event: &mut dyn FnMut(CheckEvent<'_>),
    ) -> Result<CheckOutcome, CheckError> {
        let paths = &self.paths;
        let start = paths.first().map_or(Path::new("."), PathBuf::as_path);
        let loaded_config = LoadedConfig::load(self.config_file.as_deref(), start)?;
        let config = &loaded_config.config;
        let whole = Selection::with_overrides(config, &self.overrides);
        let registry = loaded_config.registry(&self.plugins, &*self.trust)?;
        // A few label files are not the dataset: dataset-wide rules (class
        // counts, unused classes, missing images) would report nonsense. A
        // configuration name that matches no class (D008) is about the
        // classes alone, which a label file's check reads too.
        let mut overrides = self.overrides.clone();
        overrides.ignore.extend(
            registry
                .rules()
                .map(|m| m.code.clone())
                .filter(|c| c.starts_with('D') && c != "D008"),
        );
        let partial = Selection::with_overrides(config, &overrides);

        // What the baseline may not replace or go into, grown with each
        // read: the inputs as given, the configuration in use, then every
        // file read and the dataset's label and image folders.
        let mut guard = self.write_baseline.as_ref().map(|file| {
            let mut guard = paths.iter().fold(OutputGuard::default(), |g, p| g.file(p));
            if let Some(config) = &config.path {
                guard = guard.file(config);
            }
            (guard, file.as_path())
        });
        if let Some((guard, file)) = &guard {
            // Refused before the work when the inputs alone tell.
            check_baseline_output(guard, file)?;
        }
        let targets = plan(paths, self.format, self.skip_other_files)?;
        // Declared image sizes are compared with the image files wherever
        // the files are found beside the annotation file (D007).
        #[allow(unused_mut)]
        let mut options = ReadOptions::new().verify_image_sizes(true);
        #[cfg(feature = "yolo")]
        {
            options.yolo.allow_outside_root = self.allow_outside_root;
        }
        let mut sources = SourceMap::new();
        let mut diagnostics: Vec<Diagnostic> = Vec::new();
        let mut summaries = Vec::with_capacity(targets.len());
        let total = targets.len();
        for (n, target) in targets.into_iter().enumerate() {
            let mut counts = TargetCounts::default();
            match &target {
                Target::Skip { path, reason } => {
                    on_event(CheckEvent::Skipped { path, reason });
                }
                Target::Dataset { path, format } => {
                    on_event(CheckEvent::Reading {
                        target: n + 1,
                        targets: total,
                        path,
                    });
                    let mut loaded = crate::read(path, Some(*format), &options)?;
                    guard_read(&mut guard, path, *format, &loaded);
                    // The rules check what a video's tracks hold on each
                    // frame.
                    crate::expand_video_tracks(&mut loaded)?;
                    on_event(CheckEvent::Checking {
                        target: n + 1,
                        targets: total,
                        path,
                    });
                    let found =
                        checker(&registry, config, whole.clone(), &mut loaded).check(&loaded);
                    counts.add(&loaded, &found);
                    absorb(&mut sources, &mut diagnostics, loaded, found);
                }
                Target::LabelFiles { files, format, .. } => {
                    for (i, file) in files.iter().enumerate() {
                        on_event(CheckEvent::LabelFile {
                            target: n + 1,
                            targets: total,
                            path: file,
                            file: i + 1,
                            files: files.len(),
                        });
                        let mut loaded = crate::read(file, Some(*format), &options)?;
                        guard_read(&mut guard, file, *format, &loaded);
                        let checker = checker(&registry, config, partial.clone(), &mut loaded);
                        // Plugins may read the label files beside this one
                        // (a copy's original, an original's copies).
                        #[cfg(feature = "yolo")]
                        let checker = checker.with_neighbours(std::sync::Arc::new(
                            crate::neighbours::LabelFileNeighbours::new(
                                file,
                                *format,
                                options.clone(),
                            ),
                        ));
                        let found = checker.check(&loaded);
                        counts.add(&loaded, &found);
                        absorb(&mut sources, &mut diagnostics, loaded, found);
                    }
                    counts.label_files = files.len();
                }
                Target::Description { path, format } => {
                    on_event(CheckEvent::Checking {
                        target: n + 1,
                        targets: total,
                        path,
                    });
                    let (mut loaded, labels) =
                        read_description(path, *format, &options, |loaded| {
                            guard_read(&mut guard, path, *format, loaded);
                        })?;
                    on_event(CheckEvent::Described {
                        path,
                        classes: loaded.dataset.labels.labels.len(),
                        label_files: labels,
                    });
                    let found =
                        checker(&registry, config, partial.clone(), &mut loaded).check(&loaded);
                    counts.add(&loaded, &found);
                    counts.label_files = labels;
                    absorb(&mut sources, &mut diagnostics, loaded, found);
                }
            }
            summaries.push(TargetSummary { target, counts });
        }
        labelkit_rules::sort_diagnostics(&mut diagnostics, &sources);
        // A data.yaml and one of its label files changed together each read
        // the description: a finding about it comes once.
        diagnostics.dedup_by(|a, b| {
            a.code == b.code
                && a.message == b.message
                && (a.image, a.annotation) == (b.image, b.annotation)
                && a.primary.as_ref().map(|l| l.span) == b.primary.as_ref().map(|l| l.span)
                && labelkit_rules::diagnostic_path(a, &sources)
                    == labelkit_rules::diagnostic_path(b, &sources)
        });
        let mut outcome = CheckOutcome {
            diagnostics,
            sources,
            targets: summaries,
            accepted_by_baseline: 0,
            baseline_written: None,
        };

        if let Some((guard, file)) = &guard {
            // Never over an input, a file that was read or anything that is
            // not a baseline, nor into the dataset's label and image
            // folders.
            check_baseline_output(guard, file)?;
            Baseline::from_diagnostics(&outcome.diagnostics, &outcome.sources)
                .save(file)
                .map_err(|error| CheckError::WriteBaseline {
                    path: file.to_path_buf(),
                    error,
                })?;
            outcome.baseline_written = Some(file.to_path_buf());
        } else if let Some(file) = &self.baseline {
            let baseline = Baseline::load(file).map_err(|error| CheckError::ReadBaseline {
                path: file.clone(),
                error,
            })?;
            let before = outcome.diagnostics.len();
            outcome.diagnostics =
                baseline.filter(std::mem::take(&mut outcome.diagnostics), &outcome.sources);
            outcome.accepted_by_baseline = before - outcome.diagnostics.len();
        }
        Ok(outcome)
    }
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
fn check_baseline_output(guard: &OutputGuard, file: &Path) -> Result<(), CheckError> {
    let refused = |reason: BaselineRefusal| CheckError::BaselineRefused {
        path: file.to_path_buf(),
        reason,
    };
    guard.check(file).map_err(|e| refused(e.into()))?;
    Baseline::check_replaceable(file).map_err(|e| refused(e.into()))
}

/// Adds what reading `input` into `loaded` protects to the baseline's
/// guard, when a baseline is to be written.
fn guard_read(
    guard: &mut Option<(OutputGuard, &Path)>,
    input: &Path,
    format: Format,
    loaded: &Loaded,
) {
    if let Some((g, _)) = guard {
        *g = crate::read_guard(std::mem::take(g), input, format, loaded);
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
) -> Result<(Loaded, usize), Error> {
    let mut loaded = crate::read(path, Some(format), options)?;
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
    loaded.measurements = labelkit_diagnostics::Measurements::default();
    loaded.facts.images.clear();
    let description = |p: &Path| {
        p == path
            || p.extension().is_some_and(|e| {
                ["yaml", "yml", "data", "names"]
                    .iter()
                    .any(|d| e.eq_ignore_ascii_case(d))
            })
            || is_class_list(p)
    };
    let sources = &loaded.sources;
    let in_description = |d: &Diagnostic| match &d.primary {
        Some(label) => sources
            .get(label.file)
            .is_some_and(|f| description(f.path())),
        None => d.path.as_deref().is_some_and(description),
    };
    let undeclared = crate::ReadIssue::UnknownClass.code();
    let kept: Vec<Diagnostic> = std::mem::take(&mut loaded.issues)
        .into_iter()
        .filter(|d| d.code == undeclared || in_description(d))
        .collect();
    loaded.issues = kept;
    Ok((loaded, labels))
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
