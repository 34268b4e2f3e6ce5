//! Matching the label names of a configuration to a dataset's classes.
//!
//! Datasets spell one class many ways (`Body`, `Hand_Left`, `Right-Front`
//! for the preset's `body`, `hand_left`, `right-front`): a name matches a
//! class when both are equal ignoring case and treating `_`, `-` and space
//! alike ([`normalise_name`]); an exact match wins over such a match. A
//! name that matches two classes resolves to neither, and a name that
//! matches none but comes close to one that no other name uses (a likely
//! misspelling) is reported
//! with the closest classes: `config-name-mismatch` (D008) turns these
//! [`NameProblem`]s into findings. A name that matches nothing and comes
//! close to nothing is a class this dataset does not have (a preset names
//! more classes than most datasets use) and is not reported, unless no
//! name of the configuration matches any class at all.

use std::collections::HashMap;

use labelkit_model::{LabelId, LabelSet};

/// Label names longer than this are compared on their first this many
/// characters when looking for a close name (bounds the work on hostile
/// files).
const COMPARED_CHARS: usize = 64;

/// The most edits between a name and a class still called close.
const MAX_CLOSE_EDITS: usize = 3;

/// The key two spellings of one class share: lower case, with `_`, `-`
/// and space read as one character (`_`), surrounding space trimmed.
#[must_use]
pub fn normalise_name(name: &str) -> String {
    name.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == '-' || c == ' ' { '_' } else { c })
        .collect()
}

/// A configuration name that did not resolve to exactly one class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    /// The name matches no class, but these (closest first, at most 3)
    /// come close.
    NoMatch {
        /// The configuration's name.
        name: String,
        /// The closest class names of the dataset.
        closest: Vec<String>,
    },
    /// The name matches several classes, none exactly.
    Ambiguous {
        /// The configuration's name.
        name: String,
        /// The classes it matches, in declaration order.
        matches: Vec<String>,
    },
    /// No name of the configuration matches any of the dataset's classes.
    NothingMatches {
        /// How many names the configuration has.
        names: usize,
        /// A few of the dataset's classes, in declaration order.
        classes: Vec<String>,
    },
}

/// Resolves configuration names against one dataset's classes, recording
/// each name that does not resolve once.
pub(crate) struct Resolver<'d> {
    labels: &'d LabelSet,
    exact: HashMap<&'d str, LabelId>,
    normal: HashMap<String, Vec<LabelId>>,
    seen: HashMap<String, Option<LabelId>>,
    /// Names that matched nothing, in the order first looked up.
    unmatched: Vec<String>,
    problems: Vec<NameProblem>,
}

