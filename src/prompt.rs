//! The messages sent to the model: the instructions, then the staged change fitted into the
//! context window. Pure: staged changes and settings in, text out.
//!
//! Ollama does not reject a prompt longer than `num_ctx`: it silently drops the middle, and the
//! instructions at the head are lost with it. So the prompt is fitted here, with a token estimate
//! that errs on the side of counting too many.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::diff::{FileChange, Status};
use crate::redact::{is_secret_path, redact};
use crate::summary::thousands;

/// Lockfiles and other machine-written files: their diffs say nothing a message needs.
const LOCKFILES: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "bun.lockb",
    "poetry.lock",
    "Pipfile.lock",
    "uv.lock",
    "composer.lock",
    "Gemfile.lock",
    "go.sum",
    "flake.lock",
    "mix.lock",
    "pubspec.lock",
    "Podfile.lock",
    "packages.lock.json",
    "gradle.lockfile",
];

/// Tokens kept free for the chat template's own markup around the two messages.
const TEMPLATE_OVERHEAD: usize = 64;
/// The file list may use at most this share of the room, so that a huge change still shows
/// some diff.
const LIST_SHARE: f64 = 0.4;

/// What the prompt is built from.
#[derive(Debug, Clone)]
pub struct PromptSettings {
    /// The system instructions.
    pub instructions: String,
    /// The model's context window in tokens.
    pub num_ctx: usize,
    /// Tokens reserved for the answer.
    pub num_predict: usize,
    /// Globs of paths whose diff is never sent.
    pub exclude: Vec<String>,
}

/// The two messages and what they cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// The system message.
    pub system: String,
    /// The user message: the file list and as much diff as fits.
    pub user: String,
    /// Estimated tokens of both messages.
    pub estimated_tokens: usize,
    /// Whether any part of the change was left out to fit the window.
    pub cut: bool,
}

/// A token count that errs high, whatever the text. Calibrated against two real tokenizers
/// (SmolLM2's and Gemma 3's, through llama.cpp's `/tokenize`; `cargo bench --bench
/// token_calibration`): a plain bytes-per-token estimate undercounted digits, hex, base64 and
/// CJK text by up to 60%, because tokenizers give every digit a token of its own. So:
///
/// - an ASCII word of letters: a token per 4 letters;
/// - a run of letters and digits with any digit in it (numbers, hex ids, base64): a token per
///   character;
/// - a run of spaces: one token, or one per 4 spaces of indentation; a tab, a newline or other
///   ASCII punctuation: a token each;
/// - non-ASCII text: a token per 1.5 bytes.
///
/// Its lowest ratio to the real count was 1.00 (a CSV of numbers) on both tokenizers; code comes
/// out about 1.6 times high, prose about 2 times.
pub fn estimate_tokens(text: &str) -> usize {
    estimate_up_to(text, usize::MAX)
}

/// [`estimate_tokens`], but stops counting past `limit` (returning more than `limit`): the size
/// of a 46,505-line file only needs to be known to exceed the window.
fn estimate_up_to(text: &str, limit: usize) -> usize {
    let b = text.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < b.len() && n <= limit {
        let c = b[i];
        let start = i;
        if c.is_ascii_alphanumeric() {
            let mut digit = false;
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                digit |= b[i].is_ascii_digit();
                i += 1;
            }
            n += if digit {
                i - start
            } else {
                (i - start).div_ceil(4)
            };
        } else if c == b' ' {
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
            n += (i - start).div_ceil(4);
        } else if c.is_ascii() {
            n += 1;
            i += 1;
        } else {
            while i < b.len() && !b[i].is_ascii() {
                i += 1;
            }
            n += ((i - start) * 2).div_ceil(3);
        }
    }
    n
}

