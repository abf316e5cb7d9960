//! Generators: arbitrary text, replies shaped like what weak local models send back, commit
//! messages, and git's commit message files.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// The scissors line `git commit -v` writes, after the comment prefix.
pub const SCISSORS_TAIL: &str = " ------------------------ >8 ------------------------";

/// Any string of code points, control characters and surrogate-adjacent ones included.
pub fn any_text(max_chars: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        vec(any::<char>(), 0..max_chars).prop_map(|cs| cs.into_iter().collect()),
        // ASCII only: control characters, escapes and punctuation are far more likely here.
        vec(0u8..0x80, 0..max_chars).prop_map(|bs| bs.into_iter().map(char::from).collect()),
    ]
}

/// A run of characters from `lo..=hi`. (Cheaper than a regex strategy, which compiles its
/// pattern for every value.)
fn run(lo: char, hi: char, len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    vec(proptest::char::range(lo, hi), len).prop_map(|cs| cs.into_iter().collect())
}

/// A capitalised word.
fn capitalised() -> impl Strategy<Value = String> {
    (proptest::char::range('A', 'Z'), run('a', 'z', 1..9))
        .prop_map(|(c, rest)| format!("{c}{rest}"))
}

/// Words, varied enough that generated prose is not rejected as a model stuck in a loop.
pub fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(VOCABULARY).prop_map(str::to_owned),
        2 => run('a', 'z', 1..11),
        1 => capitalised(),
        1 => (run('a', 'z', 1..8), select(&["", "()", "::new", "_id", ".rs", "/mod.rs"][..]))
            .prop_map(|(w, tail)| format!("{w}{tail}")),
        1 => select(UNICODE_WORDS).prop_map(str::to_owned),
    ]
}

const VOCABULARY: &[&str] = &[
    "fix",
    "add",
    "remove",
    "update",
    "parser",
    "config",
    "hook",
    "message",
    "commit",
    "diff",
    "the",
    "a",
    "to",
    "of",
    "for",
    "and",
    "in",
    "with",
    "from",
    "that",
    "test",
    "tests",
    "error",
    "handle",
    "empty",
    "input",
    "output",
    "file",
    "path",
    "retry",
    "timeout",
    "model",
    "reply",
    "subject",
    "body",
    "line",
    "lines",
    "wrap",
    "width",
    "scissors",
    "comment",
    "prefix",
    "git",
    "README",
    "docs",
    "crash",
    "panic",
    "when",
    "after",
    "before",
    "instead",
    "now",
    "no",
    "longer",
    "keeps",
    "drops",
    "e.g.",
    "etc.",
    "i.e.",
    "#123",
    "v2",
    "API",
    "`foo`",
    "--flag",
    "++i",
    "x86_64",
    "https://example.com/a/b",
    "Fix",
    "Add",
    "Update",
    "Refactor",
    "feat:",
    "fix(hook):",
    "docs:",
];

const UNICODE_WORDS: &[&str] = &[
    "café",
    "naïve",
    "日本語",
    "🙂",
    "Ünïcödé",
    "e\u{301}",
    "zero\u{200b}width",
    "nbsp\u{a0}here",
    "ideo\u{3000}space",
    "\u{feff}bom",
    "rtl\u{202e}x",
    "«quoted»",
    "“curly”",
    "‘single’",
    "…",
    "—",
];

/// Words joined by single spaces.
pub fn words(n: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    vec(word(), n).prop_map(|ws| ws.join(" "))
}

/// A sentence of up to `max_words` words: capitalised, with closing punctuation (or not, as
/// if cut off).
pub fn sentence_of(max_words: usize) -> impl Strategy<Value = String> {
    (
        capitalised(),
        words(0..max_words),
        select(&["", "", ".", ".", "!", "?", ";", ",", ":", "...", ")"][..]),
    )
        .prop_map(|(first, rest, end)| {
            if rest.is_empty() {
                format!("{first}{end}")
            } else {
                format!("{first} {rest}{end}")
            }
        })
}

