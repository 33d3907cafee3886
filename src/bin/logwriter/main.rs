//! `logwriter`: append events from the shell, show and follow logs across rotations, and
//! verify a log series.
//!
//! Exit status: 0 on success; 1 when the operation failed or `verify` found a problem;
//! 2 for a command line that cannot be used (syntax, unknown kind, bad field, bad duration).

mod append;
mod fields;
mod follow;
// The library's statx helpers, which it keeps private; the tool does not use all of them.
#[allow(dead_code)]
#[path = "../../identity.rs"]
mod identity;
mod lines;
mod render;
mod row;
mod series;
mod show;
mod stat;
mod timearg;
mod verify;

use std::io::{self, Write as _};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Append events from the shell, show and follow logs across rotations, verify a log series.
#[derive(Parser, Debug)]
#[command(name = "logwriter", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Append one event with one write(2); no rotation unless --max-size/--max-files.
    #[command(
        after_help = "Exit status: 0 written (a rotation that failed is only a \
                            warning on stderr), 1 not written, 2 a command line that \
                            cannot be used."
    )]
    Append(append::AppendArgs),
    /// Show events for people (or as raw lines with --json); -f follows across rotations.
    #[command(
        after_help = "Exit status: 0 done (also when the reader of its output has \
                            gone, as with `| head`), 1 a failure, 2 a command line that \
                            cannot be used."
    )]
    Show(show::ShowArgs),
    /// Check every line of a log (or of its whole series with --all).
    #[command(
        after_help = "Exit status: 0 no problem, 1 problems found, 2 the log could \
                            not be checked (missing, unreadable, or the report could not \
                            be written) or a command line that cannot be used, as diff \
                            and grep use 2."
    )]
    Verify(verify::VerifyArgs),
}

/// Why a command stopped: a one-line message and the exit status.
#[derive(Debug)]
pub struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    /// The command line cannot be used (exit 2).
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }

    /// The operation failed (exit 1).
    pub fn failed(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }

    /// The same failure with status 2 in place of 1: for `verify`, whose 1 means
    /// problems found.
    fn into_trouble(self) -> Failure {
        Failure {
            code: if self.code == 1 { 2 } else { self.code },
            ..self
        }
    }

    /// An I/O error on `what`; a closed pipe (as in `logwriter show log | head`) ends the
    /// command quietly.
    pub fn io(what: &str, err: &io::Error) -> Failure {
        if err.kind() == io::ErrorKind::BrokenPipe {
            return Failure {
                code: 0,
                message: String::new(),
            };
        }
        Failure::failed(format!("{what}: {err}"))
    }
}

/// Prints clap's help, version or usage error and gives its status. Help or a version that
/// could not be written is a failure (status 1), as output is in the commands themselves,
/// and a closed pipe ends quietly; a usage error keeps its status 2 even when stderr cannot
/// be written.
fn usage(err: &clap::Error) -> ExitCode {
    let status = ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
    match err.print() {
        Ok(()) => status,
        Err(_) if err.use_stderr() => status,
        Err(io) if io.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(io) => {
            let _ = writeln!(io::stderr(), "logwriter: stdout: {io}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    // At the file-size limit (`ulimit -f`), a write past it raises SIGXFSZ, which would kill
    // the tool with status 153 and no word of which file. Handled, the write fails with
    // EFBIG instead, and the command reports it with the path. Only the flag is set.
    let _ = signal_hook::flag::register(
        signal_hook::consts::SIGXFSZ,
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    );
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage(&err),
    };
    // The backups and the rotation lock are beside the log a link names, not the link.
    match &mut cli.command {
        Command::Show(args) => args.path = series::through_links(&args.path),
        Command::Verify(args) => args.path = series::through_links(&args.path),
        Command::Append(_) => {}
    }
    let result = match &cli.command {
        Command::Append(args) => append::run(args).map(|()| ExitCode::SUCCESS),
        Command::Show(args) => show::run(args).map(|()| ExitCode::SUCCESS),
        // 1 is the verdict "problems found"; a log that could not be checked is not one.
        Command::Verify(args) => verify::run(args).map_err(Failure::into_trouble),
    };
    match result {
        Ok(code) => code,
        Err(failure) => {
            if !failure.message.is_empty() {
                // Not `eprintln!`, which panics (status 101) when stderr cannot be
                // written: the status still tells what happened.
                let _ = writeln!(io::stderr(), "logwriter: {}", failure.message);
            }
            ExitCode::from(failure.code)
        }
    }
}
