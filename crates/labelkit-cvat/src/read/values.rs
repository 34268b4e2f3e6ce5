//! Values: attribute values, numbers, flags and points strings.

use std::borrow::Cow;

use labelkit_diagnostics::ReadIssue;
use labelkit_model::{AttributeValue, Attributes, GroupId, InputType, LabelId, Point};

use super::Reader;
use crate::xml::int_value;

impl Reader<'_> {
    pub(super) fn typed(&self, label: LabelId, raw: &mut Vec<(String, String)>) -> Attributes {
        if raw.is_empty() {
            return Attributes::new();
        }
        let types = self.b.attribute_types.get(&label);
        let spec_of = |name: &str| types.and_then(|t| t.get(name)).copied();
        Attributes(
            raw.drain(..)
                .map(|(n, v)| {
                    let value = match spec_of(&n) {
                        t @ Some(InputType::Checkbox | InputType::Number) => {
                            AttributeValue::parse_as(&v, t)
                        }
                        _ => AttributeValue::Text(v),
                    };
                    (labelkit_model::intern(&n), value)
                })
                .collect(),
        )
    }

    pub(super) fn flag(&mut self, v: &str, what: &str, start: usize, end: usize) -> bool {
        match v.trim() {
            "1" | "true" | "True" => true,
            "0" | "false" | "False" | "" => false,
            _ => {
                self.x.issue(
                    ReadIssue::MalformedValue,
                    start,
                    end,
                    format!("`{what}` is `{v}`, expected 0 or 1: read as 0"),
                );
                false
            }
        }
    }

    /// An `i32` attribute (`z_order`) of the tag at `[start, end)`;
    /// reported at its value and read as 0 when it is no integer or out of
    /// range.
    pub(super) fn int(&mut self, v: &str, what: &str, start: usize, end: usize) -> i32 {
        match int_value::<i32>(v, i32::MIN, i32::MAX) {
            Ok(n) => n,
            Err(e) => {
                let (from, to) = self.x.attr_value_span(start, end, what.as_bytes());
                self.x.issue(
                    ReadIssue::MalformedValue,
                    from,
                    to,
                    format!("`{what}` `{v}` {e}: read as 0"),
                );
                0
            }
        }
    }

    pub(super) fn group(&mut self, v: &str, start: usize, end: usize) -> Option<GroupId> {
        match int_value::<u64>(v, 0, u64::MAX) {
            Ok(0) => None,
            Ok(n) => Some(GroupId(n)),
            Err(e) => {
                let (from, to) = self.x.attr_value_span(start, end, b"group_id");
                self.x.issue(
                    ReadIssue::MalformedValue,
                    from,
                    to,
                    format!("`group_id` `{v}` {e}: ignored"),
                );
                None
            }
        }
    }

    pub(super) fn number(
        &mut self,
        v: Option<&str>,
        what: &str,
        start: usize,
        end: usize,
    ) -> Option<f64> {
        let Some(v) = v else {
            self.x.skip(
                ReadIssue::MalformedValue,
                start,
                end,
                format!("the shape has no `{what}`: skipped"),
            );
            return None;
        };
        if let Some(n) = parse_plain_decimal(v.as_bytes()) {
            return Some(n);
        }
        match v.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Some(n),
            Ok(_) => {
                self.x.skip(
                    ReadIssue::NonFinite,
                    start,
                    end,
                    format!("`{what}` is `{v}`: the shape is skipped"),
                );
                None
            }
            Err(_) => {
                self.x.skip(
                    ReadIssue::MalformedValue,
                    start,
                    end,
                    format!("`{what}` is `{v}`, expected a number: the shape is skipped"),
                );
                None
            }
        }
    }

    pub(super) fn points(
        &mut self,
        v: Option<&str>,
        start: usize,
        end: usize,
    ) -> Option<Vec<Point>> {
        let Some(v) = v else {
            self.x.skip(
                ReadIssue::MalformedValue,
                start,
                end,
                "the shape has no `points`: skipped",
            );
            return None;
        };
        match parse_points(v) {
            Ok(p) => Some(p),
            Err((kind, msg)) => {
                self.x.skip(
                    kind,
                    start,
                    end,
                    format!(
                        "malformed points `{}`: {msg}; the shape is skipped",
                        shorten(v)
                    ),
                );
                None
            }
        }
    }
}

/// One XML attribute, owned or borrowed from the input.
pub(super) trait AttrPair {
    fn key(&self) -> &[u8];
    fn value(&self) -> &str;
}

impl AttrPair for (&[u8], Cow<'_, str>) {
    fn key(&self) -> &[u8] {
        self.0
    }
    fn value(&self) -> &str {
        &self.1
    }
}

pub(super) fn find_in<'v, P: AttrPair>(attrs: &'v [P], name: &str) -> Option<&'v str> {
    attrs
        .iter()
        .find(|p| crate::xml::key_is(p.key(), name.as_bytes()))
        .map(AttrPair::value)
}

/// Parses `x0,y0;x1,y1;...`; an error carries its kind (a value that is
/// no number, or one that is not finite) and what was wrong.
pub(crate) fn parse_points(text: &str) -> Result<Vec<Point>, (ReadIssue, String)> {
    let malformed = |m: String| (ReadIssue::MalformedValue, m);
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(text.len() / 12 + 1);
    for pair in text.split(';') {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let Some((x, y)) = pair.split_once(',') else {
            return Err(malformed(format!(
                "`{}` is not an `x,y` pair",
                shorten(pair)
            )));
        };
        let parse = |t: &str| match parse_plain_decimal(t.as_bytes()) {
            Some(v) => Ok(v),
            None => t.trim().parse::<f64>(),
        };
        let (Ok(x), Ok(y)) = (parse(x), parse(y)) else {
            return Err(malformed(format!(
                "`{}` is not a pair of numbers",
                shorten(pair)
            )));
        };
        if !x.is_finite() || !y.is_finite() {
            return Err((
                ReadIssue::NonFinite,
                format!("`{}` is not finite", shorten(pair)),
            ));
        }
        out.push(Point::new(x, y));
    }
    Ok(out)
}

/// Exact powers of ten.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Parses a plain decimal of at most 15 digits (`12.25`, `-3`, `0.5`) to
/// the very value `str::parse` gives; `None` for anything else (exponents,
/// whitespace, signs other than `-`, more digits), left to `str::parse`.
///
/// The digits make an integer below 2^53 and the power of ten is exact, so
/// the one division rounds correctly.
pub(crate) fn parse_plain_decimal(s: &[u8]) -> Option<f64> {
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let mut mantissa = 0u64;
    let mut count = 0usize;
    let mut decimals = 0usize;
    let mut dot = false;
    for &b in digits {
        if b.is_ascii_digit() {
            mantissa = mantissa * 10 + u64::from(b - b'0');
            count += 1;
            decimals += usize::from(dot);
            if count > 15 {
                return None;
            }
        } else if b == b'.' && !dot {
            dot = true;
        } else {
            return None;
        }
    }
    if count == 0 {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let value = mantissa as f64 / *POW10.get(decimals)?;
    Some(if negative { -value } else { value })
}

/// At most 40 characters of `s`, for messages.
pub(super) fn shorten(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_owned()
    } else {
        let head: String = s.chars().take(40).collect();
        format!("{head}...")
    }
}
