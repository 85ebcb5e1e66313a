//! The Redis cache against a real `redis-server` (started per test on a free
//! loopback port; the tests fail, saying so, when it is not installed).

#[path = "common/cache_suite.rs"]
mod cache_suite;
#[path = "common/redis_server.rs"]
mod redis_server;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use docwright::cache::redis::{OPERATION_TIMEOUT, RedisCache};
use docwright::cache::{BackendStats, CacheError, CacheKey, CachedAnswer, ResponseCache, Selector};
use docwright::llm::cost::Usage;
use redis_server::RedisServer;
use serde_json::json;

const HOUR: Duration = Duration::from_secs(3600);

fn key(n: u8) -> CacheKey {
    let mut bytes = [0u8; 32];
    bytes[0] = n;
    bytes[31] = 0xa5;
    CacheKey(bytes)
}

fn answer(scope: &str, text: &str) -> CachedAnswer {
    let usage = Usage { prompt_tokens: 120, completion_tokens: 30, cached_tokens: 0, reasoning_tokens: 0 };
    CachedAnswer::new(&json!({ "summary": text }), usage, 0.0012, scope.to_string())
}

async fn cache(server: &RedisServer, namespace: &str) -> RedisCache {
    RedisCache::connect_with_password(&server.url(), namespace, None).await.expect("connect to the test server")
}

fn is_unavailable(result: &Result<impl std::fmt::Debug, CacheError>) -> bool {
    matches!(result, Err(CacheError::Unavailable { backend: "redis", .. }))
}

#[tokio::test]
async fn gets_what_was_set_and_overwrites() {
    let server = RedisServer::start();
    let cache = cache(&server, "t").await;
    assert_eq!(cache.name(), "redis");
    assert_eq!(cache.get(&key(1)).await, Ok(None));
    cache.set(&key(1), &answer("a.py:f", "first"), HOUR).await.unwrap();
    assert_eq!(cache.get(&key(1)).await, Ok(Some(answer("a.py:f", "first"))));
    cache.set(&key(1), &answer("a.py:f", "second"), HOUR).await.unwrap();
    assert_eq!(cache.get(&key(1)).await, Ok(Some(answer("a.py:f", "second"))));
    assert_eq!(cache.get(&key(2)).await, Ok(None));
}

#[tokio::test]
async fn entries_expire_and_every_key_has_a_ttl() {
    let server = RedisServer::start();
    let cache = cache(&server, "t").await;
    cache.set(&key(1), &answer("a.py:f", "kept"), HOUR).await.unwrap();
    cache.set(&key(2), &answer("a.py:g", "brief"), Duration::from_millis(150)).await.unwrap();
    cache.set(&key(3), &answer("a.py:h", "never"), Duration::ZERO).await.unwrap();
    assert_eq!(cache.get(&key(3)).await, Ok(None));
    for redis_key in [cache.answer_key(&key(1)), "t:scope:a.py:f".to_string()] {
        let ttl = server.integer(&["TTL", &redis_key]);
        assert!(ttl > 3500 && ttl <= 3600, "{redis_key} has TTL {ttl}");
    }
    let mut keys = 0;
    for pattern in ["t:answer:*", "t:scope:*"] {
        let reply = server.command(&["EVAL", "return #redis.call('KEYS', ARGV[1])", "0", pattern]);
        keys += reply.trim_start_matches(':').parse::<i64>().unwrap();
    }
    assert_eq!(keys, 4, "two answers and their two scope indexes");
    let no_ttl = server.integer(&[
        "EVAL",
        "local n = 0 for _, k in ipairs(redis.call('KEYS', 't:*')) do if redis.call('PTTL', k) < 0 then n = n + 1 end end return n",
        "0",
    ]);
    assert_eq!(no_ttl, 0, "every key expires");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(cache.get(&key(2)).await, Ok(None));
    assert!(cache.get(&key(1)).await.unwrap().is_some());
}

