//! Appends the `commit` event N times to `<dir>/log` with the default settings, and nothing
//! else: the program `.ci/syscall-check.sh` runs under `strace -f -c` to count the system
//! calls of the append loop (a run with N = 0 measures everything around it).
//!
//! ```text
//! cargo run --release --example syscall_probe -- <dir> <appends>
//! ```
//!
//! Prints nothing on success; exits with status 1 if an append failed or the writer's
//! counters disagree with N.

use std::process::ExitCode;

use logwriter::{Event, EventKind, Field, Options};

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), Some(count)) = (args.next(), args.next()) else {
        eprintln!("usage: syscall_probe <dir> <appends>");
        return ExitCode::from(2);
    };
    let Some(appends) = count.to_str().and_then(|n| n.parse::<u64>().ok()) else {
        eprintln!("syscall_probe: appends must be a whole number");
        return ExitCode::from(2);
    };
    let mut writer = match Options::new().open(std::path::Path::new(&dir).join("log")) {
        Ok(writer) => writer,
        Err(err) => {
            eprintln!("syscall_probe: {err}");
            return ExitCode::FAILURE;
        }
    };
    let fields = [
        Field::new("message", "slot-a: refactor extract token validator"),
        Field::new("sha", "3f9c2a7be1d04c58a6e2"),
        Field::new("files", 4),
        Field::new("bytes", 18_734),
    ];
    let event = Event::new(EventKind::Commit).slot("a").fields(&fields);
    for _ in 0..appends {
        if let Err(err) = writer.append(&event) {
            eprintln!("syscall_probe: {err}");
            return ExitCode::FAILURE;
        }
    }
    let stats = writer.stats();
    if stats.appends != appends || stats.failed != 0 || stats.housekeeping_errors != 0 {
        eprintln!("syscall_probe: unexpected counters {stats:?}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
