//! A strict, allocation-free scanner for one NDJSON row, and RFC 3339 timestamps.
//!
//! [`Row::scan`] checks that a line is exactly one JSON object (RFC 8259: UTF-8, string
//! escapes, number grammar, nesting as deep as `serde_json` reads) and records where each top-level key and
//! value lies, so callers read fields without building a map.

use std::borrow::Cow;
use std::ops::Range;

// The library's RFC 3339 reader, which `Timestamp`'s `FromStr` wraps: the tool also reads
// instants a `Timestamp` cannot hold.
#[path = "../../rfc3339.rs"]
pub(crate) mod rfc3339;

/// Deepest nesting accepted inside a row's values: with the row itself, 127 levels, the
/// most that `serde_json`'s default recursion limit (128) reads.
const MAX_DEPTH: usize = 126;

/// What an editor may put at the start of a text file: `show` and `verify` both take the
/// rest of such a line as the line, not the mark for the fragment of a write cut short.
pub const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// What kind of JSON value a member holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Str,
    Number,
    Bool,
    Null,
    /// An array or an object (never written by this crate, but valid JSON).
    Nested,
}

/// One top-level `key: value` pair, as byte ranges of the line.
#[derive(Clone, Debug)]
pub struct Member {
    /// The key's text between its quotes, still escaped.
    pub key: Range<usize>,
    /// The key contains a backslash escape.
    pub key_escaped: bool,
    /// Length, first and last byte of the raw key: different prints, different keys.
    print: u32,
    /// The value's whole JSON text (quotes included for a string).
    pub value: Range<usize>,
    pub kind: Kind,
    /// A string value that contains a backslash escape.
    pub escaped: bool,
}

/// Why a line is not one JSON object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanError {
    /// The text ended inside the object: the line was cut short.
    Truncated,
    /// Anything else: a wrong byte, bad UTF-8, trailing text, or not an object.
    Malformed,
}

type Scan<T> = Result<T, ScanError>;

/// The members of the last line scanned; reused from line to line.
#[derive(Default)]
pub struct Row {
    members: Vec<Member>,
    order: Vec<usize>,
}

