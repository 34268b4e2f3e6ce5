//! The checker: runs the selected rules over a dataset once and returns
//! sorted diagnostics.

use std::collections::HashMap;

use labelkit_diagnostics::{
    diagnostic_path, sort_diagnostics, Diagnostic, FileId, Label, Loaded, Measurements,
    ReaderFacts, Severity, SourceMap, SpanTable,
};
use labelkit_model::{Annotation, AnnotationId, Dataset, DatasetIndex};
use rayon::prelude::*;

use crate::config::Config;
use crate::external::ExternalFinding;
use crate::meta::RuleMeta;
use crate::registry::Registry;
use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::PLUGIN_FAILED;
use crate::selection::Selection;

/// Runs the rules of a registry with a configuration and a selection.
#[derive(Debug)]
pub struct Checker<'r> {
    registry: &'r Registry,
    config: &'r Config,
    selection: Selection,
    neighbours: Option<std::sync::Arc<dyn crate::external::Neighbours>>,
    config_file: Option<FileId>,
}

impl<'r> Checker<'r> {
    /// A checker.
    #[must_use]
    pub fn new(registry: &'r Registry, config: &'r Config, selection: Selection) -> Self {
        Self {
            registry,
            config,
            selection,
            neighbours: None,
            config_file: None,
        }
    }

    /// Lets plugins read the images beside those checked (see
    /// [`crate::Neighbours`]): for a check of some files of a dataset.
    #[must_use]
    pub fn with_neighbours(mut self, neighbours: std::sync::Arc<dyn crate::Neighbours>) -> Self {
        self.neighbours = Some(neighbours);
        self
    }

    /// Where the configuration file is in the sources of what is checked
    /// (added by the caller): findings about a configuration name (D008)
    /// point at the name there.
    #[must_use]
    pub fn with_config_file(mut self, file: FileId) -> Self {
        self.config_file = Some(file);
        self
    }

    /// The selection in use.
    #[must_use]
    pub fn selection(&self) -> &Selection {
        &self.selection
    }

    /// Checks a loaded dataset: runs every selected rule, adds the reader's
    /// issues, applies per-file ignores and severity overrides, and returns
    /// the diagnostics sorted by [`labelkit_diagnostics::compare_diagnostics`]:
    /// file, position, code, image, annotation and message.
    #[must_use]
    pub fn check(&self, loaded: &Loaded) -> Vec<Diagnostic> {
        self.check_measured(
            &loaded.dataset,
            &loaded.spans,
            &loaded.sources,
            &loaded.issues,
            &loaded.measurements,
            &loaded.facts,
        )
    }

    /// [`Checker::check`] on the parts of a loaded dataset, without the
    /// reader's measurements and facts.
    #[must_use]
    pub fn check_parts(
        &self,
        dataset: &Dataset,
        spans: &SpanTable,
        sources: &SourceMap,
        issues: &[Diagnostic],
    ) -> Vec<Diagnostic> {
        self.check_measured(
            dataset,
            spans,
            sources,
            issues,
            &Measurements::new(),
            &ReaderFacts::new(),
        )
    }

