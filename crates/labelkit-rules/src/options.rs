//! Rule options, declared by each rule next to itself (as ruff does).
//!
//! A rule file declares each of its options as a `static` [`OptionDecl`]
//! (its name as `labelkit.toml` writes it under `[rules.<rule-name>]`, its
//! type and default, a one-line doc) and lists them in its `OPTIONS`; the
//! table of built-in rules collects them. Reading the configuration checks
//! each `[rules.<rule-name>]` table against the declarations (an unknown
//! rule or option, or a value of the wrong type, is an error at its place
//! in the file), [`RuleOptions`] holds the value of every declared option,
//! and the documentation of a rule (`labelkit rule CODE`,
//! `docs/rules.md`) lists its options from the declarations.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::sync::LazyLock;

use serde::de::{DeserializeSeed, Error as _, MapAccess, Visitor};
use serde::Deserializer;

use crate::rules::BUILTINS;

/// The type of an option's value, as `labelkit.toml` writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OptionType {
    /// A number (an integer is taken as a number).
    Number,
    /// A whole number, zero or more.
    Count,
    /// A list of strings.
    Strings,
}

impl OptionType {
    /// `number`, `integer` or `list of strings`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Number => "number",
            Self::Count => "integer",
            Self::Strings => "list of strings",
        }
    }
}

/// The value of an option.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OptionValue {
    /// A number.
    Number(f64),
    /// A whole number.
    Count(u64),
    /// A list of strings.
    Strings(Vec<String>),
}

impl OptionValue {
    /// The type of the value.
    #[must_use]
    pub fn option_type(&self) -> OptionType {
        match self {
            Self::Number(_) => OptionType::Number,
            Self::Count(_) => OptionType::Count,
            Self::Strings(_) => OptionType::Strings,
        }
    }
}

/// The value as `labelkit.toml` writes it: `3.0`, `3000`, `["a", "b"]`.
impl fmt::Display for OptionValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(v) if v.fract() == 0.0 && v.abs() < 1e15 => write!(f, "{v:.1}"),
            Self::Number(v) => write!(f, "{v}"),
            Self::Count(v) => write!(f, "{v}"),
            Self::Strings(v) => {
                f.write_char('[')?;
                for (i, s) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{s:?}")?;
                }
                f.write_char(']')
            }
        }
    }
}

/// The default of an option.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum OptionDefault {
    /// A number.
    Number(f64),
    /// A whole number.
    Count(u64),
    /// A list of strings.
    Strings(&'static [&'static str]),
    /// The value of another rule's option, as configured (`template-box`'s
    /// sizes default to `box-too-small`'s minimum).
    SameAs(&'static OptionDecl),
}

/// One option of a rule, declared in the rule's file.
#[derive(Debug, PartialEq)]
pub struct OptionDecl {
    /// The name as written in `labelkit.toml`, kebab-case.
    pub name: &'static str,
    /// The default.
    pub default: OptionDefault,
    /// What it sets, in one line.
    pub doc: &'static str,
    /// Whether a `[rules.<rule-name>]` table must give it.
    pub required: bool,
}

impl OptionDecl {
    /// A number option.
    #[must_use]
    pub const fn number(name: &'static str, default: f64, doc: &'static str) -> Self {
        Self::new(name, OptionDefault::Number(default), doc)
    }

    /// A whole-number option.
    #[must_use]
    pub const fn count(name: &'static str, default: u64, doc: &'static str) -> Self {
        Self::new(name, OptionDefault::Count(default), doc)
    }

