//! The staged changes as owned data, and the work tree they belong to: read with libgit2, with
//! `git diff --cached` where libgit2 cannot read the repository or is slower. The only module
//! that uses git2.

use std::path::{Path, PathBuf};

use git2::{
    AttrCheckFlags, AttrValue, Delta, DiffFindOptions, DiffOptions, ErrorCode, FileMode, Patch,
    Repository, Sort,
};

use crate::diff::{FileChange, Hunk, PatchParser, Status};
use crate::env::Environment;
use crate::git_cli::{self, explicit_work_tree, CliError};
use crate::style::{self, Past};

/// Files larger than this are summarised as binary instead of being diffed line by line.
const MAX_DIFFED_FILE: i64 = 16 << 20;
/// Beyond this many candidates, rename detection is skipped: it is quadratic.
const RENAME_LIMIT: usize = 1000;
/// Exact renames compare object ids only: cheap enough for a very large move.
const EXACT_RENAME_LIMIT: usize = 50_000;

/// Reading the staged changes failed.
#[derive(Debug, thiserror::Error)]
pub enum StagedError {
    /// Neither libgit2 nor the git CLI found a repository here.
    #[error("not inside a git repository")]
    NotARepository,
    /// libgit2 failed and so did `git diff --cached`.
    #[error(
        "could not read the staged changes (libgit2: {libgit2}); `git diff --cached` failed too"
    )]
    Diff {
        /// Why libgit2 did not read them.
        libgit2: String,
        /// Why the git CLI fallback failed.
        #[source]
        cli: CliError,
    },
    /// The commit asked for (`--rev`) is not one libgit2 can read.
    #[error("cannot read commit {rev}: {message}")]
    Rev {
        /// The revision as given.
        rev: String,
        /// What libgit2 said.
        message: String,
    },
    /// The index is large enough to be diffed by git rather than libgit2, and
    /// `git diff --cached` failed.
    #[error("could not read the staged changes of a large index: `git diff --cached` failed")]
    LargeIndexDiff(#[source] CliError),
}

/// Why libgit2 did not read the staged changes, so that `git diff --cached` does.
#[derive(Debug, thiserror::Error)]
enum Unread {
    /// libgit2 failed.
    #[error("{}", .0.message())]
    Git(#[from] git2::Error),
    /// A `.gitattributes` on a changed path is a link or not a file: libgit2 would follow it
    /// and block on a FIFO (a repository can commit such a link), where git does not follow it.
    #[error("{} is not a regular file", .0.display())]
    Attributes(PathBuf),
}

/// Which tree the index is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// `HEAD` (or the empty tree on an unborn branch): a new commit.
    Head,
    /// `HEAD^` (or the empty tree for a root commit): `--amend` replaces HEAD.
    HeadParent,
}

/// The staged changes and where they were read.
#[derive(Debug)]
pub struct Staged {
    /// The changed files.
    pub files: Vec<FileChange>,
    /// Top of the work tree, where the repository's config file lives; `None` when bare.
    pub work_tree: Option<PathBuf>,
    /// Set when libgit2 could not read the repository and `git diff --cached` was used.
    pub via_cli: Option<String>,
    /// The most recent non-merge commits on the first-parent line, newest first.
    pub history: Vec<Past>,
    /// The branch being committed to (`main`, `feature/ABC-12`); `None` when detached.
    pub branch: Option<String>,
}