/// Builds the prompt for `files` within the settings' window.
pub fn build(files: &[FileChange], settings: &PromptSettings) -> Prompt {
    let excluded = exclusion_set(&settings.exclude);
    let system = settings.instructions.clone();
    let reserved = estimate_tokens(&system) + settings.num_predict + TEMPLATE_OVERHEAD;
    // 5% margin on top of the estimate for what the estimate cannot see.
    let room = (settings.num_ctx.saturating_sub(reserved) * 95 / 100).max(64);

    let (list, list_cut) = file_list(files, &excluded, (room as f64 * LIST_SHARE) as usize);
    let mut user = list;
    let mut used = estimate_tokens(&user);

    let shown: Vec<&FileChange> = files.iter().filter(|f| shows_diff(f, &excluded)).collect();
    let sections: Vec<String> = shown.iter().map(|f| render_file(f)).collect();
    let mut diff_cut = false;
    if !sections.is_empty() {
        let prose = shown.iter().all(|f| is_prose(&f.path));
        let hint = "\nThese are prose files: say what the new text is about, not only that a \
                    file changed.\n";
        if prose {
            used += estimate_tokens(hint);
        }
        let header = "\nDiff:\n";
        used += estimate_tokens(header);
        let budget = room.saturating_sub(used);
        let sizes: Vec<usize> = sections.iter().map(|s| estimate_up_to(s, budget)).collect();
        let shares = share_out(&sizes, budget);
        user.push_str(header);
        for ((file, section), share) in shown.iter().zip(&sections).zip(shares) {
            let (text, cut) = fit_file(file, section, share);
            diff_cut |= cut;
            // After fitting: a marker is never longer than what it replaces.
            user.push_str(&redact(&text));
        }
        if prose {
            user.push_str(hint);
        }
    }
    let estimated_tokens = estimate_tokens(&system) + estimate_tokens(&user);
    Prompt {
        system,
        user,
        estimated_tokens,
        cut: list_cut || diff_cut,
    }
}

