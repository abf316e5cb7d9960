//! Which packages moved from which version to which, read from the manifest and lockfile diffs:
//! an exact fact a model gets wrong ("update poetry.lock") and the fallback can say ("Bump
//! urllib3 from 2.6.2 to 2.6.3"). Pure: staged files in, bumps out.
//!
//! Lockfiles name a package on one line and its version on a later one (`name = "x"` then
//! `version = "1.2.3"` in Cargo, poetry and uv locks; `"node_modules/x": {` then `"version"` in
//! npm's; `x@^1:` then `version "1.2.3"` in yarn's); manifests put both on one line
//! (`x = "1.2"`, `"x": "^1.2"`, `x==1.2`, `module v1.2.3`). A removed and an added version of
//! the same package in one hunk is a bump.

use crate::diff::FileChange;

/// One package's version change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bump {
    /// The package.
    pub name: String,
    /// The version before.
    pub from: String,
    /// The version after.
    pub to: String,
}

/// Files whose diffs carry package versions.
const MANIFESTS: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "go.mod",
    "flake.lock",
];

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

/// Whether `f` is a lockfile, or another machine-written file of pinned versions.
pub fn is_lockfile(f: &FileChange) -> bool {
    LOCKFILES.contains(&f.file_name())
}

/// Whether `f` is a manifest or lockfile (requirements files and CI workflows, which pin
/// actions by version, included).
pub fn is_manifest(f: &FileChange) -> bool {
    let name = f.file_name();
    MANIFESTS.contains(&name) || is_requirements(name) || is_workflow(&f.path)
}

/// Whether `path` is a GitHub Actions workflow, which pins actions by version.
pub fn is_workflow(path: &str) -> bool {
    path.starts_with(".github/workflows/") && (path.ends_with(".yml") || path.ends_with(".yaml"))
}

fn is_requirements(name: &str) -> bool {
    name.ends_with(".txt") && name.starts_with("requirements") || name == "constraints.txt"
}

/// The bumps in `files`, each package once, in the order first seen; lockfile and manifest of
/// the same package agree, and the lockfile's exact version wins.
pub fn bumps(files: &[FileChange]) -> Vec<Bump> {
    let mut out: Vec<Bump> = Vec::new();
    // Lockfiles first: their versions are exact where a manifest's may be a range.
    let mut ordered: Vec<&FileChange> = files.iter().filter(|f| is_manifest(f)).collect();
    ordered.sort_by_key(|f| !f.file_name().contains("lock"));
    for f in ordered {
        for hunk in &f.hunks {
            for b in hunk_bumps(&hunk.body) {
                if !out.iter().any(|o| o.name == b.name) {
                    out.push(b);
                }
            }
        }
    }
    out
}

/// Manifests that declare a package of their own, with its name and version.
const PACKAGE_MANIFESTS: &[&str] = &["Cargo.toml", "pyproject.toml", "package.json"];

/// The package's own version that moved, when a manifest that declares a package shows its
/// `name` line and then the `version` line changing (`[package] name = "ignore"`,
/// `-version = "0.4.32"`, `+version = "0.4.33"`): a release, not a dependency update.
pub fn release(files: &[FileChange]) -> Option<Bump> {
    release_in(files).map(|(_, bump)| bump)
}

/// [`release`], with the manifest that holds the package's own version.
pub fn release_in(files: &[FileChange]) -> Option<(&FileChange, Bump)> {
    files
        .iter()
        .filter(|f| PACKAGE_MANIFESTS.contains(&f.file_name()))
        .find_map(|f| {
            f.hunks
                .iter()
                .flat_map(|h| pairs(&h.body, Found::Own))
                .next()
                .map(|bump| (f, bump))
        })
}

