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
//! # Keys readers fill for dataset rules
//!
//! Some rules read markers that readers (or the facade) put in the model's
//! `extra` fields; values are JSON text, strings quoted or not:
//!
//! | key | where | value | rule |
//! | --- | --- | --- | --- |
//! | `yolo.flip_idx` | `Dataset.info.extra` | `[0, 2, 1, ...]` | K006 |
//! | `labelkit.undeclared` | `Label.extra` | `true` | D003 |
//! | `yolo.label_file` | `Image.extra` | `"missing"` | D005 |
//! | `yolo.image_file` | `Image.extra` | `"missing"` | D006 |
//! | `labelkit.file_size` | `Image.extra` | `[width, height]` | D007 |
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
pub use rule::{Context, Finding, ImageCtx, ResolvedGroup, ResolvedLimit, Rule, SIZE_EPSILON};
pub use rules::dataset::image_size_mismatch::FILE_SIZE_KEY;
pub use rules::dataset::labels_without_image::IMAGE_FILE_KEY;
pub use rules::dataset::missing_label_file::LABEL_FILE_KEY;
pub use rules::dataset::undeclared_class::UNDECLARED_KEY;
pub use rules::keypoints::flip_idx_mismatch::FLIP_IDX_KEY;
pub use selection::{glob_match, Selection, SelectionOverrides};
