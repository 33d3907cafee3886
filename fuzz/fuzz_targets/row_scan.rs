//! Any bytes as a line through the row scanner of `logwriter show` and `verify`, checked
//! against `serde_json`: the same lines accepted, the same members found; of a line that
//! is not a row, the rows its glued-line recovery finds are rows, in order. The tool's RFC
//! 3339 parser is checked against `chrono` on a row's `ts` string, and on a date-time
//! built from the input's first bytes, each field folded into a range just wider than its
//! valid one (random bytes seldom spell a date).
#![no_main]

use libfuzzer_sys::fuzz_target;
use logwriter_fuzz::row::{parse_rfc3339, str_value, Row};
use logwriter_fuzz::row_check::{check_glued, check_row};

/// `parse_rfc3339` against `chrono`. Where `chrono` is more lenient than RFC 3339, the tool
/// must refuse: a space for the `T`, the minus sign U+2212 in an offset, and a leap second
/// (`:60`) in a minute other than the last of a UTC day, where the tool takes one.
fn check_rfc3339(text: &str) {
    let ours = parse_rfc3339(text.as_bytes());
    let Ok(theirs) = chrono::DateTime::parse_from_rfc3339(text) else {
        assert_eq!(ours, None, "{text:?}");
        return;
    };
    if text.as_bytes().get(10) == Some(&b' ') || text.contains('\u{2212}') {
        assert_eq!(ours, None, "{text:?}");
        return;
    }
    // chrono holds a leap second as a nanosecond count past 10^9 in second 59.
    let (mut secs, mut nanos) = (theirs.timestamp(), theirs.timestamp_subsec_nanos());
    if nanos >= 1_000_000_000 {
        (secs, nanos) = (secs + 1, nanos - 1_000_000_000);
        if secs.rem_euclid(86_400) != 0 {
            assert_eq!(ours, None, "{text:?}");
            return;
        }
    }
    assert_eq!(ours, Some((secs, nanos)), "{text:?}");
}

/// A date-time, mostly valid, from the first 16 bytes of `bytes`.
fn date_time(bytes: &[u8]) -> Option<String> {
    let b: &[u8; 16] = bytes.get(..16)?.try_into().ok()?;
    let year = u16::from_le_bytes([b[0], b[1]]) % 10_000;
    let (month, day) = (b[2] % 14, b[3] % 33);
    let (hour, minute, second) = (b[4] % 25, b[5] % 61, b[6] % 62);
    let separator = ["T", "t", " "][usize::from(b[7] % 3)];
    let digits = usize::from(b[8] % 12);
    let fraction: String = (0..digits)
        .map(|i| char::from(b'0' + b[9 + i % 7] % 10))
        .collect();
    let dot = if digits == 0 && b[8] % 24 < 12 {
        ""
    } else {
        "."
    };
    let offset = match b[15] % 6 {
        0 => "Z".to_owned(),
        1 => "z".to_owned(),
        2 => String::new(),
        sign => format!(
            "{}{:02}:{:02}",
            if sign == 3 { '+' } else { '-' },
            b[14] % 25,
            b[13] % 61
        ),
    };
    Some(format!(
        "{year:04}-{month:02}-{day:02}{separator}{hour:02}:{minute:02}:{second:02}{dot}{fraction}{offset}"
    ))
}

fuzz_target!(|line: &[u8]| {
    if let Some(text) = date_time(line) {
        check_rfc3339(&text);
    }
    let mut row = Row::default();
    check_row(&mut row, line);
    if row.scan(line).is_ok() {
        if let Some(ts) = row.get(line, "ts").and_then(|m| str_value(line, m)) {
            check_rfc3339(&ts);
        }
    } else {
        check_glued(&mut row, line);
    }
});
