//! Appending to a line being encoded: raw bytes, keys, JSON strings and numbers.
//!
//! A [`Cursor`] is the line's buffer and its length so far. The encoder keeps it as a local
//! value, and every method on it is inlined, so the length lives in a register for the
//! whole row instead of going to memory and back after each piece. The slow paths (escaping,
//! long keys, wide integers, floats) are out-of-line functions that take the buffer and the
//! length apart and return the new length, for the same reason.
//!
//! A line that grows past [`MAX_LINE`] is refused, but the cursor keeps counting its length,
//! so that the error can say how long the line would have been: pieces that still fit in
//! the buffer's [`SLACK`] are written there, and pieces past its end are only counted, up
//! to [`MAX_COUNTED`].

use crate::encode::MAX_LINE;
use crate::escape::{
    any_escape16, escape_into, flag_escapes, load8, load_short, next_escape, write_escaped,
};
use crate::event::{Field, Value};
use crate::time::{digits8, ASCII_ZEROS};

/// Bytes past the longest line that the buffer also holds: fast copies write whole 8- or
/// 16-byte words there (so that short strings are copied without a call to `memcpy`), and
/// a refused line's last pieces may land there.
pub(crate) const SLACK: usize = 24;

/// Where counting stops: a length past the buffer is held at this at most. Any slice is at
/// most `isize::MAX` (`usize::MAX / 2`) bytes long, so the length plus a piece, or plus a
/// few bytes, can never overflow, whatever the event: on a 32-bit target an event's fields
/// can repeat one large string into more than `usize::MAX` bytes of line. A length this
/// long is reported as unknown ([`ErrorKind::LineTooLong`](crate::ErrorKind::LineTooLong)
/// with `None`).
pub(crate) const MAX_COUNTED: usize = usize::MAX / 4;

/// A line's buffer: [`MAX_LINE`] bytes, then [`SLACK`].
pub(crate) type LineBuf = [u8; MAX_LINE + SLACK];

/// The line being written and how many bytes it holds so far.
pub(crate) struct Cursor<'a> {
    pub(crate) buf: &'a mut LineBuf,
    pub(crate) len: usize,
}

