//! The exchange with a model: the first request, at most one corrective retry, every reply
//! judged, all within one deadline. It is given its [`Model`], so it is tested with a fake one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::diff::FileChange;
use crate::facts::Facts;
use crate::llm::{self, LlmError, Model, Reply, Request};
use crate::message::{judge, Expected};
use crate::prompt;
use crate::speed::Speed;
use crate::style::Style;

/// What a message is asked for: the settings, the style and the staged files.
#[derive(Debug, Clone, Copy)]
pub struct Task<'a> {
    /// The effective configuration.
    pub config: &'a Config,
    /// The style to write in.
    pub style: &'a Style,
    /// The staged files.
    pub files: &'a [FileChange],
    /// Why the change was made, as the person said it.
    pub intent: Option<&'a str>,
    /// What is computed of them ([`Facts::of`]): every reply, and every candidate in it, is
    /// judged against it.
    pub facts: &'a Facts,
    /// How fast the server reads and writes, for whether a retry can still be answered.
    pub speed: Speed,
}

/// What the model drafted: the best message, and the other candidates' subjects.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Drafted {
    /// The best usable message.
    pub message: String,
    /// Other usable subjects, best first (only when `candidates` is above 1).
    pub alternatives: Vec<String>,
}

/// Asks `model` for a message with `first` (from [`prompt::first`]) within the configured
/// timeout, calling `tick` with the time waited so far (for the spinner) and `observe` with
/// each request, its reply and how long it took (for the learned speed). Returns the judged message, or why
/// there is none, in one line.
pub fn generate(
    model: Arc<dyn Model>,
    task: &Task<'_>,
    first_request: Request,
    mut tick: impl FnMut(Duration),
    mut observe: impl FnMut(&Request, &Reply, Duration),
) -> Result<Drafted, String> {
    let config = task.config;
    let mut request = first_request;
    let timeout = Duration::from_secs_f64(config.timeout.value);
    let start = Instant::now();
    let mut first: Option<String> = None;
    let result = loop {
        let left = timeout.saturating_sub(start.elapsed());
        let asked = Instant::now();
        let reply = llm::ask(Arc::clone(&model), request.clone(), left, |_| {
            tick(start.elapsed())
        });
        let reply = match reply {
            Ok(reply) => reply,
            // The deadline is the whole timeout, whichever attempt ran into it.
            Err(LlmError::Timeout { model, .. }) => {
                let e = LlmError::Timeout {
                    model,
                    seconds: config.timeout.value,
                };
                break Err(Failure::Server(e.to_string()));
            }
            Err(e) => break Err(Failure::Server(e.to_string())),
        };
        observe(&request, &reply, asked.elapsed());
        // A line the server ended at its newline may have been cut there: the 1.5B model
        // broke ripgrep's `adjusted \`search_path\` method to use \`cloned\` for` over two
        // lines. It is judged as a reply stopped at its limit is.
        let reply = Reply {
            truncated: reply.truncated || request.stop.is_some(),
            ..reply
        };
        let told = prompt::told(&request);
        // The change as shown, without the person's stated intent: a message that repeats a
        // short intent may be the message, and one that names only the intent is not grounded
        // in the change.
        let shown = request
            .user
            .split(prompt::INTENT_HEADER)
            .next()
            .unwrap_or("");
        let expected = Expected {
            structured: request.schema.is_some(),
            max_subject: config.max_subject.value,
            told: &told,
            shown,
            style: task.style,
            files: task.files,
            facts: task.facts,
        };
        match judge_candidates(&reply, &expected, task) {
            Ok(drafted) => break Ok(drafted),
            // One corrective retry, only with time left for a real answer: a quarter of the
            // deadline, and what the retry is expected to take at the server's speed (it reads
            // the reply and the correction anew and writes about as much again).
            Err(why) if first.is_none() => {
                let retry = prompt::retry(&request, &reply.content, &why, config, task.style);
                let left = timeout.saturating_sub(start.elapsed());
                if left < timeout / 4 || left < retry_time(&retry, &reply, task.speed) {
                    break Err(Failure::Unusable(why));
                }
                request = retry;
                first = Some(why);
            }
            Err(why) => break Err(Failure::Unusable(why)),
        }
    };
    let unusable = "the model's reply was not a usable commit message";
    result.map_err(|failure| match (first, failure) {
        (None, Failure::Server(why)) => why,
        (None, Failure::Unusable(why)) => format!("{unusable}: {why}"),
        (Some(a), Failure::Unusable(b)) if a == b => format!("{unusable}: {a}, twice"),
        (Some(a), Failure::Unusable(b)) => format!("{unusable}: {a}; after a retry: {b}"),
        (Some(a), Failure::Server(b)) => format!("{unusable}: {a}; the retry failed: {b}"),
    })
}

