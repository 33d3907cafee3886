//! What one system call leaves in the caches for the code that runs after it, the cost
//! that separates an append from a bare `write(2)`.
//!
//! Each iteration makes a `getpid(2)`, the cheapest system call, then reads K cache lines
//! of a 64-line array; the same reads without the system call are the reference, and
//! `getpid` alone is subtracted. The lines are read two ways: `independent` (K loads whose
//! addresses are known up front, which the processor can overlap) and `chained` (each line
//! holds the index of the next, as when code follows a pointer to a slice to its bytes).
//! The cases alternate in blocks of 1,000 iterations, each block timed whole, and the
//! medians of the block means are compared. Where the kernel leaves the L1 data cache as
//! it was, the reads cost about the same with or without the system call; where it empties
//! it on the way back to user space, every line is a miss, and the extra time per line is
//! what each of the cache lines an append touches costs after its `write(2)`.
//!
//! `cargo bench --bench cold_lines`; with `--test`, 3 blocks of each, to check that it
//! works. To count the misses, run one case alone under `perf stat`: with
//! `COLD_LINES_ONLY=<count>:<none|getpid>` in the environment the bench makes 1,000,000
//! iterations of `independent` reads of that many lines, with or without the system call,
//! and nothing else:
//!
//! ```text
//! COLD_LINES_ONLY=32:getpid perf stat -e L1-dcache-load-misses:u \
//!     target/release/deps/cold_lines-<hash> --bench
//! ```

mod common;

use std::hint::black_box;
use std::time::Instant;

const NAME: &str = "cold_lines";
/// Iterations timed together.
const BLOCK: usize = 1_000;
/// Cache lines read per iteration.
const COUNTS: [usize; 4] = [8, 16, 32, 64];
/// `u64`s in a 64-byte cache line.
const WORDS_PER_LINE: usize = 8;

/// 64 cache lines; in line `i`, the first word holds the index of the line `chained`
/// reads next (a stride that visits every line once), so the next address depends on
/// the last load.
#[repr(align(64))]
struct Lines([u64; 64 * WORDS_PER_LINE]);

impl Lines {
    fn new() -> Box<Lines> {
        let mut lines = Box::new(Lines([0; 64 * WORDS_PER_LINE]));
        for line in 0..64 {
            lines.0[line * WORDS_PER_LINE] = ((line + 37) % 64) as u64;
        }
        lines
    }

    /// Reads the first word of lines `0..count`.
    #[inline(never)]
    fn independent(&self, count: usize) -> u64 {
        let mut sum = 0u64;
        for line in 0..count {
            sum = sum.wrapping_add(self.0[line * WORDS_PER_LINE]);
        }
        sum
    }

    /// Reads `count` lines one way or the other.
    fn read(&self, chained: bool, count: usize) -> u64 {
        if chained {
            self.chained(count)
        } else {
            self.independent(count)
        }
    }

    /// Follows the chain through `count` lines.
    #[inline(never)]
    fn chained(&self, count: usize) -> u64 {
        let mut line = 0u64;
        for _ in 0..count {
            #[allow(clippy::cast_possible_truncation)] // Below 64.
            let at = line as usize * WORDS_PER_LINE;
            line = self.0[at];
        }
        line
    }
}

/// One way of reading lines, and its block means without and after a `getpid(2)`.
struct Case {
    chained: bool,
    count: usize,
    hot: Vec<f64>,
    after_getpid: Vec<f64>,
}

impl Case {
    fn new(chained: bool, count: usize, blocks: usize) -> Case {
        Case {
            chained,
            count,
            hot: Vec::with_capacity(blocks),
            after_getpid: Vec::with_capacity(blocks),
        }
    }
}

/// Mean nanoseconds per iteration of `step` over one block.
fn block(mut step: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..BLOCK {
        step();
    }
    #[allow(clippy::cast_precision_loss)]
    let mean = start.elapsed().as_nanos() as f64 / BLOCK as f64;
    mean
}

/// One case alone, for `perf stat`: `spec` is `<count>:none` or `<count>:getpid`.
fn run_only(lines: &Lines, spec: &str) {
    let (count, syscall) = match spec.split_once(':') {
        Some((count, "none")) => (count.parse::<usize>().ok(), false),
        Some((count, "getpid")) => (count.parse::<usize>().ok(), true),
        _ => (None, false),
    };
    let Some(count @ 0..=64) = count else {
        eprintln!("{NAME}: COLD_LINES_ONLY must be <count up to 64>:<none|getpid>, not {spec:?}");
        std::process::exit(2);
    };
    for _ in 0..1_000_000 {
        if syscall {
            black_box(rustix::process::getpid());
        }
        black_box(lines.independent(black_box(count)));
    }
}

fn main() {
    let args = common::BenchArgs::from_env();
    if args.list || !args.selects(NAME) {
        return;
    }
    let blocks = if args.test_mode { 3 } else { 300 };
    let lines = Lines::new();
    if let Ok(only) = std::env::var("COLD_LINES_ONLY") {
        run_only(&lines, &only);
        return;
    }
    // Every way of reading lines, each with its block means without and after a getpid.
    let mut cases: Vec<Case> = [false, true]
        .into_iter()
        .flat_map(|chained| COUNTS.map(|count| Case::new(chained, count, blocks)))
        .collect();
    let mut getpid_alone = Vec::with_capacity(blocks);
    for _ in 0..blocks {
        getpid_alone.push(block(|| {
            black_box(rustix::process::getpid());
        }));
        for case in &mut cases {
            let (chained, count) = (case.chained, case.count);
            case.hot.push(block(|| {
                black_box(lines.read(chained, black_box(count)));
            }));
            case.after_getpid.push(block(|| {
                black_box(rustix::process::getpid());
                black_box(lines.read(chained, black_box(count)));
            }));
        }
    }

    println!("{NAME}: {blocks} blocks of {BLOCK} iterations per case, alternating");
    let getpid = common::median(&mut getpid_alone);
    println!("  getpid alone: {getpid:.1} ns");
    println!(
        "  {:<12} {:>6} {:>14} {:>20} {:>14}",
        "lines read", "count", "ns, no syscall", "ns after getpid", "ns more a line"
    );
    for case in &mut cases {
        let hot = common::median(&mut case.hot);
        let cold = common::median(&mut case.after_getpid) - getpid;
        #[allow(clippy::cast_precision_loss)]
        let per_line = (cold - hot) / case.count as f64;
        let label = if case.chained {
            "chained"
        } else {
            "independent"
        };
        let count = case.count;
        println!("  {label:<12} {count:>6} {hot:>14.1} {cold:>20.1} {per_line:>14.2}");
    }
}
