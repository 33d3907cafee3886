//! JSON string escaping, byte-identical to `serde_json`.
//!
//! Only `"`, `\` and bytes below 0x20 are escaped: `\b \f \n \r \t` in their short forms,
//! every other control byte as lowercase `\u00XX`. All other bytes, UTF-8 included, pass
//! through. The encoder's fast path tests sixteen bytes at a time ([`any_escape16`]); the
//! slow path finds unescaped runs eight bytes at a time and copies each in one slice.

const BB: u8 = b'b'; // \x08
const TT: u8 = b't'; // \x09
const NN: u8 = b'n'; // \x0A
const FF: u8 = b'f'; // \x0C
const RR: u8 = b'r'; // \x0D
const QU: u8 = b'"'; // \x22
const BS: u8 = b'\\'; // \x5C
const UU: u8 = b'u'; // \x00...\x1F except the ones above
const __: u8 = 0;

/// For each byte, 0 if it passes through, else the letter after the backslash.
static ESCAPE: [u8; 256] = [
    //   1   2   3   4   5   6   7   8   9   A   B   C   D   E   F
    UU, UU, UU, UU, UU, UU, UU, UU, BB, TT, NN, UU, FF, RR, UU, UU, // 0
    UU, UU, UU, UU, UU, UU, UU, UU, UU, UU, UU, UU, UU, UU, UU, UU, // 1
    __, __, QU, __, __, __, __, __, __, __, __, __, __, __, __, __, // 2
    __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, // 3
    __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, // 4
    __, __, __, __, __, __, __, __, __, __, __, __, BS, __, __, __, // 5
    __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, // 6
    __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, // 7
    __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, // 8
    __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, // 9
    __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, // A
    __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, // B
    __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, // C
    __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, // D
    __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, // E
    __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, // F
];

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// `\u00XX` for a control byte, with lowercase hex digits as `serde_json` writes them.
#[inline]
const fn unicode_escape(byte: u8) -> [u8; 6] {
    [
        b'\\',
        b'u',
        b'0',
        b'0',
        HEX_DIGITS[(byte >> 4) as usize],
        HEX_DIGITS[(byte & 0xF) as usize],
    ]
}

/// Passes the escaped form of `bytes` to `out` as a sequence of slices.
#[inline]
pub(crate) fn write_escaped(bytes: &[u8], mut out: impl FnMut(&[u8])) {
    let mut start = 0;
    loop {
        let at = next_escape(bytes, start);
        if at > start {
            out(&bytes[start..at]);
        }
        let Some(&byte) = bytes.get(at) else { return };
        match ESCAPE[usize::from(byte)] {
            UU => out(&unicode_escape(byte)),
            letter => out(&[b'\\', letter]),
        }
        start = at + 1;
    }
}

/// For each byte, its escaped form padded to eight bytes (the byte itself when it passes
/// through), and in the last byte the form's length: stored whole, then the length moves
/// on, so that a byte costs no branch.
static ESCAPED: [[u8; 8]; 256] = escaped_forms();

const fn escaped_forms() -> [[u8; 8]; 256] {
    let mut table = [[0u8; 8]; 256];
    let mut byte = 0;
    while byte < 256 {
        #[allow(clippy::cast_possible_truncation)] // Below 256.
        let b = byte as u8;
        let form = &mut table[byte];
        match ESCAPE[byte] {
            0 => {
                form[0] = b;
                form[7] = 1;
            }
            UU => {
                let u = unicode_escape(b);
                let mut i = 0;
                while i < 6 {
                    form[i] = u[i];
                    i += 1;
                }
                form[7] = 6;
            }
            letter => {
                form[0] = b'\\';
                form[1] = letter;
                form[7] = 2;
            }
        }
        byte += 1;
    }
    table
}

