//! Tests of permission bits, run where they apply. Root passes every permission check, so
//! as root such a test starts itself again as `nobody` (uid and gid 65534, no groups)
//! through `setpriv(1)`, from a copy of the test binary in a directory anyone may read:
//! the build directory may be under one that `nobody` cannot search. Programs the test
//! runs are copied beside it.
//!
//! Needs `rotation_support` declared beside it, for [`usable_or_skip`].
#![allow(dead_code)]

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::rotation_support::{usable_or_skip, ROLE};

/// The role of the child run as `nobody`.
const UNPRIVILEGED: &str = "unprivileged";

/// Set in that child to the directory holding the copies of the programs.
const PROGRAMS: &str = "LOGWRITER_TEST_PROGRAMS";

/// The user and group `nobody` (Debian's numbers; no name lookup is needed).
const NOBODY: &str = "65534";

/// Whether the calling test should run its body in this process: yes when permission
/// bits apply to it (it is not root, or it is the child started here). As root, runs the
/// test again as `nobody`, with copies of `programs` (see [`program`]), checks that
/// exactly that test ran and passed, and returns `false`. The test is named by its thread,
/// which libtest names after it. Where `setpriv` cannot change the user, panics unless
/// skipping is allowed (see [`usable_or_skip`]).
pub fn permissions_apply(programs: &[&str]) -> bool {
    let root = rustix::process::geteuid().is_root();
    if std::env::var(ROLE).as_deref() == Ok(UNPRIVILEGED) {
        assert!(!root, "the child meant to run as nobody runs as root");
        return true;
    }
    if !root {
        return true;
    }
    let usable = Command::new("setpriv")
        .args(setpriv_args())
        .arg("true")
        .status()
        .is_ok_and(|status| status.success());
    if !usable_or_skip(
        usable,
        "setpriv (util-linux), run as root, to run a test as nobody",
    ) {
        return false;
    }
    let current = std::thread::current();
    let test = current
        .name()
        .expect("libtest names the thread after the test");
    let holder = tempfile::tempdir().expect("make a directory for the copies");
    std::fs::set_permissions(holder.path(), std::fs::Permissions::from_mode(0o755))
        .expect("let anyone read the copies");
    let exe = std::env::current_exe().expect("test binary path");
    let copy = copy_into(holder.path(), &exe);
    for program in programs {
        copy_into(holder.path(), Path::new(program));
    }
    let out = Command::new("setpriv")
        .args(setpriv_args())
        .arg(&copy)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(ROLE, UNPRIVILEGED)
        .env(PROGRAMS, holder.path())
        .current_dir("/")
        .stdin(Stdio::null())
        .output()
        .expect("run the test as nobody");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "as nobody: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    false
}

/// For a test of the tool at `bin` in a directory that may be searched but not listed:
/// `None` where [`permissions_apply`] says the test runs elsewhere. Else `fill` writes the
/// files of a new directory, which is made mode 0300, and the tool (its copy, as `nobody`)
/// runs with `args` and then `<dir>/log`; the directory is made 0700 again after, so that
/// it can be removed.
pub fn run_in_unlisted(
    bin: &str,
    args: &[&str],
    fill: impl FnOnce(&Path),
) -> Option<std::process::Output> {
    if !permissions_apply(&[bin]) {
        return None;
    }
    let holder = tempfile::tempdir().expect("tempdir");
    let dir = &holder.path().join("drop");
    std::fs::create_dir(dir).expect("mkdir");
    fill(dir);
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o300)).expect("chmod 0300");
    assert!(std::fs::read_dir(dir).is_err(), "permission bits apply");
    let out = Command::new(program(bin))
        .args(args)
        .arg(dir.join("log"))
        .output()
        .expect("run the tool");
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).expect("chmod 0700");
    Some(out)
}

/// `path`, or in the child run as `nobody`, its copy.
pub fn program(path: &str) -> PathBuf {
    match std::env::var_os(PROGRAMS) {
        Some(holder) => Path::new(&holder).join(file_name(Path::new(path))),
        None => PathBuf::from(path),
    }
}

fn setpriv_args() -> [&'static str; 5] {
    ["--reuid", NOBODY, "--regid", NOBODY, "--clear-groups"]
}

fn file_name(path: &Path) -> OsString {
    path.file_name().expect("a program's file name").to_owned()
}

/// Copies `program` into `holder`, readable and executable by anyone.
///
/// The copy is made by `cp`, not by this process: a descriptor this process held open for
/// writing would be inherited by any child another test thread forks meanwhile, until that
/// child's `exec`, and running the copy then fails with `ETXTBSY` ("Text file busy").
fn copy_into(holder: &Path, program: &Path) -> PathBuf {
    let copy = holder.join(file_name(program));
    let status = Command::new("cp")
        .arg("--")
        .arg(program)
        .arg(&copy)
        .stdin(Stdio::null())
        .status()
        .expect("run cp");
    assert!(
        status.success(),
        "cp {} {}: {status}",
        program.display(),
        copy.display()
    );
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755))
        .expect("let anyone run the copy");
    copy
}