impl Row {
    /// Finds the rows glued together in `line`, a line that is not one row: a writer cut
    /// short leaves a fragment without `\n` (a whole row when only the `\n` was lost), and
    /// the next line appended to the file joins it; a crash can also leave a run of NUL
    /// bytes before a line. Returns `None` if no `{"ts":` starts after byte 0 (the line is
    /// not glued), else where the first one starts; `rows` then holds the rows recovered,
    /// in order. The bytes between them, before the first and after the last are fragments.
    ///
    /// Rows are found from the end of the line. At each step, the pieces that end where the
    /// last row found begins (at first, the line's end) and start at one of the
    /// [`MAX_GLUE_TRIES`] nearest `{"ts":` before it are tried, shortest first: the first
    /// that scans as one object is a row. A piece cut short (the object still open at its
    /// end) ends the step: a longer piece could only be whole if that `{"ts":` began a
    /// nested object, which would close before the end. If no piece is whole, the piece
    /// from the nearest `{"ts":` is a fragment, or a row that a short fragment follows (a
    /// few bytes, NULs; but not `,`, `}` or `]`, which follow a nested object), and the
    /// next step ends where it starts. So a row holding nested
    /// objects whose first key is `ts` is kept whole, unless it holds [`MAX_GLUE_TRIES`] of
    /// them or more; and a nested one right after a fragment that ends before it may be
    /// taken for a row. The pieces tried add up to at most [`MAX_GLUE_SCAN`] times the
    /// line's length (plus 4 KiB): past that, the rows found so far are the ones
    /// recovered. The row scanned last is not `rows`' last: scan each again to read it.
    pub fn glued_rows(&mut self, line: &[u8], rows: &mut Vec<Range<usize>>) -> Option<usize> {
        rows.clear();
        let mut found = memchr::memmem::find_iter(line.get(1..)?, ROW_START).map(|at| at + 1);
        let first = found.next()?;
        let starts: Vec<usize> = [0, first].into_iter().chain(found).collect();
        let mut budget = MAX_GLUE_SCAN * line.len() + 4096;
        // The pieces tried end at `end` and start at one of `starts[..next]`.
        let (mut end, mut next) = (line.len(), starts.len());
        'steps: while next > 0 {
            let mut whole = None;
            for at in (next.saturating_sub(MAX_GLUE_TRIES)..next).rev() {
                let piece = &line[starts[at]..end];
                let Some(left) = budget.checked_sub(piece.len()) else {
                    break 'steps;
                };
                budget = left;
                match self.scan(piece) {
                    Ok(()) if piece.starts_with(ROW_START) => {
                        whole = Some(at);
                        break;
                    }
                    Err(ScanError::Truncated) => break,
                    _ => {}
                }
            }
            if let Some(at) = whole {
                rows.push(starts[at]..end);
                next = at;
            } else {
                next -= 1;
                if let Some(len) = self.leading_row(&line[starts[next]..end]) {
                    rows.push(starts[next]..starts[next] + len);
                }
            }
            end = starts[next];
        }
        rows.reverse();
        Some(first)
    }

    /// The length of the row `piece` starts with, if a short fragment follows it (a few
    /// bytes, NULs): the rule [`Row::glued_rows`] finds such a row by. An object that `,`,
    /// `}` or `]` follows is a nested one, of a row not found, and is not one.
    pub fn leading_row(&mut self, piece: &[u8]) -> Option<usize> {
        if !piece.starts_with(ROW_START) {
            return None;
        }
        let len = self.scan_object(piece).ok()?;
        let after = piece[len..].iter().find(|b| !b.is_ascii_whitespace());
        (!matches!(after, Some(b',' | b'}' | b']'))).then_some(len)
    }

    /// Scans `line` (without its `\n`) as one JSON object.
    pub fn scan(&mut self, line: &[u8]) -> Scan<()> {
        let end = self.scan_object(line)?;
        let mut cur = Cursor {
            bytes: line,
            at: end,
        };
        cur.skip_ws();
        if cur.at == line.len() {
            Ok(())
        } else {
            Err(ScanError::Malformed)
        }
    }

    /// Scans the JSON object that `line` starts with (after any whitespace), as
    /// [`Row::scan`] does, whatever follows it; returns where it ends.
    fn scan_object(&mut self, line: &[u8]) -> Scan<usize> {
        self.members.clear();
        let mut cur = Cursor { bytes: line, at: 0 };
        cur.skip_ws();
        cur.expect(b'{')?;
        cur.skip_ws();
        if cur.peek()? == b'}' {
            cur.at += 1;
        } else {
            loop {
                cur.skip_ws();
                cur.expect(b'"')?;
                let key_start = cur.at;
                let key_escaped = cur.string_rest()?;
                let key = key_start..cur.at - 1;
                cur.skip_ws();
                cur.expect(b':')?;
                cur.skip_ws();
                let value_start = cur.at;
                let (kind, escaped) = cur.value(0)?;
                self.members.push(Member {
                    print: fingerprint(&line[key.clone()]),
                    key,
                    key_escaped,
                    value: value_start..cur.at,
                    kind,
                    escaped,
                });
                cur.skip_ws();
                match cur.next()? {
                    b',' => {}
                    b'}' => break,
                    _ => return Err(ScanError::Malformed),
                }
            }
        }
        Ok(cur.at)
    }

    /// The members found by the last successful [`Row::scan`], in line order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The first member whose key is `key`.
    pub fn get(&self, line: &[u8], key: &str) -> Option<&Member> {
        self.members.iter().find(|m| {
            if m.key_escaped {
                key_text(line, m) == key
            } else {
                &line[m.key.clone()] == key.as_bytes()
            }
        })
    }

    /// Whether two members have the same key (compared after unescaping).
    pub fn has_duplicate_key(&mut self, line: &[u8]) -> bool {
        let members = &self.members;
        if members.iter().any(|m| m.key_escaped) {
            let mut keys: Vec<Cow<'_, str>> = members.iter().map(|m| key_text(line, m)).collect();
            keys.sort_unstable();
            return keys.windows(2).any(|w| w[0] == w[1]);
        }
        let key = |i: usize| &line[members[i].key.clone()];
        if members.len() <= 16 {
            return (0..members.len()).any(|i| {
                (i + 1..members.len())
                    .any(|j| members[i].print == members[j].print && key(i) == key(j))
            });
        }
        self.order.clear();
        self.order.extend(0..members.len());
        self.order.sort_unstable_by(|&a, &b| key(a).cmp(key(b)));
        self.order.windows(2).any(|w| key(w[0]) == key(w[1]))
    }
}

