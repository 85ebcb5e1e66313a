//! Writing a user's file so that it is never half-written: the new bytes go to
//! a temporary file in the same directory, which then replaces the original in
//! one rename, with the original's permissions.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};

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
    let directory = target.parent().unwrap_or_else(|| Path::new("."));
    let mut temporary = tempfile::Builder::new()
        .prefix(".docwright-")
        .suffix(".tmp")
        .tempfile_in(directory)
        .with_context(|| format!("cannot create a temporary file in {}", directory.display()))?;
    temporary.write_all(contents).with_context(|| format!("cannot write a temporary file for {}", path.display()))?;
    temporary.as_file().sync_all().with_context(|| format!("cannot flush the new {}", path.display()))?;
    std::fs::set_permissions(temporary.path(), permissions)
        .with_context(|| format!("cannot copy the permissions of {}", path.display()))?;
    temporary.persist(&target).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
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
    fn refuses_when_the_file_changed_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.py");
        std::fs::write(&path, b"edited by the user").unwrap();
        let error = write_atomically(&path, b"old", b"new").unwrap_err();
        assert!(format!("{error:#}").contains("changed while docwright was working on it"));
        assert_eq!(std::fs::read(&path).unwrap(), b"edited by the user");
    }
}
