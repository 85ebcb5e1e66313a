//! `docwright-mock`: runs the mock server until killed, printing its URL as the first stdout line.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use docwright_mock::{MockConfig, MockServer};

const USAGE: &str = "usage: docwright-mock [--host IP] [--port N] [--latency-ms N] [--rpm N] [--tpm N] \
[--rpm-window-ms N] [--tpm-window-ms N] [--key K]... [--token T]... [--region R]

  --host          address to bind (default 127.0.0.1)
  --port          port, 0 for any free one (default 0)
  --latency-ms    delay before every model answer (default 0)
  --rpm, --tpm    per-deployment limits; giving either turns enforcement on (429 when exceeded)
  --rpm-window-ms request window (default 10000: RPM/6 per window)
  --tpm-window-ms token window (default 60000)
  --key           accepted api-key (repeatable; replaces the default test-key)
  --token         accepted bearer token (repeatable; replaces the default test-token)
  --region        x-ms-region value";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("docwright-mock: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut config = MockConfig::default();
    let mut host: IpAddr = [127, 0, 0, 1].into();
    let mut port: u16 = 0;
    let (mut keys, mut tokens) = (Vec::new(), Vec::new());
    let (mut rpm, mut tpm) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            println!("{USAGE}");
            return Ok(());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || value.parse::<u64>().map_err(|_| format!("{flag}: not a number: {value}"));
        match flag.as_str() {
            "--host" => host = value.parse().map_err(|_| format!("--host: not an IP address: {value}"))?,
            "--port" => port = value.parse().map_err(|_| format!("--port: not a port: {value}"))?,
            "--latency-ms" => config.latency = Duration::from_millis(number()?),
            "--rpm" => rpm = Some(number()?),
            "--tpm" => tpm = Some(number()?),
            "--rpm-window-ms" => config.rpm_window = Duration::from_millis(number()?.max(1)),
            "--tpm-window-ms" => config.tpm_window = Duration::from_millis(number()?.max(1)),
            "--key" => keys.push(value),
            "--token" => tokens.push(value),
            "--region" => config.region = value,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if !keys.is_empty() {
        config.api_keys = keys;
    }
    if !tokens.is_empty() {
        config.tokens = tokens;
    }
    if rpm.is_some() || tpm.is_some() {
        for d in config.deployments.values_mut() {
            // An unset limit is unlimited once enforcement is on.
            d.rpm = rpm.unwrap_or(0);
            d.tpm = tpm.unwrap_or(0);
        }
        config.enforce_limits = true;
    }
    let server = MockServer::bind(config, SocketAddr::new(host, port)).map_err(|e| format!("cannot bind: {e}"))?;
    let mut out = std::io::stdout();
    writeln!(out, "{}", server.url()).and_then(|_| out.flush()).map_err(|e| e.to_string())?;
    loop {
        std::thread::park();
    }
}