    /// A list-of-strings option.
    #[must_use]
    pub const fn strings(
        name: &'static str,
        default: &'static [&'static str],
        doc: &'static str,
    ) -> Self {
        Self::new(name, OptionDefault::Strings(default), doc)
    }

    /// An option of the type of `other` whose default is the value of
    /// `other`, as configured.
    #[must_use]
    pub const fn same_as(
        name: &'static str,
        other: &'static OptionDecl,
        doc: &'static str,
    ) -> Self {
        Self::new(name, OptionDefault::SameAs(other), doc)
    }

    const fn new(name: &'static str, default: OptionDefault, doc: &'static str) -> Self {
        Self {
            name,
            default,
            doc,
            required: false,
        }
    }

    /// The option, which a `[rules.<rule-name>]` table must give when it
    /// is written.
    #[must_use]
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// The type of its values.
    #[must_use]
    pub fn option_type(&self) -> OptionType {
        match self.default {
            OptionDefault::Number(_) => OptionType::Number,
            OptionDefault::Count(_) => OptionType::Count,
            OptionDefault::Strings(_) => OptionType::Strings,
            OptionDefault::SameAs(other) => other.option_type(),
        }
    }

    /// The default value; for [`OptionDefault::SameAs`], the other
    /// option's default.
    #[must_use]
    pub fn default_value(&self) -> OptionValue {
        match self.default {
            OptionDefault::Number(v) => OptionValue::Number(v),
            OptionDefault::Count(v) => OptionValue::Count(v),
            OptionDefault::Strings(v) => {
                OptionValue::Strings(v.iter().map(|&s| s.to_owned()).collect())
            }
            OptionDefault::SameAs(other) => other.default_value(),
        }
    }
}

/// The options of a built-in rule: its name and declarations.
fn declared() -> impl Iterator<Item = (&'static str, &'static [&'static OptionDecl])> {
    BUILTINS
        .iter()
        .filter(|b| !b.options.is_empty())
        .map(|b| (b.name, b.options))
}

/// The rule and option names of a declaration.
fn names_of(decl: &OptionDecl) -> Option<(&'static str, &'static str)> {
    declared().find_map(|(rule, options)| {
        options
            .iter()
            .find(|&&d| std::ptr::eq(d, decl))
            .map(|d| (rule, d.name))
    })
}

/// The value of every option of the built-in rules: as the configuration
/// sets it, else its default.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleOptions {
    /// (rule name, declaration, value), in the order of the rules' table
    /// and of each rule's declarations.
    values: Vec<(&'static str, &'static OptionDecl, OptionValue)>,
}

impl Default for RuleOptions {
    fn default() -> Self {
        Self::resolve(&[])
    }
}

impl RuleOptions {
    /// Every declared option: its value in `set` (by declaration), else its
    /// default, where an option that defaults to another takes the other's
    /// value.
    fn resolve(set: &[(&'static OptionDecl, OptionValue)]) -> Self {
        let given = |decl: &OptionDecl| {
            set.iter()
                .find(|(d, _)| std::ptr::eq(*d, decl))
                .map(|(_, v)| v.clone())
        };
        let mut values = Vec::new();
        for (rule, options) in declared() {
            for &decl in options {
                let mut chosen = decl;
                let value = loop {
                    if let Some(v) = given(chosen) {
                        break v;
                    }
                    match chosen.default {
                        OptionDefault::SameAs(other) => chosen = other,
                        _ => break chosen.default_value(),
                    }
                };
                values.push((rule, decl, value));
            }
        }
        Self { values }
    }

    /// The value of option `option` of rule `rule` (its kebab-case name),
    /// `None` when the rule declares no such option.
    #[must_use]
    pub fn get(&self, rule: &str, option: &str) -> Option<&OptionValue> {
        self.values
            .iter()
            .find(|(r, d, _)| *r == rule && d.name == option)
            .map(|(_, _, v)| v)
    }

    /// Every option with its value: rule name, option name, value.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &OptionValue)> {
        self.values.iter().map(|(r, d, v)| (*r, d.name, v))
    }

    /// The value of an option: as resolved, else (for a declaration of
    /// no built-in rule, which [`RuleOptions::resolve`] never leaves out)
    /// its default.
    fn value_of(&self, decl: &OptionDecl) -> Cow<'_, OptionValue> {
        self.values
            .iter()
            .find(|(_, d, _)| std::ptr::eq(*d, decl))
            .map_or_else(
                || Cow::Owned(decl.default_value()),
                |(_, _, v)| Cow::Borrowed(v),
            )
    }

    /// The value of a number option (0 if it is not one).
    #[must_use]
    pub(crate) fn number(&self, decl: &OptionDecl) -> f64 {
        match *self.value_of(decl) {
            OptionValue::Number(v) => v,
            _ => 0.0,
        }
    }

