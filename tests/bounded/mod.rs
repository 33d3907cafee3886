//! The `logwriter` tool run under a time limit (`timeout(1)`), so that a tool that hangs
//! fails its test instead of holding the whole suite until CI's own limit.
#![allow(dead_code)]

use std::process::{Command, Output};

/// Seconds a run of the tool may take: far beyond any test's need, on a loaded machine too.
pub const LIMIT_SECS: u32 = 60;

/// A command that runs the tool under `timeout -k 5 60`: `SIGTERM` after a minute, then
/// `SIGKILL` 5 s later if it is still running. Exit statuses and signals pass through.
pub fn logwriter() -> Command {
    logwriter_within(LIMIT_SECS)
}

/// [`logwriter`] with a limit of `secs` seconds instead.
pub fn logwriter_within(secs: u32) -> Command {
    let mut command = Command::new("timeout");
    command
        .args(["-k", "5", &secs.to_string()])
        .arg(env!("CARGO_BIN_EXE_logwriter"));
    command
}

/// Runs `command` (from [`logwriter`]) to the end and returns what it printed; panics when
/// the time limit ended it (`timeout` exits 124 after its `SIGTERM`, 137 after `SIGKILL`).
/// The message names [`LIMIT_SECS`], the limit of [`logwriter`].
pub fn output(command: &mut Command) -> Output {
    let out = command.output().expect("run timeout (coreutils)");
    assert!(
        !matches!(out.status.code(), Some(124 | 137)),
        "logwriter still running after {LIMIT_SECS} s: {out:?}"
    );
    out
}