impl Cursor<'_> {
    /// Appends `bytes`, or only counts them when they would pass the end of the buffer.
    #[inline]
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        // No overflow: `self.len` is at most MAX_COUNTED plus the buffer's length.
        let end = self.len + bytes.len();
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
            self.len = end;
        } else {
            self.len = end.min(MAX_COUNTED);
        }
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
                dst[..8].copy_from_slice(&load8(bytes, 0).to_le_bytes());
                dst[n - 8..n].copy_from_slice(&load8(bytes, n - 8).to_le_bytes());
            }
            17..=SLACK => {
                dst[..8].copy_from_slice(&load8(bytes, 0).to_le_bytes());
                dst[8..16].copy_from_slice(&load8(bytes, 8).to_le_bytes());
                dst[n - 8..n].copy_from_slice(&load8(bytes, n - 8).to_le_bytes());
            }
            _ => return self.put(bytes),
        }
        self.len = at + n;
    }

    /// Appends `,"key":value`, the key as one word if [`Field::new`] classified it so.
    #[inline(always)]
    #[allow(clippy::inline_always)] // One copy in each field loop.
    pub(crate) fn put_field(&mut self, field: &Field<'_>) {
        match field.key_word() {
            0 => self.len = put_key(self.buf, self.len, field.key()),
            word => self.put_key_word(word, field.key().len()),
        }
        self.put_value(field.value());
    }

    /// Appends `,"key":` for a key held whole in `word` (see `Field`), `n` bytes long.
    #[inline]
    fn put_key_word(&mut self, word: u64, n: usize) {
        // A classified key has at most 8 bytes; saying so lets the compiler drop the bounds
        // checks.
        let n = n.min(8);
        let at = self.len;
        if let Some(dst) = self.buf.get_mut(at..at + 12) {
            dst[..2].copy_from_slice(b",\"");
            dst[2..10].copy_from_slice(&word.to_le_bytes());
            dst[2 + n..4 + n].copy_from_slice(b"\":");
            self.len = at + 4 + n;
        } else {
            self.put(b",\"");
            self.put(&word.to_le_bytes()[..n]);
            self.put(b"\":");
        }
    }

    /// Appends `text` as a JSON string.
    #[inline]
    pub(crate) fn put_str(&mut self, text: &str) {
        self.put_quoted(*b"\"", text, *b"\"");
    }

    /// Appends `lead`, `text` escaped, then `tail`: `"text"` for a value, `,"key":` for a key.
    ///
    /// Clean text is copied and checked sixteen bytes at a time (as one word padded with
    /// spaces when it is shorter than eight bytes); the first chunk found to need escaping
    /// hands over to the slow path, which finds the exact byte.
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
        // Room for the lead, the text, the tail and a whole last word: then no other bounds
        // check below can fail.
        // Said as a subtraction, which cannot wrap, so that the compiler sees the room.
        let Some(out) = self.buf.get_mut(at..).filter(|out| {
            out.len()
                .checked_sub(LEAD + TAIL + 8)
                .is_some_and(|room| n <= room)
        }) else {
            self.len = put_quoted_near_end(self.buf, at, lead, bytes, tail);
            return;
        };
        out[..LEAD].copy_from_slice(&lead);
        let body = &mut out[LEAD..];
        // Where the first chunk that needs escaping starts: everything before it is clean
        // and on the line already.
        let mut dirty = None;
        if n < 8 {
            let word = load_short(bytes);
            body[..8].copy_from_slice(&word.to_le_bytes());
            if flag_escapes(word) != 0 {
                dirty = Some(0);
            }
        } else if n <= 16 {
            // Two words that overlap when `n` < 16, checked as one chunk.
            let mut chunk = [0u8; 16];
            chunk[..8].copy_from_slice(&bytes[..8]);
            chunk[8..].copy_from_slice(&bytes[n - 8..]);
            body[..8].copy_from_slice(&chunk[..8]);
            body[n - 8..n].copy_from_slice(&chunk[8..]);
            if any_escape16(&chunk) {
                dirty = Some(0);
            }
        } else {
            let body = &mut body[..n];
            let mut done = 0;
            for (src, dst) in bytes.chunks_exact(16).zip(body.chunks_exact_mut(16)) {
                let mut chunk = [0u8; 16];
                chunk.copy_from_slice(src);
                dst.copy_from_slice(&chunk);
                if any_escape16(&chunk) {
                    dirty = Some(done);
                    break;
                }
                done += 16;
            }
            if dirty.is_none() && done < n {
                // The last sixteen bytes, overlapping some already copied and found clean.
                let mut chunk = [0u8; 16];
                chunk.copy_from_slice(&bytes[n - 16..]);
                body[n - 16..].copy_from_slice(&chunk);
                if any_escape16(&chunk) {
                    dirty = Some(n - 16);
                }
            }
        }
        if let Some(from) = dirty {
            self.len = put_escaped_from(self.buf, at + LEAD + from, bytes, from, tail);
            return;
        }
        body[n..n + TAIL].copy_from_slice(&tail);
        self.len = at + LEAD + n + TAIL;
    }

    /// Appends `n` in decimal: a single digit (counts, flags, exit codes) with one store;
    /// below 10^8 (sizes, ids) as eight digits made at once by [`digits8`] with the
    /// leading zeros shifted out; above, through `itoa`.
    #[inline]
    fn put_u64(&mut self, n: u64) {
        let at = self.len;
        match (u32::try_from(n), self.buf.get_mut(at..at + 8)) {
            (Ok(digit @ 0..=9), Some(dst)) => {
                #[allow(clippy::cast_possible_truncation)] // Below 10.
                let digit = digit as u8;
                dst[0] = b'0' + digit;
                self.len = at + 1;
            }
            (Ok(small), Some(dst)) if small < 100_000_000 => {
                let digits = digits8(small);
                // Leading zero digits are the word's zero bytes from the bottom; zero
                // itself keeps one.
                let skip = ((digits | 1 << 56).trailing_zeros() / 8) as usize;
                dst.copy_from_slice(&((digits | ASCII_ZEROS) >> (8 * skip)).to_le_bytes());
                self.len = at + 8 - skip;
            }
            _ => self.len = put_u64_wide(self.buf, at, n),
        }
    }

    #[inline(always)]
    #[allow(clippy::inline_always)] // Called once, in `put_field`.
    fn put_value(&mut self, value: Value<'_>) {
        match value {
            Value::Str(text) => self.put_str(text),
            Value::Lossy(bytes) => self.len = put_lossy(self.buf, self.len, bytes),
            Value::I64(n) => {
                if n < 0 {
                    self.put(b"-");
                }
                self.put_u64(n.unsigned_abs());
            }
            Value::U64(n) => self.put_u64(n),
            Value::F64(x) if x.is_finite() => self.len = put_f64(self.buf, self.len, x),
            Value::F64(_) | Value::Null => self.put(b"null"),
            Value::Bool(true) => self.put(b"true"),
            Value::Bool(false) => self.put(b"false"),
        }
    }
}