fn fingerprint(key: &[u8]) -> u32 {
    let len = u32::try_from(key.len()).unwrap_or(u32::MAX) & 0xFFFF;
    let first = key.first().copied().unwrap_or(0);
    let last = key.last().copied().unwrap_or(0);
    len << 16 | u32::from(first) << 8 | u32::from(last)
}

/// The key of `member`, unescaped.
pub fn key_text<'a>(line: &'a [u8], member: &Member) -> Cow<'a, str> {
    let quoted = &line[member.key.start - 1..=member.key.end];
    decode_str(quoted, member.key_escaped)
}

/// The text of a string value, unescaped; `None` if the member is not a string.
pub fn str_value<'a>(line: &'a [u8], member: &Member) -> Option<Cow<'a, str>> {
    (member.kind == Kind::Str).then(|| decode_str(&line[member.value.clone()], member.escaped))
}

/// Decodes a JSON string literal that [`Row::scan`] has already checked.
fn decode_str(quoted: &[u8], escaped: bool) -> Cow<'_, str> {
    let inner = &quoted[1..quoted.len() - 1];
    if escaped {
        Cow::Owned(serde_json::from_slice::<String>(quoted).unwrap_or_default())
    } else {
        Cow::Borrowed(std::str::from_utf8(inner).unwrap_or_default())
    }
}