impl<'d> Resolver<'d> {
    pub(crate) fn new(labels: &'d LabelSet) -> Self {
        let mut exact = HashMap::new();
        let mut normal: HashMap<String, Vec<LabelId>> = HashMap::new();
        for (i, l) in labels.labels.iter().enumerate() {
            if l.parent.is_some() {
                continue; // skeleton elements are not classes
            }
            let Ok(i) = u32::try_from(i) else { break };
            exact.entry(l.name.as_str()).or_insert(LabelId(i));
            let ids = normal.entry(normalise_name(&l.name)).or_default();
            if !ids.iter().any(|&id| labels.name(id) == l.name) {
                ids.push(LabelId(i));
            }
        }
        Self {
            labels,
            exact,
            normal,
            seen: HashMap::new(),
            unmatched: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// The class `name` stands for.
    pub(crate) fn resolve(&mut self, name: &str) -> Option<LabelId> {
        if let Some(&id) = self.exact.get(name) {
            self.seen.insert(name.to_owned(), Some(id));
            return Some(id);
        }
        if let Some(&known) = self.seen.get(name) {
            return known;
        }
        let found = match self.normal.get(&normalise_name(name)).map(Vec::as_slice) {
            Some(&[id]) => Some(id),
            Some(ids) if ids.len() > 1 => {
                self.problems.push(NameProblem::Ambiguous {
                    name: name.to_owned(),
                    matches: ids
                        .iter()
                        .map(|&id| self.labels.name(id).to_owned())
                        .collect(),
                });
                None
            }
            _ => {
                self.unmatched.push(name.to_owned());
                None
            }
        };
        self.seen.insert(name.to_owned(), found);
        found
    }

    /// Whether `name` matches several classes and so stands for none.
    pub(crate) fn is_ambiguous(&self, name: &str) -> bool {
        !self.exact.contains_key(name)
            && self
                .normal
                .get(&normalise_name(name))
                .is_some_and(|ids| ids.len() > 1)
    }

    /// The problems found, with [`NameProblem::NothingMatches`] when
    /// names were looked up, the dataset has classes and none matched.
    pub(crate) fn finish(mut self) -> Vec<NameProblem> {
        // A class another name resolved to is that name's, not a
        // misspelling of this one (`female` is not `Male`).
        let used: Vec<LabelId> = self.seen.values().flatten().copied().collect();
        for name in std::mem::take(&mut self.unmatched) {
            let closest = self.closest(&name, &used);
            if !closest.is_empty() {
                self.problems.push(NameProblem::NoMatch { name, closest });
            }
        }
        let names = self.seen.len();
        if names > 0 && !self.exact.is_empty() && self.seen.values().all(Option::is_none) {
            let classes = self
                .labels
                .labels
                .iter()
                .filter(|l| l.parent.is_none())
                .take(5)
                .map(|l| l.name.clone())
                .collect();
            self.problems
                .push(NameProblem::NothingMatches { names, classes });
        }
        self.problems
    }

    /// The dataset's class names within a few edits of `name` (after
    /// normalising both: one edit per four characters, at least one, at
    /// most [`MAX_CLOSE_EDITS`]), not among `used`, closest first, at most
    /// 3.
    fn closest(&self, name: &str, used: &[LabelId]) -> Vec<String> {
        let key: Vec<char> = normalise_name(name).chars().take(COMPARED_CHARS).collect();
        let limit = (key.len() / 4).clamp(1, MAX_CLOSE_EDITS);
        let mut near: Vec<(usize, LabelId)> = Vec::new();
        let mut row = Vec::new();
        for (normal, ids) in &self.normal {
            let other: Vec<char> = normal.chars().take(COMPARED_CHARS).collect();
            if let Some(d) = edits_within(&key, &other, limit, &mut row) {
                near.extend(
                    ids.iter()
                        .filter(|id| !used.contains(id))
                        .map(|&id| (d, id)),
                );
            }
        }
        near.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| self.labels.name(a.1).cmp(self.labels.name(b.1)))
        });
        near.into_iter()
            .take(3)
            .map(|(_, id)| self.labels.name(id).to_owned())
            .collect()
    }
}

/// The edit distance between `a` and `b` when it is at most `limit`.
fn edits_within(a: &[char], b: &[char], limit: usize, row: &mut Vec<usize>) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    row.clear();
    row.extend(0..=b.len());
    for (i, &ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        let mut best = row[0];
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            let value = (diagonal + usize::from(ca != cb))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
            row[j + 1] = value;
            best = best.min(value);
        }
        if best > limit {
            return None;
        }
    }
    row.last().copied().filter(|&d| d <= limit)
}

/// Where a label name of the configuration first stands in its TOML text:
/// as a key or a string value of the tables that name labels (`[schema]`,
/// `[keypoints]`), earliest first. `None` when the text does not parse or
/// does not hold the name.
pub(crate) fn config_name_span(text: &str, name: &str) -> Option<labelkit_diagnostics::ByteSpan> {
    use toml::de::{DeTable, DeValue};
    fn walk(
        value: &DeValue<'_>,
        span: std::ops::Range<usize>,
        name: &str,
        best: &mut Option<std::ops::Range<usize>>,
    ) {
        fn keep(best: &mut Option<std::ops::Range<usize>>, s: std::ops::Range<usize>) {
            if best.as_ref().is_none_or(|b| s.start < b.start) {
                *best = Some(s);
            }
        }
        match value {
            DeValue::String(s) if s.as_ref() == name => keep(best, span),
            DeValue::Array(items) => {
                for item in items {
                    walk(item.get_ref(), item.span(), name, best);
                }
            }
            DeValue::Table(table) => {
                for (key, value) in table {
                    if key.get_ref().as_ref() == name {
                        keep(best, key.span());
                    }
                    walk(value.get_ref(), value.span(), name, best);
                }
            }
            _ => {}
        }
    }
    let root = DeTable::parse(text).ok()?;
    let mut best = None;
    for (key, value) in root.get_ref() {
        if matches!(key.get_ref().as_ref(), "schema" | "keypoints") {
            walk(value.get_ref(), value.span(), name, &mut best);
        }
    }
    best.map(|r| labelkit_diagnostics::ByteSpan::new(r.start, r.end))
}