    fn check_measured(
        &self,
        dataset: &Dataset,
        spans: &SpanTable,
        sources: &SourceMap,
        issues: &[Diagnostic],
        measurements: &Measurements,
        facts: &ReaderFacts,
    ) -> Vec<Diagnostic> {
        let index = dataset.index();
        let cx = Context::new(dataset, &index, self.config)
            .with_measurements(measurements)
            .with_facts(facts)
            .with_places(spans, sources);
        let rules: Vec<(&'static str, &dyn Rule)> = self
            .registry
            .builtin
            .iter()
            .filter(|(code, _)| {
                self.registry
                    .get(code)
                    .is_some_and(|m| self.selection.is_enabled(m))
            })
            .map(|&(code, rule)| (code, rule))
            .collect();
        let mut findings = run_rules(&cx, &rules);
        let mut out: Vec<Diagnostic> = Vec::with_capacity(findings.len() + issues.len());
        for f in findings.drain(..) {
            let Some(meta) = self.registry.get(f.code) else {
                continue;
            };
            let config_at =
                f.config_name
                    .as_deref()
                    .zip(self.config_file)
                    .and_then(|(name, file)| {
                        let text = sources.get(file)?.text();
                        let span =
                            crate::names::config_name_span(std::str::from_utf8(text).ok()?, name)?;
                        Some((file, span))
                    });
            let mut d = to_diagnostic(
                meta,
                f.severity.unwrap_or(meta.default_severity),
                f,
                dataset,
                spans,
                sources,
            );
            if let Some((file, span)) = config_at {
                d.path = None;
                d = d.at(file, span);
            }
            out.push(d);
        }
        self.run_externals(dataset, &index, spans, sources, &mut out);
        for issue in issues {
            let enabled = self
                .registry
                .get(&issue.code)
                .is_none_or(|m| self.selection.is_enabled(m));
            if enabled {
                out.push(issue.clone());
            }
        }
        let mut out: Vec<Diagnostic> = out
            .into_iter()
            .filter(|d| {
                diagnostic_path(d, sources)
                    .is_none_or(|p| !self.selection.is_ignored_in(&d.code, p))
            })
            .map(|mut d| {
                d.severity = self.selection.severity_of(&d.code, d.severity);
                d
            })
            .collect();
        sort_diagnostics(&mut out, sources);
        out
    }

    fn run_externals(
        &self,
        dataset: &Dataset,
        index: &DatasetIndex,
        spans: &SpanTable,
        sources: &SourceMap,
        out: &mut Vec<Diagnostic>,
    ) {
        if self.registry.externals.is_empty() {
            return;
        }
        let mut annotation_pos: HashMap<AnnotationId, usize> = HashMap::new();
        for (i, a) in dataset.annotations.iter().enumerate() {
            annotation_pos.entry(a.id).or_insert(i);
        }
        let empty = toml::Value::Table(toml::Table::new());
        let failed_meta = self.registry.get(PLUGIN_FAILED);
        for ext in &self.registry.externals {
            let enabled = self
                .registry
                .rules()
                .any(|m| m.code.starts_with(&ext.prefix) && self.selection.is_enabled(m));
            if !enabled {
                continue;
            }
            let failed = |message: String| {
                let mut d = Diagnostic::new(
                    PLUGIN_FAILED,
                    "plugin-failed",
                    failed_meta.map_or(Severity::Error, |m| m.default_severity),
                    message,
                );
                if let Some(file) = spans.dataset_file {
                    if let Some(f) = sources.get(file) {
                        d = d.with_path(f.path());
                    }
                }
                d
            };
            let options = self.config.plugins.get(&ext.name).unwrap_or(&empty);
            if let Err(message) = ext
                .rules
                .begin_with(dataset, options, self.neighbours.clone())
            {
                out.push(failed(format!(
                    "plugin `{}` failed to start: {message}",
                    ext.name
                )));
                continue;
            }
            let mut found: Vec<ExternalFinding> = dataset
                .images
                .par_iter()
                .enumerate()
                .flat_map_iter(|(pos, image)| {
                    let annotations: Vec<&Annotation> = index
                        .annotations_of(pos)
                        .iter()
                        .filter_map(|&a| dataset.annotations.get(a))
                        .collect();
                    ext.rules.check_image(dataset, image, &annotations)
                })
                .collect();
            found.extend(ext.rules.finish(dataset));
            for f in found {
                // `L001` is the plugin host's own report of a failing plugin
                // (no plugin can declare an `L` code): it keeps the image it
                // names and is never deselected, like a failure to start.
                let host_report = f.code == PLUGIN_FAILED;
                let meta = if host_report {
                    failed_meta
                } else {
                    self.registry
                        .get(&f.code)
                        .filter(|m| f.code.starts_with(&ext.prefix) && m.code == f.code)
                };
                let Some(meta) = meta else {
                    out.push(failed(format!(
                        "plugin `{}` reported code `{}`, which it did not declare: {}",
                        ext.name, f.code, f.message
                    )));
                    continue;
                };
                if !host_report && !self.selection.is_enabled(meta) {
                    continue;
                }
                let image = f.image.and_then(|id| index.image_position(id));
                let annotation = f.annotation.and_then(|id| annotation_pos.get(&id).copied());
                let image = image.or_else(|| {
                    annotation
                        .and_then(|a| dataset.annotations.get(a))
                        .and_then(|a| index.image_position(a.image))
                });
                let finding = Finding {
                    code: "",
                    message: f.message,
                    image,
                    annotation,
                    label: None,
                    stated_at: None,
                    related: Vec::new(),
                    help: f.help,
                    severity: None,
                    config_name: None,
                };
                let mut d = to_diagnostic(
                    meta,
                    f.severity.unwrap_or(meta.default_severity),
                    finding,
                    dataset,
                    spans,
                    sources,
                );
                // Keep the ids the plugin named even when they have no position.
                d.image = d.image.or(f.image.map(|i| i.0));
                d.annotation = d.annotation.or(f.annotation.map(|a| a.0));
                out.push(d);
            }
        }
    }
}

/// Runs dataset hooks, then image and annotation hooks in parallel over
/// images.
fn run_rules(cx: &Context<'_>, rules: &[(&'static str, &dyn Rule)]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (_, rule) in rules {
        rule.check_dataset(cx, &mut findings);
    }
    let dataset = cx.dataset;
    let per_image: Vec<Finding> = (0..dataset.images.len())
        .into_par_iter()
        .fold(
            || (Vec::new(), Vec::new()),
            |(mut out, mut sorted): (Vec<Finding>, Vec<usize>), pos| {
                let Some(image) = dataset.images.get(pos) else {
                    return (out, sorted);
                };
                sorted.clear();
                sorted.extend_from_slice(cx.index.annotations_of(pos));
                crate::rule::sort_image_annotations(&dataset.annotations, &mut sorted);
                let image_cx = ImageCtx::new(pos, image, &sorted, &dataset.annotations);
                for (_, rule) in rules {
                    rule.check_image(cx, &image_cx, &mut out);
                }
                for (a, annotation) in image_cx.shapes() {
                    for (_, rule) in rules {
                        rule.check_annotation(cx, &image_cx, a, annotation, &mut out);
                    }
                }
                (out, sorted)
            },
        )
        .map(|(out, _)| out)
        .reduce(Vec::new, |mut a, mut b| {
            a.append(&mut b);
            a
        });
    findings.extend(per_image);
    findings
}

