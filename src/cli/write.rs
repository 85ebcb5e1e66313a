//! Writing a file so that it is never half-written: the new bytes go to a
//! temporary file in the same directory, which then replaces the original in
//! one rename (a user's file keeping its permissions).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use tempfile::NamedTempFile;

/// Replaces `path`, whose content was `expected` when it was read, with
/// `contents`. Refuses when the file changed in the meantime.
pub fn write_atomically(path: &Path, expected: &[u8], contents: &[u8]) -> Result<()> {
    let now = std::fs::read(path).with_context(|| format!("cannot read {} again before writing", path.display()))?;
    if now != expected {
        bail!("{} changed while docwright was working on it; it is left as it is now", path.display());
    }
    let permissions = std::fs::metadata(path).with_context(|| format!("cannot stat {}", path.display()))?.permissions();
    // Write through symlinks to the file they name, like an editor does.
    let target = std::fs::canonicalize(path).with_context(|| format!("cannot resolve {}", path.display()))?;
    let temporary = temporary_with(&target, contents)?;
    temporary.as_file().sync_all().with_context(|| format!("cannot flush the new {}", path.display()))?;
    std::fs::set_permissions(temporary.path(), permissions)
        .with_context(|| format!("cannot copy the permissions of {}", path.display()))?;
    temporary.persist(&target).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// Writes `contents` to `path`, a file docwright makes (created, or replaced
/// whole), with the permissions of any new file. A file that holds them
/// already is left alone, so that its time stamp says when it last changed.
/// Whether it was written.
pub fn write_output(path: &Path, contents: &[u8]) -> Result<bool> {
    if std::fs::read(path).is_ok_and(|now| now == contents) {
        return Ok(false);
    }
    let temporary = temporary_with(path, contents)?;
    temporary.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(true)
}

/// A temporary file beside `target` holding `contents`, made with the
/// permissions a new file gets (0666 less the umask; tempfile's own default
/// is 0600).
fn temporary_with(target: &Path, contents: &[u8]) -> Result<NamedTempFile> {
    let directory = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or_else(|| Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".docwright-").suffix(".tmp");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut temporary = builder
        .tempfile_in(directory)
        .with_context(|| format!("cannot create a temporary file in {}", directory.display()))?;
    temporary.write_all(contents).with_context(|| format!("cannot write a temporary file for {}", target.display()))?;
    Ok(temporary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.py");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o751)).unwrap();
        write_atomically(&path, b"old", b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o751);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn output_is_written_with_a_new_files_permissions_and_only_when_it_changes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (path, plain) = (dir.path().join("page.md"), dir.path().join("plain"));
        std::fs::write(&plain, b"").unwrap();
        assert!(write_output(&path, b"one").unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&plain), "as any new file, the umask applied");
        assert!(!write_output(&path, b"one").unwrap(), "the same content is not written again");
        assert!(write_output(&path, b"two").unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file is left behind");
    }

    #[test]
    fn refuses_when_the_file_changed_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.py");
        std::fs::write(&path, b"edited by the user").unwrap();
        let error = write_atomically(&path, b"old", b"new").unwrap_err();
        assert!(format!("{error:#}").contains("changed while docwright was working on it"));
        assert_eq!(std::fs::read(&path).unwrap(), b"edited by the user");
    }
}
