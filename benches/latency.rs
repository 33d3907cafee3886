//! Append latency with rotations included: 1,000,000 appends of the `commit` event to a
//! log rotating at 1 MiB into 5 backups, each append timed alone, and as many bare
//! `write(2)` calls of the pre-encoded line for reference, in alternating blocks of 1,000,
//! and as many empty timed pairs (two `Instant::now` reads with nothing between): each
//! sample holds one clock read's worth of timing overhead, which pulls ratios towards 1.
//! Prints percentiles, the ratio p99.9 / p50, and the ratios net of the empty pair's p50.
//! The appends are also split three ways by the writer's counters, read between them
//! (untimed): those that rotated, those that made a reopen check (one `statx(2)`), and the
//! rest; with how many of each were slower than the bare write's own p99.9, this shows
//! whether a tail is the writer's housekeeping or the machine's.
//!
//! Then the append ÷ bare-write ratio the way criterion cannot take it on a machine that
//! drifts, with the default rotation (10 MiB, 5 backups) as in the `append` bench: 1,000
//! blocks of 1,000 calls of each case, alternating, each block timed whole (no clock read
//! per call), and the medians of the per-block means compared. A third case in the same
//! blocks shows what the clock costs: a writer without reopen checks appending an event
//! stamped in advance, so that its appends read no clock at all (it also skips the
//! `statx` call a reopen check makes about every 940 appends, well under 1 ns an append).
//! Two more price the clock itself: a bare `write(2)` with a `CLOCK_REALTIME` read before
//! it (what an append reads, through the vDSO), and with a `CLOCK_REALTIME_COARSE` read
//! (no TSC read: the time of the last timer tick). The last is an append of the same event
//! built in the loop right before it, from `black_box`ed parts, as a slot loop builds its
//! events: the headline case appends one event built before the loop, so after each
//! `write(2)` the encoder finds the event and its fields out of the L1 cache; here they
//! were just written.
//!
//! `cargo bench --bench latency`; with `--test` (as `cargo bench -- --test` passes), it
//! runs 1,000 appends only, to check that it works.

mod common;

use std::fs;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use common::{commit_fields, median, COMMIT_BYTES, COMMIT_FILES, COMMIT_MESSAGE, COMMIT_SHA, SLOT};
use logwriter::{Event, EventKind, Options, Timestamp, Writer};
use rustix::fs::{Mode, OFlags};

const NAME: &str = "append_latency";
const MAX_SIZE: u64 = 1 << 20;
const WARM_UP: usize = 10_000;
/// Appends timed in a row before switching to the other case.
const BLOCK: usize = 1_000;

/// Nanoseconds per call, sorted.
struct Latencies(Vec<u64>);

impl Latencies {
    fn new(mut samples: Vec<u64>) -> Latencies {
        samples.sort_unstable();
        Latencies(samples)
    }

    /// How many samples are slower than `ns`.
    fn above(&self, ns: u64) -> usize {
        self.0.len() - self.0.partition_point(|&sample| sample <= ns)
    }

    /// The nearest-rank percentile, `p` in hundredths of a percent (`9990` for p99.9): the
    /// sample at rank ⌈p × n / 10,000⌉, so that exactly ⌊n × (10,000 − p) / 10,000⌋
    /// samples rank above it (0 for no samples). In integers: `99.9 / 100.0 * 1e6` is
    /// `999000.0000000001` in floating point, whose ceiling is one rank too high.
    fn percentile(&self, p: usize) -> u64 {
        let n = self.0.len();
        if n == 0 {
            return 0;
        }
        let rank = (p * n).div_ceil(10_000);
        self.0[rank.clamp(1, n) - 1]
    }
}

/// In `dir`: a writer of `log` with `options` (5 backups), a bare `O_APPEND` file
/// `bare.log`, and the pre-encoded `commit` line the bare file is given.
fn open_pair(dir: &Path, options: Options) -> (Writer, fs::File, Vec<u8>) {
    let writer = options
        .max_files(5)
        .open(dir.join("log"))
        .expect("open writer");
    let bare = rustix::fs::open(
        dir.join("bare.log"),
        OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o644),
    )
    .expect("open")
    .into();
    (writer, bare, common::commit_line(Timestamp::now()))
}

