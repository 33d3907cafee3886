//! A line still being copied in is not mistaken for a torn one. A test binary of its own:
//! the race needs the big writer and the opener each on a processor, which the other tests
//! of a binary, running beside it, would take.

use logwriter::{Event, EventKind, Options};

/// A writer that opens the log while another process's long `write(2)` is being copied in
/// sees a file that ends mid-line, but must not take it for a torn line (which it would
/// end with a `\n` of its own, leaving an empty line): its zero-length `write(2)` waits
/// for the copy to finish, and the end has moved. Another thread writes 256 KiB lines
/// through `std` while this one opens writers in a loop; the file must hold only whole
/// lines, none empty. So that the test cannot pass without meeting the race, the opener
/// looks at the file's last byte before each open; it goes on until it has seen a line
/// being copied in `MID_LINE` times or the big writer's 256 lines are done, and must have
/// seen one at least once. How often it does depends on the machine: with the machine to
/// itself, in 40 of 42 opens; beside other busy processes, 2 to 10 times in thousands.
#[test]
fn a_line_being_written_is_not_taken_for_a_torn_one() {
    use std::os::unix::fs::FileExt;
    const BIG: usize = 256 << 10;
    const OPENS: usize = 300;
    const MID_LINE: usize = 5;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    std::fs::write(&path, b"").unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut big = vec![b'x'; BIG];
    big[BIG - 1] = b'\n';
    let (big_lines, own_lines) = std::thread::scope(|scope| {
        let big_writer = scope.spawn(|| {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            let mut lines = 0;
            // At least one line, at most 64 MiB, until the opener is done.
            while lines == 0 || (lines < 256 && !done.load(std::sync::atomic::Ordering::Relaxed)) {
                std::io::Write::write_all(&mut file, &big).unwrap();
                lines += 1;
            }
            lines
        });
        let reader = std::fs::File::open(&path).unwrap();
        let mid_line = || {
            let len = reader.metadata().unwrap().len();
            let mut last = [0u8];
            len > 0 && reader.read_at(&mut last, len - 1).unwrap() == 1 && last[0] != b'\n'
        };
        let (mut own, mut seen_mid_line) = (0, 0);
        // Until the race was met often enough (and at least `OPENS` opens), or the big
        // writer is done: in a busy test process it may get the processor late.
        while (own < OPENS || seen_mid_line < MID_LINE) && !big_writer.is_finished() {
            seen_mid_line += usize::from(mid_line());
            let mut log = Options::new().no_rotation().open(&path).unwrap();
            log.append(&Event::new(EventKind::Renew).slot("opener"))
                .unwrap();
            assert_eq!(log.stats().bytes_lost, 0);
            own += 1;
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(
            seen_mid_line > 0,
            "a line being copied in was seen {seen_mid_line} times in {own} opens"
        );
        (big_writer.join().unwrap(), own)
    });
    let text = std::fs::read(&path).unwrap();
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
}
