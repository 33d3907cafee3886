//! The line encoder: an event in, one flat JSON object and `\n` out, in a stack buffer.
//!
//! No I/O, no allocation, no panic. Strings are escaped byte-for-byte as `serde_json` escapes
//! them; integers below 10 are one store, below 10^8 an eight-digit SWAR conversion, larger
//! ones go through `itoa`; floats through `ryu`.
//!
//! This module lays out the row; [`crate::cursor`] appends its pieces. The start of every
//! row is copied as whole words: a per-second cached `{"ts":"<date>`, the fraction, and one
//! padded segment per kind (`Z","event":"<kind>","slot":`). Keys that [`Field::new`]
//! classified as short and clean are written as one word; strings are copied and checked
//! for escapes sixteen bytes at a time.

use core::fmt;

use crate::cursor::{Cursor, LineBuf, MAX_COUNTED, SLACK};
use crate::error::{Error, ErrorKind, Op};
use crate::event::{Event, EventKind, Field, RESERVED_WORD};
use crate::time::{
    format_seconds, fraction, Precision, Timestamp, FRACTION_DIGITS_LEN, SECONDS_LEN,
};

/// The longest line, `\n` included, that is ever written: Linux's `PIPE_BUF`.
///
/// Appends of at most this size are atomic on pipes and FIFOs as well as on local files.
pub const MAX_LINE: usize = 4096;

/// More fields than a line can hold (592 at most fit: one empty key, `,"":0`, then 94
/// one-byte keys and two-byte ones): every field takes at least 5 bytes, after a row
/// prefix of at least 42. A bound for the repeated-key table, not the exact limit.
const MAX_KEPT_FIELDS: usize = (MAX_LINE - 42) / 5 + 1;

