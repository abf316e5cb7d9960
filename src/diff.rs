//! The staged changes as owned data, and a parser for `git diff --cached` output (what
//! [`crate::staged`] reads where libgit2 cannot read a repository, or is slower).

/// How a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// New file.
    Added,
    /// File removed.
    Deleted,
    /// Content or mode changed.
    Modified,
    /// Moved, possibly with edits.
    Renamed,
    /// Copied from another file.
    Copied,
    /// Became or stopped being a symlink or submodule.
    TypeChanged,
}

/// One hunk of a text diff.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hunk {
    /// The `@@ -a,b +c,d @@ context` line, without newline.
    pub header: String,
    /// The hunk's lines, each with its `+`, `-` or ` ` origin and a trailing newline.
    pub body: String,
}

/// One changed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// The path after the change (the old path for a deletion).
    pub path: String,
    /// The path before a rename or copy.
    pub old_path: Option<String>,
    /// How it changed.
    pub status: Status,
    /// Lines added.
    pub added: usize,
    /// Lines removed.
    pub removed: usize,
    /// Binary content: no hunks.
    pub binary: bool,
    /// A submodule update: old and new commit ids.
    pub submodule: Option<(String, String)>,
    /// File mode before and after, when it changed (e.g. 100644 -> 100755).
    pub mode_change: Option<(u32, u32)>,
    /// Marked `linguist-generated` in `.gitattributes`: written by a tool, not a person.
    pub generated: bool,
    /// The text hunks.
    pub hunks: Vec<Hunk>,
}

impl FileChange {
    /// A change with no content yet.
    pub fn new(path: impl Into<String>, status: Status) -> Self {
        FileChange {
            path: path.into(),
            old_path: None,
            status,
            added: 0,
            removed: 0,
            binary: false,
            submodule: None,
            mode_change: None,
            generated: false,
            hunks: Vec::new(),
        }
    }

    /// The file name without directories, as a person names a file in a subject line.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// Parses the output of `git diff --cached --no-color --no-ext-diff -M` (with `a/` and `b/`
/// prefixes and `core.quotePath=false`) into owned changes, counting lines as it goes.
pub fn parse_patch(text: &str) -> Vec<FileChange> {
    let mut parser = PatchParser::default();
    parser.text(text);
    parser.finish()
}

/// [`parse_patch`] a piece at a time, so that a patch is parsed while git is still writing
/// it. Fed the same text in pieces that each end at a newline (the last one may not), it
/// gives exactly what [`parse_patch`] gives for the whole.
#[derive(Debug, Default)]
pub struct PatchParser {
    files: Vec<FileChange>,
    in_hunk: bool,
}

impl PatchParser {
    /// Parses `text`, whole lines but for a last one the patch ends without a newline.
    pub fn text(&mut self, text: &str) {
        for line in text.split_inclusive('\n') {
            self.line(line);
        }
    }