/// Reads the staged changes of the repository the environment points at, exactly as git will
/// commit them (GIT_INDEX_FILE is honoured: `git commit -a` and `git commit <paths>` use
/// temporary indexes).
pub fn staged_changes(env: &Environment, base: Base) -> Result<Staged, StagedError> {
    let libgit2_error = match open(env) {
        Ok(repo) if is_large(env, &repo) => {
            // git diffs a large index against HEAD through its cache-tree, skipping every
            // unchanged directory; libgit2 reads the whole tree (40 ms for 50,000 files against
            // git's 7). The rest still comes from libgit2.
            let files = read_with_cli(env, base).map_err(StagedError::LargeIndexDiff)?;
            return Ok(Staged {
                files,
                work_tree: repo.workdir().map(Path::to_path_buf),
                via_cli: Some("a large index is diffed faster by git".into()),
                history: history_with_libgit2(&repo).unwrap_or_default(),
                branch: branch_of(&repo),
            });
        }
        Ok(repo) => match read_with_libgit2(&repo, base) {
            Ok(files) => {
                return Ok(Staged {
                    files,
                    work_tree: repo.workdir().map(Path::to_path_buf),
                    via_cli: None,
                    history: history_with_libgit2(&repo).unwrap_or_default(),
                    branch: branch_of(&repo),
                })
            }
            Err(e) => e.to_string(),
        },
        Err(e) if e.code() == ErrorCode::NotFound => {
            // libgit2 may also fail to *find* repositories it cannot read (reftable).
            if git_cli::run(env, &["rev-parse", "--git-dir"]).is_err() {
                return Err(StagedError::NotARepository);
            }
            e.message().to_string()
        }
        Err(e) => e.message().to_string(),
    };
    let via_cli = Some(libgit2_error.clone());
    let work_tree = git_cli::work_tree(env);
    match read_with_cli(env, base) {
        Ok(files) => Ok(Staged {
            files,
            work_tree,
            via_cli,
            history: history_with_cli(env),
            branch: git_cli::run(env, &["symbolic-ref", "--short", "-q", "HEAD"])
                .ok()
                .map(|b| b.trim_end().to_string())
                .filter(|b| !b.is_empty()),
        }),
        Err(cli) => Err(StagedError::Diff {
            libgit2: libgit2_error,
            cli,
        }),
    }
}

/// More index entries than libgit2 diffs against a tree as fast as git does.
const LARGE_INDEX: usize = 20_000;

/// Whether the index is large enough that `git diff --cached` beats libgit2. Read from the
/// index file's header: loading 50,000 entries into libgit2 alone costs more than git's diff.
fn is_large(env: &Environment, repo: &Repository) -> bool {
    use std::io::Read;
    let path = match (&env.git_index_file, &env.cwd) {
        (Some(file), Some(cwd)) => cwd.join(file),
        (Some(file), None) => file.clone(),
        (None, _) => repo.path().join("index"),
    };
    let mut header = [0u8; 12];
    let read = std::fs::File::open(&path).and_then(|mut f| f.read_exact(&mut header));
    if read.is_err() || &header[..4] != b"DIRC" {
        return false;
    }
    let entries = u32::from_be_bytes([header[8], header[9], header[10], header[11]]);
    entries as usize > LARGE_INDEX
}

/// Opens the repository the environment points at, as git would see it.
///
/// git exports `GIT_WORK_TREE=.` to hooks when the user set one; libgit2 resolves a relative
/// work tree against the git dir, not the current directory, so the work tree it found is
/// replaced with the one git means. The process environment is left as it is.
fn open(env: &Environment) -> Result<Repository, git2::Error> {
    // Reading a blob, libgit2 hashes it again to check its id (with SHA-1 collision detection:
    // a quarter of the hook's instructions for a 46,505-line insertion). git itself does not
    // on every read, and a wrong id here only misdescribes a change, so the check is off.
    git2::opts::strict_hash_verification(false);
    let repo = Repository::open_from_env()?;
    let relative = env.git_work_tree.as_deref().is_some_and(Path::is_relative);
    // libgit2 reads GIT_WORK_TREE only for a repository that is neither bare nor a linked
    // worktree (that one has its own link); where it ignored the variable, so does this.
    if relative && repo.workdir().is_some() && !repo.is_worktree() {
        if let Some(wt) = explicit_work_tree(env) {
            repo.set_workdir(&wt, false)?;
        }
    }
    Ok(repo)
}

fn base_tree(repo: &Repository, base: Base) -> Result<Option<git2::Tree<'_>>, git2::Error> {
    let head = match repo.head() {
        Ok(head) => head.peel_to_commit()?,
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
            return Ok(None)
        }
        Err(e) => return Err(e),
    };
    match base {
        Base::Head => head.tree().map(Some),
        Base::HeadParent => match head.parent(0) {
            Ok(parent) => parent.tree().map(Some),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e),
        },
    }
}

/// The branch HEAD names, unborn or not; `None` when HEAD is detached.
fn branch_of(repo: &Repository) -> Option<String> {
    let head = repo.find_reference("HEAD").ok()?;
    let target = head.symbolic_target().ok()??;
    target.strip_prefix("refs/heads/").map(str::to_string)
}

