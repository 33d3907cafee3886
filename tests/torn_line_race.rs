//! A line still being copied in is not mistaken for a torn one. A test binary of its own:
//! the race needs the big writer and the opener each on a processor, which the other tests
//! of a binary, running beside it, would take.

use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use logwriter::{Event, EventKind, Options};

const BIG: usize = 256 << 10;

/// Lines a round's big writer writes at most (16 MiB).
const BIG_LINES: usize = 64;

/// Rounds a line being copied in must be seen in, out of at most `ROUNDS`.
const MET: usize = 5;
const ROUNDS: usize = 200;

/// A writer that opens the log while another long `write(2)` is being copied in sees a
/// file that ends mid-line, but must not take it for a torn line (which it would end with
/// a `\n` of its own, leaving an empty line): its zero-length `write(2)` waits for the
/// copy to finish, and the end has moved. In each round, another thread writes 256 KiB
/// lines through `std` into a fresh file while this one opens writers in a loop; the file
/// must hold only whole lines, none empty.
///
/// So that the test cannot pass without meeting the race, the opener looks at the file's
/// last byte before each open. How often it finds a line being copied in depends on the
/// machine (with the machine to itself, before 40 of 42 opens; beside other busy
/// processes, a few times in thousands), so rounds go on until it has, in `MET` rounds.
#[test]
fn a_line_being_written_is_not_taken_for_a_torn_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut met = 0;
    let mut rounds = 0;
    while met < MET && rounds < ROUNDS {
        let path = dir.path().join(format!("log{rounds}"));
        met += usize::from(round(&path) > 0);
        std::fs::remove_file(&path).unwrap();
        rounds += 1;
    }
    assert_eq!(
        met, MET,
        "a line being copied in was met in {met} of {rounds} rounds"
    );
}

/// One round into a fresh file at `path`, until the opener has met a line being copied in
/// or the big writer has written [`BIG_LINES`]; returns how many opens came while a line
/// was being copied in, having checked the file.
fn round(path: &Path) -> usize {
    std::fs::write(path, b"").unwrap();
    let done = AtomicBool::new(false);
    let mut big = vec![b'x'; BIG];
    big[BIG - 1] = b'\n';
    let (big_lines, own_lines, seen) = std::thread::scope(|scope| {
        let big_writer = scope.spawn(|| {
            let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
            let mut lines = 0;
            while lines == 0 || (lines < BIG_LINES && !done.load(Ordering::Relaxed)) {
                std::io::Write::write_all(&mut file, &big).unwrap();
                lines += 1;
            }
            lines
        });
        let reader = std::fs::File::open(path).unwrap();
        let mid_line = || {
            let len = reader.metadata().unwrap().len();
            let mut last = [0u8];
            len > 0 && reader.read_at(&mut last, len - 1).unwrap() == 1 && last[0] != b'\n'
        };
        let (mut own, mut seen) = (0, 0);
        while !big_writer.is_finished() {
            seen += usize::from(mid_line());
            let mut log = Options::new().no_rotation().open(path).unwrap();
            log.append(&Event::new(EventKind::Renew).slot("opener"))
                .unwrap();
            assert_eq!(log.stats().bytes_lost, 0);
            own += 1;
            // Met: the big writer ends with the line it is writing.
            if seen > 0 {
                done.store(true, Ordering::Relaxed);
            }
        }
        (big_writer.join().unwrap(), own, seen)
    });
    let text = std::fs::read(path).unwrap();
    let (mut bigs, mut owns) = (0, 0);
    for (number, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        assert!(line.ends_with(b"\n"), "line {number} is unfinished");
        let line = &line[..line.len() - 1];
        if line.len() == BIG - 1 && line.iter().all(|&b| b == b'x') {
            bigs += 1;
        } else {
            let row: serde_json::Value = serde_json::from_slice(line)
                .unwrap_or_else(|e| panic!("line {number} ({} bytes): {e}", line.len()));
            assert_eq!(row["slot"], "opener", "line {number}");
            owns += 1;
        }
    }
    assert_eq!((bigs, owns), (big_lines, own_lines));
    seen
}
