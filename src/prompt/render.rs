//! How the change is written out for the model: the file list, each file's diff, and a diff
//! cut to a share of the budget.

use globset::GlobSet;

use super::select::{treatment, Treatment};
use super::tokens::{estimate_tokens, estimate_up_to};
use crate::diff::{FileChange, Status};
use crate::redact::shown_path;
use crate::summary::thousands;

/// One line per file: status, path, line counts and what kind of change it is.
pub(super) fn file_list(files: &[FileChange], excluded: &GlobSet, budget: usize) -> (String, bool) {
    let added: usize = files.iter().map(|f| f.added).sum();
    let removed: usize = files.iter().map(|f| f.removed).sum();
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

pub(super) fn render_file(f: &FileChange, context: usize) -> String {
    let what = match f.status {
        Status::Added => " (new file)",
        Status::Deleted => " (deleted)",
        _ => "",
    };
    let mut out = format!("--- {}{what}\n", shown_path(&f.path));
    for h in &f.hunks {
        out.push_str(&h.header);
        out.push('\n');
        push_with_context(&mut out, &h.body, context);
    }
    out
}

/// The lines of a hunk's `body` onto `out`, unchanged lines only within `context` lines of a
/// changed one (the diff itself has 3: nothing is dropped then).
fn push_with_context(out: &mut String, body: &str, context: usize) {
    const DIFF_CONTEXT: usize = 3;
    if context >= DIFF_CONTEXT {
        out.push_str(body);
        return;
    }
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
}
/// A file's diff within `tokens`: whole when it fits; otherwise its small hunks whole, the
/// rest named by count, and one large hunk by its head and tail (the start and end of a long
/// insertion say most about it). The header line and each hunk's `@@` line (with the
/// function it is in) are always kept for what is shown.
pub(super) fn fit_file(f: &FileChange, section: &str, tokens: usize) -> (String, bool) {
    if estimate_up_to(section, tokens) <= tokens {
        return (section.to_string(), false);
    }
    let header = section.lines().next().unwrap_or("");
    let mut out = format!("{header}\n");
    let note_room = 24;
    if tokens < estimate_tokens(&out) + note_room + 16 {
        // Not even room to say what is missing: the file list names it.
        return (String::new(), true);
    }
    let mut left = tokens.saturating_sub(estimate_tokens(&out) + note_room);
    let cost =
        |h: &crate::diff::Hunk| estimate_tokens(&h.header) + 1 + estimate_up_to(&h.body, tokens);
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
        if whole[i] {
            out.push_str(&h.header);
            out.push('\n');
            out.push_str(&h.body);
        } else if Some(i) == partial {
            out.push_str(&h.header);
            out.push('\n');
            out.push_str(&head_and_tail(
                &h.body,
                left.saturating_sub(estimate_tokens(&h.header) + 1),
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
        out.push_str(&format!(
            "[... {} lines not shown ...]\n",
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