    /// One line, with its newline when it has one.
    fn line(&mut self, line: &str) {
        let files = &mut self.files;
        let in_hunk = &mut self.in_hunk;
        let bare = line.trim_end_matches('\n');
        if let Some(rest) = bare.strip_prefix("diff --git ") {
            let (old, new) = split_git_header_paths(rest);
            let mut change = FileChange::new(new.clone(), Status::Modified);
            if old != new {
                change.old_path = Some(old);
            }
            files.push(change);
            *in_hunk = false;
            return;
        }
        let Some(file) = files.last_mut() else {
            return;
        };
        if *in_hunk {
            match bare.as_bytes().first() {
                Some(b'+' | b'-' | b' ') | Some(b'\\') => {
                    if let Some(h) = file.hunks.last_mut() {
                        h.body.push_str(line);
                        if !line.ends_with('\n') {
                            h.body.push('\n');
                        }
                    }
                    match bare.as_bytes().first() {
                        Some(b'+') => file.added += 1,
                        Some(b'-') => file.removed += 1,
                        _ => {}
                    }
                    if let Some(id) = bare.strip_prefix("+Subproject commit ") {
                        let old = file.submodule.take().map(|s| s.0).unwrap_or_default();
                        file.submodule = Some((old, id.to_string()));
                    } else if let Some(id) = bare.strip_prefix("-Subproject commit ") {
                        let new = file.submodule.take().map(|s| s.1).unwrap_or_default();
                        file.submodule = Some((id.to_string(), new));
                    }
                    return;
                }
                _ => *in_hunk = false,
            }
        }
        if bare.starts_with("@@") {
            file.hunks.push(Hunk {
                header: bare.to_string(),
                body: String::new(),
            });
            *in_hunk = true;
        } else if bare.starts_with("new file mode") {
            file.status = Status::Added;
        } else if bare.starts_with("deleted file mode") {
            file.status = Status::Deleted;
        } else if let Some(p) = bare.strip_prefix("rename from ") {
            file.old_path = Some(unquote(p));
            file.status = Status::Renamed;
        } else if let Some(p) = bare.strip_prefix("rename to ") {
            file.path = unquote(p);
            file.status = Status::Renamed;
        } else if let Some(p) = bare.strip_prefix("copy from ") {
            file.old_path = Some(unquote(p));
            file.status = Status::Copied;
        } else if let Some(p) = bare.strip_prefix("copy to ") {
            file.path = unquote(p);
            file.status = Status::Copied;
        } else if let Some(m) = bare.strip_prefix("old mode ") {
            let old = u32::from_str_radix(m.trim(), 8).unwrap_or(0);
            file.mode_change = Some((old, file.mode_change.map_or(0, |m| m.1)));
        } else if let Some(m) = bare.strip_prefix("new mode ") {
            let new = u32::from_str_radix(m.trim(), 8).unwrap_or(0);
            file.mode_change = Some((file.mode_change.map_or(0, |m| m.0), new));
        } else if bare.starts_with("Binary files ") || bare == "GIT binary patch" {
            file.binary = true;
        } else if let Some(p) = bare.strip_prefix("+++ ") {
            if let Some(p) = strip_side_prefix(p, "b/") {
                file.path = p;
            }
        } else if let Some(p) = bare.strip_prefix("--- ") {
            if let Some(p) = strip_side_prefix(p, "a/") {
                if file.status == Status::Deleted {
                    file.path = p;
                }
            }
        }
    }

    /// The changes parsed.
    pub fn finish(self) -> Vec<FileChange> {
        let mut files = self.files;
        for file in &mut files {
            if file.mode_change.is_some_and(|(old, new)| {
                (old & 0o170000 == 0o120000) != (new & 0o170000 == 0o120000)
            }) {
                file.status = Status::TypeChanged;
            }
            if file.submodule.is_some() {
                // The "+Subproject commit" lines are not content lines a person changed.
                file.added = 0;
                file.removed = 0;
                file.hunks.clear();
            }
        }
        files
    }
}

/// `"a/x y" "b/x y"` or `a/x b/x`: the paths of a `diff --git` line. Exact for unquoted paths
/// when old and new agree; renames are corrected later by their `rename from/to` lines.
fn split_git_header_paths(rest: &str) -> (String, String) {
    if rest.starts_with('"') {
        if let Some((old, new)) = split_quoted(rest) {
            return (strip_ab(&old, "a/"), strip_ab(&new, "b/"));
        }
    }
    // Same path on both sides: "a/P b/P" has length 2 * (len(P) + 2) + 1.
    if rest.len() % 2 == 1 {
        let half = rest.len() / 2;
        if rest.is_char_boundary(half) {
            let (left, right) = (&rest[..half], &rest[half + 1..]);
            if left.len() > 2 && left[2..] == right[2..] {
                return (strip_ab(left, "a/"), strip_ab(right, "b/"));
            }
        }
    }
    match rest.find(" b/") {
        Some(i) => (strip_ab(&rest[..i], "a/"), strip_ab(&rest[i + 1..], "b/")),
        None => (rest.to_string(), rest.to_string()),
    }
}

fn split_quoted(rest: &str) -> Option<(String, String)> {
    let end = closing_quote(rest)?;
    let old = unquote(&rest[..=end]);
    let new = unquote(rest[end + 1..].trim_start());
    Some((old, new))
}

fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

fn strip_ab(p: &str, prefix: &str) -> String {
    p.strip_prefix(prefix).unwrap_or(p).to_string()
}

fn strip_side_prefix(p: &str, prefix: &str) -> Option<String> {
    let p = unquote(p.trim_end_matches('\t'));
    if p == "/dev/null" {
        return None;
    }
    Some(p.strip_prefix(prefix).unwrap_or(&p).to_string())
}

/// Undoes git's C-style quoting of a path (`"t\303\251st"` -> `tést`).
pub fn unquote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return s.to_string();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(b'a') => bytes.push(7),
            Some(b'b') => bytes.push(8),
            Some(b'f') => bytes.push(12),
            Some(b'r') => bytes.push(b'\r'),
            Some(b'v') => bytes.push(11),
            Some(d @ b'0'..=b'7') => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    match it.peek() {
                        Some(&n @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(n - b'0');
                            it.next();
                        }
                        _ => break,
                    }
                }
                bytes.push((v & 0xff) as u8);
            }
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATCH: &str = "\
diff --git a/src/lib.rs b/src/lib.rs
index 1111111..2222222 100644
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -1,2 +1,3 @@ mod a;
 mod a;
