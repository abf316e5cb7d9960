//! Checks of a subject against the change itself: it must not be the prompt's own framing (the
//! changed-files header, a file-list line), and its verb must agree with what happened to the
//! file it names ("Add x.rs" for a file that was only modified is wrong).

use crate::diff::{FileChange, Status};
use crate::style::{split_prefix, Earlier};

/// Whether `subject` is a piece of the prompt's scaffolding: the `Changed files (…)` header, a
/// file-list line (`M src/a.rs +2 -2`) or its note ([`crate::prompt::LIST_NOTES`]), the
/// `Diff:` header, a `--- path` section line or a computed fact's sentence
/// ([`crate::facts::FRAMING`]).
pub fn echoes_scaffolding(subject: &str) -> bool {
    let t = subject.trim();
    if t.starts_with("Changed files (") || t == "Diff:" || t.starts_with("--- ") {
        return true;
    }
    let lower = t.to_lowercase();
    if crate::facts::FRAMING.iter().any(|f| lower.contains(f)) {
        return true;
    }
    if t.contains("Changed files (") || crate::prompt::LIST_NOTES.iter().any(|n| lower.contains(n))
    {
        return true;
    }
    // `M path +2 -2`, `A path`, `R old -> new`: a status letter, a path, and counts.
    let mut words = t.split_whitespace();
    let status = words.next().unwrap_or("");
    let rest: Vec<&str> = words.collect();
    ["A", "M", "D", "R", "C", "T"].contains(&status)
        && !rest.is_empty()
        && rest
            .iter()
            .skip(1)
            .all(|w| w.starts_with(['+', '-', '(']) || *w == "->" || w.contains('/'))
}

/// Whether `subject` is the spelling fact read back rather than a summary: a respelled pair as
/// the prompt writes it (`` `quick` to `quit` ``) with no verb before it. The 1.5B model
/// answered ripgrep's "doc: fix typo" with "doc: spelling of `quick` to `quit`", which the
/// framing phrase ("spelling of words changed") no longer caught. "Fix `teh` to `the`" is a
/// summary and stays.
pub fn reads_back_the_spelling(subject: &str, spelling: &[(String, String)]) -> bool {
    let (_, summary) = split_prefix(subject);
    !crate::style::starts_with_verb(summary)
        && spelling
            .iter()
            .any(|(old, new)| summary.contains(&format!("`{old}` to `{new}`")))
}

/// Why `subject` is an earlier commit's rather than this change's, if it is: it says what the
/// subject of one of `earlier` (the commits shown as examples) says, and fewer than half of
/// the changed files lie in directories that commit changed. Small models copy the examples:
/// on commitizen's history the 1.5B model answered "docs: update CLI screenshots", a recent
/// subject, for a change to AGENTS.md, for a new tutorial and for a workflow, 8 of 50
/// commits; on ripgrep's, "ignore/types: add PKGBUILD type" for a change to `gitignore.rs`,
/// two tests and the changelog, one file of which lay beside `default_types.rs`. A commit
/// that truly repeats one (the screenshots regenerated again) changes the same directories.
pub fn repeats_an_earlier_subject(
    subject: &str,
    earlier: &[Earlier],
    files: &[FileChange],
) -> Option<String> {
    let said = summary_key(subject);
    let copied = earlier.iter().find(|e| summary_key(&e.subject) == said)?;
    let in_place = files
        .iter()
        .filter(|f| {
            std::iter::once(f.path.as_str())
                .chain(f.old_path.as_deref())
                .any(|p| copied.changed_the_dir_of(p))
        })
        .count();
    let same_place = in_place > 0 && in_place * 2 >= files.len();
    (!same_place).then(|| {
        format!(
            "it repeats the subject of an earlier commit (\"{}\"), which changed other files",
            copied.subject
        )
    })
}

/// What a subject says, for comparing: after its prefix, lowercase, without a final period.
fn summary_key(subject: &str) -> String {
    let (_, summary) = split_prefix(subject);
    summary.trim().trim_end_matches('.').to_lowercase()
}

/// Verbs that say an existing thing was changed.
const CHANGED_VERBS: &[&str] = &[
    "update", "updated", "updates", "modify", "modified", "change", "changed", "improve",
    "improved", "refactor", "rework", "revise", "tweak", "adjust",
];