/// How long `retry` is expected to take at `speed`: reading what it adds to the first
/// request (the rest is in the server's cache) and writing as many tokens as `first` did.
fn retry_time(retry: &Request, first: &Reply, speed: Speed) -> Duration {
    let added = prompt::anew_tokens(retry);
    let written = first
        .output_tokens
        .map_or_else(|| prompt::estimate_tokens(&first.content), |n| n as usize);
    Duration::from_secs_f64(added as f64 / speed.read + written as f64 / speed.write)
}

/// Every candidate in the reply judged on its own: the first usable one is the message, the
/// other usable ones (their subjects, each once) the alternatives. With one candidate asked for,
/// exactly `judge` of the whole reply.
fn judge_candidates(
    reply: &Reply,
    expected: &Expected<'_>,
    task: &Task<'_>,
) -> Result<Drafted, String> {
    let n = task.config.candidates.value;
    let mut first_error = None;
    let mut usable: Vec<String> = Vec::new();
    for content in candidates_in(&reply.content, expected.structured, n) {
        let judged =
            judge(&content, reply.truncated, expected).and_then(|message| match task.intent {
                Some(intent) if copies_intent(&message, intent, task.config.max_subject.value) => {
                    Err("it copies the stated intent instead of describing the change".into())
                }
                _ => Ok(message),
            });
        match judged {
            Ok(message) => {
                let subject = |m: &str| m.lines().next().unwrap_or("").to_lowercase();
                if !usable.iter().any(|u| subject(u) == subject(&message)) {
                    usable.push(message);
                }
            }
            Err(why) => {
                first_error.get_or_insert(why);
            }
        }
    }
    let mut usable = usable.into_iter();
    match usable.next() {
        Some(message) => Ok(Drafted {
            message,
            alternatives: usable
                .take(n.saturating_sub(1))
                .map(|m| m.lines().next().unwrap_or("").to_string())
                .collect(),
        }),
        None => Err(first_error.unwrap_or_else(|| "it is empty".into())),
    }
}

/// The candidates in a reply, each as a reply of its own for [`judge`]: the `subjects` of a
/// structured one (the body goes with the first), or the numbered lines of a text one (a body
/// after them with the first). A reply in neither shape is one candidate.
fn candidates_in(content: &str, structured: bool, n: usize) -> Vec<String> {
    if n <= 1 {
        return vec![content.to_string()];
    }
    if structured {
        #[derive(serde::Deserialize)]
        struct Several {
            subjects: Vec<String>,
            #[serde(default)]
            body: String,
        }
        let Ok(several) = serde_json::from_str::<Several>(content.trim()) else {
            return vec![content.to_string()];
        };
        return several
            .subjects
            .iter()
            .take(n)
            .enumerate()
            .map(|(i, subject)| {
                let body = if i == 0 { several.body.as_str() } else { "" };
                serde_json::json!({"subject": subject, "body": body}).to_string()
            })
            .collect();
    }
    let mut subjects = Vec::new();
    let mut lines = content
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .peekable();
    while let Some(line) = lines.peek() {
        let Some(subject) = numbered(line) else { break };
        subjects.push(subject.to_string());
        lines.next();
    }
    if subjects.is_empty() {
        return vec![content.to_string()];
    }
    let body: Vec<&str> = lines.collect();
    let body = body.join("\n");
    subjects
        .into_iter()
        .take(n)
        .enumerate()
        .map(|(i, subject)| {
            if i == 0 && !body.trim().is_empty() {
                format!("{subject}\n\n{}", body.trim())
            } else {
                subject
            }
        })
        .collect()
}