/// The whole messages of the `n` most recent first-parent commits, newest first (for where
/// they put ticket references).
pub fn recent_messages(env: &Environment, n: usize) -> Vec<String> {
    let from_libgit2 = open(env).ok().and_then(|repo| {
        let mut walk = repo.revwalk().ok()?;
        walk.push_head().ok()?;
        walk.simplify_first_parent().ok()?;
        let messages = walk
            .take(n)
            .filter_map(|id| repo.find_commit(id.ok()?).ok())
            .filter_map(|c| c.message().ok().map(str::to_string))
            .collect();
        Some(messages)
    });
    from_libgit2.unwrap_or_else(|| {
        let count = format!("-{n}");
        git_cli::run(env, &["log", &count, "--first-parent", "--format=%B%x1e"])
            .map(|out| {
                out.split('\x1e')
                    .map(|m| m.trim_matches('\n').to_string())
                    .filter(|m| !m.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The repository's recent commits, newest first, for its style; none outside a repository.
pub fn history(env: &Environment) -> Vec<Past> {
    match open(env) {
        Ok(repo) => history_with_libgit2(&repo).unwrap_or_default(),
        Err(_) => history_with_cli(env),
    }
}

/// How many first-parent non-merge commits are read: the style's window and what it may skip.
const HISTORY: usize = style::WINDOW + style::MAX_SKIP;

fn history_with_libgit2(repo: &Repository) -> Result<Vec<Past>, git2::Error> {
    history_from(repo, None)
}

/// The history from `start` (HEAD when `None`) back.
fn history_from(repo: &Repository, start: Option<git2::Oid>) -> Result<Vec<Past>, git2::Error> {
    let mut walk = repo.revwalk()?;
    let pushed = match start {
        Some(id) => walk.push(id),
        None => walk.push_head(),
    };
    if pushed.is_err() {
        return Ok(Vec::new()); // unborn branch
    }
    walk.simplify_first_parent()?;
    walk.set_sorting(Sort::NONE)?;
    let mut out = Vec::new();
    for id in walk.take(HISTORY * 2) {
        let commit = repo.find_commit(id?)?;
        if commit.parent_count() > 1 {
            continue;
        }
        if let Ok(Some(s)) = commit.summary() {
            out.push(Past {
                id: commit.id().to_string(),
                subject: s.to_string(),
                body: commit
                    .body()
                    .ok()
                    .flatten()
                    .is_some_and(|b| !b.trim().is_empty()),
            });
        }
        if out.len() == HISTORY {
            break;
        }
    }
    Ok(out)
}

fn history_with_cli(env: &Environment) -> Vec<Past> {
    let n = format!("-{HISTORY}");
    git_cli::run(
        env,
        &[
            "log",
            &n,
            "--no-merges",
            "--first-parent",
            "--format=%H%x1f%s%x1f%b%x1e",
        ],
    )
    .map(|out| {
        out.split('\x1e')
            .filter_map(|record| {
                let mut parts = record.trim_start_matches('\n').splitn(3, '\x1f');
                let id = parts.next()?.to_string();
                let subject = parts.next()?.to_string();
                let body = parts.next().is_some_and(|b| !b.trim().is_empty());
                Some(Past { id, subject, body })
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Which attributes files could apply to `paths`: a `.gitattributes` in one of their
/// directories (or the top), `info/attributes`, or `core.attributesFile`. An attribute lookup
/// costs libgit2 a dozen system calls per path, so a repository without any (most of them)
/// skips them all; one whose `.gitattributes` is a link or a FIFO is read by git instead.
fn attributes_on(repo: &Repository, paths: &[String]) -> Attributes {
    let mut found = repo.path().join("info/attributes").exists()
        || repo
            .config()
            .and_then(|c| c.get_string("core.attributesFile"))
            .is_ok();
    let Some(top) = repo.workdir() else {
        return if found {
            Attributes::Some
        } else {
            Attributes::None
        };
    };
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        let mut dir = Path::new(path.as_str()).parent();
        while let Some(d) = dir {
            if !seen.insert(d.to_path_buf()) {
                break;
            }
            let file = top.join(d).join(".gitattributes");
            // Not followed: git reads a `.gitattributes` only when it is a file itself.
            match std::fs::symlink_metadata(&file) {
                Ok(meta) if meta.is_file() => found = true,
                Ok(_) => return Attributes::Irregular(file),
                Err(_) => {}
            }
            dir = d.parent();
        }
    }
    if found {
        Attributes::Some
    } else {
        Attributes::None
    }
}

/// What attributes files could apply to the changed paths.
enum Attributes {
    /// None: no attribute lookups are needed.
    None,
    /// Some regular files.
    Some,
    /// A `.gitattributes` that is a link or not a file at all.
    Irregular(PathBuf),
}

/// Whether `.gitattributes` marks the path `linguist-generated`.
fn is_generated(repo: &Repository, path: &str) -> bool {
    let flags = AttrCheckFlags::FILE_THEN_INDEX;
    match repo.get_attr(Path::new(path), "linguist-generated", flags) {
        Ok(value) => matches!(
            AttrValue::from_string(value),
            AttrValue::True | AttrValue::String("true" | "1")
        ),
        Err(_) => false,
    }
}

fn read_with_libgit2(repo: &Repository, base: Base) -> Result<Vec<FileChange>, Unread> {
    let index = repo.index()?;
    let tree = base_tree(repo, base)?;
    let diff = repo.diff_tree_to_index(tree.as_ref(), Some(&index), Some(&mut diff_options()))?;
    files_of(repo, diff)
}

fn diff_options() -> DiffOptions {
    let mut opts = DiffOptions::new();
    opts.include_typechange(true)
        .context_lines(3)
        .max_size(MAX_DIFFED_FILE);
    opts
}

/// The changes of an existing commit (`--rev`): its tree against its first parent's (the empty
/// tree for a root commit), with the history before it for the style.
pub fn commit_changes(env: &Environment, rev: &str) -> Result<Staged, StagedError> {
    let failed = |e: &dyn std::fmt::Display| StagedError::Rev {
        rev: rev.to_string(),
        message: e.to_string(),
    };
    let repo = open(env).map_err(|e| match e.code() {
        ErrorCode::NotFound => StagedError::NotARepository,
        _ => failed(&e.message()),
    })?;
    let commit = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| failed(&e.message()))?;
    let parent = commit.parent(0).ok();
    let read = || -> Result<Vec<FileChange>, Unread> {
        let old = parent.as_ref().map(|p| p.tree()).transpose()?;
        let new = commit.tree()?;
        let diff = repo.diff_tree_to_tree(old.as_ref(), Some(&new), Some(&mut diff_options()))?;
        files_of(&repo, diff)
    };
    let files = read().map_err(|e| failed(&e))?;
    Ok(Staged {
        files,
        work_tree: repo.workdir().map(Path::to_path_buf),
        via_cli: None,
        history: parent
            .map(|p| history_from(&repo, Some(p.id())).unwrap_or_default())
            .unwrap_or_default(),
        branch: branch_of(&repo),
    })
}

/// How many paths of an earlier commit are read at most.
const MAX_EARLIER_PATHS: usize = 200;

/// The paths each of the commits `ids` changed against its first parent, by name only (no
/// blob is read), at most [`MAX_EARLIER_PATHS`] each; none for a commit libgit2 cannot read.
pub fn changed_paths(env: &Environment, ids: &[&str]) -> Vec<Vec<String>> {
    let Ok(repo) = open(env) else {
        return vec![Vec::new(); ids.len()];
    };
    let paths_of = |id: &str| -> Result<Vec<String>, git2::Error> {
        let commit = repo.find_commit(git2::Oid::from_str(id)?)?;
        let old = commit.parent(0).ok().map(|p| p.tree()).transpose()?;
        let diff = repo.diff_tree_to_tree(old.as_ref(), Some(&commit.tree()?), None)?;
        Ok(diff
            .deltas()
            .take(MAX_EARLIER_PATHS)
            .filter_map(|d| d.new_file().path().or_else(|| d.old_file().path()))
            .map(|p| p.to_string_lossy().into_owned())
            .collect())
    };
    ids.iter()
        .map(|id| paths_of(id).unwrap_or_default())
        .collect()
}

/// A diff's files as owned data, renames found, content read as git would show it.
fn files_of(repo: &Repository, mut diff: git2::Diff<'_>) -> Result<Vec<FileChange>, Unread> {
    let mut find = DiffFindOptions::new();
    find.renames(true).rename_limit(RENAME_LIMIT);
    if diff.deltas().len() > RENAME_LIMIT {
        // Too many for similarity: still find exact renames (a moved directory), which only
        // compare object ids, as git does past its own limit.
        find.exact_match_only(true).rename_limit(EXACT_RENAME_LIMIT);
    }
    diff.find_similar(Some(&mut find))?;

    let paths: Vec<String> = diff
        .deltas()
        .flat_map(|d| [d.old_file().path(), d.new_file().path()])
        .flatten()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let attributes = match attributes_on(repo, &paths) {
        Attributes::None => false,
        Attributes::Some => true,
        Attributes::Irregular(path) => return Err(Unread::Attributes(path)),
    };
    let mut files = Vec::with_capacity(diff.deltas().len());
    for (i, delta) in diff.deltas().enumerate() {
        let status = match delta.status() {
            Delta::Added => Status::Added,
            Delta::Deleted => Status::Deleted,
            Delta::Renamed => Status::Renamed,
            Delta::Copied => Status::Copied,
            Delta::Typechange => Status::TypeChanged,
            _ => Status::Modified,
        };
        let path_of = |f: git2::DiffFile<'_>| {
            f.path()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let (old_path, new_path) = (path_of(delta.old_file()), path_of(delta.new_file()));
        let mut change = FileChange::new(
            if status == Status::Deleted {
                old_path.clone()
            } else {
                new_path.clone()
            },
            status,
        );
        if matches!(status, Status::Renamed | Status::Copied) && old_path != new_path {
            change.old_path = Some(old_path);
        }
        change.generated = attributes && is_generated(repo, &change.path);
        let (old_mode, new_mode) = (delta.old_file().mode(), delta.new_file().mode());
        if old_mode == FileMode::Commit || new_mode == FileMode::Commit {
            change.submodule = Some((
                delta.old_file().id().to_string(),
                delta.new_file().id().to_string(),
            ));
            files.push(change);
            continue;
        }
        if status == Status::Modified && old_mode != new_mode {
            change.mode_change = Some((u32::from(old_mode) & 0o177777, u32::from(new_mode)));
        }
        let patch = Patch::from_diff(&diff, i)?;
        if delta.flags().is_binary() {
            change.binary = true;
        } else if let Some(patch) = patch {
            let (_, added, removed) = patch.line_stats()?;
            change.added = added;
            change.removed = removed;
            for h in 0..patch.num_hunks() {
                let (hunk, lines) = patch.hunk(h)?;
                let mut body = String::new();
                for l in 0..lines {
                    let line = patch.line_in_hunk(h, l)?;
                    let origin = line.origin();
                    if !matches!(origin, '+' | '-' | ' ') {
                        continue; // end-of-file newline markers
                    }
                    body.push(origin);
                    body.push_str(&String::from_utf8_lossy(line.content()));
                    if !body.ends_with('\n') {
                        body.push('\n');
                    }
                }
                change.hunks.push(Hunk {
                    header: String::from_utf8_lossy(hunk.header())
                        .trim_end()
                        .to_string(),
                    body,
                });
            }
        }
        files.push(change);
    }
    Ok(files)
}

fn read_with_cli(env: &Environment, base: Base) -> Result<Vec<FileChange>, CliError> {
    let mut args = vec![
        "-c",
        "core.quotePath=false",
        "diff",
        "--cached",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--find-renames",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--submodule=short",
        // The `index` lines are not read: whole ids spare git finding a short unique prefix
        // for every blob (a directory listing of the loose objects for many of them).
        "--full-index",
    ];
    if base == Base::HeadParent
        && git_cli::run(env, &["rev-parse", "--verify", "-q", "HEAD^"]).is_ok()
    {
        args.push("HEAD^");
    }
    // Parsed as git writes it: the parsing is done on our core while git diffs on another.
    let mut parser = PatchParser::default();
    git_cli::run_streaming(env, &args, |text| parser.text(text))?;
    Ok(parser.finish())
}

/// Top of the work tree of the repository the environment points at, if any.
pub fn work_tree(env: &Environment) -> Option<PathBuf> {
    match open(env) {
        Ok(repo) => repo.workdir().map(Path::to_path_buf),
        Err(_) => git_cli::work_tree(env),
    }
}
