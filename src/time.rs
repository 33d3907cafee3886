//! UTC timestamps and their RFC 3339 text, with no libc time function and no allocation.

use core::fmt;

use crate::rfc3339;

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
    ///
    /// ```
    /// use logwriter::Timestamp;
    ///
    /// let ts = Timestamp::from_unix(1_777_636_800, 250).unwrap();
    /// assert_eq!((ts.unix_secs(), ts.subsec_nanos()), (1_777_636_800, 250));
    /// assert_eq!(Timestamp::from_unix(0, 0), Some(Timestamp::UNIX_EPOCH));
    /// assert_eq!(Timestamp::from_unix(253_402_300_799, 999_999_999), Some(Timestamp::MAX));
    /// assert_eq!(Timestamp::from_unix(253_402_300_800, 0), None); // year 10000
    /// assert_eq!(Timestamp::from_unix(1, 1_000_000_000), None);
    /// ```
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
    ///
    /// ```
    /// use std::time::{Duration, SystemTime, UNIX_EPOCH};
    /// use logwriter::Timestamp;
    ///
    /// let time = UNIX_EPOCH + Duration::new(1_777_636_800, 5);
    /// let ts = Timestamp::from_system_time(time).unwrap();
    /// assert_eq!(ts.to_string(), "2026-05-01T12:00:00.000000005Z");
    /// assert_eq!(SystemTime::from(ts), time);
    /// assert_eq!(Timestamp::from_system_time(UNIX_EPOCH - Duration::from_secs(1)), None);
    /// ```
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
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use logwriter::Timestamp;
    ///
    /// let now = Timestamp::now();
    /// let std_now = SystemTime::now(); // the same clock, read through std
    /// let gap = std_now.duration_since(now.into()).unwrap_or_else(|e| e.duration());
    /// assert!(gap < Duration::from_secs(1));
    /// ```
    #[inline]
    pub fn now() -> Timestamp {
        Timestamp::read(rustix::time::ClockId::Realtime)
    }

    /// The current time from `CLOCK_REALTIME_COARSE`: cheaper than [`Timestamp::now`], but
    /// only as fine as the kernel's tick (1 to 10 ms).
    pub(crate) fn now_coarse() -> Timestamp {
        Timestamp::read(rustix::time::ClockId::RealtimeCoarse)
    }

    /// Reads `clock`, clamped to the representable range.
    #[inline(always)]
    #[allow(clippy::inline_always)] // Keeps `now` one vDSO call and a few compares.
    #[allow(clippy::useless_conversion)] // `tv_nsec` is a C `long`: 32 bits on some targets.
    fn read(clock: rustix::time::ClockId) -> Timestamp {
        let now = rustix::time::clock_gettime(clock);
        Timestamp::clamped(now.tv_sec, i64::from(now.tv_nsec))
    }

    /// A clock reading as a timestamp: before 1970 the epoch, after 9999 [`Timestamp::MAX`].
    #[inline(always)]
    #[allow(clippy::inline_always)] // Part of `read`.
    fn clamped(secs: i64, nanos: i64) -> Timestamp {
        let nanos = u32::try_from(nanos).unwrap_or(0);
        match Timestamp::from_unix(secs, nanos) {
            Some(ts) => ts,
            None if secs < 0 => Timestamp::UNIX_EPOCH,
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

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC as the log writes it by default ([`Precision::Auto`]); the alternate
    /// form (`{:#}`) always has nine digits ([`Precision::Nanos`]). A precision gives the
    /// number of digits of the fraction, truncated as [`Precision`] truncates: `{:.0}` has
    /// none, `{:.3}` three, and any above 9 nine. Width, fill and alignment apply.
    ///
    /// ```
    /// use logwriter::Timestamp;
    ///
    /// let ts = Timestamp::from_unix(1_777_636_800, 567_890_000).unwrap();
    /// assert_eq!(ts.to_string(), "2026-05-01T12:00:00.56789Z");
    /// assert_eq!(format!("{ts:#}"), "2026-05-01T12:00:00.567890000Z");
    /// assert_eq!(format!("{ts:.0}"), "2026-05-01T12:00:00Z");
    /// assert_eq!(format!("{ts:.3}"), "2026-05-01T12:00:00.567Z");
    /// assert_eq!(format!("{ts:.7}"), "2026-05-01T12:00:00.5678900Z");
    /// assert_eq!(format!("[{ts:>26.3}]"), "[  2026-05-01T12:00:00.567Z]");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = TimestampBuf::new();
        let Some(digits) = f.precision() else {
            let precision = if f.alternate() {
                Precision::Nanos
            } else {
                Precision::Auto
            };
            return f.pad(buf.format(*self, precision));
        };
        // `.` and nine digits, then `Z`: the fraction's first `digits` are kept.
        let nanos = buf.format(*self, Precision::Nanos).as_bytes();
        let mut text = [0u8; MAX_TIMESTAMP_LEN];
        let keep = match digits.min(9) {
            0 => SECONDS_LEN,
            digits => SECONDS_LEN + 1 + digits,
        };
        text[..keep].copy_from_slice(&nanos[..keep]);
        text[keep] = b'Z';
        pad_whole(f, core::str::from_utf8(&text[..=keep]).unwrap_or_default())
    }
}

