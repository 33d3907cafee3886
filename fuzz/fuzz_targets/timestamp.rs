//! An arbitrary instant through `Timestamp` and `TimestampBuf`, checked against the naive
//! calendar walk and against `chrono`; and an RFC 3339 text made of arbitrary parts through
//! `Timestamp`'s `FromStr`, checked against `chrono`'s reader.
#![no_main]

use arbitrary::Arbitrary;
use chrono::{DateTime, SecondsFormat};
use libfuzzer_sys::fuzz_target;
use logwriter::{Precision, Timestamp};
use logwriter_fuzz::time_check::{check_timestamp, MAX_SECS};

#[derive(Arbitrary, Debug)]
enum Input {
    /// An instant to format, folded into range unless `raw`.
    Instant(i64, u32, bool),
    /// A text to read.
    Text(Parts),
}

/// The parts of an RFC 3339 text, each a little past its valid range, so that texts near
/// every edge are made; bytes the grammar refuses come from `junk`.
#[derive(Arbitrary, Debug)]
struct Parts {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    /// How many digits, and their value.
    fraction: Option<(u8, u64)>,
    lower_case: bool,
    /// `None` for `Z`; else the sign, hours and minutes.
    offset: Option<(bool, u8, u8)>,
    /// A byte put in place of the one at a position.
    junk: Option<(u8, u8)>,
}

impl Parts {
    fn text(&self) -> String {
        let (t, z) = if self.lower_case {
            ('t', 'z')
        } else {
            ('T', 'Z')
        };
        let mut text = format!(
            "{:04}-{:02}-{:02}{t}{:02}:{:02}:{:02}",
            self.year % 10_000,
            self.month % 14,
            self.day % 33,
            self.hour % 25,
            self.minute % 61,
            self.second % 62,
        );
        if let Some((digits, value)) = self.fraction {
            let digits = usize::from(digits % 13);
            let all = format!("{:020}", value);
            text.push('.');
            text.push_str(&all[20 - digits..]);
        }
        match self.offset {
            None => text.push(z),
            Some((plus, hours, minutes)) => {
                let sign = if plus { '+' } else { '-' };
                text.push_str(&format!("{sign}{:02}:{:02}", hours % 25, minutes % 61));
            }
        }
        if let Some((at, byte)) = self.junk {
            let mut bytes = text.into_bytes();
            let at = usize::from(at) % (bytes.len() + 1);
            if at == bytes.len() {
                bytes.push(byte);
            } else {
                bytes[at] = byte;
            }
            return String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    }
}

/// Nanoseconds since the epoch, so that `chrono`'s leap second (23:59:59 with a fraction of
/// a second or more) and ours (the next second) compare equal.
fn total_nanos(secs: i64, nanos: u32) -> i128 {
    i128::from(secs) * 1_000_000_000 + i128::from(nanos)
}

/// Whatever `Timestamp` reads, `chrono` reads as the same instant; whatever `chrono` reads
/// within 1970 to 9999, `Timestamp` reads too, except where `chrono` is the looser:
/// a leap second that does not end a UTC day (`chrono` takes `:60` in any minute, RFC 3339
/// in the last minute of a day only), and a space for the `T` (which RFC 3339 only mentions
/// in a note).
fn check_text(parts: &Parts) {
    let text = parts.text();
    let ours = text.parse::<Timestamp>();
    let theirs = DateTime::parse_from_rfc3339(&text)
        .ok()
        .map(|time| total_nanos(time.timestamp(), time.timestamp_subsec_nanos()));
    if let Ok(ts) = ours {
        let secs = i64::try_from(ts.unix_secs()).expect("in range");
        assert_eq!(
            theirs,
            Some(total_nanos(secs, ts.subsec_nanos())),
            "{text:?}: chrono reads otherwise"
        );
        // The instant written back reads as itself.
        assert_eq!(ts.to_string().parse::<Timestamp>(), Ok(ts), "{text:?}");
        return;
    }
    let in_range = 0..=total_nanos(i64::try_from(MAX_SECS).expect("fits"), 999_999_999);
    if let Some(nanos) = theirs.filter(|nanos| in_range.contains(nanos)) {
        assert!(
            text.get(17..19) == Some("60") || text.as_bytes()[10] == b' ',
            "{text:?}: chrono reads {nanos} ns, we refused: {}",
            ours.unwrap_err()
        );
    }
}

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

fuzz_target!(|input: Input| {
    let (secs, nanos, raw) = match input {
        Input::Instant(secs, nanos, raw) => (secs, nanos, raw),
        Input::Text(parts) => return check_text(&parts),
    };
    if raw {
        // Any pair: out of range must be refused.
        check_timestamp(secs, nanos, chrono_text);
    } else {
        // Folded into range, so most inputs exercise the formatter.
        let secs = i64::try_from(secs.unsigned_abs() % (MAX_SECS + 1)).expect("in range");
        check_timestamp(secs, nanos % 1_000_000_000, chrono_text);
    }
});
