//! Reads RFC 3339 date-times: the text `Timestamp` writes, and the
//! offsets and lower-case letters other writers use.
//!
//! The command-line tool compiles this file too (it reads instants before 1970, which a
//! `Timestamp` cannot hold), so nothing here names the library's other types.

use core::fmt;
use core::ops::Range;

/// Why a text is not an RFC 3339 date-time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// Not `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    Shape,
    /// A `.` with no digit after it.
    EmptyFraction,
    /// A month outside 1 to 12.
    Month,
    /// A day its month does not have.
    Day,
    /// An hour above 23, a minute above 59 or a second above 60.
    Time,
    /// An offset's hours above 23 or its minutes above 59.
    Offset,
    /// A second 60 anywhere but in the last minute of a UTC day.
    LeapSecond,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::Shape => "not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)",
            Reason::EmptyFraction => "no digit after the decimal point",
            Reason::Month => "month out of range",
            Reason::Day => "day out of range for its month",
            Reason::Time => "hour, minute or second out of range",
            Reason::Offset => "offset out of range",
            Reason::LeapSecond => "second 60 outside the last minute of a UTC day",
        })
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` into seconds since the Unix epoch
/// (negative before 1970) and nanoseconds.
///
/// `T` and `Z` may be lower case, as RFC 3339 allows; a leap second (`:60`), in the last
/// minute of a UTC day only, is read as the next second. Digits of the fraction past the
/// ninth are dropped (truncated, as `Precision` truncates).
pub(crate) fn parse(text: &[u8]) -> Result<(i64, u32), Reason> {
    fn num(text: &[u8], range: Range<usize>) -> Result<i64, Reason> {
        let digits = text.get(range).ok_or(Reason::Shape)?;
        digits.iter().try_fold(0i64, |acc, &b| {
            if b.is_ascii_digit() {
                Ok(acc * 10 + i64::from(b - b'0'))
            } else {
                Err(Reason::Shape)
            }
        })
    }
    if text.len() < 20
        || text[4] != b'-'
        || text[7] != b'-'
        || !matches!(text[10], b'T' | b't')
        || text[13] != b':'
        || text[16] != b':'
    {
        return Err(Reason::Shape);
    }
    let (year, month, day) = (num(text, 0..4)?, num(text, 5..7)?, num(text, 8..10)?);
    let (hour, minute, second) = (num(text, 11..13)?, num(text, 14..16)?, num(text, 17..19)?);
    if !(1..=12).contains(&month) {
        return Err(Reason::Month);
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(Reason::Day);
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(Reason::Time);
    }
    let mut at = 19;
    let mut nanos = 0u32;
    if text[at] == b'.' {
        at += 1;
        let start = at;
        while text.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 9 {
                nanos = nanos * 10 + u32::from(text[at] - b'0');
            }
            at += 1;
        }
        if at == start {
            return Err(Reason::EmptyFraction);
        }
        for _ in (at - start)..9 {
            nanos *= 10;
        }
    }
    let offset = match text.get(at..).unwrap_or_default() {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (num(text, at + 1..at + 3)?, num(text, at + 4..at + 6)?);
            if h > 23 || m > 59 {
                return Err(Reason::Offset);
            }
            let minutes = h * 60 + m;
            if *sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return Err(Reason::Shape),
    };
    // A leap second ends a UTC day (RFC 3339, 5.7): 23:59:60Z, or that minute at an offset.
    if second == 60 && (hour * 60 + minute - offset).rem_euclid(24 * 60) != 24 * 60 - 1 {
        return Err(Reason::LeapSecond);
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset * 60;
    Ok((secs, nanos))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339() {
        use Reason::*;
        type Parsed = Result<(i64, u32), Reason>;
        let rows: &[(&str, Parsed)] = &[
            ("1970-01-01T00:00:00Z", Ok((0, 0))),
            ("2026-05-01T12:00:00Z", Ok((1_777_636_800, 0))),
            ("2026-05-01T12:00:00.5Z", Ok((1_777_636_800, 500_000_000))),
            (
                "2026-05-01T14:00:00.123456789123+02:00",
                Ok((1_777_636_800, 123_456_789)),
            ),
            ("2026-05-01t12:00:00z", Ok((1_777_636_800, 0))),
            ("1969-12-31T23:59:59Z", Ok((-1, 0))),
            ("0000-03-01T00:00:00Z", Ok((-62_162_035_200, 0))),
            (
                "9999-12-31T23:59:59.999999999Z",
                Ok((253_402_300_799, 999_999_999)),
            ),
            ("2024-02-29T00:00:00Z", Ok((1_709_164_800, 0))),
            ("2000-02-29T00:00:00Z", Ok((951_782_400, 0))),
            ("1900-02-29T00:00:00Z", Err(Day)),
            ("2023-02-29T00:00:00Z", Err(Day)),
            ("2026-04-31T00:00:00Z", Err(Day)),
            ("2026-05-00T00:00:00Z", Err(Day)),
            ("2026-00-01T00:00:00Z", Err(Month)),
            ("2026-13-01T00:00:00Z", Err(Month)),
            ("2026-05-01T12:00:00", Err(Shape)),
            ("", Err(Shape)),
            ("2026-05-01 12:00:00Z", Err(Shape)),
            ("2026-05-01T12:00:00.Z", Err(EmptyFraction)),
            ("2026-05-01T12:00:00.", Err(EmptyFraction)),
            ("2026-05-01T24:00:00Z", Err(Time)),
            ("2026-05-01T12:60:00Z", Err(Time)),
            ("2026-5-01T12:00:00Z", Err(Shape)),
            // Each separator checked on its own: the others in place do not excuse it.
            ("2026/05-01T12:00:00Z", Err(Shape)),
            ("2026-05/01T12:00:00Z", Err(Shape)),
            ("2026-05-01T12.00:00Z", Err(Shape)),
            ("2026-05-01T12:00.00Z", Err(Shape)),
            ("2026-05-01T12:00:00+0200", Err(Shape)),
            ("2026-05-01T12:00:00Zjunk", Err(Shape)),
            ("2026-05-01T12:00:00+02:00 ", Err(Shape)),
            ("+026-05-01T12:00:00Z", Err(Shape)),
            ("2026-05-01T12:00:00+23:59", Ok((1_777_550_460, 0))),
            ("2026-05-01T12:00:00-23:59", Ok((1_777_723_140, 0))),
            ("2026-05-01T12:00:00+24:00", Err(Offset)),
            ("2026-05-01T12:00:00-01:60", Err(Offset)),
            ("2016-12-31T23:59:60Z", Ok((1_483_228_800, 0))),
            (
                "2017-01-01T00:59:60.5+01:00",
                Ok((1_483_228_800, 500_000_000)),
            ),
            ("2016-12-31T18:59:60-05:00", Ok((1_483_228_800, 0))),
            ("2026-05-01T12:34:60Z", Err(LeapSecond)),
            ("2016-12-31T23:59:60+01:00", Err(LeapSecond)),
            ("2016-12-31T23:59:61Z", Err(Time)),
        ];
        for &(text, expected) in rows {
            assert_eq!(parse(text.as_bytes()), expected, "{text}");
        }
    }

    #[test]
    fn days_from_civil_counts_from_the_epoch() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(9999, 12, 31), 2_932_896);
    }
}
