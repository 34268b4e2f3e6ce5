//! The extension point for rules that live outside this crate (plugins).
//!
//! An [`ExternalRules`] object provides several codes at once, all sharing
//! one code prefix (for example `AUG` would be refused, see below; `X` or
//! `NOISE` are fine). [`crate::Registry::add_external`] registers it; the
//! [`crate::Checker`] then calls it like a built-in rule:
//!
//! 1. [`ExternalRules::begin`] once per check, with the dataset and the
//!    `[plugins.<name>]` table of `labelkit.toml` (an empty table when there
//!    is none). An `Err` becomes an `L001 plugin-failed` diagnostic and the
//!    plugin is skipped for this check; the other rules still run;
//! 2. [`ExternalRules::check_image`] once per image, **possibly from several
//!    threads at once** (images are checked in parallel): an implementation
//!    that cannot run concurrently must serialise itself (a `Mutex`);
//! 3. [`ExternalRules::finish`] once, for dataset-level findings.
//!
//! Findings name images and annotations by id, never by file position: the
//! checker maps ids to positions through the reader's span table. A finding
//! whose code the plugin did not declare in [`ExternalRules::metas`] is
//! reported as `L001 plugin-failed` instead of being dropped.
//!
//! Code rules: a prefix is one or more ASCII upper-case letters and must not
//! start with a letter reserved for built-in families (`F`, `G`, `A`, `K`,
//! `D`, `L`), so that selecting `A` never selects a plugin's rules; it must
//! not be a prefix of another plugin's prefix either. Every code is the
//! prefix followed by one or more digits; names are kebab-case and unique in
//! the registry.

use labelkit_diagnostics::Severity;
use labelkit_model::{Annotation, AnnotationId, Dataset, Image, ImageId};

use crate::meta::RuleMeta;

/// One finding of an external rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalFinding {
    /// The code, one of those declared in [`ExternalRules::metas`].
    pub code: String,
    /// What is wrong, in lower case with no trailing period.
    pub message: String,
    /// A severity for this finding; `None` uses the rule's default (a
    /// severity override in the configuration wins over both).
    pub severity: Option<Severity>,
    /// The image the finding is about.
    pub image: Option<ImageId>,
    /// The annotation the finding is about; its position is used when
    /// known, else the image's, else the dataset file.
    pub annotation: Option<AnnotationId>,
    /// How to fix it.
    pub help: Option<String>,
}

impl ExternalFinding {
    /// A finding with a code and message and nothing else.
    #[must_use]
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            severity: None,
            image: None,
            annotation: None,
            help: None,
        }
    }
}

/// What a rule may ask of [`Neighbours`]: images whose file names (the last
/// component, as the dataset names its images) are one of `names` or start
/// with one of `prefixes`, at most `limit` of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NeighbourQuery {
    /// Whole file names (`a.png`).
    pub names: Vec<String>,
    /// File name beginnings (`a_noise`).
    pub prefixes: Vec<String>,
    /// The most images returned.
    pub limit: usize,
}

/// Images found by [`Neighbours::read`]: one dataset per annotation file
/// read (each with its images, annotations and labels), and whether more
/// matched than the limit.
#[derive(Debug, Clone, Default)]
pub struct Neighbourhood {
    /// The datasets read, one per sibling annotation file.
    pub datasets: Vec<Dataset>,
    /// More images matched than the query's limit.
    pub truncated: bool,
}

/// Images beside those of a check that are not part of it, for rules that
/// compare an image with its neighbours when only some files are checked
/// (the pre-commit hook checks a changed label file alone). The caller that
/// reads the files provides it ([`crate::Checker::with_neighbours`]); it
/// reads only annotation files in the folder of the checked image's own,
/// through the same reader and with the same confinement to the dataset.
pub trait Neighbours: Send + Sync + std::fmt::Debug {
    /// Reads the images matching `query` beside the checked image named
    /// `file_name` (as the dataset names it), never that image itself.
    ///
    /// # Errors
    /// A message saying why the folder or a file could not be read.
    fn read(&self, file_name: &str, query: &NeighbourQuery) -> Result<Neighbourhood, String>;
}

/// A set of rules provided by one object, typically a loaded plugin.
pub trait ExternalRules: Send + Sync {
    /// A short name: selects the `[plugins.<name>]` options table and is the
    /// family of its rules.
    fn name(&self) -> String;

    /// The code prefix shared by all its codes (see the module docs).
    fn prefix(&self) -> String;

    /// The rules it provides.
    fn metas(&self) -> Vec<RuleMeta>;

    /// Starts a check of `dataset` with the plugin's options.
    ///
    /// # Errors
    /// A message saying why the plugin cannot check this dataset.
    fn begin(&self, dataset: &Dataset, options: &toml::Value) -> Result<(), String>;

    /// [`ExternalRules::begin`], with the images beside those of the check
    /// when the caller can read them (a check of some files of a dataset).
    /// By default the neighbours are not used.
    ///
    /// # Errors
    /// As [`ExternalRules::begin`].
    fn begin_with(
        &self,
        dataset: &Dataset,
        options: &toml::Value,
        neighbours: Option<std::sync::Arc<dyn Neighbours>>,
    ) -> Result<(), String> {
        let _ = neighbours;
        self.begin(dataset, options)
    }

    /// Checks `image`, one of `dataset.images`, with its annotations. May
    /// be called from several threads at once.
    fn check_image(
        &self,
        dataset: &Dataset,
        image: &Image,
        annotations: &[&Annotation],
    ) -> Vec<ExternalFinding>;

    /// Ends the check; returns dataset-level findings.
    fn finish(&self, dataset: &Dataset) -> Vec<ExternalFinding>;
}
