//! Turns what a weak local model replied into a clean commit message, or says why it cannot be used.
//!
//! [`clean`] repeats the steps of `clean_once` until nothing changes. Each kind of step lives in
//! its own module:
//!
//! - `markup`: think blocks, terminal escapes, code fences, blockquotes, indentation, markdown
//!   and quotes wrapped around the message.
//! - `chatter`: what the model said around the message: preambles, labels, epilogues and
//!   invented trailers.
//! - `validate`: rejects what is not a commit message: an echoed diff, code, or the model
//!   talking as itself.
//! - `subject`: the subject line, its markers removed and fitted within the length limit.
//! - `truncation`: what a reply cut off by the model's output limit left unfinished.
//! - `layout`: blank lines, wrapping at 72 columns and the body's size limits.
//!
//! `lines` answers the questions about lines of text that several of them ask.
//!
//! [`judge`] is the entry point for a model's reply: it decodes a structured reply, runs
//! [`clean`], then [`check_against`] what was sent, then the repository's style.

mod agreement;
mod chatter;
mod grounding;
mod judge;
mod layout;
mod lines;
mod markup;
mod subject;
mod truncation;
mod validate;

use std::fmt;

pub use grounding::check_against;
pub use judge::{from_structured, judge, Expected};

use chatter::{drop_body_labels, drop_epilogue, drop_preamble, is_trailer};
use layout::{bound_body, tidy, wrap_body};
use markup::{
    dedent, extract_fence, fence_marker, is_rule, markdown, normalise, strip_blockquote,
    strip_think, unwrap_message_quotes,
};
use subject::{fit_subject, tidy_subject};
use truncation::{drop_cut_tail, is_cut, is_unfinished};
use validate::{
    body_is_code, check_diff, is_repetitive, says_too_little, speaks_as_itself, subject_is_code,
};

/// How to clean a reply.
#[derive(Debug, Clone)]
pub struct CleanOptions {
    /// Longest subject line allowed, in characters.
    pub max_subject: usize,
    /// The model stopped because it hit its output limit (Ollama `done_reason: "length"`), so the end may be cut mid-sentence.
    pub truncated: bool,
}

/// Why a reply was not usable as a commit message (Display: a short lowercase phrase).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Nothing usable was left after cleaning.
    Empty,
    /// The reply held nothing but the model's thinking (a think block, or an unclosed one).
    OnlyThinking,
    /// The reply repeated lines of the diff instead of describing it.
    EchoedDiff,
    /// The reply reads like source code rather than prose.
    LooksLikeCode,
    /// The subject is longer than allowed and has no sentence break to shorten it at.
    SubjectTooLong {
        /// Length of the cleaned subject, in characters.
        len: usize,
        /// The limit it went over.
        max: usize,
    },
    /// The reply was truncated and its only line ends mid-phrase.
    Cut,
    /// The model spoke as itself (a refusal, an apology, "I have updated...") or announced
    /// something instead of saying it (a subject ending in `:`).
    NotAMessage,
    /// The same phrases over and over: a small model stuck in a loop.
    Repetitive,
    /// The reply repeated the instructions it was given.
    EchoedInstructions,
    /// The reply began with a chat template's own markup (`<|im_start|>user`): a base model
    /// continuing the conversation instead of answering.
    TemplateMarkup,
    /// The subject is one word, or has no word at all (a version number, a file name).
    SaysTooLittle,
    /// Nothing in the message names anything in the change: not a file, an identifier or a
    /// word of the diff. (A tiny model once described a diff of a hook as "personal
    /// struggles with burnout".)
    Unrelated,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Empty => f.write_str("it was empty"),
            Rejection::OnlyThinking => f.write_str("it held only the model's thinking"),
            Rejection::EchoedDiff => f.write_str("it echoed diff lines"),
            Rejection::LooksLikeCode => f.write_str("it looked like code, not a message"),
            Rejection::SubjectTooLong { len, max } => write!(
                f,
                "the subject is {len} characters, over the limit of {max}"
            ),
            Rejection::Cut => f.write_str("it was cut off mid-sentence"),
            Rejection::NotAMessage => {
                f.write_str("the model talked instead of describing the change")
            }
            Rejection::Repetitive => f.write_str("it repeated itself"),
            Rejection::EchoedInstructions => f.write_str("it repeated the instructions"),
            Rejection::Unrelated => f.write_str("it mentions nothing in the change"),
            Rejection::SaysTooLittle => f.write_str("its subject says too little"),
            Rejection::TemplateMarkup => f.write_str("it was chat-template markup, not an answer"),
        }
    }
}

impl std::error::Error for Rejection {}

// Thinking can run long, so think blocks are removed from a generous prefix before the rest is
// cut to a size no honest commit message comes near; both bounds keep the work linear and small.
const RAW_LIMIT: usize = 1 << 20;
const TEXT_LIMIT: usize = 64 * 1024;
// Each pass can uncover something the previous one could not see (a quote inside bold, a tag
// joined up by removing an escape); fuzzing never needed more than four passes to settle.
const MAX_PASSES: usize = 8;

