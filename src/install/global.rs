//! One install for every repository: a hooks directory of ours under the XDG data directory,
//! named by the global `core.hooksPath`. A global hooksPath hides every repository's own
//! `.git/hooks`, so the directory holds one script under every hook name whose mere presence
//! changes nothing git does, which runs the repository's own hook of that name (see
//! `hooks/global-hook`); install checks each one back before it says so. With git 2.54 or
//! newer, a config-defined hook is the alternative that needs no hooksPath at all.

use std::fs;
use std::path::{Path, PathBuf};

use super::hooks_path::HooksPaths;
use super::{entry, io, with_binary, write_script, Entry, InstallError, SHIM};
use crate::env::Environment;
use crate::git_cli::{self, ConfigScope, ConfigValue, Scope};

/// The script installed under every hook name.
pub const GLOBAL_HOOK: &str = include_str!("../../hooks/global-hook");
/// The line of [`GLOBAL_HOOK`] that records the hooks directory set before ours.
const PREVIOUS_LINE: &str = "AI_COMMIT_PREVIOUS_HOOKS=''";
/// The key of the hooks directory.
const HOOKS_PATH: &str = super::hooks_path::KEY;
/// Name of our config-defined hook (`hook.<name>.command`, git 2.54+).
const CONFIG_HOOK: &str = "ai-commit";

/// Every hook name git runs from a hooks directory (githooks(5)) whose mere presence changes
/// nothing git does: a pass-through there, running nothing when the repository has no hook of
/// that name, is a perfect no-op. The others are [`NOT_PASSED_THROUGH`]. A hook name git adds
/// later is not passed through until it is checked the same way (`receive-report`, proposed
/// for git, would replace the report of every push with the hook's output).
pub const HOOK_NAMES: &[&str] = &[
    "applypatch-msg",
    "pre-applypatch",
    "post-applypatch",
    "pre-commit",
    "pre-merge-commit",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "pre-rebase",
    "post-checkout",
    "post-merge",
    "pre-push",
    "pre-receive",
    "update",
    "proc-receive",
    "post-receive",
    "post-update",
    "pre-auto-gc",
    "post-rewrite",
    "fsmonitor-watchman",
    "p4-changelist",
    "p4-prepare-changelist",
    "p4-post-changelist",
    "p4-pre-submit",
    "post-index-change",
];

/// The hook names git knows that the global directory does not pass through; [`why_not`] says
/// why. `doctor` names a repository that has its own hook of one of them, with the way to
/// keep it (a `core.hooksPath` of the repository's own).
pub const NOT_PASSED_THROUGH: &[&str] = &[
    "reference-transaction",
    "push-to-checkout",
    "sendemail-validate",
];

/// Why a hook name is not passed through.
pub fn why_not(name: &str) -> &'static str {
    match name {
        "reference-transaction" => {
            "git runs it for every ref update, about sixteen times per commit: a pass-through \
             made every rebase pick ten times slower"
        }
        "push-to-checkout" => {
            "when it exists, a push into a receive.denyCurrentBranch=updateInstead repository \
             runs it instead of updating the work tree, so a pass-through with nothing to run \
             would move HEAD and leave the files behind"
        }
        "sendemail-validate" => {
            "when it exists, git send-email builds every message's headers once more, which \
             dates each message as many seconds later as there are patches"
        }
        _ => "it is not one of the hooks ai-commit passes through",
    }
}

/// `$XDG_DATA_HOME/ai-commit`, else `~/.local/share/ai-commit`.
pub fn data_dir(env: &Environment) -> Option<PathBuf> {
    match (&env.xdg_data_home, &env.home) {
        (Some(xdg), _) if xdg.is_absolute() => Some(xdg.join("ai-commit")),
        (_, Some(home)) => Some(home.join(".local/share/ai-commit")),
        _ => None,
    }
}

/// The directory `install --global` points `core.hooksPath` at.
pub fn hooks_dir(env: &Environment) -> Option<PathBuf> {
    data_dir(env).map(|d| d.join("hooks"))
}

