//! The registry of rule codes: built-in rules, reader issues and plugins.

use std::fmt;

use crate::external::ExternalRules;
use crate::meta::{extract_module_doc, section_range, RuleMeta};
use crate::options::{options_doc, OptionDecl};
use crate::rule::Rule;
use crate::rules::BUILTINS;

/// First letters of codes reserved for built-in families: `F` read issues,
/// `G` geometry, `A` ambiguity and consistency, `K` keypoints, `D` dataset,
/// `L` labelkit itself (plugin failures).
pub const RESERVED_PREFIXES: [char; 6] = ['F', 'G', 'A', 'K', 'D', 'L'];

/// Why a set of external rules was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The prefix is empty, not upper-case ASCII letters, or starts with a
    /// reserved letter.
    #[error("plugin `{plugin}`: code prefix `{prefix}` is invalid: {reason}")]
    InvalidPrefix {
        /// Plugin name.
        plugin: String,
        /// The prefix.
        prefix: String,
        /// Why.
        reason: String,
    },
    /// The prefix overlaps the prefix of an already registered plugin.
    #[error(
        "plugin `{plugin}`: code prefix `{prefix}` overlaps `{other}` of plugin `{other_plugin}`"
    )]
    PrefixCollision {
        /// Plugin name.
        plugin: String,
        /// Its prefix.
        prefix: String,
        /// The other prefix.
        other: String,
        /// The other plugin.
        other_plugin: String,
    },
    /// A code is not the prefix followed by digits, or is declared twice.
    #[error("plugin `{plugin}`: code `{code}` is invalid: {reason}")]
    InvalidCode {
        /// Plugin name.
        plugin: String,
        /// The code.
        code: String,
        /// Why.
        reason: String,
    },
    /// A rule name is not kebab-case or is already taken.
    #[error("plugin `{plugin}`: rule name `{name}` is invalid: {reason}")]
    InvalidName {
        /// Plugin name.
        plugin: String,
        /// The name.
        name: String,
        /// Why.
        reason: String,
    },
}

pub(crate) struct ExternalEntry {
    pub(crate) rules: Box<dyn ExternalRules>,
    pub(crate) name: String,
    pub(crate) prefix: String,
}

