//! The line encoder: an event in, one flat JSON object and `\n` out, in a stack buffer.
//!
//! No I/O, no allocation, no panic. Strings are escaped byte-for-byte as `serde_json` escapes
//! them; integers go through `itoa`, floats through `ryu`.

use core::fmt;

use crate::error::{Error, ErrorKind, Op};
use crate::escape::write_escaped;
use crate::event::{Event, EventKind, Field, Value};
use crate::time::{format_into, Precision, Timestamp, MAX_TIMESTAMP_LEN};

/// The longest line, `\n` included, that is ever written: Linux's `PIPE_BUF`.
///
/// Appends of at most this size are atomic on pipes and FIFOs as well as on local files.
pub const MAX_LINE: usize = 4096;

/// The most fields a line can hold: the shortest field, `,"":0`, is 5 bytes and the
/// shortest row prefix is 42 bytes.
const MAX_KEPT_FIELDS: usize = (MAX_LINE - 42) / 5 + 1;

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
    buf: [u8; MAX_LINE],
    /// Bytes the line has so far. It keeps counting past [`MAX_LINE`] (without writing)
    /// so that an oversize error can say how long the line would have been.
    len: usize,
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
            buf: [0; MAX_LINE],
            len: 0,
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
        let mut ts_text = [0u8; MAX_TIMESTAMP_LEN];
        let ts_len = format_into(ts, precision, &mut ts_text);
        self.put(b"{\"ts\":\"");
        self.put(&ts_text[..ts_len]);
        self.put(b"\",\"event\":\"");
        self.put(kind.as_str().as_bytes());
        self.put(b"\"");
        if !slot.is_empty() {
            self.put(b",\"slot\":");
            self.put_str(slot);
        }

        // Indices of the fields written so far, to drop later repeats of their keys.
        let mut kept = [0usize; MAX_KEPT_FIELDS];
        let mut kept_len = 0;
        for (index, field) in fields.iter().enumerate() {
            if is_reserved(field.key)
                || kept[..kept_len].iter().any(|&k| fields[k].key == field.key)
            {
                continue;
            }
            // A line this full is over the limit whatever follows.
            let slot = kept.get_mut(kept_len).ok_or(TooManyFields)?;
            *slot = index;
            kept_len += 1;
            self.put(b",");
            self.put_str(field.key);
            self.put(b":");
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

    fn put_str(&mut self, text: &str) {
        self.put(b"\"");
        write_escaped(text.as_bytes(), |run| self.put(run));
        self.put(b"\"");
    }

    fn put_value(&mut self, value: Value<'_>) {
        match value {
            Value::Str(text) => self.put_str(text),
            Value::I64(n) => self.put(itoa::Buffer::new().format(n).as_bytes()),
            Value::U64(n) => self.put(itoa::Buffer::new().format(n).as_bytes()),
            Value::F64(x) if x.is_finite() => {
                self.put(ryu::Buffer::new().format_finite(x).as_bytes());
            }
            Value::F64(_) | Value::Null => self.put(b"null"),
            Value::Bool(true) => self.put(b"true"),
            Value::Bool(false) => self.put(b"false"),
        }
    }
}

/// More distinct fields than could ever fit on one line.
struct TooManyFields;

/// Whether a field key collides with a key of the row itself.
fn is_reserved(key: &str) -> bool {
    matches!(key, "ts" | "event" | "slot")
}