/// Whether the hooksPath value `value` names our directory `dir`.
pub fn is_our_dir(env: &Environment, value: &str, dir: &Path) -> bool {
    let expanded = expand_home(env, value);
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    same(Path::new(&expanded), dir)
}

/// The hooks directory that our pass-throughs in `dir` chain to, as install recorded it.
pub fn chained_dir(dir: &Path) -> Option<String> {
    chained(&super::read_script(&dir.join("prepare-commit-msg"))?)
}

/// `~/x` as git expands it for path settings; anything else as it is.
pub fn expand_home(env: &Environment, value: &str) -> String {
    match (value.strip_prefix("~/"), &env.home) {
        (Some(rest), Some(home)) => home.join(rest).to_string_lossy().into_owned(),
        _ => value.to_string(),
    }
}

/// Writes our script under every hook name into `dir`, chaining to `previous` (a hooks
/// directory, as configured) when given, then checks that every one is in place. An entry
/// there that is not ours (a link too) stops it before anything is written: git would run
/// that instead of each repository's own hook of the name.
pub fn write_hooks(
    env: &Environment,
    dir: &Path,
    previous: Option<&str>,
) -> Result<(), InstallError> {
    let foreign: Vec<PathBuf> = HOOK_NAMES
        .iter()
        .map(|name| dir.join(name))
        .filter(|path| entry(path) == Entry::Foreign)
        .collect();
    if !foreign.is_empty() {
        return Err(InstallError::ForeignInHookSet { paths: foreign });
    }
    fs::create_dir_all(dir).map_err(io("create", dir))?;
    let binary = std::env::current_exe().ok();
    let mut script = with_binary(GLOBAL_HOOK, binary.as_deref());
    if let Some(prev) = previous {
        let expanded = expand_home(env, prev);
        script = script.replace(
            PREVIOUS_LINE,
            &format!("AI_COMMIT_PREVIOUS_HOOKS={}", super::sh_quote(&expanded)),
        );
    }
    // A script an older install wrote under a name no longer passed through.
    for name in NOT_PASSED_THROUGH {
        let path = dir.join(name);
        if entry(&path) == Entry::Ours {
            fs::remove_file(&path).map_err(io("remove", &path))?;
        }
    }
    for name in HOOK_NAMES {
        write_script(&dir.join(name), &script)?;
    }
    let broken: Vec<String> = pass_throughs(dir)
        .into_iter()
        .filter(|(_, state)| *state != PassThrough::Intact)
        .map(|(name, state)| format!("{name} {}", state.describe()))
        .collect();
    if !broken.is_empty() {
        return Err(InstallError::HookSetBroken {
            dir: dir.to_path_buf(),
            broken: broken.join(", "),
        });
    }
    Ok(())
}

/// `install --hooks-dir DIR`: the hook set written into `dir`, no git config changed.
pub fn install_into(env: &Environment, dir: &Path) -> Result<String, InstallError> {
    write_hooks(env, dir, None)?;
    Ok(format!(
        "wrote the hook set into {}; with core.hooksPath pointing there, {}",
        dir.display(),
        own_hooks_run()
    ))
}

/// What a hook set of ours promises, with the names it does not pass through.
fn own_hooks_run() -> String {
    let (last, rest) = NOT_PASSED_THROUGH
        .split_last()
        .expect("some hook names are not passed through");
    format!(
        "each repository's own hooks still run (all but {} and {last}, which `ai-commit \
         doctor` names where a repository has one)",
        rest.join(", ")
    )
}

/// The state of one pass-through in a hook set of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassThrough {
    /// Our script, executable, as this version writes it.
    Intact,
    /// Nothing there: git runs nothing under that name, not the repository's own hook.
    Missing,
    /// Ours, but git skips it.
    NotExecutable,
    /// Someone else's file or a link: git runs it instead of the repository's own hook.
    Foreign,
    /// Ours, but not what this version writes (another version, or edited).
    Outdated,
}

