//! The hook shim in this repository's hooks directory, as git resolves it. A hook that is not
//! ours (a link too, even one to a script of ours) is never overwritten without `--force`, and
//! then it is kept aside, under a name no earlier backup holds, and put back by `uninstall`.

use std::fs;
use std::path::{Path, PathBuf};

use super::hooks_path::HooksPaths;
use super::{backups, entry, free_backup_path, io, with_binary, write_script, Entry, InstallError};
use crate::env::Environment;
use crate::git_cli;

/// The shim, as shipped in `hooks/prepare-commit-msg`.
pub const SHIM: &str = include_str!("../../hooks/prepare-commit-msg");

/// The shim with the binary's absolute path recorded, so GUI clients with a minimal PATH
/// still find it.
pub fn shim_for(binary: Option<&Path>) -> String {
    with_binary(SHIM, binary)
}

/// Installs the shim; returns the hook's path and what was done.
pub fn install(env: &Environment, force: bool) -> Result<(PathBuf, String), InstallError> {
    let dir = git_cli::hooks_dir(env).map_err(InstallError::HooksDir)?;
    if let Some(local) = husky_hooks_path(env) {
        return Err(InstallError::Husky { hooks_path: local });
    }
    let hook = dir.join("prepare-commit-msg");
    // git already runs ai-commit's global hooks here: writing the one-repository shim into
    // that shared directory would replace the pass-through of every repository.
    if is_global_dir(env, &dir) {
        return Ok((
            hook,
            "is already active here: core.hooksPath points at ai-commit's global hooks".into(),
        ));
    }
    let done = match entry(&hook) {
        Entry::Absent => "installed".to_string(),
        Entry::Ours => "updated".to_string(),
        Entry::Foreign if force => {
            let backup = free_backup_path(&hook);
            fs::rename(&hook, &backup).map_err(io("move aside", &hook))?;
            format!(
                "installed; the previous hook is kept as {}",
                backup.display()
            )
        }
        Entry::Foreign => return Err(InstallError::Foreign { path: hook }),
    };
    fs::create_dir_all(&dir).map_err(io("create", &dir))?;
    let binary = std::env::current_exe().ok();
    write_script(&hook, &shim_for(binary.as_deref()))?;
    Ok((hook, done))
}

/// Removes our shim and puts back the hook that the latest `install --force` set aside.
pub fn uninstall(env: &Environment) -> Result<(PathBuf, String), InstallError> {
    let dir = git_cli::hooks_dir(env).map_err(InstallError::HooksDir)?;
    if is_global_dir(env, &dir) {
        return Err(InstallError::GlobalHere { dir });
    }
    let hook = dir.join("prepare-commit-msg");
    let removed = match entry(&hook) {
        Entry::Foreign => return Err(InstallError::Foreign { path: hook }),
        Entry::Ours => {
            fs::remove_file(&hook).map_err(io("remove", &hook))?;
            true
        }
        Entry::Absent => false,
    };
    let mut kept = backups(&hook);
    let Some((_, latest)) = kept.pop() else {
        let done = if removed {
            "removed"
        } else {
            "was not installed"
        };
        return Ok((hook, done.to_string()));
    };
    fs::rename(&latest, &hook).map_err(io("restore", &latest))?;
    let mut done = if removed {
        "removed; the previous hook is back".to_string()
    } else {
        "was not installed; the hook it had set aside is back".to_string()
    };
    if let Some((_, older)) = kept.last() {
        done.push_str(&format!(
            " (an older one, set aside by an earlier install, is still kept as {})",
            older.display()
        ));
    }
    Ok((hook, done))
}

/// Whether git's hooks directory here is ai-commit's global one.
fn is_global_dir(env: &Environment, dir: &Path) -> bool {
    super::global::hooks_dir(env)
        .is_some_and(|ours| super::global::is_our_dir(env, &dir.to_string_lossy(), &ours))
}

/// The repository's own `core.hooksPath` when husky manages it (`.husky/_` or `.husky`):
/// husky rewrites that directory, so a shim written there would not last.
pub fn husky_hooks_path(env: &Environment) -> Option<String> {
    let paths = HooksPaths::read(env).ok()?;
    let local = paths.own_setting()?;
    is_husky_dir(&local.value).then(|| local.value.clone())
}

/// Whether a `core.hooksPath` value is husky's directory (`.husky/_`, or `.husky` before
/// husky 9), where the hooks a person writes are `.husky/<name>`.
pub fn is_husky_dir(value: &str) -> bool {
    let trimmed = value.trim_end_matches('/');
    trimmed.ends_with(".husky/_") || trimmed.ends_with(".husky")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shim_records_the_binary_quoted() {
        let shim = shim_for(Some(Path::new("/opt/it's/ai-commit")));
        assert!(shim.contains("AI_COMMIT_INSTALLED_BIN='/opt/it'\\''s/ai-commit'\n"));
        assert!(shim.contains(super::super::MARKER));
    }

    #[test]
    fn shipped_shim_has_the_line_install_rewrites() {
        assert!(SHIM.contains(super::super::BIN_LINE));
        assert!(SHIM.starts_with("#!/bin/sh\n"));
    }
}
