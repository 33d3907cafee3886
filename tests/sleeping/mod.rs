//! Waiting until another process sleeps: it has done what came before its pause.

use std::time::{Duration, Instant};

/// The numbers of `nanosleep` and `clock_nanosleep` (and its 64-bit-time form on 32-bit
/// x86), as `/proc/<pid>/syscall` shows them.
#[cfg(target_arch = "x86_64")]
const SLEEPS: &[&str] = &["35", "230"];
#[cfg(target_arch = "x86")]
const SLEEPS: &[&str] = &["162", "267", "407"];
#[cfg(target_arch = "aarch64")]
const SLEEPS: &[&str] = &["101", "115"];

/// Waits until process `pid` is in `nanosleep` or `clock_nanosleep` (its system call, in
/// `/proc/<pid>/syscall`); panics after 60 s.
pub fn wait_until_sleeping(pid: u32) {
    let path = format!("/proc/{pid}/syscall");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let call = std::fs::read_to_string(&path).expect("read /proc/<pid>/syscall");
        if matches!(call.split_whitespace().next(), Some(number) if SLEEPS.contains(&number)) {
            return;
        }
        assert!(Instant::now() < deadline, "not sleeping after 60 s: {call}");
        std::thread::yield_now();
    }
}