impl PassThrough {
    /// A few words for a person.
    pub fn describe(self) -> &'static str {
        match self {
            PassThrough::Intact => "is in place",
            PassThrough::Missing => "is missing",
            PassThrough::NotExecutable => "is not executable",
            PassThrough::Foreign => "is not ai-commit's",
            PassThrough::Outdated => "is from another version of ai-commit, or edited",
        }
    }
}

/// Every hook name's pass-through in `dir`, checked against what install writes: the
/// template with its two recorded lines, the same in every one of them.
pub fn pass_throughs(dir: &Path) -> Vec<(&'static str, PassThrough)> {
    let chain = chained_dir(dir);
    HOOK_NAMES
        .iter()
        .map(|&name| {
            let path = dir.join(name);
            let state = match entry(&path) {
                Entry::Absent => PassThrough::Missing,
                Entry::Foreign => PassThrough::Foreign,
                Entry::Ours => match super::read_script(&path) {
                    Some(text) if !is_current(&text) || chained(&text) != chain => {
                        PassThrough::Outdated
                    }
                    Some(_) if !super::is_executable(&path) => PassThrough::NotExecutable,
                    Some(_) => PassThrough::Intact,
                    None => PassThrough::Foreign,
                },
            };
            (name, state)
        })
        .collect()
}

/// Whether `text` is [`GLOBAL_HOOK`] but for the lines install records.
fn is_current(text: &str) -> bool {
    fn template(l: &str) -> &str {
        if l.starts_with("AI_COMMIT_INSTALLED_BIN=") {
            super::BIN_LINE
        } else if l.starts_with("AI_COMMIT_PREVIOUS_HOOKS=") {
            PREVIOUS_LINE
        } else {
            l
        }
    }
    text.lines().map(template).eq(GLOBAL_HOOK.lines())
        && text.ends_with('\n') == GLOBAL_HOOK.ends_with('\n')
}

fn chained(text: &str) -> Option<String> {
    super::recorded(text, "AI_COMMIT_PREVIOUS_HOOKS")
}

/// `install --global`: writes our hooks directory and makes it the `core.hooksPath` git uses
/// for every repository. What git used before (set in the global or system file, or a file
/// either includes) is kept unless `force`, and then its hooks keep running through ours. The
/// person's own lines are never changed: ours is added after them, and `uninstall --global`
/// removes only ours, so what was there is in effect again.
pub fn install(env: &Environment, force: bool) -> Result<String, InstallError> {
    let dir = hooks_dir(env).ok_or(InstallError::NoDataDir)?;
    let paths = HooksPaths::read(env).map_err(InstallError::Config)?;
    let ours = |v: &ConfigValue| is_our_dir(env, &v.value, &dir);
    // A hooks directory only some repositories use cannot be chained to from one that every
    // repository uses: its hooks would run where they never ran, or stop where they did.
    if let Some(c) = paths
        .conditional
        .iter()
        .find(|c| !is_our_dir(env, &c.value, &dir))
    {
        return Err(InstallError::ConditionalHooksPath {
            value: c.value.clone(),
            condition: c.condition.clone(),
            origin: c.included_from.clone(),
        });
    }
    let every = paths.for_every_repository();
    let (chain, verb) = match every.last() {
        None => (None, "installed"),
        // Ours is in effect: keep running what it came after.
        Some(last) if ours(last) => (every.iter().rev().find(|v| !ours(v)), "updated"),
        Some(last) if !force => {
            return Err(InstallError::ForeignHooksPath {
                current: last.value.clone(),
                origin: last.place().to_string(),
            })
        }
        Some(last) => (Some(last), "installed"),
    };
    write_hooks(env, &dir, chain.map(|c| c.value.as_str()))?;
    if !every.last().is_some_and(|v| ours(v)) {
        make_ours_last(env, &dir, &paths)?;
    }
    let mut said = format!(
        "{verb} {} as the global core.hooksPath; each repository's own hooks still run",
        dir.display()
    );
    if let Some(c) = chain {
        said.push_str(&format!(
            ", and so do those of {} (set in {})",
            c.value,
            c.place()
        ));
    }
    if let Some(note) = local_hooks_path_note(env) {
        said.push_str(&format!("\nai-commit: {note}"));
    }
    if git_cli::version(env).is_some_and(|v| v >= (2, 54)) {
        said.push_str(
            "\nai-commit: this git also runs config-defined hooks: `ai-commit uninstall \
             --global && ai-commit install --config-hook` registers the hook without \
             core.hooksPath",
        );
    }
    Ok(said)
}

