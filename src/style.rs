//! The repository's own style, learned offline from its recent subjects: Conventional Commits
//! (with the types and scopes actually used), `area: summary` prefixes, capitalisation,
//! language and typical length. It shapes the instructions, checks the model's subject
//! against the changed paths, and gives the fallback summary its prefix. Pure: subjects and
//! paths in, text out.

use crate::diff::FileChange;

/// The Conventional Commits types every such repository may use.
pub const STANDARD_TYPES: &[&str] = &[
    "feat", "fix", "docs", "style", "refactor", "perf", "test", "build", "ci", "chore", "revert",
];

/// How many recent subjects are shown to the model as examples.
const EXAMPLES: usize = 5;
/// Below this many usable subjects, no style is inferred.
const MIN_SUBJECTS: usize = 3;

/// Which style to write in (`style` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StyleSetting {
    /// Learn it from the repository's history.
    Auto,
    /// Always Conventional Commits.
    Conventional,
    /// A plain imperative subject, no prefix.
    Plain,
}

/// When the model is asked for a body (`body` in the config): `true`, `false` or `"auto"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodySetting {
    /// Only where it earns its time: the history writes bodies for most commits and the change
    /// is not trivial, or the change is large or spans several areas.
    Auto,
    /// Always (`true`).
    Always,
    /// Never (`false`).
    Never,
}

impl<'de> serde::Deserialize<'de> for BodySetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Spelled {
            Flag(bool),
            Word(String),
        }
        match Spelled::deserialize(d)? {
            Spelled::Flag(true) => Ok(BodySetting::Always),
            Spelled::Flag(false) => Ok(BodySetting::Never),
            Spelled::Word(w) if w == "auto" => Ok(BodySetting::Auto),
            Spelled::Word(w) => Err(serde::de::Error::custom(format!(
                "expected true, false or \"auto\", found {w:?}"
            ))),
        }
    }
}

/// Changed lines from which a body is asked for whatever the history does.
const LARGE_CHANGE: usize = 200;
/// Changed lines under which a body is never worth its time.
const SMALL_CHANGE: usize = 20;
/// Top-level areas a change must span to be worth a body by itself.
const MANY_AREAS: usize = 3;

impl BodySetting {
    /// Whether this change gets a body asked for.
    pub fn wanted(self, learned: &Learned, files: &[FileChange]) -> bool {
        match self {
            BodySetting::Always => true,
            BodySetting::Never => false,
            BodySetting::Auto => {
                let lines: usize = files.iter().map(|f| f.added + f.removed).sum();
                let mut areas: Vec<&str> = files
                    .iter()
                    .map(|f| f.path.split_once('/').map_or("", |(top, _)| top))
                    .collect();
                areas.sort_unstable();
                areas.dedup();
                lines >= LARGE_CHANGE
                    || areas.len() >= MANY_AREAS
                    || (learned.body_percent >= 50 && lines >= SMALL_CHANGE)
            }
        }
    }
}

impl StyleSetting {
    /// The config spelling.
    pub fn name(self) -> &'static str {
        match self {
            StyleSetting::Auto => "auto",
            StyleSetting::Conventional => "conventional",
            StyleSetting::Plain => "plain",
        }
    }
}

/// What the history shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Learned {
    /// Most recent subjects follow Conventional Commits.
    pub conventional: bool,
    /// Types used, most frequent first.
    pub types: Vec<String>,
    /// Scopes used, most frequent first.
    pub scopes: Vec<String>,
    /// Most recent subjects start with a non-conventional `area: ` prefix.
    pub area_prefix: bool,
    /// Areas used, most frequent first.
    pub areas: Vec<String>,
    /// The summary (after any prefix) usually starts with a lowercase letter.
    pub lowercase: bool,
    /// Median subject length in characters, when known.
    pub typical_len: Option<usize>,
    /// The language most subjects are written in, when it is not English.
    pub language: Option<&'static str>,
    /// A few recent subjects, oldest first: the next commit adds at the end.
    pub examples: Vec<String>,
    /// The share of recent commits with a body, in percent.
    pub body_percent: u8,
    /// What the history writes before "bump" in a dependency bump's subject, most often:
    /// `build(deps): `, `deps: `, or `` for a plain `Bump x from 1 to 2`.
    pub bump_prefix: Option<String>,
}

/// A recent commit as the style sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Past {
    /// Its id, in hex.
    pub id: String,
    /// Its subject line.
    pub subject: String,
    /// Whether its message has a body.
    pub body: bool,
}

/// How many of the newest commits the window may pass over.
pub const MAX_SKIP: usize = 16;
/// How many commits the style is learned from.
pub const WINDOW: usize = 30;

