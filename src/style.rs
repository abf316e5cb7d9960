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
/// How many times the window must hold a subject for it to be a routine commit's.
pub const ROUTINE: usize = 3;
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
    /// Areas only the older history uses, beyond [`RECENT`] commits, most frequent first:
    /// where none of [`Learned::areas`] fits a change, one of these may (ripgrep's
    /// `pkg/brew`, written once a release). They never make a model's prefix the
    /// repository's: a model's `test:` or `release:` is no area of ripgrep's today, though
    /// its history had both once.
    pub older_areas: Vec<String>,
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
    /// The form the history gives a release's subject, with `{name}`, `{from}` and `{to}`
    /// for the package and its versions: `{name}-{to}` of `ignore-0.4.33`, `bump: version
    /// {from} → {to}`; only a form seen at least twice.
    pub release_form: Option<String>,
    /// Subjects the window repeats word for word ([`ROUTINE`] times or more, releases aside):
    /// a routine commit's (`docs(cli/screenshots): update CLI screenshots`), newest form.
    pub routines: Vec<String>,
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
/// The commits the areas of today are learned from: the window and what it may pass over.
pub const RECENT: usize = WINDOW + MAX_SKIP;
/// How many commits are read: [`RECENT`], and beyond them the areas that come seldom
/// ([`Learned::older_areas`]). ripgrep writes `pkg/brew: update tap` once a release, 61
/// commits back from its next `pkg/brew` change: with only the recent commits read, the area
/// was unknown and the change was called `brew:`.
pub const HISTORY: usize = 200;

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
    // Releases come a few times a month: all of the recent commits, not only the window, show
    // their form. (It is no part of the prompt, so the window's stable prefix is not at stake.)
    if learned != Learned::default() {
        let recent: Vec<&str> = history
            .iter()
            .take(RECENT)
            .map(|p| p.subject.as_str())
            .collect();
        learned.release_form = release_form(&recent);
        // Likewise the areas a change may lie in: the window's first, as the prompt names
        // them, then the rest of the recent commits', then the older history's apart.
        if learned.area_prefix {
            for area in recent.iter().filter_map(|s| area_prefix_of(s)) {
                if !learned.areas.iter().any(|a| a == area) {
                    learned.areas.push(area.to_string());
                }
            }
            let mut older = Counter::default();
            for p in history.iter().skip(RECENT) {
                if let Some(area) = area_prefix_of(&p.subject) {
                    if !learned.areas.iter().any(|a| a == area) {
                        older.add(area);
                    }
                }
            }
            learned.older_areas = older.ranked();
        }
    }
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
    /// The area of the history's `area: ` vocabulary this change lies in, when one is clear
    /// ([`Style::for_change`]): told to the model, and the prefix a subject gets.
    pub area: Option<String>,
    /// The commits behind the example subjects, with the paths each changed: a reply that
    /// repeats one of them must be about the same part of the tree.
    pub earlier: Vec<Earlier>,
    /// For a release, the subject of the commit the previous version's tag points at
    /// ([`release_tags`]): the form this package's releases take, where the history read is
    /// too short to show one (ripgrep's own `15.1.0` is 61 commits before `15.2.0`, among
    /// its crates' `ignore-0.4.30`).
    pub previous_release: Option<String>,
    /// For a lone dependency bump, the prefix of the newest earlier bump that changed a file of
    /// the same name: commitizen writes `build(deps): ` for `uv.lock` and `ci(deps): ` for its
    /// workflows, and the more frequent one is wrong for the other half ([`Style::bump_prefix`]).
    pub earlier_bump: Option<String>,
    /// For a changelog that gains a release's heading ([`crate::facts::Facts::heading`]), the
    /// subject of the newest earlier commit with one version in its subject that changed the
    /// same changelog: ripgrep's `changelog: 15.1.0` for its `15.2.0` heading.
    pub previous_heading: Option<String>,
}

/// A recent commit shown to the model as an example: its subject, and the paths it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier {
    /// The subject as the example shows it.
    pub subject: String,
    /// The paths it changed against its first parent (a bounded number).
    pub paths: Vec<String>,
}

impl Earlier {
    /// Whether this commit changed a file in the directory `path` lies in.
    pub fn changed_the_dir_of(&self, path: &str) -> bool {
        let dir = parent_dir(path);
        self.paths.iter().any(|p| parent_dir(p) == dir)
    }
}

