//! The staged changes as owned data, and the work tree they belong to. The index file itself
//! says which entries differ from HEAD (see [`crate::index`]: its cache-tree skips every
//! unchanged directory) and libgit2 reads their content; where that reader does not apply
//! (renames to find, attributes, an index it does not know), libgit2's own diff, or
//! `git diff --cached` where libgit2 cannot read the repository or is slower. The only module
//! that uses git2.

use std::path::{Path, PathBuf};

use git2::{
    AttrCheckFlags, AttrValue, Delta, DiffFindOptions, DiffOptions, ErrorCode, Oid, Patch,
    Repository, Sort,
};

use crate::diff::{FileChange, Hunk, PatchParser, Status};
use crate::env::Environment;
use crate::git_cli::{self, explicit_work_tree, CliError};
use crate::style::{self, Past};
use crate::{index, untrusted};

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
        Ok(repo) => {
            let mut via_cli = None;
            let read = match read_with_index(env, &repo, base) {
                Some(files) => Ok(files),
                // git diffs a large index against HEAD through its cache-tree, skipping every
                // unchanged directory; libgit2 reads the whole tree (40 ms for 50,000 files
                // against git's 7). The rest still comes from libgit2.
                None if is_large(env, &repo) => {
                    via_cli = Some("a large index is diffed faster by git".into());
                    Ok(read_with_cli(env, base).map_err(StagedError::LargeIndexDiff)?)
                }
                None => read_with_libgit2(&repo, base),
            };
            match read {
                Ok(files) => {
                    return Ok(Staged {
                        files,
                        work_tree: repo.workdir().map(Path::to_path_buf),
                        via_cli,
                        history: history_with_libgit2(&repo).unwrap_or_default(),
                        branch: branch_of(&repo),
                    })
                }
                Err(e) => e.to_string(),
            }
        }
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
    let mut header = [0u8; 12];
    let read =
        std::fs::File::open(index_path(env, repo)).and_then(|mut f| f.read_exact(&mut header));
    if read.is_err() || &header[..4] != b"DIRC" {
        return false;
    }
    let entries = u32::from_be_bytes([header[8], header[9], header[10], header[11]]);
    entries as usize > LARGE_INDEX
}

/// The index file git commits from: `GIT_INDEX_FILE` (a temporary index for `git commit -a`
/// or `git commit <paths>`), relative to where git ran the hook, or the repository's own.
fn index_path(env: &Environment, repo: &Repository) -> PathBuf {
    match (&env.git_index_file, &env.cwd) {
        (Some(file), Some(cwd)) => cwd.join(file),
        (Some(file), None) => file.clone(),
        (None, _) => repo.path().join("index"),
    }
}

/// The largest index file read by [`read_with_index`] (some 700,000 entries); a larger one is
/// left to git.
const INDEX_LIMIT: u64 = 64 << 20;

