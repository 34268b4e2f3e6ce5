//! Rule engine, registry of codes, configuration and built-in annotation
//! rules of labelkit: a linter for datasets, in the manner of ruff.
//!
//! - [`Registry`] holds every rule's permanent code, kebab-case name,
//!   family, default severity, status and documentation ([`RuleMeta`]).
//!   Built-in rules live one per file under `src/rules/<family>/`; the
//!   leading `//!` block of the file is the rule's documentation, read at
//!   run time from the file's text; the file also declares the rule's
//!   options ([`OptionDecl`]), which the registry collects and documents. Reader issues (`F001`..`F011`) are
//!   registered too, so selection, severity overrides and docs work for
//!   them. Plugins add codes through [`ExternalRules`] and
//!   [`Registry::add_external`].
//! - [`Config`] is `labelkit.toml`: the label schema (parts, companion
//!   groups), keypoint schemas, selection and rule options
//!   ([`RuleOptions`], checked against the rules' declarations); presets
//!   come from [`preset_toml`].
//! - [`Selection`] resolves `select`, `extend-select`, `ignore`, per-file
//!   ignores and severity overrides.
//! - [`Checker`] walks the dataset once: dataset hooks, then image and
//!   annotation hooks in parallel over images; its output is sorted by
//!   [`sort_diagnostics`], the one order of diagnostics.
//! - [`Baseline`] records accepted findings.
//!
//! ```
//! use labelkit_rules::{Checker, Config, Registry, Selection};
//!
//! use labelkit_testkit::people;
//!
//! let loaded = people::loaded(people::person_dataset(4, 2, 7));
//! let registry = Registry::builtin();
//! let config = people::person_config();
//! let checker = Checker::new(&registry, &config, Selection::from_config(&config));
//! assert!(checker.check(&loaded).is_empty());
//! assert_eq!(registry.get("G001").unwrap().name, "box-too-small");
//! ```
//!
//! # What readers record for dataset rules
//!
//! Some rules read what a reader (or the facade) found out: facts about the
//! dataset's files in [`Loaded::facts`](labelkit_diagnostics::Loaded::facts)
//! (a [`ReaderFacts`](labelkit_diagnostics::ReaderFacts) beside the span
//! table, which [`Checker::check`] hands to the rules as
//! [`Context::facts`]), and a model field:
//!
//! | fact | where | rule |
//! | --- | --- | --- |
//! | the `flip_idx` data.yaml states, and where | `ReaderFacts::flip_idx` | K006 |
//! | a label used but not declared | `Label::declared` is false | D003 |
//! | an image without a label file | `ImageFacts::no_label_file` | D005 |
//! | labels without an image file | `ImageFacts::no_image_file` | D006 |
//! | the size in the image file's header | `ImageFacts::file_size` | D007 |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod baseline;
mod checker;
mod config;
mod external;
mod meta;
mod names;
mod options;
mod presets;
mod registry;
mod rule;
mod rules;
mod selection;

pub use baseline::{entry_of, Baseline, BaselineEntry, BaselineError, BASELINE_VERSION};
pub use checker::Checker;
pub use config::{
    CompanionGroup, Config, ConfigError, LabelSchema, PartLimit, PartRule, CONFIG_FILE_NAME,
    DEFAULT_EDGE_TOLERANCE,
};
pub use external::{ExternalFinding, ExternalRules, NeighbourQuery, Neighbourhood, Neighbours};
pub use labelkit_diagnostics::{compare_diagnostics, diagnostic_path, sort_diagnostics};
pub use meta::{extract_module_doc, section, RuleMeta, RuleStatus, DOC_HEADINGS};
pub use names::{normalise_name, NameProblem};
pub use options::{OptionDecl, OptionDefault, OptionType, OptionValue, RuleOptions};
pub use presets::{preset_toml, PRESET_NAMES};
pub use registry::{is_kebab_case, Registry, RegistryError, RESERVED_PREFIXES};
pub use rule::{
    sort_image_annotations, Context, Finding, ImageCtx, ResolvedGroup, ResolvedLimit, Rule,
    SIZE_EPSILON,
};
pub use rules::{companion_matches, object_bounds, SchemaPoints};
pub use selection::{glob_match, Selection, SelectionOverrides};