/// Adds our directory as the global file's last `core.hooksPath`, checking with git that it
/// is then the one every repository uses. A value of ours that something later shadows is
/// taken out first; when a file the global config includes comes later still, ours goes into
/// a `[core]` section of its own at the end of the file (git removes that section again when
/// `uninstall --global` removes our line).
fn make_ours_last(env: &Environment, dir: &Path, before: &HooksPaths) -> Result<(), InstallError> {
    let dir_text = dir.to_string_lossy();
    remove_ours(env, dir, before)?;
    git_cli::config_add(env, Scope::Global, HOOKS_PATH, &dir_text).map_err(InstallError::Config)?;
    let after = HooksPaths::read(env).map_err(InstallError::Config)?;
    if wins(env, dir, &after) {
        return Ok(());
    }
    let file = after
        .values
        .iter()
        .find(|v| v.scope == ConfigScope::Global && v.value == dir_text)
        .and_then(|v| v.file().map(Path::to_path_buf));
    remove_ours(env, dir, &after)?;
    if let Some(file) = file {
        append_core_section(&file)?;
        git_cli::config_add(env, Scope::Global, HOOKS_PATH, &dir_text)
            .map_err(InstallError::Config)?;
        let last = HooksPaths::read(env).map_err(InstallError::Config)?;
        if wins(env, dir, &last) {
            return Ok(());
        }
        remove_ours(env, dir, &last)?;
    }
    let now = HooksPaths::read(env).map_err(InstallError::Config)?;
    let winner = now.for_every_repository().last().copied().cloned();
    Err(InstallError::NotInEffect {
        winner: winner.map_or_else(
            || "unset".into(),
            |w| format!("{} (set in {})", w.value, w.place()),
        ),
    })
}

/// Whether our directory is the `core.hooksPath` every repository uses.
fn wins(env: &Environment, dir: &Path, paths: &HooksPaths) -> bool {
    paths
        .for_every_repository()
        .last()
        .is_some_and(|v| is_our_dir(env, &v.value, dir))
}

/// Removes every value naming our directory from the global file itself; true when there was
/// one.
fn remove_ours(env: &Environment, dir: &Path, paths: &HooksPaths) -> Result<bool, InstallError> {
    let mut removed = false;
    let mut seen: Vec<&str> = Vec::new();
    for v in &paths.values {
        if v.scope == ConfigScope::Global
            && is_our_dir(env, &v.value, dir)
            && !seen.contains(&v.value.as_str())
        {
            seen.push(&v.value);
            removed |= git_cli::config_remove_value(env, Scope::Global, HOOKS_PATH, &v.value)
                .map_err(InstallError::Config)?;
        }
    }
    Ok(removed)
}

/// Appends an empty `[core]` section to the global config file, through a link as git itself
/// writes it, so that the next value git adds to `core` comes after everything else.
fn append_core_section(file: &Path) -> Result<(), InstallError> {
    use std::io::Write;
    let text = fs::read(file).map_err(io("read", file))?;
    let header: &[u8] = if text.is_empty() || text.ends_with(b"\n") {
        b"[core]\n"
    } else {
        b"\n[core]\n"
    };
    fs::OpenOptions::new()
        .append(true)
        .open(file)
        .and_then(|mut f| f.write_all(header))
        .map_err(io("write", file))
}

/// A note when the repository in the current directory sets its own `core.hooksPath`, which
/// wins over the global one, so the global hook does not run there.
pub fn local_hooks_path_note(env: &Environment) -> Option<String> {
    let paths = HooksPaths::read(env).ok()?;
    let local = paths.own_setting()?;
    Some(format!(
        "this repository sets its own core.hooksPath ({}), which wins over the global \
         one, so the global hooks do not run here; run `ai-commit install` in it (or, with \
         husky, add `ai-commit hook \"$@\"` to .husky/prepare-commit-msg)",
        local.value
    ))
}

