//! Fast number and string printing for the writer.
//!
//! [`Precision::Clean`] prints the [`Precision::Shortest`] form of the
//! value [`labelkit_model::clean_number`] gives.
//!
//! [`Precision::Shortest`] prints what `format!("{value}")` prints: the
//! shortest decimal that reads back to the same `f64`, never in exponent
//! form, integral values without a fractional part, `-0` as `0`. The digits
//! come from `zmij` (the shortest round-trip algorithm serde_json uses),
//! which is several times faster than `core::fmt`; they are laid out here in
//! `core::fmt`'s plain decimal form. When more than 15 digits are needed,
//! several decimals may read back to the value and the choice may differ,
//! so those values go through `core::fmt`. Other precisions go through
//! [`Precision::write`].

use labelkit_model::Precision;

/// Appends `s` as a JSON string: quotes, backslashes and control
/// characters escaped, everything else as it is.
pub(crate) fn write_json_string(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            buf.extend_from_slice(b"\\u00");
            buf.push(HEX[usize::from(b >> 4)]);
            buf.push(HEX[usize::from(b & 15)]);
        } else {
            buf.extend_from_slice(esc);
        }
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.push(b'"');
}

/// Appends the decimal digits of `v` (`itoa`).
pub(crate) fn write_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Appends `v` (signed, `itoa`).
pub(crate) fn write_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Appends a finite `v` printed by `precision`; `scratch` is reused for the
/// precisions that go through `core::fmt`.
pub(crate) fn write_f64(out: &mut Vec<u8>, v: f64, precision: Precision, scratch: &mut String) {
    if precision == Precision::Shortest {
        write_shortest(out, v);
    } else if precision == Precision::Clean {
        write_clean(out, v);
    } else {
        scratch.clear();
        precision.write(scratch, v);
        out.extend_from_slice(scratch.as_bytes());
    }
}

/// Appends a finite `v` as `format!("{v}")` would (with `-0` as `0`).
pub(crate) fn write_shortest(out: &mut Vec<u8>, v: f64) {
    if !write_integral(out, v) {
        Shortest::of(v).write(out, v);
    }
}

/// Appends a finite `v` as [`Precision::Clean`] prints it: the shortest
/// form of [`labelkit_model::clean_number`] of `v`. A value that comes back
/// unchanged (most do) is formatted once, its digits serving both.
pub(crate) fn write_clean(out: &mut Vec<u8>, v: f64) {
    if v.fract() == 0.0 || !v.is_finite() {
        write_shortest(out, labelkit_model::clean_number(v));
        return;
    }
    let shortest = Shortest::of(v);
    let clean = labelkit_model::clean_with_digits(v, shortest.digits().len());
    if clean.to_bits() == v.to_bits() {
        shortest.write(out, v);
    } else {
        write_shortest(out, clean);
    }
}

/// Integral values below 2^53 print as integers: `true` if `v` is one
/// (and was appended).
fn write_integral(out: &mut Vec<u8>, v: f64) -> bool {
    if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        #[allow(clippy::cast_possible_truncation)]
        let i = v as i64;
        write_i64(out, i);
        return true;
    }
    false
}

/// The shortest round-trip digits of a finite value, from zmij: its
/// significant digits (no leading or trailing zero) and where the decimal
/// point stands relative to the first of them.
struct Shortest {
    negative: bool,
    buf: [u8; 32],
    /// The digits are `buf[start..end]`.
    start: usize,
    end: usize,
    int_len: i32,
}

impl Shortest {
    /// Splits zmij's "[-]D[.DDD][e[+-]NN]" for a finite `v` into sign,
    /// significant digits, and the position of the decimal point.
    fn of(v: f64) -> Self {
        let mut buffer = zmij::Buffer::new();
        let text = buffer.format_finite(v).as_bytes();
        let (negative, text) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        let (mantissa, exponent) = match text.iter().position(|&b| b == b'e' || b == b'E') {
            Some(e) => {
                let exp = text.get(e + 1..).unwrap_or_default();
                let (sign, exp) = match exp.split_first() {
                    Some((b'-', rest)) => (-1, rest),
                    Some((b'+', rest)) => (1, rest),
                    _ => (1, exp),
                };
                let n = exp
                    .iter()
                    .fold(0i32, |n, &d| n * 10 + i32::from(d.wrapping_sub(b'0')));
                (text.get(..e).unwrap_or_default(), sign * n)
            }
            None => (text, 0),
        };
        let mut buf = [0u8; 32];
        let mut len = 0;
        let mut point = None;
        for &b in mantissa {
            if b == b'.' {
                point = Some(len);
            } else if let Some(slot) = buf.get_mut(len) {
                *slot = b;
                len += 1;
            }
        }
        let mut int_len = i32::try_from(point.unwrap_or(len)).unwrap_or(0) + exponent;
        // Drop leading and trailing zeros of the digits.
        let (mut start, mut end) = (0, len);
        while start < end && buf.get(start) == Some(&b'0') {
            start += 1;
            int_len -= 1;
        }
        while start < end && buf.get(end - 1) == Some(&b'0') {
            end -= 1;
        }
        Self {
            negative,
            buf,
            start,
            end,
            int_len,
        }
    }