/// The part of the history the style is learned from, newest first: [`WINDOW`] commits from
/// the newest one whose id starts with `0` or `8` (one in eight), or from the newest when none
/// of the [`MAX_SKIP`] newest does, or when starting there would leave fewer than [`WINDOW`]
/// (a young repository). The window so moves every eighth commit or so, not at every commit:
/// the instructions, which end with the examples, stay byte-identical between consecutive
/// commits, and a server that keeps its last prompt reads them from its cache.
pub fn window(history: &[Past]) -> &[Past] {
    let anchor = history
        .iter()
        .take(MAX_SKIP)
        .position(|p| p.id.starts_with(['0', '8']))
        .filter(|&at| history.len() - at >= WINDOW)
        .unwrap_or(0);
    let rest = &history[anchor.min(history.len())..];
    &rest[..rest.len().min(WINDOW)]
}

/// What the window of `history` shows: [`learn`] of its subjects, and how often it has bodies.
pub fn learn_history(history: &[Past]) -> Learned {
    let w = window(history);
    let subjects: Vec<String> = w.iter().map(|p| p.subject.clone()).collect();
    let mut learned = learn(&subjects);
    if !w.is_empty() {
        let with_body = w.iter().filter(|p| p.body).count();
        learned.body_percent = (with_body * 100 / w.len()) as u8;
    }
    learned
}

/// The style to write in: the setting, what was learned, and the configured language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    /// Write Conventional Commits subjects.
    pub conventional: bool,
    /// Allowed types.
    pub types: Vec<String>,
    /// What the history shows (empty for `plain`).
    pub learned: Learned,
    /// Language to write in, if not English.
    pub language: Option<String>,
    /// Whether a body may follow the subject.
    pub body: bool,
}

impl Style {
    /// Combines the setting with what the history shows.
    pub fn new(
        setting: StyleSetting,
        learned: Learned,
        language: Option<&str>,
        body: bool,
    ) -> Self {
        let conventional = match setting {
            StyleSetting::Auto => learned.conventional,
            StyleSetting::Conventional => true,
            StyleSetting::Plain => false,
        };
        let learned = if setting == StyleSetting::Plain {
            Learned::default()
        } else {
            learned
        };
        let mut types: Vec<String> = learned.types.clone();
        for t in STANDARD_TYPES {
            if !types.iter().any(|x| x == t) {
                types.push((*t).to_string());
            }
        }
        let language = language
            .map(str::to_string)
            .or_else(|| learned.language.map(str::to_string))
            .filter(|l| !l.eq_ignore_ascii_case("english") && !l.is_empty());
        Style {
            conventional,
            types,
            learned,
            language,
            body,
        }
    }

    /// Checks a cleaned message against the style and the changed paths: with Conventional
    /// Commits the subject must carry a known type consistent with the paths; a scope that
    /// names nothing changed is dropped. Without a body setting, the body is dropped.
    pub fn apply(&self, message: &str, files: &[FileChange]) -> Result<String, String> {
        let (subject, body) = match message.split_once("\n\n") {
            Some((s, b)) => (s.to_string(), Some(b)),
            None => (message.to_string(), None),
        };
        let subject = if self.conventional {
            self.check_conventional(&subject, files)?
        } else if self.learned.area_prefix && !self.learned.areas.is_empty() {
            self.hold_to_areas(&subject, files)
        } else {
            drop_foreign_prefix(&subject, self.learned.lowercase)
        };
        match body {
            Some(b) if self.body => Ok(format!("{subject}\n\n{b}")),
            _ => Ok(subject),
        }
    }

    fn check_conventional(&self, subject: &str, files: &[FileChange]) -> Result<String, String> {
        let Some(parts) = parse_conventional(subject) else {
            return Err("the subject has no Conventional Commits `type: ` prefix".into());
        };
        let ty = parts.ty.to_ascii_lowercase();
        // The repository's own spelling of the type: `doc` where it writes `doc`.
        let ty = respell(&ty, &self.learned.types).unwrap_or(ty);
        if !self.types.contains(&ty) {
            return Err(format!("`{}` is not a commit type used here", parts.ty));
        }
        // A dependency update is written the way the history writes its bumps: `ci(deps): ` in
        // a repository whose bumps say so, where the model wrote `fix(deps): `.
        if let Some(prefix) = self.bump_prefix_for(files) {
            return Ok(format!("{prefix}{}", parts.summary));
        }
        if let Some(kind) = PathKind::of_type(&ty) {
            // Most of the change, not every file: documentation comes with its site's config
            // and images (`docs/` beside `mkdocs.yml`), and was refused as "not docs" four times
            // in 30 commits of a real repository.
            let fitting = files.iter().filter(|f| kind.matches(&f.path)).count();
            if fitting * 2 < files.len() || fitting == 0 {
                return Err(format!(
                    "type `{ty}` does not fit the change: most changed files are not {}",
                    kind.describe()
                ));
            }
        }
        let scope = self.scope_for(parts.scope, files);
        let bang = if parts.breaking { "!" } else { "" };
        Ok(match scope {
            Some(s) => format!("{ty}({s}){bang}: {}", parts.summary),
            None => format!("{ty}{bang}: {}", parts.summary),
        })
    }

