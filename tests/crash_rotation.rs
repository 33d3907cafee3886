//! `kill -9` in the middle of rotations loses nothing that `append` acknowledged.
//!
//! Each trial starts two child processes on one fresh log with a tiny maximum size, so that
//! nearly every append rotates, and a huge maximum file count, so that nothing is deleted and
//! every rotation renames the whole series, one file after another: most of a child's time
//! is spent between two renames. A child prints `ack <seq>` after each `append` that returned
//! `Ok`. The parent kills each child with SIGKILL once it has acknowledged a number of lines
//! drawn from a seeded generator, the second child carrying on over what the first left.
//!
//! After each trial: every acknowledged line is present exactly once across `log` and `log.N`,
//! no line is torn or duplicated, each writer's lines keep their order from the oldest file to
//! the newest, and a new writer opens, appends and rotates normally, after which the series
//! is contiguous again (the holes a crash leaves are absorbed by the next shifts).

mod rotation_support;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use logwriter::Options;
use rotation_support::{append_seq, child, read_series, role, series_files};

const DIR: &str = "LOGWRITER_TEST_DIR";
const ID: &str = "LOGWRITER_TEST_ID";
const TRIALS: u64 = 100;
/// Trials are added past [`TRIALS`], up to this many, until [`CUT_SHORT`] of them have cut a
/// rotation short: where a kill lands depends on the machine's load (a loaded machine that
/// runs each child in longer slices lands fewer of them inside rotations).
const MAX_TRIALS: u64 = 1000;
/// The trials that must leave a rotation cut short (a hole in the series).
const CUT_SHORT: usize = 10;
const CHILDREN: u32 = 2;
const MAX_SIZE: u64 = 200;

fn options() -> Options {
    Options::new().max_size(MAX_SIZE).max_files(1_000_000)
}

/// splitmix64: a seeded, reproducible sequence of kill points.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The child: appends until killed, acknowledging each line that was written.
fn child_appender() {
    let dir = std::env::var(DIR).expect(DIR);
    let id: u32 = std::env::var(ID).expect(ID).parse().expect("id");
    let mut log = options().open(Path::new(&dir).join("log")).expect("open");
    // Bounded, in case the parent is gone.
    for seq in 0..100_000u64 {
        let pad = usize::try_from(seq % 40).unwrap_or(0);
        if append_seq(&mut log, id, seq, pad).is_ok() {
            println!("ack {seq}");
        }
    }
}

struct Running {
    process: Child,
    /// The child's lines, read by a thread of their own, which ends when the child does.
    lines: mpsc::Receiver<String>,
    acked: Vec<u64>,
}

/// How long a child may go without acknowledging a line before the trial fails: a writer
/// that never gives its rotation lock back must fail the test, not hang it.
const STALL: Duration = Duration::from_secs(60);

impl Running {
    fn start(mut process: Child) -> Running {
        let out = BufReader::new(process.stdout.take().expect("stdout"));
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in out.lines() {
                if tx.send(line.expect("read child")).is_err() {
                    return;
                }
            }
        });
        Running {
            process,
            lines,
            acked: Vec::new(),
        }
    }

    /// Reads acknowledgements until `target` lines were acknowledged (or the child ended).
    fn read_until(&mut self, target: usize) {
        while self.acked.len() < target {
            match self.lines.recv_timeout(STALL) {
                Ok(line) => self.record(&line),
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = self.process.kill();
                    panic!("no acknowledgement for {STALL:?}: the child is stuck");
                }
            }
        }
    }

    /// Kills the child and reads every acknowledgement it wrote before dying.
    fn kill_and_drain(&mut self) {
        self.process.kill().expect("SIGKILL");
        self.process.wait().expect("reap");
        while let Ok(line) = self.lines.recv() {
            self.record(&line);
        }
    }

    fn record(&mut self, line: &str) {
        if let Some((_, seq)) = line.split_once("ack ") {
            self.acked
                .push(seq.trim().parse().expect("acknowledged seq"));
        }
    }
}