    /// The value of a whole-number option (0 if it is not one).
    #[must_use]
    pub(crate) fn count(&self, decl: &OptionDecl) -> u64 {
        match *self.value_of(decl) {
            OptionValue::Count(v) => v,
            _ => 0,
        }
    }

    /// The value of a list-of-strings option (empty if it is not one).
    #[must_use]
    pub(crate) fn strings(&self, decl: &OptionDecl) -> Cow<'_, [String]> {
        match self.value_of(decl) {
            Cow::Borrowed(OptionValue::Strings(v)) => Cow::Borrowed(v.as_slice()),
            Cow::Owned(OptionValue::Strings(v)) => Cow::Owned(v),
            _ => Cow::Borrowed(&[]),
        }
    }
}

/// The names of the rules that take options, in the rules' table order,
/// for errors that list them, and the names of each one's options.
static NAMES: LazyLock<(Vec<&'static str>, Vec<Vec<&'static str>>)> = LazyLock::new(|| {
    declared()
        .map(|(rule, options)| (rule, options.iter().map(|d| d.name).collect::<Vec<_>>()))
        .unzip()
});

/// Reads the `[rules]` table against the declarations, in the
/// configuration's own deserialisation, so that `toml` gives every error
/// (an unknown rule or option, a wrong type, a missing value) the place of
/// the entry.
#[derive(Default)]
pub(crate) struct RawRules(pub(crate) Vec<(&'static OptionDecl, OptionValue)>);

impl RawRules {
    /// The values of every option, those set here and the defaults.
    pub(crate) fn resolve(&self) -> RuleOptions {
        RuleOptions::resolve(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for RawRules {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RulesVisitor)
    }
}

struct RulesVisitor;

impl<'de> Visitor<'de> for RulesVisitor {
    type Value = RawRules;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of rule options by rule name")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRules, A::Error> {
        let mut set = Vec::new();
        let (rules, option_names) = &*NAMES;
        while let Some(i) = map.next_key_seed(Name(rules))? {
            let found = declared().zip(option_names).nth(i);
            let Some(((name, options), names)) = found else {
                return Err(A::Error::custom("a rule name out of the rules' table"));
            };
            map.next_value_seed(RuleSeed {
                rule: name,
                names: names.as_slice(),
                options,
                set: &mut set,
            })?;
        }
        Ok(RawRules(set))
    }
}

/// Reads a key that must be one of the names (its position among them),
/// so that an unknown key is an error at the key itself.
struct Name(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Name {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for Name {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|&n| n == key)
            .ok_or_else(|| E::unknown_field(key, self.0))
    }
}

/// Reads one `[rules.<rule-name>]` table.
struct RuleSeed<'s> {
    rule: &'static str,
    names: &'static [&'static str],
    options: &'static [&'static OptionDecl],
    set: &'s mut Vec<(&'static OptionDecl, OptionValue)>,
}

impl<'de> DeserializeSeed<'de> for RuleSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RuleSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a table of options of `{}`", self.rule)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: Vec<&'static str> = Vec::new();
        while let Some(i) = map.next_key_seed(Name(self.names))? {
            let Some(&decl) = self.options.get(i) else {
                return Err(A::Error::custom("an option out of the rule's declarations"));
            };
            let value = match decl.option_type() {
                OptionType::Number => OptionValue::Number(map.next_value()?),
                OptionType::Count => OptionValue::Count(map.next_value()?),
                OptionType::Strings => OptionValue::Strings(map.next_value()?),
            };
            seen.push(decl.name);
            self.set.push((decl, value));
        }
        if let Some(missing) = self
            .options
            .iter()
            .find(|d| d.required && !seen.contains(&d.name))
        {
            return Err(A::Error::missing_field(missing.name));
        }
        Ok(())
    }
}

