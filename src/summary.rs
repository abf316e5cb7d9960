//! The fallback message: a short deterministic summary of the staged files, in the style a
//! person writes by hand (`Update journal.txt`, `Add parser.rs, update lib.rs and 2 more files`).
//! Names are shown as [`shown_path`] shows them: a secret in a file name is not written out.

use crate::bumps::Bump;
use crate::diff::{FileChange, Status};
use crate::redact::shown_path;

/// "Bump urllib3 from 2.6.2 to 2.6.3", "Bump urllib3 and certifi", "Bump urllib3, certifi and
/// 3 more": what a dependency update says, within `max_len` characters, or `None` when even the
/// shortest form does not fit. Names are shown as data (control characters escaped).
pub fn bumps_line(bumps: &[Bump], max_len: usize) -> Option<String> {
    let name = |b: &Bump| shown_path(&b.name);
    // Without the `v` of a tag, as Dependabot writes `from 3 to 4` for `@v3` and `@v4`.
    let version = |v: &str| {
        let bare = v
            .strip_prefix('v')
            .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
        shown_path(bare.unwrap_or(v))
    };
    let candidates: Vec<String> = match bumps {
        [] => return None,
        [one] => vec![
            format!(
                "Bump {} from {} to {}",
                name(one),
                version(&one.from),
                version(&one.to)
            ),
            format!("Bump {} to {}", name(one), version(&one.to)),
            format!("Bump {}", name(one)),
        ],
        [a, b] => vec![
            format!("Bump {} and {}", name(a), name(b)),
            format!("Bump {} and 1 more", name(a)),
            "Bump 2 dependencies".to_string(),
        ],
        [a, b, rest @ ..] => vec![
            format!("Bump {}, {} and {} more", name(a), name(b), rest.len()),
            format!("Bump {} and {} more", name(a), rest.len() + 1),
            format!("Bump {} dependencies", bumps.len()),
        ],
    };
    candidates
        .into_iter()
        .find(|c| c.chars().count() <= max_len)
}

/// "Fix a typo in mod.rs", "Fix typos in mod.rs", "Fix typos in 3 files": what a change that
/// only respells `fixed` words says, within `max_len` characters.
pub fn spelling_line(files: &[FileChange], fixed: usize, max_len: usize) -> Option<String> {
    let what = if fixed == 1 { "a typo" } else { "typos" };
    let line = match files {
        [] => return None,
        [one] => format!("Fix {what} in {}", shown_path(one.file_name())),
        many => format!("Fix {what} in {} files", many.len()),
    };
    (line.chars().count() <= max_len).then_some(line)
}

/// How many files a summary names before counting the rest.
const NAMED: usize = 2;
/// Above this many files, a change confined to one directory is summarised by that directory.
const MANY: usize = 5;

/// A one-line summary of `files` of at most `max_len` characters, or `None` when nothing is
/// staged.
pub fn summarize(files: &[FileChange], max_len: usize) -> Option<String> {
    if files.is_empty() {
        return None;
    }
    // Many files in one place: where they are says more than the first two names.
    if files.len() > MANY {
        if let Some(line) = grouped(files).filter(|l| l.chars().count() <= max_len) {
            return Some(line);
        }
    }
    // Name all when there are few; otherwise the first NAMED and count the rest, dropping
    // names until it fits.
    let mut named = if files.len() <= NAMED + 1 {
        files.len()
    } else {
        NAMED
    };
    loop {
        let line = render(files, named);
        if line.chars().count() <= max_len || named == 0 {
            return Some(line);
        }
        named -= 1;
    }
}

fn verb(status: Status) -> &'static str {
    match status {
        Status::Added | Status::Copied => "add",
        Status::Deleted => "remove",
        Status::Renamed => "rename",
        Status::Modified | Status::TypeChanged => "update",
    }
}