    fn digits(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// Appends the value, `v`, in `core::fmt`'s plain decimal form.
    fn write(&self, out: &mut Vec<u8>, v: f64) {
        let digits = self.digits();
        if digits.is_empty() {
            out.push(b'0');
            return;
        }
        if digits.len() > 15 || v.abs() < f64::MIN_POSITIVE {
            // With 16 or 17 digits (or a subnormal) several decimals of the
            // same length may read back to `v`, and the two algorithms may
            // choose differently (on a tie): keep `core::fmt`'s choice. Up to
            // 15 digits the shortest decimal is unique.
            use std::io::Write as _;
            let _ = write!(out, "{v}");
            return;
        }
        if self.negative {
            out.push(b'-');
        }
        let int_len = self.int_len;
        let n = i32::try_from(digits.len()).unwrap_or(i32::MAX);
        if int_len <= 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(
                b'0',
                usize::try_from(-int_len).unwrap_or(0),
            ));
            out.extend_from_slice(digits);
        } else if int_len >= n {
            out.extend_from_slice(digits);
            out.extend(std::iter::repeat_n(
                b'0',
                usize::try_from(int_len - n).unwrap_or(0),
            ));
        } else {
            let (a, b) = digits.split_at(usize::try_from(int_len).unwrap_or(0));
            out.extend_from_slice(a);
            out.push(b'.');
            out.extend_from_slice(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shortest(v: f64) -> String {
        let mut out = Vec::new();
        write_shortest(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    /// A deterministic sequence of random bits from `seed`.
    fn random(seed: u64) -> impl FnMut() -> u64 {
        let mut rng = labelkit_testkit::Rng::new(seed);
        move || rng.next_u64()
    }

    fn expected(v: f64) -> String {
        let v = if v == 0.0 { 0.0 } else { v };
        format!("{v}")
    }

    #[test]
    fn shortest_matches_core_fmt() {
        let fixed = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.5,
            965.59,
            76.399_999_999_999_98,
            8_754.910_500_000_027,
            1e-7,
            -1.5e-7,
            1.234_5e-300,
            5e-324,
            1e15,
            1e16,
            1e21,
            1.5e22,
            123_456_789_012_345_680.0,
            f64::MAX,
            f64::MIN_POSITIVE,
            9_007_199_254_740_993.0,
            0.000_123,
            100.25,
            2.0f64.powi(60) + 2048.0,
        ];
        for v in fixed {
            assert_eq!(shortest(v), expected(v), "{v:e}");
        }
        // Random bit patterns and random two-decimal coordinates.
        let mut next = random(0x1234_5678_9abc_def0);
        for _ in 0..200_000 {
            let v = f64::from_bits(next());
            if v.is_finite() {
                assert_eq!(shortest(v), expected(v), "{v:e}");
            }
            #[allow(clippy::cast_precision_loss)]
            let c = (next() % 400_000) as f64 / 100.0;
            assert_eq!(shortest(c), expected(c), "{c:e}");
            let s = c * 3.7;
            assert_eq!(shortest(s), expected(s), "{s:e}");
        }
    }

    /// The clean form, formatted once, is the shortest form of the cleaned
    /// value, formatted twice as before.
    #[test]
    fn clean_formats_once_what_it_formatted_twice() {
        let clean = |v: f64| {
            let mut out = Vec::new();
            write_clean(&mut out, v);
            String::from_utf8(out).unwrap()
        };
        let expected = |v: f64| shortest(labelkit_model::clean_number(v));
        for v in [
            0.0,
            -0.0,
            212.790_000_000_000_02,
            56.849_999_999_4,
            2_415.819_999,
            216.266_666_667,
            35_681.934_150_000_016,
            -0.000_123,
            1e-7,
            5e-324,
            1e300,
            123.45,
            9_007_199_254_740_993.0,
        ] {
            assert_eq!(clean(v), expected(v), "{v:e}");
        }
        let mut next = random(0x0fed_cba9_8765_4321);
        for _ in 0..200_000 {
            let v = f64::from_bits(next());
            if v.is_finite() {
                assert_eq!(clean(v), expected(v), "{v:e}");
            }
            #[allow(clippy::cast_precision_loss)]
            let c = (next() % 400_000) as f64 / 100.0;
            assert_eq!(clean(c), expected(c), "{c:e}");
            // Sums and quotients carry the noise clean removes.
            assert_eq!(clean(c + 0.07), expected(c + 0.07), "{c:e}");
            assert_eq!(clean(c / 640.0), expected(c / 640.0), "{c:e}");
            assert_eq!(clean(c * 3.7), expected(c * 3.7), "{c:e}");
        }
    }

    #[test]
    fn integers_and_other_precisions() {
        let mut out = Vec::new();
        write_u64(&mut out, 0);
        out.push(b' ');
        write_u64(&mut out, u64::MAX);
        out.push(b' ');
        write_i64(&mut out, i64::MIN);
        out.push(b' ');
        write_f64(
            &mut out,
            1.234_56,
            Precision::Decimals(2),
            &mut String::new(),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "0 18446744073709551615 -9223372036854775808 1.23"
        );
    }
}
