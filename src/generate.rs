//! The exchange with a model: the first request, at most one corrective retry, every reply
//! judged, all within one deadline. It is given its [`Model`], so it is tested with a fake one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::diff::FileChange;
use crate::llm::{self, LlmError, Model, Reply, Request};
use crate::message::{judge, Expected};
use crate::prompt;
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
}

/// Asks `model` for a message with `first` (from [`prompt::first`]) within the configured
/// timeout, calling `tick` with the time waited so far (for the spinner) and `observe` with
/// each reply and how long it took (for the learned speed). Returns the judged message, or why
/// there is none, in one line.
pub fn generate(
    model: Arc<dyn Model>,
    task: &Task<'_>,
    first_request: Request,
    mut tick: impl FnMut(Duration),
    mut observe: impl FnMut(&Reply, Duration),
) -> Result<String, String> {
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
        observe(&reply, asked.elapsed());
        let told = request.told();
        let expected = Expected {
            structured: request.schema.is_some(),
            max_subject: config.max_subject.value,
            told: &told,
            shown: &request.user,
            style: task.style,
            files: task.files,
        };
        match judge(&reply.content, reply.truncated, &expected) {
            Ok(message) => break Ok(message),
            // One corrective retry, only with time left for a real answer.
            Err(why)
                if first.is_none() && timeout.saturating_sub(start.elapsed()) >= timeout / 4 =>
            {
                request = prompt::retry(&request, &reply.content, &why, config, task.style);
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
        let config = config(timeout);
        let style = Style::new(StyleSetting::Plain, Learned::default(), None, true);
        let mut f = FileChange::new("src/greet.rs", Status::Modified);
        f.added = 1;
        f.hunks.push(crate::diff::Hunk {
            header: "@@ -1 +1,2 @@".into(),
            body: "+fn greet() {}\n".into(),
        });
        let files = [f];
        let task = Task {
            config: &config,
            style: &style,
            files: &files,
        };
        let (first, _) = prompt::first(&config, &style, &files, None);
        generate(
            Arc::clone(model) as Arc<dyn Model>,
            &task,
            first,
            |_| {},
            |_, _| {},
        )
    }

    const NOW: Duration = Duration::ZERO;
    const GOOD: &str = "Add a greeting function";
    const CHATTER: &str = "Sure! Here is the commit message you asked for:";

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
