//! The commit message file: where git's comment prefix is, and how a generated message goes in
//! above everything git and the person already put there. Pure functions plus one atomic write.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::redact::is_hidden_control;
use crate::untrusted;

/// The characters git picks from for `core.commentChar=auto`, in its order.
const AUTO_CANDIDATES: &[u8] = b"#;@!$%^&|:";
/// What follows the comment prefix on the `git commit -v` scissors line.
const SCISSORS_TAIL: &str = " ------------------------ >8 ------------------------";

/// The comment prefix git uses in this file: the configured one, or for `auto` the one git
/// actually chose, read from its own comment lines (`git config` still says `auto`).
pub fn comment_prefix(configured: Option<&str>, existing: &[u8]) -> String {
    match configured {
        Some("auto") => detect_auto_prefix(existing).unwrap_or_else(|| "#".to_string()),
        Some(p) if !p.is_empty() => p.to_string(),
        _ => "#".to_string(),
    }
}

fn detect_auto_prefix(existing: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(existing);
    let lines: Vec<&str> = text.lines().collect();
    // The scissors line names the prefix exactly; otherwise git's comment block ends the file.
    if let Some(line) = lines.iter().find(|l| l.ends_with(SCISSORS_TAIL)) {
        let prefix = &line[..line.len() - SCISSORS_TAIL.len()];
        if !prefix.is_empty() {
            return Some(prefix.to_string());
        }
    }
    let last = lines.iter().rev().find(|l| !l.trim().is_empty())?;
    let first = *last.as_bytes().first()?;
    AUTO_CANDIDATES
        .contains(&first)
        .then(|| (first as char).to_string())
}

/// Whether git will strip comment lines from this file. git says so in its own help text
/// (`Lines starting with '#' will be ignored`), which it writes only for the cleanup modes that
/// strip: `default` with an editor, and `strip`. For `whitespace` and `verbatim` it writes
/// "will be kept" instead, for `scissors` a scissors line, and with no editor nothing; all of
/// these are the same whether the mode came from `commit.cleanup` or `--cleanup`, which the
/// hook cannot see. Only git's comment block is searched, not the `-v` diff below a scissors
/// line. A translated git's text is not recognised: then the answer is no, and nothing that
/// git would keep is written.
pub fn git_strips_comments(existing: &[u8], prefix: &str) -> bool {
    let hint = format!("'{prefix}' will be ignored");
    let scissors = format!("{prefix}{SCISSORS_TAIL}");
    String::from_utf8_lossy(existing)
        .lines()
        .take_while(|l| *l != scissors)
        .any(|l| l.starts_with(prefix) && l.contains(&hint))
}

/// What the person or a template already wrote in the file: the text above git's comments and
/// scissors line, without blank lines and unfilled fields (`Ticket:` with nothing after it).
/// `None` when nothing is left.
pub fn written_text(existing: &[u8], prefix: &str) -> Option<String> {
    let text = String::from_utf8_lossy(existing);
    let scissors = format!("{prefix}{SCISSORS_TAIL}");
    let kept: Vec<&str> = text
        .lines()
        .take_while(|l| !l.starts_with(prefix) && *l != scissors)
        .map(str::trim)
        .filter(|l| !l.is_empty() && !is_unfilled_field(l) && !is_identity_trailer(l))
        .collect();
    (!kept.is_empty()).then(|| kept.join("\n"))
}

/// `Signed-off-by: A <a@b>` and the like, which git itself writes into the file (`-s`,
/// `--trailer`): no statement of why.
fn is_identity_trailer(line: &str) -> bool {
    line.split_once(':').is_some_and(|(token, _)| {
        let token = token.trim().to_ascii_lowercase();
        !token.is_empty()
            && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && (token.ends_with("-by")
                || ["change-id", "cc", "link", "refs", "fixes"].contains(&token.as_str()))
    })
}

/// `Ticket:`, `Why:`, `[ ]`: a template's label waiting for text.
fn is_unfilled_field(line: &str) -> bool {
    let label = line.trim_end_matches([':', ' ']);
    (line.ends_with(':') && !label.contains(' ') && label.len() < 30)
        || matches!(line, "[ ]" | "-" | "*")
}

