//! How fast each server and model has been, learned from their own counters, and the prompt
//! size that then fits the deadline.
//!
//! A model reads a prompt ten to fifty times faster than it writes, and a cold model costs seconds
//! to load. Each reply's counters (Ollama's `prompt_eval_count`/`prompt_eval_duration`,
//! `eval_count`/`eval_duration` and `load_duration`; llama.cpp's `timings`; or, without them, the
//! token counts and the wall time) update a record per server and model in
//! `$XDG_CACHE_HOME/ai-commit/speed.json`: private (0600 in a 0700 directory), at most
//! [`MAX_SERVERS`] records, written through a temporary file renamed into place so two commits
//! at once never leave half a file. A corrupt or foreign file is ignored and rewritten. Before
//! the first measurement [`Speed::ASSUMED`] holds: a 1.5B model on two laptop cores.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::llm::Reply;
use crate::untrusted;

/// How many servers and models are remembered; the least recently used go first.
pub const MAX_SERVERS: usize = 32;
/// The largest speed file read.
const MAX_FILE: u64 = 64 * 1024;
/// The share of the deadline the expected time may fill: the rest is the margin for what the
/// estimate cannot see, and room for a corrective retry. At three quarters, the largest
/// prompts of ripgrep's and commitizen's commits took 17 to 27 s of the 30 with the 1.5B
/// model, a tenth of the commits over 15 s; at half, a large change is shown in less detail
/// and answered in about 15.
pub const DEADLINE_SHARE: f64 = 0.5;

/// A server and model's speed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Speed {
    /// Prompt tokens read per second.
    pub read: f64,
    /// Tokens written per second.
    pub write: f64,
    /// Seconds to load the model when it was not loaded.
    pub load: f64,
    /// How many replies taught it.
    pub samples: u32,
}

impl Speed {
    /// Before any measurement: about what a 1.5B model does on two laptop cores (measured here:
    /// 60 read, 19 written), a little slower.
    pub const ASSUMED: Speed = Speed {
        read: 50.0,
        write: 15.0,
        load: 2.0,
        samples: 0,
    };

    /// The most prompt tokens (in the prompt's own estimate, which errs high) that should be
    /// read and answered with `output` tokens within `timeout` seconds.
    pub fn prompt_budget(&self, timeout: f64, output: u32) -> usize {
        let left = timeout * DEADLINE_SHARE - self.load - f64::from(output) / self.write;
        (left * self.read).max(0.0) as usize
    }