/// `{"ts":"` and the date and time to the second: the start of every row, cached per second.
const HEAD_LEN: usize = 7 + SECONDS_LEN;

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
#[repr(C)] // The encoder's own state first, next to the row's start.
pub struct Line {
    /// The whole seconds whose head, `{"ts":"<date and time>`, `buf` starts with: nothing
    /// else writes there, so the head stays from one line to the next, and is written again
    /// only when the second changes.
    ts_secs: u64,
    /// Bytes of the last line encoded; 0 after a refused one.
    len: usize,
    /// The line, then [`SLACK`] bytes that word-sized copies may overrun.
    buf: [u8; MAX_LINE + SLACK],
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
        }
    }

    /// The encoded line, `\n` included; empty before the first successful encode.
    #[inline]
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
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Field, Line};
    ///
    /// let mut line = Line::new(); // about 4 KiB: keep it on the stack and reuse it
    /// let fields = [Field::new("task_id", "t-17"), Field::new("worktree", "/ws/a")];
    /// let len = line.encode(&Event::new(EventKind::Join).slot("a").fields(&fields))?.len();
    /// let text = std::str::from_utf8(line.as_bytes())?; // the same bytes, until the next encode
    /// assert_eq!(text.len(), len);
    /// assert!(text.starts_with(r#"{"ts":""#));
    /// assert!(text.ends_with(concat!(
    ///     r#""event":"join","slot":"a","task_id":"t-17","worktree":"/ws/a"}"#,
    ///     "\n"
    /// )));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode(&mut self, event: &Event<'_>) -> Result<&[u8], Error> {
        self.encode_with(event, Precision::Auto, "")
    }

    /// Encodes `event` with the given timestamp precision, writing `default_slot` as the
    /// slot when the event has none.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::LineTooLong`], as [`Line::encode`].
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Line, Precision, Timestamp};
    ///
    /// let ts = Timestamp::from_unix(1_777_636_800, 0).unwrap();
    /// let mut line = Line::new();
    /// let bytes = line.encode_with(&Event::new(EventKind::Renew).at(ts), Precision::Micros, "b")?;
    /// assert_eq!(
    ///     bytes,
    ///     b"{\"ts\":\"2026-05-01T12:00:00.000000Z\",\"event\":\"renew\",\"slot\":\"b\"}\n"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode_with(
        &mut self,
        event: &Event<'_>,
        precision: Precision,
        default_slot: &str,
    ) -> Result<&[u8], Error> {
        let ts = event.timestamp().unwrap_or_else(Timestamp::now);
        let len = self.encode_len(event, ts, precision, default_slot)?;
        Ok(&self.buf[..len])
    }

    /// [`Line::encode_with`] with the timestamp `ts` whatever the event carries, returning
    /// the length of the line. Always inlined, so that `Writer::append` runs as one
    /// function: its whole hot path then spans fewer code pages, which measurably lowers
    /// the kernel's instruction-TLB misses in the `write` that follows.
    #[inline(always)]
    #[allow(clippy::inline_always)]
    pub(crate) fn encode_len(
        &mut self,
        event: &Event<'_>,
        ts: Timestamp,
        precision: Precision,
        default_slot: &str,
    ) -> Result<usize, Error> {
        let slot = match event.slot_name() {
            "" => default_slot,
            slot => slot,
        };
        match self.encode_row(ts, precision, event.kind(), slot, event.field_list()) {
            Ok(len) if len <= MAX_LINE => {
                self.len = len;
                Ok(len)
            }
            result => Err(self.refuse(result.ok())),
        }
    }

    /// Empties the buffer and makes the error for a line over [`MAX_LINE`], with its
    /// length if it was measured.
    #[cold]
    #[inline(never)]
    fn refuse(&mut self, len: Option<usize>) -> Error {
        self.len = 0;
        // A length held at the most the cursor counts is not the line's.
        let len = len.filter(|&len| len < MAX_COUNTED);
        Error::new(ErrorKind::LineTooLong { len }, Op::Encode, None)
    }

    /// Writes the row and returns its length; `Err` means it has too many distinct fields
    /// to measure.
    #[inline(always)]
    #[allow(clippy::inline_always)]
    fn encode_row(
        &mut self,
        ts: Timestamp,
        precision: Precision,
        kind: EventKind,
        slot: &str,
        fields: &[Field<'_>],
    ) -> Result<usize, TooManyFields> {
        if ts.unix_secs() != self.ts_secs {
            self.set_head(ts.unix_secs());
        }
        // The row's start is at fixed offsets well inside the buffer: whole-word copies,
        // then the length moves on by what each part really holds.
        let (fraction, fraction_len) = fraction(ts.subsec_nanos(), precision);
        self.buf[HEAD_LEN..HEAD_LEN + FRACTION_DIGITS_LEN].copy_from_slice(&fraction);
        let at = HEAD_LEN + fraction_len.min(FRACTION_DIGITS_LEN);
        let (segment, segment_len) = &KIND_SEGMENTS[kind as usize];
        self.buf[at..at + SEGMENT_LEN].copy_from_slice(segment);
        let mut line = Cursor {
            buf: &mut self.buf,
            len: at + segment_len,
        };
        if slot.is_empty() {
            line.len -= SLOT_KEY.len();
        } else {
            line.put_str(slot);
        }

        if fields.len() > FEW_FIELDS {
            line.len = put_many_fields(line.buf, line.len, fields)?;
            line.put(b"}\n");
            return Ok(line.len);
        }
        // One bit per short key written, chosen by a multiplicative hash of its word: a
        // clear bit proves the key is new without looking back at earlier fields. With at
        // most FEW_FIELDS fields, the line is never too long to measure.
        let mut seen = 0u64;
        for field in fields {
            // A later field with an earlier field's key is dropped: the earlier one was
            // written, or was itself dropped as reserved or repeated.
            let word = field.key_word();
            // `Field::new` marked a reserved key once, when the field was made.
            if word == RESERVED_WORD {
                continue;
            }
            if word != 0 {
                let bit = 1 << (word.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58);
                if seen & bit != 0 && repeated_word(fields, field) {
                    continue;
                }
                seen |= bit;
            } else if repeated_key(fields, field) {
                continue;
            }
            line.put_field(field);
        }
        line.put(b"}\n");
        Ok(line.len)
    }

    /// Formats the head for a new second.
    #[cold]
    fn set_head(&mut self, secs: u64) {
        let mut seconds = [0u8; SECONDS_LEN];
        format_seconds(secs, &mut seconds);
        self.buf[..7].copy_from_slice(b"{\"ts\":\"");
        self.buf[7..HEAD_LEN].copy_from_slice(&seconds);
        self.ts_secs = secs;
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

/// The field loop for events of more than [`FEW_FIELDS`] fields: repeated keys are
/// found through a hash table on the stack instead of by looking back at every
/// earlier field, so the cost grows linearly rather than quadratically.
#[cold]
#[inline(never)]
fn put_many_fields(
    buf: &mut LineBuf,
    len: usize,
    fields: &[Field<'_>],
) -> Result<usize, TooManyFields> {
    let mut line = Cursor { buf, len };
    // Open addressing over the keys written so far, each slot holding a field's index
    // + 1 (0: empty). At most MAX_KEPT_FIELDS keys are ever inserted: load below 0.4.
    let mut slots = [0u32; TABLE_SLOTS];
    let mut kept = 0;
    for (index, field) in fields.iter().enumerate() {
        if field.key_word() == RESERVED_WORD {
            continue;
        }
        let key = field.key();
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
        line.put_field(field);
    }
    Ok(line.len)
}

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

/// Whether a field before `field` in `fields` has its key word: the slow check after a
/// seen-mask collision, out of line so that the loop keeps its registers.
#[cold]
#[inline(never)]
fn repeated_word(fields: &[Field<'_>], field: &Field<'_>) -> bool {
    let word = field.key_word();
    fields_before(fields, field)
        .iter()
        .any(|earlier| earlier.key_word() == word)
}

/// Whether a field before `field` in `fields` has its key (one not held as a word).
#[inline(never)]
fn repeated_key(fields: &[Field<'_>], field: &Field<'_>) -> bool {
    fields_before(fields, field)
        .iter()
        .any(|earlier| same_key(earlier.key(), field.key()))
}

/// The fields before `field`, which must be an element of `fields` (not a copy): found
/// from its address, so that the field loop need not carry an index.
fn fields_before<'f, 'a>(fields: &'f [Field<'a>], field: &Field<'a>) -> &'f [Field<'a>] {
    let offset = core::ptr::from_ref(field)
        .addr()
        .wrapping_sub(fields.as_ptr().addr());
    let index = offset / core::mem::size_of::<Field<'_>>();
    debug_assert!(index < fields.len(), "the field is not in the slice");
    &fields[..index.min(fields.len())]
}

/// Key equality with a cheap first look at the length and the first byte.
#[inline]
fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
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
            if crate::RESERVED_KEYS.contains(&key) || fields[..index].iter().any(|f| f.key() == key)
            {
                continue;
            }
            let Value::U64(n) = field.value() else {
                panic!("the test uses integers")
            };
            write!(out, ",\"{key}\":{n}").expect("a String takes any text");
        }
        out
    }

    /// A length the cursor held at [`MAX_COUNTED`] is not the line's: it is reported as
    /// unknown, and one below it as itself. No line on a 64-bit target is that long (the
    /// 32-bit run of `a_line_longer_than_a_usize_counts_is_refused_without_wrapping` reaches
    /// it), so the bound is checked here, where the cursor stops counting.
    #[test]
    fn a_length_held_at_the_counting_bound_is_reported_as_unknown() {
        let mut buf = [0u8; MAX_LINE + SLACK];
        let mut cursor = Cursor {
            buf: &mut buf,
            len: MAX_COUNTED - 1,
        };
        cursor.put(b"xy");
        assert_eq!(cursor.len, MAX_COUNTED, "held at the bound");

        let mut line = Line::new();
        let ts = Timestamp::from_unix(0, 0).expect("in range");
        line.encode(&Event::new(EventKind::Renew).at(ts))
            .expect("fits");
        let err = line.refuse(Some(cursor.len));
        assert_eq!(err.kind(), ErrorKind::LineTooLong { len: None });
        assert!(line.as_bytes().is_empty(), "a refused line leaves no bytes");
        let len = MAX_COUNTED - 1;
        assert_eq!(
            line.refuse(Some(len)).kind(),
            ErrorKind::LineTooLong { len: Some(len) }
        );
        assert_eq!(
            line.refuse(Some(MAX_LINE + 1)).kind(),
            ErrorKind::LineTooLong {
                len: Some(MAX_LINE + 1)
            }
        );
    }

    /// The hash spreads keys over the table: the most fields a line can hold, keyed `k0`…,
    /// take about as many slots as random ones would (515 expected), not one probe chain,
    /// which would make each lookup walk all the keys before it.
    #[test]
    fn keys_spread_over_the_table() {
        let mut used = [false; TABLE_SLOTS];
        for i in 0..592 {
            used[key_hash(&format!("k{i}")) & (TABLE_SLOTS - 1)] = true;
        }
        let slots = used.iter().filter(|&&u| u).count();
        assert!(slots > 450, "{slots} slots");
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