/// The text of a numbered line (`1. Add x`, `2) Fix y`), if it is one.
fn numbered(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 2 {
        return None;
    }
    let rest = line[digits..].strip_prefix(['.', ')'])?;
    let text = rest.trim();
    (!text.is_empty()).then_some(text)
}

/// How many words in a row a message may share with the stated intent.
const INTENT_RUN: usize = 6;

/// Whether `message` copies a run of [`INTENT_RUN`] words of `intent`, when the intent is not
/// itself a subject (one line, short enough): the intent is the person's reason, the message
/// must still describe the change.
fn copies_intent(message: &str, intent: &str, max_subject: usize) -> bool {
    let intent = intent.trim();
    if !intent.contains('\n') && intent.chars().count() <= max_subject {
        return false;
    }
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let said = words(intent);
    let written = words(message);
    if said.len() < INTENT_RUN {
        return false;
    }
    let runs: std::collections::HashSet<&[String]> = said.windows(INTENT_RUN).collect();
    written.windows(INTENT_RUN).any(|w| runs.contains(w))
}

/// Why an attempt gave no message.
enum Failure {
    /// The server or the connection failed.
    Server(String),
    /// The reply could not be used.
    Unusable(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Status;

    /// A server so fast that the deadline alone decides.
    const FAST: Speed = Speed {
        read: 1e9,
        write: 1e9,
        load: 0.0,
        samples: 1,
    };
    use crate::style::{Learned, StyleSetting};
    use std::sync::Mutex;

    /// A model that answers from a script, one step per request, after an optional delay,
    /// and keeps every request it was sent.
    struct Scripted {
        steps: Mutex<Vec<(Duration, Result<&'static str, &'static str>)>>,
        seen: Mutex<Vec<Request>>,
    }

    impl Scripted {
        fn new(steps: Vec<(Duration, Result<&'static str, &'static str>)>) -> Arc<Self> {
            Arc::new(Scripted {
                steps: Mutex::new(steps.into_iter().rev().collect()),
                seen: Mutex::new(Vec::new()),
            })
        }
        fn requests(&self) -> Vec<Request> {
            self.seen.lock().unwrap().clone()
        }
    }

    impl Model for Scripted {
        fn name(&self) -> &str {
            "fake"
        }
        fn chat(&self, request: &Request, _: Instant) -> Result<Reply, LlmError> {
            self.seen.lock().unwrap().push(request.clone());
            let (delay, step) = self
                .steps
                .lock()
                .unwrap()
                .pop()
                .expect("an unplanned request");
            std::thread::sleep(delay);
            match step {
                Ok(text) => Ok(Reply {
                    content: text.to_string(),
                    ..Reply::default()
                }),
                Err(why) => Err(LlmError::Stream {
                    api: llm::Api::Ollama,
                    message: why.to_string(),
                }),
            }
        }
    }

    fn config(timeout: f64) -> Config {
        let mut c = Config::default();
        c.timeout.value = timeout;
        c.format.value = crate::config::ReplyFormat::Text;
        c
    }

    fn run(model: &Arc<Scripted>, timeout: f64) -> Result<String, String> {
        run_with(model, config(timeout), None).map(|d| d.message)
    }

    fn run_with(
        model: &Arc<Scripted>,
        config: Config,
        intent: Option<&str>,
    ) -> Result<Drafted, String> {
        run_at(model, config, intent, FAST)
    }

    fn run_at(
        model: &Arc<Scripted>,
        config: Config,
        intent: Option<&str>,
        speed: Speed,
    ) -> Result<Drafted, String> {
        let style = Style::new(StyleSetting::Plain, Learned::default(), None, true);
        let mut f = FileChange::new("src/greet.rs", Status::Modified);
        f.added = 1;
        f.hunks.push(crate::diff::Hunk {
            header: "@@ -1 +1,2 @@".into(),
            body: "+fn greet() {}\n".into(),
        });
        let files = [f];
        let facts = Facts::of(&files);
        let task = Task {
            config: &config,
            style: &style,
            files: &files,
            intent,
            facts: &facts,
            speed,
        };
        let (first, _) = prompt::first(&config, &style, &files, &facts, intent, None);
        generate(
            Arc::clone(model) as Arc<dyn Model>,
            &task,
            first,
            |_| {},
            |_, _, _| {},
        )
    }

    const NOW: Duration = Duration::ZERO;
    const GOOD: &str = "Add a greeting function";
    const CHATTER: &str = "Sure! Here is the commit message you asked for:";

    #[test]
    fn numbered_candidates_are_judged_one_by_one() {
        let mut c = config(5.0);
        c.candidates.value = 3;
        let reply = "1. Add a greeting function\n2. Sure! Here is the commit message you asked for:\n3. Greet with a new function";
        let model = Scripted::new(vec![(NOW, Ok(reply))]);
        let drafted = run_with(&model, c, None).unwrap();
        assert_eq!(drafted.message, GOOD);
        assert_eq!(drafted.alternatives, vec!["Greet with a new function"]);
        assert!(model.requests()[0].system.contains("numbered `1.` to `3.`"));
    }

    #[test]
    fn structured_candidates_keep_the_body_with_the_first() {
        let several = r#"{"subjects": ["Add a greeting function", "Greet in greet.rs"], "body": "So callers can greet."}"#;
        let parts = candidates_in(several, true, 2);
        assert_eq!(parts.len(), 2);
        assert!(parts[0].contains("So callers can greet."));
        assert!(!parts[1].contains("So callers"));
        assert_eq!(candidates_in("Add x", false, 3), vec!["Add x"]);
        assert_eq!(candidates_in(several, true, 1), vec![several]);
    }

    #[test]
    fn a_reply_that_parrots_a_long_intent_is_refused_a_short_one_may_be_the_subject() {
        let long = "the login page kept users waiting because the greeting was computed on \
                    every request, so compute it once";
        assert!(copies_intent(
            "Compute it once: the greeting was computed on every request",
            long,
            72
        ));
        assert!(!copies_intent("Add a greeting function", long, 72));
        assert!(!copies_intent(
            "Add a greeting function",
            "Add a greeting function",
            72
        ));
        let model = Scripted::new(vec![
            (
                NOW,
                Ok("The greeting was computed on every request so compute it once"),
            ),
            (NOW, Ok(GOOD)),
        ]);
        let drafted = run_with(&model, config(5.0), Some(long)).unwrap();
        assert_eq!(drafted.message, GOOD);
        let retry = model.requests()[1].retry.clone().unwrap();
        assert!(
            retry.correction.contains("stated intent"),
            "{}",
            retry.correction
        );
    }

    #[test]
    fn a_good_first_reply_is_the_message() {
        let model = Scripted::new(vec![(NOW, Ok(GOOD))]);
        assert_eq!(run(&model, 5.0).as_deref(), Ok(GOOD));
        assert_eq!(model.requests().len(), 1);
        assert!(model.requests()[0].retry.is_none());
    }

    #[test]
    fn an_unusable_reply_gets_one_corrective_retry() {
        let model = Scripted::new(vec![(NOW, Ok(CHATTER)), (NOW, Ok(GOOD))]);
        assert_eq!(run(&model, 5.0).as_deref(), Ok(GOOD));
        let seen = model.requests();
        assert_eq!(seen.len(), 2);
        let retry = seen[1].retry.as_ref().expect("a retry");
        assert_eq!(retry.reply, CHATTER);
        assert!(
            retry.correction.contains("cannot be used"),
            "{}",
            retry.correction
        );
        assert!(seen[1].temperature.unwrap() >= 0.7);
        assert_eq!(seen[1].system, seen[0].system);
        assert_eq!(seen[1].user, seen[0].user);
    }

    #[test]
    fn the_reasons_say_what_each_attempt_did() {
        let twice = Scripted::new(vec![(NOW, Ok("")), (NOW, Ok(""))]);
        let err = run(&twice, 5.0).unwrap_err();
        assert!(err.ends_with(", twice"), "{err}");
        assert!(err.starts_with("the model's reply was not a usable commit message: "));

        let echo = "You write git commit messages. Reply with the commit message only.";
        let two = Scripted::new(vec![(NOW, Ok("")), (NOW, Ok(echo))]);
        let err = run(&two, 5.0).unwrap_err();
        assert!(err.contains("; after a retry: "), "{err}");

        let failed = Scripted::new(vec![(NOW, Ok("")), (NOW, Err("out of memory"))]);
        let err = run(&failed, 5.0).unwrap_err();
        assert!(err.contains("; the retry failed: "), "{err}");
        assert!(err.contains("out of memory"), "{err}");

        let server = Scripted::new(vec![(NOW, Err("out of memory"))]);
        let err = run(&server, 5.0).unwrap_err();
        assert!(!err.contains("usable"), "{err}");
        assert!(err.contains("out of memory"), "{err}");
        assert_eq!(server.requests().len(), 1);
    }

    #[test]
    fn no_retry_without_a_quarter_of_the_deadline_left() {
        // The first answer takes 80% of the time: a retry could not be answered in time.
        let model = Scripted::new(vec![(Duration::from_millis(800), Ok(CHATTER))]);
        let err = run(&model, 1.0).unwrap_err();
        assert!(!err.contains("retry") && !err.contains("twice"), "{err}");
        assert_eq!(model.requests().len(), 1);
    }

    #[test]
    fn no_retry_the_server_could_not_answer_in_the_time_left() {
        // Half the deadline is left, but at 4 tokens a second the retry would need more: the
        // summary comes now, not when the deadline runs out.
        let slow = Speed {
            read: 4.0,
            write: 4.0,
            load: 0.0,
            samples: 5,
        };
        let model = Scripted::new(vec![
            (Duration::from_millis(500), Ok(CHATTER)),
            (NOW, Ok(GOOD)),
        ]);
        let err = run_at(&model, config(1.0), None, slow).unwrap_err();
        assert!(!err.contains("retry") && !err.contains("twice"), "{err}");
        assert_eq!(model.requests().len(), 1);
        // At the speed it needs, the same reply gets its retry.
        let model = Scripted::new(vec![
            (Duration::from_millis(500), Ok(CHATTER)),
            (NOW, Ok(GOOD)),
        ]);
        assert_eq!(
            run_at(&model, config(1.0), None, FAST).unwrap().message,
            GOOD
        );
    }

    #[test]
    fn the_retry_gets_only_what_is_left_of_the_deadline() {
        // The first reply takes 0.4 s of 1 s; the retry would take 0.9 s more.
        let model = Scripted::new(vec![
            (Duration::from_millis(400), Ok(CHATTER)),
            (Duration::from_millis(900), Ok(GOOD)),
        ]);
        let start = Instant::now();
        let err = run(&model, 1.0).unwrap_err();
        assert!(
            start.elapsed() < Duration::from_millis(1200),
            "{:?}",
            start.elapsed()
        );
        // Named with the whole timeout, not what was left of it for the retry.
        assert!(
            err.contains("the retry failed: no answer from fake within 1s"),
            "{err}"
        );
        assert_eq!(model.requests().len(), 2);
    }
}