/// The directory `path` lies in, `""` at the top.
fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `subject` as its prefix (`area: `, `type(scope): `, with its `: `; `""` for none) and the
/// summary after it.
pub fn split_prefix(subject: &str) -> (&str, &str) {
    match subject.split_once(": ") {
        Some((p, s)) if !p.contains(' ') => (&subject[..p.len() + 2], s),
        _ => ("", subject),
    }
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
            area: None,
            earlier: Vec::new(),
            previous_release: None,
            earlier_bump: None,
            previous_heading: None,
        }
    }

    /// The style for `files`, of which `facts` are known: with the history's `area: `
    /// prefixes, the area they lie in.
    pub fn for_change(mut self, files: &[FileChange], facts: &crate::facts::Facts) -> Self {
        if !self.conventional && self.learned.area_prefix {
            let all: Vec<&FileChange> = files.iter().collect();
            let voting = voting(files);
            let areas = &self.learned.areas;
            self.area = area_for(areas, &all, facts)
                .or_else(|| {
                    (voting.len() < files.len())
                        .then(|| area_for(areas, &voting, facts))
                        .flatten()
                })
                .or_else(|| {
                    new_area_for(&voting).map(|new| older_spelling(&self.learned, &new, &voting))
                });
        }
        self
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
        let subject = without_path_label(&subject, files, self.lowercase());
        let subject = if self.language.is_none() {
            imperative(&subject)
        } else {
            subject
        };
        match body {
            Some(b) if self.body => Ok(format!("{subject}\n\n{b}")),
            _ => Ok(subject),
        }
    }

    fn check_conventional(&self, subject: &str, files: &[FileChange]) -> Result<String, String> {
        let Some(parts) = parse_conventional(subject) else {
            // The 0.5B model left the type out of 6 of commitizen's 50 subjects, which were
            // then refused; the type a path or the leading verb justifies is added instead.
            let ty = self.inferred_type(subject, files);
            let typed = format!("{ty}: {}", lower_first(subject));
            return match parse_conventional(&typed) {
                Some(_) => self.check_conventional(&typed, files),
                None => Err("the subject has no Conventional Commits `type: ` prefix".into()),
            };
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

    /// The type for a subject written without one: the one the paths alone justify (`docs`,
    /// `test`, `ci`, `build`), else the one its verb says (`fix`, `feat` for "add",
    /// `refactor`), else `chore`.
    fn inferred_type(&self, subject: &str, files: &[FileChange]) -> String {
        let by_path = self.fallback_prefix(files);
        let by_path = by_path.trim_end_matches(": ");
        if by_path != "chore" && !by_path.is_empty() {
            return by_path.to_string();
        }
        let verb = subject
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let ty = match verb.as_str() {
            "fix" | "correct" | "handle" | "avoid" => "fix",
            "add" | "support" | "implement" | "introduce" | "allow" | "enable" => "feat",
            "refactor" | "simplify" | "rename" | "move" | "split" | "extract" => "refactor",
            "document" => "docs",
            _ => "chore",
        };
        respell(ty, &self.learned.types).unwrap_or_else(|| ty.to_string())
    }

    /// The history's prefix for dependency bumps (`ci(deps): `), when `files` are manifests
    /// only with a version that moved, and the prefix is a Conventional one.
    fn bump_prefix_for(&self, files: &[FileChange]) -> Option<&str> {
        let prefix = self.bump_prefix().filter(|p| !p.is_empty())?;
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
    /// area is respelled (`crates/cli:` to `cli:`, `docs:` to `doc:`), and a known area gives
    /// way to a narrower one the change lies in (`ignore:` to `ignore/types:`); a prefix the
    /// history never uses, or none, becomes the change's area ([`Style::for_change`]), or
    /// is dropped. An invented verb prefix stays a verb: `update: ignore version` is
    /// `ignore: update ignore version`, not `ignore: ignore version`.
    fn hold_to_areas(&self, subject: &str, files: &[FileChange]) -> String {
        let areas = &self.learned.areas;
        let (prefix, summary) = match subject.split_once(": ") {
            Some((p, s)) if !p.contains(' ') && !p.is_empty() => (Some(p), s.to_string()),
            _ => (None, subject.to_string()),
        };
        let known = |p: &str| areas.iter().find(|a| a.eq_ignore_ascii_case(p)).cloned();
        // The history's most used spelling first: ripgrep writes `doc:` far more often than
        // the `docs:` it has too.
        let respelled = prefix.and_then(|p| {
            respell(&p.to_ascii_lowercase(), areas)
                .or_else(|| known(p))
                .or_else(|| p.rsplit('/').find(|c| !c.is_empty()).and_then(known))
        });
        // Where neither the history's areas nor the paths give one, an area the model named
        // that every changed file lies in is one a person would name too.
        let invented = prefix
            .filter(|p| respelled.is_none() && self.area.is_none() && !is_verb(p))
            .map(str::to_ascii_lowercase)
            // `crates:` holds every crate: it names no part of the project.
            .filter(|p| !CONTAINER_DIRS.contains(&p.as_str()))
            .filter(|p| !files.is_empty() && files.iter().all(|f| fit(p, f).is_some()));
        let respelled = respelled.or(invented);
        let summary = match (prefix, &respelled) {
            (Some(p), None) if is_verb(p) && !starts_with_verb(&summary) => {
                format!("{} {summary}", p.to_ascii_lowercase())
            }
            _ => summary,
        };
        let area = match (respelled, &self.area) {
            (Some(model), Some(change)) => {
                // Among the files that say where the change lies: a changelog beside code
                // makes no `doc:` change.
                let fits = voting(files).iter().any(|f| fit(&model, f).is_some());
                if change.starts_with(&format!("{model}/")) || !fits {
                    Some(change.clone())
                } else {
                    Some(model)
                }
            }
            (model, change) => model.or_else(|| change.clone()),
        };
        let summary = if self.learned.lowercase {
            lower_first(&summary)
        } else {
            summary
        };
        match area {
            Some(a) => format!("{a}: {summary}"),
            None => upper_first_unless(&summary, self.learned.lowercase),
        }
    }

    /// The prefix for the fallback summary: a type that the paths alone justify (`docs`,
    /// `test`, `ci`, `build`), else `chore`; empty without Conventional Commits.
    pub fn fallback_prefix(&self, files: &[FileChange]) -> String {
        if let Some(area) = self.area.as_deref().filter(|_| !self.conventional) {
            return format!("{area}: ");
        }
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

    /// The subject of a routine commit ([`Learned::routines`]) when `files` are that kind of
    /// change: every one is binary or generated, so the model would see no line of it, and lies
    /// in a directory the routine's newest commit changed ([`Style::earlier`] holds its paths).
    /// A change with text to read is always the model's to describe, however often the history
    /// says "Update journal".
    pub fn routine_subject(&self, files: &[FileChange]) -> Option<String> {
        if !files.iter().all(|f| f.binary || f.generated) {
            return None;
        }
        self.earlier
            .iter()
            .filter(|e| self.learned.routines.contains(&e.subject))
            .find(|e| !files.is_empty() && files.iter().all(|f| e.changed_the_dir_of(&f.path)))
            .map(|e| e.subject.clone())
    }

    /// A release's subject in the form of the package's previous release, found by its tag,
    /// or else in the form the history gives releases (`ignore-0.4.33`), when it has one.
    pub fn release_subject(&self, release: &crate::bumps::Bump) -> Option<String> {
        let tagged = self.previous_release.as_deref().and_then(form_of);
        let form = tagged.as_deref().or(self.learned.release_form.as_deref())?;
        // A form's `v` is its own (`v{to}`): the version goes in without one.
        let bare = |v: &str| v.trim_start_matches('v').to_string();
        Some(
            form.replace("{name}", &release.name)
                .replace("{from}", &bare(&release.from))
                .replace("{to}", &bare(&release.to)),
        )
    }

    /// The subject for a changelog's new release heading of `version`, in the form of the
    /// earlier commit that gave the changelog one ([`Style::previous_heading`]).
    pub fn heading_subject(&self, version: &str) -> Option<String> {
        let form = self.previous_heading.as_deref().and_then(heading_form)?;
        Some(form.replace("{to}", version.trim_start_matches('v')))
    }

    /// What this repository writes before a dependency bump's summary: the prefix of an earlier
    /// bump of the same file ([`Style::earlier_bump`]), else the history's most frequent one;
    /// `None` where the history shows no bump.
    pub fn bump_prefix(&self) -> Option<&str> {
        self.earlier_bump
            .as_deref()
            .or(self.learned.bump_prefix.as_deref())
    }

    /// Whether the summary after the prefix should start lowercase.
    pub fn lowercase(&self) -> bool {
        self.conventional || self.learned.lowercase
    }
}

/// `subject` without a changed file's path written as a label after its prefix: the 0.5B model
/// wrote commitizen's "docs: docs/images/cli_help/cz_version___help.svg: Update font-weight".
/// The summary after it then starts as the style has it.
fn without_path_label(subject: &str, files: &[FileChange], lowercase: bool) -> String {
    let (prefix, summary) = split_prefix(subject);
    let rest = files.iter().find_map(|f| {
        [f.path.as_str(), f.file_name()]
            .into_iter()
            .find_map(|label| summary.strip_prefix(label)?.strip_prefix(": "))
    });
    match rest.map(str::trim).filter(|r| !r.is_empty()) {
        Some(rest) if prefix.is_empty() => upper_first_unless(rest, lowercase),
        Some(rest) if lowercase => format!("{prefix}{}", lower_first(rest)),
        Some(rest) => format!("{prefix}{rest}"),
        None => subject.to_string(),
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

/// Whether `word` is `other` or another spelling of it (`docs` of `doc`), in any case.
fn same_word(word: &str, other: &str) -> bool {
    word.eq_ignore_ascii_case(other)
        || respell(&word.to_ascii_lowercase(), &[other.to_string()]).is_some()
}

/// The area of `areas` (the history's, most used first) that `files` lie in:
/// - a dependency update (manifests only, with versions that moved) is the history's `deps`;
/// - else the most specific area every file fits ([`fit`]): the one of more parts
///   (`ignore/types` before `ignore`), then the one nearer the files (`flags` before `core` for
///   `crates/core/flags/defs.rs`), then the one used most; a change to comments only is
///   documentation first (`doc: fix typo`);
/// - else the area most files fit, if more than half do.
fn area_for(
    areas: &[String],
    files: &[&FileChange],
    facts: &crate::facts::Facts,
) -> Option<String> {
    if files.is_empty() || areas.is_empty() {
        return None;
    }
    let manifests = files.iter().all(|f| crate::bumps::is_manifest(f));
    if manifests && !facts.bumps.is_empty() {
        if let Some(deps) = areas.iter().find(|a| same_word(a, "deps")) {
            return Some(deps.clone());
        }
    }
    let doc = areas.iter().find(|a| same_word(a, "doc"));
    if let (Some(doc), Some(crate::facts::Kind::Comments)) = (doc, facts.kind) {
        return Some(doc.clone());
    }
    // (parts, depth, rank) of the areas every file fits, the best last.
    let every = areas.iter().enumerate().filter_map(|(rank, area)| {
        let depths: Option<Vec<usize>> = files.iter().map(|f| fit(area, f)).collect();
        let depth = depths?.into_iter().min()?;
        Some((
            (area.split('/').count(), depth, std::cmp::Reverse(rank)),
            area,
        ))
    });
    if let Some((_, area)) = every.max_by_key(|(key, _)| *key) {
        return Some(area.clone());
    }
    let most = areas
        .iter()
        .enumerate()
        .map(|(rank, area)| {
            let n = files.iter().filter(|f| fit(area, f).is_some()).count();
            ((n, std::cmp::Reverse(rank)), area)
        })
        .max_by_key(|(key, _)| *key)?;
    (most.0 .0 * 2 > files.len()).then(|| most.1.clone())
}

/// The files that say where a change lies: without its tests, its CI configuration and the
/// top-level manifests and lockfiles that come with a change elsewhere, when anything else is
/// left. ripgrep's "flags: disable many flags when indexing is enabled" has three test files
/// beside two in `crates/core/flags/`; "index: add grep-index crate" has `Cargo.lock` and
/// `Cargo.toml` beside six files in `crates/index/`. Both got no area. A top-level changelog
/// follows too: ripgrep's "ignore: support `GIT_CONFIG_GLOBAL`…" changed `CHANGELOG.md`
/// beside `crates/ignore/src/gitignore.rs` and two tests.
fn voting(files: &[FileChange]) -> Vec<&FileChange> {
    let rest: Vec<&FileChange> = files.iter().filter(|f| !follows(f)).collect();
    if rest.is_empty() {
        files.iter().collect()
    } else {
        rest
    }
}

/// How the older history spells the `new` area a change gets where no recent area fits it:
/// an older area that names the same directory and fits every file that says where the change
/// lies (ripgrep's `pkg/brew` for `brew`), else `new` itself. An older area is asked no more
/// than that: chosen by its fit alone, ripgrep's long unused `core` beat `flags` for
/// `crates/core/flags/`, and `release` beat `ci` for `.github/workflows/release.yml`.
fn older_spelling(learned: &Learned, new: &str, voting: &[&FileChange]) -> String {
    let tail = format!("/{new}");
    learned
        .older_areas
        .iter()
        .find(|a| {
            (a.as_str() == new || a.ends_with(&tail)) && voting.iter().all(|f| fit(a, f).is_some())
        })
        .cloned()
        .unwrap_or_else(|| new.to_string())
}

/// Whether `f` comes with a change rather than being it, when anything else changed: a test,
/// CI configuration, or a top-level manifest, lockfile or changelog ([`voting`]).
pub fn follows(f: &FileChange) -> bool {
    PathKind::Tests.matches(&f.path)
        || PathKind::Ci.matches(&f.path)
        || (!f.path.contains('/') && (crate::bumps::is_manifest(f) || is_changelog(&f.path)))
}

/// Whether a file's name is a changelog's: `CHANGELOG.md`, `CHANGES`, `NEWS.rst`, `HISTORY.md`.
pub fn is_changelog(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name).to_ascii_uppercase();
    matches!(stem.as_str(), "CHANGELOG" | "CHANGES" | "NEWS" | "HISTORY")
}

/// Directories that hold the parts of a project rather than name one.
const CONTAINER_DIRS: &[&str] = &[
    "src", "lib", "libs", "crates", "packages", "internal", "cmd", "source", "modules", "include",
];

/// The area a person would name for `files` where none of the history's fits them: `ci` for
/// CI configuration, else the innermost directory (nearly) all of them lie in that names a part
/// of the project (`core` for `crates/core/src/main.rs` and `crates/core/flags.rs`), else the stem
/// of a single top-level dotfile (`nvim` for `.nvim.lua`). In ripgrep,
/// whose history writes `area: summary`, a subject without an area was a miss every time the
/// person named an area for the first time (`index:`, `core:`, `nvim:`, `ci:`).
fn new_area_for(files: &[&FileChange]) -> Option<String> {
    if files.is_empty() {
        return None;
    }
    if files.iter().all(|f| PathKind::Ci.matches(&f.path)) {
        return Some("ci".into());
    }
    let lower: Vec<String> = files.iter().map(|f| f.path.to_ascii_lowercase()).collect();
    let dirs: Vec<Vec<&str>> = lower
        .iter()
        .map(|p| {
            let mut parts: Vec<&str> = p.split('/').collect();
            parts.pop();
            parts
        })
        .collect();
    // The deepest directory that holds at least two thirds of the files (all of one or two):
    // `crates/core/flags` for eight of its files and `crates/core/main.rs`, not its `doc/`
    // with five of the nine.
    let mut held: std::collections::HashMap<&[&str], usize> = std::collections::HashMap::new();
    for d in &dirs {
        for depth in 1..=d.len() {
            *held.entry(&d[..depth]).or_default() += 1;
        }
    }
    let common: Vec<&str> = held
        .into_iter()
        .filter(|(_, n)| n * 3 >= dirs.len() * 2)
        .max_by_key(|(dir, n)| (dir.len(), *n))
        .map(|(dir, _)| dir.to_vec())
        .unwrap_or_default();
    let is_word = |w: &str| {
        w.len() >= 2
            && w.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if let Some(dir) = common
        .iter()
        .rev()
        .find(|d| !CONTAINER_DIRS.contains(d) && is_word(d))
    {
        return Some(dir.to_string());
    }
    match lower.as_slice() {
        [path] if common.is_empty() && path.starts_with('.') => {
            let stem = path.trim_start_matches('.').split('.').next().unwrap_or("");
            is_word(stem).then(|| stem.to_string())
        }
        _ => None,
    }
}

/// Whether the change to `f` lies in `area`, and how deep in its path the area's last part
/// is: each `/`-part of the area names one of the path's directories, its file name, its stem
/// or a word of the stem (`ignore/types` fits `crates/ignore/src/default_types.rs`, `cargo`
/// fits `Cargo.toml`), or the area is a kind of file the path is (`doc` fits `GUIDE.md`, `ci`
/// fits `.github/workflows/ci.yml`).
fn fit(area: &str, f: &FileChange) -> Option<usize> {
    let area = area.to_ascii_lowercase();
    let paths = std::iter::once(f.path.as_str()).chain(f.old_path.as_deref());
    for path in paths {
        let lower = path.to_ascii_lowercase();
        let parts: Vec<&str> = lower.split('/').collect();
        let name = parts.last().copied().unwrap_or("");
        // `.nvim.lua` is `nvim`'s.
        let stem = name
            .trim_start_matches('.')
            .split('.')
            .next()
            .unwrap_or(name);
        let at = |word: &str| -> Option<usize> {
            let last = parts.len() - 1;
            // Counted from 1: a name in the path is more specific than a kind of file (0).
            let dir = parts[..last].iter().rposition(|d| *d == word);
            let named =
                name == word || stem == word || stem.split(['_', '-', '.']).any(|w| w == word);
            dir.or_else(|| named.then_some(last)).map(|at| at + 1)
        };
        let found: Option<Vec<usize>> = area.split('/').map(at).collect();
        if let Some(depths) = found {
            return depths.last().copied();
        }
    }
    let kind = if same_word(&area, "doc") {
        Some(PathKind::Docs)
    } else if same_word(&area, "test") {
        Some(PathKind::Tests)
    } else {
        (area == "ci").then_some(PathKind::Ci)
    };
    kind.filter(|k| k.matches(&f.path)).map(|_| 0)
}

/// `subject` with its summary's first word in the imperative mood the instructions ask for:
/// the 1.5B model wrote "Updated zram tuning on the laptop" for most entries of a journal.
/// Only the common commit verbs are rewritten (`Updated`, `Adds`, `Fixed`), in their case.
fn imperative(subject: &str) -> String {
    let (prefix, summary) = split_prefix(subject);
    let word_end = summary.find(' ').unwrap_or(summary.len());
    let (word, rest) = summary.split_at(word_end);
    let lower = word.to_ascii_lowercase();
    let verb = VERBS.iter().find(|v| {
        let v = **v;
        let past = if v.ends_with('e') {
            format!("{v}d")
        } else if v == "stop" || v == "drop" || v == "split" {
            format!("{v}{}ed", &v[v.len() - 1..])
        } else if let Some(stem) = v.strip_suffix('y') {
            format!("{stem}ied")
        } else {
            format!("{v}ed")
        };
        let third = if v.ends_with('h') || v.ends_with('x') || v.ends_with('s') {
            format!("{v}es")
        } else if let Some(stem) = v.strip_suffix('y') {
            format!("{stem}ies")
        } else {
            format!("{v}s")
        };
        lower == past || lower == third
    });
    match verb {
        Some(v) if word.chars().next().is_some_and(char::is_uppercase) => {
            format!("{prefix}{}{rest}", upper_first_unless(v, false))
        }
        Some(v) => format!("{prefix}{v}{rest}"),
        None => subject.to_string(),
    }
}

/// Imperative verbs a subject starts with.
const VERBS: &[&str] = &[
    "add",
    "adjust",
    "allow",
    "avoid",
    "bump",
    "change",
    "check",
    "clarify",
    "clean",
    "convert",
    "correct",
    "delete",
    "deprecate",
    "disable",
    "document",
    "drop",
    "enable",
    "ensure",
    "expose",
    "extend",
    "fix",
    "handle",
    "implement",
    "improve",
    "include",
    "increase",
    "introduce",
    "limit",
    "make",
    "mention",
    "move",
    "prefer",
    "reduce",
    "refactor",
    "reject",
    "remove",
    "rename",
    "replace",
    "restore",
    "revert",
    "rework",
    "rewrite",
    "set",
    "show",
    "simplify",
    "skip",
    "sort",
    "split",
    "start",
    "stop",
    "support",
    "switch",
    "tidy",
    "update",
    "upgrade",
    "use",
];

fn is_verb(word: &str) -> bool {
    VERBS.contains(&word.to_ascii_lowercase().as_str())
}

/// Whether `summary` (after any prefix) opens with a commit verb (`add`, `fixed`, `update`).
pub fn starts_with_verb(summary: &str) -> bool {
    summary.split_whitespace().next().is_some_and(is_verb)
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
        for area in usable.iter().filter_map(|s| area_prefix_of(s)) {
            area_count += 1;
            areas.add(area);
        }
    }
    // Releases have a form of their own (`ignore-0.4.28`): a run of them in the window says
    // nothing against the `area: ` prefixes of the rest.
    let releases = usable.iter().filter(|s| form_of(s).is_some()).count();
    let area_prefix = area_count > 0 && area_count * 2 >= n - releases;
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
    let routines = routines(&usable);
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
        older_areas: Vec::new(),
        lowercase: lower * 10 >= n * 6,
        typical_len: Some(lengths[n / 2]),
        language: detect_language(&usable),
        examples: examples(&usable, &routines),
        routines,
        body_percent: 0,
        bump_prefix: bump_prefix(&usable),
        release_form: release_form(&usable),
    }
}

/// The subjects shown to the model as examples: the newest [`EXAMPLES`] that teach something,
/// oldest first (the next commit's comes at the end). A subject shown once already is not
/// shown again, and a release (`ignore-0.4.31`, `bump: version 4.1 → 4.2`) is not shown at
/// all: its subject is computed, never asked for. Measured on commitizen's history, whose
/// window held "docs(cli/screenshots): update CLI screenshots" three times, the 1.5B model
/// wrote "docs: update CLI screenshots" for a change to AGENTS.md and for a new tutorial.
/// Nor is one of the `routine` subjects ([`routines`]) shown.
fn examples(usable: &[&str], routine: &[String]) -> Vec<String> {
    let mut shown: Vec<String> = Vec::new();
    for subject in usable {
        if shown.len() == EXAMPLES {
            break;
        }
        let key = without_pr_number(subject).to_lowercase();
        let teaches =
            form_of(subject).is_none() && !routine.iter().any(|r| r.to_lowercase() == key);
        if teaches && !shown.iter().any(|s| s.to_lowercase() == key) {
            shown.push(without_pr_number(subject).to_string());
        }
    }
    shown.reverse();
    shown
}

/// The subjects `usable` (newest first) holds [`ROUTINE`] times or more, case and a forge's
/// PR number aside, releases not counted, each in its newest form. commitizen's window held
/// "docs(cli/screenshots): update CLI screenshots" ten times in thirty: not an example of how
/// a person describes a change (the 1.5B model copied it for unrelated ones), but the subject
/// of one kind of change, written for it without asking ([`Style::routine_subject`]).
fn routines(usable: &[&str]) -> Vec<String> {
    let mut counts: Vec<(String, String, usize)> = Vec::new();
    for subject in usable.iter().filter(|s| form_of(s).is_none()) {
        let bare = without_pr_number(subject);
        let key = bare.to_lowercase();
        match counts.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, _, n)) => *n += 1,
            None => counts.push((key, bare.to_string(), 1)),
        }
    }
    counts
        .into_iter()
        .filter(|(_, _, n)| *n >= ROUTINE)
        .map(|(_, subject, _)| subject)
        .collect()
}

