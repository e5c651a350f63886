//! Files the registry writes hold personal data and live secrets (the SQLite database with
//! password hashes and ethnicity, the signing secret, emails carrying invitation links): the
//! data folder is made 0700 and every file in it 0600, and start-up warns about looser modes.

use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Creates `dir` (and its missing parents) readable by the registry's user alone.
pub fn private_dir(dir: &Path) -> Result<(), String> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))
}

/// Creates `path` empty with mode 0600 unless it exists.
pub fn private_file(path: &Path) -> Result<(), String> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(format!("cannot create {}: {e}", path.display())),
    }
}

/// Writes a new file with mode 0600.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

/// Whether `path` lies inside `dir`, compared lexically after making both absolute.
pub fn is_inside(path: &Path, dir: &Path) -> bool {
    absolute(path).starts_with(absolute(dir))
}

/// Paths (and their modes) looser than the registry writes them: group or others may read.
pub fn loose_modes(data_dir: &Path, extra: &[PathBuf]) -> Vec<(PathBuf, u32)> {
    let mut found = Vec::new();
    let mut look = |p: &Path| {
        if let Ok(meta) = std::fs::metadata(p) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                found.push((p.to_path_buf(), mode));
            }
        }
    };
    look(data_dir);
    look(&data_dir.join("jwt_secret"));
    let outbox = data_dir.join("outbox");
    look(&outbox);
    if let Ok(entries) = std::fs::read_dir(&outbox) {
        for e in entries.flatten() {
            look(&e.path());
        }
    }
    for p in extra {
        look(p);
        for suffix in ["-wal", "-shm"] {
            let mut s = p.clone().into_os_string();
            s.push(suffix);
            look(Path::new(&s));
        }
    }
    found
}

/// Logs one warning per path readable by others, with the command that fixes it.
pub fn warn_loose_modes(data_dir: &Path, extra: &[PathBuf]) {
    for (path, mode) in loose_modes(data_dir, extra) {
        let fix = if path.is_dir() { "700" } else { "600" };
        tracing::warn!(
            path = %path.display(),
            mode = format!("{mode:o}"),
            "this holds personal data or secrets and others may read it: chmod {fix} it"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_registry_writes_is_private_and_looser_modes_are_found() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        private_dir(&data).unwrap();
        let db = data.join("registry.db");
        private_file(&db).unwrap();
        write_private(&data.join("jwt_secret"), b"x").unwrap();
        assert!(loose_modes(&data, std::slice::from_ref(&db)).is_empty());
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&db), 0o600);
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let loose = loose_modes(&data, std::slice::from_ref(&db));
        assert_eq!(loose, vec![(db.clone(), 0o644)]);
        assert!(is_inside(&db, &data));
        assert!(!is_inside(Path::new("/nonexistent/r.db"), &data));
    }
}
