//! Which rules run, where, and at which severity.
//!
//! Codes are selected by prefix, as in ruff: `select` (default: every stable
//! rule, also written `ALL`), `extend-select` adds prefixes, `ignore`
//! removes them. When a code matches both a selected and an ignored prefix,
//! the longer prefix wins; on a tie the code is ignored. A preview rule runs
//! only when selected by its full code; a removed rule never runs.
//!
//! Per-file ignores map a glob to prefixes. The glob is matched against the
//! path of the file a finding points into, relative to the folder of
//! `labelkit.toml` when the path lies below it: `*` matches within one path
//! component, `**` across components, `?` one character. A glob without `/`
//! is matched against the file name alone.
//!
//! Severity overrides map a prefix to a severity; the longest matching
//! prefix wins.

use std::path::{Path, PathBuf};

use labelkit_diagnostics::Severity;

use crate::config::Config;
use crate::meta::{RuleMeta, RuleStatus};

/// Selection changes given on the command line; they apply over the
/// configuration: `select` replaces it, the others add to it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SelectionOverrides {
    /// Replaces the configuration's `select`.
    pub select: Option<Vec<String>>,
    /// Added to `extend-select`.
    pub extend_select: Vec<String>,
    /// Added to `ignore`.
    pub ignore: Vec<String>,
    /// Severity overrides, winning over the configuration's for the same
    /// prefix.
    pub severity: Vec<(String, Severity)>,
}

/// The resolved selection of a check.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    select: Vec<String>,
    ignore: Vec<String>,
    per_file_ignores: Vec<(FileGlob, Vec<String>)>,
    severity: Vec<(String, Severity)>,
    root: Option<PathBuf>,
}

impl Default for Selection {
    fn default() -> Self {
        Self::all()
    }
}

/// Length of `prefix` when it selects `code` (`ALL` counts 0).
fn match_len(prefix: &str, code: &str) -> Option<usize> {
    if prefix == "ALL" {
        Some(0)
    } else if !prefix.is_empty() && code.starts_with(prefix) {
        Some(prefix.len())
    } else {
        None
    }
}

impl Selection {
    /// Every stable rule, no ignores, default severities.
    #[must_use]
    pub fn all() -> Self {
        Self {
            select: vec!["ALL".to_owned()],
            ignore: Vec::new(),
            per_file_ignores: Vec::new(),
            severity: Vec::new(),
            root: None,
        }
    }

    /// The selection of a configuration.
    #[must_use]
    pub fn from_config(config: &Config) -> Self {
        Self::with_overrides(config, &SelectionOverrides::default())
    }

    /// The selection of a configuration with command-line overrides.
    #[must_use]
    pub fn with_overrides(config: &Config, overrides: &SelectionOverrides) -> Self {
        let mut select = overrides
            .select
            .clone()
            .or_else(|| config.select.clone())
            .unwrap_or_else(|| vec!["ALL".to_owned()]);
        select.extend(config.extend_select.iter().cloned());
        select.extend(overrides.extend_select.iter().cloned());
        let mut ignore = config.ignore.clone();
        ignore.extend(overrides.ignore.iter().cloned());
        let mut severity = config.severity.clone();
        for (prefix, s) in &overrides.severity {
            severity.retain(|(p, _)| p != prefix);
            severity.push((prefix.clone(), *s));
        }
        Self {
            select,
            ignore,
            per_file_ignores: config
                .per_file_ignores
                .iter()
                .map(|(glob, prefixes)| (FileGlob::new(glob), prefixes.clone()))
                .collect(),
            severity,
            root: config.root().map(Path::to_path_buf),
        }
    }