+mod b;
-mod c;
+mod d;
diff --git a/new file.txt b/new file.txt
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/new file.txt
@@ -0,0 +1 @@
+hello
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
index 4444444..0000000
--- a/gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
diff --git a/old.rs b/sub/new.rs
similarity index 100%
rename from old.rs
rename to sub/new.rs
diff --git a/logo.png b/logo.png
new file mode 100644
index 0000000..5555555
Binary files /dev/null and b/logo.png differ
diff --git a/run.sh b/run.sh
old mode 100644
new mode 100755
diff --git a/vendor/lib b/vendor/lib
index 6666666..7777777 160000
--- a/vendor/lib
+++ b/vendor/lib
@@ -1 +1 @@
-Subproject commit 6666666666666666666666666666666666666666
+Subproject commit 7777777777777777777777777777777777777777
diff --git \"a/t\\303\\251st.txt\" \"b/t\\303\\251st.txt\"
index 8888888..9999999 100644
--- \"a/t\\303\\251st.txt\"
+++ \"b/t\\303\\251st.txt\"
@@ -1 +1 @@
-a
+b
";

    #[test]
    fn a_patch_parsed_in_pieces_is_the_patch_parsed_whole() {
        let crlf = "diff --git a/w.txt b/w.txt\nindex 1..2 100644\n--- a/w.txt\n+++ b/w.txt\n\
                    @@ -1 +1,2 @@\n-old\r\n+new \u{fffd}\r\n+last";
        for patch in [PATCH, crlf, "", "no newline"] {
            let whole = parse_patch(patch);
            let lines: Vec<&str> = patch.split_inclusive('\n').collect();
            for size in [1, 2, 3, 7, lines.len().max(1)] {
                let mut parser = PatchParser::default();
                for piece in lines.chunks(size) {
                    parser.text(&piece.concat());
                }
                assert_eq!(parser.finish(), whole, "pieces of {size} lines");
            }
        }
    }

    #[test]
    fn parses_every_kind_of_change() {
        let files = parse_patch(PATCH);
        let summary: Vec<_> = files
            .iter()
            .map(|f| (f.path.as_str(), f.status, f.added, f.removed))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("src/lib.rs", Status::Modified, 2, 1),
                ("new file.txt", Status::Added, 1, 0),
                ("gone.txt", Status::Deleted, 0, 1),
                ("sub/new.rs", Status::Renamed, 0, 0),
                ("logo.png", Status::Added, 0, 0),
                ("run.sh", Status::Modified, 0, 0),
                ("vendor/lib", Status::Modified, 0, 0),
                ("tést.txt", Status::Modified, 1, 1),
            ]
        );
        assert_eq!(files[0].hunks.len(), 1);
        assert_eq!(files[0].hunks[0].header, "@@ -1,2 +1,3 @@ mod a;");
        assert_eq!(
            files[0].hunks[0].body,
            " mod a;\n+mod b;\n-mod c;\n+mod d;\n"
        );
        assert_eq!(files[3].old_path.as_deref(), Some("old.rs"));
        assert!(files[4].binary);
        assert_eq!(files[5].mode_change, Some((0o100644, 0o100755)));
        let sub = files[6].submodule.as_ref().unwrap();
        assert!(sub.0.starts_with("6666") && sub.1.starts_with("7777"));
        assert!(files[6].hunks.is_empty());
    }

    #[test]
    fn unquotes_octal_and_escapes() {
        assert_eq!(unquote("\"a\\tb\\\"c\\303\\251\""), "a\tb\"cé");
        assert_eq!(unquote("plain"), "plain");
    }

    #[test]
    fn header_paths_with_spaces_and_renames() {
        assert_eq!(
            split_git_header_paths("a/x y b/x y"),
            ("x y".to_string(), "x y".to_string())
        );
        assert_eq!(
            split_git_header_paths("a/old b/new"),
            ("old".to_string(), "new".to_string())
        );
    }
}
