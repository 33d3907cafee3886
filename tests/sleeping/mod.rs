//! Waiting until another process sleeps: it has done what came before its pause.

use std::time::{Duration, Instant};

/// The numbers of `nanosleep` and `clock_nanosleep` (and its 64-bit-time form on 32-bit
/// x86), as `/proc/<pid>/syscall` shows them; elsewhere, `/proc/<pid>/wchan` alone tells.
#[cfg(target_arch = "x86_64")]
const SLEEPS: &[&str] = &["35", "230"];
#[cfg(target_arch = "x86")]
const SLEEPS: &[&str] = &["162", "267", "407"];
#[cfg(target_arch = "aarch64")]
const SLEEPS: &[&str] = &["101", "115"];
#[cfg(not(any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64")))]
const SLEEPS: &[&str] = &[];

/// Waits until process `pid`, a child of this one, is in `nanosleep` or `clock_nanosleep`
/// (its system call in `/proc/<pid>/syscall`, or the kernel function it waits in, in
/// `/proc/<pid>/wchan`): returns `true` then, or `false` if it ended first (a zombie, not
/// yet waited for). Panics after 60 s.
pub fn wait_until_sleeping(pid: u32) -> bool {
    wait_until(pid, |call, wchan| {
        wchan.contains("nanosleep")
            || matches!(call.split_whitespace().next(), Some(number) if SLEEPS.contains(&number))
    })
}

/// The numbers of `poll` and `ppoll` (and its 64-bit-time form on 32-bit x86), as
/// `/proc/<pid>/syscall` shows them; elsewhere, `/proc/<pid>/wchan` alone tells.
#[cfg(target_arch = "x86_64")]
const POLLS: &[&str] = &["7", "271"];
#[cfg(target_arch = "x86")]
const POLLS: &[&str] = &["168", "309", "414"];
#[cfg(target_arch = "aarch64")]
const POLLS: &[&str] = &["73"];
#[cfg(not(any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64")))]
const POLLS: &[&str] = &[];

/// Waits until process `pid`, a child of this one, waits in `poll` or `ppoll` (as
/// [`wait_until_sleeping`] waits for a sleep), as a follower waits on a pipe.
#[allow(dead_code)] // Not every test that includes this module follows a pipe.
pub fn wait_until_polling(pid: u32) -> bool {
    wait_until(pid, |call, wchan| {
        wchan.contains("poll")
            || matches!(call.split_whitespace().next(), Some(number) if POLLS.contains(&number))
    })
}

/// Waits until `waiting` holds of process `pid`'s `/proc/<pid>/syscall` and
/// `/proc/<pid>/wchan`: `true` then, or `false` if it ended first. Panics after 60 s.
fn wait_until(pid: u32, waiting: impl Fn(&str, &str) -> bool) -> bool {
    let proc = format!("/proc/{pid}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let call = std::fs::read_to_string(format!("{proc}/syscall")).unwrap_or_default();
        let wchan = std::fs::read_to_string(format!("{proc}/wchan")).unwrap_or_default();
        if waiting(&call, &wchan) {
            return true;
        }
        let stat = std::fs::read_to_string(format!("{proc}/stat")).expect("read /proc/<pid>/stat");
        // `pid (comm) state …`: the name may hold spaces and parentheses.
        let state = stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.chars().next());
        if matches!(state, Some('Z' | 'X')) {
            return false;
        }
        assert!(
            Instant::now() < deadline,
            "not waiting as expected after 60 s: {call} {wchan}"
        );
        std::thread::yield_now();
    }
}