/// `message` with a leading verb that says something existing was changed ("Update zram
/// configuration") made `Add` where every changed file is new: nothing was there to update.
/// The 1.5B model wrote "Update…" for most new entries of a journal whose history says "Add
/// entry on…".
///
/// The same where the word after the verb names a new file and no other: the 1.5B model wrote
/// "ignore: update incremental module" for ripgrep's new `crates/ignore/src/incremental.rs`.
pub fn with_the_verb_of_new_files(message: &str, files: &[FileChange]) -> String {
    let new = |f: &FileChange| matches!(f.status, Status::Added | Status::Copied);
    let all_new = !files.is_empty() && files.iter().all(new);
    let (subject, rest) = message
        .split_once('\n')
        .map_or((message, None), |(s, r)| (s, Some(r)));
    let (prefix, summary) = split_prefix(subject);
    let verb = summary.split_whitespace().next().unwrap_or("");
    if !CHANGED_VERBS.contains(&verb.to_lowercase().as_str()) {
        return message.to_string();
    }
    let named_new = summary.split_whitespace().nth(1).is_some_and(|object| {
        let object = object.trim_matches(|c: char| !c.is_alphanumeric() && c != '.' && c != '_');
        let names = |f: &&FileChange| {
            let name = f.file_name();
            let stem = name.split('.').next().unwrap_or(name);
            !object.is_empty()
                && (object.eq_ignore_ascii_case(name) || object.eq_ignore_ascii_case(stem))
        };
        let named: Vec<&FileChange> = files.iter().filter(names).collect();
        !named.is_empty() && named.iter().all(|f| new(f))
    });
    if !all_new && !named_new {
        return message.to_string();
    }
    let add = if verb.starts_with(char::is_uppercase) {
        "Add"
    } else {
        "add"
    };
    let subject = format!("{prefix}{add}{}", &summary[verb.len()..]);
    match rest {
        Some(rest) => format!("{subject}\n{rest}"),
        None => subject,
    }
}