fn render(files: &[FileChange], named: usize) -> String {
    if named == 0 {
        let verbs: Vec<&str> = files.iter().map(|f| verb(f.status)).collect();
        let verb = if verbs.iter().all(|v| *v == verbs[0]) {
            verbs[0]
        } else {
            "change"
        };
        return capitalise(&format!("{verb} {} files", files.len()));
    }
    // Group the named files by verb, keeping first-seen order: "add a.rs and b.rs, update c.rs".
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    for f in &files[..named] {
        let name = match (&f.old_path, f.status) {
            (Some(old), Status::Renamed) => {
                let old_name = old.rsplit('/').next().unwrap_or(old);
                if old_name == f.file_name() {
                    format!("{} to {}", old, parent_or_top(&f.path))
                } else {
                    format!("{old_name} to {}", f.file_name())
                }
            }
            _ => f.file_name().to_string(),
        };
        let name = shown_path(&name);
        match groups.iter_mut().find(|(v, _)| *v == verb(f.status)) {
            Some((_, names)) => names.push(name),
            None => groups.push((verb(f.status), vec![name])),
        }
    }
    let mut phrases: Vec<String> = groups
        .into_iter()
        .map(|(verb, names)| format!("{verb} {}", join_names(&names)))
        .collect();
    let rest = files.len() - named;
    if rest > 0 {
        let noun = if rest == 1 { "file" } else { "files" };
        phrases.push(format!("{rest} more {noun}"));
    }
    // "update a.rs and b.rs, remove c.rs": a second "and" would blur which verb goes with what.
    if phrases.len() > 1
        && phrases[..phrases.len() - 1]
            .iter()
            .any(|p| p.contains(" and "))
    {
        return capitalise(&phrases.join(", "));
    }
    capitalise(&join_names(&phrases))
}

/// "Move 2,000 files from src/old/ to src/new/", "Update 40 files in src/net/": one verb
/// and the directory all the files share, when they share one.
fn grouped(files: &[FileChange]) -> Option<String> {
    let n = thousands(files.len());
    if files
        .iter()
        .all(|f| f.status == Status::Renamed && f.old_path.is_some())
    {
        let from = shown_path(&common_dir(
            files.iter().filter_map(|f| f.old_path.as_deref()),
        )?);
        let to = shown_path(&common_dir(files.iter().map(|f| f.path.as_str()))?);
        return Some(format!("Move {n} files from {from} to {to}"));
    }
    let dir = shown_path(&common_dir(files.iter().map(|f| f.path.as_str()))?);
    let first = verb(files[0].status);
    let verb = if files.iter().all(|f| verb(f.status) == first) {
        first
    } else {
        "change"
    };
    Some(capitalise(&format!("{verb} {n} files in {dir}")))
}

/// The deepest directory (with a trailing `/`) that holds every path, if not the top level.
fn common_dir<'a>(mut paths: impl Iterator<Item = &'a str>) -> Option<String> {
    let first = paths.next()?;
    let mut prefix: Vec<&str> = first.split('/').collect();
    prefix.pop(); // the file name
    for p in paths {
        let parts: Vec<&str> = p.split('/').collect();
        let dirs = &parts[..parts.len() - 1];
        let same = prefix.iter().zip(dirs).take_while(|(a, b)| a == b).count();
        prefix.truncate(same);
        if prefix.is_empty() {
            return None;
        }
    }
    (!prefix.is_empty()).then(|| format!("{}/", prefix.join("/")))
}