/// Writes the escaped form of `bytes` at the start of `out`, as far as `out` has room for
/// the worst case, and returns how many bytes of `bytes` it took and how many of `out` it
/// wrote: all of `bytes` when `out` holds six bytes for each, and two more; else it stops
/// early, at a word boundary, and the caller goes on with [`write_escaped`].
///
/// The same escaping as [`write_escaped`], straight into the buffer: it takes over after the
/// first byte that needs escaping, where escapes tend to be dense. Eight bytes at a time: a
/// clean word is stored whole; a word with a byte to escape goes byte by byte through
/// [`ESCAPED`], each byte's form stored whole and the length moved on by the form's
/// length, with no branch on what the byte is (escapes in captured output are too
/// irregular for a branch to predict).
pub(crate) fn escape_into(bytes: &[u8], out: &mut [u8]) -> (usize, usize) {
    /// The most a word can need: six bytes for each of its eight, and two of overrun.
    const WORD_ROOM: usize = 6 * 8 + 2;
    let mut pos = 0;
    let mut words = bytes.chunks_exact(8);
    for (index, chunk) in (&mut words).enumerate() {
        if out.len() - pos < WORD_ROOM {
            return (index * 8, pos);
        }
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if flag_escapes(u64::from_le_bytes(word)) == 0 {
            out[pos..pos + 8].copy_from_slice(&word);
            pos += 8;
        } else {
            pos = put_each(&word, out, pos);
        }
    }
    let tail = words.remainder();
    if out.len() - pos < tail.len() * 6 + 2 {
        return (bytes.len() - tail.len(), pos);
    }
    (bytes.len(), put_each(tail, out, pos))
}

/// Stores the [`ESCAPED`] form of each byte of `part` at `pos` in `out`, moving on by its
/// length; returns the new position. `out` has room for six bytes for each, and two more
/// for the last store's overrun.
#[inline(always)]
#[allow(clippy::inline_always)] // Two call sites; the loop over a word must unroll.
fn put_each(part: &[u8], out: &mut [u8], mut pos: usize) -> usize {
    for &byte in part {
        let form = &ESCAPED[usize::from(byte)];
        out[pos..pos + 8].copy_from_slice(form);
        pos += usize::from(form[7]);
    }
    pos
}

