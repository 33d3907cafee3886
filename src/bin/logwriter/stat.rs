//! Identity and size of the files the tool reads, through the library's own
//! [`identity`](crate::identity) module: `statx(2)` calls that ask for no timestamp but the
//! birth time, which never changes and tells a new file from a deleted one that had its
//! inode.
//!
//! On Linux 6.13 and later, ext4, xfs, btrfs and tmpfs remember that a file's change time
//! was read, and the next `write(2)` to it, by any writer, then takes a fine-grained
//! timestamp and journals the inode. `show -f` stats the log after every read, so an
//! ordinary stat there would slow every writer of a busy log (appends took 1.81 to 2.71
//! times as long against a loop of such stats in `cargo bench --bench watched`). Kernels
//! without `statx`, or sandboxes that refuse it, get `fstat(2)`/`fstatat(2)`.

use std::fs::File;
use std::io;
use std::path::Path;

use rustix::fs::{AtFlags, CWD};

use crate::identity::WITH_BIRTH;

pub(crate) use crate::identity::FileId as Info;

/// The open file `file`, with its birth time where the filesystem records one.
pub fn of_file(file: &File) -> io::Result<Info> {
    Ok(crate::identity::of_fd_asking(file, WITH_BIRTH)?)
}

/// The file at `path`, following symbolic links (the tool is given paths like
/// `/dev/stdin`), with its birth time where the filesystem records one.
pub fn of_path(path: &Path) -> io::Result<Info> {
    Ok(crate::identity::at_with(
        CWD,
        path,
        AtFlags::empty(),
        WITH_BIRTH,
    )?)
}