    /// The history's prefix for dependency bumps (`ci(deps): `), when `files` are manifests
    /// only with a version that moved, and the prefix is a Conventional one.
    fn bump_prefix_for(&self, files: &[FileChange]) -> Option<&str> {
        let prefix = self
            .learned
            .bump_prefix
            .as_deref()
            .filter(|p| !p.is_empty())?;
        let manifests = !files.is_empty() && files.iter().all(crate::bumps::is_manifest);
        (manifests
            && !crate::bumps::bumps(files).is_empty()
            && parse_conventional(&format!("{prefix}x")).is_some())
        .then_some(prefix)
    }

    /// The scope to keep: with a vocabulary of scopes in the history, one of them (the model's
    /// if it is one and fits, else the most used one that fits the paths, `deps` for a change
    /// of manifests only) or none; without one, the model's if it names what changed.
    fn scope_for<'a>(&'a self, scope: Option<&'a str>, files: &[FileChange]) -> Option<&'a str> {
        let vocabulary = &self.learned.scopes;
        if vocabulary.len() < MIN_VOCABULARY {
            return scope.filter(|s| scope_fits(s, files));
        }
        let manifests = !files.is_empty() && files.iter().all(crate::bumps::is_manifest);
        let fits = |s: &str| scope_fits(s, files) || (manifests && s.starts_with("dep"));
        if let Some(s) = scope {
            let known = vocabulary.iter().find(|v| v.eq_ignore_ascii_case(s));
            if let Some(v) = known.filter(|v| fits(v)) {
                return Some(v.as_str());
            }
        }
        vocabulary.iter().map(String::as_str).find(|v| fits(v))
    }

    /// An `area: summary` subject in the repository's own areas: a path or a synonym of an
    /// area is respelled (`crates/cli:` to `cli:`, `docs:` to `doc:`); a prefix the history never
    /// uses is replaced by the one area every changed path lies in, or dropped.
    fn hold_to_areas(&self, subject: &str, files: &[FileChange]) -> String {
        let areas = &self.learned.areas;
        let (prefix, summary) = match subject.split_once(": ") {
            Some((p, s)) if !p.contains(' ') && !p.is_empty() => (Some(p), s),
            _ => (None, subject),
        };
        let known = |p: &str| areas.iter().find(|a| a.eq_ignore_ascii_case(p)).cloned();
        let respelled = prefix.and_then(|p| {
            known(p)
                .or_else(|| p.rsplit('/').find(|c| !c.is_empty()).and_then(known))
                .or_else(|| respell(&p.to_ascii_lowercase(), areas))
        });
        let area = respelled.or_else(|| area_of(areas, files));
        let summary = if self.learned.lowercase {
            lower_first(summary)
        } else {
            summary.to_string()
        };
        match area {
            Some(a) => format!("{a}: {summary}"),
            None => upper_first_unless(&summary, self.learned.lowercase),
        }
    }

    /// The prefix for the fallback summary: a type that the paths alone justify (`docs`,
    /// `test`, `ci`, `build`), else `chore`; empty without Conventional Commits.
    pub fn fallback_prefix(&self, files: &[FileChange]) -> String {
        if !self.conventional || files.is_empty() {
            return String::new();
        }
        let ty = [
            PathKind::Docs,
            PathKind::Tests,
            PathKind::Ci,
            PathKind::Build,
        ]
        .into_iter()
        .find(|k| files.iter().all(|f| k.matches(&f.path)))
        .map_or("chore", PathKind::type_name);
        format!("{ty}: ")
    }

    /// Whether the summary after the prefix should start lowercase.
    pub fn lowercase(&self) -> bool {
        self.conventional || self.learned.lowercase
    }
}

/// The parts of `type(scope)!: summary`.
#[derive(Debug, PartialEq, Eq)]
struct Conventional<'a> {
    ty: &'a str,
    scope: Option<&'a str>,
    breaking: bool,
    summary: &'a str,
}

fn parse_conventional(subject: &str) -> Option<Conventional<'_>> {
    let (head, summary) = subject.split_once(": ")?;
    let summary = summary.trim();
    if summary.is_empty() {
        return None;
    }
    let (head, breaking) = match head.strip_suffix('!') {
        Some(h) => (h, true),
        None => (head, false),
    };
    let (ty, scope) = match head.split_once('(') {
        Some((ty, rest)) => {
            let scope = rest.strip_suffix(')')?;
            if scope.is_empty() || scope.contains(['(', ')']) {
                return None;
            }
            (ty, Some(scope))
        }
        None => (head, None),
    };
    if ty.is_empty() || ty.len() > 12 || !ty.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    Some(Conventional {
        ty,
        scope,
        breaking,
        summary,
    })
}

/// A scope fits when some changed path names it (a directory, a file stem or part of one).
fn scope_fits(scope: &str, files: &[FileChange]) -> bool {
    let scope = scope.to_ascii_lowercase();
    files.iter().any(|f| {
        let path = f.path.to_ascii_lowercase();
        path.split(['/', '.', '_', '-']).any(|part| part == scope)
            || path.contains(&scope)
            || f.old_path
                .as_deref()
                .is_some_and(|o| o.to_ascii_lowercase().contains(&scope))
    })
}

