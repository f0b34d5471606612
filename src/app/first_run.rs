//! The annotated starter config, and the first run: `newswatch run` with no config file at
//! its path writes one there from the template, says so, and starts on it. Other commands
//! keep failing on a missing config (see `load_config`), pointing at `newswatch run`.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;

/// The repository's annotated `config.toml`: every option, its default and what it does.
pub const STARTER_CONFIG: &str = include_str!("../../config.toml");

/// What [`ensure_config`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstRun {
    /// A config was already there; nothing was written.
    Existing,
    /// The starter config was written.
    Created,
}

/// Writes the starter config at `path` unless a file is already there (never overwrites,
/// even when another process creates one at the same moment), creating its directory.
pub fn ensure_config(path: &Path) -> anyhow::Result<FirstRun> {
    if path.exists() {
        return Ok(FirstRun::Existing);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    let mut file = match file {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(FirstRun::Existing),
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
    };
    file.write_all(STARTER_CONFIG.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(FirstRun::Created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_template_once_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/config.toml");
        assert_eq!(ensure_config(&path).unwrap(), FirstRun::Created);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), STARTER_CONFIG);
        std::fs::write(&path, "# mine\n").unwrap();
        assert_eq!(ensure_config(&path).unwrap(), FirstRun::Existing);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");
    }

    #[test]
    fn the_template_is_a_valid_config() {
        crate::config::parse(STARTER_CONFIG, "config.toml").unwrap();
    }
}
