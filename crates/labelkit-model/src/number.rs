//! The precision policy writers follow when printing coordinates.

use std::fmt::Write as _;

/// The relative distance within which [`Precision::Clean`] takes a shorter
/// decimal for a value whose shortest round-trip form shows the noise of
/// `f64` arithmetic: 1e-9, far below any annotation's precision (a
/// coordinate of 1e6 px is still exact to 1e-3 px), and far above that
/// noise (about 1e-16 per operation), so `38.08 + 174.71` prints `212.79`.
/// The comparison is made 1e-6 tighter than 1e-9 itself, more than its own
/// rounding error, so that two decimals of up to 9 significant digits (at
/// least 1e-9 apart relatively: 9.99999999 is 1.000000001e-9 from 10) are
/// never taken for one another.
pub const CLEAN_TOLERANCE: f64 = 1e-9;

/// How a writer prints a floating-point number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Precision {
    /// A value read from text and not changed is written with the digits it
    /// was read with, a computed one without the noise of `f64` arithmetic:
    /// `212.79`, not `212.79000000000002` (the shortest decimal within
    /// [`CLEAN_TOLERANCE`], relative; see [`clean`]). The default.
    #[default]
    Clean,
    /// The shortest decimal that reads back to the same `f64`, so that
    /// model -> file -> model is exact.
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
            Self::Clean => write!(out, "{}", clean(value)),
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

    /// Parses a policy as given on the command line: `clean`, `shortest`,
    /// `decimals:N` or `significant:N` (also `Nd` / `Ng`).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text == "shortest" {
            return Some(Self::Shortest);
        }
        if text == "clean" {
            return Some(Self::Clean);
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

/// The value [`Precision::Clean`] prints (in its shortest round-trip form).
///
/// The noise of `f64` arithmetic sits in the 16th and 17th significant
/// digits (`38.08 + 174.71` is `212.79000000000002`), so a value whose
/// shortest round-trip form has more than [`CLEAN_KEPT_DIGITS`] significant
/// digits is replaced by the shortest decimal within [`CLEAN_TOLERANCE`]
/// (relative) of it.
///
/// Noise also survives a trip through text written with fewer digits: a
/// pixel value written to YOLO as a fraction of the image (cleaned to
/// 1e-9) and scaled back gives `56.8499999994` or `2415.819999` for `56.85`
/// and `2415.82`. So a shorter form is replaced too when a decimal within
/// the tolerance has at most [`NOISE_MAX_DIGITS`] digits and at least
/// [`NOISE_GAP`] fewer than the form. A value read from text and not changed
/// keeps the digits it was read with (`216.266666667` stays: the nearest
/// decimal within 1e-9 has 10 digits, only 2 fewer). Values that are not
/// finite, and zero, come back unchanged.
///
/// A bare `f64` does not tell where it came from, so a value read with 16
/// or more significant digits (usually itself noise from another tool, such
/// as `35681.934150000016`) is shortened too, and so, rarely, is a read
/// value that lies within 1e-9 (relative) of a decimal of at most 9 digits
/// and 4 fewer: by chance, about one 14- or 15-digit value in ten, one
/// 10-digit value in a thousand, a change of at most 1e-9 of the value.
#[must_use]
pub fn clean(value: f64) -> f64 {
    if !value.is_finite() || value == 0.0 {
        return value;
    }
    clean_with_digits(value, significant_digits(value))
}

/// [`clean`] of a finite, non-zero, non-integral `value` whose shortest
/// round-trip form has `digits` significant digits, for a writer that
/// has formatted it already (and then prints those digits when the value
/// comes back unchanged, rather than formatting it again).
#[must_use]
pub fn clean_with_digits(value: f64, digits: usize) -> f64 {
    if !value.is_finite() || value == 0.0 {
        return value;
    }
    let limit = CLEAN_TOLERANCE * (1.0 - 1e-6) * value.abs();
    if digits > CLEAN_KEPT_DIGITS {
        return shortest_decimal_within(value, limit);
    }
    let most = digits.saturating_sub(NOISE_GAP).min(NOISE_MAX_DIGITS);
    if most == 0 {
        return value;
    }
    let shorter = shortest_decimal_within(value, limit);
    if digit_count(shorter) <= most {
        shorter
    } else {
        value
    }
}

/// How many digits shorter than a value's own form (of at most
/// [`CLEAN_KEPT_DIGITS`] digits) the decimal within [`CLEAN_TOLERANCE`]
/// must be for [`clean`] to take it: the form then ends in a run of 9s or
/// 0s the tolerance absorbs (`56.8499999994`: 12 digits, `56.85`: 4).
pub const NOISE_GAP: usize = 5;

/// The most digits the decimal [`clean`] takes for a value of at most
/// [`CLEAN_KEPT_DIGITS`] digits may have: 9, the digits 1e-9 resolves.
pub const NOISE_MAX_DIGITS: usize = 9;

/// The decimal of fewest significant digits within `limit` (absolute) of
/// `value`, as the `f64` nearest it; `value` itself when none of up to
/// [`CLEAN_KEPT_DIGITS`] digits is, and for values that are not finite or
/// zero. [`clean`] is this with a limit relative to the value; a value
/// computed from data of a known precision is this with the error that
/// precision allows (a rotation computed from corners written with 6
/// decimals: `30.00001157` is `30`).
#[must_use]
pub fn shortest_decimal_within(value: f64, limit: f64) -> f64 {
    if !value.is_finite() || value == 0.0 || limit.is_nan() || limit < 0.0 {
        return value;
    }
    if value.abs() <= limit {
        return 0.0;
    }
    // The nearest decimal of d significant digits, for d from 1 up: an
    // integer (below 10^15, so exact in f64) scaled by an exact power of
    // ten, which makes the result the f64 nearest that decimal. The first
    // within the tolerance is the shortest; 15 digits always are (within
    // 5e-15). Magnitudes whose scale has no exact power of ten fall back to
    // formatting.
    let Some(exponent) = decimal_exponent(value.abs()) else {
        return clean_by_formatting(value, limit);
    };
    for digits in 1..=CLEAN_KEPT_DIGITS as i32 {
        let shift = digits - 1 - exponent;
        let rounded = match usize::try_from(shift.unsigned_abs())
            .ok()
            .and_then(|k| POWERS.get(k))
        {
            Some(&p) if shift >= 0 => (value * p).round() / p,
            Some(&p) => (value / p).round() * p,
            None => return clean_by_formatting(value, limit),
        };
        if (rounded - value).abs() <= limit {
            return rounded;
        }
    }
    value
}

/// The exact powers of ten of `f64`, 10^0 to 10^22.
const POWERS: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `floor(log10(x))` for a finite positive `x`, corrected at the edges
/// where `log10` rounds, or `None` beyond the exact powers of ten.
fn decimal_exponent(x: f64) -> Option<i32> {
    #[allow(clippy::cast_possible_truncation)]
    let mut e = x.log10().floor() as i32;
    let power = |e: i32| -> Option<f64> {
        let p = POWERS.get(usize::try_from(e.unsigned_abs()).ok()?)?;
        Some(if e >= 0 { *p } else { 1.0 / p })
    };
    if x >= power(e + 1)? {
        e += 1;
    } else if x < power(e)? {
        e -= 1;
    }
    Some(e)
}

/// [`clean`] by formatting with fewer digits and parsing back, for
/// magnitudes beyond the exact powers of ten.
fn clean_by_formatting(value: f64, limit: f64) -> f64 {
    let mut text = String::with_capacity(32);
    let mut rounded = |digits: usize| {
        text.clear();
        let _ = write!(text, "{value:.prec$e}", prec = digits - 1);
        text.parse::<f64>()
            .ok()
            .filter(|r| (r - value).abs() <= limit)
    };
    // The nearest decimal of d + 1 digits is at least as near as that of d
    // digits (which is one of them), so the digits that fit form a range
    // ending at 15 (always within 5e-15): search it by halves.
    let (mut lo, mut hi) = (1, CLEAN_KEPT_DIGITS);
    let mut best = rounded(hi).unwrap_or(value);
    while lo < hi {
        let mid = usize::midpoint(lo, hi);
        if let Some(r) = rounded(mid) {
            best = r;
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    best
}

/// The longest shortest-round-trip form [`clean`] keeps as it is: 15
/// significant digits, the most that every decimal keeps through `f64`.
pub const CLEAN_KEPT_DIGITS: usize = 15;

/// The number of significant digits of the shortest round-trip decimal of a
/// finite, non-zero `value`.
///
/// Writers call this for every number they print, so it formats once, with
/// zmij's shortest round-trip formatter, and integral values below 10^15
/// (at most 15 digits) are answered without formatting at all.
fn significant_digits(value: f64) -> usize {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        return 1;
    }
    let mut buffer = zmij::Buffer::new();
    let text = buffer.format_finite(value);
    let mantissa = text.split(['e', 'E']).next().unwrap_or_default();
    // Leading zeros (`0.00123`) and the zeros an integral value is padded
    // with (`1000.0`) are not significant.
    let digits = mantissa.bytes().filter(u8::is_ascii_digit);
    let first = digits.clone().position(|d| d != b'0');
    let trailing = digits.clone().rev().position(|d| d != b'0');
    match (first, trailing) {
        (Some(first), Some(trailing)) => digits.count() - first - trailing,
        _ => 1,
    }
}

/// The number of significant digits of the shortest round-trip decimal of
/// a finite, non-zero `value`, integral values included (`17460194640`:
/// 10), where [`significant_digits`] answers 1 for every integral value
/// below 10^15 (all of which it keeps).
fn digit_count(value: f64) -> usize {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        #[allow(clippy::cast_possible_truncation)]
        let mut n = value.abs() as u64;
        while n >= 10 && n.is_multiple_of(10) {
            n /= 10;
        }
        return n.checked_ilog10().map_or(1, |d| d as usize + 1);
    }
    significant_digits(value)
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
    use super::shortest_decimal_within;

    #[test]
    fn shortest_decimal_within_an_absolute_limit() {
        assert_eq!(shortest_decimal_within(30.000_011_57, 1e-3), 30.0);
        assert_eq!(shortest_decimal_within(30.000_011_57, 1e-6), 30.000_012);
        assert_eq!(shortest_decimal_within(119.9996, 1e-3), 120.0);
        assert_eq!(shortest_decimal_within(0.000_4, 1e-3), 0.0);
        assert_eq!(shortest_decimal_within(-12.345, 0.01), -12.35);
        assert_eq!(shortest_decimal_within(1.234_567, 0.0), 1.234_567);
        assert!(shortest_decimal_within(f64::NAN, 1.0).is_nan());
        assert_eq!(shortest_decimal_within(2.5, f64::NAN), 2.5);
    }
    use super::*;

    /// Noise that survived a trip through text with fewer digits is
    /// removed; values of up to 13 digits that are not noise keep theirs.
    #[test]
    fn clean_removes_noise_printed_with_fewer_digits() {
        assert_eq!(clean(56.849_999_999_4).to_string(), "56.85");
        assert_eq!(clean(0.088_828_125_000_01).to_string(), "0.088828125");
        assert_eq!(clean(119.999_999_999_8).to_string(), "120");
        // Read values that are not noise.
        for kept in [
            216.266_666_667,
            0.123_456_789_123_4,
            29.999_999_9,
            1.000_05,
            12.345_678,
        ] {
            assert_eq!(clean(kept).to_bits(), kept.to_bits(), "{kept}");
        }
    }

    #[test]
    fn shortest_reads_back_exactly() {
        for v in [0.1, 1.0 / 3.0, 0.000_75, 123_456.789, 1e-9] {
            let s = Precision::Shortest.format(v);
            assert_eq!(s.parse::<f64>().unwrap(), v, "{s}");
        }
        assert_eq!(Precision::Shortest.format(3.0), "3");
        assert_eq!(Precision::Shortest.format(-0.0), "0");
    }

    /// A small deterministic generator (splitmix64).
    fn generator(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
    }

    #[test]
    fn clean_drops_float_noise_and_keeps_read_digits() {
        let clean = |v: f64| Precision::Clean.format(v);
        assert_eq!(clean(38.08 + 174.71), "212.79");
        assert_eq!(clean(212.79 - 38.08), "174.71");
        assert_eq!(clean(0.1 + 0.2), "0.3");
        assert_eq!(clean(0.609_593_749_999_999_9), "0.60959375");
        assert_eq!(clean(1.0 / 3.0), "0.3333333333");
        assert_eq!(clean(30.000_011_567_576_13), "30.00001157");
        // Read with up to 15 significant digits: kept as read.
        assert_eq!(clean(216.266_666_667), "216.266666667");
        assert_eq!(clean(123_456.789_012), "123456.789012");
        // ... unless a decimal of at most 9 digits, 4 fewer, lies within
        // 1e-9 (relative): such a form is noise printed with fewer digits
        // than f64 holds, and a read value of 14 or 15 digits that happens
        // to be that close is shortened too.
        assert_eq!(clean(123_456.789_012_345), "123456.789");
        assert_eq!(clean(133.550_000_016), "133.55");
        assert_eq!(clean(9.999_999_99), "9.99999999");
        assert_eq!(clean(1e-7), "0.0000001");
        assert_eq!(clean(3.0), "3");
        assert_eq!(clean(-0.0), "0");
        assert_eq!(clean(-(38.08 + 174.71)), "-212.79");
        assert!(clean_is_identity_for(f64::INFINITY));
        assert_eq!(Precision::default(), Precision::Clean);
        assert_eq!(Precision::parse("clean"), Some(Precision::Clean));
        assert_eq!(Precision::parse("shortest"), Some(Precision::Shortest));
        assert_eq!(
            Precision::Shortest.format(38.08 + 174.71),
            "212.79000000000002"
        );
    }

    fn clean_is_identity_for(v: f64) -> bool {
        clean(v).to_bits() == v.to_bits()
    }

    #[test]
    fn clean_is_within_1e_9_of_any_value() {
        let mut next = generator(0x1234_5678_9abc_def0);
        for _ in 0..100_000 {
            let v = f64::from_bits(next());
            if !v.is_finite() {
                continue;
            }
            let text = Precision::Clean.format(v);
            let back: f64 = text.parse().unwrap();
            assert!(
                (back - v).abs() <= CLEAN_TOLERANCE * v.abs(),
                "{v:e} -> {text}"
            );
            // And the text is the shortest round-trip form of `clean`.
            assert_eq!(back, clean(v), "{v:e}");
            // Sums and quotients of two-decimal coordinates.
            #[allow(clippy::cast_precision_loss)]
            let (a, b) = (
                (next() % 400_000) as f64 / 100.0,
                (next() % 400_000) as f64 / 100.0,
            );
            for w in [a + b, a - b, a / 640.0, a * 1.5] {
                let text = Precision::Clean.format(w);
                let back: f64 = text.parse().unwrap();
                assert!(
                    (back - w).abs() <= CLEAN_TOLERANCE * w.abs(),
                    "{w:e} -> {text}"
                );
                assert!(
                    text.trim_start_matches(['-', '0', '.']).len() <= 16,
                    "{w:e} -> {text}"
                );
            }
            assert_eq!(
                Precision::Clean.format(a + b),
                Precision::Decimals(2)
                    .format(a + b)
                    .trim_end_matches('0')
                    .trim_end_matches('.')
            );
        }
    }

    #[test]
    fn decimals_of_up_to_15_digits_print_as_read() {
        let mut next = generator(0x0fed_cba9_8765_4321);
        let mut shortened = 0;
        for _ in 0..100_000 {
            let digits = 1 + next() % 15;
            let mantissa = next() % 10u64.pow(u32::try_from(digits).unwrap());
            #[allow(clippy::cast_possible_wrap)]
            let exponent = (next() % 16) as i32 - 10;
            let text = format!("{mantissa}e{exponent}");
            let v: f64 = text.parse().unwrap();
            // The canonical form of the decimal is its shortest round trip,
            // unless a decimal of at most 9 digits and 4 fewer lies within
            // the tolerance (noise printed with fewer digits than f64 holds
            // looks so; see `clean`).
            let canonical = Precision::Shortest.format(v);
            let printed = Precision::Clean.format(v);
            if printed != canonical {
                let p: f64 = printed.parse().unwrap();
                let digits = |t: &str| {
                    let m = t.split('e').next().unwrap_or_default();
                    m.trim_start_matches(['-', '0', '.'])
                        .trim_end_matches(['0', '.'])
                        .bytes()
                        .filter(u8::is_ascii_digit)
                        .count()
                };
                assert!(
                    (p - v).abs() <= CLEAN_TOLERANCE * v.abs(),
                    "{text} -> {printed}"
                );
                assert!(digits(&printed) <= NOISE_MAX_DIGITS, "{text} -> {printed}");
                assert!(
                    digits(&printed) + NOISE_GAP <= digits(&canonical),
                    "{text} -> {printed}"
                );
                shortened += 1;
            }
            assert_eq!(
                Precision::Clean.format(-v),
                if printed == "0" {
                    printed.clone()
                } else {
                    format!("-{printed}")
                },
                "{text}"
            );
        }
        // Values are this close to a short decimal by chance in a small
        // share of the draws (mostly those of 14 and 15 digits).
        assert!(shortened < 10_000, "{shortened}");
        // At the edge of 9 digits, 1e-9 apart: neither is taken for the other.
        for text in ["9.99999999", "99999999.9", "0.999999999", "1.00000001"] {
            let v: f64 = text.parse().unwrap();
            assert_eq!(Precision::Clean.format(v), text);
        }
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