/// Flags (high bit set) the bytes of `word` that are `"`, `\\`, below 0x20 or above 0x7F,
/// by the classic "has zero byte" and "has byte less than" bit tricks; zero if none is.
const fn needs_care(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const fn has_zero(v: u64) -> u64 {
        v.wrapping_sub(ONES) & !v & HIGH
    }
    let quote = has_zero(word ^ (ONES * b'"' as u64));
    let backslash = has_zero(word ^ (ONES * b'\\' as u64));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    quote | backslash | control | (word & HIGH)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

// Inlining these into `Row::scan` measured 18% fewer instructions per line in `verify`.
#[allow(clippy::inline_always)]
impl Cursor<'_> {
    #[inline(always)]
    fn peek(&self) -> Scan<u8> {
        self.bytes.get(self.at).copied().ok_or(ScanError::Truncated)
    }

    #[inline(always)]
    fn next(&mut self) -> Scan<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Ok(byte)
    }

    #[inline(always)]
    fn expect(&mut self, byte: u8) -> Scan<()> {
        if self.next()? == byte {
            Ok(())
        } else {
            Err(ScanError::Malformed)
        }
    }

    #[inline(always)]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// Any value; returns its kind and, for a string, whether it has escapes.
    #[inline(always)]
    fn value(&mut self, depth: usize) -> Scan<(Kind, bool)> {
        match self.peek()? {
            b'"' => {
                self.at += 1;
                Ok((Kind::Str, self.string_rest()?))
            }
            b'-' | b'0'..=b'9' => self.number().map(|()| (Kind::Number, false)),
            b't' => self.literal(b"true").map(|()| (Kind::Bool, false)),
            b'f' => self.literal(b"false").map(|()| (Kind::Bool, false)),
            b'n' => self.literal(b"null").map(|()| (Kind::Null, false)),
            b'[' | b'{' => self.nested(depth + 1).map(|()| (Kind::Nested, false)),
            _ => Err(ScanError::Malformed),
        }
    }

    /// The rest of a string after its opening quote; returns whether it has escapes.
    ///
    /// Plain ASCII runs are skipped eight bytes at a time; bytes above 0x7F are checked as
    /// UTF-8 once the string ends.
    #[inline(always)]
    fn string_rest(&mut self) -> Scan<bool> {
        let bytes = self.bytes;
        let start = self.at;
        let mut escaped = false;
        let mut non_ascii = false;
        loop {
            while let Some(chunk) = bytes.get(self.at..self.at + 8) {
                let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
                let care = needs_care(word);
                if care != 0 {
                    // The lowest flagged byte is exact (higher flags may be borrows).
                    self.at += (care.trailing_zeros() / 8) as usize;
                    break;
                }
                self.at += 8;
            }
            let byte = self.next()?;
            match byte {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.escape()?;
                }
                0..=0x1f => return Err(ScanError::Malformed),
                0x80.. => non_ascii = true,
                _ => {}
            }
        }
        if non_ascii && std::str::from_utf8(&bytes[start..self.at - 1]).is_err() {
            return Err(ScanError::Malformed);
        }
        Ok(escaped)
    }

    fn escape(&mut self) -> Scan<()> {
        match self.next()? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(()),
            b'u' => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        self.expect(b'\\')?;
                        self.expect(b'u')?;
                        if (0xDC00..=0xDFFF).contains(&self.hex4()?) {
                            Ok(())
                        } else {
                            Err(ScanError::Malformed)
                        }
                    }
                    0xDC00..=0xDFFF => Err(ScanError::Malformed),
                    _ => Ok(()),
                }
            }
            _ => Err(ScanError::Malformed),
        }
    }

    fn hex4(&mut self) -> Scan<u32> {
        let mut unit = 0;
        for _ in 0..4 {
            let digit = match self.next()? {
                b @ b'0'..=b'9' => b - b'0',
                b @ b'a'..=b'f' => b - b'a' + 10,
                b @ b'A'..=b'F' => b - b'A' + 10,
                _ => return Err(ScanError::Malformed),
            };
            unit = unit * 16 + u32::from(digit);
        }
        Ok(unit)
    }

    fn digits(&mut self) -> Scan<()> {
        if !self.peek()?.is_ascii_digit() {
            return Err(ScanError::Malformed);
        }
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        Ok(())
    }

    #[inline(always)]
    fn number(&mut self) -> Scan<()> {
        if self.peek()? == b'-' {
            self.at += 1;
        }
        if self.peek()? == b'0' {
            self.at += 1;
        } else {
            self.digits()?;
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let b'+' | b'-' = self.peek()? {
                self.at += 1;
            }
            self.digits()?;
        }
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Scan<()> {
        for &expected in word {
            if self.next()? != expected {
                return Err(ScanError::Malformed);
            }
        }
        Ok(())
    }

    /// An array or object, at nesting `depth`.
    fn nested(&mut self, depth: usize) -> Scan<()> {
        if depth > MAX_DEPTH {
            return Err(ScanError::Malformed);
        }
        let close = if self.next()? == b'[' { b']' } else { b'}' };
        self.skip_ws();
        if self.peek()? == close {
            self.at += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            if close == b'}' {
                self.expect(b'"')?;
                self.string_rest()?;
                self.skip_ws();
                self.expect(b':')?;
                self.skip_ws();
            }
            self.value(depth)?;
            self.skip_ws();
            match self.next()? {
                b',' => {}
                b if b == close => return Ok(()),
                _ => return Err(ScanError::Malformed),
            }
        }
    }
}

/// How every row a writer makes starts, and where [`Row::glued_rows`] looks for rows.
const ROW_START: &[u8] = b"{\"ts\":";

/// Most pieces [`Row::glued_rows`] tries at one step: each a scan of up to that many rows.
const MAX_GLUE_TRIES: usize = 16;

/// Most bytes [`Row::glued_rows`] scans in one line, as a multiple of its length (plus
/// 4 KiB, so that a short line can try all it needs).
const MAX_GLUE_SCAN: usize = 4;

/// An instant as seconds since the Unix epoch (negative before 1970) and nanoseconds.
pub type Instant = (i64, u32);