    /// Whether the code is selected at all.
    #[must_use]
    pub fn is_enabled(&self, meta: &RuleMeta) -> bool {
        let code = meta.code.as_str();
        match meta.status {
            RuleStatus::Removed => return false,
            RuleStatus::Preview => return self.select.iter().any(|s| s == code),
            RuleStatus::Stable | RuleStatus::Deprecated => {}
        }
        let best = |list: &[String]| list.iter().filter_map(|p| match_len(p, code)).max();
        match (best(&self.select), best(&self.ignore)) {
            (Some(s), Some(i)) => s > i,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// Whether a per-file ignore turns `code` off in `path`.
    #[must_use]
    pub fn is_ignored_in(&self, code: &str, path: &Path) -> bool {
        if self.per_file_ignores.is_empty() {
            return false;
        }
        let relative = self
            .root
            .as_deref()
            .and_then(|root| {
                let absolute = std::path::absolute(path).ok()?;
                let root = std::path::absolute(root).ok()?;
                absolute.strip_prefix(root).ok().map(Path::to_path_buf)
            })
            .unwrap_or_else(|| path.to_path_buf());
        let text = relative.to_string_lossy().replace('\\', "/");
        let text = text.trim_start_matches("./");
        let file_name = text.rsplit('/').next().unwrap_or(text);
        self.per_file_ignores.iter().any(|(glob, prefixes)| {
            let subject = if glob.has_slash { text } else { file_name };
            glob.matcher.as_ref().is_some_and(|m| m.is_match(subject))
                && prefixes.iter().any(|p| match_len(p, code).is_some())
        })
    }

    /// The severity of a finding of `meta` whose own severity is `own`
    /// (the rule's default, or what a plugin finding asked for).
    #[must_use]
    pub fn severity_of(&self, code: &str, own: Severity) -> Severity {
        self.severity
            .iter()
            .filter_map(|(p, s)| match_len(p, code).map(|len| (len, *s)))
            .max_by_key(|&(len, _)| len)
            .map_or(own, |(_, s)| s)
    }
}

/// A per-file-ignore glob, compiled.
#[derive(Debug, Clone)]
struct FileGlob {
    /// As written in the configuration.
    text: String,
    /// Whether it names folders (then it is matched against the whole
    /// relative path, else against the file name alone).
    has_slash: bool,
    matcher: Option<globset::GlobMatcher>,
}

impl PartialEq for FileGlob {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl FileGlob {
    fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            has_slash: text.contains('/'),
            matcher: compile_glob(text.trim_start_matches("./")),
        }
    }
}

/// Compiles a glob of labelkit's syntax (`*` within one path component,
/// `**` across components, `?` one character other than `/`, every other
/// character literal) into a `globset` matcher, which runs in time linear
/// in the path whatever the pattern.
///
/// `globset` knows more syntax than that and reads `**` differently where
/// it is not a whole path component (`a**`, `**.json`: a plain `*` there),
/// so the glob is rewritten into the part of `globset`'s syntax that means
/// the same everywhere: `[`, `]`, `{` and `}` are made literal, a backslash
/// stays a literal character (`backslash_escape(false)`), `*` and `?` stop
/// at `/` (`literal_separator(true)`), `**/` becomes "nothing, or any text
/// ending with `/`" and any other `**` "any text", both
/// as alternations of `*` and `/**/` (with `empty_alternates(true)`).
fn compile_glob(glob: &str) -> Option<globset::GlobMatcher> {
    let mut pattern = String::with_capacity(glob.len() + 8);
    let bytes = glob.as_bytes();
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'*' if bytes.get(i + 1) == Some(&b'*') => {
                if bytes.get(i + 2) == Some(&b'/') {
                    // `**/`: nothing, or any text that ends with `/`.
                    pattern.push_str("{,*/,*/**/*/}");
                    i += 3;
                } else {
                    // `**`: any text, `/` included.
                    pattern.push_str("{*,*/**/*}");
                    i += 2;
                }
                continue;
            }
            b'*' => pattern.push('*'),
            b'[' | b']' | b'{' | b'}' => {
                pattern.push('[');
                pattern.push(char::from(c));
                pattern.push(']');
            }
            _ => {
                // Copy the whole UTF-8 character.
                let len = glob[i..].chars().next().map_or(1, char::len_utf8);
                pattern.push_str(&glob[i..i + len]);
                i += len;
                continue;
            }
        }
        i += 1;
    }
    // The rewriting leaves only `*`, `**`, `?`, bracketed single
    // characters and the any-text alternation, all valid; should `globset`
    // refuse the pattern anyway, it matches nothing rather than everything.
    globset::GlobBuilder::new(&pattern)
        .literal_separator(true)
        .backslash_escape(false)
        .empty_alternates(true)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

