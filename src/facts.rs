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

/// The words of the prompt's fact sentences ([`Kind::sentence`], [`spelling_sentence`]) that no
/// commit subject says: a subject with one of them is the prompt read back. The 1.5B model
/// answered ripgrep's "doc: fix typo" with "doc: spelling of words changed: `quick` to `quit`".
pub const FRAMING: &[&str] = &[
    "only whitespace changed",
    "no code or text changed",
    "only comments changed",
    "no code changed, so",
    "only documentation changed",
    "only numbers changed",
    "only tests changed",
    "spelling of words changed",
];

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
    /// The one dependency that moved, when that is the whole change ([`lone_bump`]).
    pub lone_bump: Option<crate::bumps::Bump>,
    /// The version of a release heading a changelog gains, where the change is changelogs and
    /// documentation only ([`heading`]).
    pub heading: Option<String>,
    /// The words respelled, old and new, when that is all the change does ([`spelling`]).
    pub spelling: Vec<(String, String)>,
    /// The titles new prose files open with ([`new_title`]).
    pub titles: Vec<String>,
}

impl Facts {
    /// The facts of `files`.
    pub fn of(files: &[FileChange]) -> Facts {
        let kind = kind(files);
        let bumps = crate::bumps::bumps(files);
        Facts {
            kind,
            lone_bump: lone_bump(files, &bumps),
            heading: heading(files),
            bumps,
            release: (kind == Some(Kind::Numbers))
                .then(|| crate::bumps::release(files))
                .flatten(),
            spelling: spelling(files),
            titles: files.iter().filter_map(new_title).collect(),
        }
    }
}

/// Names a manifest gives a version that are the toolchain's, not a dependency's: a change of
/// `rust-version` is an MSRV bump (`msrv: bump to Rust 1.96`), which no history writes as
/// `deps: bump rust-version`.
const TOOLCHAINS: &[&str] = &[
    "rust-version",
    "rust",
    "edition",
    "python",
    "requires-python",
    "python_requires",
    "node",
    "go",
    "toolchain",
];

/// The one dependency that moved, where nothing else changed: every file a manifest or
/// lockfile, every changed line of a manifest a version (a lockfile's checksums move with it),
/// and the package no toolchain ([`TOOLCHAINS`]). Such a change has one right subject, the
/// history's bump form with that package and its versions: the 1.5B model wrote
/// "deps: update termcolor dependency to version 1.4.0" for ripgrep's termcolor bump and, for
/// a commitizen workflow's `peter-evans/find-comment@v3` to `@v4`, copied an earlier subject
/// twice.
fn lone_bump(files: &[FileChange], bumps: &[crate::bumps::Bump]) -> Option<crate::bumps::Bump> {
    let [one] = bumps else {
        return None;
    };
    let only_versions = !files.is_empty()
        && files.iter().all(|f| {
            crate::bumps::is_manifest(f) && (crate::bumps::is_lockfile(f) || only_numbers(f))
        });
    let toolchain = TOOLCHAINS.contains(&one.name.to_ascii_lowercase().as_str());
    (only_versions && !toolchain).then(|| one.clone())
}

/// The version of the release heading a changelog gains (`15.2.0 (2026-07-15)` in place of
/// `TBD`, `## [1.4.0] - 2026-01-02` above the last release's), where every file is a changelog
/// or documentation (ripgrep's `changelog: 15.2.0` also dates its man page), and the version is
/// not on a removed line as well. Such a commit is the release's changelog, whose subject the
/// history's previous one shows; the 1.5B model called ripgrep's "doc: update CHANGELOG.md and
/// crates/core/flags/doc/template.rg.1".
fn heading(files: &[FileChange]) -> Option<String> {
    let only_notes = files
        .iter()
        .all(|f| crate::style::is_changelog(&f.path) || PathKind::Docs.matches(&f.path));
    if !only_notes {
        return None;
    }
    files
        .iter()
        .filter(|f| crate::style::is_changelog(&f.path))
        .find_map(|f| {
            let (removed, added) = changed(f);
            added
                .iter()
                .filter_map(|l| heading_version(l))
                .find(|v| !removed.iter().any(|r| heading_version(r) == Some(v)))
                .map(str::to_string)
        })
}