/// A sentence of up to 25 words.
pub fn sentence() -> impl Strategy<Value = String> {
    sentence_of(25)
}

/// A line that is over the width: long prose, one long word, or an indented code line.
fn long_line() -> impl Strategy<Value = String> {
    prop_oneof![
        words(15..60),
        (1usize..400).prop_map(|n| "x".repeat(n)),
        (60usize..200)
            .prop_map(|n| format!("See https://example.com/{} for details.", "y".repeat(n))),
        (70usize..120).prop_map(|n| format!("    let s = \"{}\";", "z".repeat(n))),
        (1usize..1000).prop_map(|n| "word ".repeat(n)),
        (1usize..800).prop_map(|n| "é日🙂".repeat(n)),
    ]
}

const NEWLINES: &[&str] = &[
    "\n", "\n", "\n", "\n\n", "\r\n", "\r", "\u{2028}", "\u{85}", "\n\n\n",
];

const THINK: &[&str] = &[
    "<think>",
    "</think>",
    "<thinking>",
    "</thinking>",
    "<THINK>",
    "</Think>",
    "<think>The user wants a commit message. Let me look at the diff.</think>\n",
    "<think>\nunclosed thoughts about the change",
    "I should look at the diff.\n</think>\n",
    "<thi\x1b[0mnk>",
];

const FENCES: &[&str] = &[
    "```",
    "```\n",
    "\n```\n",
    "```text\n",
    "```diff\n",
    "```git\n",
    "~~~",
    "~~~\n",
    "````",
    "```Fix bug in parser```",
    "``",
    "`",
];

const ANSI: &[&str] = &[
    "\x1b[31m",
    "\x1b[0m",
    "\x1b[1;32m",
    "\x1b[",
    "\x1b",
    "\x1b]0;title\x07",
    "\x1b]8;;https://x\x1b\\",
    "\x1b(B",
    "\x1bP1$r\x1b\\",
    "\u{9b}31m",
    "\x1b[2K\r",
];

const CONTROLS: &[&str] = &[
    "\t", "\0", "\x07", "\x08", "\x0b", "\x0c", "\x7f", "\u{80}", "\u{9c}", "\u{feff}", "\u{2029}",
];

const MARKDOWN: &[&str] = &[
    "**",
    "__",
    "*",
    "_",
    "# ",
    "## ",
    "### ",
    "#",
    "- ",
    "* ",
    "+ ",
    "• ",
    "1. ",
    "2) ",
    "> ",
    "    ",
    "  ",
    "---",
    "***",
    "===",
    "**Subject:** ",
    "**Commit message:**",
    "[link](x)",
];

const QUOTES: &[&str] = &["\"", "'", "“", "”", "‘", "’", "«", "»", "`", "``"];

const PREAMBLES: &[&str] = &[
    "Here is the commit message:",
    "Here's a concise commit message for your changes:",
    "Sure!",
    "Sure! ",
    "Okay, ",
    "Certainly.",
    "Commit message:",
    "Subject: ",
    "Title: ",
    "Summary:",
    "Based on the diff, here's a suggestion:",
    "The diff shows changes to the README.",
    "Let me analyze the diff.",
    "A good commit message would be:",
    "# Commit Message",
    "Body:",
    "Description:",
];

const EPILOGUES: &[&str] = &[
    "I hope this helps!",
    "Let me know if you'd like any changes.",
    "Feel free to adjust the wording.",
    "Note: I assumed the tests pass.",
    "Explanation:",
    "This commit message follows the Conventional Commits format.",
    "If you want, I can shorten it.",
    "Alternatively:",
];

const TRAILERS: &[&str] = &[
    "Signed-off-by: X <x@y>",
    "Co-authored-by: A <a@x>",
    "Reviewed-by: R <r@x>",
    "Change-Id: I1234567",
    "signed-off-by: bot",
    // Spellings git reads as trailers too: whitespace before the colon, any case.
    "Signed-off-by : X <x@y>",
    "Co-authored-by\t: A <a@x>",
    "REVIEWED-BY:R",
    "Change-Id  : I1234567",
];