/// The staged changes, read from the index file and its cache-tree (see [`index`]) where this
/// is exact: `None` where the index is not one [`index::parse`] knows, where libgit2 fails,
/// or where a file is both added and deleted, so that renames are to be found, which the
/// other readers do.
fn read_with_index(env: &Environment, repo: &Repository, base: Base) -> Option<Vec<FileChange>> {
    let bytes = untrusted::map(&index_path(env, repo), INDEX_LIMIT).ok()?;
    let index = index::parse(&bytes)?;
    let tree = base_tree(repo, base).ok()?;
    let mut staged = Vec::new();
    let top = tree.as_ref().map(git2::Tree::id);
    compare(repo, b"", top, &index, 0..index.len(), &mut staged).ok()?;
    let added = staged.iter().any(|s| s.old.is_none());
    let deleted = staged.iter().any(|s| s.new.is_none());
    if added && deleted {
        return None;
    }
    let paths: Vec<String> = staged.iter().map(|s| lossy(&s.path)).collect();
    // An attribute lookup makes libgit2 load the whole index (40 ms for 50,000 entries), and
    // a file diffed without one could be shown other than git shows it: where attributes
    // could apply, the other readers read the change.
    if !matches!(attributes_on(repo, &paths), Attributes::None) {
        return None;
    }
    let blob = |side: Option<(Oid, u32)>| -> Result<Option<git2::Blob<'_>>, git2::Error> {
        match side {
            Some((id, mode)) if mode != GITLINK => repo.find_blob(id).map(Some),
            _ => Ok(None),
        }
    };
    staged
        .iter()
        .zip(paths)
        .map(|(s, path)| {
            let status = match (s.old, s.new) {
                (None, _) => Status::Added,
                (_, None) => Status::Deleted,
                (Some((_, a)), Some((_, b))) if a & KIND != b & KIND => Status::TypeChanged,
                _ => Status::Modified,
            };
            let absent = (Oid::ZERO_SHA1, 0);
            let sides = Sides {
                status,
                old_path: path.clone(),
                new_path: path,
                old: s.old.unwrap_or(absent),
                new: s.new.unwrap_or(absent),
            };
            let mut change = file_change(repo, false, sides);
            if change.submodule.is_some() {
                return Ok(change);
            }
            fn content<'b>(blob: &'b Option<git2::Blob<'_>>) -> &'b [u8] {
                blob.as_ref().map_or(&[], |b| b.content())
            }
            let (old, new) = (blob(s.old)?, blob(s.new)?);
            let binary = [&old, &new]
                .iter()
                .any(|b| b.as_ref().is_some_and(|b| b.is_binary()));
            let (old, new) = (content(&old), content(&new));
            if old.len().max(new.len()) as i64 > MAX_DIFFED_FILE {
                read_content(&mut change, true, None)?;
            } else if status == Status::TypeChanged {
                // A link that became a file, or a file a link: named, not diffed.
            } else if !binary && matches!(status, Status::Added | Status::Deleted) {
                whole_file(&mut change, if status == Status::Added { new } else { old });
            } else {
                // No path: there is no attribute to look up for it.
                let patch = Patch::from_buffers(old, None, new, None, Some(&mut diff_options()))?;
                read_content(&mut change, patch.delta().flags().is_binary(), Some(&patch))?;
            }
            Ok(change)
        })
        .collect::<Result<_, git2::Error>>()
        .ok()
}

/// The object-type bits of a git mode, and a submodule's.
const KIND: u32 = 0o170000;
const GITLINK: u32 = 0o160000;

/// A path whose staged entry differs from the base tree's, each side's id and mode (`None`
/// where the path is absent).
struct Staging {
    path: Vec<u8>,
    old: Option<(Oid, u32)>,
    new: Option<(Oid, u32)>,
}

/// An index entry's id.
fn oid(id: &[u8; 20]) -> Oid {
    Oid::from_bytes(id).expect("an id of 20 bytes")
}

fn lossy(path: &[u8]) -> String {
    String::from_utf8_lossy(path).into_owned()
}