/// The version a changelog's heading line names: `15.2.0 (2026-07-15)`, `## [1.4.0] -
/// 2026-01-02`, `# v2.1.0`, `1.0.0-rc.1`; none for a line of prose that merely starts with one.
fn heading_version(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches('#').trim_start();
    let rest = rest.strip_prefix('[').unwrap_or(rest);
    let start = rest.strip_prefix('v').unwrap_or(rest);
    let len = crate::style::version_len(start);
    let version = &start[..len];
    let numbered = version.starts_with(|c: char| c.is_ascii_digit()) && version.contains('.');
    let after = start[len..].trim_start_matches(['.', ']']).trim();
    // What may follow: a date, in parentheses or after a dash, or nothing.
    let dated = after.is_empty()
        || after.len() <= 30
            && after.starts_with(['(', '-', '\u{2013}', '\u{2014}'])
            && after.chars().any(|c| c.is_ascii_digit());
    (numbered && dated).then_some(version)
}

/// Prose rather than code: what was written matters more than which file. A change whose
/// files are all prose gets `PROSE_HINT` in its prompt.
pub fn is_prose(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    [
        ".md",
        ".markdown",
        ".txt",
        ".org",
        ".rst",
        ".adoc",
        ".tex",
        ".rtf",
    ]
    .iter()
    .any(|e| name.ends_with(e))
        || !name.contains('.') && (lower.contains("journal") || lower.contains("notes"))
}

