//! What kind of lines a change touches, when that is one exact kind: only whitespace, only
//! comments, only documentation, only numbers (versions, dates), only tests. A small model
//! calls a reworded comment "improve performance" and a fixed typo in a doc comment "fix size
//! parsing error message"; this is computed instead, told to the model, and the subject is held
//! to it. Pure: staged files in, one fact out.

use crate::diff::FileChange;
use crate::style::PathKind;

/// The one kind of line a whole change touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only whitespace changed.
    Whitespace,
    /// Only comments in code changed.
    Comments,
    /// Only documentation files changed.
    Docs,
    /// Only numbers changed: versions, dates, counts.
    Numbers,
    /// Only tests changed.
    Tests,
}

impl Kind {
    /// The fact as the prompt says it.
    pub fn sentence(self) -> &'static str {
        match self {
            Kind::Whitespace => "Only whitespace changed: no code or text changed.",
            Kind::Comments => {
                "Only comments changed: no code changed, so the change cannot fix, speed up or \
                 change behaviour."
            }
            Kind::Docs => "Only documentation changed.",
            Kind::Numbers => "Only numbers changed (versions, dates or counts).",
            Kind::Tests => "Only tests changed.",
        }
    }

    /// Why `subject` contradicts this fact, if it does.
    pub fn contradiction(self, subject: &str) -> Option<&'static str> {
        let lower = subject.to_lowercase();
        let claims_behaviour = ["perform", "optimi", "faster", "speed", "crash", "bug"]
            .iter()
            .any(|w| lower.contains(w))
            || (lower.starts_with("fix")
                && ![
                    "typo",
                    "comment",
                    "doc",
                    "spelling",
                    "wording",
                    "grammar",
                    "whitespace",
                    "indent",
                    "format",
                    "link",
                    "date",
                    "year",
                    "version",
                ]
                .iter()
                .any(|w| lower.contains(w)));
        match self {
            Kind::Whitespace | Kind::Comments if claims_behaviour => Some(match self {
                Kind::Whitespace => {
                    "only whitespace changed, but the subject claims a change in behaviour"
                }
                _ => "only comments changed, but the subject claims a change in behaviour",
            }),
            _ => None,
        }
    }
}

/// What is computed of a change once per draft: for the style, the prompt's sizing, every
/// reply judged and the fallback.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The one kind of line the change touches, if there is one.
    pub kind: Option<Kind>,
    /// The dependency versions that moved.
    pub bumps: Vec<crate::bumps::Bump>,
    /// The package's own version that moved, when nothing but numbers changed (manifest,
    /// lockfile, version files), as a release commit does.
    pub release: Option<crate::bumps::Bump>,
}

impl Facts {
    /// The facts of `files`.
    pub fn of(files: &[FileChange]) -> Facts {
        let kind = kind(files);
        Facts {
            kind,
            bumps: crate::bumps::bumps(files),
            release: (kind == Some(Kind::Numbers))
                .then(|| crate::bumps::release(files))
                .flatten(),
        }
    }
}

/// The one kind of line all of `files` touch, if there is one.
pub fn kind(files: &[FileChange]) -> Option<Kind> {
    let texts: Vec<&FileChange> = files.iter().filter(|f| !f.hunks.is_empty()).collect();
    if texts.is_empty() || texts.len() != files.len() {
        return None;
    }
    if texts.iter().all(|f| is_whitespace_only(f)) {
        return Some(Kind::Whitespace);
    }
    if texts.iter().all(|f| PathKind::Tests.matches(&f.path)) {
        return Some(Kind::Tests);
    }
    if texts.iter().all(|f| only_numbers(f)) {
        return Some(Kind::Numbers);
    }
    if texts.iter().all(|f| PathKind::Docs.matches(&f.path)) {
        return Some(Kind::Docs);
    }
    if texts.iter().all(|f| only_comments(f)) {
        return Some(Kind::Comments);
    }
    None
}

/// The changed lines of `f`, without their sign: removed, then added.
fn changed(f: &FileChange) -> (Vec<&str>, Vec<&str>) {
    let lines = || f.hunks.iter().flat_map(|h| h.body.lines());
    let side = |sign: char| -> Vec<&str> {
        lines()
            .filter(|l| l.starts_with(sign))
            .map(|l| &l[1..])
            .collect()
    };
    (side('-'), side('+'))
}