/// The file with the message above git's comments turned into comment lines (`--amend` with a
/// fresh draft: the old message stays in view, and git drops it), and that message's trailer
/// block (`Signed-off-by:` and the like), which the new message keeps. Every byte stays: each
/// line gets `prefix` and a space in front (a blank line the prefix alone).
pub fn comment_out_message(existing: &[u8], prefix: &str) -> (Vec<u8>, Option<String>) {
    let scissors = format!("{prefix}{SCISSORS_TAIL}");
    let mut out = Vec::with_capacity(existing.len() + 64);
    let mut old = String::new();
    let mut rest = existing;
    while !rest.is_empty() {
        let len = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        let (line, after) = rest.split_at(len);
        let bare = String::from_utf8_lossy(line);
        let bare = bare.trim_end_matches(['\n', '\r']);
        if bare.starts_with(prefix) || bare == scissors {
            break;
        }
        old.push_str(bare);
        old.push('\n');
        out.extend_from_slice(prefix.as_bytes());
        if !bare.trim().is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(line);
        if !line.ends_with(b"\n") {
            out.push(b'\n');
        }
        rest = after;
    }
    out.extend_from_slice(rest);
    let old = old.trim_end();
    let trailers = old
        .rsplit_once("\n\n")
        .map(|(_, last)| last.trim_start_matches('\n'))
        .filter(|last| last.lines().all(is_trailer_line))
        .map(str::to_string);
    (out, trailers)
}

