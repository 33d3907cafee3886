//! The line encoder: an event in, one flat JSON object and `\n` out, in a stack buffer.
//!
//! No I/O, no allocation, no panic. Strings are escaped byte-for-byte as `serde_json` escapes
//! them; integers go through `itoa`, floats through `ryu`.

use core::fmt;

use crate::error::{Error, ErrorKind, Op};
use crate::escape::{escape_into, flag_escapes, load8, load_short, write_escaped};
use crate::event::{Event, EventKind, Field, Value};
use crate::time::{
    format_fraction, format_seconds, Precision, Timestamp, FRACTION_LEN, SECONDS_LEN,
};

/// The longest line, `\n` included, that is ever written: Linux's `PIPE_BUF`.
///
/// Appends of at most this size are atomic on pipes and FIFOs as well as on local files.
pub const MAX_LINE: usize = 4096;

/// The most fields a line can hold: the shortest field, `,"":0`, is 5 bytes and the
/// shortest row prefix is 42 bytes.
const MAX_KEPT_FIELDS: usize = (MAX_LINE - 42) / 5 + 1;

/// Bytes past the line that fast copies may write (whole 8- or 16-byte words), so that
/// short strings are copied without a call to `memcpy`.
const SLACK: usize = 24;

/// A buffer of [`MAX_LINE`] bytes on the stack holding one encoded line.
///
/// # Example
///
/// ```
/// use logwriter::{Event, EventKind, Field, Line, Timestamp};
///
/// let ts = Timestamp::from_unix(1_777_636_800, 0).unwrap();
/// let fields = [Field::new("sha", "abc123"), Field::new("files", 4), Field::new("ts", "dropped")];
/// let event = Event::new(EventKind::Commit).slot("a").fields(&fields).at(ts);
///
/// let mut line = Line::new();
/// let bytes = line.encode(&event).unwrap();
/// assert_eq!(
///     bytes,
///     b"{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"commit\",\"slot\":\"a\",\"sha\":\"abc123\",\"files\":4}\n"
/// );
/// ```
#[derive(Clone)]
pub struct Line {
    /// The line, then [`SLACK`] bytes that word-sized copies may overrun.
    buf: [u8; MAX_LINE + SLACK],
    /// Bytes the line has so far. It keeps counting past [`MAX_LINE`] (without writing)
    /// so that an oversize error can say how long the line would have been.
    len: usize,
    /// The whole seconds last formatted, and their text: consecutive lines mostly fall in
    /// the same second, so the date is computed once per second.
    ts_secs: u64,
    ts_text: [u8; SECONDS_LEN],
}

impl Default for Line {
    fn default() -> Self {
        Line::new()
    }
}

impl fmt::Debug for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Line")
            .field("text", &String::from_utf8_lossy(self.as_bytes()))
            .finish()
    }
}

impl Line {
    /// An empty line.
    pub const fn new() -> Line {
        Line {
            buf: [0; MAX_LINE + SLACK],
            len: 0,
            ts_secs: u64::MAX,
            ts_text: [0; SECONDS_LEN],
        }
    }