/// Writes `text` padded to the formatter's width with its fill and alignment (left by
/// default), and whole: unlike [`fmt::Formatter::pad`], which takes the precision for a
/// maximum width.
fn pad_whole(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    use fmt::Write as _;
    let pad = f.width().unwrap_or(0).saturating_sub(text.chars().count());
    let before = match f.align() {
        Some(fmt::Alignment::Right) => pad,
        Some(fmt::Alignment::Center) => pad / 2,
        Some(fmt::Alignment::Left) | None => 0,
    };
    let fill = f.fill();
    for _ in 0..before {
        f.write_char(fill)?;
    }
    f.write_str(text)?;
    for _ in before..pad {
        f.write_char(fill)?;
    }
    Ok(())
}

impl core::str::FromStr for Timestamp {
    type Err = ParseTimestampError;

    /// Reads an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`. Every text
    /// a `Timestamp` writes reads back as the instant it was written from, at any
    /// [`Precision`] (a coarser one having truncated the fraction).
    ///
    /// Also read: an offset other than `Z` (the instant is converted to UTC), `t` and `z` in
    /// lower case, and a leap second (`:60`, in the last minute of a UTC day only), which is
    /// read as the next second. A fraction may have any number of digits; those past the
    /// ninth are dropped, as [`Precision`] truncates.
    ///
    /// Refused, with a [`ParseTimestampError`] that says why: any other shape (a space for
    /// `T`, no offset, `+0200`, text around it), a date or time out of range, and an instant
    /// outside the range a `Timestamp` holds.
    ///
    /// ```
    /// use logwriter::Timestamp;
    ///
    /// let ts: Timestamp = "2026-05-01T12:00:00.5Z".parse().unwrap();
    /// assert_eq!((ts.unix_secs(), ts.subsec_nanos()), (1_777_636_800, 500_000_000));
    /// assert_eq!(ts.to_string().parse::<Timestamp>(), Ok(ts));
    /// assert_eq!("2026-05-01T14:00:00.5+02:00".parse::<Timestamp>(), Ok(ts));
    ///
    /// let err = "2026-02-30T12:00:00Z".parse::<Timestamp>().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid RFC 3339 timestamp: day out of range for its month");
    /// let err = "1969-12-31T23:59:59Z".parse::<Timestamp>().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid timestamp: before 1970-01-01T00:00:00Z");
    /// ```
    fn from_str(text: &str) -> Result<Timestamp, ParseTimestampError> {
        let (secs, nanos) = rfc3339::parse(text.as_bytes()).map_err(ParseReason::Text)?;
        // The reader's nanoseconds are below 10⁹: only the range can refuse the instant.
        Timestamp::from_unix(secs, nanos).ok_or_else(|| {
            if secs < 0 {
                ParseReason::BeforeEpoch.into()
            } else {
                ParseReason::AfterMax.into()
            }
        })
    }
}

/// Why a text is not a [`Timestamp`]: the error of its
/// [`FromStr`](core::str::FromStr) implementation.
///
/// Its `Display` names the reason: the text's shape, a field out of range, or an instant
/// before 1970 or after 9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseTimestampError {
    reason: ParseReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ParseReason {
    Text(rfc3339::Reason),
    BeforeEpoch,
    AfterMax,
}

impl From<ParseReason> for ParseTimestampError {
    fn from(reason: ParseReason) -> Self {
        ParseTimestampError { reason }
    }
}

impl fmt::Display for ParseTimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            ParseReason::Text(reason) => write!(f, "invalid RFC 3339 timestamp: {reason}"),
            ParseReason::BeforeEpoch => {
                f.write_str("invalid timestamp: before 1970-01-01T00:00:00Z")
            }
            ParseReason::AfterMax => {
                f.write_str("invalid timestamp: after 9999-12-31T23:59:59.999999999Z")
            }
        }
    }
}

