//! Shared by the tests of lock files, in the library and the command-line tool: waits until a
//! thread is blocked on a given file's `flock(2)`, which `/proc/locks` shows, so a test
//! can act on the file while the lock is awaited without sleeping.

use std::fs;
use std::time::{Duration, Instant};

/// Whether `/proc/locks` lists a process waiting for a lock on inode `ino`.
pub fn lock_waiter_on(ino: u64) -> bool {
    let ino = ino.to_string();
    fs::read_to_string("/proc/locks")
        .expect("read /proc/locks")
        .lines()
        .filter(|line| line.contains("->"))
        .flat_map(str::split_whitespace)
        // The file is `major:minor:inode`.
        .any(|field| field.matches(':').count() == 2 && field.rsplit(':').next() == Some(&ino))
}

/// Waits until `/proc/locks` lists a waiter for inode `ino`; panics if `finished` (the
/// thread or process that should wait) says it ended first, which means it took a lock it
/// should have waited for or never asked, or after 60 s.
pub fn wait_for_lock_waiter(ino: u64, mut finished: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !lock_waiter_on(ino) {
        assert!(
            !finished(),
            "ended while the file at the lock's name was held"
        );
        assert!(
            Instant::now() < deadline,
            "no waiter for the lock in /proc/locks after 60 s"
        );
        std::thread::yield_now();
    }
}
