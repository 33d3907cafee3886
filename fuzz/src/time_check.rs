//! A naive RFC 3339 formatter: walks the calendar year by year and month by month.

use logwriter::{Precision, Timestamp, TimestampBuf, MAX_TIMESTAMP_LEN};

/// Every precision, for checks that try them all.
pub const PRECISIONS: [Precision; 5] = [
    Precision::Auto,
    Precision::Seconds,
    Precision::Millis,
    Precision::Micros,
    Precision::Nanos,
];

/// The last second of 9999-12-31 as Unix time.
pub const MAX_SECS: u64 = 253_402_300_799;

/// The expected text of the instant `secs.nanos` after the epoch at `precision`.
///
/// `Precision::Auto` follows Go's `time.RFC3339Nano`: nine digits with trailing zeros
/// trimmed, and no dot at all for a whole second.
pub fn reference_text(secs: u64, nanos: u32, precision: Precision) -> String {
    const DAYS_PER_400_YEARS: u64 = 146_097;
    let mut days = secs / 86_400;
    let second_of_day = secs % 86_400;
    let mut year = 1970;
    // 400 Gregorian years are always the same number of days.
    while days >= DAYS_PER_400_YEARS {
        days -= DAYS_PER_400_YEARS;
        year += 400;
    }
    loop {
        let length = if is_leap(year) { 366 } else { 365 };
        if days < length {
            break;
        }
        days -= length;
        year += 1;
    }
    let february = if is_leap(year) { 29 } else { 28 };
    let mut month = 1;
    for length in [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] {
        if days < length {
            break;
        }
        days -= length;
        month += 1;
    }
    let mut text = format!(
        "{year:04}-{month:02}-{:02}T{:02}:{:02}:{:02}",
        days + 1,
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    );
    let nine = format!("{nanos:09}");
    let fraction = match precision {
        Precision::Auto => nine.trim_end_matches('0'),
        Precision::Seconds => "",
        Precision::Millis => &nine[..3],
        Precision::Micros => &nine[..6],
        Precision::Nanos => &nine,
    };
    if !fraction.is_empty() {
        text.push('.');
        text.push_str(fraction);
    }
    text.push('Z');
    text
}

fn is_leap(year: u64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Checks `Timestamp::from_unix` on any input, and the text of the instant at every precision
/// against [`reference_text`] and against `also_expected` (another reference, when the
/// caller has one), and that each text reads back as the instant it was written from.
pub fn check_timestamp(
    secs: i64,
    nanos: u32,
    also_expected: impl Fn(u64, u32, Precision) -> Option<String>,
) {
    let in_range = u64::try_from(secs).is_ok_and(|s| s <= MAX_SECS) && nanos < 1_000_000_000;
    let ts = Timestamp::from_unix(secs, nanos);
    assert_eq!(ts.is_some(), in_range, "from_unix({secs}, {nanos})");
    let Some(ts) = ts else { return };
    assert_eq!(
        (ts.unix_secs(), ts.subsec_nanos()),
        (secs.unsigned_abs(), nanos)
    );
    let system = std::time::UNIX_EPOCH + std::time::Duration::new(secs.unsigned_abs(), nanos);
    assert_eq!(Timestamp::from_system_time(system), Some(ts));

    let mut buf = TimestampBuf::new();
    for precision in PRECISIONS {
        let text = buf.format(ts, precision);
        let expected = reference_text(ts.unix_secs(), nanos, precision);
        assert_eq!(text, expected, "{secs}.{nanos:09} at {precision:?}");
        assert!(text.len() <= MAX_TIMESTAMP_LEN);
        // Read back: the instant, with the fraction truncated to what was written.
        let kept = match precision {
            Precision::Auto | Precision::Nanos => nanos,
            Precision::Seconds => 0,
            Precision::Millis => nanos / 1_000_000 * 1_000_000,
            Precision::Micros => nanos / 1_000 * 1_000,
        };
        assert_eq!(
            text.parse::<Timestamp>(),
            Ok(Timestamp::from_unix(secs, kept).expect("in range")),
            "{text} read back"
        );
        if let Some(other) = also_expected(ts.unix_secs(), nanos, precision) {
            assert_eq!(
                text, other,
                "{secs}.{nanos:09} at {precision:?} (second reference)"
            );
        }
    }
}
