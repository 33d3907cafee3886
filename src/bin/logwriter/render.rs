//! The human form of a row: `HH:MM:SS TZ  event  slot=a  key=value…`.

use std::ffi::OsStr;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;

use jiff::tz::TimeZone;

use logwriter::{Precision, Timestamp, TimestampBuf};

use crate::row::{self, Instant, Kind, Member, Row};

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const RESET: &str = "\x1b[0m";

/// Largest time zone file read from a `TZ` path (zone files are a few KiB).
const MAX_ZONE_FILE: u64 = 1 << 20;

/// The local time zone. Without `TZ`, the system's (`/etc/localtime`), as jiff finds it.
/// With `TZ` (a leading `:` aside), as the C library reads it: empty is UTC; an absolute
/// path, the zone file there; a relative name, the zone file of that name under `TZDIR`
/// (default `/usr/share/zoneinfo`; `posix/Europe/Paris` too, which jiff's database leaves
/// out), else a POSIX rule (`EST5EDT,M3.2.0,M11.1.0`; without dates, the United States'
/// daylight-saving dates since 2007, for every year), else (beyond the C library) a zone
/// file at that path under the working directory. Anything else gives UTC, as jiff and the
/// C library do for a `TZ` they cannot use. With `TZ` set, zone files are read here
/// ([`zone_file`]), never by jiff, whose database would open and read whole whatever is at
/// a name (a FIFO would block; it also matches names without regard to case, and looks
/// elsewhere than `TZDIR`).
fn local_zone() -> TimeZone {
    let Some(tz) = std::env::var_os("TZ") else {
        return TimeZone::system();
    };
    let tz = tz.as_bytes();
    let tz = tz.strip_prefix(b":").unwrap_or(tz);
    if tz.is_empty() {
        return TimeZone::UTC;
    }
    let path = OsStr::from_bytes(tz);
    if !tz.starts_with(b"/") {
        if let Some(zone) = named_zone(tz) {
            return zone;
        }
    }
    zone_file(path).unwrap_or(TimeZone::UTC)
}

/// The zone a relative `TZ` names: a zone file under `TZDIR`, else a POSIX rule (see
/// [`local_zone`]).
fn named_zone(tz: &[u8]) -> Option<TimeZone> {
    let dir = std::env::var_os("TZDIR").filter(|dir| !dir.is_empty());
    let dir = std::path::Path::new(dir.as_deref().unwrap_or(OsStr::new("/usr/share/zoneinfo")));
    if let Some(zone) = zone_file(dir.join(OsStr::from_bytes(tz)).as_os_str()) {
        return Some(zone);
    }
    let text = std::str::from_utf8(tz).ok()?;
    if let Ok(zone) = TimeZone::posix(text) {
        return Some(zone);
    }
    // A rule with a daylight-saving name but no dates (`CET-1CEST`, or `EST5EDT,`),
    // which jiff refuses: the dates the United States has used since 2007, for every
    // year, as the C library uses when `TZDIR` has no `posixrules` (with one, it
    // takes that zone's changes: America/New_York's on Debian, other dates before 2007).
    let dated = match text.split_once(',') {
        None => Some(format!("{text},M3.2.0,M11.1.0")),
        Some((_, "")) => Some(format!("{text}M3.2.0,M11.1.0")),
        Some(_) => None,
    };
    dated.and_then(|rule| TimeZone::posix(&rule).ok())
}

