//! Checks of a subject against the change itself: it must not be the prompt's own framing (the
//! changed-files header, a file-list line), and its verb must agree with what happened to the
//! file it names ("Add x.rs" for a file that was only modified is wrong).

use crate::diff::{FileChange, Status};

/// Whether `subject` is a piece of the prompt's scaffolding: the `Changed files (…)` header, a
/// file-list line (`M src/a.rs +2 -2`), the `Diff:` header or a `--- path` section line.
pub fn echoes_scaffolding(subject: &str) -> bool {
    let t = subject.trim();
    if t.starts_with("Changed files (") || t == "Diff:" || t.starts_with("--- ") {
        return true;
    }
    if t.contains("Changed files (") {
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
    fn the_prompt_s_framing_is_no_subject() {
        // Seen from Qwen2.5-Coder-0.5B on ripgrep: 3 of 15 subjects were this header.
        assert!(echoes_scaffolding(
            "Changed files (1, +2 -2): M src/search_stream.rs +2 -2"
        ));
        assert!(echoes_scaffolding("M src/search_stream.rs +2 -2"));
        assert!(echoes_scaffolding("R src/a.rs -> src/b.rs"));
        assert!(echoes_scaffolding("--- src/lib.rs"));
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
