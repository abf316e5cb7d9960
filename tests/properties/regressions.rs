//! Minimal failing inputs the properties found, kept as plain tests. Each names the property it
//! breaks; the inputs are as proptest shrank them, plus a realistic case where that helps.

use ai_commit::message::{clean, CleanOptions};

use crate::clean::{check_clean, check_no_comment_line};

fn opts() -> CleanOptions {
    CleanOptions {
        max_subject: 72,
        truncated: false,
    }
}

/// A3 (`acknowledgement_loops`): `drop_preamble` removes at most 16 acknowledgements a pass
/// and `clean` stops after 1 + 8 passes, so a reply of 145 or more acknowledgements before
/// the message comes back with some still in it: `"Yes!\n\nAa"`, which cleans again to `"Aa"`.
#[test]
fn acknowledgement_loop_cleans_to_a_fixed_point() {
    let raw = "Sure, Sure, Sure, Sure,\nSure, Sure, Sure, Sure,\nSure, Sure, Sure, Sure,\nSure, Sure, Sure, Sure,\nSure, Sure, Sure, Great,\nSure, Sure, Sure, Sure,\nSure, Alright, Alright, Absolutely,\nAlright, Alright, Great, Sure,\nAlright, Sure, Understood, Certainly,\nSure, Sure, Sure, Sure,\nOK, Absolutely, Sure, Sure,\nSure, Sure, Sure, Sure,\nAbsolutely, Sure, Sure, Sure,\nSure, Sure, Sure, Sure,\nSure, Sure, Sure, Sure,\nSure, Got it, Understood, Alright,\nSure, Alright, Sure, Absolutely,\nAbsolutely, Absolutely, Definitely, Alright,\nSure, Sure, Sure, Sure,\nSure, Sure, Sure, Sure,\nSure, Sure, Sure, Sure,\nSure, Sure, Sure, Yes,\nSure, Sure, Sure, Sure,\nSure, Sure, Sure, Great,\nSure, Sure, Great, Sure,\nSure, Sure, Alright, Absolutely,\nUnderstood, Sure, Sure, Sure,\nSure! Alright, Certainly, Sure,\nAlright, Here you go, Perfect, Alright,\nAlright, Absolutely! Definitely, Sure,\nAlright, Yes, Certainly, Alright,\nNo problem, Alright, Certainly, Alright,\nGot it, Sure, No problem, No problem,\nSure, No problem! Alright, Sure,\nSure! Sure, Alright, Certainly,\nUnderstood, Of course, Sure, Sure,\nYes!\nAa";
    check_clean(raw, 72, false).unwrap_or_else(|e| panic!("{e}"));
}

/// A3 (`announcement_loops`): `drop_preamble` drops what comes before the first line announcing
/// the message, one announcement a pass, so a reply announcing ten messages in turn comes back
/// after 1 + 8 passes as `"Ab fix fix fix fix\n\nA good commit message would be:\nAa fix."`,
/// which cleans again to `"Aa fix"`.
#[test]
fn announcement_loop_cleans_to_a_fixed_point() {
    let raw = "Here is the commit message:\nAa\nCommit message:\nAa\nHere is the commit message:\nAa\nCommit message:\nAa\nCommit message:\nAa\nCommit message:\nAa\nHere is the commit message:\nAa fix fix\nCommit message:\nAa.\nCommit message:\nAb fix fix fix fix.\nA good commit message would be:\nAa fix.\n";
    check_clean(raw, 72, false).unwrap_or_else(|e| panic!("{e}"));
}

/// A4 (`no_line_is_a_git_comment`): a body line starting with `#` is kept as it is, and git
/// deletes it when the person saves the message in the editor.
#[test]
fn body_line_starting_with_a_hash_is_not_left_for_git_to_delete() {
    let out = clean("Add the header\n\n#include <stdio.h>\nAa.", &opts()).unwrap();
    check_no_comment_line(&out).unwrap_or_else(|e| panic!("{e}"));
}

/// A4: wrapping at 72 columns moves an issue reference to the start of a line, where git
/// takes it for a comment: the committed body loses "#123 when".
#[test]
fn wrapping_does_not_start_a_line_with_a_hash() {
    let raw = "Fix crash\n\nThis change fixes the crash reported by users of the parser in issue #123 when\nthe input is empty.";
    let out = clean(raw, &opts()).unwrap();
    check_no_comment_line(&out).unwrap_or_else(|e| panic!("{e}"));
}

/// A4: a subject starting with `#` is deleted whole by git, leaving the commit without it.
#[test]
fn subject_starting_with_a_hash_is_not_left_for_git_to_delete() {
    if let Ok(out) = clean("#123 Fix crash on empty input", &opts()) {
        check_no_comment_line(&out).unwrap_or_else(|e| panic!("{e}"));
    }
}