/// A line's package and version, for lines that hold both.
fn inline(line: &str) -> Option<(String, String)> {
    let t = line.trim().trim_end_matches(',');
    // `uses: actions/checkout@v6` (a CI workflow): versions there need no dot.
    if let Some(spec) = t.trim_start_matches("- ").strip_prefix("uses:") {
        let (name, ver) = spec.trim().split_once('@')?;
        let ver = ver.split_whitespace().next()?;
        let plain = ver.trim_start_matches('v');
        return (is_name(name)
            && !plain.is_empty()
            && plain.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| (name.to_string(), ver.to_string()));
    }
    // `name==1.2.3`, `name>=1.2` (requirements).
    for op in ["===", "==", ">=", "~=", "<="] {
        if let Some((name, ver)) = t.split_once(op) {
            let name = name.trim();
            if is_name(name) && is_version(ver.trim()) {
                return Some((name.to_string(), clean(ver)));
            }
        }
    }
    // `module v1.2.3` (go.mod, with or without `require`).
    let words: Vec<&str> = t.split_whitespace().collect();
    if let [.., module, ver] = words.as_slice() {
        if ver.starts_with('v') && is_version(&ver[1..]) && module.contains('/') {
            return Some((module.to_string(), ver.to_string()));
        }
    }
    // `name = "1.2"`, `name = { version = "1.2", ... }`, `"name": "^1.2"`.
    let (key, value) = t.split_once(['=', ':'])?;
    let key = key.trim().trim_matches('"');
    if !is_name(key) || ["version", "name", "rev", "integrity", "resolved"].contains(&key) {
        return None;
    }
    let value = value.trim();
    let value = match value.split_once("version") {
        Some((_, rest)) if value.starts_with('{') => rest.trim_start_matches([' ', '=', ':']),
        _ => value,
    };
    let ver = value.trim().trim_start_matches('"');
    let ver = ver.split('"').next()?;
    is_version(ver).then(|| (key.to_string(), clean(ver)))
}

/// A line that names the package whose version follows on a later line.
fn naming(line: &str) -> Option<String> {
    let t = line.trim().trim_end_matches(',');
    if let Some(rest) = t.strip_prefix("name = ") {
        return Some(rest.trim_matches('"').to_string());
    }
    // package.json: `"name": "x",` at the top.
    if let Some(rest) = t.strip_prefix("\"name\": ") {
        return Some(rest.trim_matches('"').to_string());
    }
    // npm: `"node_modules/a/node_modules/b": {`.
    if let Some(key) = t
        .strip_suffix('{')
        .map(str::trim)
        .and_then(|k| k.strip_suffix(':'))
    {
        let key = key.trim().trim_matches('"');
        if let Some(i) = key.rfind("node_modules/") {
            return Some(key[i + "node_modules/".len()..].to_string());
        }
    }
    // yarn: `lodash@^4.17.0, lodash@^4.17.21:` (the name may be scoped: `@babel/core@^7`).
    if let Some(spec) = t.strip_suffix(':').filter(|_| !line.starts_with(' ')) {
        let first = spec.split(',').next()?.trim().trim_matches('"');
        let at = first[1..].find('@')? + 1;
        return Some(first[..at].to_string());
    }
    None
}

/// A line that holds only the version of the package named before it.
fn version_line(line: &str) -> Option<String> {
    let t = line.trim().trim_end_matches(',');
    let rest = t
        .strip_prefix("version = ")
        .or_else(|| t.strip_prefix("\"version\": "))
        .or_else(|| t.strip_prefix("version "))?;
    // `"0.4.33"  #:version`: the quoted value, not the comment after it.
    let rest = rest.trim();
    let ver = match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next()?,
        None => rest,
    };
    is_version(ver).then(|| clean(ver))
}

/// Which version lines a hunk's bumps are read from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Found {
    /// Every line that names a package and a version.
    Any,
    /// Only a `version` line under the `name` line that names it: the manifest's own package.
    Own,
}

fn hunk_bumps(body: &str) -> Vec<Bump> {
    pairs(body, Found::Any)
}