/// Appends `,"key":` for a key that [`Field::new`] did not classify as short and clean:
/// longer than 8 bytes, empty, or with bytes to escape. Returns the new length.
#[inline(never)]
fn put_key(buf: &mut LineBuf, len: usize, key: &str) -> usize {
    let mut line = Cursor { buf, len };
    line.put_quoted(*b",\"", key, *b"\":");
    line.len
}

/// [`Cursor::put_quoted`] near the end of the buffer, where it cannot copy whole chunks:
/// writes what fits and counts the rest. Returns the new length.
#[cold]
#[inline(never)]
fn put_quoted_near_end<const LEAD: usize, const TAIL: usize>(
    buf: &mut LineBuf,
    len: usize,
    lead: [u8; LEAD],
    bytes: &[u8],
    tail: [u8; TAIL],
) -> usize {
    let mut line = Cursor { buf, len };
    line.put(&lead);
    put_escaped_from(line.buf, line.len, bytes, 0, tail)
}

/// Writes `bytes[from..]` escaped, then `tail`, at `len`, after the lead and `bytes[..from]`,
/// which are on the line already. Returns the new length.
#[cold]
#[inline(never)]
fn put_escaped_from<const TAIL: usize>(
    buf: &mut LineBuf,
    len: usize,
    bytes: &[u8],
    from: usize,
    tail: [u8; TAIL],
) -> usize {
    let mut line = Cursor { buf, len };
    // The clean run up to the first byte to escape (copied again if the fast path had
    // copied it: this is the slow path).
    let first = next_escape(bytes, from);
    line.put(&bytes[from..first]);
    let rest = &bytes[first..];
    // Escape straight into the buffer as far as it has room for the worst case; near the
    // end of the line, go piece by piece so the length is still counted past the limit.
    let at = line.len;
    let (taken, written) = escape_into(rest, line.buf.get_mut(at..).unwrap_or_default());
    line.len = at + written;
    if taken < rest.len() {
        write_escaped(&rest[taken..], |run| line.put(run));
    }
    line.put(&tail);
    line.len
}

/// Appends `bytes` as a JSON string of their text, each invalid UTF-8 sequence replaced by
/// U+FFFD as `String::from_utf8_lossy` replaces it. Returns the new length.
#[inline(never)]
fn put_lossy(buf: &mut LineBuf, len: usize, bytes: &[u8]) -> usize {
    let mut line = Cursor { buf, len };
    if let Ok(text) = core::str::from_utf8(bytes) {
        line.put_str(text);
        return line.len;
    }
    line.put(b"\"");
    for chunk in bytes.utf8_chunks() {
        line.len = put_escaped_from(line.buf, line.len, chunk.valid().as_bytes(), 0, []);
        if !chunk.invalid().is_empty() {
            line.put("\u{FFFD}".as_bytes());
        }
    }
    line.put(b"\"");
    line.len
}

/// Appends `n` through `itoa` (10^8 and above, or near the end of the buffer). Returns the
/// new length.
#[inline(never)]
fn put_u64_wide(buf: &mut LineBuf, len: usize, n: u64) -> usize {
    let mut line = Cursor { buf, len };
    line.put_small(itoa::Buffer::new().format(n).as_bytes());
    line.len
}

