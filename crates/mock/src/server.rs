//! The HTTP server: hyper on a dedicated thread and tokio runtime, plus the in-process control API.

use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use crate::config::{AnswerContext, Answerer, MockConfig};
use crate::fault::ScriptedFault;
use crate::handler::{self, Delivery, Reply, Shared};
use crate::journal::Entry;

const MAX_BODY: usize = 64 * 1024 * 1024;

enum Chunk {
    Data(Bytes),
    Pause(Duration),
    Fail,
}

/// A response body that can pause and fail part-way, to reset a connection mid-body.
struct MockBody {
    chunks: VecDeque<Chunk>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    exact: Option<u64>,
}

impl MockBody {
    fn full(data: Vec<u8>) -> Self {
        let len = data.len() as u64;
        MockBody { chunks: VecDeque::from([Chunk::Data(data.into())]), sleep: None, exact: Some(len) }
    }
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        loop {
            if let Some(sleep) = this.sleep.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.sleep = None;
            }
            return match this.chunks.pop_front() {
                None => Poll::Ready(None),
                Some(Chunk::Data(b)) => Poll::Ready(Some(Ok(Frame::data(b)))),
                Some(Chunk::Fail) => Poll::Ready(Some(Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset")))),
                Some(Chunk::Pause(d)) => {
                    this.sleep = Some(Box::pin(tokio::time::sleep(d)));
                    continue;
                }
            };
        }
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        self.exact.map(SizeHint::with_exact).unwrap_or_default()
    }
}

type ServiceError = Box<dyn std::error::Error + Send + Sync>;

async fn serve(shared: Arc<Shared>, req: hyper::Request<Incoming>) -> Result<hyper::Response<MockBody>, ServiceError> {
    let (parts, body) = req.into_parts();
    let body = Limited::new(body, MAX_BODY).collect().await?.to_bytes();
    let request = handler::Request {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body: body.to_vec(),
    };
    let reply = handler::handle(&shared, request);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    match reply.delivery {
        Delivery::Hang => std::future::pending::<()>().await,
        // An error from the service makes hyper drop the connection without writing a response.
        Delivery::Close => return Err("closing the connection without a response".into()),
        Delivery::Normal | Delivery::ResetMidBody => {}
    }
    Ok(to_response(reply))
}

fn to_response(reply: Reply) -> hyper::Response<MockBody> {
    let Reply { status, headers, body, delivery, .. } = reply;
    let len = body.len();
    let body = if delivery == Delivery::ResetMidBody {
        let mut data = body;
        let tail = data.split_off(len / 2);
        drop(tail);
        MockBody {
            chunks: VecDeque::from([Chunk::Data(data.into()), Chunk::Pause(Duration::from_millis(50)), Chunk::Fail]),
            sleep: None,
            exact: Some(len as u64),
        }
    } else {
        MockBody::full(body)
    };
    let mut builder = hyper::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    // Announcing the full length makes the cut visible to clients as a short body.
    builder = builder.header("content-length", len.to_string());
    builder.body(body).unwrap_or_else(|_| {
        let mut r = hyper::Response::new(MockBody::full(b"{\"error\":\"bad response header\"}".to_vec()));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

/// A running mock server; stops when dropped.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Starts on `127.0.0.1` at an ephemeral port. Panics only if the loopback socket or runtime cannot be made.
    pub fn start(config: MockConfig) -> MockServer {
        match MockServer::bind(config, SocketAddr::from(([127, 0, 0, 1], 0))) {
            Ok(s) => s,
            Err(e) => panic!("cannot start the mock server: {e}"),
        }
    }

    /// Starts on a given address.
    pub fn bind(config: MockConfig, addr: SocketAddr) -> io::Result<MockServer> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("docwright-mock-worker")
            .enable_all()
            .build()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let state = shared.clone();
        let thread = std::thread::Builder::new().name("docwright-mock".into()).spawn(move || {
            runtime.block_on(accept_loop(listener, state, stopped));
            // Hung connections are abandoned rather than awaited.
            runtime.shutdown_timeout(Duration::from_millis(100));
        })?;
        Ok(MockServer { addr, shared, stop: Some(stop), thread: Some(thread) })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// When the server started: limiter windows are aligned to it.
    pub fn started_at(&self) -> Instant {
        self.shared.start
    }

    /// Queues a fault for the next matching request.
    pub fn push_fault(&self, fault: impl Into<ScriptedFault>) {
        self.shared.lock().faults.push_back(fault.into());
    }

    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Faults queued and not yet consumed.
    pub fn pending_faults(&self) -> usize {
        self.shared.lock().faults.len()
    }

    /// Every API request so far, in arrival order.
    pub fn journal(&self) -> Vec<Entry> {
        let mut entries = self.shared.lock().journal.clone();
        entries.sort_by_key(|e| e.seq);
        entries
    }

    pub fn clear_journal(&self) {
        self.shared.lock().journal.clear();
    }

    /// Changes the configuration in place (e.g. deployments, limits).
    pub fn update_config(&self, f: impl FnOnce(&mut MockConfig)) {
        f(&mut self.shared.lock().config);
    }

    /// A copy of the current configuration.
    pub fn config(&self) -> MockConfig {
        self.shared.lock().config.clone()
    }

    /// Replaces the accepted API keys with one key.
    pub fn set_api_key(&self, key: &str) {
        self.set_api_keys(&[key]);
    }

    pub fn set_api_keys(&self, keys: &[&str]) {
        self.update_config(|c| c.api_keys = keys.iter().map(|k| k.to_string()).collect());
    }

    /// Replaces the accepted bearer tokens (and forgets which were expired).
    pub fn set_tokens(&self, tokens: &[&str]) {
        self.update_config(|c| {
            c.tokens = tokens.iter().map(|t| t.to_string()).collect();
            c.expired_tokens.clear();
        });
    }

    /// Makes the next request with this token get the APIM 401.
    pub fn expire_token(&self, token: &str) {
        self.update_config(|c| c.expired_tokens.push(token.to_string()));
    }

    /// Makes requests with this token get 401 PermissionDenied.
    pub fn deny_token_role(&self, token: &str) {
        self.update_config(|c| c.no_role_tokens.push(token.to_string()));
    }

    pub fn set_latency(&self, latency: Duration) {
        self.update_config(|c| c.latency = latency);
    }

    pub fn set_answerer(&self, f: impl Fn(&AnswerContext) -> Option<serde_json::Value> + Send + Sync + 'static) {
        let f: Answerer = Arc::new(f);
        self.update_config(|c| c.answerer = Some(f));
    }

    /// Forgets the limiter's counts (the windows stay aligned to the start).
    pub fn reset_limiter(&self) {
        self.shared.lock().limiter.reset();
    }

    /// Stops the server and waits for its thread.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop_now();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stopped: oneshot::Receiver<()>) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("docwright-mock: cannot listen: {e}");
            return;
        }
    };
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        // Out of descriptors and the like: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| serve(shared.clone(), req));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        }
    }
}
