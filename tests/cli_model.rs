//! `docwright generate` and `docwright doctor` with a model: the built binary
//! against the mock service, configured the way users configure it (the usual
//! environment variables and `[tool.docwright.model]`).

use std::path::Path;
use std::process::Command;

use docwright_mock::Fault;
use model_run::{KEY, chat_requests, docwright, mock, text};
use redis_server::RedisServer;

#[path = "common/model_run.rs"]
mod model_run;
#[path = "common/redis_server.rs"]
mod redis_server;
use serde_json::json;

const MODULE: &str = "\"\"\"Shapes.\"\"\"\n\n\ndef clamp(x, lo, hi):\n    if lo > hi:\n        raise ValueError(lo)\n    return max(lo, min(x, hi))\n\n\ndef twice(x):\n    return 2 * x\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("shapes.py"), MODULE).unwrap();
    dir
}

#[test]
fn generate_writes_the_models_prose_with_the_codes_names() {
    let mock = mock();
    mock.set_answerer(|context| {
        context.last_user.contains("`clamp`").then(|| {
            json!({"summary": "Limit a value to a closed range.", "description": "",
                "params": [{"name": "x", "description": "The value."}, {"name": "lo", "description": "Lower bound."},
                    {"name": "hi", "description": "Upper bound."}],
                "returns": "The value, within the bounds.", "yields": "",
                "raises": [{"name": "ValueError", "description": "If the bounds are reversed."}], "attributes": []})
        })
    });
    let dir = project();
    let run = docwright(dir.path(), &mock, &[], &["generate", "--write", "."]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let written = std::fs::read_to_string(dir.path().join("shapes.py")).unwrap();
    assert!(
        written.contains(
            "def clamp(x, lo, hi):\n    \"\"\"Limit a value to a closed range.\n\n    Args:\n        x: The value.\n        lo: Lower bound.\n        hi: Upper bound.\n\n    Returns:\n        The value, within the bounds.\n\n    Raises:\n        ValueError: If the bounds are reversed.\n    \"\"\"\n"
        ),
        "{written}"
    );
    // The other function's prose is the mock's own, laid over the code's names.
    assert!(written.contains("def twice(x):\n    \"\"\"Describe the summary."), "{written}");
    assert!(written.contains("        x: Describe x.\n"), "{written}");
    assert_eq!(chat_requests(&mock), 2, "one request per docstring; the module has one");
    let stderr = text(&run.stderr);
    assert!(stderr.contains("model: 2 requests, 0 retries"), "{stderr}");
    let rerun = docwright(dir.path(), &mock, &[], &["generate", "--check", "."]);
    assert!(rerun.status.success(), "nothing left to write: {}", text(&rerun.stdout));
    assert_eq!(chat_requests(&mock), 2, "a documented tree asks nothing");
}

#[test]
fn the_key_never_reaches_the_logs() {
    let mock = mock();
    let dir = project();
    let run = docwright(dir.path(), &mock, &[], &["--log", "trace", "generate", "."]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let everything = format!("{}{}", text(&run.stdout), text(&run.stderr));
    assert!(everything.contains("chat/completions") || everything.contains("TRACE"), "trace logs were written");
    assert!(!everything.contains(KEY), "the key leaked into the output");
    assert!(!everything.contains(&KEY[3..15]), "part of the key leaked into the output");
}

#[test]
fn offline_asks_no_model() {
    let mock = mock();
    let dir = project();
    let run = docwright(dir.path(), &mock, &[], &["generate", "--offline", "."]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(text(&run.stdout).contains("TODO(docwright)"));
    assert_eq!(chat_requests(&mock), 0);
}

#[test]
fn a_refused_key_stops_the_run_after_one_request() {
    let mock = mock();
    let dir = project();
    std::fs::write(dir.path().join("more.py"), MODULE.replace("clamp", "bound").replace("twice", "thrice")).unwrap();
    let run = docwright(
        dir.path(),
        &mock,
        &[("AZURE_OPENAI_API_KEY", "nope-zz9"), ("DOCWRIGHT_LOG", "off")],
        &["generate", "--concurrency", "1", "."],
    );
    assert_eq!(run.status.code(), Some(1));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("the run stopped asking the model"), "{stderr}");
    assert!(stderr.contains("AZURE_OPENAI_API_KEY"), "the advice names the variable: {stderr}");
    assert!(!stderr.contains("nope-zz9"), "the key is not repeated: {stderr}");
    assert_eq!(chat_requests(&mock), 1, "no request after the key was refused");
}

#[test]
fn a_budget_refuses_before_anything_is_sent() {
    let mock = mock();
    let dir = project();
    let run = docwright(dir.path(), &mock, &[], &["generate", "--budget-per-run", "0.000001", "."]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("per-run budget of $0.0000"), "{stderr}");
    assert!(stderr.contains("--budget-per-run"), "{stderr}");
    assert_eq!(chat_requests(&mock), 0);
}

#[test]
fn an_answer_that_never_fits_leaves_the_skeleton_and_says_so() {
    let mock = mock();
    mock.set_answerer(|_| {
        Some(json!({"summary": "Do it.", "description": "", "params": [{"name": "invented", "description": "No."}],
            "returns": "", "yields": "", "raises": [], "attributes": []}))
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("one.py"), "\"\"\"One.\"\"\"\n\n\ndef twice(x):\n    return 2 * x\n").unwrap();
    let run = docwright(dir.path(), &mock, &[], &["generate", "."]);
    let stderr = text(&run.stderr);
    assert!(stderr.contains("did not fit the code twice"), "{stderr}");
    assert!(stderr.contains("`invented` is not a parameter"), "{stderr}");
    assert!(text(&run.stdout).contains("+    \"\"\"TODO(docwright): Summarize."), "{}", text(&run.stdout));
    assert_eq!(chat_requests(&mock), 2, "asked once more, then no further");
}

#[test]
fn retries_honour_the_service_then_succeed() {
    let mock = mock();
    mock.push_fault(Fault::parse("429-ms=300").unwrap());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("one.py"), "\"\"\"One.\"\"\"\n\n\ndef twice(x):\n    return 2 * x\n").unwrap();
    let run = docwright(dir.path(), &mock, &[], &["generate", "."]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let journal: Vec<_> = mock.journal().into_iter().filter(|e| e.path.ends_with("/chat/completions")).collect();
    assert_eq!(journal.iter().map(|e| e.status).collect::<Vec<_>>(), vec![Some(429), Some(200)]);
    let gap = journal[1].ms_since_start - journal[0].ms_since_start;
    assert!(gap >= 300.0, "the retry came {gap} ms after the 429, before the 300 ms asked");
    assert!(text(&run.stderr).contains("1 retry"), "{}", text(&run.stderr));
}

#[test]
fn doctor_says_what_is_wrong_and_how_to_fix_it() {
    let mock = mock();
    let dir = tempfile::tempdir().unwrap();
    let ok = docwright(dir.path(), &mock, &[], &["doctor"]);
    let stdout = text(&ok.stdout);
    assert!(ok.status.success(), "{stdout}");
    assert!(stdout.contains("request        ok: gpt-4o-2024-11-20 answered"), "{stdout}");
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[("AZURE_OPENAI_ENDPOINT", "")], "no model is configured"),
        (&[("AZURE_OPENAI_API_KEY", "nope")], "check AZURE_OPENAI_API_KEY"),
        (&[("AZURE_OPENAI_DEPLOYMENT", "missing")], "check the deployment name"),
        (&[("OPENAI_API_VERSION", "2019-01-01")], "api-version is not supported"),
        (&[("AZURE_OPENAI_ENDPOINT", "http://127.0.0.1:9")], "check the endpoint's spelling"),
        (&[("AZURE_OPENAI_API_KEY", "")], "no credentials for Azure OpenAI"),
    ];
    for (env, expected) in cases {
        let run = docwright(dir.path(), &mock, env, &["doctor"]);
        let stdout = text(&run.stdout);
        assert_eq!(run.status.code(), Some(1), "{env:?}: {stdout}");
        assert!(stdout.contains(expected), "{env:?}: {stdout}");
    }
    mock.push_fault(Fault::parse("firewall").unwrap());
    let run = docwright(dir.path(), &mock, &[], &["doctor"]);
    assert!(text(&run.stdout).contains("network rules block this machine"), "{}", text(&run.stdout));
    mock.push_fault(Fault::parse("429-huge").unwrap());
    let run = docwright(dir.path(), &mock, &[], &["doctor"]);
    assert!(text(&run.stdout).contains("quota is used up"), "{}", text(&run.stdout));
}

#[test]
fn a_second_run_of_the_same_job_asks_the_model_nothing() {
    let mock = mock();
    let dir = project();
    let cache = dir.path().join("answers.sqlite3");
    std::fs::write(
        dir.path().join("pyproject.toml"),
        format!("[tool.docwright.cache]\npath = \"{}\"\n", cache.display()),
    )
    .unwrap();
    let first = docwright(dir.path(), &mock, &[], &["generate", "."]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(chat_requests(&mock), 2);
    assert!(text(&first.stderr).contains("cache: 0 hits, 2 misses"), "{}", text(&first.stderr));
    // Another process, the same file: every answer comes from the cache.
    let second = docwright(dir.path(), &mock, &[], &["generate", "."]);
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert_eq!(chat_requests(&mock), 2, "no model call the second time");
    assert!(text(&second.stderr).contains("cache: 2 hits, 0 misses"), "{}", text(&second.stderr));
    assert_eq!(text(&first.stdout), text(&second.stdout), "the same docstrings");
    // The file never holds the key.
    let bytes = std::fs::read(&cache).unwrap();
    assert!(!bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()), "the key is in the cache file");
    // Dropping one definition's answer asks for it again, and only it.
    let stats = docwright(dir.path(), &mock, &[], &["cache", "stats"]);
    assert!(text(&stats.stdout).contains("sqlite: 2 answers"), "{}", text(&stats.stdout));
    let dropped = docwright(dir.path(), &mock, &[], &["cache", "invalidate", "shapes.py:clamp"]);
    assert!(text(&dropped.stdout).contains("removed 1 answer"), "{}", text(&dropped.stdout));
    let third = docwright(dir.path(), &mock, &[], &["generate", "."]);
    assert!(third.status.success());
    assert_eq!(chat_requests(&mock), 3, "only clamp was asked again");
    let cleared = docwright(dir.path(), &mock, &[], &["cache", "clear"]);
    assert!(text(&cleared.stdout).contains("removed 2 answers"), "{}", text(&cleared.stdout));
}

#[test]
fn a_run_asks_the_model_only_for_what_the_cache_lacks_and_counts_each_answer_once() {
    let mock = mock();
    let dir = project();
    let first = docwright(dir.path(), &mock, &[], &["generate", "."]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(chat_requests(&mock), 2);
    // One file the cache answers whole, one it knows nothing of.
    std::fs::write(dir.path().join("halves.py"), "def half(x):\n    return x / 2\n").unwrap();
    let second = docwright(dir.path(), &mock, &[], &["generate", "--no-module", "."]);
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert_eq!(chat_requests(&mock), 3, "only half was asked");
    assert!(text(&second.stderr).contains("cache: 2 hits, 1 miss,"), "{}", text(&second.stderr));
    // One file the cache answers in part: the rest of it is asked, and its
    // hit is counted once.
    let dropped = docwright(dir.path(), &mock, &[], &["cache", "invalidate", "shapes.py:clamp"]);
    assert!(text(&dropped.stdout).contains("removed 1 answer"), "{}", text(&dropped.stdout));
    let third = docwright(dir.path(), &mock, &[], &["generate", "--no-module", "--write", "."]);
    assert!(third.status.success(), "{}", text(&third.stderr));
    assert_eq!(chat_requests(&mock), 4, "only clamp was asked again");
    assert!(text(&third.stderr).contains("cache: 2 hits, 1 miss,"), "{}", text(&third.stderr));
    assert!(text(&third.stderr).contains("wrote 3 docstrings in 2 files"), "{}", text(&third.stderr));
    let written = [
        std::fs::read_to_string(dir.path().join("shapes.py")).unwrap(),
        std::fs::read_to_string(dir.path().join("halves.py")).unwrap(),
    ];
    for added in text(&second.stdout).lines().filter_map(|line| line.strip_prefix('+')).filter(|l| !l.starts_with("++"))
    {
        assert!(written.iter().any(|file| file.contains(added)), "{added:?} is written");
    }
}

#[test]
fn a_team_shares_answers_through_redis_and_carries_on_without_it() {
    let mock = mock();
    let mut redis = RedisServer::start();
    let dir = project();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        format!("[tool.docwright.cache]\nbackend = \"redis\"\nredisUrl = \"{}\"\nnamespace = \"team\"\n", redis.url()),
    )
    .unwrap();
    let first = docwright(dir.path(), &mock, &[], &["generate", "."]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    // Another machine of the team: its own local cache, the same Redis.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("shapes.py"), MODULE).unwrap();
    std::fs::copy(dir.path().join("pyproject.toml"), elsewhere.path().join("pyproject.toml")).unwrap();
    let second = docwright(elsewhere.path(), &mock, &[], &["generate", "."]);
    assert!(text(&second.stderr).contains("cache: 2 hits, 0 misses"), "{}", text(&second.stderr));
    assert_eq!(chat_requests(&mock), 2, "the second machine asked nothing");
    // Every value in Redis: answers only, never the key.
    let mut connection = redis::Client::open(redis.url()).unwrap().get_connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("team:*").query(&mut connection).unwrap();
    assert!(keys.iter().any(|k| k.starts_with("team:answer:")), "{keys:?}");
    for key in &keys {
        let kind: String = redis::cmd("TYPE").arg(key).query(&mut connection).unwrap();
        let dump: Vec<u8> = redis::cmd("DUMP").arg(key).query(&mut connection).unwrap();
        assert!(!dump.windows(KEY.len()).any(|w| w == KEY.as_bytes()), "the key is in {key} ({kind})");
        assert!(!key.contains(KEY));
    }
    // Redis goes away: the run goes on, and says so once.
    redis.stop();
    let third = docwright(dir.path(), &mock, &[], &["generate", "--all", "."]);
    let stderr = text(&third.stderr);
    assert!(third.status.success(), "{stderr}");
    assert_eq!(stderr.matches("not available").count(), 1, "{stderr}");
}

/// The lines of an exchange log, each checked to be one JSON object.
fn exchange_lines(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))).collect()
}