impl std::error::Error for ParseTimestampError {}

impl From<Timestamp> for std::time::SystemTime {
    /// The same instant (every `Timestamp` is one a `SystemTime` can hold).
    fn from(ts: Timestamp) -> Self {
        std::time::UNIX_EPOCH + std::time::Duration::new(ts.secs, ts.nanos)
    }
}

/// How many digits of the fraction of a second a timestamp carries.
///
/// The default, [`Precision::Auto`], is byte-identical to Go's `time.RFC3339Nano` in UTC,
/// which is what the Go package this crate replaces wrote and what its reader parses.
///
/// ```
/// use logwriter::{Precision, Timestamp, TimestampBuf};
///
/// let ts = Timestamp::from_unix(1_777_636_800, 120_000_000).unwrap();
/// let mut buf = TimestampBuf::new();
/// assert_eq!(buf.format(ts, Precision::Auto), "2026-05-01T12:00:00.12Z");
/// assert_eq!(buf.format(ts, Precision::Seconds), "2026-05-01T12:00:00Z");
/// assert_eq!(buf.format(ts, Precision::Millis), "2026-05-01T12:00:00.120Z");
/// assert_eq!(buf.format(ts, Precision::Micros), "2026-05-01T12:00:00.120000Z");
/// assert_eq!(buf.format(ts, Precision::Nanos), "2026-05-01T12:00:00.120000000Z");
/// ```
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
///
/// ```
/// use logwriter::{Precision, Timestamp, TimestampBuf, MAX_TIMESTAMP_LEN};
///
/// let mut buf = TimestampBuf::new(); // 30 bytes on the stack; reuse it
/// let text = buf.format(Timestamp::MAX, Precision::Nanos);
/// assert_eq!(text, "9999-12-31T23:59:59.999999999Z");
/// assert_eq!(text.len(), MAX_TIMESTAMP_LEN);
/// assert_eq!(buf.format(Timestamp::UNIX_EPOCH, Precision::Auto), "1970-01-01T00:00:00Z");
/// ```
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
    let (fraction, len) = fraction(nanos, precision);
    out[..FRACTION_DIGITS_LEN].copy_from_slice(&fraction);
    out[len] = b'Z';
    len + 1
}

/// Length of `.123456789`.
pub(crate) const FRACTION_DIGITS_LEN: usize = 10;

/// `.` and all nine digits of `nanos`, and how many of those bytes the precision keeps:
/// 0 (no fraction), or 1 + the digits kept.
#[inline]
pub(crate) fn fraction(nanos: u32, precision: Precision) -> ([u8; FRACTION_DIGITS_LEN], usize) {
    // Below 10, as `nanos` is below 10^9.
    #[allow(clippy::cast_possible_truncation)]
    let first = (nanos / 100_000_000) as u8;
    let rest = digits8(nanos % 100_000_000);
    let digits = match precision {
        Precision::Seconds => 0,
        Precision::Millis => 3,
        Precision::Micros => 6,
        Precision::Nanos => 9,
        Precision::Auto if nanos == 0 => 0,
        // Trailing zero digits are the word's zero bytes from the top.
        Precision::Auto if rest == 0 => 1,
        Precision::Auto => 9 - (rest.leading_zeros() / 8) as usize,
    };
    let mut out = [0u8; FRACTION_DIGITS_LEN];
    out[0] = b'.';
    out[1] = b'0' + first;
    out[2..].copy_from_slice(&(rest | ASCII_ZEROS).to_le_bytes());
    (out, if digits == 0 { 0 } else { digits + 1 })
}

/// `b'0'` in every byte.
pub(crate) const ASCII_ZEROS: u64 = 0x3030_3030_3030_3030;

