//! The human form of a row: `HH:MM:SS TZ  event  slot=a  key=value…`.

use std::io::{self, Write};

use logwriter::{Precision, Timestamp, TimestampBuf};

use crate::row::{self, Instant, Kind, Member, Row};

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const RESET: &str = "\x1b[0m";

/// Width of the event column: the longest kind, `commit_error`.
const EVENT_WIDTH: usize = 12;

/// Renders rows as text lines.
pub struct Renderer {
    zone: jiff::tz::TimeZone,
    full_time: bool,
    color: bool,
}

impl Renderer {
    /// `full_time` prints UTC RFC 3339 instead of the local `HH:MM:SS TZ`; `color` wraps the
    /// event name in ANSI colours.
    pub fn new(full_time: bool, color: bool) -> Renderer {
        Renderer {
            zone: jiff::tz::TimeZone::system(),
            full_time,
            color,
        }
    }

    /// Writes one rendered line for a scanned row whose `ts` is `ts` and `event` is `event`.
    ///
    /// The slot comes first, then the other fields in the order of the line. A string is
    /// written bare unless it is empty or holds a space, `"`, `=`, `\` or a control
    /// character; then it is written as a JSON string. Other values keep their JSON text.
    pub fn render(
        &self,
        out: &mut impl Write,
        line: &[u8],
        row: &Row,
        ts: Instant,
        event: &str,
    ) -> io::Result<()> {
        self.write_time(out, ts)?;
        out.write_all(b"  ")?;
        let color = if self.color {
            color_of(event, line, row)
        } else {
            None
        };
        match color {
            Some(code) => write!(out, "{code}{event}{RESET}")?,
            None => out.write_all(event.as_bytes())?,
        }
        let mut padded = false;
        let mut separator = |out: &mut dyn Write| -> io::Result<()> {
            if !padded {
                padded = true;
                let pad = EVENT_WIDTH.saturating_sub(event.len());
                write!(out, "{:pad$}", "")?;
            }
            out.write_all(b"  ")
        };
        if let Some(slot) = row.get(line, "slot") {
            if let Some(text) = row::str_value(line, slot).filter(|s| !s.is_empty()) {
                separator(out)?;
                out.write_all(b"slot=")?;
                write_text(out, &text)?;
            }
        }
        for member in row.members() {
            let key = row::key_text(line, member);
            if matches!(&*key, "ts" | "event" | "slot") {
                continue;
            }
            separator(out)?;
            write_text(out, &key)?;
            out.write_all(b"=")?;
            write_value(out, line, member)?;
        }
        out.write_all(b"\n")
    }

    fn write_time(&self, out: &mut impl Write, (secs, nanos): Instant) -> io::Result<()> {
        if self.full_time {
            return match Timestamp::from_unix(secs, nanos) {
                Some(ts) => {
                    out.write_all(TimestampBuf::new().format(ts, Precision::Auto).as_bytes())
                }
                None => write!(out, "{secs}.{nanos:09}"),
            };
        }
        let clock = |out: &mut dyn Write, local: i64, zone: &str| {
            let of_day = local.rem_euclid(86_400);
            write!(
                out,
                "{:02}:{:02}:{:02} {zone}",
                of_day / 3600,
                of_day / 60 % 60,
                of_day % 60
            )
        };
        let instant = i32::try_from(nanos)
            .ok()
            .and_then(|n| jiff::Timestamp::new(secs, n).ok());
        match instant {
            Some(instant) => {
                let info = self.zone.to_offset_info(instant);
                let local = secs + i64::from(info.offset().seconds());
                clock(out, local, info.abbreviation())
            }
            None => clock(out, secs, "UTC"),
        }
    }
}

/// The colour of an event: `commit` green; `commit_error` and `error` red; `close` by its `result`
/// (success green, fail red, fork yellow).
fn color_of(event: &str, line: &[u8], row: &Row) -> Option<&'static str> {
    match event {
        "commit" => Some(GREEN),
        "commit_error" | "error" => Some(RED),
        "close" => {
            let result = row
                .get(line, "result")
                .and_then(|m| row::str_value(line, m))?;
            match &*result {
                "success" => Some(GREEN),
                "fail" => Some(RED),
                "fork" => Some(YELLOW),
                _ => None,
            }
        }
        _ => None,
    }
}

fn needs_quotes(text: &str) -> bool {
    text.is_empty()
        || text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '=' | '\\'))
}

fn write_text(out: &mut impl Write, text: &str) -> io::Result<()> {
    if needs_quotes(text) {
        serde_json::to_writer(&mut *out, text).map_err(io::Error::from)
    } else {
        out.write_all(text.as_bytes())
    }
}

fn write_value(out: &mut impl Write, line: &[u8], member: &Member) -> io::Result<()> {
    match member.kind {
        Kind::Str => write_text(out, &row::str_value(line, member).unwrap_or_default()),
        Kind::Number | Kind::Bool | Kind::Null | Kind::Nested => {
            out.write_all(&line[member.value.clone()])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(line: &str, full_time: bool, color: bool) -> String {
        let mut row = Row::default();
        row.scan(line.as_bytes()).unwrap();
        let ts = row
            .get(line.as_bytes(), "ts")
            .and_then(|m| row::str_value(line.as_bytes(), m))
            .and_then(|t| row::parse_rfc3339(t.as_bytes()))
            .unwrap();
        let event = row
            .get(line.as_bytes(), "event")
            .and_then(|m| row::str_value(line.as_bytes(), m))
            .unwrap()
            .into_owned();
        let renderer = Renderer {
            zone: jiff::tz::TimeZone::UTC,
            full_time,
            color,
        };
        let mut out = Vec::new();
        renderer
            .render(&mut out, line.as_bytes(), &row, ts, &event)
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn renders_table() {
        let rows: &[(&str, bool, bool, &str)] = &[
            (
                r#"{"ts":"2026-05-01T12:00:00Z","event":"commit","slot":"a","sha":"abc","files":4}"#,
                false,
                false,
                "12:00:00 UTC  commit        slot=a  sha=abc  files=4\n",
            ),
            (
                r#"{"ts":"2026-05-01T12:00:00.25Z","event":"renew"}"#,
                true,
                false,
                "2026-05-01T12:00:00.25Z  renew\n",
            ),
            (
                r#"{"ts":"2026-05-01T14:00:00+02:00","event":"error","reason":"a b","x":"","ok":false,"n":null}"#,
                true,
                true,
                "2026-05-01T12:00:00Z  \x1b[31merror\x1b[0m         reason=\"a b\"  x=\"\"  ok=false  n=null\n",
            ),
            (
                r#"{"ts":"2026-05-01T12:00:00Z","event":"close","result":"fork","summary":"x=\u00e9"}"#,
                false,
                true,
                "12:00:00 UTC  \x1b[33mclose\x1b[0m         result=fork  summary=\"x=é\"\n",
            ),
        ];
        for &(line, full_time, color, expected) in rows {
            assert_eq!(render(line, full_time, color), expected, "{line}");
        }
    }
}
