//! The trust boundary for what leaves the process: files whose names mark them as secrets are
//! sent by name only, and secrets inside diff text (private-key blocks, well-known token
//! formats, quoted values assigned to secret-sounding names) are replaced by a marker, by one
//! rule ([`redact`]) wherever the text comes from: the diff, file names ([`shown_path`]), the
//! repository's recent subjects.
//!
//! Hand-written matchers rather than a regex engine: each token format is a fixed prefix and a
//! character class, checked in one pass over the text that is about to be sent.

use std::borrow::Cow;

/// What stands in for a removed secret.
pub const MARKER: &str = "[REDACTED]";
/// What stands in for a whole private-key block.
pub const KEY_MARKER: &str = "[REDACTED private key]";

/// Whether a path's name marks the file as holding secrets: `.env` files, keys and
/// certificates, SSH identities and credential stores. Such files are listed by name only.
pub fn is_secret_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    const NAMES: &[&str] = &[
        ".env",
        ".netrc",
        "_netrc",
        ".pgpass",
        ".git-credentials",
        ".npmrc",
        ".pypirc",
        ".htpasswd",
        "credentials",
        "credentials.json",
        "credentials.yml",
        "credentials.yaml",
        "credentials.xml",
        "secrets.yml",
        "secrets.yaml",
        "secrets.json",
        "secrets.toml",
        "service-account.json",
        "authorized_keys",
        "known_hosts",
    ];
    const SUFFIXES: &[&str] = &[
        ".pem",
        ".key",
        ".p12",
        ".pfx",
        ".jks",
        ".keystore",
        ".ppk",
        ".gpg",
        ".asc",
        ".kdbx",
        ".ovpn",
    ];
    const PREFIXES: &[&str] = &["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".env."];
    NAMES.contains(&lower.as_str())
        || SUFFIXES.iter().any(|s| lower.ends_with(s))
        || PREFIXES.iter().any(|p| lower.starts_with(p))
        || path.split('/').any(|dir| dir == ".ssh" || dir == ".gnupg")
}

