//! Calibration of `ai_commit::prompt::estimate_tokens` against a real tokenizer.
//!
//! `cargo bench --bench token_calibration` sends sample texts to a running llama.cpp
//! `llama-server` (`POST /tokenize {"content": ...}`) at `AI_COMMIT_TOKENIZE_URL` (default
//! `http://127.0.0.1:18080`) and prints, per sample, its bytes, the real token count, the
//! estimate, and estimate/real. A ratio below 1.0 means the estimate undercounts: a prompt of
//! that kind can overflow `num_ctx`, and Ollama then silently drops the middle of it.
//!
//! A second table puts whole prompts, built by `ai_commit::prompt::build` for a default
//! window (num_ctx 8192, num_predict 256) and rendered through the model's own chat template
//! (`POST /apply-template`, then `/tokenize` with special tokens), next to the window they
//! must fit in. It asserts nothing and exits 0 when no server is running.
//! `AI_COMMIT_CALIBRATION_DUMP=<dir>` also writes every sample to a file there.
//!
//! Start a server with `bash /work/shared/scripts/real-model.sh start` (SmolLM2-135M), or
//! `MODEL=gemma3 bash /work/shared/scripts/real-model.sh start` (Gemma 3 270M; stop first).

use std::fmt::Write as _;
use std::time::Duration;

use ai_commit::diff::{parse_patch, FileChange, Hunk, Status};
use ai_commit::prompt::DEFAULT_PROMPT;
use ai_commit::prompt::{build, estimate_tokens, PromptSettings};

const NUM_CTX: usize = 8192;
const NUM_PREDICT: usize = 256;

struct Server {
    url: String,
    agent: ureq::Agent,
}

impl Server {
    fn new(url: &str) -> Server {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .http_status_as_error(false)
            .proxy(None)
            .build()
            .new_agent();
        Server {
            url: url.trim_end_matches('/').to_string(),
            agent,
        }
    }