const DIFF: &[&str] = &[
    "+foo",
    "-bar",
    "+let y = 1;",
    "@@ -1 +1 @@",
    "@@ -10,7 +10,8 @@ fn main() {",
    "@@ impl Dir {",
    "diff --git a/x b/x",
    "index 3b18e51..a042389 100644",
    "--- a/x",
    "+++ b/x",
    "--- /dev/null",
    " context line",
];

const CODE: &[&str] = &[
    "fn main() {",
    "}",
    "let x = 1;",
    "import os",
    "use std::fmt;",
    "def f(x):",
    "#include <stdio.h>",
    "return 0;",
];

const CHATTY: &[&str] = &[
    "I'm sorry, but I can't help with that.",
    "As an AI language model, I cannot see files",
    "I have updated the parser",
    "You changed the loader.",
    "The user wants a message.",
];

const PUNCT: &[&str] = &[
    ".", ". ", "; ", ":", ",", "(", ")", "[", "]", "{", "}", "...", "…", "!", "?", "&", "/", "-",
    "e.g. ", "etc. ",
];

fn pick(list: &'static [&'static str]) -> BoxedStrategy<String> {
    select(list).prop_map(str::to_owned).boxed()
}

/// One fragment of a reply: words, markup, escapes, chatter, diff lines, line breaks.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => word(),
        5 => Just(" ".to_owned()),
        6 => pick(NEWLINES),
        2 => sentence(),
        1 => pick(THINK),
        1 => pick(FENCES),
        1 => pick(ANSI),
        1 => pick(CONTROLS),
        2 => pick(MARKDOWN),
        1 => pick(QUOTES),
        1 => pick(PREAMBLES),
        1 => pick(EPILOGUES),
        1 => pick(TRAILERS),
        1 => pick(DIFF),
        1 => pick(CODE),
        1 => pick(CHATTY),
        2 => pick(PUNCT),
        1 => long_line(),
        1 => any_text(6),
    ]
}

/// A soup of reply fragments in any order.
pub fn fragments() -> impl Strategy<Value = String> {
    vec(piece(), 0..80).prop_map(|ps| ps.concat())
}

/// A line of a message body: prose, a list item, a long line, an indented line, or noise.
fn body_line() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => sentence(),
        4 => sentence().prop_map(|s| format!("- {s}")),
        2 => sentence().prop_map(|s| format!("* {s}")),
        2 => (1u32..20, sentence()).prop_map(|(n, s)| format!("{n}. {s}")),
        2 => sentence().prop_map(|s| format!("  {s}")),
        2 => long_line(),
        3 => Just(String::new()),
        2 => (pick(MARKDOWN), sentence()).prop_map(|(m, s)| format!("{m}{s}{m}")),
        2 => (pick(ANSI), sentence()).prop_map(|(a, s)| format!("{a}{s}\x1b[0m")),
        1 => pick(TRAILERS),
        1 => pick(DIFF),
        1 => pick(CODE),
        1 => pick(EPILOGUES),
    ]
}