/// Every removed and added line is the same text but for whitespace.
pub fn is_whitespace_only(f: &FileChange) -> bool {
    if f.added == 0 || f.removed == 0 {
        return false;
    }
    // Both sides squeezed of whitespace and compared as they are read: nothing is collected,
    // and the first difference decides (every file of a large change is asked this).
    let squeezed = |sign: char| {
        f.hunks
            .iter()
            .flat_map(|h| h.body.lines())
            .filter(move |l| l.starts_with(sign))
            .flat_map(|l| l[1..].chars())
            .filter(|c| !c.is_whitespace())
    };
    squeezed('-').eq(squeezed('+'))
}

/// Lines were replaced by the same lines with other digits only.
fn only_numbers(f: &FileChange) -> bool {
    // Counted before anything is collected: a 46,505-line insertion is decided here.
    if f.added != f.removed || f.added == 0 {
        return false;
    }
    let (removed, added) = changed(f);
    if removed.is_empty() || removed.len() != added.len() {
        return false;
    }
    let strip = |l: &str| -> String { l.chars().filter(|c| !c.is_ascii_digit()).collect() };
    removed
        .iter()
        .zip(&added)
        .all(|(a, b)| a != b && strip(a) == strip(b) && a.chars().any(|c| c.is_ascii_digit()))
}

/// Every changed line is blank or a comment in the file's language, and one is not blank.
/// It stops at the first line of code: a long insertion is decided there.
fn only_comments(f: &FileChange) -> bool {
    let Some(markers) = comment_markers(&f.path) else {
        return false;
    };
    let mut any_text = false;
    for line in f.hunks.iter().flat_map(|h| h.body.lines()) {
        let Some(text) = line.strip_prefix(['+', '-']) else {
            continue;
        };
        let t = text.trim();
        if t.is_empty() {
            continue;
        }
        if !markers.iter().any(|m| t.starts_with(m)) {
            return false;
        }
        any_text = true;
    }
    any_text
}

fn comment_markers(path: &str) -> Option<&'static [&'static str]> {
    let ext = path.rsplit_once('.').map(|(_, e)| e)?;
    Some(match ext {
        "rs" | "c" | "h" | "cc" | "cpp" | "hpp" | "go" | "java" | "js" | "ts" | "jsx" | "tsx"
        | "kt" | "swift" | "scala" | "cs" | "dart" | "zig" => &["//", "/*", "*", "*/"],
        "py" | "sh" | "bash" | "rb" | "pl" | "toml" | "yaml" | "yml" | "nix" | "r" | "cmake" => {
            &["#"]
        }
        "lua" | "sql" | "hs" => &["--"],
        "el" | "lisp" | "clj" | "scm" => &[";"],
        "vim" => &["\""],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{Hunk, Status};

    fn file(path: &str, body: &str) -> FileChange {
        let mut f = FileChange::new(path, Status::Modified);
        f.added = body.lines().filter(|l| l.starts_with('+')).count();
        f.removed = body.lines().filter(|l| l.starts_with('-')).count();
        f.hunks.push(Hunk {
            header: "@@ -1 +1 @@".into(),
            body: body.into(),
        });
        f
    }

    #[test]
    fn the_kind_of_lines_is_computed() {
        let comment = file(
            "src/size.rs",
            " fn parse() {}\n-/// Parses a size, like 10K or 3M.\n+/// Parses a size such as 10K or 3M.\n",
        );
        assert_eq!(kind(&[comment]), Some(Kind::Comments));
        let code = file("src/size.rs", "-let x = 1;\n+let x = 2; // two\n");
        assert_eq!(kind(&[code]), None);
        let date = file("doc/rg.1", "-.TH RG 1 2024-01-05\n+.TH RG 1 2024-02-07\n");
        assert_eq!(kind(&[date]), Some(Kind::Numbers));
        let ws = file("src/a.rs", "-fn a() {}\n+fn a()  {}\n");
        assert_eq!(kind(&[ws]), Some(Kind::Whitespace));
        let docs = file("README.md", "-Old words.\n+New words.\n");
        assert_eq!(kind(&[docs]), Some(Kind::Docs));
        let test = file("tests/size.rs", "-assert!(a);\n+assert!(b);\n");
        assert_eq!(kind(&[test]), Some(Kind::Tests));
        let python = file("tool.py", "-# old note\n+# new note\n");
        assert_eq!(kind(&[python]), Some(Kind::Comments));
    }

    #[test]
    fn a_subject_claiming_behaviour_contradicts_a_comment_change() {
        let k = Kind::Comments;
        assert!(k
            .contradiction("Improve performance of size parsing")
            .is_some());
        assert!(k.contradiction("Fix size parsing error message").is_some());
        assert!(k
            .contradiction("Fix typo in the size parser's doc comment")
            .is_none());
        assert!(k.contradiction("Reword the doc comment of parse").is_none());
        assert!(Kind::Docs.contradiction("Fix a crash").is_none());
    }
}
