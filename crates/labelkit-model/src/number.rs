//! The precision policy writers follow when printing coordinates.

use std::fmt::Write as _;

/// How a writer prints a floating-point number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Precision {
    /// The shortest decimal that reads back to the same `f64`, so that
    /// model -> file -> model is exact. The default.
    #[default]
    Shortest,
    /// A fixed number of decimals (CVAT writes 2).
    Decimals(u8),
    /// A number of significant digits, like C's `%g` (Ultralytics writes 6).
    Significant(u8),
}

impl Precision {
    /// Appends `value` to `out` according to the policy. Integral values are
    /// printed without a fractional part under [`Precision::Shortest`] and
    /// [`Precision::Significant`]; negative zero prints as `0`.
    pub fn write(self, out: &mut String, value: f64) {
        let value = if value == 0.0 { 0.0 } else { value };
        // Writing to a String cannot fail.
        let _ = match self {
            Self::Shortest => write!(out, "{value}"),
            Self::Decimals(d) => write!(out, "{value:.prec$}", prec = usize::from(d)),
            Self::Significant(digits) => {
                write_significant(out, value, digits);
                Ok(())
            }
        };
    }

    /// `value` formatted by the policy.
    #[must_use]
    pub fn format(self, value: f64) -> String {
        let mut s = String::new();
        self.write(&mut s, value);
        s
    }

    /// Parses a policy as given on the command line: `shortest`, `decimals:N`
    /// or `significant:N` (also `Nd` / `Ng`).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text == "shortest" {
            return Some(Self::Shortest);
        }
        if let Some(n) = text
            .strip_prefix("decimals:")
            .or_else(|| text.strip_suffix('d'))
        {
            return n.parse().ok().map(Self::Decimals);
        }
        if let Some(n) = text
            .strip_prefix("significant:")
            .or_else(|| text.strip_suffix('g'))
        {
            return n
                .parse()
                .ok()
                .filter(|&n: &u8| n > 0)
                .map(Self::Significant);
        }
        None
    }
}

/// `%.{digits}g` without the exponent form for the magnitudes labels have;
/// trailing zeros are removed as `%g` does.
fn write_significant(out: &mut String, value: f64, digits: u8) {
    if !value.is_finite() {
        let _ = write!(out, "{value}");
        return;
    }
    let digits = i32::from(digits.max(1));
    if value == 0.0 {
        out.push('0');
        return;
    }
    #[allow(clippy::cast_possible_truncation)]
    let exponent = value.abs().log10().floor() as i32;
    if exponent < -4 || exponent >= digits {
        let formatted = format!("{value:.prec$e}", prec = (digits - 1) as usize);
        // Rust prints `1.5e-5`; trim trailing zeros of the mantissa.
        if let Some((mantissa, exp)) = formatted.split_once('e') {
            let mantissa = trim_zeros(mantissa);
            let _ = write!(out, "{mantissa}e{exp}");
        } else {
            out.push_str(&formatted);
        }
        return;
    }
    let decimals = usize::try_from((digits - 1 - exponent).max(0)).unwrap_or(0);
    let formatted = format!("{value:.decimals$}");
    // Rounding may add a digit (9.9999995 -> 10.00000); %g would then print
    // one decimal fewer, which trimming zeros reproduces.
    out.push_str(trim_zeros(&formatted));
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_reads_back_exactly() {
        for v in [0.1, 1.0 / 3.0, 0.000_75, 123_456.789, 1e-9] {
            let s = Precision::Shortest.format(v);
            assert_eq!(s.parse::<f64>().unwrap(), v, "{s}");
        }
        assert_eq!(Precision::Shortest.format(3.0), "3");
        assert_eq!(Precision::Shortest.format(-0.0), "0");
    }

    #[test]
    fn decimals_and_significant_match_printf() {
        assert_eq!(Precision::Decimals(2).format(10.0), "10.00");
        assert_eq!(Precision::Decimals(2).format(1.005_1), "1.01");
        assert_eq!(Precision::Significant(6).format(0.000_75), "0.00075");
        assert_eq!(Precision::Significant(6).format(0.123_456_78), "0.123457");
        assert_eq!(Precision::Significant(6).format(0.5), "0.5");
        assert_eq!(Precision::Significant(6).format(1.0), "1");
        assert_eq!(Precision::Significant(6).format(0.000_012_345), "1.2345e-5");
        assert_eq!(Precision::parse("6g"), Some(Precision::Significant(6)));
        assert_eq!(Precision::parse("decimals:2"), Some(Precision::Decimals(2)));
    }
}