    /// This speed updated with what one reply showed, `wall` being its whole exchange and
    /// `anew` the prompt tokens (in the prompt's own estimate) the server had not seen in the
    /// request before: without the server's durations, those are what the reading took.
    pub fn learn(self, reply: &Reply, wall: Duration, anew: usize) -> Speed {
        let (Some(prompt), Some(output)) = (reply.prompt_tokens, reply.output_tokens) else {
            return self;
        };
        let (prompt, output) = (prompt as f64, output as f64);
        let (mut read, mut write, mut load) = (self.read, self.write, self.load);
        match reply.timing {
            Some(t) => {
                let secs = |ns: u64| ns as f64 / 1e9;
                // Rates from too little work say more about overheads than about speed.
                if prompt >= 32.0 && t.prompt_ns > 0 {
                    read = blend(read, prompt / secs(t.prompt_ns), self.samples);
                }
                if output >= 8.0 && t.output_ns > 0 {
                    write = blend(write, output / secs(t.output_ns), self.samples);
                }
                load = blend(load, secs(t.load_ns), self.samples);
            }
            None => {
                // Only the wall time: what writing did not take, reading took, and what was read
                // is what the server had not seen. The server's prompt count includes what it had
                // cached (the instructions, unchanged since the last commit): taken as read, it
                // taught llama.cpp's Ollama front 579 tokens a second where it reads 60, and
                // prompts were sized past the deadline. Even `anew` may have been cached (the
                // same change asked again), so a faster reading only moves the figure a little.
                // A load is not taken off either: it is only known from the server's counters,
                // and the assumed 2 s taken off every warm reply of that front taught it twice
                // its speed, so prompts grew until a 135-line change timed out. Counting a real
                // load as reading errs slow, which costs detail, never the deadline.
                //
                // Nor is a reading more than half again as fast as the one learned believed at
                // all: it is a server that had cached the start of the change too (ripgrep's
                // run of five changes to `default_types.rs`, each read as 76 new tokens of
                // 250), not a faster one. Moving a tenth of the way each time, such runs taught
                // that front 150 a second where it reads 60, and a 217-line change was sent as
                // 1,402 tokens that took 29.9 s of the 30.
                //
                // And a reading of under a second teaches nothing: a prompt the server had
                // cached whole (the first commit of a replay run again, from llama.cpp's prompt
                // cache) comes back in 0.8 s, and even a tenth of the way toward the 900 a
                // second it seemed taught the next, 529-line change a prompt that ran into the
                // timeout.
                let anew = anew as f64;
                let reading = wall.as_secs_f64() - output / write;
                if anew >= 32.0 && reading >= 1.0 {
                    let seen = anew / reading;
                    // The first reply too may have been cached (a commit asked again after a
                    // warm-up had sent its prompt): read in 1 s, it taught 750 a second, and the
                    // next change was sent whole and ran into the timeout.
                    read = if seen <= read {
                        blend(read, seen, self.samples)
                    } else if self.samples == 0 || seen <= read * 1.5 {
                        read + (seen - read) * 0.1
                    } else {
                        read
                    };
                }
            }
        }
        let sane = |v: f64, lo: f64, hi: f64, old: f64| {
            if v.is_finite() {
                v.clamp(lo, hi)
            } else {
                old
            }
        };
        Speed {
            read: sane(read, 1.0, 1e6, self.read),
            write: sane(write, 0.5, 1e5, self.write),
            load: sane(load, 0.0, 600.0, self.load),
            samples: self.samples.saturating_add(1),
        }
    }
}

/// A running average that follows change: the first measurement replaces the assumption.
fn blend(old: f64, new: f64, samples: u32) -> f64 {
    if samples == 0 {
        new
    } else {
        old * 0.7 + new * 0.3
    }
}

/// The speeds file.
#[derive(Debug, Clone)]
pub struct Speeds {
    path: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    version: u32,
    servers: Vec<Record>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    server: String,
    speed: Speed,
    used: u64,
}

impl Speeds {
    /// The speeds kept under `cache_dir`.
    pub fn new(cache_dir: &Path) -> Speeds {
        Speeds {
            path: cache_dir.join("speed.json"),
        }
    }

    /// What `server` (its address and model) has shown, or the assumption.
    pub fn get(&self, server: &str) -> Speed {
        self.read()
            .servers
            .into_iter()
            .find(|r| r.server == server)
            .map_or(Speed::ASSUMED, |r| r.speed)
    }

    /// Every server and model remembered, most recently used first.
    pub fn all(&self) -> Vec<(String, Speed)> {
        let mut servers = self.read().servers;
        servers.sort_by_key(|r| std::cmp::Reverse(r.used));
        servers.into_iter().map(|r| (r.server, r.speed)).collect()
    }

    /// Learns from one reply of `server`. Failing to keep it changes nothing else.
    pub fn record(&self, server: &str, reply: &Reply, wall: Duration, anew: usize) {
        let mut file = self.read();
        let old = file
            .servers
            .iter()
            .position(|r| r.server == server)
            .map(|i| file.servers.remove(i));
        let speed = old
            .map_or(Speed::ASSUMED, |r| r.speed)
            .learn(reply, wall, anew);
        let used = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        file.servers.insert(
            0,
            Record {
                server: server.to_string(),
                speed,
                used,
            },
        );
        file.servers.truncate(MAX_SERVERS);
        file.version = 1;
        let _ = self.write(&file);
    }