/// Cleans a model reply into `subject` or `subject\n\nbody` (no trailing newline, body wrapped at 72 columns), or says why it cannot be used.
///
/// Beyond the obvious clean-ups (think blocks, code fences, preambles, epilogues, markdown,
/// quotes, invented trailers), the rules where judgement was needed are:
///
/// - A preamble is a leading line that is a bare acknowledgement ("Sure!", "Okay,") — the
///   acknowledgement is cut off and the rest of the line is looked at again — or that ends with
///   `:` and mentions a commit or message or starts with a lead-in ("Here is", "Below is",
///   "Based on"), or that starts with such a lead-in and mentions a commit or message, or that is
///   only a label ("Commit message", "Subject:"), or that narrates ("Let me", "The diff shows",
///   "The user"). A label before a colon ("Subject: Fix x") is cut. When a line announces the
///   message ("Commit message:", "A good commit message would be:") and text follows it,
///   everything before it goes too.
/// - Epilogue starts at the first line (after the subject) of chatter addressed to the user
///   ("I hope", "Let me know", "Feel free", "Note:", "Explanation", "This message follows", ...)
///   and runs to the end; it starts within a line too, at a sentence such as "Hope this
///   helps", "I apologize", "Feel free to", "Happy coding" (a shorter opening such as "Let me
///   know" only after `.`, `!`, `?`, `,`, `;`, `:`, a dash or a bracket), and that line keeps
///   only what came before it.
/// - A subject over the limit is split at its first ". " or "; " that comes within the limit
///   (not after "e.g", "etc" or a single letter); the rest opens the body.
/// - With `truncated`, a body whose last line does not end in closing punctuation loses its last
///   paragraph (or only its last list item). A reply with no body is rejected as [`Rejection::Cut`]
///   when its subject ends with `,` `:` `;` `-` `/` or an opening bracket or quote, leaves a
///   bracket, `"` or backtick unbalanced, or ends with one of: and, or, but, nor, the, a, an, to,
///   of, for, with, in, from, into, that, `&`.
/// - The result is a fixed point: cleaning it again (as a complete, untruncated reply) returns it
///   unchanged, so clean-ups that uncover more clean-ups are run until nothing changes.
pub fn clean(raw: &str, opts: &CleanOptions) -> Result<String, Rejection> {
    let mut out = clean_once(raw, opts.max_subject, opts.truncated)?;
    // Only the model's own reply can be cut; what this module produced is complete.
    for _ in 0..MAX_PASSES {
        let next = clean_once(&out, opts.max_subject, false)?;
        if next == out {
            return Ok(out);
        }
        out = next;
    }
    // Still changing after every pass: dozens of acknowledgements or announcements in a row,
    // a model stuck in a loop. What is left is not trustworthy.
    Err(Rejection::Repetitive)
}

fn clean_once(raw: &str, max_subject: usize, truncated: bool) -> Result<String, Rejection> {
    let raw = &raw[..floor_boundary(raw, RAW_LIMIT)];
    let (text, had_think) = strip_think(raw);
    let (text, had_markup) = cut_template_markup(&text);
    let text = normalise(text);
    if text.trim().is_empty() {
        return Err(if had_think {
            Rejection::OnlyThinking
        } else if had_markup {
            Rejection::TemplateMarkup
        } else {
            Rejection::Empty
        });
    }

    let lines: Vec<String> = text.split('\n').map(|l| l.trim_end().to_owned()).collect();
    let mut lines = extract_fence(lines)?;
    lines.retain(|l| fence_marker(l).is_none() && !is_rule(l));
    strip_blockquote(&mut lines);
    dedent(&mut lines);
    let mut lines: Vec<String> = lines.iter().map(|l| markdown(l)).collect();
    drop_preamble(&mut lines);
    drop_epilogue(&mut lines);
    lines.retain(|l| !is_trailer(l));
    drop_body_labels(&mut lines);
    check_diff(&lines)?;
    unwrap_message_quotes(&mut lines);
    let lines = tidy(lines);

    let mut subject = String::new();
    let mut next = 0;
    while next < lines.len() && !subject.chars().any(char::is_alphanumeric) {
        subject = tidy_subject(&lines[next]);
        next += 1;
    }
    // A subject of bare punctuation ("-", "...") says nothing; the next line may.
    if !subject.chars().any(char::is_alphanumeric) {
        return Err(Rejection::Empty);
    }
    let mut body: Vec<String> = lines[next..]
        .iter()
        .skip_while(|l| l.is_empty())
        .cloned()
        .collect();
    dedent(&mut body);

    if subject_is_code(&subject) || body_is_code(&body) {
        return Err(Rejection::LooksLikeCode);
    }
    if speaks_as_itself(&subject) || subject.ends_with(':') {
        return Err(Rejection::NotAMessage);
    }
    if is_repetitive(&body) {
        return Err(Rejection::Repetitive);
    }
    let (subject, rest) = fit_subject(&subject, max_subject)?;
    if let Some(rest) = rest {
        if !body.is_empty() {
            body.insert(0, String::new());
        }
        body.insert(0, rest);
    }
    if truncated {
        if body.is_empty() {
            if is_cut(&subject) {
                return Err(Rejection::Cut);
            }
        } else {
            drop_cut_tail(&mut body);
        }
    } else if body.is_empty() && is_unfinished(&subject) {
        return Err(Rejection::Cut);
    }
    let subject = uncomment_subject(&subject);
    if !subject.chars().any(char::is_alphanumeric) {
        return Err(Rejection::Empty);
    }
    if says_too_little(&subject) {
        return Err(Rejection::SaysTooLittle);
    }
    // A body that only says the subject again (small models echo it) adds nothing.
    body.retain(|l| !same_text(l, &subject));
    let body = bound_body(wrap_body(&join_hash_lines(tidy(body))));

    let mut out = subject;
    if !body.is_empty() {
        out.push_str("\n\n");
        out.push_str(&body.join("\n"));
    }
    Ok(out)
}