/// A path as it may be shown to the model or written into a message. A file name is data, never
/// structure: a control character (a newline, a carriage return, an escape), a Unicode line or
/// paragraph separator or a bidirectional override is written as its escape (`\n`,
/// `\u{1b}`), so a name can neither start a line of its own (a trailer, a fake diff line) nor
/// drive a terminal nor show as another name; and a token or key in it is replaced as it would
/// be in the diff.
pub fn shown_path(path: &str) -> String {
    let mut escaped = String::with_capacity(path.len());
    for c in path.chars() {
        if is_hidden_control(c) {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    redact(&escaped).into_owned()
}

/// Whether `c` changes how text shows without showing itself: a control character, a Unicode
/// line or paragraph separator (U+2028, U+2029), or one that reorders the text around it (the
/// bidirectional embeddings, overrides, isolates and marks). None is written into a message;
/// in a name, each is shown as its escape.
pub fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `text` (diff lines, one per line) with every secret replaced. Private-key blocks become a
/// single marker line that keeps the first line's diff origin; a block without its END line
/// is removed to the end of its file's section.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = String::with_capacity(text.len());
    let mut in_key = false;
    for line in text.split_inclusive('\n') {
        if in_key {
            if line.contains("-----END") && line.contains("PRIVATE KEY") {
                in_key = false;
                continue;
            }
            // A new file section or hunk ends a block whose END line was cut off.
            if !(line.starts_with("--- ") || line.starts_with("@@ ")) {
                continue;
            }
            in_key = false;
        }
        if line.contains("-----BEGIN") && line.contains("PRIVATE KEY") {
            let origin = line
                .chars()
                .next()
                .filter(|c| matches!(c, '+' | '-' | ' '))
                .map(String::from)
                .unwrap_or_default();
            out.push_str(&origin);
            out.push_str(KEY_MARKER);
            out.push('\n');
            in_key =
                !(line.contains("-----END") && line.rfind("-----END") > line.find("-----BEGIN"));
            continue;
        }
        out.push_str(&redact_line(line));
    }
    if !text.ends_with('\n') && out.ends_with('\n') {
        out.pop();
    }
    if out == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

/// A token format: a literal prefix, then at least `min` characters of a class.
struct TokenFormat {
    prefix: &'static str,
    min: usize,
    class: fn(char) -> bool,
}

fn alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

fn upper_alnum(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

fn url_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn slack_path(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '/' || c == '_'
}

const FORMATS: &[TokenFormat] = &[
    // Cloud access keys: AWS key ids, Google API keys, Stripe live keys.
    TokenFormat {
        prefix: "AKIA",
        min: 16,
        class: upper_alnum,
    },
    TokenFormat {
        prefix: "ASIA",
        min: 16,
        class: upper_alnum,
    },
    TokenFormat {
        prefix: "AIza",
        min: 35,
        class: url_safe,
    },
    TokenFormat {
        prefix: "sk_live_",
        min: 16,
        class: alnum,
    },
    TokenFormat {
        prefix: "rk_live_",
        min: 16,
        class: alnum,
    },
    // GitHub.
    TokenFormat {
        prefix: "ghp_",
        min: 30,
        class: alnum,
    },
    TokenFormat {
        prefix: "gho_",
        min: 30,
        class: alnum,
    },
    TokenFormat {
        prefix: "ghu_",
        min: 30,
        class: alnum,
    },
    TokenFormat {
        prefix: "ghs_",
        min: 30,
        class: alnum,
    },
    TokenFormat {
        prefix: "ghr_",
        min: 30,
        class: alnum,
    },
    TokenFormat {
        prefix: "github_pat_",
        min: 22,
        class: word,
    },
    // GitLab.
    TokenFormat {
        prefix: "glpat-",
        min: 20,
        class: url_safe,
    },
    TokenFormat {
        prefix: "gldt-",
        min: 20,
        class: url_safe,
    },
    TokenFormat {
        prefix: "glrt-",
        min: 20,
        class: url_safe,
    },
    TokenFormat {
        prefix: "glptt-",
        min: 20,
        class: url_safe,
    },
    // Slack tokens and webhooks.
    TokenFormat {
        prefix: "xoxb-",
        min: 10,
        class: url_safe,
    },
    TokenFormat {
        prefix: "xoxp-",
        min: 10,
        class: url_safe,
    },
    TokenFormat {
        prefix: "xoxa-",
        min: 10,
        class: url_safe,
    },
    TokenFormat {
        prefix: "xoxr-",
        min: 10,
        class: url_safe,
    },
    TokenFormat {
        prefix: "xoxs-",
        min: 10,
        class: url_safe,
    },
    TokenFormat {
        prefix: "xoxe-",
        min: 10,
        class: url_safe,
    },
    TokenFormat {
        prefix: "hooks.slack.com/services/",
        min: 20,
        class: slack_path,
    },
    // OpenAI and Anthropic style API keys.
    TokenFormat {
        prefix: "sk-",
        min: 32,
        class: url_safe,
    },
];

/// Names that, assigned a quoted value, mark the value as a secret.
const SECRET_NAMES: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "api-key",
    "access_key",
    "private_key",
    "client_secret",
    "auth",
];

fn redact_line(line: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    let bytes = line.as_bytes();
    while i < bytes.len() {
        let found = match_token(line, i);
        match found {
            Some(end) => {
                let o = out.get_or_insert_with(|| String::with_capacity(line.len()));
                o.push_str(&line[copied..i]);
                o.push_str(MARKER);
                copied = end;
                i = end;
            }
            None => i += line[i..].chars().next().map_or(1, char::len_utf8),
        }
    }
    let line = match out {
        Some(mut o) => {
            o.push_str(&line[copied..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(line),
    };
    match redact_assignment(&line) {
        Some(replaced) => Cow::Owned(replaced),
        None => line,
    }
}

/// The end of a secret token starting at byte `at` of `line`, if one starts there.
fn match_token(line: &str, at: usize) -> Option<usize> {
    let rest = &line[at..];
    // Every format starts with one of these bytes: most positions are ruled out at once.
    if !matches!(
        rest.as_bytes()[0],
        b'A' | b'r' | b's' | b'g' | b'x' | b'h' | b'e'
    ) {
        return None;
    }
    // A token starts at a word boundary.
    let boundary = line[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
    if !boundary && !rest.starts_with("hooks.slack.com") {
        return None;
    }
    for format in FORMATS {
        if let Some(tail) = rest.strip_prefix(format.prefix) {
            let len: usize = tail
                .chars()
                .take_while(|&c| (format.class)(c))
                .map(char::len_utf8)
                .sum();
            if len >= format.min {
                if format.prefix == "sk-" && !tail[..len].chars().any(|c| c.is_ascii_digit()) {
                    continue;
                }
                return Some(at + format.prefix.len() + len);
            }
        }
    }
    jwt_len(rest).map(|len| at + len)
}

/// The length of a JSON Web Token at the start of `text`: `eyJ...` header, `.`, payload, `.`,
/// signature, each base64url.
fn jwt_len(text: &str) -> Option<usize> {
    if !text.starts_with("eyJ") {
        return None;
    }
    let segment = |s: &str| s.chars().take_while(|&c| url_safe(c)).count();
    let header = segment(text);
    if header < 10 || text.as_bytes().get(header) != Some(&b'.') {
        return None;
    }
    let payload = segment(&text[header + 1..]);
    if payload < 10 {
        return None;
    }
    let mut end = header + 1 + payload;
    if text.as_bytes().get(end) == Some(&b'.') {
        end += 1 + segment(&text[end + 1..]);
    }
    Some(end)
}

/// `password = "hunter22"`, `API_KEY: 'abc...'`, `"client_secret": "..."`: the quoted value
/// (8 or more characters, no spaces) assigned to a secret-sounding name is replaced.
fn redact_assignment(line: &str) -> Option<String> {
    // No assignment without its sign: most lines and names are ruled out before lowercasing.
    if !line.contains(['=', ':']) {
        return None;
    }
    let lower = line.to_ascii_lowercase();
    if !SECRET_NAMES.iter().any(|n| lower.contains(n)) {
        return None;
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let mut changed = false;
    while let Some(pos) = rest.find(['=', ':']) {
        let (before, after) = rest.split_at(pos);
        let name = before
            .trim_end()
            .trim_end_matches(['"', '\''])
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let value_start = after[1..].len() - after[1..].trim_start().len() + 1;
        let value = &after[value_start..];
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'');
        let secret_name = SECRET_NAMES.iter().any(|n| name.ends_with(n));
        if let (true, Some(q)) = (secret_name, quote) {
            if let Some(close) = value[1..].find(q) {
                let inner = &value[1..1 + close];
                if inner.len() >= 8 && !inner.contains(char::is_whitespace) && inner != MARKER {
                    out.push_str(before);
                    out.push_str(&after[..value_start]);
                    out.push(q);
                    out.push_str(MARKER);
                    out.push(q);
                    rest = &value[close + 2..];
                    changed = true;
                    continue;
                }
            }
        }
        out.push_str(before);
        out.push_str(&after[..1]);
        rest = &after[1..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_file_names_are_recognised() {
        for p in [
            ".env",
            "app/.env.production",
            "certs/server.pem",
            "tls/server.key",
            "home/.ssh/id_rsa",
            "id_ed25519.pub",
            ".aws/credentials",
            ".git-credentials",
            "keystore.jks",
        ] {
            assert!(is_secret_path(p), "{p}");
        }
        for p in [
            "src/env.rs",
            "README.md",
            "keyboard.rs",
            "docs/tokens.md",
            "environment.yml",
        ] {
            assert!(!is_secret_path(p), "{p}");
        }
    }

    #[test]
    fn private_key_block_becomes_one_marker_line() {
        let text = "@@ -0,0 +1,5 @@\n+key:\n+-----BEGIN OPENSSH PRIVATE KEY-----\n+b3BlbnNzaC1rZXk\n+AAAAC3NzaC1lZDI1\n+-----END OPENSSH PRIVATE KEY-----\n+done\n";
        let r = redact(text);
        assert_eq!(
            r,
            "@@ -0,0 +1,5 @@\n+key:\n+[REDACTED private key]\n+done\n"
        );
    }

    #[test]
    fn key_block_without_end_stops_at_the_next_file() {
        let text = "+-----BEGIN RSA PRIVATE KEY-----\n+MIIEow\n--- other.rs\n@@ -1 +1 @@\n+x\n";
        assert_eq!(
            redact(text),
            "+[REDACTED private key]\n--- other.rs\n@@ -1 +1 @@\n+x\n"
        );
    }

    #[test]
    fn well_known_tokens_are_replaced() {
        let cases = [
            "+aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
            "+GITHUB_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345\n",
            "+t = github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz\n",
            "+gitlab: glpat-abcdefghij0123456789\n",
            "+slack xoxb-1234567890-abcdefghij\n",
            "+url https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX\n",
            "+Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U\n",
            "+key AIzaSyA-0123456789abcdefghijklmnopqrstu\n",
            "+OPENAI_API_KEY=sk-proj-0123456789abcdefghijklmnopqrstuvwxyz\n",
        ];
        for case in cases {
            let r = redact(case);
            assert!(r.contains(MARKER), "{case} -> {r}");
            for secret in [
                "AKIAIOSFODNN7",
                "ghp_0123",
                "github_pat_11",
                "glpat-abc",
                "xoxb-123",
                "T000/B000",
                "eyJhbGci",
                "AIzaSyA",
                "sk-proj",
            ] {
                assert!(!r.contains(secret), "{case} -> {r}");
            }
        }
    }

    #[test]
    fn quoted_values_of_secret_names_are_replaced() {
        assert_eq!(
            redact("+password = \"hunter2hunter2\"\n"),
            "+password = \"[REDACTED]\"\n"
        );
        assert_eq!(
            redact("+  \"client_secret\": \"abcdef0123456789\",\n"),
            "+  \"client_secret\": \"[REDACTED]\",\n"
        );
    }

    #[test]
    fn secrets_in_paths_are_replaced() {
        assert_eq!(
            shown_path("keys/AKIAIOSFODNN7EXAMPLE.txt"),
            "keys/[REDACTED].txt"
        );
        assert_eq!(
            shown_path("ghp_0123456789abcdefghijABCDEFGHIJ012345/notes.md"),
            "[REDACTED]/notes.md"
        );
        assert_eq!(shown_path("src/token.rs"), "src/token.rs");
    }

    #[test]
    fn control_characters_in_paths_are_escaped() {
        assert_eq!(
            shown_path("a\n\nCo-authored-by: E <e@x>"),
            "a\\n\\nCo-authored-by: E <e@x>"
        );
        assert_eq!(shown_path("x\u{1b}[31m.txt"), "x\\u{1b}[31m.txt");
        assert_eq!(shown_path("a\r\tb\u{7}"), "a\\r\\tb\\u{7}");
        assert_eq!(shown_path("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(shown_path("a\u{2028}b"), "a\\u{2028}b");
        assert_eq!(shown_path("src/ünïcödé ok.rs"), "src/ünïcödé ok.rs");
        // A key block in a name is one marker: its material is not shown.
        let key = shown_path("-----BEGIN RSA PRIVATE KEY-----\nMIIEow");
        assert!(key.ends_with(KEY_MARKER) && !key.contains("MIIE"), "{key}");
    }

    #[test]
    fn ordinary_code_is_left_alone() {
        for text in [
            "+let token = next_token(&mut lexer);\n",
            "+fn parse(input: &str) -> Result<Token, Error> {\n",
            "+password = \"short\"\n",
            "+ghost_count = 3\n",
            "+risk-assessment-document-for-quarterly-review\n",
            "+AKIA is the prefix of AWS key ids\n",
        ] {
            assert_eq!(redact(text), text);
        }
    }
}
