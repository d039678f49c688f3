//! Atomic, byte-stable writes: a temporary file in the same directory, then
//! a rename, so a failure never leaves a half-written file behind.

use std::io::Write;
use std::path::Path;

pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile_in(dir, path)?;
    let result = (|| {
        tmp.1.write_all(contents)?;
        tmp.1.sync_all()?;
        std::fs::rename(&tmp.0, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp.0);
    }
    result
}

/// Writes a file the user named on the command line (`-o FILE`).
///
/// A regular file (or a new one) is written atomically. A path that is
/// already something else, a device such as `/dev/null` or `/dev/stdout`,
/// or a named pipe, is written into as it is: renaming a temporary file
/// over it would replace the device with a plain file (as root, for every
/// process on the machine).
pub fn write_output(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => {
            let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
            f.write_all(contents)?;
            f.flush()
        }
        _ => write_atomic(path, contents),
    }
}

/// Writes only when the content differs; returns whether it wrote.
pub fn write_if_changed(path: &Path, contents: &[u8]) -> std::io::Result<bool> {
    // A symbolic link is never read through (it may lead out of the
    // repository); the rename below replaces the link, not its target.
    let linked = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !linked && std::fs::read(path).is_ok_and(|old| old == contents) {
        return Ok(false);
    }
    write_atomic(path, contents)?;
    Ok(true)
}

fn tempfile_in(dir: &Path, target: &Path) -> std::io::Result<(std::path::PathBuf, std::fs::File)> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for attempt in 0..100u32 {
        let tmp = dir.join(format!(
            ".{name}.aegis-{}-{attempt}.tmp",
            std::process::id()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("could not create a temporary file"))
}

/// A lock held on a directory for one writer at a time, released when
/// dropped (or when the process ends, however it ends).
#[derive(Debug)]
pub struct DirLock {
    _file: std::fs::File,
}

/// Takes the lock on `dir` (created if missing), or `None` when another
/// process holds it. On Unix the directory itself is locked, so no lock
/// file is left in the user's tree; elsewhere a hidden `.aegis-lock` file
/// inside it is (the repository walk skips hidden names).
pub fn try_lock_dir(dir: &Path) -> std::io::Result<Option<DirLock>> {
    std::fs::create_dir_all(dir)?;
    let file = lock_handle(dir)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(DirLock { _file: file })),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

#[cfg(unix)]
fn lock_handle(dir: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(dir)
}

#[cfg(not(unix))]
fn lock_handle(dir: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(".aegis-lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_lock_has_one_holder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = try_lock_dir(dir.path()).expect("lock").expect("free");
        assert!(try_lock_dir(dir.path()).expect("lock").is_none());
        drop(first);
        assert!(try_lock_dir(dir.path()).expect("lock").is_some());
    }

    #[test]
    fn writes_and_skips_unchanged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("a/b.txt");
        write_atomic(&p, b"x").expect("write");
        assert_eq!(std::fs::read(&p).expect("read"), b"x");
        assert!(!write_if_changed(&p, b"x").expect("write"));
        assert!(write_if_changed(&p, b"y").expect("write"));
        let leftovers: Vec<_> = std::fs::read_dir(p.parent().expect("dir"))
            .expect("list")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    /// `-o /dev/null` once turned the machine's /dev/null into a plain
    /// file: a named pipe stands in for the device here.
    #[cfg(unix)]
    #[test]
    fn output_into_a_pipe_keeps_the_pipe() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).expect("read the pipe"))
        };
        write_output(&fifo, b"report\n").expect("write into the pipe");
        assert_eq!(reader.join().expect("reader"), b"report\n");
        let kind = std::fs::symlink_metadata(&fifo)
            .expect("still there")
            .file_type();
        assert!(kind.is_fifo());
        // A regular file is still replaced atomically.
        let file = dir.path().join("out.json");
        write_output(&file, b"{}").expect("write");
        assert_eq!(std::fs::read(&file).expect("read"), b"{}");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_replaced_never_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("tempdir");
        let target = outside.path().join("t.txt");
        std::fs::write(&target, b"same").expect("write");
        let p = dir.path().join("f.txt");
        std::os::unix::fs::symlink(&target, &p).expect("symlink");
        assert!(write_if_changed(&p, b"same").expect("write"));
        assert!(
            !std::fs::symlink_metadata(&p)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&target).expect("read"), b"same");
    }
}