/// Turns a finding into a diagnostic pointing at the annotation, else the
/// image, else the statement it is about (data.yaml's `flip_idx:`), else
/// the label, else the dataset file.
fn to_diagnostic(
    meta: &RuleMeta,
    severity: Severity,
    f: Finding,
    dataset: &Dataset,
    spans: &SpanTable,
    sources: &SourceMap,
) -> Diagnostic {
    let mut d = Diagnostic::new(meta.code.clone(), meta.name.clone(), severity, f.message);
    let span = f
        .annotation
        .and_then(|a| spans.annotation(a))
        .or_else(|| f.image.and_then(|i| spans.image(i)))
        .or(f.stated_at)
        .or_else(|| f.label.and_then(|l| spans.label(l)));
    if let Some(s) = span {
        d = d.at(s.file, s.span);
    } else if let Some(file) = spans.dataset_file.and_then(|f| sources.get(f)) {
        d = d.with_path(file.path());
    }
    for (a, note) in f.related {
        if let Some(s) = spans.annotation(a) {
            d = d.with_secondary(Label::with_message(s.file, s.span, note));
        }
    }
    if let Some(help) = f.help {
        d = d.with_help(help);
    }
    let image = f.image.and_then(|i| dataset.images.get(i)).map(|i| i.id.0);
    let annotation = f.annotation.and_then(|a| dataset.annotations.get(a));
    let image = image.or_else(|| annotation.map(|a| a.image.0));
    d.about(image, annotation.map(|a| a.id.0))
}
