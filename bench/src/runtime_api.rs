//! A local Lambda Runtime API, the `2018-06-01` interface that `lambda_runtime` polls. It records
//! when the function first requests work, queues one event at a time, and times the function's
//! response to each.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::{mpsc, oneshot};

/// The function's response to one event.
#[derive(Debug)]
pub struct FunctionResponse {
    pub at: Instant,
    pub body: Bytes,
    pub is_error: bool,
}

struct State {
    first_poll: Mutex<Option<Instant>>,
    events: tokio::sync::Mutex<mpsc::Receiver<(String, Bytes)>>,
    waiting: Mutex<Option<oneshot::Sender<FunctionResponse>>>,
    init_error: Mutex<Option<Bytes>>,
}

/// A running Runtime API on a loopback port.
pub struct RuntimeApi {
    pub addr: SocketAddr,
    state: Arc<State>,
    events: mpsc::Sender<(String, Bytes)>,
    next_id: u64,
}

impl RuntimeApi {
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (events, receiver) = mpsc::channel(1);
        let state = Arc::new(State {
            first_poll: Mutex::new(None),
            events: tokio::sync::Mutex::new(receiver),
            waiting: Mutex::new(None),
            init_error: Mutex::new(None),
        });
        let served = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = served.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| handle(state.clone(), request));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        Ok(Self { addr, state, events, next_id: 0 })
    }

    /// When the function first asked for an event: the end of its initialization.
    pub fn first_poll(&self) -> Option<Instant> {
        *self.state.first_poll.lock().unwrap()
    }

    /// The body the function reported as an initialization error, if any.
    pub fn init_error(&self) -> Option<Bytes> {
        self.state.init_error.lock().unwrap().clone()
    }

    /// Hands `event` to the function and waits for its response. Returns when the event was
    /// handed over (queued for the waiting poll) and the response.
    pub async fn invoke(&mut self, event: Bytes) -> Option<(Instant, FunctionResponse)> {
        self.next_id += 1;
        let (sender, receiver) = oneshot::channel();
        *self.state.waiting.lock().unwrap() = Some(sender);
        let sent = Instant::now();
        self.events.send((format!("bench-{}", self.next_id), event)).await.ok()?;
        let answer = receiver.await.ok()?;
        Some((sent, answer))
    }
}

async fn handle(state: Arc<State>, request: hyper::Request<hyper::body::Incoming>) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_string();
    if path.ends_with("/runtime/invocation/next") {
        state.first_poll.lock().unwrap().get_or_insert_with(Instant::now);
        let next = state.events.lock().await.recv().await;
        let Some((id, event)) = next else { return Ok(reply(410, Bytes::new())) };
        let mut response = reply(200, event);
        let headers = response.headers_mut();
        headers.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
        headers.insert("lambda-runtime-deadline-ms", (now_ms() + 900_000).to_string().parse().unwrap());
        headers.insert(
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:bench".parse().unwrap(),
        );
        headers.insert("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000".parse().unwrap());
        return Ok(response);
    }

    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let at = Instant::now();
    if path.ends_with("/init/error") {
        *state.init_error.lock().unwrap() = Some(body);
    } else if path.ends_with("/response") || path.ends_with("/error") {
        let answer = FunctionResponse { at, body, is_error: path.ends_with("/error") };
        if let Some(waiting) = state.waiting.lock().unwrap().take() {
            let _ = waiting.send(answer);
        }
    }
    Ok(reply(202, Bytes::new()))
}

fn reply(status: u16, body: Bytes) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(body));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
    response
}

fn now_ms() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)
}