/// Whether `line` is a trailer: `Token: value`, the token letters, digits and `-`.
pub fn is_trailer_line(line: &str) -> bool {
    line.split_once(": ").is_some_and(|(token, value)| {
        !token.is_empty()
            && !value.trim().is_empty()
            && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// Where the trailer block git already wrote ends (`git commit -s`, `--trailer`): when the text
/// above git's comments is nothing but blank lines and one block of trailers, the byte offset
/// just after its last line. Trailers of the message go there, so that git (and `git
/// interpret-trailers`) reads them as one block with git's own.
pub fn trailer_block_end(existing: &[u8], prefix: &str) -> Option<usize> {
    let text = std::str::from_utf8(existing).ok()?;
    let mut offset = 0;
    let mut end = None;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare.starts_with(prefix) {
            break;
        }
        if bare.trim().is_empty() {
            if end.is_some() {
                break;
            }
        } else if is_trailer_line(bare) && line.ends_with('\n') {
            end = Some(offset + line.len());
        } else {
            return None;
        }
        offset += line.len();
    }
    // Nothing but comments may follow the block.
    let end = end?;
    let rest = &text[end..];
    rest.lines()
        .all(|l| l.trim().is_empty() || l.starts_with(prefix))
        .then_some(end)
}

/// The new file text: `message` at the top, then the optional comment `note` (already prefixed),
/// then a blank line and everything that was there, byte for byte. Returns `existing`
/// unchanged when it already starts with the same block, so running twice changes nothing.
/// Whatever made them, the message keeps no control character but its line breaks, and the
/// note none at all: a newline in it would start a line git does not strip as a comment.
pub fn compose(existing: &[u8], message: Option<&str>, note: Option<&str>) -> Vec<u8> {
    let mut block = String::new();
    if let Some(m) = message {
        block.push_str(printable(m, true).trim_end_matches('\n'));
        block.push('\n');
    }
    if let Some(n) = note {
        // Only a line that starts with the note's own comment prefix starts a line: anything
        // else (a model's name, a candidate with a line break) joins the line before it, so no
        // line of the note is one git would keep.
        let prefix = n.split(' ').next().unwrap_or("");
        let mut lines: Vec<String> = Vec::new();
        for piece in n.split('\n') {
            match lines.last_mut() {
                Some(last) if prefix.is_empty() || !piece.starts_with(prefix) => {
                    last.push(' ');
                    last.push_str(&one_line(piece));
                }
                _ => lines.push(one_line(piece)),
            }
        }
        block.push_str(&lines.join("\n"));
        block.push('\n');
    }
    if block.is_empty() || existing.starts_with(block.as_bytes()) {
        return existing.to_vec();
    }
    let mut out = Vec::with_capacity(block.len() + 1 + existing.len());
    out.extend_from_slice(block.as_bytes());
    // Keep the person's or the template's first line apart from the message: a paragraph
    // break, not a run-on subject.
    if !existing.is_empty() && !existing.starts_with(b"\n") && !existing.starts_with(b"\r\n") {
        out.push(b'\n');
    }
    out.extend_from_slice(existing);
    out
}

/// `text` as one printable line: line breaks and tabs become spaces, hidden control
/// characters go.
pub fn one_line(text: &str) -> String {
    printable(text, false)
}

/// `text` with each hidden control character ([`is_hidden_control`]: control characters, line
/// separators, bidirectional overrides) a space (a tab) or gone, line breaks kept when
/// `line_breaks` says so and spaces otherwise.
fn printable(text: &str, line_breaks: bool) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' if line_breaks => Some('\n'),
            '\n' | '\t' => Some(' '),
            c if is_hidden_control(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Replaces the file's content atomically: a temporary file in the same directory, renamed
/// over it, so an interrupted hook leaves either the old or the new text, never half of one.
/// Only a regular file is replaced (`/dev/null` stays a device); a link to one keeps being a
/// link, and the file it points at is the one replaced.
pub fn write_atomically(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let meta = untrusted::regular(path)?;
    let path = &fs::canonicalize(path)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "COMMIT_EDITMSG".into());
    let tmp = dir.join(format!(".{name}.ai-commit-{}.tmp", std::process::id()));
    // A leftover of a killed run with the same process id, or anything planted under our name.
    let _ = fs::remove_file(&tmp);
    let result = (|| {
        // A new file, never one found under the name: a link planted there is not followed.
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        // No fsync: git writes this file without one too, and it costs milliseconds on every
        // commit. The rename alone keeps readers from ever seeing half a file.
        file.write_all(content)?;
        fs::set_permissions(&tmp, meta.permissions())?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        // Best effort: the temporary file is ours and useless now.
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const EDITOR_FILE: &str = "\n# Please enter the commit message for your changes. Lines starting\n# with '#' will be ignored.\n#\n# On branch main\n";

    fn s(v: Vec<u8>) -> String {
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn message_and_note_go_above_git_comments() {
        let out = compose(
            EDITOR_FILE.as_bytes(),
            Some("Fix bug"),
            Some("# ai-commit: x"),
        );
        assert_eq!(s(out), format!("Fix bug\n# ai-commit: x\n{EDITOR_FILE}"));
    }

    #[test]
    fn template_text_stays_below_after_a_blank_line() {
        let existing = "Ticket: \n\n# Please enter\n";
        let out = compose(existing.as_bytes(), Some("Fix bug\n\nBody."), None);
        assert_eq!(s(out), "Fix bug\n\nBody.\n\nTicket: \n\n# Please enter\n");
    }

    #[test]
    fn scissors_section_stays_at_the_bottom() {
        let existing = "\n# Please enter\n# ------------------------ >8 ------------------------\n# Do not modify\ndiff --git a/x b/x\n";
        let out = s(compose(existing.as_bytes(), Some("Add x"), None));
        assert!(out.starts_with("Add x\n"));
        assert!(out.ends_with(existing));
    }

    #[test]
    fn empty_file_gets_only_the_message() {
        assert_eq!(s(compose(b"", Some("Add x"), None)), "Add x\n");
    }

    #[test]
    fn running_twice_changes_nothing() {
        let once = compose(
            EDITOR_FILE.as_bytes(),
            Some("Fix bug"),
            Some("# ai-commit: x"),
        );
        let twice = compose(&once, Some("Fix bug"), Some("# ai-commit: x"));
        assert_eq!(once, twice);
    }

    #[test]
    fn non_utf8_text_is_kept_byte_for_byte() {
        let existing = b"caf\xe9\n# c\n";
        let out = compose(existing, Some("Add x"), None);
        assert!(out.ends_with(existing));
    }

    #[test]
    fn no_control_character_is_written_and_the_note_stays_one_line() {
        let out = compose(
            EDITOR_FILE.as_bytes(),
            Some("Add \u{1b}[31mx\u{7}\r\n\nBody\twith a tab."),
            Some("# ai-commit: message from m\n\nCo-authored-by: E <e@x>"),
        );
        assert_eq!(
            s(out),
            format!(
                "Add [31mx\n\nBody with a tab.\n\
                 # ai-commit: message from m  Co-authored-by: E <e@x>\n{EDITOR_FILE}"
            )
        );
    }

    #[test]
    fn nothing_to_write_leaves_the_file_alone() {
        assert_eq!(compose(b"abc", None, None), b"abc".to_vec());
    }

    #[test]
    fn auto_prefix_is_read_from_gits_own_lines() {
        let file = b"# a template line\n\n; Please enter the commit message\n; On branch main\n";
        assert_eq!(comment_prefix(Some("auto"), file), ";");
        let verbose = b"\n; Please\n; ------------------------ >8 ------------------------\n; Do not\ndiff --git a/x b/x\n+x\n";
        assert_eq!(comment_prefix(Some("auto"), verbose), ";");
        assert_eq!(comment_prefix(Some("//"), b""), "//");
        assert_eq!(comment_prefix(None, b""), "#");
    }

    #[test]
    fn only_gits_stripping_help_text_says_comments_go() {
        assert!(git_strips_comments(EDITOR_FILE.as_bytes(), "#"));
        let kept = "\n# Please enter the commit message for your changes. Lines starting\n# with '#' will be kept; you may remove them yourself if you want to.\n";
        assert!(!git_strips_comments(kept.as_bytes(), "#"));
        let scissors = "\n# ------------------------ >8 ------------------------\n# Do not modify\ndiff --git a/x b/x\n# with '#' will be ignored\n";
        assert!(!git_strips_comments(scissors.as_bytes(), "#"));
        assert!(!git_strips_comments(b"", "#"));
        let custom = "\n// Please enter. Lines starting\n// with '//' will be ignored.\n";
        assert!(git_strips_comments(custom.as_bytes(), "//"));
        assert!(!git_strips_comments(custom.as_bytes(), "#"));
    }

    #[test]
    fn written_text_is_what_stands_above_gits_comments() {
        assert_eq!(written_text(EDITOR_FILE.as_bytes(), "#"), None);
        // `git commit -s` writes the sign-off above the comments: no intent.
        let signed = "\nSigned-off-by: Test User <test@example.com>\n# Please enter\n";
        assert_eq!(written_text(signed.as_bytes(), "#"), None);
        let template = "Ticket:\nWhy: speed up the login page\n\n# Please enter\n# x\n";
        assert_eq!(
            written_text(template.as_bytes(), "#").as_deref(),
            Some("Why: speed up the login page")
        );
        let scissors = "Cache it\n# ------------------------ >8 ------------------------\n";
        assert_eq!(
            written_text(scissors.as_bytes(), "#").as_deref(),
            Some("Cache it")
        );
    }

    #[test]
    fn gits_own_trailer_block_is_found() {
        let signed = "\n\nSigned-off-by: T <t@e>\nRefs: X-1\n# Please enter\n";
        assert_eq!(
            trailer_block_end(signed.as_bytes(), "#"),
            Some(signed.find('#').unwrap())
        );
        assert_eq!(trailer_block_end(EDITOR_FILE.as_bytes(), "#"), None);
        assert_eq!(trailer_block_end(b"Ticket: 1\nWhy not\n", "#"), None);
        assert_eq!(trailer_block_end(b"Refs: 1\n\nMore text\n", "#"), None);
    }

    #[test]
    fn an_old_message_becomes_comments_and_keeps_its_trailers() {
        let file = "Old subject\n\nOld body.\n\nSigned-off-by: T <t@e>\n# Please enter\n";
        let (out, trailers) = comment_out_message(file.as_bytes(), "#");
        assert_eq!(
            s(out),
            "# Old subject\n#\n# Old body.\n#\n# Signed-off-by: T <t@e>\n# Please enter\n"
        );
        assert_eq!(trailers.as_deref(), Some("Signed-off-by: T <t@e>"));
        let (_, none) = comment_out_message(b"Old subject\n", "#");
        assert_eq!(none, None);
    }

    #[test]
    fn atomic_write_replaces_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("COMMIT_EDITMSG");
        fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn atomic_write_leaves_a_device_alone_and_keeps_a_link() {
        assert!(write_atomically(Path::new("/dev/null"), b"new").is_err());
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real");
        let link = dir.path().join("COMMIT_EDITMSG");
        fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&target).unwrap(), b"new");
    }
}