/// The per-call samples of [`time_interleaved`], and the rotations among the timed appends.
struct PerCall {
    ours: Latencies,
    /// The appends of `ours` that rotated, those that made a reopen check (a `statx`) and
    /// did not rotate, and the others.
    rotated: Latencies,
    checked: Latencies,
    plain: Latencies,
    bare: Latencies,
    /// Two clock reads with nothing between: the overhead in every sample.
    empty: Latencies,
    stats: logwriter::Stats,
    timed_rotations: u64,
}

/// Times `appends` appends through a `Writer`, as many bare writes of the same line and
/// as many empty timed pairs, alternating blocks of each so that all see the same load on
/// the machine.
fn time_interleaved(appends: usize) -> PerCall {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut writer, bare, line) = open_pair(dir.path(), Options::new().max_size(MAX_SIZE));
    let fields = commit_fields(COMMIT_MESSAGE, COMMIT_SHA, COMMIT_FILES, COMMIT_BYTES);
    let event = Event::new(EventKind::Commit).slot(SLOT).fields(&fields);
    let mut bare_size = 0;

    let mut ours = Vec::with_capacity(appends);
    let (mut rotated, mut checked) = (Vec::new(), Vec::new());
    let mut plain = Vec::with_capacity(appends);
    let mut theirs = Vec::with_capacity(appends);
    let mut empty = Vec::with_capacity(appends);
    let warm_up = WARM_UP.min(appends);
    let mut rotations_before = 0;
    let mut done = 0;
    while done < warm_up + appends {
        let block = BLOCK.min(warm_up + appends - done);
        let timed = done >= warm_up;
        if done == warm_up {
            rotations_before = writer.stats().rotations;
        }
        for _ in 0..block {
            let before = housekept(&writer);
            let start = Instant::now();
            writer.append(black_box(&event)).expect("append");
            let elapsed = nanos(start);
            if timed {
                ours.push(elapsed);
                let after = housekept(&writer);
                if after.0 != before.0 {
                    rotated.push(elapsed);
                } else if after.1 != before.1 {
                    checked.push(elapsed);
                } else {
                    plain.push(elapsed);
                }
            }
        }
        for _ in 0..block {
            let start = Instant::now();
            let written = rustix::io::write(&bare, black_box(&line)).expect("write");
            let elapsed = nanos(start);
            assert_eq!(written, line.len());
            if timed {
                theirs.push(elapsed);
            }
            bare_size += line.len() as u64;
            if bare_size > MAX_SIZE {
                // Untimed: keeps the file in the same size range as the rotating log.
                bare.set_len(0).expect("truncate");
                bare_size = 0;
            }
        }
        for _ in 0..block {
            let start = Instant::now();
            let elapsed = nanos(black_box(start));
            if timed {
                empty.push(elapsed);
            }
        }
        done += block;
    }
    let stats = writer.stats();
    assert_eq!(stats.housekeeping_errors, 0);
    PerCall {
        ours: Latencies::new(ours),
        rotated: Latencies::new(rotated),
        checked: Latencies::new(checked),
        plain: Latencies::new(plain),
        bare: Latencies::new(theirs),
        empty: Latencies::new(empty),
        stats,
        timed_rotations: stats.rotations - rotations_before,
    }
}

/// Per-block mean nanoseconds per call of each case in [`time_blocks`].
struct BlockMeans {
    ours: Vec<f64>,
    bare: Vec<f64>,
    /// A writer without reopen checks appending an event stamped in advance: no clock read.
    no_clock: Vec<f64>,
    /// A bare write after a `CLOCK_REALTIME` read, and after a `CLOCK_REALTIME_COARSE` one.
    bare_clock: [Vec<f64>; 2],
    /// A writer like `ours` appending the event built in the loop.
    built: Vec<f64>,
}