#[test]
fn the_exchange_log_has_a_line_per_attempt_and_per_cached_answer() {
    let mock = mock();
    // The first request to arrive is refused once, and sent again.
    mock.push_fault(Fault::parse("429-ms=50").unwrap());
    let dir = project();
    let log = dir.path().join("audit/exchanges.jsonl");
    let run = docwright(dir.path(), &mock, &[], &["generate", "--exchange-log", "audit/exchanges.jsonl", "."]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(chat_requests(&mock), 3, "two docstrings, one retry");
    let lines = exchange_lines(&log);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    for line in &lines {
        let fields: Vec<&str> = line.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(fields, docwright::llm::exchange_log::FIELDS, "{line}");
        let timestamp = line["timestamp"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(timestamp).is_ok() && timestamp.ends_with('Z'), "{timestamp}");
        assert_eq!(line["run_id"], lines[0]["run_id"], "one run");
        assert_eq!(line["cached"], false);
        assert_eq!(line["provider"], "azure");
        assert_eq!(line["host"], mock.addr().to_string(), "the host alone, no scheme or query");
        assert_eq!((line["deployment"].as_str(), line["api_version"].as_str()), (Some("gpt-4o"), Some("2024-10-21")));
        assert_eq!(line["request"]["response_format"]["json_schema"]["name"], "python_docstring");
        assert_eq!(line["request"]["temperature"], 0);
        let user = line["request"]["messages"][1]["content"].as_str().unwrap();
        let scope = line["scope"].as_str().unwrap();
        assert!(
            (user.contains("def clamp(") && scope.ends_with("shapes.py:clamp"))
                || (user.contains("def twice(") && scope.ends_with("shapes.py:twice")),
            "{scope}: {user}"
        );
        assert!(line["latency_ms"].is_u64(), "{line}");
    }
    // Each attempt of a request under its id, the one sent to the service.
    let mut sent: Vec<String> =
        mock.journal().iter().filter_map(|e| e.header("x-ms-client-request-id").map(str::to_string)).collect();
    let mut logged: Vec<String> = lines.iter().map(|l| l["request_id"].as_str().unwrap().to_string()).collect();
    sent.sort_unstable();
    logged.sort_unstable();
    assert_eq!(logged, sent, "a line per request sent");
    let twice = logged.windows(2).find(|w| w[0] == w[1]).map(|w| w[0].clone()).expect("a request sent twice");
    let retried: Vec<&serde_json::Value> = lines.iter().filter(|l| l["request_id"] == twice.as_str()).collect();
    assert_eq!(retried.len(), 2, "{lines:#?}");
    assert_eq!((retried[0]["attempt"].as_u64(), retried[0]["status"].as_u64()), (Some(1), Some(429)));
    assert_eq!(retried[0]["error"]["kind"], "rate_limited");
    assert_eq!(retried[0]["content"], serde_json::Value::Null);
    assert_eq!((retried[1]["attempt"].as_u64(), retried[1]["status"].as_u64()), (Some(2), Some(200)));
    for answered in lines.iter().filter(|l| l["status"] == 200) {
        assert_eq!(answered["error"], serde_json::Value::Null);
        assert_eq!(answered["finish_reason"], "stop");
        assert_eq!(answered["model"], "gpt-4o-2024-11-20");
        assert!(answered["usage"]["prompt_tokens"].as_u64().unwrap() > 50, "{answered}");
        let content: serde_json::Value = serde_json::from_str(answered["content"].as_str().unwrap()).unwrap();
        assert!(content["summary"].is_string(), "{content}");
    }
    let bytes = std::fs::read(&log).unwrap();
    assert!(!bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()), "the key is in the log");
    assert!(!String::from_utf8_lossy(&bytes).to_lowercase().contains("bearer"), "an auth header is in the log");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&log).unwrap().permissions().mode() & 0o777, 0o600, "owner-only");
    }

    // Again: the cache answers, nothing is sent, and each answer is a line.
    let again = docwright(dir.path(), &mock, &[], &["generate", "--exchange-log", "audit/exchanges.jsonl", "."]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(chat_requests(&mock), 3, "no request the second time");
    let lines = exchange_lines(&log);
    assert_eq!(lines.len(), 5, "appended: {lines:#?}");
    let mut scopes: Vec<&str> = lines[3..].iter().map(|l| l["scope"].as_str().unwrap()).collect();
    scopes.sort_unstable();
    assert!(scopes[0].ends_with("shapes.py:clamp") && scopes[1].ends_with("shapes.py:twice"), "{scopes:?}");
    for cached in &lines[3..] {
        let fields: Vec<&str> = cached.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(fields, docwright::llm::exchange_log::FIELDS, "{cached}");
        assert_eq!(cached["cached"], true);
        assert_ne!(cached["run_id"], lines[0]["run_id"], "another run");
        for nothing_sent in ["attempt", "request", "status", "latency_ms", "error"] {
            assert_eq!(cached[nothing_sent], serde_json::Value::Null, "{nothing_sent}: {cached}");
        }
        assert!(cached["usage"]["prompt_tokens"].as_u64().unwrap() > 50, "what the hit saved: {cached}");
        assert!(cached["content"].as_str().unwrap().contains("summary"), "{cached}");
    }
}

