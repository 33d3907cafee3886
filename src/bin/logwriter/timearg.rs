//! Durations (`100ms`, `5m`, `1h30m`) and `--since` values on the command line.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::row::{rfc3339, Instant};

/// Parses a duration: one or more `<integer><unit>` parts, units `ms`, `s`, `m`, `h`, `d`,
/// or a bare `0`, which is zero in any unit.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("invalid duration '{text}' (expected e.g. 100ms, 30s, 5m, 1h30m, 2d)");
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(invalid());
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total = Duration::ZERO;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let number: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let millis_per = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(invalid()),
        };
        rest = &rest[unit_len..];
        let part = number.checked_mul(millis_per).ok_or_else(invalid)?;
        total = total
            .checked_add(Duration::from_millis(part))
            .ok_or_else(invalid)?;
    }
    Ok(total)
}

/// Parses `--since`: a duration before `now` or an RFC 3339 date-time.
pub fn parse_since(text: &str, now: SystemTime) -> Result<Instant, String> {
    match rfc3339::parse(text.as_bytes()) {
        Ok(instant) => return Ok(instant),
        // A date: say what is wrong with it, rather than offer a duration.
        Err(reason) if text.as_bytes().get(4) == Some(&b'-') => {
            return Err(format!("invalid --since '{text}': {reason}"));
        }
        Err(_) => {}
    }
    let ago = parse_duration(text).map_err(|_| {
        format!("invalid --since '{text}' (expected a duration such as 5m or 2h, or an RFC 3339 time such as 2026-05-01T12:00:00Z)")
    })?;
    // Before anything a system time can hold: every row is after it.
    let Some(since) = now.checked_sub(ago) else {
        return Ok((i64::MIN, 0));
    };
    Ok(match since.duration_since(UNIX_EPOCH) {
        Ok(after) => (
            i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            after.subsec_nanos(),
        ),
        // Before 1970, as rows may be: whole seconds down, nanoseconds up (-0.5 s is
        // (-1, 500000000)), as `parse_rfc3339` reads such a `ts`.
        Err(before) => {
            let before = before.duration();
            let secs = i64::try_from(before.as_secs()).map_or(i64::MIN, |secs| -secs);
            match before.subsec_nanos() {
                0 => (secs, 0),
                nanos => (secs.saturating_sub(1), 1_000_000_000 - nanos),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::parse_rfc3339;

    #[test]
    fn durations_table() {
        let rows: &[(&str, Option<u64>)] = &[
            ("100ms", Some(100)),
            ("30s", Some(30_000)),
            ("5m", Some(300_000)),
            ("1h30m", Some(5_400_000)),
            ("2d", Some(172_800_000)),
            ("", None),
            ("5", None),
            ("0", Some(0)),
            ("00", None),
            ("0s", Some(0)),
            ("m", None),
            ("5x", None),
            ("-5m", None),
        ];
        for &(text, millis) in rows {
            assert_eq!(
                parse_duration(text).ok(),
                millis.map(Duration::from_millis),
                "{text}"
            );
        }
    }

    #[test]
    fn since_table() {
        let now = UNIX_EPOCH + Duration::from_secs(1_777_636_800);
        assert_eq!(parse_since("5m", now), Ok((1_777_636_500, 0)));
        assert_eq!(
            parse_since("2026-05-01T12:00:00Z", now),
            Ok((1_777_636_800, 0))
        );
        // Before 1970, the same instant as the text would give.
        let epoch = UNIX_EPOCH + Duration::from_millis(500);
        assert_eq!(parse_since("1s", epoch), Ok((-1, 500_000_000)));
        assert_eq!(
            parse_since("1s", epoch),
            Ok(parse_rfc3339(b"1969-12-31T23:59:59.5Z").unwrap())
        );
        assert_eq!(parse_since("3s", UNIX_EPOCH), Ok((-3, 0)));
        let cutoff = parse_since("30000d", now).unwrap();
        assert_eq!(cutoff, (1_777_636_800 - 30_000 * 86_400, 0));
        assert!(cutoff < (0, 0) && cutoff > parse_rfc3339(b"1900-01-01T00:00:00Z").unwrap());
        assert!(parse_since("yesterday", now)
            .unwrap_err()
            .contains("invalid --since"));
        // A date says what is wrong with it.
        assert_eq!(
            parse_since("2026-02-30T12:00:00Z", now),
            Err("invalid --since '2026-02-30T12:00:00Z': day out of range for its month".into())
        );
        assert_eq!(
            parse_since("2026-05-01 12:00:00Z", now),
            Err("invalid --since '2026-05-01 12:00:00Z': not of the form \
                 YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"
                .into())
        );
    }
}