#[tokio::test]
async fn invalidates_by_key_file_definition_and_all() {
    let server = RedisServer::start();
    let cache = cache(&server, "t").await;
    let scopes = ["a.py:Class", "a.py:Class.method", "a.py:ClassB", "a.py:<module>", "b.py:Class", "a.py.bak:f"];
    for (n, scope) in scopes.iter().enumerate() {
        cache.set(&key(n as u8), &answer(scope, "x"), HOUR).await.unwrap();
    }
    assert_eq!(cache.invalidate(&Selector::Key(key(3))).await, Ok(1));
    assert_eq!(cache.invalidate(&Selector::Key(key(3))).await, Ok(0));
    assert_eq!(cache.get(&key(3)).await, Ok(None));

    assert_eq!(cache.invalidate(&Selector::Scope("a.py:Class".into())).await, Ok(2));
    assert_eq!(cache.get(&key(0)).await, Ok(None));
    assert_eq!(cache.get(&key(1)).await, Ok(None));
    assert!(cache.get(&key(2)).await.unwrap().is_some(), "ClassB is not inside Class");
    assert!(cache.get(&key(4)).await.unwrap().is_some(), "another file's Class stays");

    cache.set(&key(0), &answer("a.py:f", "x"), HOUR).await.unwrap();
    assert_eq!(cache.invalidate(&Selector::Scope("a.py:".into())).await, Ok(2));
    assert_eq!(cache.get(&key(2)).await, Ok(None));
    assert!(cache.get(&key(5)).await.unwrap().is_some(), "a.py.bak is another file");

    assert_eq!(cache.invalidate(&Selector::All).await, Ok(2));
    assert_eq!(cache.stats().await, Ok(BackendStats::default()));
    assert_eq!(server.integer(&["DBSIZE"]), 0, "no index is left behind");
}

#[tokio::test]
async fn an_overwrite_into_another_scope_leaves_the_old_scope() {
    let server = RedisServer::start();
    let cache = cache(&server, "t").await;
    cache.set(&key(1), &answer("a.py:f", "x"), HOUR).await.unwrap();
    cache.set(&key(1), &answer("a.py:g", "y"), HOUR).await.unwrap();
    assert_eq!(cache.invalidate(&Selector::Scope("a.py:f".into())).await, Ok(0));
    assert_eq!(cache.get(&key(1)).await, Ok(Some(answer("a.py:g", "y"))));
    assert_eq!(cache.invalidate(&Selector::Scope("a.py:g".into())).await, Ok(1));
}

#[tokio::test]
async fn scopes_with_glob_characters_are_matched_literally() {
    let server = RedisServer::start();
    let cache = cache(&server, "t").await;
    cache.set(&key(1), &answer("a[1].py:f", "x"), HOUR).await.unwrap();
    cache.set(&key(2), &answer("a1.py:f", "x"), HOUR).await.unwrap();
    cache.set(&key(3), &answer("a*.py:f", "x"), HOUR).await.unwrap();
    assert_eq!(cache.invalidate(&Selector::Scope("a[1].py:".into())).await, Ok(1));
    assert_eq!(cache.invalidate(&Selector::Scope("a*.py:".into())).await, Ok(1));
    assert!(cache.get(&key(2)).await.unwrap().is_some());
}

#[tokio::test]
async fn stats_count_entries_and_their_bytes() {
    let server = RedisServer::start();
    let cache = cache(&server, "t").await;
    assert_eq!(cache.stats().await, Ok(BackendStats::default()));
    let answers = [answer("a.py:f", "one"), answer("a.py:g", "two"), answer("b.py:h", "three")];
    for (n, a) in answers.iter().enumerate() {
        cache.set(&key(n as u8), a, HOUR).await.unwrap();
    }
    let bytes: usize = answers.iter().map(|a| serde_json::to_vec(a).unwrap().len()).sum();
    assert_eq!(cache.stats().await, Ok(BackendStats { entries: 3, bytes: bytes as u64 }));
}