/// The `Options` section of a rule's documentation, from its declarations:
/// a `labelkit.toml` example with the defaults, then a table of the
/// options.
#[must_use]
pub(crate) fn options_doc(rule: &str, options: &[&OptionDecl]) -> String {
    let mut out = format!("```toml\n[rules.{rule}]\n");
    for d in options {
        let _ = writeln!(out, "{} = {}", d.name, d.default_value());
    }
    out.push_str("```\n\n| option | type | default | what it sets |\n|---|---|---|---|\n");
    for d in options {
        let default = match d.default {
            OptionDefault::SameAs(other) => match names_of(other) {
                Some((r, o)) => format!("`{r}.{o}`"),
                None => format!("`{}`", d.default_value()),
            },
            _ => format!("`{}`", d.default_value()),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {default} | {} |",
            d.name,
            d.option_type().as_str(),
            d.doc
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::geometry::{box_too_small, template_box};
    use crate::{Config, Registry};

    /// Every option a rule declares has a value of its type, and the
    /// registry lists the declarations under the rule's code and name.
    #[test]
    fn every_declared_option_resolves_to_its_type() {
        let options = RuleOptions::default();
        let mut n = 0;
        for (rule, decls) in declared() {
            for decl in decls {
                let value = options.get(rule, decl.name).expect(decl.name);
                assert_eq!(
                    value.option_type(),
                    decl.option_type(),
                    "{rule}.{}",
                    decl.name
                );
                assert_eq!(*value, decl.default_value());
                n += 1;
            }
        }
        assert_eq!(n, options.iter().count());
        assert_eq!(n, 12);
        let registry = Registry::builtin();
        let names: Vec<&str> = registry.options("G001").iter().map(|d| d.name).collect();
        assert_eq!(names, ["min-width", "min-height"]);
        assert!(std::ptr::eq(
            registry.options("template-box")[0],
            &template_box::WIDTH
        ));
        assert!(registry.options("G003").is_empty());
        assert!(registry.options("F001").is_empty());
        assert!(registry.options("nope").is_empty());
    }

    /// `template-box`'s size defaults to `box-too-small`'s minimum as
    /// configured, and its own value wins.
    #[test]
    fn an_option_defaults_to_another_as_configured() {
        let read = |text: &str| Config::from_toml_str(text, "l.toml").unwrap().options;
        let o = read("");
        assert_eq!(o.number(&template_box::WIDTH), 3.0);
        let o = read("[rules.box-too-small]\nmin-width = 5\nmin-height = 6.5\n");
        assert_eq!(o.number(&box_too_small::MIN_WIDTH), 5.0);
        assert_eq!(o.number(&template_box::WIDTH), 5.0);
        assert_eq!(o.number(&template_box::HEIGHT), 6.5);
        let o = read("[rules.box-too-small]\nmin-width = 5\n[rules.template-box]\nwidth = 4\n");
        assert_eq!(o.number(&template_box::WIDTH), 4.0);
        assert_eq!(o.number(&template_box::HEIGHT), 3.0);
        assert_eq!(
            o.get("template-box", "width"),
            Some(&OptionValue::Number(4.0))
        );
    }

    /// The documentation of a rule's options, as `labelkit rule CODE` and
    /// `docs/rules.md` show it.
    #[test]
    fn options_are_documented_from_their_declarations() {
        assert_eq!(
            options_doc("template-box", template_box::OPTIONS),
            "```toml\n[rules.template-box]\nwidth = 3.0\nheight = 3.0\n```\n\n\
             | option | type | default | what it sets |\n|---|---|---|---|\n\
             | `width` | number | `box-too-small.min-width` | pixels: the width of a template box |\n\
             | `height` | number | `box-too-small.min-height` | pixels: the height of a template box |\n"
        );
        let still = Registry::builtin();
        let doc = &still.get("A005").unwrap().doc;
        assert!(doc.contains(
            "## Options\n```toml\n[rules.still-ambiguous]\nattributes = [\"ambiguous\"]\nmin-confidence = 0.5\n```\n"
        ));
        assert!(doc.contains(
            "| `min-confidence` | number | `0.5` | a shape with a lower score is flagged |\n"
        ));
        // A section after the options stays, one blank line below them.
        let a001 = &still.get("A001").unwrap().doc;
        assert!(a001.contains("| `iou` | number | `0.9` | the intersection over union at which two shapes are one object |\n\n## Limits\n"), "{a001}");
    }
}
