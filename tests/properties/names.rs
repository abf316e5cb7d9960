//! Properties of the way from file names to the message file: whatever the staged files are
//! called (newlines, trailers, escapes, carriage returns, bidirectional overrides, tokens), the
//! fallback summary written by `msgfile::compose` is one line without control characters, and
//! no line the hook writes is one git would read as a trailer.

use ai_commit::diff::{FileChange, Status};
use ai_commit::msgfile::compose;
use ai_commit::summary::summarize;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use crate::gen;

/// What hostile names are made of.
const PIECES: &[&str] = &[
    "\n",
    "\n\n",
    "\r",
    "\r\n",
    "\t",
    "\u{1b}[31m",
    "\u{1b}]0;title\u{7}",
    "\u{7}",
    "\u{0}",
    "\u{7f}",
    "\u{85}",
    "\u{9b}",
    "\u{2028}",
    "\u{202e}",
    "\u{2066}",
    "\u{feff}",
    "Co-authored-by: Evil <evil@example.com>",
    "Signed-off-by : Evil",
    "Reviewed-by:\tX",
    "Change-Id: I0123",
    "(cherry picked from commit 0123abc)",
    "# comment",
    "/",
    "dir",
    "src",
    "notes",
    ".txt",
    ".md",
    " ",
    ":",
    "-",
    "ghp_R4nd0mT0kenV4lue0123456789abcdefABCD",
    "-----BEGIN RSA PRIVATE KEY-----",
    "ünï",
    "日本",
];

/// A path made of hostile pieces, sometimes with arbitrary text among them.
fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => vec(select(PIECES), 1..8).prop_map(|p| p.concat()),
        1 => (vec(select(PIECES), 0..4), gen::any_text(16)).prop_map(|(p, t)| p.concat() + &t),
    ]
    .prop_filter("git stores no empty path", |p| !p.is_empty())
}

fn status() -> impl Strategy<Value = Status> {
    select(
        &[
            Status::Added,
            Status::Deleted,
            Status::Modified,
            Status::Renamed,
            Status::Copied,
            Status::TypeChanged,
        ][..],
    )
}

fn file() -> impl Strategy<Value = FileChange> {
    (path(), status(), prop::option::of(path())).prop_map(|(path, status, old)| {
        let mut f = FileChange::new(path, status);
        if matches!(status, Status::Renamed | Status::Copied) {
            f.old_path = old;
        }
        f
    })
}

/// The files of one commit: a few, or many in one hostile directory (the grouped summary).
fn files() -> impl Strategy<Value = Vec<FileChange>> {
    prop_oneof![
        3 => vec(file(), 1..5),
        1 => (path(), status(), 6usize..12).prop_map(|(dir, status, n)| {
            (0..n)
                .map(|i| FileChange::new(format!("{dir}/m{i}.txt"), status))
                .collect()
        }),
    ]
}

/// Whether git would read `line` as a trailer of any token (trailer.c, `find_separator`):
/// letters, digits and `-` from the start of the line, then spaces or tabs, then `:`.
fn git_reads_a_trailer(line: &str) -> bool {
    let token = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(line.len());
    token > 0
        && line[token..]
            .trim_start_matches([' ', '\t'])
            .starts_with(':')
}

proptest! {
    #![proptest_config(crate::config(500))]

    /// The summary through `compose`: one line, no control character, nothing for git to read
    /// as a trailer, and the file's old text kept after it.
    #[test]
    fn names_reach_the_message_as_one_line_of_text(
        files in files(),
        max_len in 20usize..120,
        prefix in select(&["", "chore: ", "docs: "][..]),
        file in gen::msg_file(),
        note in prop::option::of(gen::any_text(40)),
    ) {
        let summary = format!("{prefix}{}", summarize(&files, max_len).expect("files are staged"));
        let note = note.map(|n| format!("{} ai-commit: {n}", file.prefix));
        let out = compose(&file.bytes, Some(&summary), note.as_deref());
        prop_assert!(out.ends_with(&file.bytes), "the old text was not kept");
        let block = String::from_utf8(out[..out.len() - file.bytes.len()].to_vec())
            .expect("what compose writes is text");
        let lines: Vec<&str> = block.trim_end_matches('\n').split('\n').collect();
        prop_assert!(
            !block.chars().any(|c| c.is_control() && c != '\n'),
            "a control character in {block:?}"
        );
        let expected_lines = 1 + usize::from(note.is_some());
        prop_assert_eq!(lines.len(), expected_lines, "{:?} from {:?}", block, files);
        prop_assert!(
            !lines[0].is_empty() && !lines[0].contains(['\u{202e}', '\u{2066}', '\u{2028}']),
            "{:?}", lines[0]
        );
        // The title is never a trailer to git; every later line is either the comment note or
        // nothing git reads as one.
        for line in &lines[1..] {
            prop_assert!(
                line.starts_with(&file.prefix) || !git_reads_a_trailer(line),
                "a trailer line {line:?} in {block:?}"
            );
        }
    }
}
