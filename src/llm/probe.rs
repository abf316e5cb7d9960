//! Questions to a model server that are not a chat: is it there and which version is it, which
//! models does it list, how long is a model's context. `doctor` asks them through the probe
//! methods of [`super::ollama::Ollama`] and [`super::openai::OpenAi`], which send them with the
//! chat's own HTTP client ([`super::agent`]: one overall timeout, no proxy, no redirect, the
//! same headers) and read failures into the same [`LlmError`]s; this module holds the typed
//! answers and the one exchange they share.

use std::io::Read;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{error_text, Api, LlmError, Peer, MAX_BODY};

/// An answer and how long the server took to give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timed<T> {
    /// What the server said.
    pub answer: T,
    /// From sending the request to the end of the answer.
    pub latency: Duration,
}

impl<T> Timed<T> {
    /// The same latency with the answer turned into another type.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Timed<U> {
        Timed {
            answer: f(self.answer),
            latency: self.latency,
        }
    }
}

/// The models a server lists: Ollama's pulled models (`/api/tags`) or an OpenAI-compatible
/// server's `/models`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelList {
    /// Whose naming rule applies.
    api: Api,
    /// The names as listed, in the server's order.
    pub names: Vec<String>,
}

impl ModelList {
    /// Ollama's `/api/tags` answer: each entry's `name` and `model`. An answer without the list
    /// lists nothing.
    pub(crate) fn from_ollama_tags(tags: &Value) -> ModelList {
        let names = tags["models"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|m| ["name", "model"].map(|k| m[k].as_str()))
            .flatten()
            .map(str::to_string)
            .collect();
        ModelList {
            api: Api::Ollama,
            names,
        }
    }

    /// An OpenAI-compatible `/models` answer: `data[].id`. An answer without the list lists
    /// nothing.
    pub(crate) fn from_openai_models(models: &Value) -> ModelList {
        let names = models["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["id"].as_str())
            .map(str::to_string)
            .collect();
        ModelList {
            api: Api::OpenAi,
            names,
        }
    }

    /// Whether `model` is listed, by the server's naming rule: for Ollama a name without a tag
    /// means `:latest` (`gemma3` is `gemma3:latest`); an OpenAI-compatible server's ids are
    /// compared as they are.
    pub fn contains(&self, model: &str) -> bool {
        match self.api {
            Api::Ollama => {
                let full = |name: &str| {
                    if name.contains(':') {
                        name.to_string()
                    } else {
                        format!("{name}:latest")
                    }
                };
                let wanted = full(model);
                self.names.iter().any(|n| full(n) == wanted)
            }
            Api::OpenAi => self.names.iter().any(|n| n == model),
        }
    }
}

/// What a server says about one model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelDetails {
    /// The context length the model was trained for, in tokens, when the server reports it.
    pub context_length: Option<u64>,
}

impl ModelDetails {
    /// Ollama's `/api/show` answer: `<arch>.context_length` in `model_info`.
    pub(crate) fn from_ollama_show(show: &Value) -> ModelDetails {
        let context_length = show["model_info"].as_object().and_then(|info| {
            info.iter()
                .find(|(k, _)| k.ends_with(".context_length"))
                .and_then(|(_, v)| v.as_u64())
        });
        ModelDetails { context_length }
    }
}

/// One probe: `send` builds and sends the request on the chat's HTTP client with `timeout`;
/// a status other than 200 becomes `status_error(status, body text)`, a 200 answer is read as
/// JSON within the chat's size bound.
pub(crate) fn exchange(
    peer: &Peer<'_>,
    timeout: Duration,
    send: impl FnOnce(&ureq::Agent) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    status_error: impl FnOnce(u16, &str) -> LlmError,
) -> Result<Timed<Value>, LlmError> {
    let agent = super::agent(timeout, peer)?;
    let start = Instant::now();
    let mut response = peer.response(send(&agent))?;
    let status = response.status().as_u16();
    let reader = response.body_mut().with_config().limit(MAX_BODY).reader();
    if status != 200 {
        return Err(status_error(status, &error_text(reader)));
    }
    let answer = read_json(reader, peer)?;
    Ok(Timed {
        answer,
        latency: start.elapsed(),
    })
}

/// A whole answer as JSON.
fn read_json(reader: impl Read, peer: &Peer<'_>) -> Result<Value, LlmError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_BODY)
        .read_to_end(&mut bytes)
        .map_err(|e| peer.io_error(e))?;
    serde_json::from_slice(&bytes).map_err(|_| LlmError::BadReply {
        api: peer.api,
        why: "the answer is not JSON".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ollama_models_match_with_and_without_the_latest_tag() {
        let tags = json!({"models": [{"name": "gemma3:latest"}, {"model": "qwen3:0.6b"}]});
        let list = ModelList::from_ollama_tags(&tags);
        assert_eq!(list.names, ["gemma3:latest", "qwen3:0.6b"]);
        assert!(list.contains("gemma3"));
        assert!(list.contains("gemma3:latest"));
        assert!(list.contains("qwen3:0.6b"));
        assert!(!list.contains("qwen3"));
        assert!(!ModelList::from_ollama_tags(&json!({})).contains("gemma3"));
        assert!(!ModelList::from_ollama_tags(&json!([1, 2])).contains("gemma3"));
    }

    #[test]
    fn openai_models_are_ids_compared_as_they_are() {
        let models = json!({"object": "list", "data": [{"id": "gemma3"}, {"object": "model"}]});
        let list = ModelList::from_openai_models(&models);
        assert_eq!(list.names, ["gemma3"]);
        assert!(list.contains("gemma3"));
        assert!(!list.contains("gemma3:latest"));
        assert!(!ModelList::from_openai_models(&json!({"data": "x"})).contains("gemma3"));
    }

    #[test]
    fn context_length_is_read_from_model_info() {
        let show = json!({"model_info": {"general.architecture": "gemma3", "gemma3.context_length": 131072}});
        assert_eq!(
            ModelDetails::from_ollama_show(&show).context_length,
            Some(131_072)
        );
        assert_eq!(
            ModelDetails::from_ollama_show(&json!({})).context_length,
            None
        );
        let text = json!({"model_info": {"gemma3.context_length": "big"}});
        assert_eq!(ModelDetails::from_ollama_show(&text).context_length, None);
    }
}