/// A reply laid out as models do: maybe thinking, a preamble and a fence, then a decorated
/// subject and body, then maybe a closing fence, an epilogue and trailers.
pub fn structured_reply() -> impl Strategy<Value = String> {
    let subject = prop_oneof![
        8 => sentence_of(8),
        2 => (pick(MARKDOWN), sentence_of(8)).prop_map(|(m, s)| format!("{m}{s}")),
        2 => (pick(QUOTES), sentence_of(8)).prop_map(|(q, s)| format!("{q}{s}{q}")),
        2 => (pick(PREAMBLES), sentence_of(8)).prop_map(|(p, s)| format!("{p} {s}")),
        2 => (sentence_of(8), sentence()).prop_map(|(a, b)| format!("{a} {b}")),
        1 => sentence(),
        1 => long_line(),
    ];
    (
        select(
            &[
                "",
                "",
                "<think>The user wants a message.</think>\n\n",
                "</think>\n",
            ][..],
        ),
        prop::option::of(pick(PREAMBLES)),
        select(&["", "", "```\n", "```text\n", "~~~\n", "> "][..]),
        subject,
        vec(body_line(), 0..12),
        prop::option::of(pick(EPILOGUES)),
        vec(pick(TRAILERS), 0..2),
        pick(NEWLINES),
    )
        .prop_map(
            |(think, preamble, fence, subject, body, epilogue, trailers, nl)| {
                let mut out = think.to_owned();
                if let Some(p) = preamble {
                    out.push_str(&p);
                    out.push_str(nl.as_str());
                }
                out.push_str(fence);
                out.push_str(&subject);
                if !body.is_empty() {
                    out.push_str(&nl);
                    out.push_str(&nl);
                    out.push_str(&body.join(&nl));
                }
                if fence.starts_with("```") || fence.starts_with("~~~") {
                    out.push_str(&nl);
                    out.push_str(&fence[..3]);
                }
                if let Some(e) = epilogue {
                    out.push_str("\n\n");
                    out.push_str(&e);
                }
                for t in trailers {
                    out.push('\n');
                    out.push_str(&t);
                }
                out
            },
        )
}

/// Subject limits: the default, common settings, the degenerate ones and no limit at all.
pub fn max_subject() -> impl Strategy<Value = usize> {
    prop_oneof![
        4 => Just(72usize),
        1 => Just(50usize),
        1 => Just(0usize),
        1 => Just(1usize),
        1 => 2usize..=120,
        1 => Just(usize::MAX),
    ]
}

/// A simple commit message as `clean` would produce it: a subject, then maybe a body after a
/// blank line, no trailing newline.
pub fn simple_message() -> impl Strategy<Value = String> {
    (
        (capitalised(), vec(run('a', 'z', 1..9), 0..7)).prop_map(|(first, rest)| {
            std::iter::once(first)
                .chain(rest)
                .collect::<Vec<_>>()
                .join(" ")
        }),
        vec(words(1..12), 0..4),
    )
        .prop_map(|(subject, body)| {
            if body.is_empty() {
                subject
            } else {
                format!("{subject}\n\n{}", body.join("\n"))
            }
        })
}

/// Comment prefixes: git's default, the `auto` candidates and a multi-character one.
pub fn comment_prefix() -> impl Strategy<Value = String> {
    select(&["#", "#", ";", "@", "!", "%", "|", ":", "//"][..]).prop_map(str::to_owned)
}

/// A line without a line feed: the person's text, possibly not UTF-8 and possibly ending in CR.
fn person_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => sentence().prop_map(String::into_bytes),
        1 => Just(Vec::new()),
        1 => Just(b"Ticket: ".to_vec()),
        1 => any_text(40).prop_map(|s| s.replace('\n', "").into_bytes()),
        1 => vec(any::<u8>(), 0..40).prop_map(|mut bs| {
            bs.retain(|&b| b != b'\n');
            bs
        }),
    ]
}

/// A comment line with `prefix`.
fn comment_line(prefix: &str) -> impl Strategy<Value = Vec<u8>> {
    let prefix = prefix.to_owned();
    prop_oneof![
        Just(String::new()),
        sentence().prop_map(|s| format!(" {s}")),
        Just(" Please enter the commit message for your changes. Lines starting".to_owned()),
        Just(" On branch main".to_owned()),
        Just("\tmodified:   src/hook.rs".to_owned()),
    ]
    .prop_map(move |rest| format!("{prefix}{rest}").into_bytes())
}

/// A line below the scissors: git's warning, or a line of the diff.
fn diff_line(prefix: &str) -> impl Strategy<Value = Vec<u8>> {
    let prefix = prefix.to_owned();
    prop_oneof![
        Just(format!("{prefix} Do not modify or remove the line above.").into_bytes()),
        pick(DIFF).prop_map(String::into_bytes),
        any_text(30).prop_map(|s| format!("+{}", s.replace('\n', "")).into_bytes()),
        Just(format!("+const SCISSORS: &str = \"{prefix}{SCISSORS_TAIL}\";").into_bytes()),
        Just(Vec::new()),
    ]
}

