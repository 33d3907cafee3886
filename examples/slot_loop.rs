//! The main job: several real slot processes log from hot loops into their own slot logs and
//! into one shared, rotating workspace log; then every line is verified.
//!
//! ```text
//! cargo run --release --example slot_loop [-- --slots 4 --events 50000 --max-size 1048576 --dir PATH]
//! ```
//!
//! Each slot process appends `join`, then `events` events cycling through `commit`, `renew`,
//! `commit_error` and `error`, then `close`, to `<ws>/.bones/swarm/<slot>/log` (never rotates)
//! and to `<ws>/.bones/log` (rotates at `--max-size`, backups kept so that nothing is dropped;
//! a `--max-size` that would need more than 2,000 backups is refused, since each rotation
//! renames every backup).
//! The parent logs `dispatched` for each slot, waits, reads everything back and checks that
//! every line parses, none is longer than 4096 bytes, and every event is present exactly once.
//! It prints the throughput and `lost: 0`, and exits non-zero on any loss, duplicate or torn line.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use logwriter::{Event, EventKind, Field, Options, Writer, MAX_LINE};

struct Config {
    slots: usize,
    events: u64,
    max_size: u64,
    dir: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--run-slot") {
        return run_slot(&args[1..]);
    }
    let config = match parse(&args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("slot_loop: {message}");
            eprintln!("usage: slot_loop [--slots N] [--events N] [--max-size BYTES] [--dir PATH]");
            return ExitCode::from(2);
        }
    };
    let temp;
    let root = if let Some(dir) = &config.dir {
        dir.clone()
    } else {
        temp = tempfile::tempdir().expect("create a temporary workspace");
        temp.path().to_path_buf()
    };
    match orchestrate(&config, &root) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("slot_loop: {err}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: &[String]) -> Result<Config, String> {
    let mut config = Config {
        slots: 4,
        events: 50_000,
        max_size: 1 << 20,
        dir: None,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {value}"))
        };
        match flag.as_str() {
            "--slots" => config.slots = usize::try_from(number()?).map_err(|e| e.to_string())?,
            "--events" => config.events = number()?,
            "--max-size" => config.max_size = number()?,
            "--dir" => config.dir = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    if config.slots == 0 || config.slots > 26 {
        return Err("--slots must be 1..=26".into());
    }
    let backups = backups_kept(&config);
    if backups > MAX_BACKUPS {
        // Each rotation renames every backup: thousands of them would make the run crawl.
        // The least size that keeps `backups_kept` within MAX_BACKUPS: W / m <= MAX - 16
        // (a whole-number quotient) holds from m = W / (MAX - 15) + 1 on.
        let least = workspace_bytes(&config) / (MAX_BACKUPS - 15) + 1;
        return Err(format!(
            "--max-size {} would keep about {backups} backups of the workspace log, and each \
             rotation renames them all; use --max-size {least} or more, or fewer --events",
            config.max_size
        ));
    }
    Ok(config)
}

/// The most backups [`parse`] lets a run keep.
const MAX_BACKUPS: u64 = 2_000;

/// An upper bound on the bytes the run writes to the workspace log: each event is well under
/// 400 bytes.
fn workspace_bytes(config: &Config) -> u64 {
    (config.events + 2)
        .saturating_mul(400)
        .saturating_mul(config.slots as u64)
}

/// Backups to keep so that none is dropped and the check can count every event.
fn backups_kept(config: &Config) -> u64 {
    workspace_bytes(config) / config.max_size.max(1) + 16
}

fn workspace_log(root: &Path) -> PathBuf {
    root.join(".bones/log")
}

fn slot_dir(root: &Path, slot: &str) -> PathBuf {
    root.join(".bones/swarm").join(slot)
}

/// Options for the shared workspace log: rotating, with room for every backup.
fn workspace_options(max_size: u64, max_files: u32) -> Options {
    Options::new().max_size(max_size).max_files(max_files)
}

fn orchestrate(config: &Config, root: &Path) -> Result<bool, Box<dyn std::error::Error>> {
    let slots: Vec<String> = (0..config.slots)
        .map(|i| char::from(b'a' + u8::try_from(i).unwrap_or(0)).to_string())
        .collect();
    // Keep every backup so the check can count them all (at most MAX_BACKUPS).
    let max_files = u32::try_from(backups_kept(config)).unwrap_or(u32::MAX);
    let mut workspace = workspace_options(config.max_size, max_files).open(workspace_log(root))?;

    let exe = std::env::current_exe()?;
    let start = Instant::now();
    let mut children = Vec::new();
    for (wave, slot) in slots.iter().enumerate() {
        let manifest = format!("plans/wave-{wave}.json");
        let fields = [
            Field::new("wave", wave),
            Field::new("task_id", slot.as_str()),
            Field::new("manifest_path", manifest.as_str()),
        ];
        workspace.append(&Event::new(EventKind::Dispatched).fields(&fields))?;
        children.push(
            Command::new(&exe)
                .arg("--run-slot")
                .arg(slot)
                .arg(root)
                .arg(config.events.to_string())
                .arg(config.max_size.to_string())
                .arg(max_files.to_string())
                .stdout(std::process::Stdio::piped())
                .spawn()?,
        );
    }
    let mut slot_failures = 0;
    let mut rotations_done = workspace.stats().rotations;
    for child in children {
        let output = child.wait_with_output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        match stdout
            .trim()
            .strip_prefix("rotations ")
            .map(str::parse::<u64>)
        {
            Some(Ok(n)) if output.status.success() => rotations_done += n,
            _ => slot_failures += 1,
        }
    }
    let elapsed = start.elapsed();
    drop(workspace);

    let report = verify(root, &slots, config.events, config.max_size)?;
    let appended = (config.events + 2) * 2 * config.slots as u64 + config.slots as u64;
    let rate = appended as f64 / elapsed.as_secs_f64();
    println!(
        "slots: {}  events per slot: {} (--events {} between a join and a close)",
        config.slots,
        config.events + 2,
        config.events
    );
    println!(
        "appends: {appended} in {:.3} s = {rate:.0} events/s",
        elapsed.as_secs_f64()
    );
    println!(
        "workspace log: {} lines in {} files ({} rotations, max size {} bytes)",
        report.workspace_lines,
        report.rotations + 1,
        report.rotations,
        config.max_size
    );
    println!(
        "lost: {}  duplicated: {}  torn: {}  over 4096 bytes: {}  files past the size bound: {}  failed slots: {slot_failures}",
        report.lost, report.duplicated, report.torn, report.oversize, report.overgrown
    );
    println!("rotations counted by the writers: {rotations_done}");
    Ok(report.is_clean() && slot_failures == 0 && rotations_done == report.rotations)
}

/// One slot process: its own slot log and a writer on the shared workspace log.
fn run_slot(args: &[String]) -> ExitCode {
    let [slot, root, events, max_size, max_files] = args else {
        eprintln!("slot_loop: bad --run-slot arguments");
        return ExitCode::from(2);
    };
    let (Ok(events), Ok(max_size), Ok(max_files)) = (
        events.parse::<u64>(),
        max_size.parse::<u64>(),
        max_files.parse::<u32>(),
    ) else {
        eprintln!("slot_loop: bad --run-slot numbers");
        return ExitCode::from(2);
    };
    let root = Path::new(root);
    let result = (|| -> Result<u64, logwriter::Error> {
        let mut own = Writer::open_slot(slot_dir(root, slot), slot)?;
        let mut shared = workspace_options(max_size, max_files)
            .slot(slot)
            .open(workspace_log(root))?;
        let mut both = |event: &Event<'_>| -> Result<(), logwriter::Error> {
            own.append(event)?;
            shared.append(event)
        };
        let worktree = format!("/ws/.bones/swarm/{slot}/wt");
        let task = format!("t-{slot}");
        let join = [
            Field::new("seq", 0u64),
            Field::new("task_id", task.as_str()),
            Field::new("worktree", worktree.as_str()),
        ];
        both(&Event::new(EventKind::Join).fields(&join))?;
        for seq in 1..=events {
            match seq % 4 {
                0 => {
                    let message = "slot: refactor \"extract\" token validator";
                    let fields = [
                        Field::new("seq", seq),
                        Field::new("message", message),
                        Field::new("sha", "abc123def4567890abc123def4567890abc123de"),
                        Field::new("files", seq % 17),
                        Field::new("bytes", seq * 31),
                    ];
                    both(&Event::new(EventKind::Commit).fields(&fields))?;
                }
                1 => both(&Event::new(EventKind::Renew).fields(&[Field::new("seq", seq)]))?,
                2 => {
                    let fields = [Field::new("seq", seq), Field::new("reason", "session-gone")];
                    both(&Event::new(EventKind::CommitError).fields(&fields))?;
                }
                _ => {
                    let fields = [
                        Field::new("seq", seq),
                        Field::new("verb", "commit"),
                        Field::new("reason", "lease\texpired\n"),
                        Field::new("recoverable", true),
                    ];
                    both(&Event::new(EventKind::Error).fields(&fields))?;
                }
            }
        }
        let close = [
            Field::new("seq", events + 1),
            Field::new("result", "success"),
            Field::new("summary", "Refactored validator and added 12 tests."),
        ];
        both(&Event::new(EventKind::Close).fields(&close))?;
        Ok(shared.stats().rotations)
    })();
    match result {
        Ok(rotations) => {
            println!("rotations {rotations}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("slot {slot}: {err}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Default)]
struct Report {
    workspace_lines: u64,
    rotations: u64,
    lost: u64,
    duplicated: u64,
    /// Unfinished, empty, unparsable or unexpected lines.
    torn: u64,
    /// Lines over [`MAX_LINE`] bytes.
    oversize: u64,
    /// Workspace files larger than `max_size` plus the bound the crate documents for
    /// several writers (`Writer`'s docs).
    overgrown: u64,
    /// The longest workspace line, `\n` included.
    longest: u64,
}

impl Report {
    fn is_clean(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.torn == 0
            && self.oversize == 0
            && self.overgrown == 0
    }
}

/// Reads the slot logs and the whole workspace series back and accounts for every event.
fn verify(root: &Path, slots: &[String], events: u64, max_size: u64) -> std::io::Result<Report> {
    let mut report = Report::default();
    let per_slot = events + 2;
    let seq_of = |row: &serde_json::Value| row["seq"].as_u64().filter(|&seq| seq < per_slot);

    for slot in slots {
        let mut seen = HashSet::new();
        for_each_line(&slot_dir(root, slot).join("log"), &mut report, |row| {
            if row["slot"] == slot.as_str() {
                seq_of(row).map(|seq| seen.insert(seq))
            } else {
                None
            }
        })?;
        report.lost += per_slot - seen.len() as u64;
    }

    let log = workspace_log(root);
    let mut files = vec![log.clone()];
    for n in 1.. {
        let backup = PathBuf::from(format!("{}.{n}", log.display()));
        if !backup.exists() {
            break;
        }
        files.push(backup);
        report.rotations += 1;
    }
    let mut seen = HashSet::new();
    let mut dispatched = HashSet::new();
    report.longest = 0;
    for file in files.iter().rev() {
        for_each_line(file, &mut report, |row| {
            let own = |key: &str| {
                row[key]
                    .as_str()
                    .filter(|s| slots.iter().any(|own| own == s))
            };
            if row["event"] == "dispatched" {
                // The parent's line: no slot of its own, the slot in `task_id`.
                return Some(dispatched.insert(own("task_id")?.to_owned()));
            }
            Some(seen.insert((own("slot")?.to_owned(), seq_of(row)?)))
        })?;
    }
    report.workspace_lines = (seen.len() + dispatched.len()) as u64;
    report.lost += per_slot * slots.len() as u64 - seen.len() as u64;
    report.lost += (slots.len() - dispatched.len()) as u64;

    // Each slot's writer and the parent's share the log; the reopen check is the default
    // (every 1024 appends, or 1/64 of the maximum of the writer's own bytes).
    let writers = slots.len() as u64 + 1;
    // The bound of README "Sharing a rotating log".
    let check_bytes = (max_size / 64).max(1);
    let bound = max_size.max(report.longest)
        + (writers - 1) * (1024 * report.longest).min(check_bytes - 1 + report.longest);
    for file in &files {
        if fs::metadata(file)?.len() > bound {
            report.overgrown += 1;
        }
    }
    Ok(report)
}

/// Parses every line of `path`; `check` returns `Some(false)` for a duplicate and `None`
/// for a row that is not what it should be.
fn for_each_line(
    path: &Path,
    report: &mut Report,
    mut check: impl FnMut(&serde_json::Value) -> Option<bool>,
) -> std::io::Result<()> {
    let text = fs::read(path)?;
    if !text.is_empty() && !text.ends_with(b"\n") {
        report.torn += 1;
    }
    let lines = text.strip_suffix(b"\n").unwrap_or(&text);
    for line in lines.split(|&b| b == b'\n').filter(|_| !text.is_empty()) {
        report.longest = report.longest.max(line.len() as u64 + 1);
        if line.is_empty() {
            report.torn += 1;
            continue;
        }
        if line.len() + 1 > MAX_LINE {
            report.oversize += 1;
        }
        match serde_json::from_slice::<serde_json::Value>(line) {
            Ok(row) => match check(&row) {
                Some(true) => {}
                Some(false) => report.duplicated += 1,
                None => report.torn += 1,
            },
            Err(_) => report.torn += 1,
        }
    }
    Ok(())
}