/// How many scopes the history must use before they are a vocabulary to hold the model to.
const MIN_VOCABULARY: usize = 3;

/// Spellings of one word that repositories choose between.
const SYNONYMS: &[&[&str]] = &[
    &["doc", "docs", "documentation"],
    &["test", "tests", "testing"],
    &["feat", "feature", "features"],
    &["fix", "fixes", "bugfix", "bug"],
    &["chore", "chores"],
    &["refactor", "refactoring"],
    &["perf", "performance"],
    &["dep", "deps", "dependencies"],
    &["build", "builds"],
];

/// The spelling of `word` among `known` (the history's words), when `word` is another
/// spelling of one of them.
fn respell(word: &str, known: &[String]) -> Option<String> {
    let group = SYNONYMS.iter().find(|g| g.contains(&word))?;
    known
        .iter()
        .find(|k| group.contains(&k.to_ascii_lowercase().as_str()))
        .cloned()
}

/// The one area of `areas` that every changed path has among its directories, if exactly one.
fn area_of(areas: &[String], files: &[FileChange]) -> Option<String> {
    if files.is_empty() {
        return None;
    }
    let within = |area: &str| {
        files.iter().all(|f| {
            let path = f.path.to_ascii_lowercase();
            path.split('/')
                .rev()
                .skip(1)
                .any(|dir| dir == area.to_ascii_lowercase())
        })
    };
    let mut found = areas.iter().filter(|a| within(a));
    let first = found.next()?;
    found.next().is_none().then(|| first.clone())
}

/// A subject with the Conventional Commits prefix a repository that does not use them never
/// writes (`fix: handle eof` becomes `Handle eof`).
fn drop_foreign_prefix(subject: &str, lowercase: bool) -> String {
    match parse_conventional(subject) {
        Some(c) if STANDARD_TYPES.contains(&c.ty.to_ascii_lowercase().as_str()) => {
            upper_first_unless(c.summary, lowercase)
        }
        _ => subject.to_string(),
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        // `README` and `FFI` stay as they are.
        Some(c) if chars.clone().next().is_some_and(char::is_lowercase) => {
            c.to_lowercase().chain(chars).collect()
        }
        _ => s.to_string(),
    }
}

fn upper_first_unless(s: &str, lowercase: bool) -> String {
    if lowercase {
        return s.to_string();
    }
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What a path is for, by its name and directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// Documentation and prose.
    Docs,
    /// Tests.
    Tests,
    /// CI configuration.
    Ci,
    /// Build configuration and manifests.
    Build,
}

impl PathKind {
    fn of_type(ty: &str) -> Option<PathKind> {
        match ty {
            "docs" => Some(PathKind::Docs),
            "test" => Some(PathKind::Tests),
            "ci" => Some(PathKind::Ci),
            _ => None,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            PathKind::Docs => "docs",
            PathKind::Tests => "test",
            PathKind::Ci => "ci",
            PathKind::Build => "build",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            PathKind::Docs => "documentation",
            PathKind::Tests => "a test",
            PathKind::Ci => "CI configuration",
            PathKind::Build => "build configuration",
        }
    }

    /// Whether `path` is of this kind.
    pub fn matches(self, path: &str) -> bool {
        let lower = path.to_ascii_lowercase();
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        let in_dir =
            |d: &str| lower.starts_with(&format!("{d}/")) || lower.contains(&format!("/{d}/"));
        match self {
            PathKind::Docs => {
                [".md", ".rst", ".adoc", ".txt", ".org"]
                    .iter()
                    .any(|e| name.ends_with(e))
                    || in_dir("docs")
                    || in_dir("doc")
                    || ["readme", "changelog", "license", "contributing", "authors"]
                        .iter()
                        .any(|p| name.starts_with(p))
            }
            PathKind::Tests => {
                in_dir("tests")
                    || in_dir("test")
                    || in_dir("spec")
                    || in_dir("__tests__")
                    || name.contains("_test.")
                    || name.contains(".test.")
                    || name.contains(".spec.")
                    || name.starts_with("test_")
            }
            PathKind::Ci => {
                in_dir(".github")
                    || in_dir(".circleci")
                    || in_dir(".ci")
                    || in_dir(".buildkite")
                    || name == ".gitlab-ci.yml"
                    || name == ".travis.yml"
                    || name == "jenkinsfile"
            }
            PathKind::Build => [
                "cargo.toml",
                "cargo.lock",
                "package.json",
                "package-lock.json",
                "makefile",
                "cmakelists.txt",
                "build.gradle",
                "pom.xml",
                "go.mod",
                "go.sum",
                "pyproject.toml",
                "default.nix",
                "flake.nix",
                "flake.lock",
                "dockerfile",
            ]
            .contains(&name),
        }
    }
}