fn exclusion_set(globs: &[String]) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        // Invalid globs were rejected when the config was loaded.
        if let Ok(glob) = GlobBuilder::new(g).build() {
            builder.add(glob);
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

fn is_lockfile(f: &FileChange) -> bool {
    LOCKFILES.contains(&f.file_name())
}

fn shows_diff(f: &FileChange, excluded: &GlobSet) -> bool {
    !f.hunks.is_empty()
        && !f.binary
        && !is_generated(f)
        && !is_whitespace_only(f)
        && !is_lockfile(f)
        && !excluded.is_match(&f.path)
        && !is_secret_path(&f.path)
        && lfs_pointer(f).is_none()
}

/// Written by a tool: `linguist-generated` in `.gitattributes`, or a name tools use.
fn is_generated(f: &FileChange) -> bool {
    let name = f.file_name();
    f.generated
        || [
            ".min.js",
            ".min.css",
            ".pb.go",
            "_pb2.py",
            ".g.dart",
            ".designer.cs",
            ".map",
        ]
        .iter()
        .any(|s| name.ends_with(s))
        || name.contains(".generated.")
        || name.contains("_generated.")
}

/// Every removed and added line is the same text but for whitespace.
fn is_whitespace_only(f: &FileChange) -> bool {
    if f.added == 0 || f.removed == 0 {
        return false;
    }
    let squeeze = |origin: char| -> String {
        f.hunks
            .iter()
            .flat_map(|h| h.body.lines())
            .filter(|l| l.starts_with(origin))
            .flat_map(|l| l[1..].chars().filter(|c| !c.is_whitespace()))
            .collect()
    };
    squeeze('-') == squeeze('+')
}

/// Prose rather than code: what was written matters more than which file.
fn is_prose(path: &str) -> bool {
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

/// A Git LFS pointer's object size, when the staged text is a pointer rather than content:
/// its `oid` and `size` lines say nothing about the change.
fn lfs_pointer(f: &FileChange) -> Option<String> {
    const SPEC: &str = "version https://git-lfs.github.com/spec/";
    let body = &f.hunks.first()?.body;
    let mut lines = body.lines();
    let first = lines.next()?;
    if !first.get(1..)?.starts_with(SPEC) {
        return None;
    }
    let size = body
        .lines()
        .filter(|l| l.starts_with('+'))
        .find_map(|l| l[1..].strip_prefix("size "))
        .unwrap_or("?");
    Some(size.trim().to_string())
}

/// One line per file: status, path, line counts and what kind of change it is.
fn file_list(files: &[FileChange], excluded: &GlobSet, budget: usize) -> (String, bool) {
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
        Some(old) => format!("{old} -> {}", f.path),
        None => f.path.clone(),
    };
    let mut line = format!("{code} {path}");
    if let Some((old, new)) = &f.submodule {
        line.push_str(&format!(" (submodule {} -> {})", short(old), short(new)));
    } else if f.binary {
        line.push_str(" (binary)");
    } else if let Some(size) = lfs_pointer(f) {
        line.push_str(&format!(" (Git LFS object, {size} bytes)"));
    } else {
        if f.added > 0 {
            line.push_str(&format!(" +{}", f.added));
        }
        if f.removed > 0 {
            line.push_str(&format!(" -{}", f.removed));
        }
        if let Some((old, new)) = f.mode_change {
            line.push_str(&format!(" (mode {old:o} -> {new:o})"));
        }
        if !f.hunks.is_empty() {
            if is_whitespace_only(f) {
                line.push_str(" (whitespace only)");
            } else if is_generated(f) {
                line.push_str(" (generated, diff not shown)");
            } else if is_secret_path(&f.path) {
                line.push_str(" (secret file, content not sent)");
            } else if is_lockfile(f) {
                line.push_str(" (lockfile, diff not shown)");
            } else if excluded.is_match(&f.path) {
                line.push_str(" (excluded, diff not shown)");
            }
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
            Some((dir, _)) => format!("under {dir}/"),
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

fn render_file(f: &FileChange) -> String {
    let what = match f.status {
        Status::Added => " (new file)",
        Status::Deleted => " (deleted)",
        _ => "",
    };
    let mut out = format!("--- {}{what}\n", f.path);
    for h in &f.hunks {
        out.push_str(&h.header);
        out.push('\n');
        out.push_str(&h.body);
    }
    out
}

/// Splits `budget` among sections: small ones whole, the rest in equal shares (water-filling),
/// so one huge file cannot crowd out every other file's diff.
fn share_out(sizes: &[usize], budget: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| sizes[i]);
    let mut shares = vec![0; sizes.len()];
    let mut left = budget;
    for (n, &i) in order.iter().enumerate() {
        let fair = left / (sizes.len() - n);
        // A share too small to show anything is worth more as whole small files: with
        // thousands of files, show as many complete ones as fit rather than none at all.
        if fair < MIN_SHARE && sizes[i] > fair {
            for &j in &order[n..] {
                if sizes[j] <= left {
                    shares[j] = sizes[j];
                    left -= sizes[j];
                }
            }
            break;
        }
        shares[i] = sizes[i].min(fair);
        left -= shares[i];
    }
    shares
}

/// The smallest share of the window a partly shown file is given.
const MIN_SHARE: usize = 96;

/// A file's diff within `tokens`: whole when it fits; otherwise its small hunks whole, the
/// rest named by count, and one large hunk by its head and tail (the start and end of a long
/// insertion say most about it). The header line and each hunk's `@@` line (with the
/// function it is in) are always kept for what is shown.
fn fit_file(f: &FileChange, section: &str, tokens: usize) -> (String, bool) {
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
    let lines: Vec<&str> = body.split_inclusive('\n').collect();
    let note_room = 16;
    let budget = tokens.saturating_sub(note_room);
    let mut head_end = 0;
    let mut used = 0;
    while head_end < lines.len() {
        let c = estimate_tokens(lines[head_end]);
        if used + c > budget * 3 / 5 {
            break;
        }
        used += c;
        head_end += 1;
    }
    let mut tail_start = lines.len();
    while tail_start > head_end {
        let c = estimate_tokens(lines[tail_start - 1]);
        if used + c > budget {
            break;
        }
        used += c;
        tail_start -= 1;
    }
    let mut out: String = lines[..head_end].concat();
    let missing = tail_start - head_end;
    if missing > 0 {
        out.push_str(&format!(
            "[... {} lines not shown ...]\n",
            thousands(missing)
        ));
    }
    out.push_str(&lines[tail_start..].concat());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Hunk;

    fn settings(num_ctx: usize) -> PromptSettings {
        PromptSettings {
            instructions: "Write a commit message.".into(),
            num_ctx,
            num_predict: 128,
            exclude: vec!["docs/generated/**".into()],
        }
    }

    fn text_file(path: &str, lines: usize) -> FileChange {
        let mut f = FileChange::new(path, Status::Modified);
        let body: String = (0..lines)
            .map(|i| format!("+line {i} of {path}\n"))
            .collect();
        f.added = lines;
        f.hunks.push(Hunk {
            header: format!("@@ -0,0 +1,{lines} @@"),
            body,
        });
        f
    }

    #[test]
    fn small_change_is_sent_whole() {
        let files = vec![text_file("src/a.rs", 3)];
        let p = build(&files, &settings(8192));
        assert!(!p.cut);
        assert!(p
            .user
            .starts_with("Changed files (1, +3 -0):\nM src/a.rs +3\n"));
        assert!(p
            .user
            .contains("--- src/a.rs\n@@ -0,0 +1,3 @@\n+line 0 of src/a.rs\n"));
    }

    #[test]
    fn huge_change_fits_the_window_and_says_what_was_cut() {
        let files = vec![text_file("journal.txt", 46_505), text_file("src/b.rs", 5)];
        let s = settings(4096);
        let p = build(&files, &s);
        assert!(p.cut);
        assert!(p.estimated_tokens + s.num_predict + TEMPLATE_OVERHEAD <= s.num_ctx);
        // The small file is whole even though the big one came first.
        assert!(p.user.contains("+line 4 of src/b.rs\n"));
        assert!(p.user.contains("lines not shown ...]"));
        // The end of the long insertion is shown too.
        assert!(
            p.user.contains("+line 46504 of journal.txt\n"),
            "{}",
            p.user
        );
    }

    #[test]
    fn thousands_of_files_keep_the_list_bounded() {
        let files: Vec<_> = (0..2000)
            .map(|i| text_file(&format!("src/m{i}.rs"), 2))
            .collect();
        let s = settings(8192);
        let p = build(&files, &s);
        assert!(p.estimated_tokens + s.num_predict + TEMPLATE_OVERHEAD <= s.num_ctx);
        assert!(p.user.contains("more files: "), "{}", p.user);
        assert!(p.user.contains(" modified under src/\n"), "{}", p.user);
        assert!(p.user.contains("\nDiff:\n"));
    }

    #[test]
    fn lockfiles_binaries_and_excluded_paths_are_names_only() {
        let mut bin = FileChange::new("logo.png", Status::Added);
        bin.binary = true;
        let files = vec![
            text_file("Cargo.lock", 10),
            text_file("docs/generated/api.md", 10),
            bin,
        ];
        let p = build(&files, &settings(8192));
        assert!(p
            .user
            .contains("M Cargo.lock +10 (lockfile, diff not shown)\n"));
        assert!(p
            .user
            .contains("M docs/generated/api.md +10 (excluded, diff not shown)\n"));
        assert!(p.user.contains("A logo.png (binary)\n"));
        assert!(!p.user.contains("Diff:"));
    }

    #[test]
    fn secret_files_and_lfs_pointers_are_names_only_and_secrets_are_redacted() {
        let mut env = text_file("config/.env", 2);
        env.hunks[0].body = "+DB_PASSWORD=hunter2hunter2\n+PORT=80\n".into();
        let mut lfs = text_file("assets/video.bin", 3);
        lfs.status = Status::Added;
        lfs.hunks[0].body = "+version https://git-lfs.github.com/spec/v1\n+oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n+size 12345\n".into();
        let mut code = text_file("src/aws.rs", 1);
        code.hunks[0].body = "+const KEY: &str = \"AKIAIOSFODNN7EXAMPLE\";\n".into();
        let p = build(&[env, lfs, code], &settings(8192));
        assert!(p
            .user
            .contains("M config/.env +2 (secret file, content not sent)\n"));
        assert!(p
            .user
            .contains("A assets/video.bin (Git LFS object, 12345 bytes)\n"));
        assert!(!p.user.contains("hunter2"), "{}", p.user);
        assert!(!p.user.contains("oid sha256"), "{}", p.user);
        assert!(!p.user.contains("AKIAIOSFODNN7EXAMPLE"), "{}", p.user);
        assert!(
            p.user.contains("+const KEY: &str = \"[REDACTED]\";\n"),
            "{}",
            p.user
        );
    }

    #[test]
    fn estimate_counts_digits_and_non_ascii_high() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("garden"), 2);
        assert_eq!(estimate_tokens("12,345\n"), 7);
        assert_eq!(estimate_tokens("    let x = 1;"), 9);
        assert_eq!(estimate_tokens("日本語"), 6);
        // Never less than a token per digit.
        let csv = "0,1,2,3,4,5,6,7,8,9\n".repeat(100);
        assert!(estimate_tokens(&csv) >= 2000);
    }

    #[test]
    fn shares_favour_small_sections() {
        assert_eq!(share_out(&[100, 10, 1000], 300), vec![100, 10, 190]);
        assert_eq!(share_out(&[5, 5], 100), vec![5, 5]);
        // Too many files for a useful share each: whole ones, smallest first, while they fit.
        assert_eq!(share_out(&[30; 5], 100), vec![30, 30, 30, 0, 0]);
    }
}