    /// The encoded line, `\n` included; empty before the first successful encode.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len.min(MAX_LINE)]
    }

    /// Encodes `event` with [`Precision::Auto`] timestamps, stamping it with
    /// [`Timestamp::now`] if it has no timestamp of its own.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::LineTooLong`] if the line, `\n` included, would be over [`MAX_LINE`]
    /// bytes; the buffer is then left empty.
    pub fn encode(&mut self, event: &Event<'_>) -> Result<&[u8], Error> {
        self.encode_with(event, Precision::Auto, "")
    }

    /// Encodes `event` with the given timestamp precision, writing `default_slot` as the
    /// slot when the event has none.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::LineTooLong`], as [`Line::encode`].
    pub fn encode_with(
        &mut self,
        event: &Event<'_>,
        precision: Precision,
        default_slot: &str,
    ) -> Result<&[u8], Error> {
        let ts = event.timestamp().unwrap_or_else(Timestamp::now);
        let slot = match event.slot_name() {
            "" => default_slot,
            slot => slot,
        };
        self.len = 0;
        match self.encode_row(ts, precision, event.kind(), slot, event.field_list()) {
            Ok(()) if self.len <= MAX_LINE => Ok(&self.buf[..self.len]),
            result => {
                let len = result.ok().map(|()| self.len);
                self.len = 0;
                Err(Error::new(ErrorKind::LineTooLong { len }, Op::Encode, None))
            }
        }
    }

    /// Writes the row; `Err` means it has too many distinct fields to measure.
    fn encode_row(
        &mut self,
        ts: Timestamp,
        precision: Precision,
        kind: EventKind,
        slot: &str,
        fields: &[Field<'_>],
    ) -> Result<(), TooManyFields> {
        if ts.unix_secs() != self.ts_secs {
            format_seconds(ts.unix_secs(), &mut self.ts_text);
            self.ts_secs = ts.unix_secs();
        }
        let seconds = self.ts_text;
        let mut fraction = [0u8; FRACTION_LEN];
        let fraction_len = format_fraction(ts.subsec_nanos(), precision, &mut fraction);
        self.put(b"{\"ts\":\"");
        self.put_small(&seconds);
        self.put_small(&fraction[..fraction_len]);
        self.put(b"\",\"event\":\"");
        self.put_small(kind.as_str().as_bytes());
        self.put(b"\"");
        if !slot.is_empty() {
            self.put(b",\"slot\":");
            self.put_str(slot);
        }

        let mut kept = 0;
        for (index, field) in fields.iter().enumerate() {
            // A later field with an earlier field's key is dropped: the earlier one was
            // written, or was itself dropped as reserved or repeated.
            if is_reserved(field.key) || fields[..index].iter().any(|f| same_key(f.key, field.key))
            {
                continue;
            }
            // A line with this many fields is over the limit whatever follows.
            if kept == MAX_KEPT_FIELDS {
                return Err(TooManyFields);
            }
            kept += 1;
            self.put_quoted(*b",\"", field.key, *b"\":");
            self.put_value(field.value);
        }
        self.put(b"}\n");
        Ok(())
    }

    /// Appends `bytes`, or only counts them once the line is over the limit.
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
        }
        self.len = end;
    }

    /// Appends at most [`SLACK`] bytes with word stores into the slack (no `memcpy` call).
    #[inline]
    fn put_small(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        let at = self.len;
        let Some(dst) = self.buf.get_mut(at..at + SLACK) else {
            return self.put(bytes);
        };
        match n {
            0..=7 => dst[..8].copy_from_slice(&load_short(bytes).to_le_bytes()),
            8..=16 => {
                dst[..8].copy_from_slice(&load8(bytes, 0));
                dst[n - 8..n].copy_from_slice(&load8(bytes, n - 8));
            }
            17..=SLACK => {
                dst[..8].copy_from_slice(&load8(bytes, 0));
                dst[8..16].copy_from_slice(&load8(bytes, 8));
                dst[n - 8..n].copy_from_slice(&load8(bytes, n - 8));
            }
            _ => return self.put(bytes),
        }
        self.len = at + n;
    }

    /// Appends `text` as a JSON string.
    #[inline]
    fn put_str(&mut self, text: &str) {
        self.put_quoted(*b"\"", text, *b"\"");
    }

    /// Appends `lead`, `text` escaped, then `tail`: `"text"` for a value, `,"key":` for a key.
    ///
    /// Clean text is copied and checked eight bytes at a time into the slack past the line;
    /// the first byte that needs escaping hands over to the table-driven slow path.
    #[inline(always)]
    #[allow(clippy::inline_always)] // One copy per call site: keys and string values.
    fn put_quoted<const LEAD: usize, const TAIL: usize>(
        &mut self,
        lead: [u8; LEAD],
        text: &str,
        tail: [u8; TAIL],
    ) {
        let bytes = text.as_bytes();
        let n = bytes.len();
        let at = self.len;
        // Room for the lead, the tail and a whole last word.
        if at + LEAD + n + TAIL + 8 > self.buf.len() {
            self.put(&lead);
            return self.put_escaped_from(bytes, 0, &tail);
        }
        self.buf[at..at + LEAD].copy_from_slice(&lead);
        let body = at + LEAD;
        let mut flagged = 0;
        let mut done = 0;
        if n < 8 {
            let word = load_short(bytes);
            self.buf[body..body + 8].copy_from_slice(&word.to_le_bytes());
            flagged = flag_escapes(word);
        } else {
            while done + 8 <= n {
                let word = load8(bytes, done);
                self.buf[body + done..body + done + 8].copy_from_slice(&word);
                flagged = flag_escapes(u64::from_le_bytes(word));
                if flagged != 0 {
                    break;
                }
                done += 8;
            }
            if flagged == 0 && done < n {
                // The last eight bytes, overlapping some already copied and found clean.
                done = n - 8;
                let word = load8(bytes, done);
                self.buf[body + done..body + done + 8].copy_from_slice(&word);
                flagged = flag_escapes(u64::from_le_bytes(word));
            }
        }
        if flagged != 0 {
            let first = done + (flagged.trailing_zeros() / 8) as usize;
            self.len = body + first;
            return self.put_escaped_from(bytes, first, &tail);
        }
        self.buf[body + n..body + n + TAIL].copy_from_slice(&tail);
        self.len = body + n + TAIL;
    }

    /// Writes `bytes[from..]` escaped, then `tail`, after the lead and `bytes[..from]`,
    /// which are on the line already.
    #[cold]
    #[inline(never)]
    fn put_escaped_from(&mut self, bytes: &[u8], from: usize, tail: &[u8]) {
        let rest = &bytes[from..];
        let at = self.len;
        // With room for the worst case, escape straight into the buffer; near the end of
        // the line, go piece by piece so the length is still counted past the limit.
        let written = self
            .buf
            .get_mut(at..at.saturating_add(rest.len().saturating_mul(6)))
            .and_then(|out| escape_into(rest, out));
        match written {
            Some(len) => self.len = at + len,
            None => write_escaped(rest, |run| self.put(run)),
        }
        self.put(tail);
    }

    fn put_value(&mut self, value: Value<'_>) {
        match value {
            Value::Str(text) => self.put_str(text),
            Value::I64(n) => self.put_small(itoa::Buffer::new().format(n).as_bytes()),
            Value::U64(n) => self.put_small(itoa::Buffer::new().format(n).as_bytes()),
            Value::F64(x) if x.is_finite() => {
                self.put_small(ryu::Buffer::new().format_finite(x).as_bytes());
            }
            Value::F64(_) | Value::Null => self.put(b"null"),
            Value::Bool(true) => self.put(b"true"),
            Value::Bool(false) => self.put(b"false"),
        }
    }
}

/// More distinct fields than could ever fit on one line.
struct TooManyFields;

/// Key equality with a cheap first look at the length and the first byte.
#[inline]
fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// Whether a field key collides with a key of the row itself.
fn is_reserved(key: &str) -> bool {
    matches!(key, "ts" | "event" | "slot")
}