/// Every known rule: its metadata, and how to run it.
pub struct Registry {
    /// Sorted by code.
    metas: Vec<RuleMeta>,
    /// Built-in rules that run (reader issues have no rule object).
    pub(crate) builtin: Vec<(&'static str, &'static dyn Rule)>,
    pub(crate) externals: Vec<ExternalEntry>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("rules", &self.metas.len())
            .field(
                "externals",
                &self.externals.iter().map(|e| &e.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Registry {
    /// The built-in rules and the reader issue codes, with their docs
    /// extracted from the rule files.
    #[must_use]
    pub fn builtin() -> Self {
        let mut metas: Vec<RuleMeta> = BUILTINS
            .iter()
            .map(|b| {
                let mut doc = extract_module_doc(b.source);
                if !b.options.is_empty() {
                    insert_options_doc(&mut doc, &options_doc(b.name, b.options));
                }
                RuleMeta::new(b.code, b.name, b.family, b.severity, b.status, doc)
            })
            .collect();
        metas.sort_by(|a, b| a.code.cmp(&b.code));
        let builtin = BUILTINS
            .iter()
            .filter_map(|b| b.rule.map(|r| (b.code, r)))
            .collect();
        Self {
            metas,
            builtin,
            externals: Vec::new(),
        }
    }

    /// Every rule, sorted by code.
    pub fn rules(&self) -> impl Iterator<Item = &RuleMeta> {
        self.metas.iter()
    }

    /// The rule with this code or kebab-case name.
    #[must_use]
    pub fn get(&self, code_or_name: &str) -> Option<&RuleMeta> {
        match self
            .metas
            .binary_search_by(|m| m.code.as_str().cmp(code_or_name))
        {
            Ok(i) => self.metas.get(i),
            Err(_) => self.metas.iter().find(|m| m.name == code_or_name),
        }
    }

    /// Registers a set of external rules.
    ///
    /// # Errors
    /// The prefix is invalid, reserved or overlaps another plugin's; a code
    /// does not carry the prefix or is declared twice; a name is not
    /// kebab-case or is taken. Nothing is registered on error.
    pub fn add_external(&mut self, rules: Box<dyn ExternalRules>) -> Result<(), RegistryError> {
        let plugin = rules.name();
        let prefix = rules.prefix();
        let invalid_prefix = |reason: &str| RegistryError::InvalidPrefix {
            plugin: plugin.clone(),
            prefix: prefix.clone(),
            reason: reason.to_owned(),
        };
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(invalid_prefix(
                "expected one or more upper-case ASCII letters",
            ));
        }
        if prefix.starts_with(RESERVED_PREFIXES) {
            return Err(invalid_prefix(
                "codes starting with F, G, A, K, D or L are reserved for built-in rules",
            ));
        }
        for other in &self.externals {
            if other.prefix.starts_with(&prefix) || prefix.starts_with(&other.prefix) {
                return Err(RegistryError::PrefixCollision {
                    plugin: plugin.clone(),
                    prefix: prefix.clone(),
                    other: other.prefix.clone(),
                    other_plugin: other.name.clone(),
                });
            }
        }
        let metas = rules.metas();
        let mut seen_codes: Vec<&str> = Vec::new();
        let mut seen_names: Vec<&str> = Vec::new();
        for meta in &metas {
            let digits = meta.code.strip_prefix(prefix.as_str()).unwrap_or("");
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(RegistryError::InvalidCode {
                    plugin,
                    code: meta.code.clone(),
                    reason: format!("expected `{prefix}` followed by digits"),
                });
            }
            if seen_codes.contains(&meta.code.as_str()) {
                return Err(RegistryError::InvalidCode {
                    plugin,
                    code: meta.code.clone(),
                    reason: "declared twice".to_owned(),
                });
            }
            seen_codes.push(&meta.code);
            if !is_kebab_case(&meta.name) {
                return Err(RegistryError::InvalidName {
                    plugin,
                    name: meta.name.clone(),
                    reason: "expected kebab-case (a-z, 0-9 and single dashes)".to_owned(),
                });
            }
            if seen_names.contains(&meta.name.as_str())
                || self.metas.iter().any(|m| m.name == meta.name)
            {
                return Err(RegistryError::InvalidName {
                    plugin,
                    name: meta.name.clone(),
                    reason: "already taken".to_owned(),
                });
            }
            seen_names.push(&meta.name);
        }
        self.metas.extend(metas);
        self.metas.sort_by(|a, b| a.code.cmp(&b.code));
        self.externals.push(ExternalEntry {
            rules,
            name: plugin,
            prefix,
        });
        Ok(())
    }

    /// The options a built-in rule declares (by code or kebab-case name);
    /// empty for a rule without options and for plugin rules, whose
    /// options are their `[plugins.<name>]` table.
    #[must_use]
    pub fn options(&self, code_or_name: &str) -> &'static [&'static OptionDecl] {
        let Some(meta) = self.get(code_or_name) else {
            return &[];
        };
        BUILTINS
            .iter()
            .find(|b| b.code == meta.code)
            .map_or(&[], |b| b.options)
    }

    /// Names of the registered external rule sets, in registration order.
    pub fn external_names(&self) -> impl Iterator<Item = &str> {
        self.externals.iter().map(|e| e.name.as_str())
    }
}

/// Puts the documentation of a rule's options into the `## Options`
/// section of its document (a new section at the end when there is none),
/// after the text the rule's file writes there.
fn insert_options_doc(doc: &mut String, options: &str) {
    let range = section_range(doc, "Options").unwrap_or_else(|| {
        if !doc.is_empty() && !doc.ends_with('\n') {
            doc.push('\n');
        }
        doc.push_str("\n## Options\n");
        doc.len()..doc.len()
    });
    let prose = doc.get(range.clone()).unwrap_or("").trim();
    let mut text = String::new();
    if !prose.is_empty() {
        text.push_str(prose);
        text.push_str("\n\n");
    }
    text.push_str(options);
    if range.end < doc.len() {
        text.push('\n');
    }
    doc.replace_range(range, &text);
}

/// Whether `name` is kebab-case: lower-case letters and digits in words
/// joined by single dashes.
#[must_use]
pub fn is_kebab_case(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}
