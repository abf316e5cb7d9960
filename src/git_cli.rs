//! Running the git command: the one `Command` wrapper every git child goes through, and what
//! ai-commit asks git itself (configuration, rev-parse paths, message settings, version).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::env::Environment;

/// Running the git CLI failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// git could not be started.
    #[error("could not run git")]
    Spawn(#[source] std::io::Error),
    /// git ran and failed.
    #[error("`git {args}` failed: {stderr}")]
    Failed {
        /// The arguments.
        args: String,
        /// Its first line of stderr.
        stderr: String,
    },
}

/// Runs git in the current directory with the hook's environment, returning stdout.
pub(crate) fn run(env: &Environment, args: &[&str]) -> Result<String, CliError> {
    let out = command(env, args).output().map_err(CliError::Spawn)?;
    if !out.status.success() {
        return Err(failed(args, &out.stderr));
    }
    // Checked whole first: far cheaper than the lossy conversion for a large patch, and the
    // bytes are moved rather than copied; only invalid UTF-8 pays for the replacement.
    Ok(String::from_utf8(out.stdout)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// How much of a streamed stdout is read at once.
const STREAM_READ: usize = 128 << 10;

/// [`run`], handing stdout to `each` while git still writes it: in pieces that end at a
/// newline (but for the last, when stdout does not end with one), each converted as [`run`]
/// converts the whole. A newline is never part of a multi-byte sequence, so the pieces join
/// into exactly the text [`run`] returns. What `each` saw counts only when git succeeds.
pub(crate) fn run_streaming(
    env: &Environment,
    args: &[&str],
    mut each: impl FnMut(&str),
) -> Result<(), CliError> {
    use std::io::Read;
    let mut child = command(env, args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(CliError::Spawn)?;
    let mut stdout = child.stdout.take().expect("stdout was asked for as a pipe");
    let mut stderr = child.stderr.take().expect("stderr was asked for as a pipe");
    let streamed = std::thread::scope(|scope| {
        // Drained on its own: a git that fills the stderr pipe would otherwise wait for us
        // while we wait for its stdout.
        let errors = std::thread::Builder::new().spawn_scoped(scope, move || {
            let mut bytes = Vec::new();
            stderr.read_to_end(&mut bytes).map(|_| bytes)
        });
        let Ok(errors) = errors else {
            return None;
        };
        // `buf[..filled]` is what was read and not yet handed on: part of a line.
        let mut buf = vec![0u8; STREAM_READ];
        let mut filled = 0;
        let read = loop {
            if filled == buf.len() {
                buf.resize(buf.len() * 2, 0); // a line longer than the buffer
            }
            match stdout.read(&mut buf[filled..]) {
                Ok(0) => {
                    if filled > 0 {
                        each(&lossy(&buf[..filled]));
                    }
                    break Ok(());
                }
                Ok(n) => {
                    let newline = buf[filled..filled + n].iter().rposition(|&b| b == b'\n');
                    filled += n;
                    if let Some(i) = newline {
                        let end = filled - n + i + 1;
                        each(&lossy(&buf[..end]));
                        buf.copy_within(end..filled, 0);
                        filled -= end;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        drop(stdout);
        let stderr = errors
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        Some((read, stderr))
    });
    let Some((read, stderr)) = streamed else {
        // No thread to drain stderr with: this git is stopped and the output read whole.
        let _ = child.kill();
        let _ = child.wait();
        let whole = run(env, args)?;
        if !whole.is_empty() {
            each(&whole);
        }
        return Ok(());
    };
    // As `Command::output` does: every stream read to its end, then the exit status.
    let status = child.wait();
    let stderr = stderr.map_err(CliError::Spawn)?;
    read.map_err(CliError::Spawn)?;
    if !status.map_err(CliError::Spawn)?.success() {
        return Err(failed(args, &stderr));
    }
    Ok(())
}

/// `bytes` as text, as [`String::from_utf8_lossy`] gives it: checked whole first, which is
/// several times faster for valid UTF-8 (a 46,505-line patch is read in 128 KiB pieces).
fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// git with the hook's environment, in the current directory.
fn command(env: &Environment, args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.args(args);
    if let Some(cwd) = &env.cwd {
        cmd.current_dir(cwd);
    }
    // Given explicitly rather than inherited: the child sees the same absolute work tree that
    // libgit2 is given, and the process environment stays untouched.
    if let Some(wt) = explicit_work_tree(env) {
        cmd.env("GIT_WORK_TREE", wt);
    }
    cmd
}

/// A failed git's error: its arguments and the first line of its stderr.
fn failed(args: &[&str], stderr: &[u8]) -> CliError {
    CliError::Failed {
        args: args.join(" "),
        stderr: String::from_utf8_lossy(stderr)
            .lines()
            .next()
            .unwrap_or("")
            .to_string(),
    }
}

/// `GIT_WORK_TREE` as git means it: a relative one is relative to the current directory.
/// `None` when it is unset, or relative with no current directory to resolve it against.
pub(crate) fn explicit_work_tree(env: &Environment) -> Option<PathBuf> {
    let wt = env.git_work_tree.as_deref()?;
    if wt.is_absolute() {
        return Some(wt.to_path_buf());
    }
    env.cwd.as_deref().map(|cwd| cwd.join(wt))
}

/// The top of the work tree as git itself sees it (`git rev-parse --show-toplevel`), for
/// repositories libgit2 cannot open; `None` outside a work tree.
pub fn work_tree(env: &Environment) -> Option<PathBuf> {
    run(env, &["rev-parse", "--show-toplevel"])
        .ok()
        .map(|s| PathBuf::from(s.trim_end_matches('\n')))
        .filter(|p| !p.as_os_str().is_empty())
}

/// git's settings that decide how the message file may be written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageSettings {
    /// `core.commentString` / `core.commentChar`, the last one set; `None` when unset.
    pub comment: Option<String>,
    /// `commit.cleanup`, lowercased; `None` when unset.
    pub cleanup: Option<String>,
}

/// Reads the comment prefix and cleanup mode with git itself, so that precedence between
/// `core.commentChar` and `core.commentString` (the last one read wins) is exactly git's.
pub fn message_settings(env: &Environment) -> MessageSettings {
    let pattern = r"^(core\.comment(char|string)|commit\.cleanup)$";
    match run(env, &["config", "-z", "--get-regexp", pattern]) {
        Ok(out) => parse_message_settings(&out),
        Err(_) => MessageSettings::default(),
    }
}

fn parse_message_settings(out: &str) -> MessageSettings {
    let mut settings = MessageSettings::default();
    for entry in out.split('\0') {
        let (key, value) = entry.split_once('\n').unwrap_or((entry, ""));
        match key {
            "core.commentchar" | "core.commentstring" => settings.comment = Some(value.into()),
            "commit.cleanup" => settings.cleanup = Some(value.to_ascii_lowercase()),
            _ => {}
        }
    }
    settings
}

/// Path of the directory holding this repository's hooks, as git resolves it
/// (`core.hooksPath` included).
pub fn hooks_dir(env: &Environment) -> Result<PathBuf, CliError> {
    let out = run(
        env,
        &["rev-parse", "--path-format=absolute", "--git-path", "hooks"],
    )?;
    Ok(PathBuf::from(out.trim_end_matches('\n')))
}

/// Which git configuration file a setting is read from or written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `--global`: the user's own file.
    Global,
    /// `--local`: this repository's `.git/config`.
    Local,
    /// Every file, as git resolves the value.
    Effective,
}

impl Scope {
    fn flag(self) -> Option<&'static str> {
        match self {
            Scope::Global => Some("--global"),
            Scope::Local => Some("--local"),
            Scope::Effective => None,
        }
    }
}

/// A configuration value as written (no path expansion), `None` when it is not set.
pub fn config_get(env: &Environment, scope: Scope, key: &str) -> Result<Option<String>, CliError> {
    let mut args = vec!["config"];
    args.extend(scope.flag());
    args.extend(["--get", key]);
    match run(env, &args) {
        Ok(out) => Ok(Some(out.trim_end_matches('\n').to_string())),
        // `git config --get` exits 1 with empty stderr when the key is not set.
        Err(CliError::Failed { stderr, .. }) if stderr.is_empty() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Sets (`Some`) or removes (`None`) a configuration value.
pub fn config_set(
    env: &Environment,
    scope: Scope,
    key: &str,
    value: Option<&str>,
) -> Result<(), CliError> {
    let mut args = vec!["config"];
    args.extend(scope.flag());
    match value {
        Some(v) => args.extend([key, v]),
        None => args.extend(["--unset-all", key]),
    }
    match run(env, &args) {
        Ok(_) => Ok(()),
        // Removing a key that is not there (exit 5) leaves what we wanted.
        Err(CliError::Failed { stderr, .. }) if value.is_none() && stderr.is_empty() => Ok(()),
        Err(e) => Err(e),
    }
}

/// The scope git names for a configuration value (`--show-scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigScope {
    /// The system file (`/etc/gitconfig`, `GIT_CONFIG_SYSTEM`) and what it includes.
    System,
    /// The user's file and what it includes.
    Global,
    /// The repository's `.git/config` and what it includes.
    Local,
    /// A worktree's own `config.worktree`.
    Worktree,
    /// `git -c`, `GIT_CONFIG_PARAMETERS`, `GIT_CONFIG_COUNT`, or a file given with `--file`.
    Command,
    /// Anything newer.
    Other,
}

impl ConfigScope {
    fn parse(text: &str) -> ConfigScope {
        match text {
            "system" => ConfigScope::System,
            "global" => ConfigScope::Global,
            "local" => ConfigScope::Local,
            "worktree" => ConfigScope::Worktree,
            "command" => ConfigScope::Command,
            _ => ConfigScope::Other,
        }
    }

    /// Whether every repository reads values of this scope (the system and global files).
    pub fn is_every_repository(self) -> bool {
        matches!(self, ConfigScope::System | ConfigScope::Global)
    }

    /// Whether the values of this scope are the repository's own (`.git/config`, a worktree's).
    pub fn is_repository(self) -> bool {
        matches!(self, ConfigScope::Local | ConfigScope::Worktree)
    }
}

/// One value of a setting as git reads it, and where from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigValue {
    /// The value as written (no path expansion).
    pub value: String,
    /// The scope git names.
    pub scope: ConfigScope,
    /// The file it is in (an included file names itself), or git's word for a non-file origin
    /// such as `command line:`.
    pub origin: String,
}

impl ConfigValue {
    /// The file the value is in, when it is in one.
    pub fn file(&self) -> Option<&Path> {
        self.origin.strip_prefix("file:").map(Path::new)
    }

    /// Where it was set, for a person: the file, or git's word for the origin.
    pub fn place(&self) -> &str {
        self.origin.strip_prefix("file:").unwrap_or(&self.origin)
    }
}

/// Every value of `key` that git reads here, in the order it reads them, so the last one is
/// the one in effect: every scope, the files they include, and the conditional includes that
/// match here (`git config --show-origin --show-scope --get-all`).
pub fn config_values(env: &Environment, key: &str) -> Result<Vec<ConfigValue>, CliError> {
    values_of(env, &[], key)
}

/// The values of `key` in `file` and the files it includes.
pub fn file_values(
    env: &Environment,
    file: &Path,
    key: &str,
) -> Result<Vec<ConfigValue>, CliError> {
    let file = file.to_string_lossy();
    values_of(env, &["--includes", "--file", &file], key)
}

/// `git config --show-origin --show-scope [where...] --get-all key`, read.
fn values_of(env: &Environment, place: &[&str], key: &str) -> Result<Vec<ConfigValue>, CliError> {
    let mut args = vec!["config", "-z", "--show-origin", "--show-scope"];
    args.extend_from_slice(place);
    args.extend(["--get-all", key]);
    let out = run_config_query(env, &args)?;
    Ok(parse_values(&out, false)
        .into_iter()
        .map(|(v, _)| v)
        .collect())
}

/// Every setting whose name matches `pattern` (a regular expression on the lowercased name)
/// that git reads here, as (name, value), in git's order.
pub fn config_matching(
    env: &Environment,
    pattern: &str,
) -> Result<Vec<(String, ConfigValue)>, CliError> {
    let out = run_config_query(
        env,
        &[
            "config",
            "-z",
            "--show-origin",
            "--show-scope",
            "--get-regexp",
            pattern,
        ],
    )?;
    Ok(parse_values(&out, true)
        .into_iter()
        .map(|(v, name)| (name, v))
        .collect())
}

/// A `git config` query; nothing found (exit 1, no message) is empty output.
fn run_config_query(env: &Environment, args: &[&str]) -> Result<String, CliError> {
    match run(env, args) {
        Ok(out) => Ok(out),
        Err(CliError::Failed { stderr, .. }) if stderr.is_empty() => Ok(String::new()),
        Err(e) => Err(e),
    }
}

/// `scope NUL origin NUL [name LF] value NUL`, repeated: git's `-z` output with
/// `--show-scope --show-origin`; `with_names` for `--get-regexp`.
fn parse_values(out: &str, with_names: bool) -> Vec<(ConfigValue, String)> {
    let mut fields = out.split('\0');
    let mut values = Vec::new();
    while let (Some(scope), Some(origin), Some(rest)) =
        (fields.next(), fields.next(), fields.next())
    {
        let (name, value) = if with_names {
            rest.split_once('\n').unwrap_or((rest, ""))
        } else {
            ("", rest)
        };
        values.push((
            ConfigValue {
                value: value.to_string(),
                scope: ConfigScope::parse(scope),
                origin: origin.to_string(),
            },
            name.to_string(),
        ));
    }
    values
}

/// Adds a value to a scope's file after the ones it has (`git config --add`).
pub fn config_add(env: &Environment, scope: Scope, key: &str, value: &str) -> Result<(), CliError> {
    let mut args = vec!["config"];
    args.extend(scope.flag());
    args.extend(["--add", key, value]);
    run(env, &args).map(|_| ())
}

/// Removes every value of `key` that is exactly `value` from a scope's own file, leaving the
/// key's other values; true when one was there.
pub fn config_remove_value(
    env: &Environment,
    scope: Scope,
    key: &str,
    value: &str,
) -> Result<bool, CliError> {
    let mut args = vec!["config"];
    args.extend(scope.flag());
    args.extend(["--fixed-value", "--unset-all", key, value]);
    match run(env, &args) {
        Ok(_) => Ok(true),
        // Exit 5 with no message: no such value in that file.
        Err(CliError::Failed { stderr, .. }) if stderr.is_empty() => Ok(false),
        Err(e) => Err(e),
    }
}

/// The repository's common git directory (shared by its worktrees), absolute.
pub fn common_dir(env: &Environment) -> Result<PathBuf, CliError> {
    let out = run(
        env,
        &["rev-parse", "--path-format=absolute", "--git-common-dir"],
    )?;
    Ok(PathBuf::from(out.trim_end_matches('\n')))
}

/// Whether the repository here is bare (`git rev-parse --is-bare-repository`).
pub fn is_bare(env: &Environment) -> bool {
    run(env, &["rev-parse", "--is-bare-repository"]).is_ok_and(|out| out.trim() == "true")
}

/// git's version as (major, minor), when `git version` can be read.
pub fn version(env: &Environment) -> Option<(u32, u32)> {
    let out = run(env, &["version"]).ok()?;
    parse_version(&out)
}

fn parse_version(out: &str) -> Option<(u32, u32)> {
    let number = out.split_whitespace().nth(2)?;
    let mut parts = number.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A blob holding `bytes` in a new repository; the repository's git dir and the blob id.
    fn blob(dir: &Path, bytes: &[u8]) -> (String, String) {
        let git = |args: &[&str]| {
            let out = Command::new("git")
                .args(args)
                .current_dir(dir)
                .env_remove("GIT_DIR")
                .env_remove("GIT_INDEX_FILE")
                .env_remove("GIT_WORK_TREE")
                .output()
                .unwrap();
            assert!(out.status.success(), "git {args:?}");
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        };
        git(&["init", "-q", "."]);
        std::fs::write(dir.join("blob"), bytes).unwrap();
        let id = git(&["hash-object", "-w", "blob"]);
        (dir.join(".git").to_string_lossy().into_owned(), id)
    }

    #[test]
    fn streamed_output_is_the_output_in_pieces() {
        let mut long_line = "é".repeat(STREAM_READ);
        long_line.push('\n');
        let mut big = Vec::new();
        for i in 0..20_000 {
            big.extend_from_slice(format!("+line {i} é\r\n").as_bytes());
            if i % 997 == 0 {
                big.extend_from_slice(b"bad \xff\xfe \xe2\x82\n"); // invalid, cut short
            }
        }
        let cases: [&[u8]; 6] = [
            b"",
            b"one line, no newline",
            b"a\r\nb\n\nc",
            b"\xe2\x82\xac\xe2\x82",
            long_line.as_bytes(),
            &big,
        ];
        for bytes in cases {
            let tmp = tempfile::tempdir().unwrap();
            let (git_dir, id) = blob(tmp.path(), bytes);
            let env = Environment {
                cwd: Some(tmp.path().to_path_buf()),
                ..Environment::default()
            };
            let args = ["--git-dir", &git_dir, "cat-file", "blob", &id];
            let whole = run(&env, &args).unwrap();
            let mut pieces = Vec::new();
            run_streaming(&env, &args, |piece| pieces.push(piece.to_string())).unwrap();
            assert_eq!(pieces.concat(), whole);
            if let Some((last, rest)) = pieces.split_last() {
                assert!(
                    rest.iter().all(|p| p.ends_with('\n')),
                    "pieces end at newlines"
                );
                assert!(!last.is_empty(), "no empty piece");
            }
        }
    }

    #[test]
    fn a_failed_stream_fails_as_a_run_does() {
        let tmp = tempfile::tempdir().unwrap();
        let (git_dir, _) = blob(tmp.path(), b"x\n");
        let env = Environment {
            cwd: Some(tmp.path().to_path_buf()),
            ..Environment::default()
        };
        let missing = "0123456789012345678901234567890123456789";
        let args = ["--git-dir", &git_dir, "cat-file", "blob", missing];
        let whole = run(&env, &args).unwrap_err().to_string();
        let streamed = run_streaming(&env, &args, |_| {}).unwrap_err().to_string();
        assert!(whole.contains("cat-file"), "{whole}");
        assert_eq!(streamed, whole);
    }

    #[test]
    fn git_versions_are_read() {
        assert_eq!(parse_version("git version 2.47.3\n"), Some((2, 47)));
        assert_eq!(parse_version("git version 2.54.0.windows.1"), Some((2, 54)));
        assert_eq!(parse_version("nonsense"), None);
    }

    #[test]
    fn config_values_are_read_with_scope_and_origin() {
        let out = "global\0file:/h/team.inc\0/team/hooks\0command\0command line:\0/x\0";
        let values = parse_values(out, false);
        assert_eq!(values.len(), 2);
        assert_eq!(values[0].0.scope, ConfigScope::Global);
        assert_eq!(values[0].0.file(), Some(Path::new("/h/team.inc")));
        assert_eq!(values[0].0.value, "/team/hooks");
        assert_eq!(values[1].0.scope, ConfigScope::Command);
        assert_eq!(values[1].0.place(), "command line:");
        let named = parse_values(
            "global\0file:/h/.gitconfig\0includeif.gitdir:~/w/.path\n~/w.inc\0",
            true,
        );
        assert_eq!(named[0].1, "includeif.gitdir:~/w/.path");
        assert_eq!(named[0].0.value, "~/w.inc");
        assert!(parse_values("", false).is_empty());
    }

    #[test]
    fn last_comment_setting_wins() {
        let out = "core.commentchar\n;\0core.commentstring\n//\0commit.cleanup\nScissors\0";
        let s = parse_message_settings(out);
        assert_eq!(s.comment.as_deref(), Some("//"));
        assert_eq!(s.cleanup.as_deref(), Some("scissors"));
        let s = parse_message_settings("core.commentstring\n//\0core.commentchar\nauto\0");
        assert_eq!(s.comment.as_deref(), Some("auto"));
    }
}