/// Matches a glob (`*`, `**`, `?`) against a `/`-separated path, in time
/// linear in the path.
#[must_use]
pub fn glob_match(glob: &[u8], text: &[u8]) -> bool {
    compile_glob(&String::from_utf8_lossy(glob))
        .is_some_and(|m| m.is_match(String::from_utf8_lossy(text).as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(code: &str, status: RuleStatus) -> RuleMeta {
        RuleMeta::new(code, "x", "f", Severity::Error, status, "")
    }

    #[test]
    fn longest_prefix_wins_and_ties_ignore() {
        let config = Config::from_toml_str(
            "select = [\"G\", \"A001\"]\nignore = [\"G00\", \"A\"]\nextend-select = [\"G004\"]\n",
            "labelkit.toml",
        )
        .unwrap();
        let s = Selection::from_config(&config);
        assert!(!s.is_enabled(&meta("G001", RuleStatus::Stable)));
        assert!(s.is_enabled(&meta("G004", RuleStatus::Stable)));
        assert!(s.is_enabled(&meta("G010", RuleStatus::Stable)));
        assert!(s.is_enabled(&meta("A001", RuleStatus::Stable)));
        assert!(!s.is_enabled(&meta("A002", RuleStatus::Stable)));
        assert!(!s.is_enabled(&meta("K001", RuleStatus::Stable)));
        let all = Selection::all();
        assert!(all.is_enabled(&meta("K001", RuleStatus::Stable)));
        assert!(!all.is_enabled(&meta("K001", RuleStatus::Preview)));
        assert!(!all.is_enabled(&meta("K001", RuleStatus::Removed)));
    }

    #[test]
    fn cli_overrides_and_severity() {
        let config = Config::from_toml_str(
            "select = [\"G\"]\n[severity]\nG = \"warning\"\nG001 = \"info\"\n",
            "labelkit.toml",
        )
        .unwrap();
        let overrides = SelectionOverrides {
            select: Some(vec!["K".to_owned()]),
            ignore: vec!["K002".to_owned()],
            severity: vec![("G001".to_owned(), Severity::Error)],
            ..SelectionOverrides::default()
        };
        let s = Selection::with_overrides(&config, &overrides);
        assert!(!s.is_enabled(&meta("G001", RuleStatus::Stable)));
        assert!(s.is_enabled(&meta("K001", RuleStatus::Stable)));
        assert!(!s.is_enabled(&meta("K002", RuleStatus::Stable)));
        assert_eq!(s.severity_of("G001", Severity::Warning), Severity::Error);
        assert_eq!(s.severity_of("G002", Severity::Error), Severity::Warning);
        assert_eq!(s.severity_of("K001", Severity::Info), Severity::Info);
    }

    #[test]
    fn globs() {
        assert!(glob_match(b"*.json", b"a.json"));
        assert!(!glob_match(b"*.json", b"x/a.json"));
        assert!(glob_match(b"val/**", b"val/a/b.txt"));
        assert!(glob_match(b"**/labels/*.txt", b"labels/a.txt"));
        assert!(glob_match(b"**/labels/*.txt", b"x/y/labels/a.txt"));
        assert!(!glob_match(b"**/labels/*.txt", b"x/labels/a/b.txt"));
        assert!(glob_match(b"a?c", b"abc"));
        let config = Config::from_toml_str(
            "[per-file-ignores]\n\"val/**\" = [\"A\"]\n\"*.xml\" = [\"G001\"]\n",
            "/data/set/labelkit.toml",
        )
        .unwrap();
        let s = Selection::from_config(&config);
        assert!(s.is_ignored_in("A005", Path::new("/data/set/val/x/ann.json")));
        assert!(!s.is_ignored_in("A005", Path::new("/data/set/train/ann.json")));
        assert!(s.is_ignored_in("G001", Path::new("/data/set/train/ann.xml")));
        assert!(!s.is_ignored_in("G002", Path::new("/data/set/train/ann.xml")));
    }

    /// The backtracking matcher the globs used before `globset`, kept as
    /// the reference of the documented syntax on small inputs.
    fn reference_match(glob: &[u8], text: &[u8]) -> bool {
        match glob.split_first() {
            None => text.is_empty(),
            Some((b'*', rest)) if rest.first() == Some(&b'*') => {
                let mut rest = &rest[1..];
                if rest.first() == Some(&b'/') {
                    if reference_match(&rest[1..], text) {
                        return true;
                    }
                    rest = &rest[1..];
                    return (0..text.len())
                        .any(|i| text[i] == b'/' && reference_match(rest, &text[i + 1..]));
                }
                (0..=text.len()).any(|i| reference_match(rest, &text[i..]))
            }
            Some((b'*', rest)) => {
                for i in 0..=text.len() {
                    if reference_match(rest, &text[i..]) {
                        return true;
                    }
                    if text.get(i) == Some(&b'/') {
                        break;
                    }
                }
                false
            }
            Some((b'?', rest)) => {
                matches!(text.split_first(), Some((c, t)) if *c != b'/' && reference_match(rest, t))
            }
            Some((c, rest)) => {
                matches!(text.split_first(), Some((t0, t)) if t0 == c && reference_match(rest, t))
            }
        }
    }

    /// Every word of `alphabet` up to `max` characters long.
    fn words(alphabet: &[u8], max: usize) -> Vec<Vec<u8>> {
        let mut all = vec![Vec::new()];
        let mut last = vec![Vec::new()];
        for _ in 0..max {
            let next: Vec<Vec<u8>> = last
                .iter()
                .flat_map(|w| {
                    alphabet.iter().map(move |&c| {
                        let mut w = w.clone();
                        w.push(c);
                        w
                    })
                })
                .collect();
            all.extend(next.iter().cloned());
            last = next;
        }
        all
    }

    /// `globset`, configured and fed the rewritten glob, agrees with the
    /// documented syntax on every glob of `*`, `?`, `/`, `a` and a literal
    /// `[`/`{` up to 5 characters against every path of `a`, `b`, `/`, `[`
    /// up to 4.
    #[test]
    fn globset_keeps_the_documented_syntax() {
        let globs = words(b"*?/a[", 5);
        let texts = words(b"ab/[", 4);
        let mut compared = 0;
        for glob in globs
            .iter()
            .chain([b"{a,b}".to_vec(), b"a\\*".to_vec()].iter())
        {
            let matcher = compile_glob(std::str::from_utf8(glob).unwrap()).unwrap();
            for text in &texts {
                assert_eq!(
                    matcher.is_match(std::str::from_utf8(text).unwrap()),
                    reference_match(glob, text),
                    "glob {:?} on {:?}",
                    String::from_utf8_lossy(glob),
                    String::from_utf8_lossy(text)
                );
                compared += 1;
            }
        }
        assert_eq!(compared, (3906 + 2) * 341);
    }

    /// A glob that sends a backtracking matcher into exponential time
    /// (every `*` retried at every position of a long path that almost
    /// matches) is answered like any other.
    #[test]
    fn crafted_glob_on_a_long_path() {
        let glob = format!("{}b", "*a".repeat(40));
        let config = Config::from_toml_str(
            &format!("[per-file-ignores]\n\"{glob}\" = [\"A\"]\n\"x/{glob}\" = [\"G\"]\n"),
            "/data/set/labelkit.toml",
        )
        .unwrap();
        let s = Selection::from_config(&config);
        let long = "a".repeat(200);
        assert!(!s.is_ignored_in("A005", Path::new(&format!("/data/set/{long}"))));
        assert!(!s.is_ignored_in("G001", Path::new(&format!("/data/set/x/{long}"))));
        assert!(s.is_ignored_in("A005", Path::new(&format!("/data/set/y/{long}b"))));
        assert!(s.is_ignored_in("G001", Path::new(&format!("/data/set/x/{long}b"))));
        assert!(!glob_match(glob.as_bytes(), long.as_bytes()));
    }
}
