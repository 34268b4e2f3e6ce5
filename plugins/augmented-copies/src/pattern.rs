//! File-name patterns with `{placeholder}`s.

use std::fmt;

/// A piece of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Literal text.
    Text(String),
    /// A `{name}` placeholder.
    Hole(String),
}

/// A file-name pattern: literal text with `{placeholder}`s. `{n}` matches one
/// or more ASCII digits, `{ext}` non-empty text without `.` or `/`, any other
/// `{word}` non-empty text. A placeholder used twice must match the same text
/// both times. `{{` and `}}` stand for literal braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pieces: Vec<Piece>,
}

/// The pattern as written (literal braces doubled).
impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => f.write_str(&t.replace('{', "{{").replace('}', "}}"))?,
                Piece::Hole(name) => write!(f, "{{{name}}}")?,
            }
        }
        Ok(())
    }
}

/// Why a pattern could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pattern: String,
    message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid pattern `{}`: {}", self.pattern, self.message)
    }
}

impl std::error::Error for PatternError {}

/// What a placeholder captured.
pub type Captures<'t> = Vec<(&'t str, &'t str)>;

impl Pattern {
    /// Reads a pattern.
    ///
    /// # Errors
    /// An unclosed or empty placeholder, a lone `}`, or two placeholders in a
    /// row (their boundary would be ambiguous).
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        let err = |message: &str| PatternError {
            pattern: text.to_owned(),
            message: message.to_owned(),
        };
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => return Err(err("`}` without `{` (write `}}` for a literal brace)")),
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) if c.is_ascii_alphanumeric() || c == '_' => name.push(c),
                            Some(c) => return Err(err(&format!("`{c}` in a placeholder name"))),
                            None => return Err(err("unclosed `{`")),
                        }
                    }
                    if name.is_empty() {
                        return Err(err("empty placeholder `{}`"));
                    }
                    if literal.is_empty() && matches!(pieces.last(), Some(Piece::Hole(_))) {
                        return Err(err("two placeholders in a row"));
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Hole(name));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Self { pieces })
    }

    /// The names of the placeholders, in order (repeats included).
    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Hole(name) => Some(name.as_str()),
            Piece::Text(_) => None,
        })
    }

    /// Matches the whole of `text`; returns what each placeholder captured.
    #[must_use]
    pub fn matches<'t>(&'t self, text: &'t str) -> Option<Captures<'t>> {
        let mut captures = Vec::new();
        match_here(&self.pieces, text, &mut captures).then_some(captures)
    }

    /// The text of this pattern filled from `captures` up to its first
    /// placeholder without a value: what every name it matches with those
    /// values starts with (`{name}_noise{n}.{ext}` with `name = a` gives
    /// `a_noise`).
    #[must_use]
    pub fn prefix(&self, captures: &[(&str, &str)]) -> String {
        self.build(captures, false)
    }

    /// Builds a file name, replacing placeholders with captured text
    /// (a placeholder without a capture is left as written).
    #[must_use]
    pub fn fill(&self, captures: &[(&str, &str)]) -> String {
        self.build(captures, true)
    }

    /// The pieces with captured values; at a placeholder without one,
    /// either writes it as written (`keep_missing`) or stops.
    fn build(&self, captures: &[(&str, &str)], keep_missing: bool) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Hole(name) => match captures.iter().find(|(n, _)| n == name) {
                    Some((_, value)) => out.push_str(value),
                    None if keep_missing => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                    None => break,
                },
            }
        }
        out
    }
}

/// Whether `c` may appear in what placeholder `name` matches.
fn allowed(name: &str, c: char) -> bool {
    match name {
        "n" => c.is_ascii_digit(),
        "ext" => c != '.' && c != '/',
        _ => true,
    }
}

fn match_here<'t>(pieces: &'t [Piece], text: &'t str, captures: &mut Captures<'t>) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return text.is_empty();
    };
    match first {
        Piece::Text(t) => text
            .strip_prefix(t.as_str())
            .is_some_and(|tail| match_here(rest, tail, captures)),
        Piece::Hole(name) => {
            if let Some(&(_, seen)) = captures.iter().find(|(n, _)| n == name) {
                return text
                    .strip_prefix(seen)
                    .is_some_and(|tail| match_here(rest, tail, captures));
            }
            for (i, c) in text.char_indices() {
                if !allowed(name, c) {
                    break;
                }
                let end = i + c.len_utf8();
                captures.push((name.as_str(), &text[..end]));
                if match_here(rest, &text[end..], captures) {
                    return true;
                }
                captures.pop();
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_pattern_matches_and_fills() {
        let p = Pattern::parse("{name}_noise{n}.{ext}").unwrap();
        let caps = p.matches("images/street_noise12.jpg").unwrap();
        assert_eq!(
            caps,
            [("name", "images/street"), ("n", "12"), ("ext", "jpg")]
        );
        let original = Pattern::parse("{name}.{ext}").unwrap();
        assert_eq!(original.fill(&caps), "images/street.jpg");
        assert_eq!(p.matches("street.jpg"), None);
        assert_eq!(p.matches("street_noiseX.jpg"), None);
        assert_eq!(p.matches("street_noise1.tar.gz"), None);
    }

    #[test]
    fn name_backtracks_to_the_last_suffix() {
        let p = Pattern::parse("{name}_noise{n}.{ext}").unwrap();
        let caps = p.matches("a_noise1_noise2.png").unwrap();
        assert_eq!(caps, [("name", "a_noise1"), ("n", "2"), ("ext", "png")]);
    }

    #[test]
    fn repeated_placeholder_must_agree() {
        let p = Pattern::parse("{name}/{name}_copy.jpg").unwrap();
        assert!(p.matches("x/x_copy.jpg").is_some());
        assert!(p.matches("x/y_copy.jpg").is_none());
    }

    #[test]
    fn bad_patterns_are_explained() {
        assert_eq!(
            Pattern::parse("{name").unwrap_err().to_string(),
            "invalid pattern `{name`: unclosed `{`"
        );
        assert_eq!(
            Pattern::parse("{name}{n}").unwrap_err().to_string(),
            "invalid pattern `{name}{n}`: two placeholders in a row"
        );
        assert_eq!(
            Pattern::parse("a}b").unwrap_err().to_string(),
            "invalid pattern `a}b`: `}` without `{` (write `}}` for a literal brace)"
        );
        assert_eq!(
            Pattern::parse("{{x}}").unwrap().matches("{x}"),
            Some(vec![])
        );
    }

    #[test]
    fn prefix_stops_at_the_first_unknown_placeholder_and_display_round_trips() {
        let p = Pattern::parse("{name}_noise{n}.{ext}").unwrap();
        assert_eq!(
            p.prefix(&[("name", "images/a"), ("ext", "png")]),
            "images/a_noise"
        );
        assert_eq!(p.prefix(&[]), "");
        assert_eq!(p.to_string(), "{name}_noise{n}.{ext}");
        let braces = Pattern::parse("{{x}}_{name}").unwrap();
        assert_eq!(Pattern::parse(&braces.to_string()).unwrap(), braces);
    }
}
