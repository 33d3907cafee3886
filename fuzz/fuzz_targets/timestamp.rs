//! An arbitrary instant through `Timestamp` and `TimestampBuf`, checked against the naive
//! calendar walk and against `chrono`.
#![no_main]

use chrono::{DateTime, SecondsFormat};
use libfuzzer_sys::fuzz_target;
use logwriter::Precision;
use logwriter_fuzz::time_check::{check_timestamp, MAX_SECS};

/// `chrono`'s RFC 3339 text; for `Auto`, Go's `RFC3339Nano` rule on top of whole seconds.
fn chrono_text(secs: u64, nanos: u32, precision: Precision) -> Option<String> {
    let time = DateTime::from_timestamp(i64::try_from(secs).ok()?, nanos)?;
    let format = match precision {
        Precision::Seconds => SecondsFormat::Secs,
        Precision::Millis => SecondsFormat::Millis,
        Precision::Micros => SecondsFormat::Micros,
        Precision::Nanos => SecondsFormat::Nanos,
        Precision::Auto => {
            let whole = time.to_rfc3339_opts(SecondsFormat::Secs, true);
            let digits = format!("{nanos:09}");
            let digits = digits.trim_end_matches('0');
            let dot = if digits.is_empty() { "" } else { "." };
            return Some(format!("{}{dot}{digits}Z", whole.trim_end_matches('Z')));
        }
    };
    Some(time.to_rfc3339_opts(format, true))
}

fuzz_target!(|input: (i64, u32, bool)| {
    let (secs, nanos, raw) = input;
    if raw {
        // Any pair: out of range must be refused.
        check_timestamp(secs, nanos, chrono_text);
    } else {
        // Folded into range, so most inputs exercise the formatter.
        let secs = i64::try_from(secs.unsigned_abs() % (MAX_SECS + 1)).expect("in range");
        check_timestamp(secs, nanos % 1_000_000_000, chrono_text);
    }
});
