//! The line encoder: an event in, one flat JSON object and `\n` out, in a stack buffer.
//!
//! No I/O, no allocation, no panic. Strings are escaped byte-for-byte as `serde_json` escapes
//! them; integers below 10^8 go through an eight-digit SWAR conversion, larger ones through
//! `itoa`; floats through `ryu`.
//!
//! The start of every row is copied as whole words: a per-second cached `{"ts":"<date>`, the
//! fraction, and one padded segment per kind (`Z","event":"<kind>","slot":`). Keys that
//! [`Field::new`] classified as short and clean are written as one word; strings are copied
//! and checked for escapes eight bytes at a time.

use core::fmt;

use crate::error::{Error, ErrorKind, Op};
use crate::escape::{escape_into, flag_escapes, load8, load_short, write_escaped};
use crate::event::{Event, EventKind, Field, Value};
use crate::time::{
    digits8, format_seconds, fraction, Precision, Timestamp, ASCII_ZEROS, FRACTION_DIGITS_LEN,
    SECONDS_LEN,
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

/// `{"ts":"` and the date and time to the second: the start of every row, cached per second.
const HEAD_LEN: usize = 7 + SECONDS_LEN;

/// The cached head, padded so that it is copied as whole words.
const HEAD_BUF_LEN: usize = 32;

/// `,"slot":`, the end of every kind segment, left out when the row has no slot.
const SLOT_KEY: &[u8] = b",\"slot\":";

/// The longest kind segment, `Z","event":"commit_error","slot":`, rounded up to words.
const SEGMENT_LEN: usize = 40;

/// For each kind, in catalog order: `Z","event":"<kind>","slot":`, padded to
/// [`SEGMENT_LEN`] so that it is copied whole, and its length. It closes the timestamp.
static KIND_SEGMENTS: [([u8; SEGMENT_LEN], usize); EventKind::ALL.len()] = kind_segments();

// The table is indexed by `kind as usize`: the catalog order must be the declaration order.
const _: () = {
    let mut kind = 0;
    while kind < EventKind::ALL.len() {
        assert!(EventKind::ALL[kind] as usize == kind);
        kind += 1;
    }
};

const fn kind_segments() -> [([u8; SEGMENT_LEN], usize); EventKind::ALL.len()] {
    let mut table = [([0u8; SEGMENT_LEN], 0); EventKind::ALL.len()];
    let mut kind = 0;
    while kind < EventKind::ALL.len() {
        let parts: [&[u8]; 4] = [
            b"Z\",\"event\":\"",
            EventKind::ALL[kind].as_str().as_bytes(),
            b"\"",
            SLOT_KEY,
        ];
        let (segment, len) = &mut table[kind];
        let mut part = 0;
        while part < parts.len() {
            let mut at = 0;
            while at < parts[part].len() {
                segment[*len] = parts[part][at];
                *len += 1;
                at += 1;
            }
            part += 1;
        }
        kind += 1;
    }
    table
}

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
    /// The whole seconds last formatted, and the row's head with their text: consecutive
    /// lines mostly fall in the same second, so the date is computed once per second.
    ts_secs: u64,
    head: [u8; HEAD_BUF_LEN],
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
            head: [0; HEAD_BUF_LEN],
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
        let len = self.encode_len(event, precision, default_slot)?;
        Ok(&self.buf[..len])
    }

    /// [`Line::encode_with`], returning the length of the line. Always inlined, so that
    /// `Writer::append` runs as one function: its whole hot path then spans fewer code
    /// pages, which measurably lowers the kernel's instruction-TLB misses in the `write`
    /// that follows.
    #[inline(always)]
    #[allow(clippy::inline_always)]
    pub(crate) fn encode_len(
        &mut self,
        event: &Event<'_>,
        precision: Precision,
        default_slot: &str,
    ) -> Result<usize, Error> {
        let ts = match event.timestamp() {
            Some(ts) => ts,
            None => Timestamp::now(),
        };
        let slot = match event.slot_name() {
            "" => default_slot,
            slot => slot,
        };
        self.len = 0;
        match self.encode_row(ts, precision, event.kind(), slot, event.field_list()) {
            Ok(()) if self.len <= MAX_LINE => Ok(self.len),
            result => Err(self.refuse(result.is_ok())),
        }
    }

    /// Empties the buffer and makes the error for a line over [`MAX_LINE`], with its
    /// length if it was measured.
    #[cold]
    #[inline(never)]
    fn refuse(&mut self, measured: bool) -> Error {
        let len = measured.then_some(self.len);
        self.len = 0;
        Error::new(ErrorKind::LineTooLong { len }, Op::Encode, None)
    }

    /// Writes the row; `Err` means it has too many distinct fields to measure.
    #[inline(always)]
    #[allow(clippy::inline_always)]
    fn encode_row(
        &mut self,
        ts: Timestamp,
        precision: Precision,
        kind: EventKind,
        slot: &str,
        fields: &[Field<'_>],
    ) -> Result<(), TooManyFields> {
        if ts.unix_secs() != self.ts_secs {
            self.set_head(ts.unix_secs());
        }
        // The row's start is at fixed offsets well inside the buffer: whole-word copies,
        // then the length moves on by what each part really holds.
        self.buf[..HEAD_BUF_LEN].copy_from_slice(&self.head);
        let (fraction, fraction_len) = fraction(ts.subsec_nanos(), precision);
        self.buf[HEAD_LEN..HEAD_LEN + FRACTION_DIGITS_LEN].copy_from_slice(&fraction);
        let at = HEAD_LEN + fraction_len.min(FRACTION_DIGITS_LEN);
        let (segment, segment_len) = &KIND_SEGMENTS[kind as usize];
        self.buf[at..at + SEGMENT_LEN].copy_from_slice(segment);
        if slot.is_empty() {
            self.len = at + segment_len - SLOT_KEY.len();
        } else {
            self.len = at + segment_len;
            self.put_str(slot);
        }

        if fields.len() > FEW_FIELDS {
            self.put_many_fields(fields)?;
            self.put(b"}\n");
            return Ok(());
        }
        let mut kept = 0;
        // One bit per short key written, chosen by a multiplicative hash of its word: a
        // clear bit proves the key is new without looking back at earlier fields.
        let mut seen = 0u64;
        for (index, field) in fields.iter().enumerate() {
            // A later field with an earlier field's key is dropped: the earlier one was
            // written, or was itself dropped as reserved or repeated.
            let word = field.key_word();
            if word != 0 {
                let bit = 1 << (word.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58);
                if seen & bit != 0 && fields[..index].iter().any(|f| f.key_word() == word) {
                    continue;
                }
                seen |= bit;
            } else if is_reserved(field.key())
                || fields[..index]
                    .iter()
                    .any(|f| same_key(f.key(), field.key()))
            {
                continue;
            }
            // A line with this many fields is over the limit whatever follows.
            if kept == MAX_KEPT_FIELDS {
                return Err(TooManyFields);
            }
            kept += 1;
            self.put_field(field);
        }
        self.put(b"}\n");
        Ok(())
    }

    /// The field loop for events of more than [`FEW_FIELDS`] fields: repeated keys are
    /// found through a hash table on the stack instead of by looking back at every
    /// earlier field, so the cost grows linearly rather than quadratically.
    #[cold]
    #[inline(never)]
    fn put_many_fields(&mut self, fields: &[Field<'_>]) -> Result<(), TooManyFields> {
        // Open addressing over the keys written so far, each slot holding a field's index
        // + 1 (0: empty). At most MAX_KEPT_FIELDS keys are ever inserted: load below 0.4.
        let mut slots = [0u32; TABLE_SLOTS];
        let mut kept = 0;
        for (index, field) in fields.iter().enumerate() {
            let key = field.key();
            if field.key_word() == 0 && is_reserved(key) {
                continue;
            }
            let mut slot = key_hash(key) & (TABLE_SLOTS - 1);
            let mut repeated = false;
            while let Some(taken) = slots[slot].checked_sub(1) {
                if fields
                    .get(taken as usize)
                    .is_some_and(|earlier| same_key(earlier.key(), key))
                {
                    repeated = true;
                    break;
                }
                slot = (slot + 1) & (TABLE_SLOTS - 1);
            }
            if repeated {
                continue;
            }
            // A line with this many fields is over the limit whatever follows; this also
            // keeps the table from filling up.
            if kept == MAX_KEPT_FIELDS {
                return Err(TooManyFields);
            }
            kept += 1;
            // An event of more than u32::MAX fields (192 GiB of them) is refused as too long.
            slots[slot] = u32::try_from(index + 1).map_err(|_| TooManyFields)?;
            self.put_field(field);
        }
        Ok(())
    }

    /// Appends `,"key":value`, the key as one word if [`Field::new`] classified it so.
    #[inline(always)]
    #[allow(clippy::inline_always)] // One copy in each field loop.
    fn put_field(&mut self, field: &Field<'_>) {
        match field.key_word() {
            0 => self.put_key(field.key()),
            word => self.put_key_word(word, field.key().len()),
        }
        self.put_value(field.value());
    }

    /// Formats the head for a new second.
    #[cold]
    fn set_head(&mut self, secs: u64) {
        let mut seconds = [0u8; SECONDS_LEN];
        format_seconds(secs, &mut seconds);
        self.head[..7].copy_from_slice(b"{\"ts\":\"");
        self.head[7..HEAD_LEN].copy_from_slice(&seconds);
        self.ts_secs = secs;
    }

    /// Appends `,"key":` for a key held whole in `word` (see `Field`), `n` bytes long.
    #[inline]
    fn put_key_word(&mut self, word: u64, n: usize) {
        // Always true for a classified key; it lets the compiler drop the bounds checks.
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

    /// Appends `text` as a JSON string.
    #[inline]
    fn put_str(&mut self, text: &str) {
        self.put_quoted(*b"\"", text, *b"\"");
    }

    /// Appends `,"key":` for a key that [`Field::new`] did not classify as short and clean:
    /// longer than 8 bytes, empty, or with bytes to escape.
    #[inline(never)]
    fn put_key(&mut self, key: &str) {
        self.put_quoted(*b",\"", key, *b"\":");
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
            // One bounds check for the whole body, none per word.
            let out = &mut self.buf[body..body + n];
            for (word, dst) in bytes.chunks_exact(8).zip(out.chunks_exact_mut(8)) {
                dst.copy_from_slice(word);
                flagged = flag_escapes(load8(word, 0));
                if flagged != 0 {
                    break;
                }
                done += 8;
            }
            if flagged == 0 && done < n {
                // The last eight bytes, overlapping some already copied and found clean.
                done = n - 8;
                let word = load8(bytes, done);
                out[done..].copy_from_slice(&word.to_le_bytes());
                flagged = flag_escapes(word);
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

    /// Appends `n` in decimal: below 10^8 (counts, sizes, ids) as eight digits made at
    /// once by [`digits8`] with the leading zeros shifted out; above, through `itoa`.
    #[inline]
    fn put_u64(&mut self, n: u64) {
        let at = self.len;
        match (u32::try_from(n), self.buf.get_mut(at..at + 8)) {
            (Ok(small), Some(dst)) if small < 100_000_000 => {
                let digits = digits8(small);
                // Leading zero digits are the word's zero bytes from the bottom; zero
                // itself keeps one.
                let skip = ((digits | 1 << 56).trailing_zeros() / 8) as usize;
                dst.copy_from_slice(&((digits | ASCII_ZEROS) >> (8 * skip)).to_le_bytes());
                self.len = at + 8 - skip;
            }
            _ => self.put_u64_wide(n),
        }
    }

    /// Appends `n` through `itoa`: 10^8 and above, or near the end of the buffer.
    #[inline(never)]
    fn put_u64_wide(&mut self, n: u64) {
        self.put_small(itoa::Buffer::new().format(n).as_bytes());
    }

    /// Appends a finite float in `ryu`'s shortest round-trip form.
    #[inline(never)]
    fn put_f64(&mut self, x: f64) {
        self.put_small(ryu::Buffer::new().format_finite(x).as_bytes());
    }

    #[inline(always)]
    #[allow(clippy::inline_always)] // Called once, in the field loop.
    fn put_value(&mut self, value: Value<'_>) {
        match value {
            Value::Str(text) => self.put_str(text),
            Value::I64(n) => {
                if n < 0 {
                    self.put(b"-");
                }
                self.put_u64(n.unsigned_abs());
            }
            Value::U64(n) => self.put_u64(n),
            Value::F64(x) if x.is_finite() => self.put_f64(x),
            Value::F64(_) | Value::Null => self.put(b"null"),
            Value::Bool(true) => self.put(b"true"),
            Value::Bool(false) => self.put(b"false"),
        }
    }
}

/// More distinct fields than could ever fit on one line.
struct TooManyFields;

/// Events with at most this many fields find repeated keys by looking back (cheap for a
/// handful); larger ones use a hash table.
const FEW_FIELDS: usize = 32;

/// Slots of the repeated-key table: a power of two above twice [`MAX_KEPT_FIELDS`].
const TABLE_SLOTS: usize = 2048;
const _: () = assert!(TABLE_SLOTS.is_power_of_two() && TABLE_SLOTS > 2 * MAX_KEPT_FIELDS);

/// FNV-1a over the key's bytes, then the `MurmurHash3` finalizer, so that keys differing only
/// in their last byte spread over the whole table.
fn key_hash(key: &str) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in key.as_bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    // Only the low bits are used (the table has 2048 slots), which fit in any usize.
    #[allow(clippy::cast_possible_truncation)]
    let index = hash as usize;
    index
}

/// Key equality with a cheap first look at the length and the first byte.
#[inline]
fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// Whether a field key collides with a key of the row itself.
fn is_reserved(key: &str) -> bool {
    matches!(key, "ts" | "event" | "slot")
}

#[cfg(test)]
mod tests {
    use core::fmt::Write as _;

    use super::*;
    use crate::event::Value;

    /// The line a naive encoder writes for `fields`: each key kept unless reserved or
    /// equal to any key before it.
    fn naive_fields(fields: &[Field<'_>]) -> String {
        let mut out = String::new();
        for (index, field) in fields.iter().enumerate() {
            let key = field.key();
            if is_reserved(key) || fields[..index].iter().any(|f| f.key() == key) {
                continue;
            }
            let Value::U64(n) = field.value() else {
                panic!("the test uses integers")
            };
            write!(out, ",\"{key}\":{n}").expect("a String takes any text");
        }
        out
    }

    #[test]
    fn many_fields_whose_keys_collide_in_the_table() {
        // Keys that all land in one slot, so every lookup walks a probe chain: the first 40
        // `k<i>` with the slot of `k0`, found by a search (kept out of the test, which also
        // runs under Miri). If the hash changes, search again.
        const SAME_SLOT: [u32; 40] = [
            0, 2518, 3347, 4771, 5845, 7930, 7978, 8077, 10139, 14648, 16923, 19078, 21021, 21542,
            22070, 23367, 23401, 24609, 25267, 25961, 26568, 29330, 34736, 37093, 37265, 37323,
            37764, 40604, 41463, 42066, 42857, 42925, 47224, 47411, 48976, 51546, 55172, 55684,
            58111, 59780,
        ];
        let colliding: Vec<String> = SAME_SLOT.iter().map(|i| format!("k{i}")).collect();
        let slot = key_hash("k0") & (TABLE_SLOTS - 1);
        for key in &colliding {
            assert_eq!(
                key_hash(key) & (TABLE_SLOTS - 1),
                slot,
                "{key}: search again"
            );
        }
        // Then each again in reverse, the reserved keys, a short key twice and a long one.
        let mut keys: Vec<&str> = colliding.iter().map(String::as_str).collect();
        keys.extend(colliding.iter().rev().map(String::as_str));
        keys.extend([
            "ts",
            "event",
            "slot",
            "a",
            "a",
            "long key, over eight bytes",
        ]);
        let fields: Vec<Field<'_>> = keys
            .iter()
            .enumerate()
            .map(|(n, key)| Field::new(key, n as u64))
            .collect();
        assert!(fields.len() > FEW_FIELDS);

        let ts = Timestamp::from_unix(0, 0).expect("in range");
        let event = Event::new(EventKind::Renew).fields(&fields).at(ts);
        let mut line = Line::new();
        let text = std::str::from_utf8(line.encode(&event).expect("fits")).expect("UTF-8");
        let expected = format!(
            "{{\"ts\":\"1970-01-01T00:00:00Z\",\"event\":\"renew\"{}}}\n",
            naive_fields(&fields)
        );
        assert_eq!(text, expected);
    }
}