#[tokio::test]
async fn non_ascii_and_large_values_round_trip() {
    let server = RedisServer::start();
    let cache = cache(&server, "t").await;
    let unicode = answer("pkg/módulo.py:Größe.ñ", "Ünïcödé — 数据 🚀 \"quoted\" \\ \n\t\u{0}");
    cache.set(&key(1), &unicode, HOUR).await.unwrap();
    assert_eq!(cache.get(&key(1)).await, Ok(Some(unicode)));
    let large = answer("big.py:f", &"docstring line\n".repeat(200_000));
    cache.set(&key(2), &large, HOUR).await.unwrap();
    assert_eq!(cache.get(&key(2)).await, Ok(Some(large)));
    assert_eq!(cache.invalidate(&Selector::Scope("pkg/módulo.py:Größe".into())).await, Ok(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_use_from_many_tasks() {
    let server = RedisServer::start();
    let cache: Arc<dyn ResponseCache> = Arc::new(cache(&server, "t").await);
    let tasks: Vec<_> = (0..64u8)
        .map(|n| {
            let cache = cache.clone();
            tokio::spawn(async move {
                let a = answer(&format!("m{}.py:f{n}", n % 4), &format!("answer {n}"));
                cache.set(&key(n), &a, HOUR).await.unwrap();
                assert_eq!(cache.get(&key(n)).await, Ok(Some(a)));
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(cache.stats().await.unwrap().entries, 64);
    assert_eq!(cache.invalidate(&Selector::Scope("m0.py:".into())).await, Ok(16));
    assert_eq!(cache.stats().await.unwrap().entries, 48);
}

#[tokio::test]
async fn a_damaged_entry_is_reported_as_such() {
    let server = RedisServer::start();
    let cache = cache(&server, "t").await;
    server.command(&["SET", &cache.answer_key(&key(1)), "{not json", "EX", "60"]);
    assert!(matches!(cache.get(&key(1)).await, Err(CacheError::Corrupt { backend: "redis", .. })));
}

#[tokio::test]
async fn namespaces_do_not_see_each_other() {
    let server = RedisServer::start();
    let ours = cache(&server, "ours").await;
    let theirs = cache(&server, "theirs").await;
    ours.set(&key(1), &answer("a.py:f", "ours"), HOUR).await.unwrap();
    theirs.set(&key(1), &answer("a.py:f", "theirs"), HOUR).await.unwrap();
    theirs.set(&key(2), &answer("a.py:g", "theirs"), HOUR).await.unwrap();
    assert_eq!(ours.get(&key(1)).await, Ok(Some(answer("a.py:f", "ours"))));
    assert_eq!(ours.get(&key(2)).await, Ok(None));
    assert_eq!(ours.stats().await.unwrap().entries, 1);
    assert_eq!(ours.invalidate(&Selector::Scope("a.py:".into())).await, Ok(1));
    assert_eq!(theirs.stats().await.unwrap().entries, 2);
    ours.set(&key(1), &answer("a.py:f", "ours"), HOUR).await.unwrap();
    assert_eq!(ours.invalidate(&Selector::All).await, Ok(1));
    assert_eq!(theirs.get(&key(1)).await, Ok(Some(answer("a.py:f", "theirs"))));
    assert_eq!(theirs.stats().await.unwrap().entries, 2);
}

#[tokio::test]
async fn bad_namespaces_and_urls_are_refused() {
    for namespace in ["", "a:b", "a*"] {
        let result = RedisCache::connect_with_password("redis://127.0.0.1:1/0", namespace, None).await;
        assert!(is_unavailable(&result), "{namespace:?}");
    }
    let Err(error) = RedisCache::connect_with_password("http://:s3cret@host/", "t", None).await else {
        panic!("an http URL is not a Redis URL");
    };
    let message = error.to_string();
    assert!(message.contains("not a Redis URL") && !message.contains("s3cret"), "{message}");
}

#[tokio::test]
async fn an_unreachable_server_fails_fast() {
    // A port nothing listens on: find one, then leave it closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let started = Instant::now();
    let result = RedisCache::connect_with_password(&format!("redis://:pw@127.0.0.1:{port}"), "t", None).await;
    assert!(started.elapsed() <= OPERATION_TIMEOUT + Duration::from_millis(500), "{:?}", started.elapsed());
    let Err(error) = result else { panic!("nothing listens on {port}") };
    let message = error.to_string();
    assert!(message.starts_with("redis: cannot connect to redis://:***@127.0.0.1"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_dies_gives_unavailable_quickly_and_is_reconnected_to() {
    let mut server = RedisServer::start();
    let cache = cache(&server, "t").await;
    cache.set(&key(1), &answer("a.py:f", "before"), HOUR).await.unwrap();
    server.stop();
    for _ in 0..3 {
        let started = Instant::now();
        let got = cache.get(&key(1)).await;
        assert!(is_unavailable(&got), "{got:?}");
        let set = cache.set(&key(2), &answer("a.py:g", "while down"), HOUR).await;
        assert!(is_unavailable(&set), "{set:?}");
        assert!(is_unavailable(&cache.stats().await));
        assert!(started.elapsed() < 3 * OPERATION_TIMEOUT + Duration::from_millis(500), "{:?}", started.elapsed());
    }
    let Err(error) = cache.get(&key(1)).await else { panic!("the server is down") };
    assert!(error.to_string().contains(&format!("127.0.0.1:{}", server.port())), "{error}");

    // A new, empty server on the same port: the same cache works again.
    server.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match cache.set(&key(3), &answer("a.py:h", "after"), HOUR).await {
            Ok(()) => break,
            Err(error) if Instant::now() > deadline => panic!("never reconnected: {error}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    assert_eq!(cache.get(&key(3)).await, Ok(Some(answer("a.py:h", "after"))));
    assert_eq!(cache.get(&key(1)).await, Ok(None), "nothing was persisted");
}

#[tokio::test]
async fn a_password_in_the_url_or_given_is_used_and_never_shown() {
    let server = RedisServer::start_with_password("p4ss-w0rd");
    let port = server.port();

    let in_url = RedisCache::connect_with_password(&format!("redis://:p4ss-w0rd@127.0.0.1:{port}/0"), "t", None)
        .await
        .expect("the password in the URL");
    in_url.set(&key(1), &answer("a.py:f", "x"), HOUR).await.unwrap();
    let given = RedisCache::connect_with_password(&server.url(), "t", Some("p4ss-w0rd")).await.expect("given");
    assert!(given.get(&key(1)).await.unwrap().is_some());

    let none = RedisCache::connect_with_password(&server.url(), "t", None).await;
    let Err(error) = none else { panic!("no password") };
    assert!(error.to_string().contains("authentication failed"), "{error}");

    for url in
        [format!("redis://:wrong-secret@127.0.0.1:{port}/0"), format!("redis://default:wrong-secret@127.0.0.1:{port}")]
    {
        let Err(error) = RedisCache::connect_with_password(&url, "t", None).await else { panic!("a wrong password") };
        let message = error.to_string();
        assert!(message.contains("authentication failed") && message.contains("DOCWRIGHT_REDIS_PASSWORD"), "{message}");
        assert!(!message.contains("wrong-secret") && message.contains(":***@"), "{message}");
        assert!(!format!("{error:?}").contains("wrong-secret"));
    }
    let Err(error) = RedisCache::connect_with_password(&server.url(), "t", Some("wrong-secret")).await else {
        panic!("a wrong password")
    };
    assert!(error.to_string().contains("authentication failed") && !error.to_string().contains("wrong-secret"));
    assert!(!format!("{in_url:?}").contains("p4ss-w0rd"));
}

/// The password from the environment: run in a child process of this test
/// binary, so that setting the variables races no other test.
#[tokio::test]
async fn the_password_comes_from_the_environment() {
    let server = RedisServer::start_with_password("env-s3cret");
    let exe = std::env::current_exe().unwrap();
    let run = |vars: &[(&str, &str)]| {
        let mut command = Command::new(&exe);
        command
            .args(["--exact", "password_from_environment_child", "--ignored", "--nocapture", "--test-threads=1"])
            .env("DOCWRIGHT_TEST_REDIS_URL", server.url())
            .env_remove("DOCWRIGHT_REDIS_PASSWORD")
            .env_remove("REDIS_PASSWORD");
        for (name, value) in vars {
            command.env(name, value);
        }
        command.output().unwrap()
    };
    for vars in [&[("DOCWRIGHT_REDIS_PASSWORD", "env-s3cret")][..], &[("REDIS_PASSWORD", "env-s3cret")]] {
        let output = run(vars);
        assert!(output.status.success(), "{vars:?}: {}", String::from_utf8_lossy(&output.stdout));
    }
    let output = run(&[("DOCWRIGHT_REDIS_PASSWORD", "wrong-s3cret"), ("DOCWRIGHT_TEST_EXPECT", "failure")]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
}

#[tokio::test]
#[ignore = "run by the_password_comes_from_the_environment"]
async fn password_from_environment_child() {
    let url = std::env::var("DOCWRIGHT_TEST_REDIS_URL").expect("run by the_password_comes_from_the_environment");
    let result = RedisCache::connect(&url, "t").await;
    if std::env::var("DOCWRIGHT_TEST_EXPECT").as_deref() == Ok("failure") {
        let Err(error) = result else { panic!("a wrong password was accepted") };
        let message = error.to_string();
        assert!(message.contains("authentication failed") && !message.contains("wrong-s3cret"), "{message}");
    } else {
        let cache = result.expect("the password from the environment");
        cache.set(&key(1), &answer("a.py:f", "x"), HOUR).await.unwrap();
        assert!(cache.get(&key(1)).await.unwrap().is_some());
    }
}

/// The suite every backend passes, each case on a fresh server.
mod suite {
    use super::*;

    macro_rules! cases {
        ($($case:ident),* $(,)?) => {$(
            #[tokio::test]
            async fn $case() {
                let server = RedisServer::start();
                crate::cache_suite::$case(&cache(&server, "suite").await).await;
            }
        )*};
    }

    cases!(
        get_misses_then_hits,
        get_many_answers_in_order,
        set_overwrites,
        ttl_expires,
        invalidate_by_key,
        invalidate_by_file,
        invalidate_by_definition,
        invalidate_treats_wildcards_literally,
        invalidate_all,
        stats_count_entries_and_bytes,
        non_ascii_and_large_values_round_trip,
    );

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_sets_and_gets() {
        let server = RedisServer::start();
        crate::cache_suite::concurrent_sets_and_gets(Arc::new(cache(&server, "suite").await)).await;
    }
}
