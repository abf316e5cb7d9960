//! How the change is written out for the model: the file list, each file's diff, and a diff
//! cut to a share of the budget.

use std::borrow::Cow;

use globset::GlobSet;

use super::select::{treatment, Treatment};
use super::tokens::{estimate_on, estimate_tokens, estimate_up_to};
use crate::diff::{FileChange, Status};
use crate::redact::shown_path;
use crate::summary::thousands;

/// The words of the file list's notes that no commit subject says: a subject with one is the
/// list read back. The 0.5B model answered ripgrep's pool-capacity change, shown as `M
/// Cargo.lock +2 -2 (lockfile, diff not shown)` among its files, with "ignore: lockfile, diff
/// not shown".
pub const LIST_NOTES: &[&str] = &["diff not shown", "content not sent"];

/// One line per file: status, path, line counts and what kind of change it is, under a
/// header with the totals.
pub(super) fn file_list(files: &[FileChange], excluded: &GlobSet, budget: usize) -> (String, bool) {
    let added: usize = files.iter().map(|f| f.added).sum();
    let removed: usize = files.iter().map(|f| f.removed).sum();
    // Even over a single file's line, which says what its totals say: without it, the 1.5B
    // model named the lockfile rather than the package in 3 of 11 replies to commitizen's
    // lockfile bumps (`fix(uv.lock): update dependency versions`), and in none with it.
    let mut out = format!("Changed files ({}, +{added} -{removed}):\n", files.len());
    let mut used = estimate_tokens(&out);
    for (i, f) in files.iter().enumerate() {
        let line = list_line(f, excluded);
        let cost = estimate_tokens(&line);
        // Room is kept for the summary of the rest, which is a few dozen tokens at most.
        if used + cost + 48 > budget {
            out.push_str(&summarise_rest(&files[i..]));
            return (out, true);
        }
        used += cost;
        out.push_str(&line);
    }
    (out, false)
}

fn list_line(f: &FileChange, excluded: &GlobSet) -> String {
    let code = match f.status {
        Status::Added => "A",
        Status::Deleted => "D",
        Status::Modified => "M",
        Status::Renamed => "R",
        Status::Copied => "C",
        Status::TypeChanged => "T",
    };
    let path = match &f.old_path {
        Some(old) => format!("{} -> {}", shown_path(old), shown_path(&f.path)),
        None => shown_path(&f.path),
    };
    let mut line = format!("{code} {path}");
    match treatment(f, excluded) {
        Treatment::Submodule(old, new) => {
            line.push_str(&format!(" (submodule {} -> {})", short(&old), short(&new)));
        }
        Treatment::Binary => line.push_str(" (binary)"),
        Treatment::LfsPointer(size) => {
            line.push_str(&format!(" (Git LFS object, {size} bytes)"));
        }
        other => {
            if f.added > 0 {
                line.push_str(&format!(" +{}", f.added));
            }
            if f.removed > 0 {
                line.push_str(&format!(" -{}", f.removed));
            }
            if let Some((old, new)) = f.mode_change {
                line.push_str(&format!(" (mode {old:o} -> {new:o})"));
            }
            line.push_str(match other {
                Treatment::WhitespaceOnly => " (whitespace only)",
                Treatment::Generated => " (generated, diff not shown)",
                Treatment::Secret => " (secret file, content not sent)",
                Treatment::Lockfile => " (lockfile, diff not shown)",
                Treatment::Excluded => " (excluded, diff not shown)",
                _ => "",
            });
        }
    }
    line.push('\n');
    line
}

/// "... and 1,980 more files: 1,980 renamed under src/": the files left out of the list,
/// counted by how they changed and where (their first directory in common).
fn summarise_rest(rest: &[FileChange]) -> String {
    let mut groups: Vec<(&str, String, usize)> = Vec::new();
    for f in rest {
        let how = match f.status {
            Status::Added => "added",
            Status::Deleted => "deleted",
            Status::Modified | Status::TypeChanged => "modified",
            Status::Renamed => "renamed",
            Status::Copied => "copied",
        };
        let top = match f.path.split_once('/') {
            Some((dir, _)) => format!("under {}/", shown_path(dir)),
            None => "at the top".to_string(),
        };
        match groups.iter_mut().find(|(h, t, _)| *h == how && *t == top) {
            Some((_, _, n)) => *n += 1,
            None => groups.push((how, top, 1)),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.2));
    let mut parts: Vec<String> = groups
        .iter()
        .take(4)
        .map(|(how, top, n)| format!("{} {how} {top}", thousands(*n)))
        .collect();
    let others: usize = groups.iter().skip(4).map(|g| g.2).sum();
    if others > 0 {
        parts.push(format!("{} elsewhere", thousands(others)));
    }
    format!(
        "... and {} more files: {}\n",
        thousands(rest.len()),
        parts.join(", ")
    )
}

fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

/// A file's diff as the prompt writes it, kept as the pieces it is joined from: its `--- path`
/// line, then each hunk's `@@` line, a newline and its lines. Measured and cut as pieces, a
/// 46,505-line insertion is never copied whole only to show a few hundred lines of it.
pub(super) struct Section<'a> {
    pieces: Vec<Cow<'a, str>>,
}

impl Section<'_> {
    /// [`estimate_up_to`] of the joined text. Every piece starts with `-`, `@` or a newline,
    /// or after a newline, so no run the estimate counts spans two pieces and the counts add up.
    pub(super) fn estimate_up_to(&self, limit: usize) -> usize {
        self.pieces.iter().fold(0, |n, piece| {
            if n > limit {
                n
            } else {
                estimate_on(piece, n, limit)
            }
        })
    }

    /// The joined text.
    fn text(&self) -> String {
        self.pieces.concat()
    }

    /// The joined text's first line: the `--- path` line.
    fn first_line(&self) -> &str {
        self.pieces
            .first()
            .and_then(|p| p.lines().next())
            .unwrap_or("")
    }
}

pub(super) fn render_file(f: &FileChange, context: usize) -> Section<'_> {
    let what = match f.status {
        Status::Added => " (new file)",
        Status::Deleted => " (deleted)",
        _ => "",
    };
    let mut pieces = vec![Cow::Owned(format!("--- {}{what}\n", shown_path(&f.path)))];
    for h in &f.hunks {
        pieces.push(Cow::Borrowed(shown_header(&h.header)));
        pieces.push(Cow::Borrowed("\n"));
        pieces.push(with_context(&h.body, context));
    }
    Section { pieces }
}

/// A hunk's `@@` line as the prompt shows it: without its line numbers, only the function or
/// section it is in (`@@ impl Dir {`), or a bare `@@`. The numbers (`-177,7 +177,11`) say
/// nothing a subject uses and cost the 1.5B model's tokenizer a token a digit: 14 of a hunk
/// line's 18 tokens, read anew on every commit.
fn shown_header(header: &str) -> &str {
    header
        .strip_prefix("@@ ")
        .and_then(|ranges| ranges.find("@@").map(|end| &ranges[end..]))
        .unwrap_or(header)
}

/// The lines of a hunk's `body`, unchanged lines only within `context` lines of a changed one
/// (the diff itself has 3: nothing is dropped then, and nothing copied).
fn with_context(body: &str, context: usize) -> Cow<'_, str> {
    const DIFF_CONTEXT: usize = 3;
    if context >= DIFF_CONTEXT {
        return Cow::Borrowed(body);
    }
    let mut out = String::new();
    let lines: Vec<&str> = body.split_inclusive('\n').collect();
    let changed: Vec<bool> = lines.iter().map(|l| !l.starts_with(' ')).collect();
    for (i, line) in lines.iter().enumerate() {
        let near = changed[i.saturating_sub(context)..(i + context + 1).min(lines.len())]
            .iter()
            .any(|c| *c);
        if near {
            out.push_str(line);
        }
    }
    Cow::Owned(out)
}
/// A file's diff within `tokens`: whole when it fits; otherwise its small hunks whole, the
/// rest named by count, and one large hunk by its head and tail (the start and end of a long
/// insertion say most about it). The header line and each hunk's `@@` line (with the
/// function it is in) are always kept for what is shown.
pub(super) fn fit_file(f: &FileChange, section: &Section<'_>, tokens: usize) -> (String, bool) {
    if section.estimate_up_to(tokens) <= tokens {
        return (section.text(), false);
    }
    let header = section.first_line();
    let mut out = format!("{header}\n");
    let note_room = 24;
    if tokens < estimate_tokens(&out) + note_room + 16 {
        // Not even room to say what is missing: the file list names it.
        return (String::new(), true);
    }
    let mut left = tokens.saturating_sub(estimate_tokens(&out) + note_room);
    let cost = |h: &crate::diff::Hunk| {
        estimate_tokens(shown_header(&h.header)) + 1 + estimate_up_to(&h.body, tokens)
    };
    // Smallest first, as long as they fit whole.
    let mut order: Vec<usize> = (0..f.hunks.len()).collect();
    order.sort_by_key(|&i| cost(&f.hunks[i]));
    let mut whole = vec![false; f.hunks.len()];
    for &i in &order {
        let c = cost(&f.hunks[i]);
        if c > left {
            break;
        }
        whole[i] = true;
        left -= c;
    }
    // What is left goes to the first hunk that did not fit, as head and tail.
    let partial = (0..f.hunks.len())
        .find(|&i| !whole[i])
        .filter(|_| left >= 48);
    let mut skipped = 0;
    for (i, h) in f.hunks.iter().enumerate() {
        let header = shown_header(&h.header);
        if whole[i] {
            out.push_str(header);
            out.push('\n');
            out.push_str(&h.body);
        } else if Some(i) == partial {
            out.push_str(header);
            out.push('\n');
            out.push_str(&head_and_tail(
                &h.body,
                left.saturating_sub(estimate_tokens(header) + 1),
            ));
        } else {
            skipped += 1;
        }
    }
    if skipped > 0 {
        let noun = if skipped == 1 { "hunk" } else { "hunks" };
        out.push_str(&format!(
            "[... {skipped} more {noun} of this file not shown]\n"
        ));
    }
    (out, true)
}