/// Whether the series shows a rotation cut short: a missing number below a present one,
/// or backups without an active file.
fn cut_short(dir: &Path) -> bool {
    let numbers: Vec<u32> = series_files(dir, "log").iter().map(|(n, _)| *n).collect();
    numbers
        .iter()
        .enumerate()
        .any(|(i, &n)| u32::try_from(i) != Ok(n))
}

struct Totals {
    lines: usize,
    acked: usize,
    rotations: usize,
    cut_short: usize,
}

fn trial(seed: &mut Rng, totals: &mut Totals) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut children: Vec<Running> = (0..CHILDREN)
        .map(|id| {
            let process = child("crash_during_rotation", "appender")
                .env(DIR, dir.path())
                .env(ID, id.to_string())
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawn child");
            Running::start(process)
        })
        .collect();
    for running in &mut children {
        let target = usize::try_from(1 + seed.next() % 60).unwrap_or(1);
        running.read_until(target);
        running.kill_and_drain();
    }
    if cut_short(dir.path()) {
        totals.cut_short += 1;
    }

    let acked: Vec<(u32, u64)> = children
        .iter()
        .zip(0u32..)
        .flat_map(|(running, id)| running.acked.iter().map(move |&seq| (id, seq)))
        .collect();
    let before = read_series(dir.path(), "log");
    assert!(
        before.bad_lines.is_empty(),
        "torn lines: {:?}",
        before.bad_lines
    );
    assert_eq!(before.missing(&acked), 0, "acknowledged lines lost");
    assert_eq!(before.duplicated(), 0, "lines duplicated");
    assert!(
        before.out_of_order.is_empty(),
        "order broken: {:?}",
        before.out_of_order
    );
    totals.lines += before.seen.len();
    totals.acked += acked.len();
    totals.rotations += before.files.iter().filter(|(n, _)| *n > 0).count();

    // A new writer opens, appends and rotates over whatever the kills left.
    let mut log = options()
        .open(dir.path().join("log"))
        .expect("reopen after crash");
    let mut rotations = 0;
    for seq in 0..12 {
        append_seq(&mut log, 9, seq, 0).expect("append after crash");
        if seq % 3 == 2 {
            log.rotate().expect("rotate after crash");
            rotations += 1;
        }
    }
    let stats = log.close().expect("close");
    assert_eq!(stats.housekeeping_errors, 0);
    assert!(stats.rotations >= rotations);
    let after = read_series(dir.path(), "log");
    let old: HashSet<_> = before.seen.keys().copied().collect();
    let new: Vec<(u32, u64)> = (0..12).map(|seq| (9, seq)).collect();
    assert_eq!(
        after.missing(&old),
        0,
        "lines lost by the rotations after the crash"
    );
    assert_eq!(after.missing(&new), 0, "lines lost after the crash");
    assert_eq!(after.duplicated(), 0);
    assert!(
        after.bad_lines.is_empty(),
        "bad lines: {:?}",
        after.bad_lines
    );
    assert!(
        after.out_of_order.is_empty(),
        "order broken: {:?}",
        after.out_of_order
    );
    assert!(
        !cut_short(dir.path()),
        "the series still has holes after 4 rotations"
    );
}

#[test]
fn crash_during_rotation() {
    if role().as_deref() == Some("appender") {
        return child_appender();
    }
    let seed = std::env::var("LOGWRITER_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x005E_ED0F_C4A5);
    let mut rng = Rng(seed);
    let mut totals = Totals {
        lines: 0,
        acked: 0,
        rotations: 0,
        cut_short: 0,
    };
    let mut trials = 0;
    while trials < TRIALS || (totals.cut_short < CUT_SHORT && trials < MAX_TRIALS) {
        trial(&mut rng, &mut totals);
        trials += 1;
    }
    eprintln!(
        "crash: seed {seed:#x}, {trials} trials, {} processes killed, {} lines found, {} acknowledged, \
         0 lost, 0 duplicated, 0 torn, {} rotations, {} trials killed mid-rotation",
        trials * u64::from(CHILDREN),
        totals.lines,
        totals.acked,
        totals.rotations,
        totals.cut_short
    );
    // The kills must land inside rotations, not only between appends.
    assert!(
        totals.cut_short >= CUT_SHORT,
        "only {} of {trials} trials cut a rotation short",
        totals.cut_short
    );
}