/// The eight decimal digits of `n` (below 10^8), most significant first, as the bytes of
/// a little-endian word, each 0 to 9 (add [`ASCII_ZEROS`] for text). Three rounds of
/// divide-by-multiply split the number into halves, pairs and digits, all lanes at once.
#[inline]
pub(crate) fn digits8(n: u32) -> u64 {
    let n = u64::from(n);
    // [n / 10^4, n % 10^4] in 32-bit lanes, the more significant half first.
    let halves = (n / 10_000) | ((n % 10_000) << 32);
    // x * 10_486 >> 20 == x / 100 for every x below 10^4.
    let hundreds = ((halves * 10_486) >> 20) & 0x0000_007F_0000_007F;
    let pairs = hundreds | ((halves - hundreds * 100) << 16);
    // x * 103 >> 10 == x / 10 for every x below 100.
    let tens = ((pairs * 103) >> 10) & 0x000F_000F_000F_000F;
    tens | ((pairs - tens * 10) << 8)
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

    #[test]
    fn parse_refuses_instants_outside_the_range_and_says_why() {
        let read = |text: &str| text.parse::<Timestamp>().map_err(|err| err.to_string());
        let before = String::from("invalid timestamp: before 1970-01-01T00:00:00Z");
        let after = String::from("invalid timestamp: after 9999-12-31T23:59:59.999999999Z");
        assert_eq!(read("1970-01-01T01:00:00+01:00"), Ok(Timestamp::UNIX_EPOCH));
        assert_eq!(read("1970-01-01T00:59:59.9+01:00"), Err(before.clone()));
        assert_eq!(read("0000-01-01T00:00:00Z"), Err(before));
        assert_eq!(read("9999-12-31T23:59:59.9999999999Z"), Ok(Timestamp::MAX));
        assert_eq!(
            read("9999-12-31T22:59:59.999999999-01:00"),
            Ok(Timestamp::MAX)
        );
        assert_eq!(read("9999-12-31T23:59:59-00:01"), Err(after.clone()));
        // A leap second at the end of 9999 is the first second of 10000.
        assert_eq!(read("9999-12-31T23:59:60Z"), Err(after));
        assert_eq!(
            read("2026-05-01 12:00:00Z"),
            Err("invalid RFC 3339 timestamp: not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)".into())
        );
        assert_eq!(
            read("2026-05-01T12:34:60Z"),
            Err(
                "invalid RFC 3339 timestamp: second 60 outside the last minute of a UTC day".into()
            )
        );
    }

    #[test]
    fn display_precision_keeps_that_many_digits_of_the_fraction() {
        let mut buf = TimestampBuf::new();
        for ts in [
            Timestamp::UNIX_EPOCH,
            Timestamp::MAX,
            Timestamp::from_unix(1_777_636_800, 120_000_000).expect("in range"),
            Timestamp::from_unix(1_777_636_800, 987_654_321).expect("in range"),
        ] {
            let nanos = buf.format(ts, Precision::Nanos).to_owned();
            for digits in 0..=12 {
                let kept = if digits == 0 {
                    nanos[..SECONDS_LEN].to_owned()
                } else {
                    nanos[..SECONDS_LEN + 1 + digits.min(9)].to_owned()
                };
                assert_eq!(format!("{ts:.digits$}"), kept + "Z", "{digits}");
                assert_eq!(format!("{ts:#.digits$}"), format!("{ts:.digits$}"));
            }
            let fixed = [
                (0, Precision::Seconds),
                (3, Precision::Millis),
                (6, Precision::Micros),
                (9, Precision::Nanos),
            ];
            for (digits, precision) in fixed {
                assert_eq!(format!("{ts:.digits$}"), buf.format(ts, precision));
            }
            let millis = buf.format(ts, Precision::Millis).to_owned();
            assert_eq!(format!("{ts:*^28.3}"), format!("**{millis}**"));
            assert_eq!(format!("{ts:*^27.3}"), format!("*{millis}**"));
            assert_eq!(format!("{ts:*<26.3}"), format!("{millis}**"));
            assert_eq!(format!("{ts:*>26.3}"), format!("**{millis}"));
            assert_eq!(format!("{ts:*>3.3}"), millis);
        }
    }

    #[test]
    fn a_clock_outside_1970_to_9999_reads_as_the_nearest_end() {
        let max = i64::try_from(MAX_SECS).expect("fits");
        assert_eq!(Timestamp::clamped(-1, 999_999_999), Timestamp::UNIX_EPOCH);
        assert_eq!(Timestamp::clamped(i64::MIN, 0), Timestamp::UNIX_EPOCH);
        assert_eq!(Timestamp::clamped(0, 0), Timestamp::UNIX_EPOCH);
        assert_eq!(Timestamp::clamped(max, 999_999_999), Timestamp::MAX);
        assert_eq!(Timestamp::clamped(max + 1, 0), Timestamp::MAX);
        assert_eq!(Timestamp::clamped(i64::MAX, 5), Timestamp::MAX);
        assert_eq!(
            Timestamp::clamped(1_777_636_800, 5),
            Timestamp::from_unix(1_777_636_800, 5).expect("in range")
        );
    }

    #[test]
    fn digits8_matches_division() {
        // Every value below 10^5, then a stride through the rest of the range; under Miri
        // (about 1000 times slower), a sparser sample.
        let (dense, stride) = if cfg!(miri) {
            (100, 9_999_991)
        } else {
            (100_000, 9_973)
        };
        let values = (0..dense)
            .chain((0..100_000_000).step_by(stride))
            .chain([99_999_999]);
        for n in values {
            let expected = format!("{n:08}");
            let got = (digits8(n) | ASCII_ZEROS).to_le_bytes();
            assert_eq!(&got, expected.as_bytes(), "{n}");
        }
    }

    /// Every value below 10^8: about a second in release, a minute in debug.
    /// `cargo test --release --lib -- --ignored digits8`
    #[test]
    #[ignore = "exhaustive; run with --release --ignored"]
    fn digits8_matches_division_for_every_value() {
        let mut text = *b"00000000";
        for n in 0..100_000_000u32 {
            assert_eq!((digits8(n) | ASCII_ZEROS).to_le_bytes(), text, "{n}");
            // Increment the decimal text.
            for digit in text.iter_mut().rev() {
                if *digit == b'9' {
                    *digit = b'0';
                } else {
                    *digit += 1;
                    break;
                }
            }
        }
    }

    /// Every day from 1970-01-01 to 9999-12-31, at its first and last second, against a
    /// calendar walk that counts days through months and leap years, independent of the
    /// day-number arithmetic: about a second in release.
    /// `cargo test --release --lib -- --ignored every_day`
    #[test]
    #[ignore = "exhaustive; run with --release --ignored"]
    fn every_day_from_1970_to_9999_formats_as_a_calendar_walk() {
        let mut secs = 0u64;
        let mut out = [0u8; SECONDS_LEN];
        for year in 1970..=9999u32 {
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            for month in 1..=12u32 {
                let days = match month {
                    2 if leap => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                for day in 1..=days {
                    let date = format!("{year:04}-{month:02}-{day:02}T");
                    format_seconds(secs, &mut out);
                    assert_eq!(&out[..], format!("{date}00:00:00").as_bytes(), "{secs}");
                    format_seconds(secs + SECS_PER_DAY - 1, &mut out);
                    assert_eq!(&out[..], format!("{date}23:59:59").as_bytes(), "{secs}");
                    secs += SECS_PER_DAY;
                }
            }
        }
        // The walk ends where the range does.
        assert!(Timestamp::from_unix(i64::try_from(secs - 1).unwrap(), 0).is_some());
        assert!(Timestamp::from_unix(i64::try_from(secs).unwrap(), 0).is_none());
    }

    #[test]
    fn auto_fraction_trims_like_the_decimal_text() {
        let stride = if cfg!(miri) { 9_999_991 } else { 7_919 };
        let nanos = (0..1_000_000_000u32).step_by(stride).chain([
            0,
            1,
            10,
            100_000_000,
            120_000_000,
            999_999_999,
            500_000_000,
            100,
        ]);
        for n in nanos {
            let full = format!(".{n:09}");
            let trimmed = full.trim_end_matches('0');
            let expected = if trimmed == "." { "" } else { trimmed };
            let (bytes, len) = fraction(n, Precision::Auto);
            assert_eq!(&bytes[..], full.as_bytes(), "{n}");
            assert_eq!(&full[..len], expected, "{n}");
        }
    }

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
    fn system_time_round_trips_and_display_pads() {
        let instants = [
            Timestamp::UNIX_EPOCH,
            Timestamp::MAX,
            Timestamp::from_unix(1_777_636_800, 1).expect("in range"),
        ];
        for ts in instants {
            let system = std::time::SystemTime::from(ts);
            assert_eq!(Timestamp::from_system_time(system), Some(ts));
        }
        let ts = Timestamp::from_unix(0, 0).expect("epoch");
        assert_eq!(format!("[{ts:>22}]"), "[  1970-01-01T00:00:00Z]");
        assert_eq!(format!("{ts:#}"), "1970-01-01T00:00:00.000000000Z");
    }

    #[test]
    fn now_is_recent() {
        let now = Timestamp::now();
        let std_now = Timestamp::from_system_time(std::time::SystemTime::now()).unwrap();
        assert!(std_now.unix_secs().abs_diff(now.unix_secs()) <= 1);
        assert!(now.unix_secs() > 1_700_000_000);
    }
}
