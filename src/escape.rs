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
fn unicode_escape(byte: u8) -> [u8; 6] {
    [
        b'\\',
        b'u',
        b'0',
        b'0',
        HEX_DIGITS[usize::from(byte >> 4)],
        HEX_DIGITS[usize::from(byte & 0xF)],
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

/// Writes the escaped form of `bytes` at the start of `out` and returns its length, or
/// `None` (having written an unspecified prefix) if `out` is shorter than the worst case,
/// six bytes per input byte.
///
/// The same escaping as [`write_escaped`], straight into the buffer, a byte at a time: it
/// takes over after the first byte that needs escaping, where escapes tend to be dense.
pub(crate) fn escape_into(bytes: &[u8], out: &mut [u8]) -> Option<usize> {
    if out.len() / 6 < bytes.len() {
        return None;
    }
    let mut pos = 0;
    for &byte in bytes {
        match ESCAPE[usize::from(byte)] {
            0 => {
                out[pos] = byte;
                pos += 1;
            }
            UU => {
                out[pos..pos + 6].copy_from_slice(&unicode_escape(byte));
                pos += 6;
            }
            letter => {
                out[pos] = b'\\';
                out[pos + 1] = letter;
                pos += 2;
            }
        }
    }
    Some(pos)
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
/// keys are classified with it at compile time.
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
    fn escape_into_matches_write_escaped() {
        let samples = [
            String::new(),
            "plain text that is long enough to take the slice copy".to_owned(),
            "\u{1b}[31mred\u{1b}[0m \"q\" \\ \t\r\n é€😀".repeat(7),
            (0u8..0x80).map(char::from).collect::<String>(),
        ];
        for text in samples {
            let expected = escape(&text);
            let mut out = vec![0u8; text.len() * 6];
            let len = escape_into(text.as_bytes(), &mut out).unwrap();
            assert_eq!(&out[..len], expected.as_bytes(), "{text:?}");
            if !text.is_empty() {
                assert_eq!(
                    escape_into(text.as_bytes(), &mut out[..text.len() * 6 - 1]),
                    None
                );
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