    fn read(&self) -> File {
        untrusted::read_to_string(&self.path, MAX_FILE)
            .ok()
            .and_then(|text| serde_json::from_str::<File>(&text).ok())
            .filter(|f| f.version == 1)
            .map(|mut f| {
                f.servers.retain(|r| {
                    let s = r.speed;
                    [s.read, s.write, s.load].iter().all(|v| v.is_finite())
                        && s.read > 0.0
                        && s.write > 0.0
                        && s.load >= 0.0
                });
                f
            })
            .unwrap_or_default()
    }

    fn write(&self, file: &File) -> std::io::Result<()> {
        let text = serde_json::to_string(file).map_err(std::io::Error::other)?;
        untrusted::replace_private(&self.path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::ServerTiming;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    fn reply(prompt: u64, output: u64, timing: Option<(f64, f64, f64)>) -> Reply {
        Reply {
            prompt_tokens: Some(prompt),
            output_tokens: Some(output),
            timing: timing.map(|(load, read, write)| ServerTiming {
                load_ns: (load * 1e9) as u64,
                prompt_ns: (read * 1e9) as u64,
                output_ns: (write * 1e9) as u64,
            }),
            ..Reply::default()
        }
    }

    #[test]
    fn the_server_s_counters_teach_the_speed() {
        // 600 tokens read in 10 s, 38 written in 2 s, no load.
        let s = Speed::ASSUMED.learn(&reply(600, 38, Some((0.0, 10.0, 2.0))), Duration::ZERO, 0);
        assert_eq!((s.read, s.write, s.load, s.samples), (60.0, 19.0, 0.0, 1));
        // Later replies move it part of the way.
        let s = s.learn(&reply(600, 40, Some((0.0, 5.0, 2.0))), Duration::ZERO, 0);
        assert!(s.read > 60.0 && s.read < 120.0, "{s:?}");
        // No counters: nothing learned.
        let none = Reply::default();
        assert_eq!(
            Speed::ASSUMED.learn(&none, Duration::from_secs(3), 100),
            Speed::ASSUMED
        );
    }

    #[test]
    fn without_durations_the_wall_time_teaches_reading_cautiously() {
        // 1,000 tokens not seen before, 15 written (1 s at 15/s): 10 s of reading. Faster than
        // assumed, it moves the figure a tenth of the way, even from the first reply: a
        // prompt the server had cached whole (read in 1 s) taught 750 a second once, and the
        // next change was sent whole and ran into the timeout.
        let s = Speed::ASSUMED.learn(&reply(1000, 15, None), Duration::from_secs(11), 1000);
        assert!((s.read - 100.0 * 0.1 - 50.0 * 0.9).abs() < 1e-6, "{s:?}");
        // Then a faster reading, up to half again as fast, moves it a tenth of the way...
        let s = s.learn(&reply(1000, 15, None), Duration::from_secs_f64(19.0), 1000);
        assert!(
            (s.read - (55.0 + (1000.0 / 18.0 - 55.0) * 0.1)).abs() < 1e-6,
            "{s:?}"
        );
        // ... and one more than half again as fast, the change's start cached, not at all:
        // 250 tokens taken as new, read in 1.3 s, twenty times over.
        let mut cached = s;
        for _ in 0..20 {
            cached = cached.learn(&reply(500, 15, None), Duration::from_secs_f64(2.3), 250);
        }
        assert_eq!(cached.read, s.read, "{cached:?}");
        // A prompt the server had cached whole, answered in 0.8 s: no reading to learn from,
        // not even from the first reply.
        let whole = Speed::ASSUMED.learn(&reply(383, 8, None), Duration::from_secs_f64(0.8), 250);
        assert_eq!(whole.read, Speed::ASSUMED.read, "{whole:?}");
        // A slower reading than assumed is believed at once.
        let s = Speed::ASSUMED.learn(&reply(1000, 15, None), Duration::from_secs(41), 1000);
        assert!((s.read - 25.0).abs() < 1e-6, "{s:?}");
        // What the server had cached is not counted as read: llama.cpp's Ollama front reports
        // the whole prompt (1,200 tokens), of which only the change (300) was new; 10 s of
        // reading is 30 a second, not 120.
        let s = Speed::ASSUMED.learn(&reply(1200, 15, None), Duration::from_secs(11), 300);
        assert!((s.read - 30.0).abs() < 1e-6, "{s:?}");
        // The assumed load is not taken off a reply that had none: 200 tokens read in 3.2 s
        // and 13 written, a warm reply of llama.cpp's front, teach 62 a second, where taking
        // 2 s of load off would have taught 260. Many such replies stay near the truth.
        let mut s = Speed::ASSUMED;
        for _ in 0..100 {
            s = s.learn(&reply(400, 13, None), Duration::from_secs_f64(4.07), 200);
        }
        assert!((55.0..70.0).contains(&s.read), "{s:?}");
    }

    #[test]
    fn the_budget_fits_the_deadline() {
        let slow = Speed {
            read: 60.0,
            write: 19.0,
            load: 0.0,
            samples: 3,
        };
        // 30 s: half of it for reading and 52 tokens of writing.
        let b = slow.prompt_budget(30.0, 52);
        assert!((725..745).contains(&b), "{b}");
        // A GPU reads thousands a second: the window is the bound then, not the deadline.
        let fast = Speed {
            read: 3000.0,
            write: 100.0,
            load: 0.5,
            samples: 3,
        };
        assert!(fast.prompt_budget(30.0, 256) > 8192);
        // No time at all: nothing (the prompt keeps a minimum of the change all the same).
        assert_eq!(slow.prompt_budget(1.0, 256), 0);
    }

    #[test]
    fn the_file_is_private_bounded_and_survives_corruption() {
        let tmp = tempfile::tempdir().unwrap();
        let speeds = Speeds::new(&tmp.path().join("ai-commit"));
        assert_eq!(speeds.get("a"), Speed::ASSUMED);
        let r = reply(600, 38, Some((0.0, 10.0, 2.0)));
        speeds.record("a", &r, Duration::ZERO, 0);
        assert_eq!(speeds.get("a").read, 60.0);
        let path = tmp.path().join("ai-commit/speed.json");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let dir = tmp.path().join("ai-commit");
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        for i in 0..MAX_SERVERS + 5 {
            speeds.record(&format!("server {i}"), &r, Duration::ZERO, 0);
        }
        assert_eq!(speeds.all().len(), MAX_SERVERS);
        for junk in [
            "",
            "{",
            "[]",
            r#"{"version": 2, "servers": []}"#,
            r#"{"version":1,"servers":[{"server":"a","speed":{"read":-1,"write":1,"load":0,"samples":1},"used":0}]}"#,
        ] {
            fs::write(&path, junk).unwrap();
            assert_eq!(speeds.get("a"), Speed::ASSUMED, "{junk}");
            speeds.record("a", &r, Duration::ZERO, 0);
            assert_eq!(speeds.get("a").read, 60.0, "{junk}");
        }
        fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        assert_eq!(speeds.get("a"), Speed::ASSUMED);
        speeds.record("a", &r, Duration::ZERO, 0);
        assert!(fs::symlink_metadata(&path).unwrap().file_type().is_file());
    }

    #[test]
    fn concurrent_writers_never_leave_a_broken_file() {
        let tmp = tempfile::tempdir().unwrap();
        let speeds = Speeds::new(tmp.path());
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let s = speeds.clone();
                std::thread::spawn(move || {
                    let r = reply(600, 38, Some((0.0, 10.0, 2.0)));
                    for _ in 0..50 {
                        s.record(&format!("server {i}"), &r, Duration::ZERO, 0);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let text = fs::read_to_string(tmp.path().join("speed.json")).unwrap();
        assert!(serde_json::from_str::<File>(&text).is_ok(), "{text}");
    }
}