/// Appends a finite float in `ryu`'s shortest round-trip form. Returns the new length.
#[inline(never)]
fn put_f64(buf: &mut LineBuf, len: usize, x: f64) -> usize {
    let mut line = Cursor { buf, len };
    line.put_small(ryu::Buffer::new().format_finite(x).as_bytes());
    line.len
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `"text"` escaped by the plain reference escaper.
    fn quoted(text: &[u8]) -> Vec<u8> {
        let mut out = vec![b'"'];
        write_escaped(text, |run| out.extend_from_slice(run));
        out.push(b'"');
        out
    }

    #[test]
    #[cfg_attr(miri, ignore = "a quarter of a million encodes: minutes under Miri")]
    fn strings_of_every_length_with_an_escape_anywhere_at_any_offset() {
        let mut buf = [0u8; MAX_LINE + SLACK];
        for n in 0..=50 {
            let plain: Vec<u8> = (0..n)
                .map(|i| b"abcdefghijklmnopqrstuvwxyz"[i % 26])
                .collect();
            let mut texts = vec![plain.clone()];
            for special in [b'"', b'\\', b'\n', 0x1f, 0x00] {
                for pos in 0..n {
                    let mut text = plain.clone();
                    text[pos] = special;
                    texts.push(text);
                }
            }
            for text in texts {
                let expected = quoted(&text);
                // Well inside the line, ending exactly at the limit, and crossing it (where
                // only the length is kept).
                for start in [0, 7, 100, MAX_LINE - expected.len(), MAX_LINE - 3, MAX_LINE] {
                    buf.fill(b'.');
                    let mut line = Cursor {
                        buf: &mut buf,
                        len: start,
                    };
                    line.put_str(core::str::from_utf8(&text).expect("ASCII"));
                    assert_eq!(line.len, start + expected.len(), "{text:?} at {start}");
                    assert!(
                        buf[..start].iter().all(|&b| b == b'.'),
                        "{text:?} at {start}"
                    );
                    if start + expected.len() <= MAX_LINE {
                        assert_eq!(&buf[start..start + expected.len()], &expected[..]);
                    }
                }
            }
        }
    }

    /// Short strings and keys, which take the whole-word stores, at every offset around the
    /// end of the line and of the buffer: the room check before those stores must count the
    /// lead, the tail and a whole word, or a store runs off the buffer.
    #[test]
    fn short_strings_and_keys_at_every_offset_near_the_end() {
        let mut buf = [0u8; MAX_LINE + SLACK];
        for text in ["", "a", "\n", "abcdefg", "abcdefgh", "abc\"defghijklmn"] {
            let expected = quoted(text.as_bytes());
            for start in MAX_LINE - 40..=MAX_LINE + SLACK + 1 {
                buf.fill(b'.');
                let mut line = Cursor {
                    buf: &mut buf,
                    len: start,
                };
                line.put_str(text);
                assert_eq!(line.len, start + expected.len(), "{text:?} at {start}");
                if start + expected.len() <= MAX_LINE {
                    assert_eq!(&buf[start..start + expected.len()], &expected[..]);
                }
                buf.fill(b'.');
                let len = put_key(&mut buf, start, text);
                assert_eq!(len, start + expected.len() + 2, "key {text:?} at {start}");
                if len <= MAX_LINE {
                    assert_eq!(buf[start], b',');
                    assert_eq!(&buf[start + 1..len - 1], &expected[..]);
                    assert_eq!(buf[len - 1], b':');
                }
            }
        }
    }

    #[test]
    fn integers_near_the_end_of_the_buffer_are_counted() {
        let mut buf = [0u8; MAX_LINE + SLACK];
        for n in [0, 7, 99_999_999, 100_000_000, u64::MAX] {
            let text = n.to_string();
            for start in [0, MAX_LINE - text.len(), MAX_LINE - 1, MAX_LINE + SLACK - 1] {
                let mut line = Cursor {
                    buf: &mut buf,
                    len: start,
                };
                line.put_u64(n);
                assert_eq!(line.len, start + text.len(), "{n} at {start}");
                if start + text.len() <= MAX_LINE {
                    assert_eq!(&buf[start..start + text.len()], text.as_bytes());
                }
            }
        }
    }
}