/// The clocks the last two cases of [`time_blocks`] read before their bare write.
const CLOCKS: [rustix::time::ClockId; 2] = [
    rustix::time::ClockId::Realtime,
    rustix::time::ClockId::RealtimeCoarse,
];

/// Mean nanoseconds per call of each case over whole blocks of [`BLOCK`] calls, the
/// cases alternating block by block and each block timed as a whole (no clock read per
/// call): `blocks` blocks of each, after a warm-up. The writers have the default rotation
/// (10 MiB, 5 backups), as in the criterion `append` bench; the bare file is emptied
/// between blocks when it would pass the same size.
fn time_blocks(blocks: usize) -> BlockMeans {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut writer, file, line) = open_pair(dir.path(), Options::new());
    let mut unclocked = Options::new()
        .max_files(5)
        .reopen_check(None)
        .open(dir.path().join("unclocked"))
        .expect("open writer");
    let mut builder = Options::new()
        .max_files(5)
        .open(dir.path().join("built"))
        .expect("open writer");
    let max_size = writer.options().rotation().expect("rotates").max_size;
    let fields = commit_fields(COMMIT_MESSAGE, COMMIT_SHA, COMMIT_FILES, COMMIT_BYTES);
    let event = Event::new(EventKind::Commit).slot(SLOT).fields(&fields);
    let stamped = event.at(Timestamp::now());
    let mut bare = BareFile {
        file,
        line,
        size: 0,
        max_size,
    };

    let warm_up = (WARM_UP / BLOCK).min(blocks);
    let mut ours = Vec::with_capacity(blocks);
    let mut theirs = Vec::with_capacity(blocks);
    let mut no_clock = Vec::with_capacity(blocks);
    let mut bare_clock = [Vec::with_capacity(blocks), Vec::with_capacity(blocks)];
    let mut built = Vec::with_capacity(blocks);
    for block in 0..warm_up + blocks {
        let start = Instant::now();
        for _ in 0..BLOCK {
            writer.append(black_box(&event)).expect("append");
        }
        let our_mean = per_call(start);

        let bare_mean = bare.time_block(|| {});

        let start = Instant::now();
        for _ in 0..BLOCK {
            unclocked.append(black_box(&stamped)).expect("append");
        }
        let unclocked_mean = per_call(start);

        let clocked_means = CLOCKS.map(|clock| {
            bare.time_block(|| {
                black_box(rustix::time::clock_gettime(black_box(clock)));
            })
        });

        let start = Instant::now();
        for _ in 0..BLOCK {
            common::append_commit_built(&mut builder);
        }
        let built_mean = per_call(start);

        if block >= warm_up {
            ours.push(our_mean);
            built.push(built_mean);
            theirs.push(bare_mean);
            no_clock.push(unclocked_mean);
            for (means, mean) in bare_clock.iter_mut().zip(clocked_means) {
                means.push(mean);
            }
        }
    }
    assert_eq!(writer.stats().housekeeping_errors, 0);
    assert_eq!(unclocked.stats().housekeeping_errors, 0);
    assert_eq!(builder.stats().housekeeping_errors, 0);
    BlockMeans {
        ours,
        bare: theirs,
        no_clock,
        bare_clock,
        built,
    }
}

/// Mean nanoseconds per call over a block of [`BLOCK`] calls that began at `start`.
#[allow(clippy::cast_precision_loss)]
fn per_call(start: Instant) -> f64 {
    start.elapsed().as_nanos() as f64 / BLOCK as f64
}

/// The bare `O_APPEND` file of [`time_blocks`], kept in the same size range as the log.
struct BareFile {
    file: fs::File,
    line: Vec<u8>,
    /// Bytes written since the file was last emptied.
    size: u64,
    max_size: u64,
}