/// Learns the style from recent subjects, newest first. Merges, reverts and fixups say
/// nothing about how people write and are skipped.
pub fn learn(subjects: &[String]) -> Learned {
    let usable: Vec<&str> = subjects
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .filter(|s| {
            ![
                "Merge ",
                "Revert \"",
                "fixup! ",
                "squash! ",
                "amend! ",
                "Initial commit",
            ]
            .iter()
            .any(|p| s.starts_with(p))
        })
        .collect();
    if usable.len() < MIN_SUBJECTS {
        return Learned::default();
    }
    let n = usable.len();
    let parsed: Vec<Option<Conventional<'_>>> =
        usable.iter().map(|s| parse_conventional(s)).collect();
    let conventional_count = parsed
        .iter()
        .flatten()
        .filter(|c| STANDARD_TYPES.contains(&c.ty.to_ascii_lowercase().as_str()))
        .count();
    let conventional = conventional_count * 10 >= n * 6;
    let mut types = Counter::default();
    let mut scopes = Counter::default();
    for c in parsed.iter().flatten() {
        if conventional || STANDARD_TYPES.contains(&c.ty) {
            types.add(&c.ty.to_ascii_lowercase());
            if let Some(s) = c.scope {
                scopes.add(s);
            }
        }
    }
    let mut areas = Counter::default();
    let mut area_count = 0;
    if !conventional {
        for s in &usable {
            if let Some((area, rest)) = s.split_once(": ") {
                let is_area = !area.is_empty()
                    && area.len() <= 30
                    && !rest.trim().is_empty()
                    && area
                        .chars()
                        .all(|c| c.is_alphanumeric() || "_./-, ".contains(c))
                    && area.split_whitespace().count() <= 2;
                if is_area {
                    area_count += 1;
                    areas.add(area);
                }
            }
        }
    }
    let area_prefix = area_count * 2 >= n;
    let summaries: Vec<&str> = usable
        .iter()
        .zip(&parsed)
        .map(|(s, c)| match c {
            Some(c) if conventional => c.summary,
            _ if area_prefix => s.split_once(": ").map_or(*s, |(_, r)| r),
            _ => s,
        })
        .collect();
    let lower = summaries
        .iter()
        .filter(|s| s.chars().next().is_some_and(char::is_lowercase))
        .count();
    let mut lengths: Vec<usize> = usable.iter().map(|s| s.chars().count()).collect();
    lengths.sort_unstable();
    Learned {
        conventional,
        types: if conventional {
            types.ranked()
        } else {
            Vec::new()
        },
        scopes: if conventional {
            scopes.ranked()
        } else {
            Vec::new()
        },
        area_prefix,
        areas: if area_prefix {
            areas.ranked()
        } else {
            Vec::new()
        },
        lowercase: lower * 10 >= n * 6,
        typical_len: Some(lengths[n / 2]),
        language: detect_language(&usable),
        examples: usable
            .iter()
            .take(EXAMPLES)
            .rev()
            .map(|s| s.to_string())
            .collect(),
        body_percent: 0,
        bump_prefix: bump_prefix(&usable),
    }
}

/// The most frequent text before "bump"/"Bump" in subjects that start with it or with a prefix
/// ending in `: ` before it.
fn bump_prefix(subjects: &[&str]) -> Option<String> {
    let mut counter = Counter::default();
    for s in subjects {
        let at = s.find("bump ").or_else(|| s.find("Bump "));
        if let Some(at) = at {
            let before = &s[..at];
            if before.is_empty() || before.ends_with(": ") {
                counter.add(before);
            }
        }
    }
    counter.ranked().into_iter().next()
}

#[derive(Default)]
struct Counter(Vec<(String, usize)>);

impl Counter {
    fn add(&mut self, key: &str) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, n)) => *n += 1,
            None => self.0.push((key.to_string(), 1)),
        }
    }

    /// Keys by descending count, first seen first among equals.
    fn ranked(mut self) -> Vec<String> {
        self.0.sort_by_key(|e| std::cmp::Reverse(e.1));
        self.0.into_iter().map(|(k, _)| k).collect()
    }
}