/// A commit message file as git and the person left it.
#[derive(Debug, Clone)]
pub struct MsgFile {
    /// The comment prefix the file's comment lines use.
    pub prefix: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Whether the file has a scissors line (exactly one).
    pub scissors: bool,
}

/// A commit message file: the person's or a template's lines and git's comment lines in any
/// order, then maybe a scissors line and a diff; LF or CRLF line ends, with or without a
/// final one.
pub fn msg_file() -> impl Strategy<Value = MsgFile> {
    msg_file_with(any::<bool>())
}

/// A commit message file as [`msg_file`] makes them, with a scissors section when
/// `scissors` says so.
pub fn msg_file_with(
    scissors: impl Strategy<Value = bool> + Clone,
) -> impl Strategy<Value = MsgFile> {
    comment_prefix().prop_flat_map(move |prefix| {
        let line = prop_oneof![person_line(), comment_line(&prefix)];
        let diff = vec(diff_line(&prefix), 0..8);
        (
            Just(prefix.clone()),
            any::<bool>(),
            vec(line, 0..10),
            (scissors.clone(), diff).prop_map(|(s, d)| s.then_some(d)),
            select(&["\n", "\n", "\r\n"][..]),
            any::<bool>(),
        )
            .prop_map(|(prefix, blank_first, lines, diff, eol, final_eol)| {
                let mut all: Vec<Vec<u8>> = Vec::new();
                if blank_first {
                    all.push(Vec::new());
                }
                all.extend(lines);
                let scissors = diff.is_some();
                if let Some(diff) = diff {
                    all.push(format!("{prefix}{SCISSORS_TAIL}").into_bytes());
                    all.extend(diff);
                }
                let mut bytes = all.join(eol.as_bytes());
                if final_eol && !bytes.is_empty() {
                    bytes.extend_from_slice(eol.as_bytes());
                }
                MsgFile {
                    prefix,
                    bytes,
                    scissors,
                }
            })
    })
}

const ACKS: &[&str] = &[
    "Sure",
    "sure",
    "Okay",
    "OK",
    "Alright",
    "Certainly",
    "Of course",
    "Absolutely",
    "Great",
    "Got it",
    "Understood",
    "No problem",
    "Yes",
    "Perfect",
    "Definitely",
    "Gladly",
    "Excellent",
    "Here you go",
    "Done",
    "Right",
];

const INTROS: &[&str] = &[
    "Commit message:",
    "**Commit message:**",
    "Subject:",
    "Here is the commit message:",
    "A good commit message would be:",
    "Suggested commit message:",
    "Final commit message:",
];

/// A reply from a model caught in a loop it varies a little each time: acknowledgements
/// ("Sure! Okay, Great.") over many lines before the message.
pub fn acknowledgement_loop() -> impl Strategy<Value = String> {
    let ack = (select(ACKS), select(&[",", "!", "."][..])).prop_map(|(a, p)| format!("{a}{p}"));
    (vec(ack, 0..300), 1usize..20, sentence_of(6)).prop_map(|(acks, per_line, msg)| {
        let lines: Vec<String> = acks.chunks(per_line).map(|c| c.join(" ")).collect();
        format!("{}\n{msg}", lines.join("\n"))
    })
}

/// A reply from a model caught in a loop of announced messages: "Commit message:" and a
/// subject, again and again.
pub fn announcement_loop() -> impl Strategy<Value = String> {
    vec(
        (select(INTROS), sentence_of(6), select(&["\n", "\n\n"][..])),
        1..25,
    )
    .prop_map(|blocks| {
        blocks
            .into_iter()
            .map(|(intro, subject, gap)| format!("{intro}{gap}{subject}\n"))
            .collect::<String>()
    })
}