#[cfg(test)]
mod tests {
    use labelkit_model::Label;

    use super::*;

    fn set(names: &[&str]) -> LabelSet {
        let mut s = LabelSet::default();
        for n in names {
            s.push(Label::new(*n));
        }
        s
    }

    #[test]
    fn spellings_of_one_class_match() {
        assert_eq!(normalise_name(" Hand-Left"), "hand_left");
        assert_eq!(normalise_name("RIGHT front"), "right_front");
        let labels = set(&["Body", "Hand_Left", "Right-Front"]);
        let mut r = Resolver::new(&labels);
        assert_eq!(r.resolve("body"), Some(LabelId(0)));
        assert_eq!(r.resolve("hand_left"), Some(LabelId(1)));
        assert_eq!(r.resolve("right-front"), Some(LabelId(2)));
        assert_eq!(r.resolve("knee"), None);
        assert!(r.finish().is_empty());
    }

    #[test]
    fn two_matches_or_a_near_miss_are_problems() {
        let labels = set(&["hand_left", "Hand-Left", "eyes", "nose"]);
        let mut r = Resolver::new(&labels);
        // An exact match wins over spellings.
        assert_eq!(r.resolve("hand_left"), Some(LabelId(0)));
        assert_eq!(r.resolve("HAND LEFT"), None);
        assert_eq!(r.resolve("eye"), None);
        assert_eq!(r.resolve("eye"), None);
        assert_eq!(
            r.finish(),
            [
                NameProblem::Ambiguous {
                    name: "HAND LEFT".into(),
                    matches: vec!["hand_left".into(), "Hand-Left".into()],
                },
                NameProblem::NoMatch {
                    name: "eye".into(),
                    closest: vec!["eyes".into()],
                },
            ]
        );
    }

    #[test]
    fn a_class_another_name_uses_is_not_a_near_miss() {
        let labels = set(&["Male", "Eyes"]);
        let mut r = Resolver::new(&labels);
        assert_eq!(r.resolve("female"), None);
        assert_eq!(r.resolve("male"), Some(LabelId(0)));
        assert_eq!(r.resolve("eye"), None);
        assert_eq!(
            r.finish(),
            [NameProblem::NoMatch {
                name: "eye".into(),
                closest: vec!["Eyes".into()],
            }]
        );
    }

    #[test]
    fn nothing_matching_is_a_problem() {
        let labels = set(&["person", "car"]);
        let mut r = Resolver::new(&labels);
        assert_eq!(r.resolve("body"), None);
        assert_eq!(r.resolve("hand"), None);
        assert_eq!(
            r.finish(),
            [NameProblem::NothingMatches {
                names: 2,
                classes: vec!["person".into(), "car".into()],
            }]
        );
    }

    #[test]
    fn edit_distance() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        let mut row = Vec::new();
        assert_eq!(edits_within(&c("eye"), &c("eyes"), 1, &mut row), Some(1));
        assert_eq!(
            edits_within(&c("kitten"), &c("sitting"), 3, &mut row),
            Some(3)
        );
        assert_eq!(edits_within(&c("kitten"), &c("sitting"), 2, &mut row), None);
        assert_eq!(edits_within(&c("abc"), &c("xyz"), 2, &mut row), None);
    }
}
