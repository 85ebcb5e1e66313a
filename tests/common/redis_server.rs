//! A real `redis-server` for tests: on a free loopback port, in its own
//! temporary directory, nothing persisted, stopped when dropped.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = "redis-server";

pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    password: Option<String>,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// A server on a free port.
    pub fn start() -> RedisServer {
        Self::start_with(None)
    }

    /// A server that requires `password` (`--requirepass`).
    pub fn start_with_password(password: &str) -> RedisServer {
        Self::start_with(Some(password))
    }

    fn start_with(password: Option<&str>) -> RedisServer {
        require_binary();
        // A port found free may be taken before the server binds it; try again.
        let mut last_error = String::new();
        for _ in 0..5 {
            match Self::spawn(free_port(), password.map(str::to_string)) {
                Ok(server) => return server,
                Err(error) => last_error = error,
            }
        }
        panic!("redis-server would not start: {last_error}");
    }

    /// A new server on the port of one stopped before (the same password).
    pub fn restart(&mut self) {
        self.stop();
        let started = Instant::now();
        // The old socket may linger a moment after a kill.
        loop {
            match Self::spawn(self.port, self.password.clone()) {
                Ok(mut server) => {
                    self.child = server.child.take();
                    return;
                }
                Err(error) if started.elapsed() > Duration::from_secs(10) => {
                    panic!("redis-server would not restart on port {}: {error}", self.port)
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    fn spawn(port: u16, password: Option<String>) -> Result<RedisServer, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
        let mut command = Command::new(BINARY);
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--protected-mode", "no", "--daemonize", "no", "--databases", "1"])
            .arg("--dir")
            .arg(dir.path())
            .arg("--logfile")
            .arg(dir.path().join("redis.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(password) = &password {
            command.args(["--requirepass", password]);
        }
        let mut child = command.spawn().map_err(|e| format!("cannot run {BINARY}: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("{BINARY} exited with {status}: {}", log_tail(dir.path())));
            }
            if answers_ping(port) {
                return Ok(RedisServer { child: Some(child), port, password, dir });
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{BINARY} did not answer on port {port}: {}", log_tail(dir.path())));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:{port}/0`, without a password.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Runs a command with `redis-cli`-like simplicity over a raw socket and
    /// returns the reply's first line (`+OK`, `:42`, `$5` …).
    pub fn command(&self, args: &[&str]) -> String {
        let mut stream = connect(self.port).expect("connect to redis-server");
        let mut request = String::new();
        if let Some(password) = &self.password {
            request.push_str(&encode(&["AUTH", password]));
        }
        request.push_str(&encode(args));
        stream.write_all(request.as_bytes()).expect("write to redis-server");
        let mut reply = Vec::new();
        let mut buffer = [0u8; 4096];
        let lines_wanted = if self.password.is_some() { 2 } else { 1 };
        while reply.iter().filter(|&&b| b == b'\n').count() < lines_wanted {
            let read = stream.read(&mut buffer).expect("read from redis-server");
            assert!(read > 0, "redis-server closed the connection");
            reply.extend_from_slice(&buffer[..read]);
        }
        let text = String::from_utf8_lossy(&reply).into_owned();
        text.lines().nth(lines_wanted - 1).unwrap_or_default().to_string()
    }

    /// An integer reply (`TTL`, `DBSIZE` …).
    pub fn integer(&self, args: &[&str]) -> i64 {
        let reply = self.command(args);
        reply.strip_prefix(':').and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{args:?} gave {reply:?}"))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Fails the test, saying what to install, when there is no redis-server.
fn require_binary() {
    let found = Command::new(BINARY).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !found.is_ok_and(|status| status.success()) {
        panic!(
            "these tests need a real Redis server and `{BINARY}` is not installed or not on PATH; \
             install it (Debian/Ubuntu: apt-get install redis-server; scripts/test does so when run as root)"
        );
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a loopback port");
    listener.local_addr().expect("the bound port").port()
}

fn connect(port: u16) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)), Duration::from_secs(1))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    Ok(stream)
}

/// Whether the server answers (`+PONG`, or `-NOAUTH` when it wants a password).
fn answers_ping(port: u16) -> bool {
    let Ok(mut stream) = connect(port) else { return false };
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buffer = [0u8; 64];
    match stream.read(&mut buffer) {
        Ok(read) => buffer[..read].starts_with(b"+PONG") || buffer[..read].starts_with(b"-NOAUTH"),
        Err(_) => false,
    }
}

fn encode(args: &[&str]) -> String {
    let mut out = format!("*{}\r\n", args.len());
    for arg in args {
        out.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    out
}

fn log_tail(dir: &Path) -> String {
    let log = std::fs::read_to_string(dir.join("redis.log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(5)..].join(" | ")
}
