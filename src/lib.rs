//! Structured NDJSON event logs for hot loops: one `write(2)` per event, no heap allocation,
//! and size rotation that several processes can share.
//!
//! Each event is one flat JSON object on one line,
//! `{"ts":"2026-05-01T12:00:00Z","event":"commit","slot":"a",…fields}`, encoded by hand into a
//! 4096-byte stack buffer and appended with a single `write(2)` on an `O_APPEND` descriptor.
//!
//! # Example
//!
//! ```
//! use logwriter::{Event, EventKind, Field, Writer};
//!
//! let dir = tempfile::tempdir()?;
//! // 10 MiB, 5 backups, unless BONES_LOG_MAX_SIZE / BONES_LOG_MAX_FILES say otherwise.
//! let mut log = Writer::open(dir.path().join("log"))?;
//! let fields = [
//!     Field::new("message", "slot-a: extract token validator"),
//!     Field::new("sha", "abc123"),
//!     Field::new("files", 4),
//! ];
//! log.append(&Event::new(EventKind::Commit).slot("a").fields(&fields))?;
//!
//! let text = std::fs::read_to_string(dir.path().join("log"))?;
//! assert!(text.ends_with(",\"event\":\"commit\",\"slot\":\"a\",\"message\":\"slot-a: extract token validator\",\"sha\":\"abc123\",\"files\":4}\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Reading a rotated log back
//!
//! The series, oldest first, is `log.N` … `log.1`, then `log`; each line is a JSON object
//! that any JSON reader parses (`logwriter show --all` and `verify --all`, behind the
//! `cli` feature, read it for people and for scripts):
//!
//! ```
//! use logwriter::{Event, EventKind, Field, Options};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("log");
//! // Lines of 63 to 74 bytes, so 3 a file: 20 lines make 6 rotations.
//! let mut log = Options::new().max_size(250).max_files(10).slot("a").open(&path)?;
//! for n in 0..20u64 {
//!     log.append(&Event::new(EventKind::Renew).fields(&[Field::new("n", n)]))?;
//! }
//!
//! let mut series: Vec<std::path::PathBuf> = (1..=10)
//!     .map(|k| dir.path().join(format!("log.{k}")))
//!     .filter(|backup| backup.exists())
//!     .rev()
//!     .collect();
//! series.push(path);
//! let mut numbers = Vec::new();
//! for file in &series {
//!     for line in std::fs::read_to_string(file)?.lines() {
//!         let row: serde_json::Value = serde_json::from_str(line)?;
//!         assert_eq!((&row["event"], &row["slot"]), (&"renew".into(), &"a".into()));
//!         numbers.push(row["n"].as_u64().unwrap());
//!     }
//! }
//! assert_eq!(numbers, (0..20).collect::<Vec<_>>());
//! assert_eq!(series.len(), 7, "{series:?}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Losing a line rather than failing the work
//!
//! Logging that must never fail the operation it records (the Go package's callers
//! reported a failed write and carried on) has two things to look at, neither of them at
//! every call: the `Result` of [`Writer::append`] (the line was refused, or did not reach
//! the file whole; [`Stats::failed`] and [`Stats::bytes_lost`] count it), and
//! [`Writer::take_housekeeping_error`] (a rotation or a reopen check failed, but the line
//! was written):
//!
//! ```
//! use logwriter::{Event, EventKind, Options, Writer};
//!
//! /// Appends `event`; reports the first few failures on stderr, and goes on.
//! fn log_lossy(log: &mut Writer, event: &Event<'_>) {
//!     if let Err(err) = log.append(event) {
//!         if log.stats().failed <= 3 {
//!             eprintln!("event log: {err}");
//!         }
//!     }
//!     if let Some(err) = log.take_housekeeping_error() {
//!         eprintln!("event log: {err}");
//!     }
//! }
//!
//! let mut log = Options::new().no_rotation().open("/dev/full")?;
//! log_lossy(&mut log, &Event::new(EventKind::Renew).slot("a")); // ENOSPC: reported
//! assert_eq!((log.stats().appends, log.stats().failed), (0, 1));
//! # Ok::<(), logwriter::Error>(())
//! ```
//!
//! # Guarantees
//!
//! - **One line, one system call.** In steady state [`Writer::append`] performs exactly one
//!   `write(2)` of one whole line ending in `\n`, and it allocates nothing on any path. After
//!   a short write, the next append first ends the fragment with a `write(2)` of `\n`; a
//!   write interrupted before it wrote anything (`EINTR`) is made again. A [`ReopenCheck`] (by default every
//!   1024 appends, every second, or whenever the writer's own bytes reach 1/64 of the maximum
//!   size) adds one `statx(2)` call, of the name, which asks for no timestamps (see
//!   [`ReopenCheck`]); a rotation adds its own.
//! - **No interleaving.** On a local Linux filesystem (ext4, xfs, btrfs, tmpfs…), a `write(2)`
//!   on an `O_APPEND` descriptor finds the end of the file and writes under the inode lock in
//!   one step, so lines from concurrent writers, threads or processes, never interleave.
//!   Lines are at most [`MAX_LINE`] = 4096 bytes (`PIPE_BUF`), so they are atomic on pipes and
//!   FIFOs too.
//! - **Nothing half-written by choice.** A line over 4096 bytes is refused with
//!   [`ErrorKind::LineTooLong`] and nothing is written. A short write (disk full, file-size
//!   limit) is reported as [`ErrorKind::ShortWrite`], never completed by a second call; the
//!   writer ends the fragment with `\n` before its next line (a line another writer appends
//!   meanwhile joins the fragment). A write short of the `\n` alone is reported too, as
//!   such: the row is whole but unended ([`ErrorKind::ShortWrite`]).
//! - **Exact JSON.** Keys and strings are escaped byte-for-byte as `serde_json` escapes them;
//!   integers keep their full 64-bit range; floats round-trip (`ryu`); NaN and ±infinity are
//!   written as `null`. A field named `ts`, `event` or `slot` is dropped, and of repeated keys
//!   only the first is written, so no line has a duplicate key.
//! - **Rotation without loss.** The active file is renamed, never truncated or copied.
//!   Rotation happens under an exclusive `flock(2)` on `<log>.lock`, after checking that
//!   no other writer rotated first, so each crossing of the size limit rotates once. A
//!   `SIGKILL` at any point, between the renames of a rotation included, loses no line that
//!   `append` acknowledged. [`Writer`] documents the bounds that hold for shared logs.
//!
//! # Limits
//!
//! - NFS and SMB clients emulate `O_APPEND`: concurrent appends there can overwrite each
//!   other. `O_DIRECT` is never used by this crate; appends through `O_DIRECT` descriptors by
//!   other programs are not atomic on every filesystem.
//! - Linux only (the guarantees rest on its `O_APPEND` and `flock` semantics).
//! - A writer that has not yet noticed another writer's rotation keeps appending to the
//!   renamed file for up to one [`ReopenCheck`] period; those lines are in a backup, not lost,
//!   unless that backup is dropped as the oldest before the writer notices. Writers of one
//!   log should share `max_size` and `max_files`: a writer with a larger `max_size` checks
//!   less often than others rotate (see [`Writer`]).
//! - Deleting `<log>.lock` in the middle of a rotation lets a second writer rotate at the
//!   same time; between rotations, writers lock the file at the name whatever happened to
//!   the one they opened before.
//! - The append that rotates waits for the rotation, which drops the oldest backup once all
//!   exist: the kernel frees that file's page cache inside the call, which made a rotation
//!   with full 10 MiB files about 33 times as long as one with small files in the run the
//!   README reports.
//! - Another program that stats the live log with an ordinary stat, one that reports
//!   timestamps, makes the next append journal the inode on Linux 6.13 and later; in a tight
//!   loop that made an append 1.9 times as costly in the run the README reports. The writer's
//!   own stats ask for no timestamps (see [`ReopenCheck`]).
//! - Timestamps run from 1970 to 9999 ([`Timestamp`]).
//! - A field's value is borrowed ([`Value`]): strings, paths, numbers, `bool`s and
//!   `Option`s of them. A value that exists only as `Display` output (an error's text, say)
//!   is formatted first: `to_string()` allocates, a buffer of the caller's does not (see
//!   [`Value`]). The append itself allocates nothing either way.
//! - Programs that use the crate run under valgrind: the clock finds the vDSO through
//!   libc's `getauxval` (`rustix`'s `use-libc-auxv` feature), which sees what valgrind shows
//!   the program; there the clock read is a system call.
//! - Repeated keys: up to 32 fields, each key is checked against the keys before it (short
//!   clean keys through a 64-bit mask first); past 32, through a hash table on the stack, so
//!   an event of 400 fields encodes in about 2 µs on the README's machine (at most 592 fit
//!   on a line). Keys crafted
//!   to collide in the table (FNV-1a) cost a comparison per colliding key.
//!
//! # Performance
//!
//! The encoder is an ordinary function call; [`Writer::append`] itself is
//! `#[inline(always)]`, so the checks and the one `write(2)` run in the caller's own loop.
//! On a KVM guest on AMD EPYC (Linux 6.18, the earlier AMD machine of `benches/RESULTS.md`), a
//! `write(2)` issued from a called function rather than from the loop that calls it took
//! about 34 instruction-TLB page walks instead of 5 to 8, and 300 to 800 ns more, for a
//! bare write as much as for ours. The inlined part is the steady state only: rotation,
//! reopen checks and error handling stay out of line.
//!
//! An append reads the clock once: the realtime reading that stamps the line also times the
//! reopen checks and periodic syncs. The precise read costs about 45 ns on the earlier AMD
//! machine, 23.9 ns on the later one (family 26) and 21 to 27 ns on the Intel one (from one
//! day to another); on the earlier AMD machine the
//! coarse monotonic read this replaced cost about 10 ns in a loop of its own, yet dropping
//! it took the append bench's ratio to a bare `write(2)` from 1.126–1.156 to 1.105–1.124
//! (four alternating runs each): right after a `write(2)` it cost more than in a loop, or
//! the code's layout moved with it. An event with its own timestamp still costs a coarse
//! read. The price is that the intervals follow
//! the realtime clock, so a step of the clock makes a check due early
//! ([`ReopenCheck::interval`]).
//!
//! [`Field::new`] classifies its key once; for a literal key the compiler does it at compile
//! time, and the encoder then writes the key with three stores. Strings are copied and
//! checked for escapes sixteen bytes at a time, by a plain loop over a `[u8; 16]` that the
//! compiler turns into SSE2 compares: no `unsafe`, no intrinsics. The line's length stays in
//! a register for the whole row. The README has the measured ratios and the command that
//! reproduces them.
//!
//! # Crate features
//!
//! Both off by default: the library depends only on `rustix`, `itoa` and `ryu`.
//!
//! - `serde`: [`Timestamp`] and [`EventKind`] implement `serde`'s `Serialize` and
//!   `Deserialize`, as the text the log holds (`"2026-05-01T12:00:00.5Z"`, `"commit"`), so a
//!   row read back deserialises into a struct of the reader's own; a timestamp reads from
//!   any RFC 3339 text that `str::parse` takes. Adds `serde`, without its `std` or `derive`
//!   features.
//! - `cli`: the `logwriter` command-line tool: `append`, `show` (and follow), `verify` (adds
//!   `clap`, `serde_json`, `jiff`, `memchr` and `signal-hook`).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cursor;
mod encode;
mod error;
mod escape;
mod event;
mod identity;
mod options;
mod period;
mod rfc3339;
#[cfg(feature = "serde")]
mod serde_support;
mod series;
mod stats;
mod time;
mod writer;

pub use encode::{Line, MAX_LINE};
pub use error::{Error, ErrorKind, Op};
pub use event::{Event, EventKind, Field, UnknownEventKind, Value, RESERVED_KEYS};
pub use options::{
    Durability, Options, ReopenCheck, Rotation, DEFAULT_MAX_FILES, DEFAULT_MAX_SIZE, ENV_MAX_FILES,
    ENV_MAX_SIZE,
};
/// The `errno` of a failed system call, as [`ErrorKind::Os`] carries it: `rustix`'s type,
/// re-exported (`Errno::NOSPC`, `Errno::NOENT`, …; `raw_os_error()` for the number).
pub use rustix::io::Errno;
pub use series::backup_path;
pub use stats::Stats;
pub use time::{ParseTimestampError, Precision, Timestamp, TimestampBuf, MAX_TIMESTAMP_LEN};
pub use writer::{append_once, slot_log_path, Writer};

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