/// The title a new prose file opens with: a Markdown `# ` heading, an AsciiDoc `= `, an Org
/// `#+title:` or `* `, or a line underlined with `=` or `-` (reStructuredText, Setext), among
/// its first lines. A journal's new entry is what its title says: the 1.5B model called
/// "# Tuning zram on the laptop" "Add zram configuration for laptop", where the person wrote
/// "Add entry on tuning zram on the laptop".
pub fn new_title(f: &FileChange) -> Option<String> {
    const LOOK: usize = 5;
    const LONGEST: usize = 100;
    if f.status != crate::diff::Status::Added || !is_prose(&f.path) {
        return None;
    }
    let lines: Vec<&str> = f
        .hunks
        .first()?
        .body
        .lines()
        .filter_map(|l| l.strip_prefix('+'))
        .take(LOOK + 1)
        .collect();
    let text = lines.iter().take(LOOK).enumerate().find_map(|(i, line)| {
        let t = line.trim();
        let lower = t.to_ascii_lowercase();
        let underlined = lines.get(i + 1).is_some_and(|next| {
            let n = next.trim();
            n.len() >= 3 && (n.chars().all(|c| c == '=') || n.chars().all(|c| c == '-'))
        });
        if let Some(rest) = lower.strip_prefix("#+title:") {
            Some(t[t.len() - rest.len()..].trim())
        } else if let Some(rest) = t.strip_prefix("# ").or_else(|| t.strip_prefix("= ")) {
            Some(rest.trim())
        } else if let Some(rest) = t.strip_prefix("* ").filter(|_| f.path.ends_with(".org")) {
            Some(rest.trim())
        } else if underlined && !t.is_empty() {
            Some(t)
        } else {
            None
        }
    })?;
    let text = text.trim_end_matches('#').trim();
    (!text.is_empty() && text.chars().count() <= LONGEST).then(|| text.to_string())
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

/// The most changed lines a change may have to be asked whether it only fixes spelling.
const SPELLING_LINES: usize = 40;

/// The words a change corrects, old and new, when correcting words is all it does: every
/// removed line is replaced by one that differs from it in one or two words, each a small edit
/// of the old word (`quick` to `quit`) or its capitals, in documentation, in comments, or in
/// sentences of prose in code ([`is_prose_line`]: a flag's help text). The 1.5B model called
/// ripgrep's "doc: fix typo" (`quick` to `quit` in two doc comments) "update searcher builder
/// and searcher limits", and its "doc: fix typo in man page" (`enable` to `enables` in the help
/// text of `defs.rs`) "core: update multiline flag documentation". Empty when the change does
/// anything else.
pub fn spelling(files: &[FileChange]) -> Vec<(String, String)> {
    let mut fixed: Vec<(String, String)> = Vec::new();
    let mut lines = 0;
    for f in files {
        if f.hunks.is_empty() || f.added != f.removed || f.added == 0 {
            return Vec::new();
        }
        // Words of prose: in code, only its comments and sentences (`max` to `min` is no typo).
        if !PathKind::Docs.matches(&f.path) && !only_comments(f) && !only_prose_lines(f) {
            return Vec::new();
        }
        lines += f.added;
        if lines > SPELLING_LINES {
            return Vec::new();
        }
        let (removed, added) = changed(f);
        if removed.len() != added.len() {
            return Vec::new();
        }
        for (old, new) in removed.iter().zip(&added) {
            let (a, b): (Vec<&str>, Vec<&str>) = (
                old.split_whitespace().collect(),
                new.split_whitespace().collect(),
            );
            if a.len() != b.len() {
                return Vec::new();
            }
            let differ: Vec<(&str, &str)> = a
                .iter()
                .zip(&b)
                .filter(|(x, y)| x != y)
                .map(|(x, y)| (*x, *y))
                .collect();
            if differ.is_empty() || differ.len() > 2 {
                return Vec::new();
            }
            for (x, y) in differ {
                let bare = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
                let (x, y) = (bare(x), bare(y));
                // Punctuation around the word (`tty.)` to `tty.`) is part of the same fix.
                if x == y && !x.is_empty() {
                    continue;
                }
                if !is_respelling(&x, &y) {
                    return Vec::new();
                }
                if !fixed.contains(&(x.clone(), y.clone())) {
                    fixed.push((x, y));
                }
            }
        }
    }
    fixed
}

/// Every changed line of `f` is a sentence of prose ([`is_prose_line`]).
fn only_prose_lines(f: &FileChange) -> bool {
    let (removed, added) = changed(f);
    !removed.is_empty() && removed.iter().chain(&added).all(|l| is_prose_line(l))
}

/// A line of code that is a sentence of prose, as a help text or a message is: five words or
/// more, nearly all of letters, and nothing of code (`=`, `;`, braces, `::`, `->`). `This flag
/// enables searching across multiple lines.` is one; `let enable = flags.multiline();` is not.
fn is_prose_line(line: &str) -> bool {
    let text = line.trim();
    if ["=", ";", "{", "}", "::", "->", "//", "#"]
        .iter()
        .any(|code| text.contains(code))
    {
        return false;
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let wordlike = words
        .iter()
        .filter(|w| {
            let bare = w.trim_matches(|c: char| ",.:!?'\"()`".contains(c));
            !bare.is_empty() && bare.chars().all(|c| c.is_alphabetic() || "-'".contains(c))
        })
        .count();
    words.len() >= 5 && wordlike * 5 >= words.len() * 4
}

/// `new` is `old` spelled otherwise: both words of letters (and apostrophes), at least three long, within two
/// edits of each other or the same but for capitals.
fn is_respelling(old: &str, new: &str) -> bool {
    let word = |w: &str| {
        w.chars().count() >= 3
            && w.chars().count() <= 40
            && w.chars()
                .all(|c| c.is_alphabetic() || c == '\'' || c == '’')
    };
    if old == new || !word(old) || !word(new) {
        return false;
    }
    old.to_lowercase() == new.to_lowercase() || edit_distance(old, new) <= 2
}

/// Levenshtein distance of two short words.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The spelling fact as the prompt says it.
pub fn spelling_sentence(fixed: &[(String, String)]) -> String {
    let shown: Vec<String> = fixed
        .iter()
        .take(3)
        .map(|(old, new)| format!("`{old}` to `{new}`"))
        .collect();
    let more = if fixed.len() > 3 { ", and more" } else { "" };
    format!(
        "Only the spelling of words changed: {}{more}.",
        shown.join(", ")
    )
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

    #[test]
    fn every_fact_sentence_is_known_as_framing() {
        let kinds = [
            Kind::Whitespace,
            Kind::Comments,
            Kind::Docs,
            Kind::Numbers,
            Kind::Tests,
        ];
        let spelling = spelling_sentence(&[("quick".into(), "quit".into())]);
        for sentence in kinds
            .map(Kind::sentence)
            .iter()
            .copied()
            .chain([spelling.as_str()])
        {
            let lower = sentence.to_lowercase();
            assert!(
                FRAMING.iter().any(|f| lower.contains(f)),
                "{sentence:?} has no framing phrase"
            );
        }
    }

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
    fn fixed_spelling_is_found_and_nothing_else_is_called_spelling() {
        // ripgrep's 61a9fd82, "doc: fix typo".
        let typo = file(
            "crates/searcher/src/searcher/mod.rs",
            "     /// Note that `0` is a legal value. This will cause the searcher to\n\
             -    /// immediately quick without searching anything.\n\
             +    /// immediately quit without searching anything.\n",
        );
        assert_eq!(
            spelling(&[typo.clone(), typo.clone()]),
            [("quick".to_string(), "quit".to_string())]
        );
        assert_eq!(
            spelling_sentence(&spelling(&[typo])),
            "Only the spelling of words changed: `quick` to `quit`."
        );
        // The journal fixture's "Fix typos in the zram entry".
        let journal = file(
            "2026/11/02-zram.md",
            "-decompressed on it's own:\n+decompressed on its own:\n\
             -I will leave it like this for a weak and write down how it goes.\n\
             +I will leave it like this for a week and write down how it goes.\n",
        );
        assert_eq!(spelling(&[journal]).len(), 2);
        let caps = file("README.md", "-Hosted on github.\n+Hosted on GitHub.\n");
        assert_eq!(spelling(&[caps]).len(), 1);
        // ripgrep's e0156728, "doc: fix typos in code comments".
        let comments = file(
            "crates/regex/src/literal.rs",
            "-/// correspond to a tty.)\n+/// correspond to a tty.\n\
             -    /// Return a reference to the underyling HIR.\n\
             +    /// Return a reference to the underlying HIR.\n",
        );
        assert_eq!(
            spelling(&[comments]),
            [("underyling".to_string(), "underlying".to_string())]
        );
        // A reworded line, a changed number, code, an added line: not spelling.
        for body in [
            "-Parses a size, like 10K.\n+Parses a size such as 10K.\n",
            "-version = 1.2.3\n+version = 1.2.4\n",
            "+A new line.\n",
        ] {
            assert_eq!(spelling(&[file("a.md", body)]), Vec::new(), "{body}");
        }
        let code = file("src/a.rs", "-let limit = max;\n+let limit = min;\n");
        assert_eq!(spelling(&[code]), Vec::new());
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

    #[test]
    fn a_lone_bump_is_one_dependency_and_nothing_else() {
        // ripgrep's tikv-jemallocator bump: its manifest line, and the lockfile's version and
        // checksum.
        let manifest = file(
            "Cargo.toml",
            " [dependencies.tikv-jemallocator]\n-version = \"0.6.0\"\n+version = \"0.7.0\"\n",
        );
        let lock = file(
            "Cargo.lock",
            " name = \"tikv-jemallocator\"\n-version = \"0.6.1\"\n+version = \"0.7.0\"\n \
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\
             -checksum = \"0c1e3a\"\n+checksum = \"9f21bd\"\n",
        );
        let both = [manifest.clone(), lock.clone()];
        let lone = Facts::of(&both).lone_bump.expect("a lone bump");
        assert_eq!(
            (lone.name.as_str(), lone.to.as_str()),
            ("tikv-jemallocator", "0.7.0")
        );
        assert_eq!(Facts::of(std::slice::from_ref(&lock)).lone_bump, Some(lone));

        // A manifest line that is no version beside it: the model's to describe.
        let feature = file(
            "Cargo.toml",
            "-termcolor = \"1.1.0\"\n+termcolor = \"1.4.0\"\n+serde = { features = [\"derive\"] }\n",
        );
        assert!(Facts::of(&[feature]).lone_bump.is_none());
        // Another file beside the manifests.
        let readme = file("README.md", "-Rust 1.85\n+Rust 1.96\n");
        assert!(Facts::of(&[manifest.clone(), readme]).lone_bump.is_none());
        // Two packages.
        let two = file(
            "Cargo.toml",
            "-termcolor = \"1.1.0\"\n-regex = \"1.10.0\"\n+termcolor = \"1.4.0\"\n+regex = \"1.11.0\"\n",
        );
        assert!(Facts::of(&[two]).lone_bump.is_none());
        // The toolchain is no dependency: `msrv: bump to Rust 1.96`, not `deps: bump rust-version`.
        let msrv = file(
            "Cargo.toml",
            " edition = \"2021\"\n-rust-version = \"1.85\"\n+rust-version = \"1.96\"\n",
        );
        assert!(!Facts::of(std::slice::from_ref(&msrv)).bumps.is_empty());
        assert!(Facts::of(&[msrv]).lone_bump.is_none());
    }

    #[test]
    fn a_changelog_s_new_release_heading_is_its_version() {
        let heading_of = |body: &str| heading(&[file("CHANGELOG.md", body)]);
        // ripgrep's `changelog: 15.2.0`: TBD becomes the version and its date.
        let ripgrep = "-TBD\n-===\n+15.2.0 (2026-07-15)\n+===================\n \
                       Unreleased changes. Release notes have not yet been written.\n";
        assert_eq!(heading_of(ripgrep).as_deref(), Some("15.2.0"));
        // `changelog: 15.1.0`: an older number that was never released, and notes written.
        let renumbered =
            "-15.0.1\n+15.1.0\n ======\n-Unreleased changes.\n+This is a small release.\n";
        assert_eq!(heading_of(renumbered).as_deref(), Some("15.1.0"));
        for line in [
            "## [1.4.0] - 2026-01-02",
            "# v2.1.0",
            "## 1.0.0-rc.1 (2026-01-02)",
        ] {
            assert!(heading_of(&format!("+{line}\n")).is_some(), "{line}");
        }
        // `changelog: start next section`: a heading with no version; an entry under one.
        assert_eq!(heading_of("+TBD\n+===\n+\n 15.2.0 (2026-07-15)\n"), None);
        assert_eq!(heading_of(" 15.2.0\n ===\n+* Fixed a bug in 1.2.\n"), None);
        // Prose that starts with a version, and a version already there.
        assert_eq!(heading_of("+1.2.3 fixed the parser for good\n"), None);
        assert_eq!(heading_of("-## 1.4.0\n+## 1.4.0 (2026-01-02)\n"), None);
        // The heading of a change with code in it is that change's.
        let code = file("src/lib.rs", "+pub fn x() {}\n");
        let changelog = file("CHANGELOG.md", "+## 1.5.0\n");
        assert_eq!(heading(&[changelog.clone(), code]), None);
        let man = file("doc/rg.1", "-.TH RG 1 2025-10-22\n+.TH RG 1 2026-07-15\n");
        assert_eq!(heading(&[changelog, man]).as_deref(), Some("1.5.0"));
    }

    #[test]
    fn a_respelled_sentence_of_prose_in_code_is_spelling() {
        // ripgrep's "doc: fix typo in man page": a flag's help text in `defs.rs`.
        let help = file(
            "crates/core/flags/defs.rs",
            "     fn doc_long(&self) -> &'static str {\n-This flag enable searching across multiple lines.\n+This flag enables searching across multiple lines.\n .sp\n",
        );
        assert_eq!(
            spelling(&[help]),
            vec![("enable".to_string(), "enables".to_string())]
        );
        // Code, even of words: a renamed variable is no typo.
        let code = file(
            "src/flags.rs",
            "-let enable = flags.multiline();\n+let enables = flags.multiline();\n",
        );
        assert!(spelling(&[code]).is_empty());
        let call = file(
            "src/flags.rs",
            "-        search(path, multiple, lines, enable)\n+        search(path, multiple, lines, enables)\n",
        );
        assert!(spelling(&[call]).is_empty());
        assert!(!is_prose_line("let x = 1;"));
        assert!(!is_prose_line("Fix it."));
        assert!(is_prose_line(
            "    \"Search files in parallel, one thread per core.\","
        ));
    }
}
