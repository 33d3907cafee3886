//! UTC timestamps and their RFC 3339 text, with no libc time function and no allocation.

use core::fmt;

/// The last instant this crate can write: `9999-12-31T23:59:59.999999999Z`.
const MAX_SECS: u64 = 253_402_300_799;

/// Seconds in a day.
const SECS_PER_DAY: u64 = 86_400;

/// The longest text a [`Timestamp`] formats to: `9999-12-31T23:59:59.123456789Z`.
pub const MAX_TIMESTAMP_LEN: usize = 30;

/// An instant in UTC between `1970-01-01T00:00:00Z` and `9999-12-31T23:59:59.999999999Z`,
/// with nanosecond precision.
///
/// The range is an invariant: every `Timestamp` formats to a four-digit year, so formatting
/// cannot fail.
///
/// # Example
///
/// ```
/// use logwriter::{Precision, Timestamp, TimestampBuf};
///
/// let ts = Timestamp::from_unix(1_777_636_800, 500_000_000).unwrap();
/// let mut buf = TimestampBuf::new();
/// assert_eq!(buf.format(ts, Precision::Auto), "2026-05-01T12:00:00.5Z");
/// assert_eq!(buf.format(ts, Precision::Seconds), "2026-05-01T12:00:00Z");
/// assert_eq!(Timestamp::from_unix(-1, 0), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: u64,
    nanos: u32,
}

impl Timestamp {
    /// The Unix epoch, `1970-01-01T00:00:00Z`.
    pub const UNIX_EPOCH: Timestamp = Timestamp { secs: 0, nanos: 0 };

    /// The last representable instant, `9999-12-31T23:59:59.999999999Z`.
    pub const MAX: Timestamp = Timestamp {
        secs: MAX_SECS,
        nanos: 999_999_999,
    };

    /// The instant `secs` seconds and `nanos` nanoseconds after the Unix epoch.
    ///
    /// Returns `None` if `nanos` is 1,000,000,000 or more, or if the instant is before 1970
    /// or after the year 9999.
    #[allow(clippy::cast_sign_loss)] // `secs` is checked non-negative first.
    pub const fn from_unix(secs: i64, nanos: u32) -> Option<Timestamp> {
        if secs < 0 || secs as u64 > MAX_SECS || nanos >= 1_000_000_000 {
            return None;
        }
        Some(Timestamp {
            secs: secs as u64,
            nanos,
        })
    }

    /// The instant given by a [`std::time::SystemTime`], or `None` outside 1970..=9999.
    pub fn from_system_time(time: std::time::SystemTime) -> Option<Timestamp> {
        let since = time.duration_since(std::time::UNIX_EPOCH).ok()?;
        let secs = i64::try_from(since.as_secs()).ok()?;
        Timestamp::from_unix(secs, since.subsec_nanos())
    }

    /// The current time from the realtime clock (`clock_gettime(CLOCK_REALTIME)`, served by the
    /// vDSO on Linux, so no system call).
    ///
    /// A clock set before 1970 reads as [`Timestamp::UNIX_EPOCH`]; one set after 9999 reads as
    /// [`Timestamp::MAX`].
    pub fn now() -> Timestamp {
        let now = rustix::time::clock_gettime(rustix::time::ClockId::Realtime);
        let nanos = u32::try_from(now.tv_nsec).unwrap_or(0);
        match Timestamp::from_unix(now.tv_sec, nanos) {
            Some(ts) => ts,
            None if now.tv_sec < 0 => Timestamp::UNIX_EPOCH,
            None => Timestamp::MAX,
        }
    }

    /// Whole seconds since the Unix epoch.
    pub const fn unix_secs(self) -> u64 {
        self.secs
    }

    /// Nanoseconds past the whole second, below 1,000,000,000.
    pub const fn subsec_nanos(self) -> u32 {
        self.nanos
    }
}

/// How many digits of the fraction of a second a timestamp carries.
///
/// The default, [`Precision::Auto`], is byte-identical to Go's `time.RFC3339Nano` in UTC,
/// which is what the Go package this crate replaces wrote and what its reader parses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Precision {
    /// Up to nine digits with trailing zeros trimmed, and no fraction at all for a whole
    /// second: `…12:00:00Z`, `…12:00:00.5Z`, `…12:00:00.123456789Z`.
    #[default]
    Auto,
    /// Whole seconds, fraction dropped (truncated, not rounded): `…12:00:00Z`.
    Seconds,
    /// Always three digits: `…12:00:00.500Z`.
    Millis,
    /// Always six digits: `…12:00:00.500000Z`.
    Micros,
    /// Always nine digits: `…12:00:00.500000000Z`.
    Nanos,
}