/// Compares the index entries under `prefix` (`""` or `dir/`) with the tree `tree` names, in
/// the order both share (bytewise by whole path, a directory's name followed by `/`). A
/// directory whose cache-tree entry vouches for it (as many entries, the same tree id) is
/// not looked into, nor is its tree read.
fn compare(
    repo: &Repository,
    prefix: &[u8],
    tree: Option<Oid>,
    index: &index::Index<'_>,
    entries: std::ops::Range<usize>,
    out: &mut Vec<Staging>,
) -> Result<(), git2::Error> {
    use std::cmp::Ordering;
    let dir = prefix.strip_suffix(b"/").unwrap_or(prefix);
    let vouched = tree.is_some_and(|id| {
        index
            .cached
            .get(dir)
            .is_some_and(|c| c.entries == entries.len() && c.id == id.as_bytes())
    });
    if vouched {
        return Ok(());
    }
    let tree = tree.map(|id| repo.find_tree(id)).transpose()?;
    let in_tree: Vec<git2::TreeEntry<'_>> = tree
        .as_ref()
        .map(|t| t.iter().collect())
        .unwrap_or_default();
    let (mut i, mut t) = (entries.start, 0);
    // The name entry `i` has at this level, and whether it is a directory here.
    let level = |i: usize| -> (&[u8], bool) {
        let rest = &index.path(i)[prefix.len()..];
        match rest.iter().position(|&b| b == b'/') {
            Some(k) => (&rest[..k], true),
            None => (rest, false),
        }
    };
    // A directory sorts as its name followed by `/`.
    let order = |(a, a_dir): (&[u8], bool), (b, b_dir): (&[u8], bool)| {
        let slash = |dir: bool| dir.then_some(&b'/');
        a.iter()
            .chain(slash(a_dir))
            .cmp(b.iter().chain(slash(b_dir)))
    };
    let staged = |i: usize| Staging {
        path: index.path(i).to_vec(),
        old: None,
        new: Some((oid(index.id(i)), index.mode(i))),
    };
    // The names at this level, which must come in order: every entry is looked at where
    // git's order is relied on, and an index out of order is not read here.
    let mut last: Option<(&[u8], bool)> = None;
    while i < entries.end || t < in_tree.len() {
        let from_index = (i < entries.end).then(|| level(i));
        if let Some(here) = from_index {
            if last.is_some_and(|l| order(l, here) != Ordering::Less) || here.0.is_empty() {
                return Err(git2::Error::from_str("the index is not in git's order"));
            }
        }
        let from_tree = in_tree
            .get(t)
            .map(|e| (e.name_bytes(), e.kind() == Some(git2::ObjectType::Tree)));
        let side = match (from_index, from_tree) {
            (Some(a), Some(b)) => order(a, b),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        // The end of the entries under the index's name at this level: those that begin with
        // `name/`, all sorted before `name0` (`0` follows `/`), found by bisection.
        let end = |(name, dir): (&[u8], bool)| -> usize {
            if !dir {
                return i + 1;
            }
            let after = [prefix, name, b"0"].concat();
            let (mut low, mut high) = (i + 1, entries.end);
            while low < high {
                let mid = low + (high - low) / 2;
                if index.path(mid) < after.as_slice() {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            low
        };
        if side != Ordering::Greater {
            last = from_index;
        }
        match side {
            Ordering::Less => {
                let end = end(from_index.expect("only the index has it"));
                out.extend((i..end).map(staged));
                i = end;
            }
            Ordering::Greater => {
                let entry = &in_tree[t];
                let path = [prefix, entry.name_bytes()].concat();
                if entry.kind() == Some(git2::ObjectType::Tree) {
                    let sub = repo.find_tree(entry.id())?;
                    sub.walk(git2::TreeWalkMode::PreOrder, |root, e| {
                        if e.kind() != Some(git2::ObjectType::Tree) {
                            out.push(Staging {
                                path: [&path, b"/".as_slice(), root.as_bytes(), e.name_bytes()]
                                    .concat(),
                                old: Some((e.id(), e.filemode() as u32)),
                                new: None,
                            });
                        }
                        git2::TreeWalkResult::Ok
                    })?;
                } else {
                    out.push(Staging {
                        path,
                        old: Some((entry.id(), entry.filemode() as u32)),
                        new: None,
                    });
                }
                t += 1;
            }
            Ordering::Equal => {
                let here = from_index.expect("both have it");
                let entry = &in_tree[t];
                let end = end(here);
                if here.1 {
                    let under = [prefix, here.0, b"/"].concat();
                    compare(repo, &under, Some(entry.id()), index, i..end, out)?;
                } else {
                    let mode = entry.filemode() as u32;
                    if index.id(i) != entry.id().as_bytes() || index.mode(i) != mode {
                        out.push(Staging {
                            old: Some((entry.id(), mode)),
                            ..staged(i)
                        });
                    }
                }
                i = end;
                t += 1;
            }
        }
    }
    Ok(())
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
    for id in walk.take(style::HISTORY * 2) {
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
        if out.len() == style::HISTORY {
            break;
        }
    }
    Ok(out)
}

fn history_with_cli(env: &Environment) -> Vec<Past> {
    let n = format!("-{}", style::HISTORY);
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

/// The subject of the commit the first of the tags `names` points at (through an annotated
/// tag to its commit) whose `manifest` holds `version`: a tag of this package's release, not
/// another's of the same number (ripgrep's own `0.1.8` is no release of its `grep-matcher`).
/// `None` when there is none, or libgit2 cannot read it.
pub fn tagged_subject(
    env: &Environment,
    names: &[String],
    manifest: &str,
    version: &str,
) -> Option<String> {
    let repo = open(env).ok()?;
    let quoted = format!("\"{version}\"");
    names.iter().find_map(|name| {
        let reference = repo.find_reference(&format!("refs/tags/{name}")).ok()?;
        let commit = reference.peel_to_commit().ok()?;
        let entry = commit.tree().ok()?.get_path(Path::new(manifest)).ok()?;
        let blob = repo.find_blob(entry.id()).ok()?;
        let holds = blob
            .content()
            .windows(quoted.len())
            .any(|w| w == quoted.as_bytes());
        holds
            .then(|| commit.summary().ok().flatten().map(str::to_string))
            .flatten()
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
        let (old, new) = (delta.old_file(), delta.new_file());
        let sides = Sides {
            status,
            old_path: path_of(delta.old_file()),
            new_path: path_of(delta.new_file()),
            old: (old.id(), u32::from(old.mode())),
            new: (new.id(), u32::from(new.mode())),
        };
        let mut change = file_change(repo, attributes, sides);
        if change.submodule.is_none() {
            let patch = Patch::from_diff(&diff, i)?;
            read_content(&mut change, delta.flags().is_binary(), patch.as_ref())?;
        }
        files.push(change);
    }
    Ok(files)
}

/// One changed file, before its content is read: how it changed, and each side's path, id
/// and mode (zeros where there is no such side).
struct Sides {
    status: Status,
    old_path: String,
    new_path: String,
    old: (Oid, u32),
    new: (Oid, u32),
}

/// A changed file as owned data, but for its content ([`read_content`]); a submodule's change
/// is its commit ids.
fn file_change(repo: &Repository, attributes: bool, sides: Sides) -> FileChange {
    let Sides {
        status,
        old_path,
        new_path,
        old: (old_id, old_mode),
        new: (new_id, new_mode),
    } = sides;
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
    if old_mode == GITLINK || new_mode == GITLINK {
        change.submodule = Some((old_id.to_string(), new_id.to_string()));
    } else if status == Status::Modified && old_mode != new_mode {
        change.mode_change = Some((old_mode & 0o177777, new_mode));
    }
    change
}

/// The one hunk of a text file added or deleted whole, as git writes it: every line of
/// `content` added (or removed). Nothing is diffed: for a 46,505-line insertion this is a
/// tenth of what libgit2 takes to find the same hunk.
fn whole_file(change: &mut FileChange, content: &[u8]) {
    let text = String::from_utf8_lossy(content);
    let sign = if change.status == Status::Added {
        '+'
    } else {
        '-'
    };
    let mut body = String::with_capacity(text.len() + text.len() / 16 + 2);
    let mut lines = 0;
    for line in text.split_inclusive('\n') {
        body.push(sign);
        body.push_str(line);
        if !line.ends_with('\n') {
            body.push('\n');
        }
        lines += 1;
    }
    if lines == 0 {
        return;
    }
    let range = if lines == 1 {
        "1".to_string()
    } else {
        format!("1,{lines}")
    };
    let header = if sign == '+' {
        change.added = lines;
        format!("@@ -0,0 +{range} @@")
    } else {
        change.removed = lines;
        format!("@@ -{range} +0,0 @@")
    };
    change.hunks.push(Hunk { header, body });
}

/// A file's content, from its patch (none for an unchanged file) unless it is binary.
fn read_content(
    change: &mut FileChange,
    binary: bool,
    patch: Option<&Patch<'_>>,
) -> Result<(), git2::Error> {
    if binary {
        change.binary = true;
        return Ok(());
    }
    let Some(patch) = patch else {
        return Ok(());
    };
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
    Ok(())
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

#[cfg(test)]
mod tests {
    //! The index reader against libgit2's diff of the same index, on indexes the real git CLI
    //! wrote: where it reads an index, it must read what libgit2 reads.
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let out = Command::new("git")
            .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn write(dir: &Path, path: &str, text: &str) {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// A repository whose names test git's order: `a-b` and `a.txt` sort before `a/`, `a0`
    /// after it; a link, a script, nested directories.
    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q"]);
        for (path, text) in [
            ("a-b", "dash\n"),
            ("a.txt", "dot\n"),
            ("a/x", "one\ntwo\nthree\n"),
            ("a/y/z.rs", "fn z() {}\n"),
            ("a0", "zero\n"),
            ("b/c/d.rs", "fn main() {\n    let x = 1;\n}\n"),
            ("run.sh", "echo run\n"),
        ] {
            write(d, path, text);
        }
        std::os::unix::fs::symlink("a.txt", d.join("link")).unwrap();
        git(d, &["add", "-A"]);
        git(d, &["commit", "-q", "-m", "Start"]);
        dir
    }

    /// What the index reader reads against `base`.
    fn by_index(dir: &Path, base: Base) -> Option<Vec<FileChange>> {
        let repo = Repository::open(dir).unwrap();
        read_with_index(&Environment::default(), &repo, base)
    }

    /// What the index reader reads, which must be what libgit2 reads.
    fn agree(dir: &Path, base: Base) -> Vec<FileChange> {
        let by_index = by_index(dir, base).expect("the index reader reads this index");
        let repo = Repository::open(dir).unwrap();
        let by_libgit2 = read_with_libgit2(&repo, base).expect("libgit2 reads it");
        assert_eq!(by_index, by_libgit2);
        by_index
    }

    #[test]
    fn modified_new_and_retyped_files_are_read_as_libgit2_reads_them() {
        let dir = repo();
        let d = dir.path();
        write(d, "b/c/d.rs", "fn main() {\n    let x = 2;\n}\n");
        write(d, "a-b", "dash\nmore\n");
        write(d, "n/m/new.rs", "pub fn new() {}\n");
        write(d, "a/y/w.rs", "one line without newline");
        write(d, "empty", "");
        std::fs::write(d.join("logo.png"), b"\x89PNG\r\n\x1a\n\0\0\0\x01IHDR\0").unwrap();
        std::fs::set_permissions(
            d.join("run.sh"),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        std::fs::remove_file(d.join("link")).unwrap();
        write(d, "link", "now a file\n");
        git(d, &["add", "-A"]);
        let files = agree(d, Base::Head);
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "a-b",
                "a/y/w.rs",
                "b/c/d.rs",
                "empty",
                "link",
                "logo.png",
                "n/m/new.rs",
                "run.sh"
            ]
        );
    }

    #[test]
    fn deletions_of_files_and_whole_directories() {
        let dir = repo();
        let d = dir.path();
        git(d, &["rm", "-q", "-r", "a", "b", "a0"]);
        let files = agree(d, Base::Head);
        assert_eq!(files.len(), 4);
        assert!(files.iter().all(|f| f.status == Status::Deleted));
    }

    #[test]
    fn a_file_that_became_a_directory_and_back() {
        let dir = repo();
        let d = dir.path();
        git(d, &["rm", "-q", "a0", "a/x"]);
        write(d, "a0/inner", "now a directory\n");
        write(d, "a/x/inner", "the file is a directory\n");
        git(d, &["add", "-A"]);
        // Added and deleted together: renames are to be looked for, by the other readers.
        assert_eq!(by_index(d, Base::Head), None);
    }

    #[test]
    fn nothing_staged_an_unborn_branch_and_an_amend() {
        let dir = repo();
        let d = dir.path();
        assert!(agree(d, Base::Head).is_empty());

        write(d, "a/x", "one\n2\nthree\n");
        git(d, &["commit", "-q", "-am", "Second"]);
        let amended = agree(d, Base::HeadParent);
        assert_eq!(amended.len(), 1);
        // The cache-tree now vouches for trees HEAD does not have: they are compared.
        git(d, &["reset", "-q", "--soft", "HEAD~1"]);
        assert_eq!(agree(d, Base::Head), amended);

        let fresh = tempfile::tempdir().unwrap();
        git(fresh.path(), &["init", "-q"]);
        write(fresh.path(), "first.txt", "first\n");
        write(fresh.path(), "dir/second.txt", "second\n");
        git(fresh.path(), &["add", "-A"]);
        assert_eq!(agree(fresh.path(), Base::Head).len(), 2);
    }

    #[test]
    fn index_versions_3_and_4_and_submodules() {
        let dir = repo();
        let d = dir.path();
        write(d, "b/c/d.rs", "fn main() {}\n");
        write(d, "a/y/new.rs", "fn new() {}\n");
        git(d, &["add", "-A"]);
        git(
            d,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                "160000,0123456789abcdef0123456789abcdef01234567,vendor/lib",
            ],
        );
        let v2 = agree(d, Base::Head);
        assert!(v2.iter().any(|f| f.submodule.is_some()));
        git(d, &["update-index", "--skip-worktree", "a0"]);
        assert_eq!(agree(d, Base::Head), v2, "version 3, with skip-worktree");
        git(d, &["update-index", "--index-version", "4"]);
        assert_eq!(agree(d, Base::Head), v2, "version 4");
    }

    #[test]
    fn indexes_it_does_not_read_are_left_to_the_other_readers() {
        let dir = repo();
        let d = dir.path();
        write(d, "new.txt", "new\n");
        git(d, &["add", "-N", "new.txt"]);
        assert_eq!(by_index(d, Base::Head), None, "intent to add");
        git(d, &["rm", "-q", "--cached", "new.txt"]);

        write(d, "a/x", "changed\n");
        git(d, &["add", "-A"]);
        git(d, &["update-index", "--split-index"]);
        assert_eq!(by_index(d, Base::Head), None, "a split index");
        git(d, &["update-index", "--no-split-index"]);
        assert!(by_index(d, Base::Head).is_some());

        write(d, ".gitattributes", "*.txt -diff\n");
        git(d, &["add", "-A"]);
        assert_eq!(by_index(d, Base::Head), None, "attributes");
    }
}