/// Why the subject's verb disagrees with what happened to the file it names right after the
/// verb, if it does: `Add x.rs` for a modified `x.rs`, `Remove x.rs` for one that is still
/// there, `Rename x.rs` when nothing was renamed.
pub fn verb_disagrees(subject: &str, files: &[FileChange]) -> Option<String> {
    // After a Conventional Commits or area prefix.
    let summary = subject.split_once(": ").map_or(subject, |(_, s)| s);
    let mut words = summary.split_whitespace();
    let verb = words.next()?.to_lowercase();
    let mut object = words.next()?;
    if ["the", "a", "an", "file", "new"].contains(&object.to_lowercase().as_str()) {
        object = words.next()?;
    }
    let object = object.trim_matches(|c: char| "`'\",.:;()".contains(c));
    let file = files.iter().find(|f| {
        f.path == object || f.file_name() == object || f.old_path.as_deref() == Some(object)
    })?;
    let (expected, what) = match verb.as_str() {
        "add" | "adds" | "added" | "create" | "creates" | "created" | "introduce" => (
            matches!(file.status, Status::Added | Status::Copied),
            "added",
        ),
        "remove" | "removes" | "removed" | "delete" | "deletes" | "deleted" => {
            (file.status == Status::Deleted, "removed")
        }
        "rename" | "renames" | "renamed" | "move" | "moves" | "moved" => {
            (file.status == Status::Renamed, "renamed")
        }
        _ => return None,
    };
    if expected {
        return None;
    }
    let was = match file.status {
        Status::Added | Status::Copied => "added",
        Status::Deleted => "deleted",
        Status::Renamed => "renamed",
        Status::Modified | Status::TypeChanged => "modified",
    };
    Some(format!("it says {object} was {what}, but it was {was}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_named_after_the_verb_is_added_not_updated() {
        let files = vec![
            FileChange::new("crates/ignore/src/incremental.rs", Status::Added),
            FileChange::new("crates/ignore/src/walk.rs", Status::Modified),
            FileChange::new("crates/ignore/src/lib.rs", Status::Modified),
        ];
        assert_eq!(
            with_the_verb_of_new_files("ignore: update incremental module", &files),
            "ignore: add incremental module"
        );
        assert_eq!(
            with_the_verb_of_new_files("ignore: update `walk.rs` for it", &files),
            "ignore: update `walk.rs` for it"
        );
        assert_eq!(
            with_the_verb_of_new_files("ignore: update the walker", &files),
            "ignore: update the walker"
        );
    }

    #[test]
    fn new_files_are_added_not_updated() {
        // The 1.5B model's subjects for new journal entries.
        let new = [FileChange::new("2026/11/05-zram.md", Status::Added)];
        assert_eq!(
            with_the_verb_of_new_files("Update zram configuration for laptop", &new),
            "Add zram configuration for laptop"
        );
        assert_eq!(
            with_the_verb_of_new_files("docs: updated the zram entry\n\nWhy.", &new),
            "docs: add the zram entry\n\nWhy."
        );
        assert_eq!(
            with_the_verb_of_new_files("Fix the build with a missing header", &new),
            "Fix the build with a missing header"
        );
        let changed = [
            FileChange::new("2026/11/05-zram.md", Status::Modified),
            FileChange::new("2026/11/06-flake.md", Status::Added),
        ];
        assert_eq!(
            with_the_verb_of_new_files("Update zram configuration", &changed),
            "Update zram configuration"
        );
    }

    #[test]
    fn an_earlier_subject_is_this_change_s_only_in_the_same_place() {
        // commitizen's regenerated screenshots, and the 1.5B model's copy of that subject for
        // a change to AGENTS.md.
        let earlier = [Earlier {
            subject: "docs(cli/screenshots): update CLI screenshots".into(),
            paths: vec![
                "docs/images/cli_interactive/commit.gif".into(),
                "docs/images/cli_interactive/init.gif".into(),
            ],
        }];
        let change = |paths: &[&str]| -> Vec<FileChange> {
            paths
                .iter()
                .map(|p| FileChange::new(*p, Status::Modified))
                .collect()
        };
        let why = repeats_an_earlier_subject(
            "docs: update CLI screenshots",
            &earlier,
            &change(&["AGENTS.md"]),
        );
        assert_eq!(
            why.as_deref(),
            Some(
                "it repeats the subject of an earlier commit \
                 (\"docs(cli/screenshots): update CLI screenshots\"), which changed other files"
            )
        );
        // The screenshots regenerated again: the same subject is right.
        assert_eq!(
            repeats_an_earlier_subject(
                "docs(cli/screenshots): Update CLI screenshots.",
                &earlier,
                &change(&["docs/images/cli_interactive/shortcut_default.gif"]),
            ),
            None
        );
        // ripgrep: the 1.5B model's copy of a recent subject for a change of four files, one
        // of them beside the file that commit changed.
        let types = [Earlier {
            subject: "ignore/types: add PKGBUILD type".into(),
            paths: vec!["crates/ignore/src/default_types.rs".into()],
        }];
        let gitignore = change(&[
            "CHANGELOG.md",
            "crates/ignore/src/gitignore.rs",
            "tests/regression.rs",
            "tests/util.rs",
        ]);
        assert!(
            repeats_an_earlier_subject("ignore/types: add PKGBUILD type", &types, &gitignore)
                .is_some()
        );
        // Half of them there: the same place.
        assert_eq!(
            repeats_an_earlier_subject(
                "ignore/types: add PKGBUILD type",
                &types,
                &change(&["crates/ignore/src/types.rs", "CHANGELOG.md"]),
            ),
            None
        );
        // Another subject is not judged here.
        assert_eq!(
            repeats_an_earlier_subject(
                "docs: add agent guidance",
                &earlier,
                &change(&["AGENTS.md"])
            ),
            None
        );
    }

    #[test]
    fn a_fact_sentence_read_back_is_no_subject() {
        // ripgrep's "doc: fix typo", the 1.5B model.
        assert!(echoes_scaffolding(
            "doc: spelling of words changed: `quick` to `quit`"
        ));
        assert!(echoes_scaffolding("Only documentation changed"));
        assert!(!echoes_scaffolding("doc: fix typo"));
        assert!(!echoes_scaffolding("Document only the changed flags"));
        // The same fact read back without its framing phrase (ripgrep's "doc: fix typo"
        // again, in a later run).
        let fixed = [("quick".to_string(), "quit".to_string())];
        assert!(reads_back_the_spelling(
            "doc: spelling of `quick` to `quit`",
            &fixed
        ));
        assert!(!reads_back_the_spelling(
            "doc: fix `quick` to `quit`",
            &fixed
        ));
        assert!(!reads_back_the_spelling("doc: fix typo", &fixed));
        assert!(!reads_back_the_spelling(
            "doc: spelling of `quick` to `quit`",
            &[]
        ));
    }

    #[test]
    fn the_prompt_s_framing_is_no_subject() {
        // Seen from Qwen2.5-Coder-0.5B on ripgrep: 3 of 15 subjects were this header.
        assert!(echoes_scaffolding(
            "Changed files (1, +2 -2): M src/search_stream.rs +2 -2"
        ));
        assert!(echoes_scaffolding("M src/search_stream.rs +2 -2"));
        assert!(echoes_scaffolding("R src/a.rs -> src/b.rs"));
        assert!(echoes_scaffolding("--- src/lib.rs"));
        // The 0.5B model on ripgrep's `020687a7`, whose Cargo.lock was listed by name.
        assert!(echoes_scaffolding("ignore: lockfile, diff not shown"));
        assert!(echoes_scaffolding(
            "Update .env (secret file, content not sent)"
        ));
        assert!(!echoes_scaffolding("ignore: update the lockfile"));
        assert!(!echoes_scaffolding("Make search_stream report errors"));
        assert!(!echoes_scaffolding("A new flag for the searcher"));
    }

    #[test]
    fn the_verb_agrees_with_what_happened_to_the_file() {
        let modified = FileChange::new("crates/ignore/src/default_types.rs", Status::Modified);
        let added = FileChange::new("src/new.rs", Status::Added);
        let files = [modified, added];
        // Seen from the 0.5B model: "Add default_types.rs" for a modified file.
        assert!(verb_disagrees("Add default_types.rs", &files).is_some());
        assert!(verb_disagrees("ignore: add default_types.rs", &files).is_some());
        assert!(verb_disagrees("Add new.rs", &files).is_none());
        assert!(verb_disagrees("Add the new.rs module", &files).is_none());
        assert!(verb_disagrees("Remove default_types.rs", &files).is_some());
        // The verb's object is not the file: nothing to say.
        assert!(verb_disagrees("Add zig to default_types.rs", &files).is_none());
        assert!(verb_disagrees("Update default_types.rs", &files).is_none());
    }
}