/// `subject` without the pull-request number a forge appends (`Fix x (#2050)`).
pub fn without_pr_number(subject: &str) -> &str {
    let s = subject.trim_end();
    match s.rfind(" (#") {
        Some(at)
            if s.ends_with(')') && s[at + 3..s.len() - 1].chars().all(|c| c.is_ascii_digit()) =>
        {
            &s[..at]
        }
        _ => s,
    }
}

/// The `area` of an `area: summary` subject.
fn area_prefix_of(subject: &str) -> Option<&str> {
    let (area, rest) = subject.split_once(": ")?;
    let is_area = !area.is_empty()
        && area.len() <= 30
        && !rest.trim().is_empty()
        && area
            .chars()
            .all(|c| c.is_alphanumeric() || "_./-, ".contains(c))
        && area.split_whitespace().count() <= 2;
    is_area.then_some(area)
}

/// The tags a package's previous release may carry, in the forms repositories tag releases:
/// `1.2.3`, `v1.2.3`, `name-1.2.3`, `name-v1.2.3`, `name/1.2.3`, `name/v1.2.3`, `name@1.2.3`.
pub fn release_tags(release: &crate::bumps::Bump) -> Vec<String> {
    let version = release.from.trim_start_matches('v');
    let name = &release.name;
    let mut tags = vec![version.to_string(), format!("v{version}")];
    if !name.is_empty() {
        for sep in ["-", "/", "@"] {
            tags.push(format!("{name}{sep}{version}"));
            if sep != "@" {
                tags.push(format!("{name}{sep}v{version}"));
            }
        }
    }
    tags
}