/// A stack buffer that formats [`Timestamp`]s, in the manner of `itoa::Buffer`.
#[derive(Clone, Copy)]
pub struct TimestampBuf {
    bytes: [u8; MAX_TIMESTAMP_LEN],
}

impl Default for TimestampBuf {
    fn default() -> Self {
        TimestampBuf::new()
    }
}

impl fmt::Debug for TimestampBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TimestampBuf")
    }
}

impl TimestampBuf {
    /// An empty buffer. Cheap: it is only 30 bytes.
    pub const fn new() -> TimestampBuf {
        TimestampBuf {
            bytes: [0; MAX_TIMESTAMP_LEN],
        }
    }

    /// Formats `ts` as RFC 3339 in UTC (`YYYY-MM-DDTHH:MM:SS[.fraction]Z`) and returns the text,
    /// at most [`MAX_TIMESTAMP_LEN`] bytes long.
    pub fn format(&mut self, ts: Timestamp, precision: Precision) -> &str {
        let len = format_into(ts, precision, &mut self.bytes);
        // Every byte written is an ASCII digit or one of `-T:.Z`.
        core::str::from_utf8(&self.bytes[..len]).unwrap_or_default()
    }
}

/// Writes the RFC 3339 text of `ts` into `out` and returns its length.
pub(crate) fn format_into(
    ts: Timestamp,
    precision: Precision,
    out: &mut [u8; MAX_TIMESTAMP_LEN],
) -> usize {
    let mut seconds = [0u8; SECONDS_LEN];
    format_seconds(ts.secs, &mut seconds);
    out[..SECONDS_LEN].copy_from_slice(&seconds);
    let mut fraction = [0u8; FRACTION_LEN];
    let len = format_fraction(ts.nanos, precision, &mut fraction);
    out[SECONDS_LEN..SECONDS_LEN + len].copy_from_slice(&fraction[..len]);
    SECONDS_LEN + len
}

/// Length of `YYYY-MM-DDTHH:MM:SS`.
pub(crate) const SECONDS_LEN: usize = 19;

/// Longest fraction and zone: `.123456789Z`.
pub(crate) const FRACTION_LEN: usize = 11;

/// Writes `YYYY-MM-DDTHH:MM:SS` for `secs` seconds after the epoch (at most year 9999).
pub(crate) fn format_seconds(secs: u64, out: &mut [u8; SECONDS_LEN]) {
    let days = secs / SECS_PER_DAY;
    // Below 86,400, so it fits in u32.
    #[allow(clippy::cast_possible_truncation)]
    let secs_of_day = (secs % SECS_PER_DAY) as u32;
    let (year, month, day) = civil_from_days(days);
    // The range invariant keeps the year within four digits.
    put_pair(&mut out[0..2], year / 100);
    put_pair(&mut out[2..4], year % 100);
    out[4] = b'-';
    put_pair(&mut out[5..7], month);
    out[7] = b'-';
    put_pair(&mut out[8..10], day);
    out[10] = b'T';
    put_pair(&mut out[11..13], secs_of_day / 3600);
    out[13] = b':';
    put_pair(&mut out[14..16], secs_of_day / 60 % 60);
    out[16] = b':';
    put_pair(&mut out[17..19], secs_of_day % 60);
}

/// Writes the fraction of a second the precision asks for and the closing `Z`; returns
/// the length written.
pub(crate) fn format_fraction(
    nanos: u32,
    precision: Precision,
    out: &mut [u8; FRACTION_LEN],
) -> usize {
    let digits = match precision {
        Precision::Seconds => 0,
        Precision::Millis => 3,
        Precision::Micros => 6,
        Precision::Nanos => 9,
        Precision::Auto if nanos == 0 => 0,
        Precision::Auto => 9 - nanos.trailing_zeros_decimal(),
    };
    if digits == 0 {
        out[0] = b'Z';
        return 1;
    }
    out[0] = b'.';
    // Nine digits: one, then four pairs.
    out[1] = b'0' + (nanos / 100_000_000) as u8;
    let rest = nanos % 100_000_000;
    put_pair(&mut out[2..4], rest / 1_000_000);
    put_pair(&mut out[4..6], rest / 10_000 % 100);
    put_pair(&mut out[6..8], rest / 100 % 100);
    put_pair(&mut out[8..10], rest % 100);
    out[1 + digits] = b'Z';
    digits + 2
}