/// The first and last lines of `body` within `tokens` (about 60% head, 40% tail), with the
/// number of lines left out between them.
fn head_and_tail(body: &str, tokens: usize) -> String {
    let note_room = 16;
    let budget = tokens.saturating_sub(note_room);
    // Read from each end only as far as it is shown: the lines between are counted, never
    // collected (a 46,505-line insertion shows a few hundred).
    let mut used = 0;
    let mut head = 0;
    for line in body.split_inclusive('\n') {
        let c = estimate_tokens(line);
        if used + c > budget * 3 / 5 {
            break;
        }
        used += c;
        head += line.len();
    }
    let rest = &body[head..];
    let mut tail = rest.len();
    for line in rest.split_inclusive('\n').rev() {
        let c = estimate_tokens(line);
        if used + c > budget {
            break;
        }
        used += c;
        tail -= line.len();
    }
    let middle = &rest[..tail];
    let missing = newlines(middle) + usize::from(!middle.is_empty() && !middle.ends_with('\n'));
    let mut out = body[..head].to_string();
    if missing > 0 {
        let noun = if missing == 1 { "line" } else { "lines" };
        out.push_str(&format!(
            "[... {} {noun} not shown ...]\n",
            thousands(missing)
        ));
    }
    out.push_str(&rest[tail..]);
    out
}

/// How many `\n` bytes `text` holds, counted a byte-sized tally per block so that the
/// compiler counts many bytes at once.
fn newlines(text: &str) -> usize {
    text.as_bytes()
        .chunks(u8::MAX as usize)
        .map(|block| block.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n')) as usize)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Hunk;

    #[test]
    fn a_section_counts_as_its_joined_text_does() {
        let mut f = FileChange::new("src/日本/x y.rs", Status::Added);
        for (header, body) in [
            (
                "@@ -0,0 +1,3 @@ fn a()",
                "+let x = 12;\n+    indented\n+日本語\n",
            ),
            ("@@ -9 +12 @@", "-old  \n+new\n \tctx\n"),
            ("@@ -20,2 +23,2 @@ 日本", " a\n b\n-c\n+d\n e\n f\n g\n h\n"),
        ] {
            f.hunks.push(Hunk {
                header: header.into(),
                body: body.into(),
            });
        }
        for context in [0, 1, 3] {
            let section = render_file(&f, context);
            let text = section.text();
            assert_eq!(section.first_line(), text.lines().next().unwrap());
            for limit in (0..80).chain([usize::MAX]) {
                assert_eq!(
                    section.estimate_up_to(limit),
                    estimate_up_to(&text, limit),
                    "context {context}, limit {limit}"
                );
            }
        }
    }

    #[test]
    fn every_note_that_hides_a_diff_is_known_to_the_checks() {
        let excluded = super::super::select::exclusion_set(&["docs/generated/**".to_string()]);
        let mut hidden = Vec::new();
        for path in ["Cargo.lock", ".env", "docs/generated/api.md"] {
            let mut f = FileChange::new(path, Status::Modified);
            f.added = 2;
            f.hunks.push(Hunk {
                header: "@@ -1 +1 @@".into(),
                body: "-a\n+b\n".into(),
            });
            hidden.push(f);
        }
        let mut generated = FileChange::new("src/parser.rs", Status::Modified);
        generated.generated = true;
        generated.added = 1;
        generated.hunks = hidden[0].hunks.clone();
        hidden.push(generated);
        let (list, _) = file_list(&hidden, &excluded, 10_000);
        for line in list.lines().skip(1) {
            assert!(
                LIST_NOTES.iter().any(|n| line.contains(n)),
                "{line:?} has no note the checks know"
            );
        }
    }
}