/// The form of `subject` where it names one version and no package (`changelog: {to}` of
/// `changelog: 15.1.0`, `docs: release notes for v{to}`): the form a changelog's new release
/// heading may take ([`Style::heading_subject`]).
pub fn heading_form(subject: &str) -> Option<String> {
    form_of(subject).filter(|f| !f.contains("{from}") && !f.contains("{name}"))
}

/// The most frequent release form among `subjects`, if one is used at least twice.
fn release_form(subjects: &[&str]) -> Option<String> {
    let mut counter = Counter::default();
    for s in subjects {
        if let Some(form) = form_of(s) {
            counter.add(&form);
        }
    }
    counter.ranked_at_least(2).into_iter().next()
}

/// The release form of `subject`: its one or two versions as `{to}` or `{from}`, `{to}`, and
/// a bare `name-1.2.3` as `{name}-{to}`; none when it has other versions or more than two
/// other words (`deps: bump to tikv-jemallocator 0.7.0` is a dependency, not a release).
fn form_of(subject: &str) -> Option<String> {
    let mut text = String::new();
    let mut versions = Vec::new();
    let mut rest = subject.trim();
    while let Some(at) = version_start(rest) {
        let len = version_len(&rest[at..]);
        text.push_str(&rest[..at]);
        text.push('\u{0}');
        versions.push(&rest[at..at + len]);
        rest = &rest[at + len..];
    }
    text.push_str(rest);
    let form = match versions.len() {
        1 => text.replacen('\u{0}', "{to}", 1),
        2 => text
            .replacen('\u{0}', "{from}", 1)
            .replacen('\u{0}', "{to}", 1),
        _ => return None,
    };
    // `ignore-0.4.33`, `grep-searcher-0.1.17`: the package's name and its version.
    if let Some(name) = form.strip_suffix("-{to}") {
        let is_name = !name.is_empty()
            && name.chars().any(|c| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
        if is_name {
            return Some("{name}-{to}".to_string());
        }
    }
    let words = form
        .split_whitespace()
        .filter(|w| !w.contains('{') && !["→", "->", "to", "from"].contains(w))
        .count();
    (words <= 2 && form.chars().count() <= 60).then_some(form)
}

/// Where the first version (`0.4.33`, the `2.1` of `v2.1`, `1.0.0-rc.1`) in `s` starts: a
/// digit not inside a word or number (a `v` before it stays text), with a dot and another
/// digit after it.
fn version_start(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let outside =
        |i: usize| i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'.');
    (0..bytes.len()).find(|&i| {
        let starts =
            bytes[i].is_ascii_digit() && (outside(i) || bytes[i - 1] == b'v' && outside(i - 1));
        starts && s[i..i + version_len(&s[i..])].contains('.')
    })
}