/// Chat-template tokens a model may write out as text: everything from the first one on is the
/// model running on past its answer (or starting a new turn), not part of a message.
const TEMPLATE_TOKENS: &[&str] = &[
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "<|eot_id|>",
    "<|start_header_id|>",
    "<|end|>",
    "<|user|>",
    "<|assistant|>",
    "<|system|>",
    "<start_of_turn>",
    "<end_of_turn>",
    "[INST]",
    "[/INST]",
    "</s>",
];

/// The text before the first chat-template token, and whether there was one.
fn cut_template_markup(text: &str) -> (&str, bool) {
    match TEMPLATE_TOKENS.iter().filter_map(|t| text.find(t)).min() {
        Some(at) => (&text[..at], true),
        None => (text, false),
    }
}

/// The same words, ignoring case, punctuation and spacing.
fn same_text(a: &str, b: &str) -> bool {
    let squeeze = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let a = squeeze(a);
    !a.is_empty() && a == squeeze(b)
}

/// A subject starting with `#` would be deleted by git as a comment line: an issue reference
/// there (`#123 Fix x`) goes, other hashes are trimmed.
fn uncomment_subject(subject: &str) -> String {
    if !subject.starts_with('#') {
        return subject.to_string();
    }
    let rest = subject.trim_start_matches('#');
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    rest.trim_start_matches([' ', ':', '-']).to_string()
}

/// Body lines starting with `#` would be deleted by git as comment lines: one that continues
/// a sentence joins the line before it; one that stands alone (`#include`) goes.
fn join_hash_lines(body: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(body.len());
    for line in body {
        if !line.starts_with('#') {
            out.push(line);
            continue;
        }
        match out.last_mut() {
            Some(prev) if !prev.trim().is_empty() => {
                prev.push(' ');
                prev.push_str(&line);
            }
            _ => {}
        }
    }
    out
}