impl BareFile {
    /// Times a block of [`BLOCK`] bare writes of the line, each after `before_write` (a
    /// clock read, or nothing: generic, so the bare case's loop has nothing else in it).
    fn time_block(&mut self, before_write: impl Fn()) -> f64 {
        let block_bytes = (BLOCK * self.line.len()) as u64;
        if self.size + block_bytes > self.max_size {
            // Untimed, between blocks: keeps the file in the same size range as the log.
            self.file.set_len(0).expect("truncate");
            self.size = 0;
        }
        let start = Instant::now();
        for _ in 0..BLOCK {
            before_write();
            let written = rustix::io::write(&self.file, black_box(&self.line)).expect("write");
            assert_eq!(written, self.line.len());
        }
        let mean = per_call(start);
        self.size += block_bytes;
        mean
    }
}

/// The rotations and the reopen checks `writer` made so far (read between timed appends).
fn housekept(writer: &Writer) -> (u64, u64) {
    let stats = writer.stats();
    (stats.rotations, stats.checks)
}

fn nanos(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Prints the percentiles of [`time_interleaved`]'s samples and their ratios.
fn print_per_call(appends: usize, per_call: &PerCall) {
    let PerCall {
        ours,
        rotated,
        checked,
        plain,
        bare,
        empty,
        stats,
        timed_rotations,
    } = per_call;
    println!("{NAME}: {appends} appends of the commit event, 1 MiB max size, 5 backups");
    println!(
        "  rotations {timed_rotations} among the timed appends ({} with the warm-up), reopens {}, appends {}",
        stats.rotations, stats.reopens, stats.appends
    );
    println!(
        "  {:<12} {:>8} {:>8} {:>8} {:>8} {:>9} {:>10}",
        "ns", "p50", "p90", "p99", "p99.9", "p99.99", "max"
    );
    for (name, lat) in [
        ("logwriter", &ours),
        (" rotated", &rotated),
        (" checked", &checked),
        (" plain", &plain),
        ("bare_write", &bare),
        ("empty_pair", &empty),
    ] {
        println!(
            "  {:<12} {:>8} {:>8} {:>8} {:>8} {:>9} {:>10}",
            name,
            lat.percentile(5000),
            lat.percentile(9000),
            lat.percentile(9900),
            lat.percentile(9990),
            lat.percentile(9999),
            lat.percentile(10_000),
        );
    }
    #[allow(clippy::cast_precision_loss)]
    let ratio = |a: u64, b: u64| a as f64 / b as f64;
    let p50 = ours.percentile(5000);
    let p999 = ours.percentile(9990);
    println!(
        "  logwriter p99.9/p50 = {:.2} (target <= 20); p50 logwriter/bare = {:.3}; bare p99.9/p50 = {:.2}",
        ratio(p999, p50),
        ratio(p50, bare.percentile(5000)),
        ratio(bare.percentile(9990), bare.percentile(5000)),
    );
    // Where the tail comes from: the appends of each kind slower than the bare write's
    // p99.9, which 0.1% of the bare writes are by definition. A rotation always is; a
    // reopen check (with 1 MiB files, one every 16 KiB of the writer's own) is when its
    // `statx` stalls; the rest are stalls of the `write(2)` or of the machine.
    let bare_p999 = bare.percentile(9990);
    println!(
        "  slower than the bare write's p99.9 ({bare_p999} ns): bare_write {}, logwriter {} (rotated {} of {}, checked {} of {}, plain {} of {})",
        bare.above(bare_p999),
        ours.above(bare_p999),
        rotated.above(bare_p999),
        rotated.0.len(),
        checked.above(bare_p999),
        checked.0.len(),
        plain.above(bare_p999),
        plain.0.len(),
    );
    // Each sample holds one timing overhead; the empty pair's p50 prices it.
    let timer = empty.percentile(5000);
    let net = |ns: u64| ns.saturating_sub(timer).max(1);
    println!(
        "  net of the empty pair's p50 ({timer} ns): p99.9/p50 = {:.2}; p50 logwriter/bare = {:.3}",
        ratio(net(p999), net(p50)),
        ratio(net(p50), net(bare.percentile(5000))),
    );
}

/// The percentile ranks this bench reports, checked on samples 1, 2, … n, where the sample
/// at rank r is r: a wrong rank would misstate every table it prints.
fn check_percentiles() {
    for n in [1_000, 1_001, 1_000_000] {
        let lat = Latencies::new((1..=n).collect());
        let n = usize::try_from(n).expect("fits");
        for (p, above) in [
            (5000, n / 2),
            (9900, n / 100),
            (9990, n / 1000),
            (10_000, 0),
        ] {
            let value = lat.percentile(p);
            assert_eq!(
                lat.above(value),
                above,
                "percentile {p} of {n} samples: {value}"
            );
        }
    }
    assert_eq!(Latencies::new(vec![]).percentile(9990), 0);
    assert_eq!(Latencies::new(vec![7]).percentile(1), 7);
}

fn main() {
    check_percentiles();
    let args = common::BenchArgs::from_env();
    let test_mode = args.test_mode;
    // Honour a `cargo bench <filter>` that names another bench.
    if args.list || !args.selects(NAME) {
        return;
    }
    let appends = if test_mode { 1_000 } else { 1_000_000 };

    let per_call = time_interleaved(appends);
    print_per_call(appends, &per_call);
    let PerCall {
        ours,
        bare,
        empty,
        rotated,
        checked,
        plain,
        timed_rotations,
        ..
    } = &per_call;
    let timer = empty.percentile(5000);
    let (p50, p999) = (ours.percentile(5000), ours.percentile(9990));
    let bare_p999 = bare.percentile(9990);

    let blocks = appends / BLOCK;
    let mut means = time_blocks(blocks);
    let (our_mean, bare_mean) = (median(&mut means.ours), median(&mut means.bare));
    let no_clock_mean = median(&mut means.no_clock);
    let [realtime_mean, coarse_mean] = means.bare_clock.each_mut().map(|means| median(means));
    let built_mean = median(&mut means.built);
    println!(
        "  throughput, default rotation: {blocks} blocks of {BLOCK} of each, alternating, each timed whole"
    );
    println!(
        "  median ns per call: logwriter {our_mean:.1}, bare_write {bare_mean:.1}; logwriter/bare = {:.3} (target <= 1.10)",
        our_mean / bare_mean,
    );
    println!(
        "  without a clock read (event stamped in advance, no reopen checks): {no_clock_mean:.1} ns; /bare = {:.3}",
        no_clock_mean / bare_mean,
    );
    println!(
        "  bare_write after a CLOCK_REALTIME read: {realtime_mean:.1} ns, /bare = {:.3}; after CLOCK_REALTIME_COARSE: {coarse_mean:.1} ns, /bare = {:.3}",
        realtime_mean / bare_mean,
        coarse_mean / bare_mean,
    );
    println!(
        "  logwriter, the event built in the loop before each append: {built_mean:.1} ns; /bare = {:.3}",
        built_mean / bare_mean,
    );
    if !test_mode {
        // For .ci/bench-ratios.sh, beside criterion's results.
        let summary = format!(
            "{{\"appends\":{appends},\"rotations\":{timed_rotations},\"timer_p50_ns\":{timer},\"p50_ns\":{p50},\"p99_ns\":{},\"p999_ns\":{p999},\"max_ns\":{},\"bare_p50_ns\":{},\"bare_p999_ns\":{bare_p999},\"checked_p90_ns\":{},\"over_bare_p999\":{{\"bare\":{},\"rotated\":{},\"checked\":{},\"plain\":{}}},\"block_mean_ns\":{our_mean:.1},\"bare_block_mean_ns\":{bare_mean:.1},\"no_clock_block_mean_ns\":{no_clock_mean:.1},\"realtime_clock_block_mean_ns\":{realtime_mean:.1},\"coarse_clock_block_mean_ns\":{coarse_mean:.1},\"built_block_mean_ns\":{built_mean:.1}}}\n",
            ours.percentile(9900),
            ours.percentile(10_000),
            bare.percentile(5000),
            checked.percentile(9000),
            bare.above(bare_p999),
            rotated.above(bare_p999),
            checked.above(bare_p999),
            plain.above(bare_p999),
        );
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("append_latency.json");
        if let Err(err) = fs::write(&path, summary) {
            eprintln!("{NAME}: cannot write {}: {err}", path.display());
        }
    }
}