    fn post(&self, path: &str, body: serde_json::Value) -> Result<serde_json::Value, String> {
        let mut resp = self
            .agent
            .post(&format!("{}{path}", self.url))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!(
                "{path}: HTTP {status}: {}",
                &text[..text.len().min(200)]
            ));
        }
        serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
    }

    fn get(&self, path: &str) -> Result<serde_json::Value, String> {
        let mut resp = self
            .agent
            .get(&format!("{}{path}", self.url))
            .call()
            .map_err(|e| e.to_string())?;
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?;
        serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
    }

    /// Tokens of `text` alone (no BOS), as the tokenizer counts them.
    fn tokens(&self, text: &str, add_special: bool) -> Result<usize, String> {
        let v = self.post(
            "/tokenize",
            serde_json::json!({"content": text, "add_special": add_special}),
        )?;
        v["tokens"]
            .as_array()
            .map(|a| a.len())
            .ok_or_else(|| "no tokens array".to_string())
    }

    /// Tokens of the two messages through the model's chat template, special tokens included:
    /// what the model really reads.
    fn chat_tokens(&self, system: &str, user: &str) -> Result<usize, String> {
        let v = self.post(
            "/apply-template",
            serde_json::json!({"messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ]}),
        )?;
        let prompt = v["prompt"].as_str().ok_or("no prompt in /apply-template")?;
        self.tokens(prompt, true)
    }
}

/// Deterministic pseudo-random bytes (a 64-bit LCG), so every run sends the same samples.
fn bytes(n: usize, mut seed: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as u8
        })
        .collect()
}

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn hex(data: &[u8]) -> String {
    data.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn wrap(text: &str, width: usize) -> String {
    text.as_bytes()
        .chunks(width)
        .map(|c| format!("{}\n", String::from_utf8_lossy(c)))
        .collect()
}

const RUST: &str = r#"use std::collections::HashMap;
use std::io::{self, BufRead};

/// Counts how often each word occurs on standard input, case-insensitively.
pub fn word_counts(input: impl BufRead) -> io::Result<HashMap<String, usize>> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for line in input.lines() {
        let line = line?;
        for word in line.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
            *counts.entry(word.to_lowercase()).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Count { top: usize },
    Help,
}

impl Command {
    pub fn parse(args: &[String]) -> Result<Command, String> {
        match args.first().map(String::as_str) {
            None | Some("count") => {
                let top = args.get(1).map(|s| s.parse::<usize>()).transpose();
                Ok(Command::Count { top: top.map_err(|e| e.to_string())?.unwrap_or(10) })
            }
            Some("help" | "-h" | "--help") => Ok(Command::Help),
            Some(other) => Err(format!("unknown command `{other}`")),
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Command::Count { top } = Command::parse(&args)? else {
        println!("usage: wc [count [N]]");
        return Ok(());
    };
    let mut counts: Vec<(String, usize)> = word_counts(io::stdin().lock())?.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (word, n) in counts.into_iter().take(top) {
        println!("{n:>8} {word}");
    }
    Ok(())
}
"#;

const DIFF: &str = r#"diff --git a/src/printer.rs b/src/printer.rs
index 3f2a1c4..8b9e0d2 100644
--- a/src/printer.rs
+++ b/src/printer.rs
@@ -112,17 +112,24 @@ impl<'a, Writer: Write> Printer<'a, Writer> {
     pub fn print_position_panel(&mut self) -> io::Result<()> {
-        let style = COLOR_OFFSET.normal();
-        let mut buffer = self.position_buffer.clone();
-        write!(self.writer, "{}", self.border_style.outer_sep())?;
+        let style = if self.show_color {
+            COLOR_OFFSET.normal()
+        } else {
+            Style::default()
+        };
+        let len = HEX_DIGITS.len();
+        let mut buffer = [0u8; 16];
+        write!(self.writer, "{}", self.border_style.outer_sep())?;
         if self.show_position_panel {
-            match self.squeezer {
-                Squeezer::Print => buffer.extend_from_slice(b"*       "),
-                _ => format_offset(&mut buffer, self.idx),
+            match self.squeezer {
+                Squeezer::Print => buffer[..8].copy_from_slice(b"*       "),
+                Squeezer::Ignore | Squeezer::Disabled | Squeezer::Delete => {
+                    format_offset(&mut buffer[..8], self.idx + self.display_offset, len)
+                }
             }
         }
         self.writer.write_all(style.paint(&buffer[..8]).as_bytes())?;
         Ok(())
     }
diff --git a/tests/integration_tests.rs b/tests/integration_tests.rs
index 0a1b2c3..4d5e6f7 100644
--- a/tests/integration_tests.rs
+++ b/tests/integration_tests.rs
@@ -201,6 +201,18 @@ mod display_offset {
             .success()
             .stdout("│0000000a│ 61 62 63 64 ┊             │abcd    ┊        │\n");
     }
+
+    #[test]
+    fn display_offset_with_skip() {
+        hexyl()
+            .arg("ascii")
+            .arg("--display-offset=0x10")
+            .arg("--skip=2")
+            .arg("--color=never")
+            .assert()
+            .success()
+            .stdout(predicates::str::contains("00000012"));
+    }
 }
"#;

const PROSE: &str = "The committee met on Tuesday to review the proposal for the new library \
building. Most members agreed that the current site, which has served the town since 1962, is \
too small for the growing collection and too far from the bus routes that students rely on. \
The architect presented three designs. The first keeps the reading room facing the river and \
adds a second floor for the archive; the second moves the children's section to the ground \
floor, next to the garden; the third, the cheapest, reuses the old post office across the \
square. After a long discussion about costs, accessibility and the trees that would have to \
be cut down, the committee asked for a more detailed estimate of the second design and \
postponed the vote until the spring meeting. Several residents who attended said they would \
prefer the library to stay where it is, and asked whether the old building could be extended \
instead of replaced. The chair promised that their letters would be answered in writing.\n";

const JOURNAL: &str = "2024-03-14, Thursday\n\nWoke up early, before the alarm, and could not \
get back to sleep. Made coffee and sat by the window watching the neighbour's cat stalk a \
pigeon it never had a chance of catching. Work was slow: two meetings that could have been \
emails, and an afternoon spent chasing a bug that turned out to be a typo in a config file. \
Felt stupid, then relieved.\n\nCalled Mum in the evening. She's thinking of selling the \
house, which I didn't expect. We talked for an hour about the garden, the roof, and whether \
she'd be lonely in a flat. I said I'd come down at Easter to help her sort through the attic.\n\
\nRead forty pages of the novel Sam lent me. Still not sure I like the narrator, but the \
chapter about the lighthouse was beautiful. Bed by eleven. Must remember to buy bread.\n";

const JSON: &str = r#"{
  "name": "example-service",
  "version": "2.14.0",
  "private": true,
  "scripts": {
    "build": "tsc -p tsconfig.build.json",
    "test": "jest --coverage --runInBand",
    "lint": "eslint 'src/**/*.{ts,tsx}' --max-warnings=0"
  },
  "dependencies": {
    "express": "^4.19.2",
    "pg": "^8.11.5",
    "zod": "^3.23.8"
  },
  "config": {
    "port": 8080,
    "timeoutMs": 15000,
    "retries": [250, 500, 1000, 2000],
    "features": {"newCheckout": true, "darkMode": false, "betaUsers": ["ana", "bo", "chen"]}
  },
  "items": [
    {"id": 1042, "sku": "KB-7731-BLK", "price": 79.99, "stock": 312, "tags": ["keyboard", "usb-c"]},
    {"id": 1043, "sku": "MS-2210-WHT", "price": 24.5, "stock": 1208, "tags": ["mouse"]},
    {"id": 1044, "sku": "HD-0099-GRY", "price": 149.0, "stock": 0, "tags": ["headset", "wireless"]}
  ]
}
"#;

const MINIFIED_JS: &str = r#"!function(e,t){"object"==typeof exports&&"undefined"!=typeof module?module.exports=t():"function"==typeof define&&define.amd?define(t):(e=e||self).Debounce=t()}(this,function(){"use strict";function e(e,t,n){var o,i,r,u,c=0,f=!1,a=!1,l=!0;if("function"!=typeof e)throw new TypeError("Expected a function");function d(t){var n=o,r=i;return o=i=void 0,c=t,u=e.apply(r,n)}function s(e){var n=e-r;return void 0===r||n>=t||n<0||a&&e-c>=(n=t)}function m(){var e=Date.now();if(s(e))return p(e);r&&(clearTimeout(r),r=setTimeout(m,t-(e-r)))}function p(e){return r=void 0,l&&o?d(e):(o=i=void 0,u)}return t=+t||0,n&&(f=!!n.leading,a="maxWait"in n,l="trailing"in n?!!n.trailing:l),function(){var n=Date.now(),c=s(n);if(o=arguments,i=this,r=n,c){if(void 0===r)return f?d(n):u;if(a)return clearTimeout(r),r=setTimeout(m,t),d(n)}return void 0===r&&(r=setTimeout(m,t)),u}}return e});
"#;

const GERMAN: &str = "Die Stadtverwaltung hat am Montag angekündigt, dass die Straßenbahnlinie \
zwischen dem Hauptbahnhof und dem Universitätsklinikum ab dem kommenden Frühjahr für mehrere \
Monate gesperrt wird. Während der Bauarbeiten sollen Ersatzbusse im Zehn-Minuten-Takt fahren. \
Anwohnerinnen und Anwohner befürchten Lärmbelästigung und Parkplatzmangel; die \
Geschäftsinhaber in der Fußgängerzone rechnen mit Umsatzeinbußen. Die Verkehrsbetriebe \
betonten dagegen, dass die Gleiserneuerung überfällig sei und die Fahrzeit nach Abschluss der \
Arbeiten um durchschnittlich vier Minuten sinken werde. Eine Informationsveranstaltung findet \
nächste Woche im Bürgerhaus statt.\n";

const FRENCH: &str = "La municipalité a présenté jeudi soir son projet de réaménagement des \
quais, attendu depuis près de dix ans. Le plan prévoit l'élargissement des trottoirs, la \
création d'une piste cyclable séparée de la chaussée et la plantation de cent vingt arbres le \
long de la rivière. Les commerçants du marché couvert, inquiets de la suppression d'une \
partie des places de stationnement, ont obtenu la promesse d'un parking provisoire pendant la \
durée des travaux. « Nous voulons que les habitants se réapproprient les berges », a déclaré \
l'adjointe chargée de l'urbanisme. Les travaux devraient commencer à l'automne et s'achever \
avant l'été suivant, si le budget est voté en décembre.\n";

const RUSSIAN: &str = "В понедельник городская администрация объявила, что трамвайная линия \
между главным вокзалом и университетской клиникой будет закрыта на несколько месяцев начиная \
со следующей весны. Во время ремонта будут курсировать автобусы каждые десять минут. Жители \
опасаются шума и нехватки парковочных мест, а владельцы магазинов ожидают снижения выручки.\n";

const CHINESE: &str = "市政府周一宣布，从明年春天起，连接火车总站和大学附属医院的有轨电车线路将\
停运数月。施工期间，将有替代公交车每十分钟一班。附近居民担心噪音和停车位不足，步行街的商户则预计\
营业额会下降。交通公司强调，轨道更新早已刻不容缓，工程完成后平均行车时间将缩短四分钟。下周将在\
市民中心举行说明会，欢迎大家参加并提出意见。\n";

const JAPANESE: &str = "市役所は月曜日、中央駅と大学病院を結ぶ路面電車の路線を来年の春から数か月\
間運休すると発表した。工事期間中は代替バスが十分間隔で運行される。周辺の住民は騒音や駐車場不足を\
心配しており、歩行者天国の商店主たちは売り上げの減少を見込んでいる。交通局は、線路の更新は以前か\
ら必要だったと強調し、工事完了後には所要時間が平均四分短くなると説明した。来週、市民会館で説明会\
が開かれる。\n";

const EMOJI: &str = "Release party 🎉🎉🎉 tonight! 🍕🍺🎶 Bring friends 👩‍💻👨‍💻🧑‍🔬 \
Status: ✅ build ✅ tests ❌ docs ⚠️ lint 🚀 deploy 🔥🔥 \
Reactions: 👍 12 ❤️ 7 😂 3 😮 1 😢 0 🙏 5 \
Weather: ☀️🌤️⛅🌥️☁️🌦️🌧️⛈️🌩️🌨️❄️🌬️ Flags: 🇩🇪🇫🇷🇯🇵🇨🇳🇧🇷🇺🇸 \
Faces: 😀😃😄😁😆😅🤣😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛😝😜🤪🤨🧐🤓😎🥸🤩🥳\n";

/// Indentation-heavy text: nested YAML and code indented with spaces and tabs.
fn whitespace_heavy() -> String {
    let mut out = String::new();
    for i in 0..40 {
        let depth = i % 8;
        out.push_str(&" ".repeat(depth * 4));
        let _ = writeln!(out, "- key_{i}: value");
        out.push_str(&"\t".repeat(depth));
        let _ = writeln!(out, "call({i});");
        if i % 5 == 0 {
            out.push_str("\n\n        \n");
        }
    }
    out
}

fn numbers_csv() -> String {
    let mut out = String::from("timestamp,sensor,temperature,humidity,pressure\n");
    let r = bytes(400, 7);
    for i in 0..100 {
        let _ = writeln!(
            out,
            "{},{},{}.{},{}.{},{}.{}",
            1_709_500_000 + i * 60,
            1000 + (r[i] as usize % 16),
            15 + r[i + 100] % 10,
            r[i + 200] % 100,
            40 + r[i + 300] % 50,
            r[i] % 10,
            1000 + r[i + 1] as usize,
            r[i + 2] % 100,
        );
    }
    out
}

fn hex_ids() -> String {
    (0..60)
        .map(|i| format!("{} refs/heads/branch-{i}\n", hex(&bytes(20, 100 + i))))
        .collect()
}

fn uuids() -> String {
    (0..60)
        .map(|i| {
            let h = hex(&bytes(16, 500 + i));
            format!(
                "{}-{}-{}-{}-{}\n",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            )
        })
        .collect()
}

/// A unified diff adding `text` as a new file at `path`, as `git diff --cached` prints it.
fn added_file_patch(path: &str, text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = format!(
        "diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{} @@\n",
        lines.len()
    );
    for l in lines {
        let _ = writeln!(out, "+{l}");
    }
    out
}

fn settings() -> PromptSettings {
    PromptSettings {
        instructions: DEFAULT_PROMPT.replace("{max_subject}", "72"),
        num_ctx: NUM_CTX,
        num_predict: NUM_PREDICT,
        exclude: Vec::new(),
        diff_context: 3,
        max_prompt: None,
    }
}

/// One file with `lines` added lines made by `line`, big enough that the prompt is cut to fill
/// the window.
fn big_file(path: &str, lines: usize, line: impl Fn(usize) -> String) -> FileChange {
    let mut f = FileChange::new(path, Status::Modified);
    let body: String = (0..lines).map(|i| format!("+{}\n", line(i))).collect();
    f.added = lines;
    f.hunks.push(Hunk {
        header: format!("@@ -0,0 +1,{lines} @@"),
        body,
    });
    f
}

fn main() {
    let url = std::env::var("AI_COMMIT_TOKENIZE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "http://127.0.0.1:18080".to_string());
    let server = Server::new(&url);
    let model = match server.get("/props") {
        Ok(props) => props["model_path"]
            .as_str()
            .map(|p| p.rsplit('/').next().unwrap_or(p).to_string())
            .unwrap_or_else(|| "(unknown model)".into()),
        Err(e) => {
            println!("token calibration: no llama-server at {url} ({e}).");
            println!("Start one, then run this again:");
            println!(
                "  bash /work/shared/scripts/real-model.sh start                 # SmolLM2-135M"
            );
            println!(
                "  MODEL=gemma3 bash /work/shared/scripts/real-model.sh start    # Gemma 3 270M"
            );
            println!("  AI_COMMIT_TOKENIZE_URL=http://127.0.0.1:18080 cargo bench --bench token_calibration");
            return;
        }
    };

    let rust_file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/prompt.rs"))
        .unwrap_or_else(|_| RUST.repeat(4));
    let mut samples: Vec<(String, String)> = vec![
        ("Rust code (snippet)".into(), RUST.into()),
        ("Rust code (src/prompt.rs)".into(), rust_file),
        ("unified diff".into(), DIFF.into()),
        ("English prose".into(), PROSE.into()),
        ("journal entry".into(), JOURNAL.into()),
        ("JSON (package/config)".into(), JSON.into()),
        ("minified JS".into(), MINIFIED_JS.into()),
        (
            "base64 (76 cols)".into(),
            wrap(&base64(&bytes(1500, 1)), 76),
        ),
        ("hex ids (sha1 + ref)".into(), hex_ids()),
        ("hex blob (no spaces)".into(), hex(&bytes(800, 2))),
        ("UUIDs".into(), uuids()),
        ("numbers CSV".into(), numbers_csv()),
        ("German prose".into(), GERMAN.into()),
        ("French prose".into(), FRENCH.into()),
        ("Russian prose".into(), RUSSIAN.into()),
        ("Chinese prose".into(), CHINESE.into()),
        ("Japanese prose".into(), JAPANESE.into()),
        ("emoji".into(), EMOJI.into()),
        ("whitespace-heavy".into(), whitespace_heavy()),
        ("spaces run (1000)".into(), " ".repeat(1000)),
    ];

    // Whole prompts: system + user as `build` makes them, for realistic changes.
    let s = settings();
    let prompt_cases: Vec<(&str, Vec<FileChange>)> = vec![
        ("prompt: Rust code diff", parse_patch(DIFF)),
        (
            "prompt: new journal file",
            parse_patch(&added_file_patch("journal/2024-03-14.txt", JOURNAL)),
        ),
        (
            "prompt: new JSON file",
            parse_patch(&added_file_patch("config/service.json", JSON)),
        ),
        (
            "prompt: CSV data file",
            parse_patch(&added_file_patch("data/readings.csv", &numbers_csv())),
        ),
        (
            "prompt: Chinese docs",
            parse_patch(&added_file_patch("docs/zh/README.md", CHINESE)),
        ),
        (
            "prompt: emoji changelog",
            parse_patch(&added_file_patch("CHANGELOG.md", EMOJI)),
        ),
        (
            "full: Rust, 20k lines",
            vec![big_file("src/generated_tables.rs", 20_000, |i| {
                format!("    pub const ENTRY_{i}: Entry = Entry {{ id: {i}, name: \"entry\" }};")
            })],
        ),
        (
            "full: prose, 20k lines",
            vec![big_file("notes.txt", 20_000, |i| {
                format!("Day {i}: wrote about the garden, the weather and a book.")
            })],
        ),
        (
            "full: numbers CSV, 20k",
            vec![big_file("data/readings.csv", 20_000, |i| {
                let r = bytes(4, i as u64);
                format!(
                    "{},{},{}.{},{}",
                    1_709_500_000 + i * 60,
                    1000 + r[0] as usize,
                    r[1],
                    r[2],
                    r[3]
                )
            })],
        ),
        (
            "full: Chinese, 5k lines",
            vec![big_file("docs/zh/guide.md", 5_000, |i| {
                let line = CHINESE.lines().next().unwrap_or("");
                format!("{i}. {line}")
            })],
        ),
        (
            "full: hex ids, 20k",
            vec![big_file("ids.txt", 20_000, |i| {
                hex(&bytes(20, 9000 + i as u64))
            })],
        ),
    ];
    let mut prompts = Vec::new();
    for (name, files) in &prompt_cases {
        let p = build(files, &ai_commit::facts::Facts::of(files), &s);
        samples.push((name.to_string(), format!("{}\n{}", p.system, p.user)));
        prompts.push((name, p));
    }

    // The samples as files, for trying another estimate against the same texts.
    if let Some(dir) = std::env::var_os("AI_COMMIT_CALIBRATION_DUMP") {
        let dir = std::path::PathBuf::from(dir);
        let _ = std::fs::create_dir_all(&dir);
        for (i, (name, text)) in samples.iter().enumerate() {
            let file: String = name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            let _ = std::fs::write(dir.join(format!("{i:02}-{file}.txt")), text);
        }
    }

    println!("token calibration against {model} at {url}");
    println!(
        "estimate = ai_commit::prompt::estimate_tokens; ratio = estimate / real (>= 1.0 is safe)"
    );
    println!(
        "{:<26} {:>7} {:>7} {:>8} {:>7} {:>10}",
        "sample", "bytes", "real", "estimate", "ratio", "bytes/tok"
    );
    let mut results = Vec::new();
    for (name, text) in &samples {
        // For prompts the estimate is the product's own (system and user estimated apart).
        let estimate = match prompts.iter().find(|(n, _)| *n == name) {
            Some((_, p)) => p.estimated_tokens,
            None => estimate_tokens(text),
        };
        let real = match prompts.iter().find(|(n, _)| *n == name) {
            Some((_, p)) => server
                .tokens(&p.system, false)
                .and_then(|a| server.tokens(&p.user, false).map(|b| a + b)),
            None => server.tokens(text, false),
        };
        match real {
            Ok(real) => {
                let ratio = estimate as f64 / real.max(1) as f64;
                let flag = if ratio < 1.0 { "  <-- UNDERCOUNT" } else { "" };
                println!(
                    "{name:<26} {:>7} {real:>7} {estimate:>8} {ratio:>7.2} {:>10.2}{flag}",
                    text.len(),
                    text.len() as f64 / real.max(1) as f64
                );
                results.push((name.clone(), ratio, estimate, real));
            }
            Err(e) => println!("{name:<26} error: {e}"),
        }
    }
    if let Some((name, ratio, estimate, real)) = results.iter().min_by(|a, b| a.1.total_cmp(&b.1)) {
        println!(
            "minimum ratio: {ratio:.2} ({name}: estimate {estimate}, real {real}{})",
            if *ratio < 1.0 {
                format!(
                    ", undercount by {} tokens = {:.0}%",
                    real - estimate,
                    (1.0 - ratio) * 100.0
                )
            } else {
                String::new()
            }
        );
    }
    let under: Vec<_> = results.iter().filter(|r| r.1 < 1.0).collect();
    println!(
        "samples undercounted: {} of {}{}",
        under.len(),
        results.len(),
        if under.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                under
                    .iter()
                    .map(|r| format!("{} {:.2}", r.0, r.1))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );

    // Does the prompt the product builds fit the window the model really has?
    println!();
    println!(
        "whole prompts through the chat template (num_ctx {NUM_CTX}, num_predict {NUM_PREDICT}: \
         the prompt must stay within {} tokens)",
        NUM_CTX - NUM_PREDICT
    );
    println!(
        "{:<26} {:>4} {:>9} {:>10} {:>7} {:>9}",
        "prompt", "cut", "estimate", "real+tmpl", "ratio", "fits?"
    );
    for (name, p) in &prompts {
        match server.chat_tokens(&p.system, &p.user) {
            Ok(real) => {
                let ratio = p.estimated_tokens as f64 / real.max(1) as f64;
                let limit = NUM_CTX - NUM_PREDICT;
                let fits = if real <= limit {
                    "yes".to_string()
                } else {
                    format!("NO +{}", real - limit)
                };
                println!(
                    "{name:<26} {:>4} {:>9} {real:>10} {ratio:>7.2} {fits:>9}",
                    if p.cut { "yes" } else { "no" },
                    p.estimated_tokens
                );
            }
            Err(e) => println!("{name:<26} error: {e}"),
        }
    }
}