/// The language of most subjects, when it is one of a few common ones other than English,
/// judged by frequent short words.
fn detect_language(subjects: &[&str]) -> Option<&'static str> {
    const WORDS: &[(&str, &[&str])] = &[
        (
            "English",
            &[
                "the", "and", "for", "to", "of", "in", "with", "add", "fix", "update", "remove",
                "use",
            ],
        ),
        (
            "German",
            &[
                "der",
                "die",
                "das",
                "und",
                "für",
                "mit",
                "nicht",
                "von",
                "zu",
                "ein",
                "eine",
                "hinzugefügt",
                "behoben",
            ],
        ),
        (
            "French",
            &[
                "le",
                "la",
                "les",
                "et",
                "pour",
                "des",
                "du",
                "avec",
                "une",
                "ajout",
                "correction",
            ],
        ),
        (
            "Spanish",
            &[
                "el", "los", "las", "y", "para", "con", "del", "una", "agregar", "corregir",
                "añadir",
            ],
        ),
        (
            "Portuguese",
            &[
                "o", "os", "e", "para", "com", "do", "da", "uma", "adiciona", "corrige",
            ],
        ),
        (
            "Dutch",
            &[
                "de",
                "het",
                "en",
                "voor",
                "met",
                "van",
                "een",
                "toegevoegd",
                "opgelost",
            ],
        ),
        (
            "Italian",
            &[
                "il", "gli", "e", "per", "con", "della", "una", "aggiunto", "corretto",
            ],
        ),
    ];
    let mut scores = vec![0usize; WORDS.len()];
    for s in subjects {
        for word in s
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
        {
            let w = word.to_lowercase();
            for (i, (_, list)) in WORDS.iter().enumerate() {
                if list.contains(&w.as_str()) {
                    scores[i] += 1;
                }
            }
        }
    }
    let (best, &score) = scores.iter().enumerate().max_by_key(|(_, s)| **s)?;
    (best != 0 && score >= 3 && score > scores[0] * 2).then_some(WORDS[best].0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Status;

    fn subjects(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn files(paths: &[&str]) -> Vec<FileChange> {
        paths
            .iter()
            .map(|p| FileChange::new(*p, Status::Modified))
            .collect()
    }

    #[test]
    fn conventional_history_is_learned_with_its_vocabulary() {
        let l = learn(&subjects(&[
            "feat(cli): add --json output",
            "fix(hook): keep the scissors line",
            "Merge branch 'x'",
            "fix(cli): exit 0 on bad flags",
            "docs: explain the config layers",
            "chore: bump deps",
        ]));
        assert!(l.conventional);
        assert_eq!(l.types, vec!["fix", "feat", "docs", "chore"]);
        assert_eq!(l.scopes, vec!["cli", "hook"]);
        assert!(l.lowercase);
        assert_eq!(l.examples.len(), 5);
        // Oldest first: the next commit's example comes at the end.
        assert_eq!(l.examples[4], "feat(cli): add --json output");
        assert_eq!(l.language, None);
    }

    #[test]
    fn area_prefixes_and_capitals_are_learned() {
        let l = learn(&subjects(&[
            "net: Fix the timeout on slow links",
            "mm: Drop the unused arena",
            "net: Add a retry to connect",
            "docs: Describe the flags",
        ]));
        assert!(!l.conventional);
        assert!(l.area_prefix);
        assert_eq!(l.areas[0], "net");
        assert!(!l.lowercase);
    }

    #[test]
    fn plain_history_and_too_little_history() {
        let l = learn(&subjects(&[
            "Add the parser",
            "Fix a crash in the lexer",
            "Update README",
        ]));
        assert!(!l.conventional && !l.area_prefix);
        assert_eq!(learn(&subjects(&["Initial commit"])), Learned::default());
    }

    #[test]
    fn language_is_detected_from_frequent_words() {
        let l = learn(&subjects(&[
            "Fehler in der Anmeldung behoben",
            "Neue Seite für die Hilfe",
            "Tests für das Modul und die Doku",
        ]));
        assert_eq!(l.language, Some("German"));
        let s = Style::new(StyleSetting::Auto, l, None, true);
        assert_eq!(s.language.as_deref(), Some("German"));
        let s = Style::new(StyleSetting::Auto, Learned::default(), Some("French"), true);
        assert_eq!(s.language.as_deref(), Some("French"));
    }

    #[test]
    fn conventional_subjects_are_checked_against_the_paths() {
        let style = Style::new(StyleSetting::Conventional, Learned::default(), None, true);
        let code = files(&["src/cli.rs"]);
        assert_eq!(
            style.apply("feat(cli): add a flag\n\nWhy.", &code).unwrap(),
            "feat(cli): add a flag\n\nWhy."
        );
        // A scope naming nothing that changed is dropped.
        assert_eq!(
            style.apply("fix(parser): handle eof", &code).unwrap(),
            "fix: handle eof"
        );
        assert!(style.apply("Add a flag", &code).is_err());
        assert!(style.apply("feature: add a flag", &code).is_err());
        assert!(style.apply("docs: describe the flag", &code).is_err());
        assert!(style
            .apply("docs: describe it", &files(&["README.md", "docs/x.md"]))
            .is_ok());
        assert!(style
            .apply("test: cover eof", &files(&["tests/lexer.rs"]))
            .is_ok());
        assert_eq!(
            style.apply("feat!: drop v1", &code).unwrap(),
            "feat!: drop v1"
        );
    }

    #[test]
    fn body_setting_drops_the_body() {
        let style = Style::new(StyleSetting::Plain, Learned::default(), None, false);
        assert_eq!(style.apply("Add x\n\nBecause.", &[]).unwrap(), "Add x");
    }

    #[test]
    fn fallback_prefix_follows_the_paths() {
        let style = Style::new(StyleSetting::Conventional, Learned::default(), None, true);
        assert_eq!(style.fallback_prefix(&files(&["README.md"])), "docs: ");
        assert_eq!(style.fallback_prefix(&files(&["Cargo.toml"])), "build: ");
        assert_eq!(
            style.fallback_prefix(&files(&[".github/workflows/ci.yml"])),
            "ci: "
        );
        assert_eq!(
            style.fallback_prefix(&files(&["src/a.rs", "README.md"])),
            "chore: "
        );
        let plain = Style::new(StyleSetting::Plain, Learned::default(), None, true);
        assert_eq!(plain.fallback_prefix(&files(&["README.md"])), "");
    }

    #[test]
    fn plain_setting_ignores_the_history() {
        let l = learn(&subjects(&["feat: a", "fix: b", "feat: c"]));
        let s = Style::new(StyleSetting::Plain, l, None, true);
        assert!(!s.conventional);
        assert_eq!(s.learned, Learned::default());
    }
}

#[cfg(test)]
mod history_tests {
    use super::*;
    use crate::diff::Status;

    fn past(n: usize) -> Vec<Past> {
        // Ids whose first digit cycles through 0-f: one in eight starts with 0 or 8.
        (0..n)
            .map(|i| Past {
                id: format!("{:x}{:039x}", i % 16, i),
                subject: format!("Change number {i}"),
                body: i % 2 == 0,
            })
            .collect()
    }

    #[test]
    fn the_window_moves_only_at_an_anchor() {
        // history[0] is the newest commit. A new commit pushes one more in at the head.
        let older = past(60);
        let newer: Vec<Past> = std::iter::once(Past {
            id: "3".repeat(40),
            subject: "A newer change".into(),
            body: false,
        })
        .chain(older.iter().cloned())
        .collect();
        assert_eq!(window(&older), window(&newer));
        assert_eq!(learn_history(&older), learn_history(&newer));
        // An anchor at the head starts a new window.
        let anchored: Vec<Past> = std::iter::once(Past {
            id: "8".repeat(40),
            subject: "An anchored change".into(),
            body: false,
        })
        .chain(older.iter().cloned())
        .collect();
        assert_eq!(window(&anchored)[0].subject, "An anchored change");
        assert_eq!(window(&anchored).len(), WINDOW);
        // No anchor among the newest: the newest commits.
        let none: Vec<Past> = past(60)
            .into_iter()
            .map(|mut p| {
                p.id.replace_range(..1, "1");
                p
            })
            .collect();
        assert_eq!(window(&none)[0].subject, "Change number 0");
        assert!(window(&[]).is_empty());
        // A young repository keeps all it has rather than skip to an anchor.
        let young = past(12);
        assert_eq!(window(&young).len(), 12);
    }

    #[test]
    fn the_body_share_is_learned() {
        let mut h = past(40);
        for p in &mut h {
            p.id.replace_range(..1, "0");
        }
        assert_eq!(learn_history(&h).body_percent, 50);
        for p in &mut h {
            p.body = false;
        }
        assert_eq!(learn_history(&h).body_percent, 0);
    }

    fn change(path: &str, lines: usize) -> FileChange {
        let mut f = FileChange::new(path, Status::Modified);
        f.added = lines;
        f
    }

    #[test]
    fn auto_asks_for_a_body_only_where_it_earns_its_time() {
        let bodies = Learned {
            body_percent: 80,
            ..Learned::default()
        };
        let none = Learned::default();
        let small = [change("src/a.rs", 3)];
        let medium = [change("src/a.rs", 40)];
        let large = [change("src/a.rs", 250)];
        let spread = [
            change("src/a.rs", 1),
            change("docs/b.md", 1),
            change("ci.yml", 1),
        ];
        assert!(!BodySetting::Auto.wanted(&bodies, &small));
        assert!(BodySetting::Auto.wanted(&bodies, &medium));
        assert!(!BodySetting::Auto.wanted(&none, &medium));
        assert!(BodySetting::Auto.wanted(&none, &large));
        assert!(BodySetting::Auto.wanted(&none, &spread));
        assert!(BodySetting::Always.wanted(&none, &small));
        assert!(!BodySetting::Never.wanted(&bodies, &large));
    }

    #[test]
    fn the_body_setting_reads_true_false_and_auto() {
        #[derive(serde::Deserialize)]
        struct T {
            body: BodySetting,
        }
        let read = |v: &str| toml::from_str::<T>(&format!("body = {v}")).map(|t| t.body);
        assert_eq!(read("true").unwrap(), BodySetting::Always);
        assert_eq!(read("false").unwrap(), BodySetting::Never);
        assert_eq!(read("\"auto\"").unwrap(), BodySetting::Auto);
        assert!(read("\"sometimes\"").is_err());
        assert!(read("3").is_err());
    }
}

#[cfg(test)]
mod vocabulary_tests {
    use super::*;
    use crate::diff::Status;

    fn files(paths: &[&str]) -> Vec<FileChange> {
        paths
            .iter()
            .map(|p| FileChange::new(*p, Status::Modified))
            .collect()
    }

    fn learned(subjects: &[&str]) -> Learned {
        learn(&subjects.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn conventional_types_and_scopes_follow_the_repository_s_vocabulary() {
        // A poetry project's history (seen on a public repository), and the 1.5B model's
        // replies there: file names as scopes, `docs` where the history writes `doc`.
        let l = learned(&[
            "build(deps): bump mkdocs-material from 9.5.34 to 9.5.35",
            "feat(cli): add a --json flag",
            "doc(changelog): describe 3.1",
            "fix(cli): exit 0 on bad flags",
            "build(deps-dev): bump pytest from 8.0 to 8.1",
            "doc: fix a link",
        ]);
        let s = Style::new(StyleSetting::Auto, l, None, false);
        let lock = files(&["poetry.lock", "pyproject.toml"]);
        assert_eq!(
            s.apply("build(poetry.lock): bump urllib3 to 2.6.3", &lock)
                .unwrap(),
            "build(deps): bump urllib3 to 2.6.3"
        );
        assert_eq!(
            s.apply("docs: describe the flag", &files(&["docs/guide.md"]))
                .unwrap(),
            "doc: describe the flag"
        );
        assert_eq!(
            s.apply("feat(pyproject.toml): add a flag", &files(&["src/cli.py"]))
                .unwrap(),
            "feat(cli): add a flag"
        );
        assert_eq!(
            s.apply("fix: handle eof", &files(&["src/lexer.py"]))
                .unwrap(),
            "fix: handle eof"
        );
    }

    #[test]
    fn area_prefixes_follow_the_repository_s_areas() {
        // ripgrep's style, and what the 1.5B model wrote there.
        let l = learned(&[
            "ignore: fix deadlock when visitor panics",
            "cli: add a flag",
            "doc: update the man page",
            "ignore: add incremental checking",
            "globset: increase pool capacity",
            "cli: fix a typo",
        ]);
        assert!(l.area_prefix && l.lowercase);
        let s = Style::new(StyleSetting::Auto, l, None, false);
        let cli = files(&["crates/cli/src/lib.rs"]);
        assert_eq!(
            s.apply("crates/cli: add a flag", &cli).unwrap(),
            "cli: add a flag"
        );
        assert_eq!(
            s.apply("docs: Update the guide", &files(&["GUIDE.md"]))
                .unwrap(),
            "doc: update the guide"
        );
        // Invented prefixes: the area every changed path lies in, or none.
        let ignore = files(&["crates/ignore/src/walk.rs"]);
        assert_eq!(
            s.apply("update: skip hidden files", &ignore).unwrap(),
            "ignore: skip hidden files"
        );
        assert_eq!(
            s.apply("fix: Skip hidden files", &files(&["README.md"]))
                .unwrap(),
            "skip hidden files"
        );
        assert_eq!(s.apply("cli: add a flag", &cli).unwrap(), "cli: add a flag");
    }

    #[test]
    fn a_plain_repository_drops_an_invented_type() {
        let l = learned(&[
            "Add a flag",
            "Fix the lexer",
            "Update README",
            "Remove dead code",
        ]);
        let s = Style::new(StyleSetting::Auto, l, None, false);
        assert_eq!(
            s.apply("fix: handle eof in the lexer", &files(&["src/lexer.rs"]))
                .unwrap(),
            "Handle eof in the lexer"
        );
        assert_eq!(
            s.apply("Handle eof in the lexer", &files(&["src/lexer.rs"]))
                .unwrap(),
            "Handle eof in the lexer"
        );
    }
}

#[cfg(test)]
mod repository_form_tests {
    use super::*;
    use crate::diff::{Hunk, Status};

    #[test]
    fn docs_fits_a_change_that_is_mostly_documentation() {
        let s = Style::new(StyleSetting::Conventional, Learned::default(), None, false);
        // Seen on commitizen: docs/ pages with the site's config, refused before.
        let files: Vec<FileChange> = ["docs/tutorials/release.md", "mkdocs.yml"]
            .iter()
            .map(|p| FileChange::new(*p, Status::Modified))
            .collect();
        assert_eq!(
            s.apply("docs: add a release tutorial", &files).unwrap(),
            "docs: add a release tutorial"
        );
        let code: Vec<FileChange> = ["src/a.py", "src/b.py", "docs/a.md"]
            .iter()
            .map(|p| FileChange::new(*p, Status::Modified))
            .collect();
        assert!(s.apply("docs: describe a", &code).is_err());
    }

    #[test]
    fn a_bump_takes_the_history_s_bump_prefix() {
        let l = learn(
            &[
                "ci(deps): bump soupsieve from 2.8.3 to 2.8.4",
                "feat(cli): add a flag",
                "ci(deps): bump gitpython from 3.1.50 to 3.1.52",
                "fix(cli): exit 0",
            ]
            .map(String::from),
        );
        let s = Style::new(StyleSetting::Auto, l, None, false);
        let mut lock = FileChange::new("uv.lock", Status::Modified);
        lock.hunks.push(Hunk {
            header: "@@ -1 +1 @@".into(),
            body: " name = \"soupsieve\"\n-version = \"2.8.3\"\n+version = \"2.8.4\"\n".into(),
        });
        // The 1.5B model's subject for this change on commitizen.
        assert_eq!(
            s.apply("fix(deps): update soupsieve to 2.8.4", &[lock])
                .unwrap(),
            "ci(deps): update soupsieve to 2.8.4"
        );
    }
}