/// The index of the first byte at or after `from` that needs escaping, or `bytes.len()`.
#[inline]
pub(crate) fn next_escape(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    let mut words = bytes.get(from..).unwrap_or_default().chunks_exact(8);
    for chunk in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let flagged = flag_escapes(u64::from_le_bytes(word));
        if flagged != 0 {
            return at + (flagged.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        // Pad with spaces, which never need escaping, and test the tail as one word.
        let mut word = [b' '; 8];
        word[..tail.len()].copy_from_slice(tail);
        let flagged = flag_escapes(u64::from_le_bytes(word));
        if flagged != 0 {
            return at + (flagged.trailing_zeros() / 8) as usize;
        }
        at += tail.len();
    }
    at
}

/// Sets the high bit of each byte of `w` (little-endian) that is below 0x20, `"` or `\\`.
/// Borrows can only flag bytes above a truly flagged one, so the lowest flag is exact.
///
/// Flipping bit 1 maps `"` (0x22) to 0x20 and keeps every other byte below 0x21 where it
/// was (0x20 goes to 0x22, 0x23 to 0x21), so one "below 0x21" test finds control bytes
/// and quotes together; a second test finds backslashes.
#[inline]
pub(crate) const fn flag_escapes(w: u64) -> u64 {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let flipped = w ^ (LOW * 0x02);
    let below = flipped.wrapping_sub(LOW * 0x21) & !flipped;
    let backslash = w ^ (LOW * b'\\' as u64);
    (below | (backslash.wrapping_sub(LOW) & !backslash)) & HIGH
}

/// Whether any of sixteen bytes needs escaping.
///
/// A plain loop over a fixed-size array, written so that the compiler turns it into a few
/// SSE2 instructions (part of the `x86_64` baseline): one XOR, one unsigned minimum, two
/// compares and an OR, then `pmovmskb`. No `unsafe` and no intrinsics, so it is portable, and
/// other targets get an unrolled scalar loop. The test is the one [`flag_escapes`] makes:
/// with bit 1 flipped, exactly the control bytes and `"` are at most 0x20.
#[inline(always)]
#[allow(clippy::inline_always)] // Tiny, and must be inlined into the copy loop to vectorise.
pub(crate) fn any_escape16(chunk: &[u8; 16]) -> bool {
    let mut found = 0u8;
    for &byte in chunk {
        found |= u8::from(byte ^ 2 <= 0x20) | u8::from(byte == b'\\');
    }
    found != 0
}

/// The eight bytes of `bytes` at `at` (which has at least eight from there) as a
/// little-endian word.
#[inline]
pub(crate) fn load8(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// The bytes of `bytes`, at most 7 of them, as a little-endian word padded with spaces
/// (which never need escaping), loaded without a call to `memcpy`: two loads that overlap
/// for lengths that are not a power of two. A `const fn`, so that [`Field`](crate::Field)
/// keys can be classified with it at compile time.
#[inline]
#[allow(clippy::cast_lossless)] // `u64::from` is not const.
pub(crate) const fn load_short(bytes: &[u8]) -> u64 {
    const SPACES: u64 = 0x2020_2020_2020_2020;
    let n = bytes.len();
    let word = match n {
        0 => 0,
        1 => bytes[0] as u64,
        2..=3 => {
            let lo = u16::from_le_bytes([bytes[0], bytes[1]]) as u64;
            let hi = u16::from_le_bytes([bytes[n - 2], bytes[n - 1]]) as u64;
            lo | hi << ((n - 2) * 8)
        }
        _ => {
            let lo = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as u64;
            let hi =
                u32::from_le_bytes([bytes[n - 4], bytes[n - 3], bytes[n - 2], bytes[n - 1]]) as u64;
            lo | hi << ((n - 4) * 8)
        }
    };
    let pad = u64::MAX << (8 * n);
    (word & !pad) | (SPACES & pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escape(text: &str) -> String {
        let mut out = Vec::new();
        write_escaped(text.as_bytes(), |run| out.extend_from_slice(run));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_table() {
        let rows: &[(&str, &str)] = &[
            ("", ""),
            ("plain", "plain"),
            ("a\"b", "a\\\"b"),
            ("a\\b", "a\\\\b"),
            ("\u{8}\u{c}\n\r\t", "\\b\\f\\n\\r\\t"),
            ("\u{0}\u{1f}\u{b}", "\\u0000\\u001f\\u000b"),
            ("\u{7f}é€😀/<>&", "\u{7f}é€😀/<>&"),
            ("0123456789abcdef\n", "0123456789abcdef\\n"),
            ("01234567\"", "01234567\\\""),
        ];
        for &(input, expected) in rows {
            assert_eq!(escape(input), expected, "{input:?}");
        }
    }

    #[test]
    fn escape_into_matches_write_escaped_at_every_length_and_position() {
        // Clean runs of every length on both sides of one or two escapes, across the
        // word boundaries and the short last word.
        let longest = if cfg!(miri) { 17 } else { 40 };
        for len in 1..=longest {
            for at in 0..len {
                for (first, second) in [(b'"', None), (0x1f, Some(b'\\')), (b'\n', Some(0))] {
                    let mut text = vec![b'x'; len];
                    text[at] = first;
                    if let Some(byte) = second {
                        text[(at + 1).min(len - 1)] = byte;
                    }
                    let mut expected = Vec::new();
                    write_escaped(&text, |run| expected.extend_from_slice(run));
                    let mut out = vec![0u8; len * 6 + 2];
                    let (taken, written) = escape_into(&text, &mut out);
                    assert_eq!(taken, len);
                    assert_eq!(&out[..written], &expected[..], "{len} {at}");
                }
            }
        }
    }

    /// A word of bytes that all need escaping, then a short tail, in every room from none
    /// to enough: what `escape_into` takes and what is left, escaped after it, give the
    /// whole, and no store runs off the room (the tail's check must count what the word
    /// used).
    #[test]
    fn a_dense_word_then_a_tail_in_every_room() {
        let texts: [&[u8]; 4] = [
            b"\x01\x01\x01\x01\x01\x01\x01\x01x",
            b"\"\"\"\"\"\"\"\"ab",
            b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\n",
            b"abcdefgh\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\\\\\\",
        ];
        for text in texts {
            let mut expected = Vec::new();
            write_escaped(text, |run| expected.extend_from_slice(run));
            for room in 0..=text.len() * 6 + 2 {
                let mut out = vec![0u8; room];
                let (taken, len) = escape_into(text, &mut out);
                assert!(taken <= text.len() && len <= room, "{text:?} in {room}");
                let mut whole = out[..len].to_vec();
                write_escaped(&text[taken..], |run| whole.extend_from_slice(run));
                assert_eq!(whole, expected, "{text:?} in {room}");
            }
        }
    }

    #[test]
    fn escape_into_matches_write_escaped() {
        let samples = [
            String::new(),
            "plain text that is long enough to take the slice copy".to_owned(),
            "\u{1b}[31mred\u{1b}[0m \"q\" \\ \t\r\n é€😀".repeat(7),
            (0u8..0x80).map(char::from).collect::<String>(),
        ];
        for text in samples {
            let expected = escape(&text);
            let mut out = vec![0u8; text.len() * 6 + 2];
            let (taken, len) = escape_into(text.as_bytes(), &mut out);
            assert_eq!(taken, text.len());
            assert_eq!(&out[..len], expected.as_bytes(), "{text:?}");
            // With less room, it stops early, and what it wrote is the escape of what it
            // took; the rest escaped after it gives the whole.
            for room in [0, 1, 49, 50, 51, 100, text.len() * 6 + 1] {
                let mut out = vec![0u8; room];
                let (taken, len) = escape_into(text.as_bytes(), &mut out);
                assert!(taken <= text.len() && len <= room);
                let mut whole = out[..len].to_vec();
                write_escaped(&text.as_bytes()[taken..], |run| {
                    whole.extend_from_slice(run);
                });
                assert_eq!(whole, expected.as_bytes(), "{text:?} in {room}");
            }
        }
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "half a million words of plain arithmetic: minutes under Miri"
    )]
    fn flag_escapes_lowest_flag_is_exact_for_every_byte_pair() {
        let needs = |b: u8| ESCAPE[usize::from(b)] != 0;
        for fill in 0u8..=255 {
            for byte in 0u8..=255 {
                for pos in 0..8 {
                    let mut word = [fill; 8];
                    word[pos] = byte;
                    let flagged = flag_escapes(u64::from_le_bytes(word));
                    let first = word.iter().position(|&b| needs(b));
                    let lowest = (flagged != 0).then(|| (flagged.trailing_zeros() / 8) as usize);
                    assert_eq!(lowest, first, "{fill:#x} with {byte:#x} at {pos}");
                }
            }
        }
    }

    #[test]
    fn any_escape16_flags_exactly_the_escaped_bytes_at_every_position() {
        // Fill bytes on both sides of the tested ranges; one under Miri, which is slow.
        let fills: &[u8] = if cfg!(miri) {
            b"a"
        } else {
            &[b'a', b' ', b'#', b'!', 0x7f, 0xff]
        };
        for &fill in fills {
            assert!(!any_escape16(&[fill; 16]), "{fill:#x}");
            for byte in 0u8..=255 {
                for pos in 0..16 {
                    let mut chunk = [fill; 16];
                    chunk[pos] = byte;
                    let needs = ESCAPE[usize::from(byte)] != 0;
                    assert_eq!(
                        any_escape16(&chunk),
                        needs,
                        "{byte:#x} at {pos} in {fill:#x}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_byte_matches_a_bytewise_scan() {
        for byte in 0u8..=0x7f {
            for pos in 0..20 {
                let mut text = vec![b'a'; 20];
                text[pos] = byte;
                let naive = text.iter().position(|&b| ESCAPE[usize::from(b)] != 0);
                assert_eq!(
                    next_escape(&text, 0),
                    naive.unwrap_or(text.len()),
                    "{byte:#x} at {pos}"
                );
            }
        }
    }
}