/// The zone in the file at `path`, if it is a regular file of at most [`MAX_ZONE_FILE`]
/// bytes in zone file (`TZif`) form. Looked at by its path, then opened without waiting
/// (a FIFO put there meanwhile would block) and looked at again through the descriptor,
/// then read at most one byte past the limit: a device
/// (`/dev/zero`), a pipe (`/dev/stdin`, which would take the rows of a log read from
/// standard input) or a pseudo-file larger than its size says (`/proc/self/pagemap`) is
/// not read, or not far.
fn zone_file(path: &OsStr) -> Option<TimeZone> {
    use rustix::fs::{FileType, Mode, OFlags};
    let regular = |stat: rustix::fs::Stat| FileType::from_raw_mode(stat.st_mode).is_file();
    // Not opened unless it is a regular file: opening a FIFO would release a writer
    // waiting at its other end, and opening a device can act on it.
    if !rustix::fs::stat(path).is_ok_and(regular) {
        return None;
    }
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    let fd = rustix::fs::open(path, flags, Mode::empty()).ok()?;
    if !rustix::fs::fstat(&fd).is_ok_and(regular) {
        return None;
    }
    let mut data = Vec::new();
    io::Read::read_to_end(
        &mut io::Read::take(std::fs::File::from(fd), MAX_ZONE_FILE + 1),
        &mut data,
    )
    .ok()?;
    if data.len() as u64 > MAX_ZONE_FILE {
        return None;
    }
    TimeZone::tzif(&path.to_string_lossy(), &data).ok()
}

/// Width of the event column: the longest kind, `commit_error`.
const EVENT_WIDTH: usize = 12;

/// Renders rows as text lines.
pub struct Renderer {
    /// The local time zone ([`local_zone`]), found when the renderer is made, before any
    /// log is opened; not looked for with `--full-time`.
    zone: TimeZone,
    full_time: bool,
    color: bool,
}

impl Renderer {
    /// `full_time` prints UTC RFC 3339 instead of the local `HH:MM:SS TZ`; `color` wraps the
    /// event name in ANSI colours.
    pub fn new(full_time: bool, color: bool) -> Renderer {
        Renderer {
            zone: if full_time {
                TimeZone::UTC
            } else {
                local_zone()
            },
            full_time,
            color,
        }
    }

    /// Writes one rendered line for a scanned row whose `ts` is `ts` and `event` is `event`.
    ///
    /// The event comes first, then the slot, then the other fields in the order of the line.
    /// A string (the event, a key or a value) is written bare unless it is empty or holds
    /// whitespace, `"`, `=`, `\`, a control character or an [invisible or reordering
    /// character](is_terminal_unsafe); then it is written as a JSON string, with `"`, `\`
    /// and those characters escaped. Other values keep their JSON text, with the control
    /// and format characters inside nested strings escaped too: nothing from the file
    /// reaches the terminal as a control sequence or reorders the text around it.
    pub fn render(
        &self,
        out: &mut impl Write,
        line: &[u8],
        row: &Row,
        ts: Instant,
        event: &str,
    ) -> io::Result<()> {
        self.write_time(out, ts, line, row)?;
        out.write_all(b"  ")?;
        let color = if self.color {
            color_of(event, line, row)
        } else {
            None
        };
        // The event is text from the file like any other string: written the same way.
        if let Some(code) = color {
            out.write_all(code.as_bytes())?;
        }
        let event_width = write_text(out, event)?;
        if color.is_some() {
            out.write_all(RESET.as_bytes())?;
        }
        let mut padded = false;
        let mut separator = |out: &mut dyn Write| -> io::Result<()> {
            if !padded {
                padded = true;
                let pad = EVENT_WIDTH.saturating_sub(event_width);
                write!(out, "{:pad$}", "")?;
            }
            out.write_all(b"  ")
        };
        // A slot that is a string comes first, and not at all when empty (no slot); one of
        // another type (never written by this crate) stays among the fields.
        let slot = row.get(line, "slot").and_then(|m| row::str_value(line, m));
        if let Some(text) = slot.as_deref().filter(|s| !s.is_empty()) {
            separator(out)?;
            out.write_all(b"slot=")?;
            write_str(out, text)?;
        }
        for member in row.members() {
            let key = row::key_text(line, member);
            if matches!(&*key, "ts" | "event") || (key == "slot" && slot.is_some()) {
                continue;
            }
            separator(out)?;
            write_text(out, &key)?;
            out.write_all(b"=")?;
            write_value(out, line, member)?;
        }
        out.write_all(b"\n")
    }