#[test]
fn an_exchange_log_that_cannot_be_written_is_said_once_and_the_run_goes_on() {
    let mock = mock();
    let dir = project();
    std::fs::write(dir.path().join("blocker"), "a file, not a folder").unwrap();
    let run = docwright(dir.path(), &mock, &[], &["generate", "--write", "--exchange-log", "blocker/x.jsonl", "."]);
    let stderr = text(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert_eq!(stderr.matches("exchange log").count(), 1, "{stderr}");
    let warning =
        format!("warning: the exchange log {} cannot be opened", dir.path().join("blocker/x.jsonl").display());
    assert!(stderr.contains(&warning), "names the path: {stderr}");
    assert!(stderr.contains("os error"), "and the system's reason: {stderr}");
    assert_eq!(chat_requests(&mock), 2);
    let written = std::fs::read_to_string(dir.path().join("shapes.py")).unwrap();
    assert!(written.contains("def twice(x):\n    \"\"\"Describe the summary."), "{written}");
}

#[test]
fn the_exchange_log_setting_is_relative_to_the_project_and_the_environment_wins() {
    let mock = mock();
    let dir = package(&[("pkg/__init__.py", ""), ("pkg/calc.py", "def double(x):\n    return x * 2\n")]);
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.docwright.model]\nexchangeLog = \"logs/exchanges.jsonl\"\n",
    )
    .unwrap();
    let pkg = dir.path().join("pkg");
    // Run from inside the package: the setting is the project's, not the
    // working directory's.
    let run = docwright(&pkg, &mock, &[], &["generate", "--no-module", "."]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(exchange_lines(&dir.path().join("logs/exchanges.jsonl")).len(), 1);
    assert!(!pkg.join("logs").exists());
    // The variable is relative to where docwright runs, and wins over the
    // setting.
    let run = docwright(&pkg, &mock, &[("DOCWRIGHT_EXCHANGE_LOG", "mine.jsonl")], &["generate", "--no-module", "."]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let mine = exchange_lines(&pkg.join("mine.jsonl"));
    assert_eq!((mine.len(), mine[0]["cached"].as_bool()), (1, Some(true)));
    assert_eq!(exchange_lines(&dir.path().join("logs/exchanges.jsonl")).len(), 1, "the setting's log is untouched");
    // The flag wins over both.
    let flagged = &["generate", "--no-module", "--exchange-log", "flag.jsonl", "."];
    let run = docwright(&pkg, &mock, &[("DOCWRIGHT_EXCHANGE_LOG", "mine.jsonl")], flagged);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(exchange_lines(&pkg.join("flag.jsonl")).len(), 1);
    assert_eq!(exchange_lines(&pkg.join("mine.jsonl")).len(), 1);
}

/// One of each form of secret, in code a model is asked to document.
const SECRETS: &[&str] = &[
    "MIIEowIBAAKCAQEA7bq9",
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
    "Zm9vYmFyYmF6cXV4cXV1eA==",
    "ghp_1234567890abcdefghijABCDEFGHIJ123456",
    "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp",
    "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "hunter2-db-password",
    "correct horse battery staple",
];

#[test]
fn likely_secrets_in_the_code_never_leave_the_machine() {
    let module = format!(
        r#""""Settings."""


def connect():
    key = "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----"
    aws_id = '{}'
    aws_secret_access_key = '{}'
    storage = 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey={}'
    github, slack, openai = '{}', '{}', '{}'
    session = '{}'
    db = 'postgresql://admin:{}@db.internal/app'
    password = '{}'
    return key, aws_id, aws_secret_access_key, storage, github, slack, openai, session, db, password
"#,
        SECRETS[0],
        SECRETS[1],
        SECRETS[2],
        SECRETS[3],
        SECRETS[4],
        SECRETS[5],
        SECRETS[6],
        SECRETS[7],
        SECRETS[8],
        SECRETS[9]
    );
    let mock = mock();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("settings.py"), &module).unwrap();
    let run = docwright(
        dir.path(),
        &mock,
        &[("DOCWRIGHT_LOG", "info"), ("DOCWRIGHT_EXCHANGE_LOG", "exchanges.jsonl")],
        &["generate", "--write", "."],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let sent: String = mock
        .journal()
        .iter()
        .filter(|e| e.path.ends_with("/chat/completions"))
        .map(|e| e.body.as_ref().map(ToString::to_string).unwrap_or_default())
        .collect();
    assert!(sent.contains("def connect()"), "the function was asked about: {sent}");
    assert!(sent.contains("<redacted>"), "{sent}");
    let cache = std::fs::read(dir.path().join(".cache/docwright/answers.sqlite3")).unwrap();
    let stderr = text(&run.stderr);
    let exchanges = std::fs::read_to_string(dir.path().join("exchanges.jsonl")).unwrap();
    assert!(exchanges.contains("def connect()") && exchanges.contains("<redacted>"), "{exchanges}");
    assert!(!exchanges.contains(KEY), "the key is in the exchange log");
    for secret in SECRETS {
        // JSON escapes nothing in these, so a plain search finds them.
        assert!(!sent.contains(secret), "{secret} was sent: {sent}");
        assert!(!stderr.contains(secret), "{secret} was logged");
        assert!(!String::from_utf8_lossy(&cache).contains(secret), "{secret} is in the cache file");
        assert!(!exchanges.contains(secret), "{secret} is in the exchange log");
    }
    assert!(stderr.contains("likely secrets replaced with <redacted> before the prompt left"), "{stderr}");
    // The file itself keeps every secret: only the prompt changes.
    let written = std::fs::read_to_string(dir.path().join("settings.py")).unwrap();
    assert!(SECRETS.iter().all(|s| written.contains(s)), "{written}");
}

/// The module's syntax tree, docstrings left out, as Python dumps it.
fn tree_without_docstrings(path: &Path) -> String {
    let script = "import ast, sys\n\
        tree = ast.parse(open(sys.argv[1], encoding='utf-8').read())\n\
        for node in ast.walk(tree):\n\
        \x20   body = getattr(node, 'body', None)\n\
        \x20   if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
        and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):\n\
        \x20       node.body = body[1:]\n\
        print(ast.dump(tree))\n";
    let out = Command::new("python3").args(["-c", script]).arg(path).output().expect("python3 runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn hostile_answers_reach_the_file_only_as_docstring_text() {
    let mock = mock();
    let payload = "\"\"\"\nimport os\nos.system('echo pwned')\n\"\"\"";
    mock.set_answerer(move |context| {
        context.last_user.contains("`clamp`").then(|| {
            json!({"summary": format!("Limit a value. {payload}"),
                "description": "Ignore the code.\n'''\nexec('print(1)')\n'''\n\\\"\"\" + __import__('os').getcwd() + \"\"\"",
                "params": [{"name": "x", "description": payload}, {"name": "lo", "description": "\\"},
                    {"name": "hi", "description": "\"\"\"\"\"\""}],
                "returns": "\"\"\"; raise SystemExit", "yields": "",
                "raises": [{"name": "ValueError", "description": "r\"\"\"x\"\"\""}], "attributes": []})
        })
    });
    let dir = project();
    let path = dir.path().join("shapes.py");
    let before = tree_without_docstrings(&path);
    let run = docwright(dir.path(), &mock, &[], &["generate", "--write", "."]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.contains("Limit a value."), "the hostile answer was used: {written}");
    // Every byte the answer brought is inside docstrings: without them the
    // tree is what it was.
    assert_eq!(tree_without_docstrings(&path), before, "{written}");
    let check = Command::new("python3")
        .args(["-c", "import ast, sys; t = ast.parse(open(sys.argv[1]).read()); print(ast.get_docstring(t.body[1], clean=False))"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(text(&check.stdout).contains("os.system('echo pwned')"), "kept as text: {}", text(&check.stdout));
}

#[test]
fn files_named_for_secrets_are_never_sent_and_get_template_docstrings() {
    let mock = mock();
    let dir = project();
    std::fs::write(dir.path().join("aws_secrets.py"), "def rotate(key):\n    return key[::-1]\n").unwrap();
    std::fs::write(dir.path().join("pyproject.toml"), "[tool.docwright.model]\nneverSend = ['shapes.py']\n").unwrap();
    // The setting replaces the defaults: `aws_secrets.py` is sent, `shapes.py` is not.
    let run = docwright(dir.path(), &mock, &[], &["generate", "--write", "."]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let sent: String = mock.journal().iter().filter_map(|e| e.body.as_ref().map(ToString::to_string)).collect();
    assert!(sent.contains("def rotate(key)"), "{sent}");
    assert!(!sent.contains("def clamp"), "{sent}");
    assert!(text(&run.stderr).contains("matches `shapes.py` in `model.neverSend`"), "{}", text(&run.stderr));
    let shapes = std::fs::read_to_string(dir.path().join("shapes.py")).unwrap();
    assert!(shapes.contains("def clamp(x, lo, hi):\n    \"\"\"TODO"), "{shapes}");

    // Without the setting, the defaults keep `aws_secrets.py` back.
    let mock = self::mock();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("aws_secrets.py"), "def rotate(key):\n    return key[::-1]\n").unwrap();
    let run = docwright(dir.path(), &mock, &[], &["generate", "--write", "."]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(chat_requests(&mock), 0);
    assert!(text(&run.stderr).contains("matches `*secret*`"), "{}", text(&run.stderr));

    // A bad glob is named.
    std::fs::write(dir.path().join("pyproject.toml"), "[tool.docwright.model]\nneverSend = ['[oops']\n").unwrap();
    let run = docwright(dir.path(), &mock, &[], &["generate", "."]);
    assert!(text(&run.stderr).contains("`[oops` is not a glob"), "{}", text(&run.stderr));
}

#[test]
fn a_content_filter_is_named_and_nothing_is_inserted() {
    for (fault, says) in [
        ("content-filter-input", "content filter refused the prompt (jailbreak)"),
        ("content-filter-output", "content filter stopped the answer (violence)"),
    ] {
        let mock = mock();
        let dir = tempfile::tempdir().unwrap();
        let source = format!("def f(x):\n    # MOCK_FAULT:{fault}\n    return x\n");
        std::fs::write(dir.path().join("m.py"), &source).unwrap();
        let run = docwright(dir.path(), &mock, &[], &["generate", "--write", "--no-module", "."]);
        let stderr = text(&run.stderr);
        assert!(!run.status.success(), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(stderr.contains("m.py:1: f:"), "says where: {stderr}");
        assert_eq!(std::fs::read_to_string(dir.path().join("m.py")).unwrap(), source);
    }
}

#[test]
fn a_projects_own_template_writes_its_prompts_and_a_broken_one_stops_the_run() {
    let mock = mock();
    let dir = project();
    let templates = dir.path().join(".docwright/templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("function.toml"),
        "version = 4\nsystem = \"House rules: British spelling.\"\nuser = \"\"\"\nDocument `{{qualname}}`.\n{{callees}}\n{{code}}\nEntries: {{entries}}\n\"\"\"\n",
    )
    .unwrap();
    let doctor = docwright(dir.path(), &mock, &[], &["doctor"]);
    let expected = format!("function: function v4 ({})", templates.join("function.toml").display());
    assert!(text(&doctor.stdout).contains(&expected), "{}", text(&doctor.stdout));
    assert!(text(&doctor.stdout).contains("method: built-in v2"), "{}", text(&doctor.stdout));
    let journal_before = mock.journal().len();
    let run = docwright(dir.path(), &mock, &[], &["generate", "--no-module", "."]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let bodies: Vec<serde_json::Value> =
        mock.journal().into_iter().skip(journal_before).filter_map(|e| e.body).collect();
    assert_eq!(bodies.len(), 2);
    for body in &bodies {
        assert_eq!(body["messages"][0]["content"], "House rules: British spelling.");
        let user = body["messages"][1]["content"].as_str().unwrap();
        assert!(
            user.starts_with("Document `clamp`.\ndef clamp(") || user.starts_with("Document `twice`.\ndef twice("),
            "{user}"
        );
    }
    // A misspelt variable: the run stops before any request, naming the
    // file, the line and the variable.
    std::fs::write(
        templates.join("function.toml"),
        "version = 5\nsystem = \"x\"\nuser = \"\"\"\n{{code}}\n{{entriez}}\n\"\"\"\n",
    )
    .unwrap();
    let run = docwright(dir.path(), &mock, &[], &["generate", "."]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    let expected = format!("{}:5: unknown variable `entriez`", templates.join("function.toml").display());
    assert!(text(&run.stderr).contains(&expected), "{}", text(&run.stderr));
    assert_eq!(chat_requests(&mock), 3, "nothing more was sent (the doctor's one request before)");
    let doctor = docwright(dir.path(), &mock, &[], &["doctor"]);
    assert_eq!(doctor.status.code(), Some(1));
    assert!(text(&doctor.stdout).contains(&format!("templates      problem: {expected}")), "{}", text(&doctor.stdout));
}

/// An answer for any prompt of the built-in templates: every listed entry
/// described, and the summary naming the target (`Summary of ping.`), so a
/// later prompt shows which docstrings it saw.
fn answer_naming_the_target(context: &docwright_mock::AnswerContext, summary: &str) -> serde_json::Value {
    // The first user message holds the entries (a second asking is a reply).
    let user = context.body["messages"][1]["content"].as_str().unwrap_or_default();
    let entries: serde_json::Value = user
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("Entries: "))
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default();
    let described = |key: &str| -> Vec<serde_json::Value> {
        entries[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|name| json!({"name": name, "description": "A value."}))
            .collect()
    };
    let flag = |key: &str| if entries[key].as_bool() == Some(true) { "A value." } else { "" };
    json!({"summary": summary, "description": "", "params": described("params"), "returns": flag("returns"),
        "yields": flag("yields"), "raises": described("raises"), "attributes": described("attributes")})
}

/// The target a built-in prompt asks about: `ping` from "... `ping` in `pkg.a`.".
fn target_of(user: &str) -> String {
    user.lines().next().and_then(|l| l.split('`').nth(1)).unwrap_or_default().to_string()
}

fn package(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = \"pkg\"\n").unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn callees_are_documented_first_and_their_docstrings_reach_the_callers_prompts() {
    let mock = mock();
    mock.set_answerer(|context| {
        let target = target_of(&context.last_user);
        Some(answer_naming_the_target(context, &format!("Summary of {target}.")))
    });
    // `ping` and `pong` call each other (a cycle) and both call `base`;
    // `run` calls `ping`. Files are listed in an order that is not the
    // call order.
    let dir = package(&[
        ("pkg/__init__.py", "\"\"\"The package.\"\"\"\n"),
        ("pkg/main.py", "\"\"\"Entry.\"\"\"\nfrom pkg.a import ping\n\n\ndef run():\n    return ping(3)\n"),
        (
            "pkg/a.py",
            "\"\"\"Ping pong.\"\"\"\nfrom pkg.util import base\n\n\ndef ping(n):\n    return pong(n - 1) + base()\n\n\ndef pong(n):\n    return ping(n) if n else base()\n",
        ),
        ("pkg/util.py", "\"\"\"Utilities.\"\"\"\n\n\ndef base():\n    return 1\n"),
    ]);
    let run = docwright(dir.path(), &mock, &[], &["generate", "--write", "--concurrency", "4", "pkg"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let prompts: Vec<String> = mock
        .journal()
        .into_iter()
        .filter_map(|e| e.body)
        .filter_map(|body| body["messages"][1]["content"].as_str().map(str::to_string))
        .collect();
    let order: Vec<String> = prompts.iter().map(|p| target_of(p)).collect();
    let at = |name: &str| order.iter().position(|t| t == name).unwrap_or_else(|| panic!("{name} in {order:?}"));
    assert_eq!(order.len(), 4, "{order:?}");
    assert_eq!(at("base"), 0, "{order:?}");
    assert_eq!(at("run"), 3, "{order:?}");
    let prompt_of = |name: &str| &prompts[at(name)];
    // What was just written for a callee is in its callers' prompts.
    for caller in ["ping", "pong"] {
        assert!(
            prompt_of(caller).contains("- `pkg.util.base`: `def base():` Summary of base.\n"),
            "{}",
            prompt_of(caller)
        );
    }
    assert!(prompt_of("run").contains("- `pkg.a.ping`: `def ping(n):` Summary of ping.\n"), "{}", prompt_of("run"));
    // A cycle is one group: neither of the pair saw the other's new docstring.
    assert!(prompt_of("ping").contains("- `pkg.a.pong`: `def pong(n):`\n"), "{}", prompt_of("ping"));
    let written = std::fs::read_to_string(dir.path().join("pkg/main.py")).unwrap();
    assert!(written.contains("def run():\n    \"\"\"Summary of run.\n"), "{written}");
}

#[test]
fn an_answer_naming_what_does_not_exist_is_asked_again_then_reported() {
    let mock = mock();
    let dir = package(&[("pkg/__init__.py", ""), ("pkg/calc.py", "def double(x):\n    return x * 2\n")]);
    // First answers invent a helper; the answer to the second asking is true.
    mock.set_answerer(|context| {
        let again = context.last_user.contains("name only what exists");
        let summary = if again { "Return twice `x`." } else { "Double `x` with `pkg.calc.multiply`." };
        Some(answer_naming_the_target(context, summary))
    });
    let run = docwright(dir.path(), &mock, &[], &["generate", "--write", "--no-module", "pkg"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(chat_requests(&mock), 2, "asked once more");
    let retry = mock.journal().into_iter().filter_map(|e| e.body).nth(1).unwrap();
    let last = retry["messages"].as_array().unwrap().last().unwrap()["content"].as_str().unwrap().to_string();
    assert!(
        last.contains("it names `pkg.calc.multiply`, which exist neither in the code nor in the workspace"),
        "{last}"
    );
    let written = std::fs::read_to_string(dir.path().join("pkg/calc.py")).unwrap();
    assert!(written.contains("\"\"\"Return twice `x`."), "{written}\n{}", text(&run.stderr));
    assert!(!text(&run.stderr).contains("does not define"), "{}", text(&run.stderr));
    // A model that keeps inventing: its second answer is kept, and the
    // names are reported where the docstring is.
    let mock = self::mock();
    let dir = package(&[("pkg/__init__.py", ""), ("pkg/calc.py", "def double(x):\n    return x * 2\n")]);
    mock.set_answerer(|context| Some(answer_naming_the_target(context, "Double `x` with `multiply_by`.")));
    let run = docwright(dir.path(), &mock, &[], &["generate", "--write", "--no-module", "pkg"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(chat_requests(&mock), 2);
    assert!(
        text(&run.stderr)
            .contains("calc.py:1: double: the docstring names what the workspace does not define: `multiply_by`"),
        "{}",
        text(&run.stderr)
    );
}

#[test]
fn documenting_one_file_shows_what_it_calls_from_the_rest_of_the_project() {
    let mock = mock();
    let dir = package(&[
        ("pkg/__init__.py", ""),
        ("pkg/util.py", "def base(scale):\n    \"\"\"Return the base unit times `scale`.\"\"\"\n    return scale\n"),
        ("pkg/main.py", "import pkg.util as u\n\n\ndef run():\n    return u.base(2)\n"),
    ]);
    let run = docwright(dir.path(), &mock, &[], &["generate", "--no-module", "pkg/main.py"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let bodies: Vec<serde_json::Value> = mock.journal().into_iter().filter_map(|e| e.body).collect();
    assert_eq!(bodies.len(), 1, "only the file given is documented");
    let user = bodies[0]["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains("- `pkg.util.base`: `def base(scale):` Return the base unit times `scale`.\n"), "{user}");
}

#[test]
fn a_prompt_over_its_budget_loses_context_first_with_a_marker() {
    let mock = mock();
    // `main` calls forty workspace functions: their lines are the most
    // context, and the least useful after the code.
    let helpers: String = (0..40)
        .map(|i| format!("def helper_{i}(value, scale):\n    \"\"\"Return helper number {i} of `value`.\"\"\"\n    return value\n\n\n"))
        .collect();
    let calls: String = (0..40).map(|i| format!("    total += helper_{i}(x, 2)\n")).collect();
    let main = format!("from pkg.helpers import *\n\n\ndef main(x):\n    total = 0\n{calls}    return total\n");
    let imports: String = (0..40).map(|i| format!("from pkg.helpers import helper_{i}\n")).collect();
    let main = main.replace("from pkg.helpers import *\n", &imports);
    let dir = package(&[("pkg/__init__.py", ""), ("pkg/helpers.py", &helpers), ("pkg/main.py", &main)]);
    std::fs::write(dir.path().join("pyproject.toml"), "[tool.docwright.model]\npromptTokens = 1500\n").unwrap();
    let run = docwright(dir.path(), &mock, &[], &["generate", "--no-module", "pkg/main.py"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let body = mock.journal().into_iter().filter_map(|e| e.body).next_back().unwrap();
    let user = body["messages"][1]["content"].as_str().unwrap();
    // The code and the entries are whole; the imports went; the callees
    // were cut at a line, and say so.
    assert!(user.contains(&calls), "{user}");
    assert!(user.contains("Entries: {\"params\":[\"x\"]"), "{user}");
    assert!(!user.contains("The module imports:"), "{user}");
    let shown = user.matches("\n- `pkg.helpers.helper_").count();
    assert!((1..40).contains(&shown), "{shown} callees shown: {user}");
    let marker = format!("[{} more lines of callees cut to fit the prompt budget]\n", 40 - shown);
    assert!(user.contains(&marker), "{user}");
    // Within the budget as the service counted it.
    let stderr = text(&run.stderr);
    let tokens: Option<u64> =
        stderr.split(" prompt tokens").next().and_then(|before| before.rsplit(' ').next()).and_then(|n| n.parse().ok());
    assert!(tokens.is_some_and(|t| t <= 1500), "{tokens:?}: {stderr}");
}

#[test]
fn update_keeps_the_authors_text_and_has_the_model_describe_what_is_new() {
    let mock = mock();
    mock.set_answerer(|context| {
        context.last_user.contains("`scale`").then(|| {
            json!({"summary": "A different summary the update must not use.", "description": "",
                "params": [{"name": "value", "description": "Not the author's words."},
                    {"name": "factor", "description": "How much to multiply by."}],
                "returns": "The scaled value.", "yields": "", "raises": [], "attributes": []})
        })
    });
    let source = "def scale(value, factor):\n    \"\"\"Scale a value.\n\n    Args:\n        value: The author's own words.\n    \"\"\"\n    return value * factor\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.py"), source).unwrap();
    let run = docwright(dir.path(), &mock, &[], &["generate", "--update", "--no-module", "--write", "m.py"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let written = std::fs::read_to_string(dir.path().join("m.py")).unwrap();
    assert_eq!(
        written,
        "def scale(value, factor):\n    \"\"\"Scale a value.\n\n    Args:\n        value: The author's own words.\n        factor: How much to multiply by.\n\n    Returns:\n        The scaled value.\n    \"\"\"\n    return value * factor\n"
    );
    assert_eq!(chat_requests(&mock), 1);
    let again = docwright(dir.path(), &mock, &[], &["generate", "--update", "--no-module", "--check", "m.py"]);
    assert!(again.status.success(), "up to date now: {}", text(&again.stdout));
}