/// How long the version at the start of `s` is: digits and dots, and a pre-release or build
/// suffix (`-rc.1`, `+build`), without a trailing dot.
pub fn version_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
        i += 1;
    }
    if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
        let mut j = i + 1;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'.') {
            j += 1;
        }
        if j > i + 1 && bytes[i + 1].is_ascii_alphabetic() {
            i = j;
        }
    }
    while i > 0 && bytes[i - 1] == b'.' {
        i -= 1;
    }
    i
}

/// The most frequent text before "bump"/"Bump" in subjects that start with it or with a prefix
/// ending in `: ` before it ([`bump_prefix_of`]).
fn bump_prefix(subjects: &[&str]) -> Option<String> {
    let mut counter = Counter::default();
    for prefix in subjects.iter().filter_map(|s| bump_prefix_of(s)) {
        counter.add(prefix);
    }
    counter.ranked().into_iter().next()
}

/// What `subject` writes before "bump"/"Bump", when it is a dependency bump's: nothing, or a
/// prefix ending in `: ` (`deps: `, `build(deps): `, `chore: `).
pub fn bump_prefix_of(subject: &str) -> Option<&str> {
    let at = subject.find("bump ").or_else(|| subject.find("Bump "))?;
    let before = &subject[..at];
    // Not `msrv: ` of `msrv: bump to Rust 1.96`, which is no dependency.
    let dependency = before.is_empty()
        || before.to_ascii_lowercase().contains("dep")
        || parse_conventional(&format!("{before}x")).is_some_and(|c| {
            c.scope.is_none() && STANDARD_TYPES.contains(&c.ty.to_ascii_lowercase().as_str())
        });
    (dependency && (before.is_empty() || before.ends_with(": "))).then_some(before)
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

    /// Keys seen at least `n` times, by descending count.
    fn ranked_at_least(mut self, n: usize) -> Vec<String> {
        self.0.retain(|e| e.1 >= n);
        self.ranked()
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
    fn a_subject_repeated_three_times_is_a_routine_not_an_example() {
        let l = learn(&subjects(&[
            "docs(cli/screenshots): update CLI screenshots (#1990)",
            "fix: robuster agents",
            "docs(cli/screenshots): update CLI screenshots",
            "feat: add --next",
            "docs(cli/screenshots): update CLI screenshots (#1970)",
            "doc: fix typo",
            "doc: fix typo",
        ]));
        assert_eq!(
            l.routines,
            ["docs(cli/screenshots): update CLI screenshots"]
        );
        assert_eq!(
            l.examples,
            ["doc: fix typo", "feat: add --next", "fix: robuster agents"]
        );
        let mut style = Style::new(StyleSetting::Auto, l, None, false);
        style.earlier = vec![Earlier {
            subject: "docs(cli/screenshots): update CLI screenshots".into(),
            paths: vec![
                "docs/images/cli/commit.gif".into(),
                "docs/images/cli/init.gif".into(),
            ],
        }];
        let gifs = |paths: &[&str]| -> Vec<FileChange> {
            files(paths)
                .into_iter()
                .map(|mut f| {
                    f.binary = f.path.ends_with(".gif");
                    f
                })
                .collect()
        };
        assert_eq!(
            style
                .routine_subject(&gifs(&["docs/images/cli/bump.gif"]))
                .as_deref(),
            Some("docs(cli/screenshots): update CLI screenshots")
        );
        assert_eq!(
            style.routine_subject(&gifs(&["docs/images/cli/bump.gif", "AGENTS.md"])),
            None
        );
        // Text in the same place is the model's to read.
        assert_eq!(
            style.routine_subject(&gifs(&["docs/images/cli/notes.txt"])),
            None
        );
    }

    #[test]
    fn examples_are_distinct_and_never_releases() {
        // commitizen's window, newest first: a routine subject three times, a release.
        let l = learn(&subjects(&[
            "docs(cli/screenshots): update CLI screenshots",
            "fix: robuster agents (#1960)",
            "docs(cli/screenshots): update CLI screenshots",
            "bump: version 4.16.4 → 4.16.5",
            "Docs(cli/screenshots): update CLI screenshots (#1958)",
            "ci(deps): bump actions/checkout from 6 to 7 (#1957)",
            "feat(cmd/version): add support for `--next`",
            "test: normalize argparse choice snapshots",
            "docs(tutorial): add Releasing with the SCM Version Provider",
        ]));
        assert_eq!(
            l.examples,
            [
                "docs(tutorial): add Releasing with the SCM Version Provider",
                "test: normalize argparse choice snapshots",
                "feat(cmd/version): add support for `--next`",
                "ci(deps): bump actions/checkout from 6 to 7",
                "fix: robuster agents",
            ]
        );
        // Three times in the window: a routine commit's subject, not an example.
        assert_eq!(
            l.routines,
            ["docs(cli/screenshots): update CLI screenshots"]
        );
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
    fn a_changed_path_written_as_a_label_goes() {
        let style = Style::new(StyleSetting::Conventional, Learned::default(), None, false);
        let svg = files(&["docs/images/cli_help/cz_version___help.svg"]);
        assert_eq!(
            style
                .apply(
                    "docs: docs/images/cli_help/cz_version___help.svg: Update font-weight",
                    &svg
                )
                .unwrap(),
            "docs: update font-weight"
        );
        let guide = files(&["docs/tutorials/github_actions.md"]);
        assert_eq!(
            style
                .apply("docs: github_actions.md: Add instructions", &guide)
                .unwrap(),
            "docs: add instructions"
        );
        // A path that did not change, or a label with nothing after it, stays.
        assert_eq!(
            style.apply("docs: notes.md: add x", &guide).unwrap(),
            "docs: notes.md: add x"
        );
        let plain = Style::new(StyleSetting::Plain, Learned::default(), None, false);
        assert_eq!(
            plain
                .apply("Update github_actions.md: add x", &guide)
                .unwrap(),
            "Update github_actions.md: add x"
        );
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
        // A subject without a type gets the one its paths or its verb justify.
        assert_eq!(
            style.apply("Add a flag", &code).unwrap(),
            "feat: add a flag"
        );
        assert_eq!(
            style.apply("Fix the lexer", &code).unwrap(),
            "fix: fix the lexer"
        );
        assert_eq!(
            style.apply("Tidy the lexer", &code).unwrap(),
            "chore: tidy the lexer"
        );
        assert_eq!(
            style
                .apply("Describe the flag", &files(&["README.md"]))
                .unwrap(),
            "docs: describe the flag"
        );
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
    fn a_run_of_releases_does_not_hide_the_area_prefixes() {
        // ripgrep around its 15.2.0 release: more releases than other commits in a row.
        let l = learned(&[
            "ignore-0.4.28",
            "globset-0.4.19",
            "ignore: fix deadlock when visitor panics",
            "grep-matcher-0.1.9",
            "grep-pcre2-0.1.10",
            "deps: bump ignore version",
            "grep-searcher-0.1.17",
            "15.2.0",
            "doc: fix typo",
        ]);
        assert!(l.area_prefix);
        assert_eq!(l.areas, ["ignore", "deps", "doc"]);
    }

    #[test]
    fn a_synonym_takes_the_history_s_most_used_spelling_and_a_changelog_follows() {
        // ripgrep's window before "ignore: support `GIT_CONFIG_GLOBAL`…": `doc:` twice,
        // `docs:` once. The 1.5B model wrote `docs: update gitignore documentation` for a
        // change to gitignore.rs, CHANGELOG.md and two tests.
        let l = learned(&[
            "doc: fix typo in man page",
            "doc: fix typo",
            "ignore/types: add PKGBUILD type",
            "ignore: fetch directory entry metadata in batches",
            "docs: fix a link",
            "globset: fix `matches_all` false positives",
            "changelog: bring unreleased changes up to date",
        ]);
        let change = files(&[
            "CHANGELOG.md",
            "crates/ignore/src/gitignore.rs",
            "tests/regression.rs",
            "tests/util.rs",
        ]);
        let s = Style::new(StyleSetting::Auto, l.clone(), None, false)
            .for_change(&change, &crate::facts::Facts::of(&change));
        assert_eq!(s.area.as_deref(), Some("ignore"));
        assert_eq!(
            s.apply("docs: update gitignore documentation", &change)
                .unwrap(),
            "ignore: update gitignore documentation"
        );
        let guide = files(&["GUIDE.md"]);
        let s = Style::new(StyleSetting::Auto, l, None, false)
            .for_change(&guide, &crate::facts::Facts::of(&guide));
        assert_eq!(
            s.apply("docs: describe the flag", &guide).unwrap(),
            "doc: describe the flag"
        );
        // A changelog alone is its own area.
        let alone = files(&["CHANGELOG.md"]);
        assert!(is_changelog("CHANGELOG.md") && is_changelog("NEWS") && !is_changelog("README.md"));
        assert_eq!(voting(&alone).len(), 1);
    }

    #[test]
    fn an_older_area_fits_a_change_but_never_vouches_for_a_model_s_prefix() {
        // ripgrep's: `pkg/brew` once a release; `release:` and `test:` long ago only.
        let subject = |i: usize| match i {
            _ if i < RECENT => {
                ["ignore: fix a walk", "ci: fix the build", "doc: fix a typo"][i % 3]
            }
            100 => "pkg/brew: update tap",
            101 => "release: prepare 0.1",
            102 => "core: add a flag",
            _ => "test: add a test",
        };
        let history: Vec<Past> = (0..150)
            .map(|i| Past {
                id: format!("{:040x}", i + 1),
                subject: subject(i).into(),
                body: false,
            })
            .collect();
        let l = learn_history(&history);
        assert_eq!(l.areas, ["ignore", "ci", "doc"]);
        assert_eq!(l.older_areas, ["test", "pkg/brew", "release", "core"]);
        let apply = |reply: &str, path: &str| {
            let files = files(&[path]);
            Style::new(StyleSetting::Auto, l.clone(), None, false)
                .for_change(&files, &crate::facts::Facts::of(&files))
                .apply(reply, &files)
                .unwrap()
        };
        assert_eq!(
            apply("brew: update the tap", "pkg/brew/ripgrep-bin.rb"),
            "pkg/brew: update the tap"
        );
        assert_eq!(
            apply(
                "release: update release.yml",
                ".github/workflows/release.yml"
            ),
            "ci: update release.yml"
        );
        assert_eq!(
            apply(
                "test: update the binary path",
                "crates/ignore/tests/util.rs"
            ),
            "ignore: update the binary path"
        );
        // ripgrep's "flags: disable many flags when indexing is enabled": two files of
        // `crates/core/flags/` and three tests, and `test` only in the older history.
        let paths = [
            "crates/core/flags/defs.rs",
            "crates/core/flags/hiargs.rs",
            "tests/index/disallowed.rs",
            "tests/index/mod.rs",
            "tests/tests.rs",
        ];
        let files = files(&paths);
        let style = Style::new(StyleSetting::Auto, l.clone(), None, false)
            .for_change(&files, &crate::facts::Facts::of(&files));
        assert_eq!(style.area.as_deref(), Some("flags"));
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
            "ignore/types: add Mojo type",
            "core: add `index` module",
            "flags: disable many flags",
            "pkg/brew: update tap",
            "deps: bump ignore version",
        ]);
        assert!(l.area_prefix && l.lowercase);
        let style = |paths: &[&str]| {
            let files = files(paths);
            let s = Style::new(StyleSetting::Auto, l.clone(), None, false)
                .for_change(&files, &crate::facts::Facts::of(&files));
            (s, files)
        };
        let apply = |subject: &str, paths: &[&str]| {
            let (s, files) = style(paths);
            s.apply(subject, &files).unwrap()
        };
        assert_eq!(
            apply("crates/cli: add a flag", &["crates/cli/src/lib.rs"]),
            "cli: add a flag"
        );
        assert_eq!(
            apply("docs: Update the guide", &["GUIDE.md"]),
            "doc: update the guide"
        );
        // Invented prefixes, or none: the area the change lies in, or none.
        assert_eq!(
            apply("update: skip hidden files", &["crates/ignore/src/walk.rs"]),
            "ignore: skip hidden files"
        );
        assert_eq!(
            apply("fix: Skip hidden files", &["README.md"]),
            "doc: skip hidden files"
        );
        assert_eq!(
            apply("Skip hidden files", &["Makefile"]),
            "skip hidden files"
        );
        // An area no commit has named yet, where every file lies in it: the path's, or the
        // model's own.
        assert_eq!(
            apply(
                "add index module",
                &["crates/core/main.rs", "crates/core/index.rs"]
            ),
            "core: add index module"
        );
        assert_eq!(
            apply("enable all Cargo features", &[".nvim.lua"]),
            "nvim: enable all Cargo features"
        );
        // Tests, CI and top-level manifests follow the change: the rest says where it lies.
        // ripgrep's, where the 1.5B model wrote no area: "flags: disable many flags when
        // indexing is enabled", "index: add grep-index crate", "cargo: add new build-time
        // `unstable-index` feature".
        assert_eq!(
            apply(
                "add disallowed index tests",
                &[
                    "crates/core/flags/defs.rs",
                    "crates/core/flags/hiargs.rs",
                    "tests/index/disallowed.rs",
                    "tests/index/mod.rs",
                    "tests/tests.rs"
                ]
            ),
            "flags: add disallowed index tests"
        );
        assert_eq!(
            style(&[
                "Cargo.lock",
                "Cargo.toml",
                "crates/index/Cargo.toml",
                "crates/index/LICENSE-MIT",
                "crates/index/README.md",
                "crates/index/UNLICENSE",
                "crates/index/src/lib.rs",
                "crates/index/src/literal.rs"
            ])
            .0
            .area
            .as_deref(),
            Some("index")
        );
        let mut paths = vec![
            ".github/workflows/ci.yml",
            "Cargo.toml",
            "crates/core/main.rs",
        ];
        paths.extend([
            "crates/core/flags/defs.rs",
            "crates/core/flags/doc/help.rs",
            "crates/core/flags/doc/man.rs",
            "crates/core/flags/doc/template.long.help",
            "crates/core/flags/doc/template.rg.1",
            "crates/core/flags/doc/template.short.help",
            "crates/core/flags/lowargs.rs",
            "crates/core/flags/mod.rs",
        ]);
        // A known area every file fits, else the directory that holds most of them.
        assert_eq!(style(&paths).0.area.as_deref(), Some("core"));
        assert_eq!(
            new_area_for(&voting(&files(&paths))).as_deref(),
            Some("flags")
        );
        // Tests alone are still the change.
        assert_eq!(
            style(&["tests/index/mod.rs", "tests/index/basic.rs"])
                .0
                .area
                .as_deref(),
            Some("index")
        );
        assert_eq!(
            apply(
                "attest build provenance",
                &[".github/workflows/release.yml"]
            ),
            "ci: attest build provenance"
        );
        assert_eq!(
            apply(
                "index: add the grep-index crate",
                &[
                    "crates/index/src/lib.rs",
                    "Cargo.toml",
                    "crates/index/Cargo.toml"
                ]
            ),
            // The top-level manifest follows the new crate (the real subject: "index: add
            // grep-index crate").
            "index: add the grep-index crate"
        );
        assert_eq!(
            apply(
                "index: add an index module",
                &["crates/core/index.rs", "crates/index/src/lib.rs"]
            ),
            "index: add an index module"
        );
        // Seen from the 1.5B model on ripgrep: every path is in `crates/`, which is no area.
        assert_eq!(
            apply(
                "crates: use copied instead of map",
                &["crates/core/search.rs", "crates/globset/src/glob.rs"]
            ),
            "use copied instead of map"
        );
        // A narrower area the history uses wins, and a path's own names find it.
        assert_eq!(
            apply(
                "ignore: add .mojo type",
                &["crates/ignore/src/default_types.rs"]
            ),
            "ignore/types: add .mojo type"
        );
        assert_eq!(
            apply("enable multiline mode", &["crates/core/flags/defs.rs"]),
            "flags: enable multiline mode"
        );
        assert_eq!(
            apply("update ripgrep-bin.rb", &["pkg/brew/ripgrep-bin.rb"]),
            "pkg/brew: update ripgrep-bin.rb"
        );
        // An invented verb prefix stays the verb (seen: `update: ignore version to 0.4.33`).
        assert_eq!(
            apply(
                "update: ignore version to 0.4.33",
                &["crates/ignore/Cargo.toml"]
            ),
            "ignore: update ignore version to 0.4.33"
        );
        // Most of the files decide when not all lie in one area; a known area that fits
        // stays the model's.
        assert_eq!(
            style(&[
                "crates/ignore/src/a.rs",
                "crates/ignore/src/b.rs",
                "crates/cli/src/c.rs"
            ])
            .0
            .area
            .as_deref(),
            Some("ignore")
        );
        assert_eq!(
            style(&["crates/ignore/src/a.rs", "crates/cli/src/c.rs"])
                .0
                .area,
            None
        );
        assert_eq!(
            apply("cli: add a flag", &["crates/cli/src/lib.rs"]),
            "cli: add a flag"
        );
        assert_eq!(
            apply(
                "cli: add a flag",
                &["crates/cli/src/lib.rs", "crates/ignore/src/a.rs"]
            ),
            "cli: add a flag"
        );
        // The fallback takes the area too.
        let (s, files) = style(&["crates/ignore/src/walk.rs"]);
        assert_eq!(s.fallback_prefix(&files), "ignore: ");
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
    fn learned(subjects: &[&str]) -> Learned {
        learn(&subjects.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

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

    #[test]
    fn a_dependency_bump_prefix_is_not_learned_from_other_bumps() {
        // ripgrep: `msrv: bump ignore from 0.4.32 to 0.4.33` was written for a release.
        let l = learned(&[
            "msrv: bump to Rust 1.96",
            "ignore: add a type",
            "core: fix it",
        ]);
        assert_eq!(l.bump_prefix, None);
        let l = learned(&[
            "deps: bump to tikv-jemallocator 0.7.0",
            "msrv: bump to Rust 1.96",
            "core: fix it",
        ]);
        assert_eq!(l.bump_prefix.as_deref(), Some("deps: "));
        let l = learned(&["chore: bump serde", "Bump x from 1.0 to 1.1", "Bump y"]);
        assert_eq!(l.bump_prefix.as_deref(), Some(""));
    }

    #[test]
    fn a_heading_form_names_one_version_and_no_package() {
        assert_eq!(
            heading_form("changelog: 15.1.0").as_deref(),
            Some("changelog: {to}")
        );
        assert_eq!(heading_form("15.1.0").as_deref(), Some("{to}"));
        assert_eq!(heading_form("ignore-0.4.28"), None);
        assert_eq!(heading_form("bump: version 4.16.2 → 4.16.3"), None);
        assert_eq!(heading_form("deps: bump to tikv-jemallocator 0.7.0"), None);
        let mut style = Style::new(StyleSetting::Auto, Learned::default(), None, false);
        assert_eq!(style.heading_subject("15.2.0"), None);
        style.previous_heading = Some("changelog: 15.1.0".into());
        assert_eq!(
            style.heading_subject("v15.2.0").as_deref(),
            Some("changelog: 15.2.0")
        );
    }

    #[test]
    fn release_forms_are_learned_from_the_history() {
        let forms = |subjects: &[&str]| learned(subjects).release_form;
        // ripgrep's release commits, among its others.
        assert_eq!(
            forms(&[
                "ignore-0.4.33",
                "globset-0.4.20",
                "ci: fix it",
                "15.2.0",
                "grep-searcher-0.1.17"
            ])
            .as_deref(),
            Some("{name}-{to}")
        );
        // commitizen's.
        assert_eq!(
            forms(&[
                "bump: version 4.16.4 → 4.16.5",
                "fix: x",
                "bump: version 4.16.3 → 4.16.4"
            ])
            .as_deref(),
            Some("bump: version {from} → {to}")
        );
        assert_eq!(
            forms(&[
                "chore(release): v2.1.0",
                "feat: y",
                "chore(release): v2.0.0-rc.1"
            ])
            .as_deref(),
            Some("chore(release): v{to}")
        );
        // One release is no form yet; dependency bumps and prose with numbers are none.
        assert_eq!(forms(&["ignore-0.4.33", "ci: fix it", "core: add x"]), None);
        assert_eq!(
            forms(&[
                "deps: bump to tikv-jemallocator 0.7.0",
                "deps: bump to tikv-jemallocator 0.6.0",
                "fix the 2.0 parser for numbers like 1.5 and more words here",
                "fix the 2.0 parser for numbers like 1.5 and more words here",
            ]),
            None
        );
    }

    #[test]
    fn a_release_subject_is_written_in_the_learned_form() {
        let release = crate::bumps::Bump {
            name: "ignore".into(),
            from: "0.4.32".into(),
            to: "0.4.33".into(),
        };
        let style =
            |subjects: &[&str]| Style::new(StyleSetting::Auto, learned(subjects), None, false);
        assert_eq!(
            style(&["ignore-0.4.32", "globset-0.4.20", "ci: fix it"])
                .release_subject(&release)
                .as_deref(),
            Some("ignore-0.4.33")
        );
        assert_eq!(
            style(&[
                "bump: version 1.0 → 1.1",
                "bump: version 1.1 → 1.2",
                "fix: x"
            ])
            .release_subject(&release)
            .as_deref(),
            Some("bump: version 0.4.32 → 0.4.33")
        );
        let mut tagged = release.clone();
        tagged.to = "v0.4.33".into();
        assert_eq!(
            style(&["Release v1.0", "Release v1.1", "Fix x"])
                .release_subject(&tagged)
                .as_deref(),
            Some("Release v0.4.33")
        );
        assert_eq!(
            style(&["ignore: add x", "core: fix y", "ci: z"]).release_subject(&release),
            None
        );
    }

    #[test]
    fn a_release_takes_the_form_of_its_previous_tagged_release() {
        // ripgrep: its crates release as `ignore-0.4.30`, ripgrep itself as `15.1.0`.
        let root = crate::bumps::Bump {
            name: "ripgrep".into(),
            from: "15.1.0".into(),
            to: "15.2.0".into(),
        };
        let mut style = Style::new(
            StyleSetting::Auto,
            learned(&[
                "ignore-0.4.30",
                "globset-0.4.19",
                "ignore-0.4.29",
                "ci: fix",
            ]),
            None,
            false,
        );
        assert_eq!(
            style.release_subject(&root).as_deref(),
            Some("ripgrep-15.2.0")
        );
        style.previous_release = Some("15.1.0".into());
        assert_eq!(style.release_subject(&root).as_deref(), Some("15.2.0"));
        // commitizen's tag `v4.1.0` is on the commit that bumped to it.
        style.previous_release = Some("bump: version 4.0.0 → 4.1.0".into());
        assert_eq!(
            style.release_subject(&root).as_deref(),
            Some("bump: version 15.1.0 → 15.2.0")
        );
        // A tagged commit whose subject is no release form: the history's form.
        style.previous_release = Some("Merge branch 'next'".into());
        assert_eq!(
            style.release_subject(&root).as_deref(),
            Some("ripgrep-15.2.0")
        );
        assert_eq!(
            release_tags(&root)[..3],
            ["15.1.0", "v15.1.0", "ripgrep-15.1.0"]
        );
    }

    #[test]
    fn a_past_or_third_person_verb_becomes_imperative() {
        assert_eq!(
            imperative("Updated zram tuning on the laptop"),
            "Update zram tuning on the laptop"
        );
        // ripgrep, the 1.5B model.
        assert_eq!(
            imperative("adjusted `search_path` to use `cloned`"),
            "adjust `search_path` to use `cloned`"
        );
        assert_eq!(imperative("Adds a flag"), "Add a flag");
        assert_eq!(
            imperative("ignore: fixed a deadlock"),
            "ignore: fix a deadlock"
        );
        assert_eq!(
            imperative("feat(cli): added --json"),
            "feat(cli): add --json"
        );
        assert_eq!(imperative("Removed the entry"), "Remove the entry");
        assert_eq!(imperative("Simplified parsing"), "Simplify parsing");
        assert_eq!(imperative("Stopped early"), "Stop early");
        assert_eq!(imperative("Fixes typos"), "Fix typos");
        // Already imperative, or not a verb of the list: as it was.
        assert_eq!(imperative("Update the guide"), "Update the guide");
        assert_eq!(imperative("Speed up the walker"), "Speed up the walker");
    }
}