    /// Writes the row's time: UTC RFC 3339 with `full_time`, else the local `HH:MM:SS TZ`.
    fn write_time(
        &self,
        out: &mut impl Write,
        (secs, nanos): Instant,
        line: &[u8],
        row: &Row,
    ) -> io::Result<()> {
        if self.full_time {
            return write_full_time(out, (secs, nanos), line, row);
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

/// The first second RFC 3339 can write in UTC, `0000-01-01T00:00:00Z`.
const FIRST_RFC3339_SECOND: i64 = -62_167_219_200;

/// Writes `(secs, nanos)` as UTC RFC 3339, the fraction without trailing zeros: from 1970 to
/// 9999 with this crate's formatter, the rows it writes; before 1970 with `jiff`, which
/// writes the same form.
///
/// A row can name an instant in UTC year -1 or 10000 through its offset
/// (`0000-01-01T00:30:00+01:00`, `9999-12-31T23:00:00-02:00`), which RFC 3339 cannot write
/// in UTC: its `ts` text is written as it is in the line.
fn write_full_time(
    out: &mut impl Write,
    (secs, nanos): Instant,
    line: &[u8],
    row: &Row,
) -> io::Result<()> {
    if let Some(ts) = Timestamp::from_unix(secs, nanos) {
        return out.write_all(TimestampBuf::new().format(ts, Precision::Auto).as_bytes());
    }
    let before_1970 = i32::try_from(nanos)
        .ok()
        .filter(|_| secs >= FIRST_RFC3339_SECOND)
        .and_then(|nanos| jiff::Timestamp::new(secs, nanos).ok());
    if let Some(ts) = before_1970 {
        return write!(out, "{ts}");
    }
    let text = row
        .get(line, "ts")
        .and_then(|m| row::str_value(line, m))
        .unwrap_or_default();
    write_text(out, &text).map(drop)
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

/// Characters escaped beyond what JSON requires: DEL and the C1 controls (U+0080–U+009F;
/// U+009B is an 8-bit CSI that some terminals obey); every format character (Unicode's
/// general category Cf), among them the bidi controls that reorder the text around them
/// (Trojan Source, CVE-2021-42574); every default-ignorable code point, assigned or not,
/// which a terminal shows as nothing (`a\u{200b}` would show as `a`); and the line and
/// paragraph separators. Unicode 16.
fn is_terminal_unsafe(c: char) -> bool {
    matches!(
        c,
        '\u{7f}'..='\u{9f}'
            | '\u{ad}'
            | '\u{34f}'
            | '\u{600}'..='\u{605}'
            | '\u{61c}'
            | '\u{6dd}'
            | '\u{70f}'
            | '\u{890}'..='\u{891}'
            | '\u{8e2}'
            | '\u{115f}'..='\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// Whether `c` is written as an escape inside a JSON string by [`write_json_string`].
fn needs_escape(c: char) -> bool {
    c < ' ' || c == '"' || c == '\\' || is_terminal_unsafe(c)
}

/// Whether `text` is written as a JSON string rather than bare: it is empty, or holds
/// whitespace, `=` or a character that [`needs_escape`].
fn needs_quotes(text: &str) -> bool {
    text.is_empty()
        || text
            .chars()
            .any(|c| c.is_whitespace() || c == '=' || needs_escape(c))
}

/// Whether a string value written bare would read as a value of another type: `null`,
/// `true`, `false`, a number (`123`, `-1.5e3`), an array or an object. Such a string is
/// quoted, so that `n="123"` and `n=123` stay apart; a text that is not JSON (`0a1b2c`, a
/// sha) stays bare.
fn reads_as_json(text: &str) -> bool {
    matches!(text, "null" | "true" | "false")
        || is_json_number(text.as_bytes())
        || (text.starts_with(['[', '{']) && serde_json::from_str::<serde_json::Value>(text).is_ok())
}

/// Whether `text` is a number by JSON's grammar, whatever its size (`1e400` too, which a
/// parser refuses as out of range but a reader still takes for a number).
fn is_json_number(text: &[u8]) -> bool {
    let digits = |from: usize| {
        from + text[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut at = usize::from(text.first() == Some(&b'-'));
    at = match text.get(at) {
        Some(b'0') => at + 1,
        Some(b'1'..=b'9') => digits(at),
        _ => return false,
    };
    if text.get(at) == Some(&b'.') {
        let end = digits(at + 1);
        if end == at + 1 {
            return false;
        }
        at = end;
    }
    if matches!(text.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(text.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let end = digits(at);
        if end == at {
            return false;
        }
        at = end;
    }
    at == text.len()
}

/// Writes `text` bare, or as a JSON string if [`needs_quotes`]; returns the bytes written.
fn write_text(out: &mut impl Write, text: &str) -> io::Result<usize> {
    if needs_quotes(text) {
        write_json_string(out, text)
    } else {
        out.write_all(text.as_bytes())?;
        Ok(text.len())
    }
}

/// Writes `text` as a JSON string; returns the bytes written.
///
/// `"`, `\` and the C0 controls are escaped as `serde_json` escapes them (`\b \f \n \r \t`
/// in their short forms, the others as lowercase `\u00XX`), and so is every
/// [terminal-unsafe](is_terminal_unsafe) character, as `\uXXXX`. Unescaped runs are copied
/// in one slice.
fn write_json_string(out: &mut impl Write, text: &str) -> io::Result<usize> {
    out.write_all(b"\"")?;
    let mut written = 2;
    let mut start = 0;
    for (at, c) in text.char_indices().filter(|&(_, c)| needs_escape(c)) {
        let (escape, len) = escape(c);
        out.write_all(&text.as_bytes()[start..at])?;
        out.write_all(&escape[..len])?;
        written += at - start + len;
        start = at + c.len_utf8();
    }
    out.write_all(&text.as_bytes()[start..])?;
    out.write_all(b"\"")?;
    Ok(written + text.len() - start)
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// The escape of a character that [`needs_escape`]: `\` and a letter for the short forms,
/// else `\uXXXX` with lowercase hex digits, and for a character past the Basic Multilingual
/// Plane its UTF-16 surrogate pair, `\uXXXX\uXXXX`, as JSON spells it. The bytes and how
/// many of them are used.
fn escape(c: char) -> ([u8; 12], usize) {
    let letter = match c {
        '"' => b'"',
        '\\' => b'\\',
        '\u{8}' => b'b',
        '\u{c}' => b'f',
        '\n' => b'n',
        '\r' => b'r',
        '\t' => b't',
        _ => {
            let mut units = [0u16; 2];
            let mut out = [0u8; 12];
            let units = c.encode_utf16(&mut units);
            for (unit, slot) in units.iter().zip(out.chunks_exact_mut(6)) {
                let hex = |shift: u16| HEX_DIGITS[usize::from(unit >> shift & 0xF)];
                slot.copy_from_slice(&[b'\\', b'u', hex(12), hex(8), hex(4), hex(0)]);
            }
            return (out, 6 * units.len());
        }
    };
    let mut out = [0u8; 12];
    out[..2].copy_from_slice(&[b'\\', letter]);
    (out, 2)
}

/// Writes nested JSON text (an array or an object) with every
/// [terminal-unsafe](is_terminal_unsafe) character replaced by its `\uXXXX` escape and
/// every C0 control by a space. Outside strings JSON text is ASCII without DEL, so those
/// characters only occur inside strings, where the escape means the same; a C0 control
/// only occurs between tokens, as whitespace (`\t`, `\r`), which a space is too. The text
/// stays valid JSON, with the same value, and a `\r` cannot send the cursor back to paint
/// over the row.
fn write_nested(out: &mut impl Write, json: &[u8]) -> io::Result<()> {
    // The scanner checked the line's strings as UTF-8; were a byte not, it would be
    // written as U+FFFD rather than as it is, which could be half of a C1 control.
    let text = String::from_utf8_lossy(json);
    let mut start = 0;
    for (at, c) in text
        .char_indices()
        .filter(|&(_, c)| c < ' ' || is_terminal_unsafe(c))
    {
        out.write_all(&text.as_bytes()[start..at])?;
        if c < ' ' {
            out.write_all(b" ")?;
        } else {
            let (escape, len) = escape(c);
            out.write_all(&escape[..len])?;
        }
        start = at + c.len_utf8();
    }
    out.write_all(&text.as_bytes()[start..])
}

/// A string value: quoted when it would read as a value of another type (`"7"`, `"null"`),
/// so that it stays apart from that value.
fn write_str(out: &mut impl Write, text: &str) -> io::Result<()> {
    if reads_as_json(text) {
        write_json_string(out, text)?;
    } else {
        write_text(out, text)?;
    }
    Ok(())
}

fn write_value(out: &mut impl Write, line: &[u8], member: &Member) -> io::Result<()> {
    match member.kind {
        Kind::Str => write_str(out, &row::str_value(line, member).unwrap_or_default()),
        Kind::Nested => write_nested(out, &line[member.value.clone()]),
        Kind::Number | Kind::Bool | Kind::Null => out.write_all(&line[member.value.clone()]),
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
            zone: TimeZone::UTC,
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

    /// A string that would read as another JSON value is quoted; the value itself, and
    /// strings that only start like one, are not.
    #[test]
    fn strings_that_read_as_other_values_are_quoted() {
        let line = r#"{"ts":"2026-05-01T12:00:00Z","event":"join","a":"null","b":null,"c":"123","d":123,"e":"true","f":true,"g":"false","h":"-1.5e3","i":"[1]","j":"{}","k":"0a1b","l":"nope","m":"-","n":"1.","o":"[x","p":"1e400","q":1e400,"r":"01","s":"-0.5E+2","t":"1e","u":"Infinity"}"#;
        assert_eq!(
            render(line, false, false),
            "12:00:00 UTC  join          a=\"null\"  b=null  c=\"123\"  d=123  e=\"true\"  f=true  g=\"false\"  h=\"-1.5e3\"  i=\"[1]\"  j=\"{}\"  k=0a1b  l=nope  m=-  n=1.  o=[x  p=\"1e400\"  q=1e400  r=01  s=\"-0.5E+2\"  t=1e  u=Infinity\n"
        );
    }

    #[test]
    fn full_time_outside_1970_to_9999_is_rfc3339() {
        let rows: &[(&str, &str)] = &[
            ("1969-12-31T23:59:59.25Z", "1969-12-31T23:59:59.25Z"),
            (
                "1969-12-31T23:59:59.000000001Z",
                "1969-12-31T23:59:59.000000001Z",
            ),
            ("1900-01-01T01:00:00+01:00", "1900-01-01T00:00:00Z"),
            ("0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z"),
            ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"),
            ("9999-12-31T23:59:59.5Z", "9999-12-31T23:59:59.5Z"),
            // Instants RFC 3339 cannot write in UTC keep the line's text.
            ("0000-01-01T00:30:00.5+01:00", "0000-01-01T00:30:00.5+01:00"),
            ("9999-12-31T23:00:00-02:00", "9999-12-31T23:00:00-02:00"),
        ];
        for &(ts, expected) in rows {
            let line = format!(r#"{{"ts":"{ts}","event":"renew"}}"#);
            assert_eq!(
                render(&line, true, false),
                format!("{expected}  renew\n"),
                "{ts}"
            );
        }
    }

    #[test]
    fn escapes_what_a_terminal_would_obey() {
        let rows: &[(&str, &str)] = &[
            // An OSC title change, a bell and a screen clear, in the event.
            (
                r#"{"ts":"2026-05-01T12:00:00Z","event":"\u001b]0;pwned\u0007\u001b[2J"}"#,
                "12:00:00 UTC  \"\\u001b]0;pwned\\u0007\\u001b[2J\"\n",
            ),
            // An unknown event that needs quotes is padded by its quoted width.
            (
                r#"{"ts":"2026-05-01T12:00:00Z","event":"a b","n":1}"#,
                "12:00:00 UTC  \"a b\"         n=1\n",
            ),
            // C0 controls as serde_json writes them; DEL and C1 (8-bit CSI), escaped or raw.
            (
                r#"{"ts":"2026-05-01T12:00:00Z","event":"renew","s":"\b\f\n\r\t\u0001\"\\","d":"\u007f\u009b2J"}"#,
                "12:00:00 UTC  renew         s=\"\\b\\f\\n\\r\\t\\u0001\\\"\\\\\"  d=\"\\u007f\\u009b2J\"\n",
            ),
            (
                "{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"d\":\"\u{7f}\u{85}\u{9b}2J\"}",
                "12:00:00 UTC  renew         d=\"\\u007f\\u0085\\u009b2J\"\n",
            ),
            // Bidi and invisible format characters, in a value and in a key.
            (
                "{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"v\":\"a\u{202e}b\u{2066}c\u{61c}\u{200e}\u{200f}\u{202a}\u{2069}\",\"k\u{9b}\u{202d}\":1}",
                "12:00:00 UTC  renew         v=\"a\\u202eb\\u2066c\\u061c\\u200e\\u200f\\u202a\\u2069\"  \"k\\u009b\\u202d\"=1\n",
            ),
            // Inside nested values: raw ones are escaped, escaped ones stay escaped.
            (
                "{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"list\":[\"\u{9b}2J\",{\"\u{7f}\":\"\u{202e}\\u001b\"},\"\u{e9}\"]}",
                "12:00:00 UTC  renew         list=[\"\\u009b2J\",{\"\\u007f\":\"\\u202e\\u001b\"},\"\u{e9}\"]\n",
            ),
            // Whitespace between nested tokens: a tab or a carriage return is a space.
            (
                "{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"o\":[\r\"x\"\t, {\r\t\"k\" :1}\t]}",
                "12:00:00 UTC  renew         o=[ \"x\" , {  \"k\" :1} ]\n",
            ),
            // Zero-width, soft-hyphen, byte-order-mark, separator and tag characters, and
            // variation selectors: one past the Basic Multilingual Plane, as a surrogate pair.
            (
                "{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"v\":\"a\u{200b}\u{ad}\u{200d}\u{2060}\u{feff}\u{2028}\u{206a}\u{e0001}\u{fe0f}\u{3164}\"}",
                "12:00:00 UTC  renew         v=\"a\\u200b\\u00ad\\u200d\\u2060\\ufeff\\u2028\\u206a\\udb40\\udc01\\ufe0f\\u3164\"\n",
            ),
            // Characters next to the escaped ranges pass through.
            (
                "{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"v\":\"~\u{a0}\u{ac}\u{ae}\u{200a}\u{2027}\u{2030}\u{2070}\u{17b3}\u{17b6}\u{e1000}\u{fefe}\u{1f600}\"}",
                "12:00:00 UTC  renew         v=\"~\u{a0}\u{ac}\u{ae}\u{200a}\u{2027}\u{2030}\u{2070}\u{17b3}\u{17b6}\u{e1000}\u{fefe}\u{1f600}\"\n",
            ),
        ];
        for &(line, expected) in rows {
            assert_eq!(render(line, false, false), expected, "{line}");
        }
    }

    #[test]
    fn escapes_of_every_terminal_unsafe_character_parse_back_to_it() {
        let unsafe_chars = (0..=0x10_ffff_u32)
            .filter_map(char::from_u32)
            .filter(|&c| is_terminal_unsafe(c));
        let mut count = 0;
        for c in unsafe_chars {
            let text = format!("a{c}b");
            let mut ours = Vec::new();
            write_json_string(&mut ours, &text).unwrap();
            assert!(ours.is_ascii(), "{c:?} written raw");
            let back: String = serde_json::from_slice(&ours).unwrap();
            assert_eq!(back, text, "{c:?}");
            count += 1;
        }
        // DEL and C1; the ranges after them, in order.
        let ranges = [
            1, 1, 6, 1, 1, 1, 2, 1, 2, 2, 5, 5, 7, 16, 1, 16, 1, 1, 12, 1, 1, 16,
        ];
        assert_eq!(count, 33 + ranges.iter().sum::<usize>() + 4 + 8 + 4096);
    }

    #[test]
    fn json_strings_match_serde_json_where_it_escapes_enough() {
        for c in (0..=0x7e_u32).chain([0xa0, 0xe9, 0x2027, 0x1f600]) {
            let c = char::from_u32(c).unwrap();
            let text = format!("a{c}b");
            let mut ours = Vec::new();
            let len = write_json_string(&mut ours, &text).unwrap();
            assert_eq!(len, ours.len(), "{c:?}");
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&text).unwrap(),
                "{c:?}"
            );
        }
    }
}
