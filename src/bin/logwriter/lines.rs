//! A line reader with a fixed buffer: memory stays the same whatever the file size.

use std::io::{self, Read};
use std::ops::Range;

/// One item read from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A whole line, `\n` excluded, as a range of [`LineReader::bytes`].
    Line(Range<usize>),
    /// A line longer than the buffer, skipped; its length with the `\n`.
    Overlong(u64),
}

/// Reads `\n`-terminated lines into a buffer allocated once.
///
/// A line that does not fit in the buffer is skipped and reported as [`Item::Overlong`].
/// At end of file, bytes after the last `\n` stay in the buffer as [`LineReader::pending`]:
/// a follower reads them again once the rest of the line arrives.
pub struct LineReader {
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    /// Bytes of an overlong line dropped so far.
    skipped: Option<u64>,
}

impl LineReader {
    /// A reader whose longest line is `capacity - 1` bytes.
    pub fn with_capacity(capacity: usize) -> LineReader {
        LineReader {
            buf: vec![0; capacity].into_boxed_slice(),
            start: 0,
            end: 0,
            skipped: None,
        }
    }

    /// The bytes of an [`Item::Line`] range.
    pub fn bytes(&self, range: Range<usize>) -> &[u8] {
        &self.buf[range]
    }

    /// The next whole line, or `None` at end of file (a partial line stays pending).
    ///
    /// Each call that finds no `\n` in the buffer makes one `read` of `src`.
    pub fn next_item(&mut self, src: &mut impl Read) -> io::Result<Option<Item>> {
        loop {
            if let Some(pos) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
                let line = self.start..self.start + pos;
                self.start += pos + 1;
                if let Some(skipped) = self.skipped.take() {
                    return Ok(Some(Item::Overlong(skipped + pos as u64 + 1)));
                }
                return Ok(Some(Item::Line(line)));
            }
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.end == self.buf.len() {
                *self.skipped.get_or_insert(0) += self.end as u64;
                self.end = 0;
            }
            let read = loop {
                match src.read(&mut self.buf[self.end..]) {
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    other => break other?,
                }
            };
            if read == 0 {
                return Ok(None);
            }
            self.end += read;
        }
    }

    /// The bytes after the last `\n` read so far (the part of an overlong line that is in
    /// the buffer, if one is being skipped).
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// How many bytes of the pending line were dropped because it outgrew the buffer (0 if
    /// none): the line's length is this plus the length of [`LineReader::pending`].
    pub fn pending_skipped(&self) -> u64 {
        self.skipped.unwrap_or(0)
    }

    /// Whether bytes of an unfinished line are held.
    pub fn has_pending(&self) -> bool {
        self.end > self.start || self.skipped.is_some()
    }

    /// Reads on as inside a line longer than the buffer, whose start was not read: what
    /// comes up to the next `\n` is skipped, and reported as [`Item::Overlong`].
    pub fn skip_line(&mut self) {
        self.reset();
        self.skipped = Some(0);
    }

    /// Forgets everything buffered (after the file was truncated).
    pub fn reset(&mut self) {
        self.start = 0;
        self.end = 0;
        self.skipped = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whole lines as `Ok(bytes)`, overlong ones as `Err(length)`.
    type Items = Vec<Result<Vec<u8>, u64>>;

    /// The items of `input`, the pending bytes and how many pending bytes were skipped.
    fn items(input: &[u8], capacity: usize) -> (Items, Vec<u8>, u64) {
        let mut reader = LineReader::with_capacity(capacity);
        let mut src = input;
        let mut out = Vec::new();
        while let Some(item) = reader.next_item(&mut src).unwrap() {
            out.push(match item {
                Item::Line(range) => Ok(reader.bytes(range).to_vec()),
                Item::Overlong(len) => Err(len),
            });
        }
        (out, reader.pending().to_vec(), reader.pending_skipped())
    }

    #[test]
    fn splits_lines_and_keeps_the_tail() {
        let (lines, rest, skipped) = items(b"a\nbb\n\nccc", 8);
        assert_eq!(
            lines,
            vec![Ok(b"a".to_vec()), Ok(b"bb".to_vec()), Ok(Vec::new())]
        );
        assert_eq!((rest.as_slice(), skipped), (&b"ccc"[..], 0));
    }

    #[test]
    fn skips_overlong_lines() {
        let (lines, rest, skipped) = items(b"0123456789abcdef\nok\n0123456789", 8);
        assert_eq!(lines, vec![Err(17), Ok(b"ok".to_vec())]);
        assert_eq!((rest.as_slice(), skipped), (&b"89"[..], 8));
    }

    #[test]
    fn an_overlong_tail_keeps_its_length() {
        // (input, capacity, pending bytes, skipped bytes): pending + skipped is the length.
        let rows: &[(&[u8], usize, &[u8], u64)] = &[
            (b"0123456789", 8, b"89", 8),
            (b"0123456789abcdef", 8, b"", 16),
            (b"ok\n0123456789abcdefghij", 8, b"ghij", 16),
            (b"0123456", 8, b"0123456", 0),
        ];
        for &(input, capacity, pending, skipped) in rows {
            let (_, rest, got) = items(input, capacity);
            assert_eq!(
                (rest.as_slice(), got),
                (pending, skipped),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    }
}