/// Parses an RFC 3339 date-time, `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, as the
/// library's `Timestamp` reads it, but with instants before 1970 and after 9999 too.
pub fn parse_rfc3339(text: &[u8]) -> Option<Instant> {
    rfc3339::parse(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(line: &str) -> Scan<usize> {
        let mut row = Row::default();
        row.scan(line.as_bytes()).map(|()| row.members().len())
    }

    /// The rows `glued_rows` recovers from `line`, as text.
    fn glued(line: &str) -> Option<Vec<&str>> {
        let mut rows = Vec::new();
        Row::default().glued_rows(line.as_bytes(), &mut rows)?;
        Some(rows.into_iter().map(|piece| &line[piece]).collect())
    }

    #[test]
    fn glued_rows_are_found_from_the_end() {
        let (a, b, c) = (
            r#"{"ts":"2026-05-01T12:00:00Z","event":"join"}"#,
            r#"{"ts":"2026-05-01T12:00:01Z","event":"renew"}"#,
            r#"{"ts":"2026-05-01T12:00:02Z","event":"close"}"#,
        );
        let nested = r#"{"ts":"2026-05-01T12:00:03Z","event":"renew","o":{"ts":1}}"#;
        let cut = r#"{"ts":"2026-05-01T12:00:04Z","ev"#;
        let cases: &[(String, &[&str])] = &[
            // Rows that each lost only the newline: all of them.
            (format!("{a}{b}{c}"), &[a, b, c]),
            // A fragment, then rows; a run of NUL bytes, then a row.
            (format!("{cut}{a}{b}"), &[a, b]),
            (format!("\0\0{a}"), &[a]),
            // A row cut short at the end, or between rows: the rows around it.
            (format!("{a}{b}{cut}"), &[a, b]),
            (format!("{cut}{a}{cut}"), &[a]),
            (format!("{a}{cut}{b}"), &[a, b]),
            (format!("{cut}{a}{cut}{b}{cut}{c}"), &[a, b, c]),
            // Fewer bytes than `{"ts":`, or NULs, between rows: the rows.
            (format!("{a}{{\"t{b}"), &[a, b]),
            (format!("{a}{{\"ts\"{b}"), &[a, b]),
            (format!("{a}\0\0\0{b}{{"), &[a, b]),
            // A nested object whose first key is `ts` is not where a row starts.
            (format!("{cut}{nested}"), &[nested]),
            (format!("{nested}{a}"), &[nested, a]),
            (format!("{a}{nested}{b}"), &[a, nested, b]),
            // Objects that do not start as rows do are fragments.
            (format!("{{}}{a}"), &[a]),
            (format!("{cut}{cut}"), &[]),
        ];
        for (line, rows) in cases {
            assert_eq!(glued(line).as_deref(), Some(*rows), "{line}");
        }
        assert_eq!(glued(a), None, "a row is not glued");
        assert_eq!(glued("{\"ts\":"), None);
        // Every row of a line of many, however many: each costs one scan of itself.
        let rows = format!("{a}{}", "{\"ts\":1}".repeat(1_000));
        assert_eq!(glued(&rows).map(|rows| rows.len()), Some(1_001));
        let cut_last = format!("{}{cut}", a.repeat(63));
        assert_eq!(glued(&cut_last).map(|rows| rows.len()), Some(63));
        // Fragments between and after many rows cost one scan each (a fragment is cut
        // short, which ends its step).
        let alternating = format!("{}{a}", format!("{a}{cut}").repeat(50));
        assert_eq!(glued(&alternating).map(|rows| rows.len()), Some(51));
        let cut_after = format!("{}{}", a.repeat(30), cut.repeat(30));
        assert_eq!(glued(&cut_after).map(|rows| rows.len()), Some(30));
        // A line full of `{"ts":` that are not rows: each step tries MAX_GLUE_TRIES pieces,
        // and the search ends once it has scanned MAX_GLUE_SCAN times the line (a search
        // of every piece, 100,000 of them each of up to 600 KB, would not end in any time
        // a test has), with the rows it found.
        let many = format!("{}{a}{b}", "{\"ts\":".repeat(100_000));
        assert_eq!(glued(&many).as_deref(), Some(&[a, b][..]));
        // A row after a fragment is found if it holds fewer nested objects that start with
        // `{"ts":` than MAX_GLUE_TRIES, and not past it.
        let holding = |n: usize| {
            let objects = vec!["{\"ts\":1}"; n].join(",");
            format!(r#"{{"ts":"2026-05-01T12:00:05Z","event":"renew","o":[{objects}]}}"#)
        };
        let (few, more) = (holding(MAX_GLUE_TRIES - 1), holding(MAX_GLUE_TRIES));
        assert_eq!(
            glued(&format!("{cut}{few}")).as_deref(),
            Some(&[few.as_str()][..])
        );
        assert_eq!(glued(&format!("{cut}{more}")).as_deref(), Some(&[][..]));
    }

    #[test]
    fn scans_like_serde_json() {
        let rows: &[&str] = &[
            r#"{"ts":"2026-05-01T12:00:00Z","event":"join"}"#,
            "{}",
            r#" { "a" : 1 , "b":[1,{"c":null}] } "#,
            r#"{"a":-0.5e+3,"b":true,"c":false,"d":"\u00e9\ud83d\ude00\n"}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":"\ud83d"}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":1}x"#,
            r#"{"a":1,}"#,
            "[1]",
            r#"{"a":tru}"#,
            "{\"a\":\"\t\"}",
            r#"{"a":"é"}"#,
        ];
        for line in rows {
            let ours = scan(line).is_ok();
            let reference =
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(line);
            assert_eq!(ours, reference.is_ok(), "{line}");
        }
    }

    #[test]
    fn nests_as_deep_as_serde_json_reads() {
        for depth in 120..=130 {
            for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
                let line = format!("{{\"x\":{}1{}}}", open.repeat(depth), close.repeat(depth));
                let reference =
                    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&line);
                assert_eq!(scan(&line).is_ok(), reference.is_ok(), "{depth} {open}");
            }
        }
    }

    #[test]
    fn checks_utf8_inside_strings() {
        let mut row = Row::default();
        let rows: &[(&[u8], bool)] = &[
            (
                b"{\"a\":\"caf\xc3\xa9 long enough to take the fast path\"}",
                true,
            ),
            (b"{\"a\":\"bad \xff byte in a long enough string\"}", false),
            (b"{\"a\":\"cut \xc3\"}", false),
            (b"{\"\xe9\":1}", false),
            (b"{\"a\":1}\xc3\xa9", false),
        ];
        for &(line, ok) in rows {
            assert_eq!(
                row.scan(line).is_ok(),
                ok,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn tells_truncated_from_malformed() {
        assert_eq!(scan(r#"{"ts":"2026-05-01T12:0"#), Err(ScanError::Truncated));
        assert_eq!(scan(r#"{"a":1"#), Err(ScanError::Truncated));
        assert_eq!(scan(""), Err(ScanError::Truncated));
        assert_eq!(scan(r#"{"a":1]"#), Err(ScanError::Malformed));
        assert_eq!(scan(r#"{"a":"x"{"ts":"#), Err(ScanError::Malformed));
    }

    #[test]
    fn finds_duplicate_keys() {
        let mut row = Row::default();
        let rows: &[(&str, bool)] = &[
            (r#"{"a":1,"b":2}"#, false),
            (r#"{"a":1,"b":2,"a":3}"#, true),
            (r#"{"a":1,"\u0061":2}"#, true),
            (r#"{"ab":1,"a\u0062c":2}"#, false),
        ];
        for &(line, expected) in rows {
            row.scan(line.as_bytes()).unwrap();
            assert_eq!(row.has_duplicate_key(line.as_bytes()), expected, "{line}");
        }
        let many: String = (0..40)
            .map(|i| format!("\"k{}\":1,", i % 39))
            .collect::<Vec<_>>()
            .concat();
        let line = format!("{{{many}\"end\":0}}");
        row.scan(line.as_bytes()).unwrap();
        assert!(row.has_duplicate_key(line.as_bytes()));
    }
}