/// `uninstall --global`: removes our `core.hooksPath` line from the global file (whatever was
/// set before is in effect again, untouched), our config-defined hook, and our directory.
pub fn uninstall(env: &Environment) -> Result<String, InstallError> {
    let dir = hooks_dir(env).ok_or(InstallError::NoDataDir)?;
    let before = HooksPaths::read(env).map_err(InstallError::Config)?;
    let removed = remove_ours(env, &dir, &before)?;
    let after = HooksPaths::read(env).map_err(InstallError::Config)?;
    let now = after.for_every_repository().last().copied().cloned();
    // A value naming our directory that is not ours to remove (a file the global config
    // includes): the directory must stay, or git would find no hooks at all there.
    let still_named = after
        .values
        .iter()
        .any(|v| v.scope.is_every_repository() && is_our_dir(env, &v.value, &dir));
    let mut said = match (removed, &now) {
        (_, Some(v)) if is_our_dir(env, &v.value, &dir) => format!(
            "core.hooksPath still names ai-commit's directory in {}, which ai-commit did not \
             write; left it alone",
            v.place()
        ),
        (true, Some(v)) => format!(
            "the global core.hooksPath is {} again (set in {})",
            v.value,
            v.place()
        ),
        (true, None) => "the global core.hooksPath is unset again".to_string(),
        (false, Some(v)) => format!(
            "the global core.hooksPath is {} (set in {}), not ai-commit's; left it alone",
            v.value,
            v.place()
        ),
        (false, None) => "the global core.hooksPath was not set".to_string(),
    };
    if remove_config_hook(env)? {
        said.push_str("; removed the config-defined hook");
    }
    if !still_named {
        for name in HOOK_NAMES.iter().chain(NOT_PASSED_THROUGH) {
            let path = dir.join(name);
            if entry(&path) == Entry::Ours {
                fs::remove_file(&path).map_err(io("remove", &path))?;
            }
        }
    }
    let shim = config_hook_shim(&dir);
    if entry(&shim) == Entry::Ours {
        let _ = fs::remove_file(&shim);
    }
    // Only when empty: a file we did not write stays, and so does its directory.
    let _ = fs::remove_dir(&dir);
    Ok(said)
}

fn config_hook_shim(dir: &Path) -> PathBuf {
    dir.with_file_name("prepare-commit-msg")
}

/// `install --config-hook`: registers our shim as a config-defined `prepare-commit-msg` hook in
/// the global config (git 2.54+), which runs before each repository's own hook and disables
/// nothing.
pub fn install_config_hook(env: &Environment) -> Result<String, InstallError> {
    match git_cli::version(env) {
        Some(v) if v >= (2, 54) => {}
        found => {
            return Err(InstallError::GitTooOld {
                found: found.map_or("unknown".into(), |(a, b)| format!("{a}.{b}")),
            })
        }
    }
    let dir = hooks_dir(env).ok_or(InstallError::NoDataDir)?;
    let shim = config_hook_shim(&dir);
    if let Some(parent) = shim.parent() {
        fs::create_dir_all(parent).map_err(io("create", parent))?;
    }
    if entry(&shim) == Entry::Foreign {
        return Err(InstallError::Foreign { path: shim });
    }
    let binary = std::env::current_exe().ok();
    write_script(&shim, &with_binary(SHIM, binary.as_deref()))?;
    let command = super::sh_quote(&shim.to_string_lossy());
    let set = |key: &str, value: &str| {
        git_cli::config_set(
            env,
            Scope::Global,
            &format!("hook.{CONFIG_HOOK}.{key}"),
            Some(value),
        )
        .map_err(InstallError::Config)
    };
    set("event", "prepare-commit-msg")?;
    set("command", &command)?;
    Ok(format!(
        "registered {} as the config-defined hook hook.{CONFIG_HOOK} for prepare-commit-msg",
        shim.display()
    ))
}