/// "00" to "99".
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes `value`, below 100, as two digits.
#[inline]
fn put_pair(out: &mut [u8], value: u32) {
    let at = value as usize % 100 * 2;
    out[..2].copy_from_slice(&DIGIT_PAIRS[at..at + 2]);
}

/// Counting trailing decimal zeros of the nanosecond field.
trait TrailingZerosDecimal {
    fn trailing_zeros_decimal(self) -> usize;
}

impl TrailingZerosDecimal for u32 {
    fn trailing_zeros_decimal(mut self) -> usize {
        let mut zeros = 0;
        while zeros < 9 && self % 10 == 0 {
            self /= 10;
            zeros += 1;
        }
        zeros
    }
}

/// The proleptic Gregorian date of the day `days` after 1970-01-01.
///
/// Howard Hinnant's `civil_from_days`, restricted to non-negative day numbers so every step
/// is unsigned.
#[allow(clippy::cast_possible_truncation)]
fn civil_from_days(days: u64) -> (u32, u32, u32) {
    // Shift the epoch to 0000-03-01 so that leap days fall at the end of each year.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097; // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let month_from_march = (5 * day_of_year + 2) / 153; // [0, 11]
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1; // [1, 31]
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year as u32, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(secs: i64, nanos: u32, precision: Precision) -> String {
        let ts = Timestamp::from_unix(secs, nanos).expect("in range");
        TimestampBuf::new().format(ts, precision).to_owned()
    }

    #[test]
    fn formats_table() {
        let rows: &[(i64, u32, Precision, &str)] = &[
            (0, 0, Precision::Auto, "1970-01-01T00:00:00Z"),
            (1_777_636_800, 0, Precision::Auto, "2026-05-01T12:00:00Z"),
            (
                1_777_636_800,
                500_000_000,
                Precision::Auto,
                "2026-05-01T12:00:00.5Z",
            ),
            (
                1_777_636_800,
                123_456_789,
                Precision::Auto,
                "2026-05-01T12:00:00.123456789Z",
            ),
            (
                1_777_636_800,
                1,
                Precision::Auto,
                "2026-05-01T12:00:00.000000001Z",
            ),
            (
                1_777_636_800,
                696_999_800,
                Precision::Auto,
                "2026-05-01T12:00:00.6969998Z",
            ),
            (
                1_777_636_800,
                999_999_999,
                Precision::Seconds,
                "2026-05-01T12:00:00Z",
            ),
            (
                1_777_636_800,
                5_000_000,
                Precision::Millis,
                "2026-05-01T12:00:00.005Z",
            ),
            (
                1_777_636_800,
                5_000_000,
                Precision::Micros,
                "2026-05-01T12:00:00.005000Z",
            ),
            (
                1_777_636_800,
                0,
                Precision::Nanos,
                "2026-05-01T12:00:00.000000000Z",
            ),
            (951_782_400, 0, Precision::Auto, "2000-02-29T00:00:00Z"),
            (4_107_542_400, 0, Precision::Auto, "2100-03-01T00:00:00Z"),
            (4_107_542_399, 0, Precision::Auto, "2100-02-28T23:59:59Z"),
            (1_798_761_599, 0, Precision::Auto, "2026-12-31T23:59:59Z"),
            (
                253_402_300_799,
                999_999_999,
                Precision::Auto,
                "9999-12-31T23:59:59.999999999Z",
            ),
        ];
        for &(secs, nanos, precision, expected) in rows {
            assert_eq!(
                text(secs, nanos, precision),
                expected,
                "{secs}.{nanos} {precision:?}"
            );
        }
    }

    #[test]
    fn range_is_enforced() {
        assert_eq!(Timestamp::from_unix(-1, 0), None);
        assert_eq!(Timestamp::from_unix(253_402_300_800, 0), None);
        assert_eq!(Timestamp::from_unix(0, 1_000_000_000), None);
        assert_eq!(
            Timestamp::from_unix(253_402_300_799, 999_999_999),
            Some(Timestamp::MAX)
        );
    }

    #[test]
    fn now_is_recent() {
        let now = Timestamp::now();
        let std_now = Timestamp::from_system_time(std::time::SystemTime::now()).unwrap();
        assert!(std_now.unix_secs().abs_diff(now.unix_secs()) <= 1);
        assert!(now.unix_secs() > 1_700_000_000);
    }
}