/// 1980 -> "1,980".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn parent_or_top(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/"),
        None => "the top level".to_string(),
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_names(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(path: &str, status: Status) -> FileChange {
        FileChange::new(path, status)
    }

    #[test]
    fn one_file() {
        let files = [f("notes/journal.txt", Status::Modified)];
        assert_eq!(summarize(&files, 72).unwrap(), "Update journal.txt");
    }

    #[test]
    fn a_spelling_fix_says_so() {
        let one = [f("crates/searcher/src/searcher/mod.rs", Status::Modified)];
        assert_eq!(
            spelling_line(&one, 1, 72).as_deref(),
            Some("Fix a typo in mod.rs")
        );
        assert_eq!(
            spelling_line(&one, 4, 72).as_deref(),
            Some("Fix typos in mod.rs")
        );
        let two = [f("a.md", Status::Modified), f("b.md", Status::Modified)];
        assert_eq!(
            spelling_line(&two, 2, 72).as_deref(),
            Some("Fix typos in 2 files")
        );
        assert_eq!(spelling_line(&one, 1, 10), None);
    }

    #[test]
    fn mixed_changes_name_two_and_count_the_rest() {
        let files = [
            f("src/parser.rs", Status::Added),
            f("src/lib.rs", Status::Modified),
            f("src/main.rs", Status::Modified),
            f("README.md", Status::Modified),
        ];
        assert_eq!(
            summarize(&files, 72).unwrap(),
            "Add parser.rs, update lib.rs and 2 more files"
        );
    }

    #[test]
    fn same_verb_is_grouped() {
        let files = [
            f("a.rs", Status::Modified),
            f("b.rs", Status::Modified),
            f("c.rs", Status::Deleted),
        ];
        assert_eq!(
            summarize(&files, 72).unwrap(),
            "Update a.rs and b.rs, remove c.rs"
        );
    }

    #[test]
    fn renames_say_from_and_to() {
        let mut r = f("src/new_name.rs", Status::Renamed);
        r.old_path = Some("src/old_name.rs".into());
        assert_eq!(
            summarize(&[r], 72).unwrap(),
            "Rename old_name.rs to new_name.rs"
        );
        let mut m = f("lib/util.rs", Status::Renamed);
        m.old_path = Some("src/util.rs".into());
        assert_eq!(summarize(&[m], 72).unwrap(), "Rename src/util.rs to lib/");
    }

    #[test]
    fn long_names_give_way_to_counts() {
        let long = "a".repeat(80) + ".txt";
        let files = [f(&long, Status::Added), f("b.rs", Status::Added)];
        assert_eq!(summarize(&files, 50).unwrap(), "Add 2 files");
        let files = [
            f(&long, Status::Added),
            f("x", Status::Added),
            f("y", Status::Deleted),
        ];
        assert_eq!(summarize(&files, 50).unwrap(), "Change 3 files");
    }

    #[test]
    fn many_files_in_one_place_are_summarised_by_the_place() {
        let files: Vec<_> = (0..2000)
            .map(|i| f(&format!("src/net/m{i}.rs"), Status::Modified))
            .collect();
        assert_eq!(
            summarize(&files, 72).unwrap(),
            "Update 2,000 files in src/net/"
        );
        let moved: Vec<_> = (0..2000)
            .map(|i| {
                let mut r = f(&format!("lib/core/m{i}.rs"), Status::Renamed);
                r.old_path = Some(format!("src/m{i}.rs"));
                r
            })
            .collect();
        assert_eq!(
            summarize(&moved, 72).unwrap(),
            "Move 2,000 files from src/ to lib/core/"
        );
        // Spread over the top level: names and a count, as before.
        let spread: Vec<_> = (0..8)
            .map(|i| f(&format!("d{i}/x.rs"), Status::Modified))
            .collect();
        assert_eq!(
            summarize(&spread, 72).unwrap(),
            "Update x.rs and x.rs, 6 more files"
        );
    }

    #[test]
    fn secrets_in_names_are_not_written() {
        let token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
        let files = [f(&format!("keys/{token}.txt"), Status::Added)];
        assert_eq!(summarize(&files, 72).unwrap(), "Add [REDACTED].txt");
        let files: Vec<_> = (0..6)
            .map(|i| f(&format!("{token}/m{i}.rs"), Status::Modified))
            .collect();
        assert_eq!(
            summarize(&files, 72).unwrap(),
            "Update 6 files in [REDACTED]/"
        );
    }

    #[test]
    fn nothing_staged_is_none() {
        assert_eq!(summarize(&[], 72), None);
    }

    #[test]
    fn a_bump_line_names_the_versions_without_a_tag_s_v() {
        let bump = |name: &str, from: &str, to: &str| Bump {
            name: name.into(),
            from: from.into(),
            to: to.into(),
        };
        let action = bump("peter-evans/find-comment", "v3", "v4");
        assert_eq!(
            bumps_line(&[action], 72).as_deref(),
            Some("Bump peter-evans/find-comment from 3 to 4")
        );
        let crate_ = bump("termcolor", "1.1.0", "1.4.0");
        assert_eq!(
            bumps_line(std::slice::from_ref(&crate_), 72).as_deref(),
            Some("Bump termcolor from 1.1.0 to 1.4.0")
        );
        assert_eq!(bumps_line(&[crate_], 20).as_deref(), Some("Bump termcolor"));
        // A version that only starts with a `v` keeps it.
        let named = bump("x", "vendored", "v2.0");
        assert_eq!(
            bumps_line(&[named], 72).as_deref(),
            Some("Bump x from vendored to 2.0")
        );
    }
}