/// Removes our config-defined hook; true when there was one.
fn remove_config_hook(env: &Environment) -> Result<bool, InstallError> {
    let key = |k: &str| format!("hook.{CONFIG_HOOK}.{k}");
    let had = git_cli::config_get(env, Scope::Global, &key("command"))
        .map_err(InstallError::Config)?
        .is_some();
    if had {
        for k in ["command", "event"] {
            git_cli::config_set(env, Scope::Global, &key(k), None).map_err(InstallError::Config)?;
        }
    }
    Ok(had)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_hook_has_the_lines_install_rewrites() {
        assert!(GLOBAL_HOOK.contains(super::super::BIN_LINE));
        assert!(GLOBAL_HOOK.contains(PREVIOUS_LINE));
        assert!(GLOBAL_HOOK.contains(super::super::MARKER));
        assert!(GLOBAL_HOOK.starts_with("#!/bin/sh\n"));
    }

    #[test]
    fn data_dir_follows_xdg_then_home() {
        let mut env = Environment {
            home: Some("/home/me".into()),
            ..Environment::default()
        };
        assert_eq!(
            hooks_dir(&env),
            Some(PathBuf::from("/home/me/.local/share/ai-commit/hooks"))
        );
        env.xdg_data_home = Some("/data".into());
        assert_eq!(
            hooks_dir(&env),
            Some(PathBuf::from("/data/ai-commit/hooks"))
        );
        env.xdg_data_home = Some("relative".into());
        assert_eq!(
            hooks_dir(&env),
            Some(PathBuf::from("/home/me/.local/share/ai-commit/hooks"))
        );
    }

    /// The rule that decides a skipped source without a process is written once in each shim:
    /// both must hold the same text.
    #[test]
    fn both_shims_decide_a_skipped_source_the_same_way() {
        let decision = |script: &'static str| {
            let start = script
                .find("ai_commit_wants() {")
                .expect("the decision function");
            let end = start + script[start..].find("\n}\n").expect("its end");
            &script[start..end]
        };
        assert_eq!(decision(GLOBAL_HOOK), decision(SHIM));
    }

    /// Every variable the global script assigns (or reads into) is one it puts back before a
    /// hook runs: in the one-test fast path, in its `unset` list, and in the `ai_commit_keep`
    /// call; a variable added later without that would reach every hook.
    #[test]
    fn the_global_hook_puts_back_every_variable_it_sets() {
        let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let mut assigned = Vec::new();
        for (at, _) in GLOBAL_HOOK.match_indices(['a', 'A']) {
            let rest = &GLOBAL_HOOK[at..];
            let before = GLOBAL_HOOK[..at].chars().next_back();
            if !(rest.starts_with("ai_commit_") || rest.starts_with("AI_COMMIT_"))
                || before.is_some_and(|c| is_name(c) || c == '$' || c == '{')
            {
                continue;
            }
            let name: String = rest.chars().take_while(|&c| is_name(c)).collect();
            let after = &rest[name.len()..];
            let read_into = GLOBAL_HOOK[..at].ends_with("read -r ");
            if (after.starts_with('=') || read_into) && !assigned.contains(&name) {
                assigned.push(name);
            }
        }
        assert!(assigned.len() > 10, "{assigned:?}");
        let between = |from: &str, to: &str| {
            let start = GLOBAL_HOOK.find(from).expect(from);
            let end = start + GLOBAL_HOOK[start..].find(to).expect(to);
            &GLOBAL_HOOK[start..end]
        };
        let unset = between("ai_commit_env='unset ", ";'");
        let keep = between("  ai_commit_keep AI_COMMIT", "\nfi\n");
        for name in &assigned {
            assert!(
                GLOBAL_HOOK.contains(&format!("${{{name}+x}}")),
                "{name} is not in the fast-path test"
            );
            let listed = |text: &str| text.split([' ', '\\', '\n']).any(|w| w == name);
            assert!(listed(unset), "{name} is not unset");
            assert!(
                listed(keep) || name == "ai_commit_env",
                "{name} is not kept"
            );
        }
    }

    #[test]
    fn hook_names_are_unique() {
        let mut names = HOOK_NAMES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), HOOK_NAMES.len());
    }
}