/// Largest char boundary of `s` at or below `i`.
fn floor_boundary(s: &str, i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    let mut i = i;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::layout::{list_marker_len, MAX_BODY_CHARS, MAX_BODY_LINES, WIDTH};
    use super::*;

    fn opts() -> CleanOptions {
        CleanOptions {
            max_subject: 72,
            truncated: false,
        }
    }

    fn cut_opts() -> CleanOptions {
        CleanOptions {
            max_subject: 72,
            truncated: true,
        }
    }

    fn ok(raw: &str) -> String {
        clean(raw, &opts()).unwrap()
    }

    fn err(raw: &str) -> Rejection {
        clean(raw, &opts()).unwrap_err()
    }

    #[test]
    fn plain_subject_is_kept() {
        assert_eq!(
            ok("Add parser for TOML config"),
            "Add parser for TOML config"
        );
    }

    #[test]
    fn think_block_is_removed() {
        assert_eq!(
            ok("<think>The user wants...</think>\n\nFix off-by-one in pager"),
            "Fix off-by-one in pager"
        );
    }

    #[test]
    fn think_tags_any_case_and_repeated() {
        assert_eq!(
            ok("<THINK>a</Think>Fix x<thinking>b\nc</THINKING>\n<think></think>"),
            "Fix x"
        );
    }

    #[test]
    fn stray_closer_drops_what_came_before() {
        assert_eq!(ok("I should look at the diff.\n</think>\nFix x"), "Fix x");
    }

    #[test]
    fn preamble_fence_and_epilogue() {
        let raw = "Sure! Here is a commit message for your changes:\n\n```\nfeat(hook): write message above scissors\n\nThe -v flow appends the diff below a scissors line.\n```\n\nThis commit message follows the Conventional Commits format.";
        assert_eq!(
            ok(raw),
            "feat(hook): write message above scissors\n\nThe -v flow appends the diff below a scissors line."
        );
    }

    #[test]
    fn fence_with_language_tag() {
        assert_eq!(ok("```text\nFix x\n```"), "Fix x");
        assert_eq!(ok("~~~git\nFix y\n~~~"), "Fix y");
    }

    #[test]
    fn first_non_blank_fence_wins() {
        assert_eq!(
            ok("```\n\n```\nchatter\n```\nFix z\n```\n```\nOther\n```"),
            "Fix z"
        );
    }

    #[test]
    fn diff_fence_is_skipped_for_the_message_fence() {
        assert_eq!(ok("```diff\n-a\n+b\n```\nSo:\n```\nFix y\n```"), "Fix y");
    }

    #[test]
    fn diff_fence_alone_is_rejected() {
        assert_eq!(
            err("Here is the diff:\n```diff\n-a\n+b\n```"),
            Rejection::EchoedDiff
        );
    }

    #[test]
    fn narration_before_the_message_is_dropped() {
        assert_eq!(
            ok("Okay, let me analyze the diff.\n\nThe diff shows changes to the README.\n\nCommit message:\n\nUpdate README with install steps"),
            "Update README with install steps"
        );
        assert_eq!(
            ok("You changed the loader. A good commit message would be:\n\nFix loader"),
            "Fix loader"
        );
    }

    #[test]
    fn numbered_subject_loses_its_number() {
        assert_eq!(ok("1. Fix bug\n2. Add test"), "Fix bug\n\n2. Add test");
    }

    #[test]
    fn numbered_item_wraps_with_hanging_indent() {
        assert_eq!(
            ok("Fix x\n\n1. first step is long enough to need wrapping because it goes on and on and on\n2. second"),
            "Fix x\n\n1. first step is long enough to need wrapping because it goes on and on\n   and on\n2. second"
        );
    }

    #[test]
    fn truncated_split_subject_keeps_the_subject() {
        assert_eq!(
            clean(
                "Fix login. The session token was not refreshed on expiry and users were lo",
                &cut_opts()
            )
            .unwrap(),
            "Fix login"
        );
    }

    #[test]
    fn unclosed_fence_takes_what_follows() {
        assert_eq!(
            ok("Here is the commit message:\n```\nFix x\n\nBody."),
            "Fix x\n\nBody."
        );
    }

    #[test]
    fn stray_closing_fence_after_message() {
        assert_eq!(
            ok("Fix x\n```\n\nThis commit message follows the format."),
            "Fix x"
        );
    }

    #[test]
    fn inline_triple_backticks_unwrapped() {
        assert_eq!(ok("```Fix bug in parser```"), "Fix bug in parser");
    }

    #[test]
    fn double_quotes_unwrapped() {
        assert_eq!(ok("\"Update README\""), "Update README");
    }

    #[test]
    fn other_quotes_unwrapped() {
        assert_eq!(ok("'Update README'"), "Update README");
        assert_eq!(ok("`Update README`"), "Update README");
        assert_eq!(ok("“Update README”"), "Update README");
    }

    #[test]
    fn inner_code_spans_are_not_unwrapped() {
        assert_eq!(ok("`foo` calls `bar`"), "`foo` calls `bar`");
    }

    #[test]
    fn whole_message_quotes_with_apostrophe_inside() {
        assert_eq!(
            ok("'Fix x\n\nDon't panic on empty input.'"),
            "Fix x\n\nDon't panic on empty input."
        );
    }

    #[test]
    fn quoted_subject_only() {
        assert_eq!(ok("\"Fix x\"\n\nMore detail."), "Fix x\n\nMore detail.");
    }

    #[test]
    fn bold_label_and_period() {
        assert_eq!(
            ok("**Subject:** Fix crash on empty input."),
            "Fix crash on empty input"
        );
    }

    #[test]
    fn heading_and_bullets() {
        assert_eq!(
            ok("## Add retry to fetch\n\n* retries three times\n* logs each failure"),
            "Add retry to fetch\n\n- retries three times\n- logs each failure"
        );
    }

    #[test]
    fn plus_bullets_and_bold_in_body() {
        assert_eq!(
            ok("Fix x\n\n+ **Parser**: handle tabs\n+ __Lexer fix__ done"),
            "Fix x\n\n- Parser: handle tabs\n- Lexer fix done"
        );
    }

    #[test]
    fn globs_and_dunders_are_untouched() {
        assert_eq!(
            ok("Ignore src/**/*.rs and tests/**/*.rs in __init__ checks"),
            "Ignore src/**/*.rs and tests/**/*.rs in __init__ checks"
        );
        assert_eq!(ok("Match *.rs files"), "Match *.rs files");
    }

    #[test]
    fn bullet_subject_loses_marker() {
        assert_eq!(ok("- Fix x\n- Add y"), "Fix x\n\n- Add y");
    }

    #[test]
    fn echoed_diff_is_rejected() {
        assert_eq!(
            err("diff --git a/hello.txt b/hello.txt\n@@ -1 +1 @@\n-hi\n+hello"),
            Rejection::EchoedDiff
        );
        // Hunk lines as the prompt shows them, without their numbers.
        assert_eq!(err("Fix x\n\n@@ impl Dir {"), Rejection::EchoedDiff);
        assert_eq!(err("Fix x\n\n@@\n-hi"), Rejection::EchoedDiff);
    }

    #[test]
    fn signed_lines_are_rejected_as_diff() {
        assert_eq!(
            err("Fix x\n\n+fn main() {}\n-import x\n+let y = 1"),
            Rejection::EchoedDiff
        );
        assert_eq!(
            err("Fix x\n\nindex 3b18e51..a042389 100644"),
            Rejection::EchoedDiff
        );
    }

    #[test]
    fn empty_replies() {
        assert_eq!(err(""), Rejection::Empty);
        assert_eq!(err("   \n\n"), Rejection::Empty);
        assert_eq!(err("Sure!"), Rejection::Empty);
        assert_eq!(err("\x1b[0m\t\u{7}"), Rejection::Empty);
        assert_eq!(err("- \n...\n\"\""), Rejection::Empty);
    }

    #[test]
    fn only_thinking() {
        assert_eq!(err("<think>only thoughts</think>"), Rejection::OnlyThinking);
        assert_eq!(err("<think>unclosed thoughts"), Rejection::OnlyThinking);
    }

    #[test]
    fn long_subject_without_break_is_rejected() {
        let subject = "a".repeat(150);
        assert_eq!(
            err(&subject),
            Rejection::SubjectTooLong { len: 150, max: 72 }
        );
        let words = "word ".repeat(30);
        assert_eq!(
            err(words.trim()),
            Rejection::SubjectTooLong { len: 149, max: 72 }
        );
    }

    #[test]
    fn subject_of_one_word_or_no_word_says_too_little() {
        for reply in [
            "Fix",
            "1.0.0",
            "M.doc.tuple-logo.png",
            "1.0.0\n\n1.0.0",
            "CICD.yml",
        ] {
            assert_eq!(err(reply), Rejection::SaysTooLittle, "{reply:?}");
        }
        assert_eq!(ok("Bump the version to 1.0.0"), "Bump the version to 1.0.0");
        assert_eq!(ok("Update README"), "Update README");
    }

    #[test]
    fn chat_template_markup_ends_the_message_or_is_rejected() {
        assert_eq!(
            ok("Add colours to help<|im_end|>\n<|im_start|>user\nmore"),
            "Add colours to help"
        );
        assert_eq!(
            err("<|im_start|>user\nWrite a commit message<|im_end|>"),
            Rejection::TemplateMarkup
        );
        assert_eq!(
            err("<start_of_turn>model\nAdd x"),
            Rejection::TemplateMarkup
        );
    }

    #[test]
    fn restating_the_rules_is_not_a_message() {
        let reply = "A subject line of a commit message can contain up to 72 characters\n\n\
                     It can also contain the word diff.\n\nHere's an example:\nAdd x";
        assert_eq!(err(reply), Rejection::NotAMessage);
        assert_eq!(
            ok("Add the hex viewer's colours\n\nThey help.\n\nHere's an example of the output."),
            "Add the hex viewer's colours\n\nThey help."
        );
    }

    #[test]
    fn shell_commands_are_code_not_messages() {
        for reply in [
            "git diff -u",
            "sudo dpkg -i hexyl_0.11.0_amd64.deb",
            "$ cargo build --release",
        ] {
            assert_eq!(err(reply), Rejection::LooksLikeCode, "{reply:?}");
        }
        // Sentences that start with a program's name are fine.
        assert_eq!(ok("Make the parser faster"), "Make the parser faster");
        assert_eq!(
            ok("Cargo: bump the edition to 2024"),
            "Cargo: bump the edition to 2024"
        );
    }

    #[test]
    fn body_repeating_the_subject_is_dropped() {
        assert_eq!(
            ok("Add colours to help\n\nAdd colours to --help."),
            "Add colours to help"
        );
        assert_eq!(
            ok("Add colours to help\n\nadd colours to help\n\nThey were grey."),
            "Add colours to help\n\nThey were grey."
        );
    }

    #[test]
    fn subject_length_counts_chars_not_bytes() {
        let subject = format!("Add {}", "é".repeat(68));
        assert_eq!(ok(&subject), subject);
        assert_eq!(
            err(&"日".repeat(73)),
            Rejection::SubjectTooLong { len: 73, max: 72 }
        );
    }

    #[test]
    fn a_long_subject_loses_its_trailing_clause() {
        // The 1.5B model's, for the journal fixture's "Fix typos in the zram entry".
        assert_eq!(
            ok("Update zram configuration to prioritize it and reduce memory usage in the laptop's swap setup"),
            "Update zram configuration to prioritize it and reduce memory usage"
        );
        assert_eq!(
            ok("Add `2026/11/03-nixos-hook.md` to reflect a change from a Python script to a Rust git hook"),
            "Add `2026/11/03-nixos-hook.md` to reflect a change from a Python script"
        );
        // Fewer than three words before the only place to cut: no subject.
        let long = format!("Fix {} with care", "x".repeat(80));
        assert_eq!(
            err(&long),
            Rejection::SubjectTooLong {
                len: long.chars().count(),
                max: 72
            }
        );
    }

    #[test]
    fn long_subject_splits_at_sentence() {
        assert_eq!(
            ok("Fix login. The session token was not refreshed on expiry and users were logged out."),
            "Fix login\n\nThe session token was not refreshed on expiry and users were logged out."
        );
    }

    #[test]
    fn long_subject_splits_at_semicolon_before_existing_body() {
        let raw = "Fix login; the session token was not refreshed on expiry so users were always logged out\n\nBody.";
        assert_eq!(
            ok(raw),
            "Fix login\n\nthe session token was not refreshed on expiry so users were always\nlogged out\n\nBody."
        );
    }

    #[test]
    fn ansi_escapes_removed() {
        assert_eq!(ok("\x1b[31mFix colour\x1b[0m bug"), "Fix colour bug");
        assert_eq!(ok("\x1b]0;title\x07Fix \x1b(Btitle"), "Fix title");
    }

    #[test]
    fn control_chars_and_line_ends() {
        assert_eq!(ok("Fix\tx\u{0}\r\n\r\nBody\rline."), "Fix x\n\nBody\nline.");
    }

    #[test]
    fn bidirectional_overrides_removed() {
        assert_eq!(
            ok("Fix the \u{202e}txt.exe\u{202c} check \u{2066}now\u{2069}"),
            "Fix the txt.exe check now"
        );
    }

    #[test]
    fn trailers_removed() {
        assert_eq!(
            ok("Fix x\n\nBody.\n\nSigned-off-by: Bot <b@x>"),
            "Fix x\n\nBody."
        );
        assert_eq!(
            ok("Fix x\n\nBody.\n\nco-authored-by: A <a@x>\nChange-Id: I123"),
            "Fix x\n\nBody."
        );
        assert_eq!(
            ok("Fix x\n\nBody.\n\nSuggested-by: A <a@x>\nCc: b@x\nCo-developed-by: C"),
            "Fix x\n\nBody."
        );
        assert_eq!(
            ok("Fix x\n\nUsed by: the build step."),
            "Fix x\n\nUsed by: the build step."
        );
    }

    #[test]
    fn truncated_body_drops_cut_paragraph() {
        assert_eq!(
            clean(
                "Fix x\n\nFirst para done.\n\nSecond para cut in the mid",
                &cut_opts()
            )
            .unwrap(),
            "Fix x\n\nFirst para done."
        );
    }

    #[test]
    fn truncated_bullets_drop_last_item_only() {
        assert_eq!(
            clean("Fix x\n\n- one\n- two\n- thr", &cut_opts()).unwrap(),
            "Fix x\n\n- one\n- two"
        );
    }

    #[test]
    fn truncated_complete_body_is_kept() {
        assert_eq!(
            clean("Fix x\n\nAll done (really).", &cut_opts()).unwrap(),
            "Fix x\n\nAll done (really)."
        );
    }

    #[test]
    fn truncated_single_line_cut_is_rejected() {
        assert_eq!(
            clean("Fix parsing of the", &cut_opts()),
            Err(Rejection::Cut)
        );
        assert_eq!(clean("Fix parsing (for", &cut_opts()), Err(Rejection::Cut));
        assert_eq!(clean("Fix parsing,", &cut_opts()), Err(Rejection::Cut));
        assert_eq!(
            clean("Fix parsing of headers", &cut_opts()).unwrap(),
            "Fix parsing of headers"
        );
    }

    #[test]
    fn a_complete_reply_is_cut_only_where_no_subject_ends() {
        assert_eq!(
            clean("adjusted `search_path` method to use `cloned` for", &opts()),
            Err(Rejection::Cut)
        );
        assert_eq!(clean("Fix parsing of the", &opts()), Err(Rejection::Cut));
        // A body says the subject was finished; `to` and `in` end real subjects.
        assert_eq!(
            ok("Fix parsing of the\n\nIt was wrong."),
            "Fix parsing of the\n\nIt was wrong."
        );
        assert_eq!(ok("Let users opt in"), "Let users opt in");
        assert_eq!(ok("Fix parsing (for"), "Fix parsing (for");
    }

    #[test]
    fn long_paragraph_wraps() {
        // Distinct four-letter words: a repeated word would be rejected as a loop.
        let para: String = (0..40).map(|i| format!("{}zz ", word(i))).collect();
        let para = para.trim();
        assert_eq!(para.len(), 199);
        let out = ok(&format!("Fix x\n\n{para}"));
        let mut lines = out.lines();
        assert_eq!(lines.next(), Some("Fix x"));
        assert_eq!(lines.next(), Some(""));
        let body: Vec<&str> = lines.collect();
        assert!(body.iter().all(|l| l.chars().count() <= 72));
        assert_eq!(body.join(" "), para);
        assert_eq!(body[0].len(), 69);
    }

    #[test]
    fn bullet_wraps_with_hanging_indent() {
        let raw = format!("Fix x\n\n- {}", "abcd ".repeat(20).trim());
        assert_eq!(
            ok(&raw),
            format!(
                "Fix x\n\n- {}\n  {}",
                "abcd ".repeat(14).trim(),
                "abcd ".repeat(6).trim()
            )
        );
    }

    #[test]
    fn long_word_stays_whole() {
        let url = format!("https://example.com/{}", "x".repeat(80));
        assert_eq!(
            ok(&format!("Fix x\n\nSee {url} for details.")),
            format!("Fix x\n\nSee\n{url}\nfor details.")
        );
    }

    #[test]
    fn preformatted_lines_are_left_alone() {
        let code = format!("    let x = \"{}\";", "y".repeat(80));
        let raw = format!("Fix x\n\nExample:\n\n{code}");
        assert_eq!(ok(&raw), raw);
    }

    #[test]
    fn missing_blank_after_subject() {
        assert_eq!(ok("Fix x\nMore detail here."), "Fix x\n\nMore detail here.");
    }

    #[test]
    fn preamble_variants() {
        for pre in [
            "Here's a concise commit message for your changes:",
            "Certainly.",
            "Okay, here is the commit message:",
            "Commit message:",
            "**Commit message:**",
            "Below is the message:",
            "The commit message is:",
            "Of course!",
            "# Commit Message",
            "Based on the diff, here's a suggestion:",
        ] {
            assert_eq!(ok(&format!("{pre}\n\nFix x")), "Fix x", "{pre}");
        }
    }

    #[test]
    fn label_prefixes() {
        assert_eq!(ok("Commit message: Fix x"), "Fix x");
        assert_eq!(ok("Title: Fix x"), "Fix x");
        assert_eq!(ok("Sure! Fix x"), "Fix x");
        assert_eq!(
            ok("Subject: Fix x\n\nBody: the details."),
            "Fix x\n\nthe details."
        );
        assert_eq!(
            ok("Subject:\nFix x\n\nDescription:\nThe details."),
            "Fix x\n\nThe details."
        );
    }

    #[test]
    fn conventional_prefix_is_not_a_label() {
        assert_eq!(
            ok("feat(message): add trailer"),
            "feat(message): add trailer"
        );
        assert_eq!(ok("fix: handle empty message"), "fix: handle empty message");
    }

    #[test]
    fn epilogue_variants() {
        for post in [
            "I hope this helps!",
            "Let me know if you'd like any changes.",
            "Feel free to adjust the wording.",
            "Note: I assumed the tests pass.",
            "Explanation:\n- the subject says what\n- the body says why",
            "This message uses the imperative mood.",
            "**Explanation:** short and clear.",
        ] {
            assert_eq!(
                ok(&format!("Fix x\n\nBody.\n\n{post}")),
                "Fix x\n\nBody.",
                "{post}"
            );
        }
    }

    #[test]
    fn body_about_messages_is_not_chatter() {
        let raw = "Fix x\n\nThe commit message parser now keeps scissors lines.";
        assert_eq!(ok(raw), raw);
    }

    #[test]
    fn code_is_rejected() {
        assert_eq!(err("fn main() {"), Rejection::LooksLikeCode);
        assert_eq!(
            err("I'm sorry, but I can't help with that."),
            Rejection::NotAMessage
        );
        assert_eq!(
            err("As an AI language model, I cannot see files"),
            Rejection::NotAMessage
        );
        assert_eq!(err("I have updated the parser"), Rejection::NotAMessage);
        assert_eq!(
            err("The diff is:\n\n- 2: a\n- 1: b"),
            Rejection::NotAMessage
        );
        let looping: String = (1..40)
            .map(|i| format!("- The {i} line is a short body\n"))
            .collect();
        assert_eq!(
            err(&format!("Add hook\n\n{looping}")),
            Rejection::Repetitive
        );
        assert_eq!(err("import os"), Rejection::LooksLikeCode);
        assert_eq!(err("use std::fmt;"), Rejection::LooksLikeCode);
        assert_eq!(
            err("Fix x\n\nif a {\n    b();\n}\nok"),
            Rejection::LooksLikeCode
        );
        assert_eq!(ok("Use cached lookups"), "Use cached lookups");
        assert_eq!(ok("use cached lookups"), "use cached lookups");
    }

    #[test]
    fn rules_and_blank_runs() {
        assert_eq!(ok("\n\nFix x\n---\n\n\n\nBody.   \n\n\n"), "Fix x\n\nBody.");
    }

    #[test]
    fn common_indent_removed() {
        assert_eq!(
            ok("    Fix x\n\n    Body.\n      more"),
            "Fix x\n\nBody.\n  more"
        );
        assert_eq!(ok("Fix x\n    * a\n    * b"), "Fix x\n\n- a\n- b");
    }

    #[test]
    fn ellipsis_is_kept() {
        assert_eq!(ok("Wait for it..."), "Wait for it...");
    }

    #[test]
    fn body_is_bounded() {
        let paras: Vec<String> = (0..30)
            .map(|p| {
                let para: String = (0..20)
                    .map(|s| format!("Sentence {} here. ", word(p * 20 + s)))
                    .collect();
                para.trim().to_string()
            })
            .collect();
        let raw = format!("Fix x\n\n{}", paras.join("\n\n"));
        let out = ok(&raw);
        let body = out.split_once("\n\n").unwrap().1;
        assert!(body.chars().count() <= MAX_BODY_CHARS);
        assert!(body.lines().count() <= MAX_BODY_LINES);
        assert!(body.ends_with("here."));
    }

    /// A distinct two-letter word for each `i` below 676.
    fn word(i: usize) -> String {
        let letter = |n: usize| char::from(b'a' + (n % 26) as u8);
        format!("{}{}", letter(i / 26), letter(i))
    }

    #[test]
    fn display_phrases() {
        assert_eq!(Rejection::Empty.to_string(), "it was empty");
        assert_eq!(Rejection::EchoedDiff.to_string(), "it echoed diff lines");
        assert_eq!(
            Rejection::SubjectTooLong { len: 143, max: 72 }.to_string(),
            "the subject is 143 characters, over the limit of 72"
        );
    }

    #[test]
    fn huge_input_is_fast() {
        let start = std::time::Instant::now();
        let big = "Fix x ".repeat(10_000_000);
        let _ = clean(&big, &opts());
        let lt = "<".repeat(50_000_000);
        let _ = clean(&lt, &opts());
        let mixed = "<think>é\n\x1b[1m**a** ".repeat(2_000_000);
        let _ = clean(&mixed, &opts());
        assert!(start.elapsed().as_secs() < 10);
    }

    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const PIECES: [&str; 63] = [
        "```",
        "~~~",
        "```text\n",
        "\n```\n",
        "<think>",
        "</think>",
        "<thinking>",
        "\x1b[",
        "\x1b[31m",
        "\x1b]0;t\x07",
        "**",
        "__",
        "#",
        "## ",
        "\n",
        "\n",
        "\n\n",
        "\"",
        "'",
        "`",
        "“",
        "”",
        "é",
        "日",
        "🙂",
        " ",
        " ",
        " ",
        "a",
        "Fix",
        "word",
        "update",
        ".",
        ". ",
        "; ",
        "- ",
        "* ",
        "+",
        "-",
        "diff --git",
        "@@ -",
        "@@ ",
        "Sure!",
        "Commit message:",
        "Note:",
        "Signed-off-by:",
        "\t",
        "\r\n",
        "\r",
        "{",
        "}",
        ";",
        ":",
        "(",
        ")",
        "\u{7f}",
        "\u{85}",
        "    ",
        "and",
        "the",
        "Subject: ",
        "> ",
        "1. ",
    ];

    fn random_input(rng: &mut XorShift) -> String {
        let mut s = String::new();
        for _ in 0..rng.below(80) {
            match rng.below(20) {
                0 => s.push_str(&"longword".repeat(1 + rng.below(15))),
                1 => s.push_str(&"word ".repeat(rng.below(40))),
                _ => s.push_str(PIECES[rng.below(PIECES.len())]),
            }
        }
        s
    }

    fn check_output(input: &str, out: &str, o: &CleanOptions) {
        let ctx = format!("input {input:?} output {out:?}");
        assert!(!out.is_empty(), "{ctx}");
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{ctx}");
        let lines: Vec<&str> = out.split('\n').collect();
        assert!(lines[0].chars().count() <= o.max_subject, "{ctx}");
        assert!(!lines[0].trim().is_empty(), "{ctx}");
        assert!(!lines.iter().any(|l| l.starts_with("diff --git")), "{ctx}");
        if lines.len() > 1 {
            assert_eq!(lines[1], "", "{ctx}");
            assert!(lines.len() > 2, "{ctx}");
        }
        for line in lines.iter().skip(2) {
            if line.chars().count() <= WIDTH || line.starts_with("    ") {
                continue;
            }
            let t = line.trim_start();
            let word = &t[list_marker_len(t)..];
            assert!(!word.contains(' '), "{ctx} line {line:?}");
        }
        let again = CleanOptions {
            truncated: false,
            ..o.clone()
        };
        assert_eq!(clean(out, &again).as_deref(), Ok(out), "{ctx}");
    }

    #[test]
    fn random_code_points_never_panic() {
        let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
        for i in 0..2000 {
            let mut input = String::new();
            for _ in 0..rng.below(200) {
                let c = match rng.below(4) {
                    0 => char::from_u32(rng.below(0x80) as u32),
                    1 => char::from_u32(rng.below(0x800) as u32),
                    _ => char::from_u32(rng.below(0x11_0000) as u32),
                };
                input.push(c.unwrap_or('\u{fffd}'));
            }
            let o = CleanOptions {
                max_subject: 72,
                truncated: i % 2 == 0,
            };
            if let Ok(out) = clean(&input, &o) {
                check_output(&input, &out, &o);
            }
        }
    }

    #[test]
    fn random_inputs_never_panic_and_clean_to_a_fixed_point() {
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut accepted = 0;
        let rounds = std::env::var("CLEAN_FUZZ_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(5000);
        if let Some(seed) = std::env::var("CLEAN_FUZZ_SEED")
            .ok()
            .and_then(|r| r.parse().ok())
        {
            rng = XorShift(seed);
        }
        for i in 0..rounds {
            let input = random_input(&mut rng);
            let o = CleanOptions {
                max_subject: [72, 50, 20, 0][i % 4],
                truncated: i % 3 == 0,
            };
            if let Ok(out) = clean(&input, &o) {
                accepted += 1;
                check_output(&input, &out, &o);
            }
        }
        assert!(accepted > 100, "only {accepted} accepted");
    }
}