/// The bumps of one hunk: a removed and an added version of the same package.
fn pairs(body: &str, found: Found) -> Vec<Bump> {
    let mut removed: Vec<(String, String)> = Vec::new();
    let mut added: Vec<(String, String)> = Vec::new();
    let mut current: Option<String> = None;
    for line in body.lines() {
        let (sign, text) = match line.as_bytes().first() {
            Some(b'+') => ('+', &line[1..]),
            Some(b'-') => ('-', &line[1..]),
            Some(b' ') => (' ', &line[1..]),
            _ => continue,
        };
        if let Some(name) = naming(text) {
            current = Some(name);
            continue;
        }
        let own = version_line(text).and_then(|v| current.clone().map(|n| (n, v)));
        let pair = match found {
            Found::Any => own.or_else(|| inline(text)),
            Found::Own => own,
        };
        match (sign, pair) {
            ('-', Some(pair)) => removed.push(pair),
            ('+', Some(pair)) => added.push(pair),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (name, to) in added {
        if let Some((_, from)) = removed.iter().find(|(n, _)| *n == name) {
            if *from != to && !out.iter().any(|b: &Bump| b.name == name) {
                out.push(Bump {
                    name,
                    from: from.clone(),
                    to,
                });
            }
        }
    }
    out
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@/".contains(c))
        && s.chars().any(|c| c.is_ascii_alphabetic())
}

fn is_version(s: &str) -> bool {
    let s = s.trim().trim_matches('"');
    let s = s.trim_start_matches(['^', '~', '=', '>', '<', 'v', ' ']);
    !s.is_empty()
        && s.len() <= 40
        && s.starts_with(|c: char| c.is_ascii_digit())
        && s.contains('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-+_".contains(c))
}

fn clean(v: &str) -> String {
    v.trim().trim_matches('"').to_string()
}

/// "urllib3 2.6.2 -> 2.6.3, certifi 2024.1 -> 2024.2": the bumps as a line of facts, at most
/// `most` named.
pub fn facts_line(bumps: &[Bump], most: usize) -> String {
    let mut parts: Vec<String> = bumps
        .iter()
        .take(most)
        .map(|b| format!("{} {} -> {}", b.name, b.from, b.to))
        .collect();
    if bumps.len() > most {
        parts.push(format!("and {} more", bumps.len() - most));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{Hunk, Status};

    fn file(path: &str, body: &str) -> FileChange {
        let mut f = FileChange::new(path, Status::Modified);
        f.hunks.push(Hunk {
            header: "@@ -1 +1 @@".into(),
            body: body.into(),
        });
        f
    }

    fn one(path: &str, body: &str) -> Vec<(String, String, String)> {
        bumps(&[file(path, body)])
            .into_iter()
            .map(|b| (b.name, b.from, b.to))
            .collect()
    }

    fn b(name: &str, from: &str, to: &str) -> (String, String, String) {
        (name.into(), from.into(), to.into())
    }

    #[test]
    fn lockfiles_name_the_package_before_its_version() {
        let cargo = " [[package]]\n name = \"grep\"\n-version = \"0.3.1\"\n+version = \"0.3.2\"\n source = \"x\"\n";
        assert_eq!(one("Cargo.lock", cargo), [b("grep", "0.3.1", "0.3.2")]);
        let poetry = " [[package]]\n name = \"mkdocs-material\"\n-version = \"9.5.34\"\n+version = \"9.5.35\"\n description = \"x\"\n";
        assert_eq!(
            one("poetry.lock", poetry),
            [b("mkdocs-material", "9.5.34", "9.5.35")]
        );
        let npm = "     \"node_modules/lodash\": {\n-      \"version\": \"4.17.20\",\n+      \"version\": \"4.17.21\",\n";
        assert_eq!(
            one("package-lock.json", npm),
            [b("lodash", "4.17.20", "4.17.21")]
        );
        let yarn = " lodash@^4.17.0:\n-  version \"4.17.20\"\n+  version \"4.17.21\"\n";
        assert_eq!(one("yarn.lock", yarn), [b("lodash", "4.17.20", "4.17.21")]);
    }

    #[test]
    fn manifests_hold_both_on_one_line() {
        assert_eq!(
            one("Cargo.toml", "-regex = \"1.10\"\n+regex = \"1.11\"\n"),
            [b("regex", "1.10", "1.11")]
        );
        assert_eq!(
            one(
                "Cargo.toml",
                "-serde = { version = \"1.0.1\", features = [\"derive\"] }\n+serde = { version = \"1.0.2\", features = [\"derive\"] }\n"
            ),
            [b("serde", "1.0.1", "1.0.2")]
        );
        assert_eq!(
            one(
                "package.json",
                "-    \"vite\": \"^5.0.0\",\n+    \"vite\": \"^5.1.0\",\n"
            ),
            [b("vite", "^5.0.0", "^5.1.0")]
        );
        assert_eq!(
            one("requirements.txt", "-urllib3==2.6.2\n+urllib3==2.6.3\n"),
            [b("urllib3", "2.6.2", "2.6.3")]
        );
        assert_eq!(
            one(
                ".github/workflows/ci.yml",
                "-      - uses: actions/checkout@v6\n+      - uses: actions/checkout@v7\n"
            ),
            [b("actions/checkout", "v6", "v7")]
        );
        assert_eq!(
            one(
                "go.mod",
                "-\tgithub.com/spf13/cobra v1.7.0\n+\tgithub.com/spf13/cobra v1.8.0\n"
            ),
            [b("github.com/spf13/cobra", "v1.7.0", "v1.8.0")]
        );
    }

    #[test]
    fn nothing_is_a_bump_that_did_not_change_a_version() {
        assert!(one("Cargo.toml", "-name = \"x\"\n+name = \"y\"\n").is_empty());
        assert!(one("Cargo.toml", "+regex = \"1.11\"\n").is_empty());
        assert!(one("src/main.rs", "-regex = \"1.10\"\n+regex = \"1.11\"\n").is_empty());
        assert!(one("Cargo.toml", "-edition = \"2021\"\n+edition = \"2024\"\n").is_empty());
    }

    #[test]
    fn a_manifest_s_own_version_is_a_release() {
        // ripgrep's `ignore-0.4.33` and commitizen's `bump: version 4.16.3 → 4.16.4`.
        let cargo = file(
            "crates/ignore/Cargo.toml",
            " [package]\n name = \"ignore\"\n-version = \"0.4.32\"  #:version\n+version = \"0.4.33\"  #:version\n authors = []\n",
        );
        let lock = file(
            "Cargo.lock",
            " name = \"ignore\"\n-version = \"0.4.32\"\n+version = \"0.4.33\"\n",
        );
        let found = release(&[lock.clone(), cargo]).expect("a release");
        assert_eq!(
            (found.name.as_str(), found.from.as_str(), found.to.as_str()),
            ("ignore", "0.4.32", "0.4.33")
        );
        let npm = file(
            "package.json",
            " {\n   \"name\": \"left-pad\",\n-  \"version\": \"1.2.0\",\n+  \"version\": \"1.3.0\",\n",
        );
        assert_eq!(release(&[npm]).map(|b| b.to), Some("1.3.0".to_string()));
        // A lockfile alone, or a dependency's version in a manifest, is no release.
        assert_eq!(release(&[lock]), None);
        let dependency = file("Cargo.toml", "-ignore = \"0.4.24\"\n+ignore = \"0.4.29\"\n");
        assert_eq!(release(&[dependency]), None);
        // Without the name line in sight there is no telling whose version it is.
        let bare = file(
            "Cargo.toml",
            "-version = \"0.4.32\"\n+version = \"0.4.33\"\n",
        );
        assert_eq!(release(&[bare]), None);
    }

    #[test]
    fn the_lockfile_s_exact_version_wins_and_each_package_comes_once() {
        let files = [
            file(
                "pyproject.toml",
                "-urllib3 = \"^2.6\"\n+urllib3 = \"^2.7\"\n",
            ),
            file(
                "poetry.lock",
                " name = \"urllib3\"\n-version = \"2.6.2\"\n+version = \"2.7.0\"\n",
            ),
        ];
        let found = bumps(&files);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].from.as_str(), found[0].to.as_str()),
            ("2.6.2", "2.7.0")
        );
        assert_eq!(facts_line(&found, 3), "urllib3 2.6.2 -> 2.7.0");
    }
}
