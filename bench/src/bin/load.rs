//! Load test of `local-api`. It starts the `local-api` binary on a free loopback port, on the
//! embedded store in memory or, with `--moto-endpoint`, on DynamoDB and S3 at that emulator. It
//! seeds `--customers` customers, then keeps `--connections` connections busy for `--seconds`
//! with a mix of reads and writes:
//!
//! | operation | share | request |
//! |---|---|---|
//! | get | 35 % | `GET /customers/{id}` of a seeded customer |
//! | list | 20 % | `GET /customers?per_page=25&page=N`, N from 1 to 4 |
//! | create | 15 % | `POST /customers` with a new email address |
//! | update | 15 % | `POST /customers/{id}` setting `first` of a seeded customer |
//! | track | 15 % | `POST /track` for a seeded customer |
//!
//! It prints one line per operation (`operation=... requests=... errors=... rps=... p50_ms=...
//! p99_ms=...`), then reads back every acknowledged create. It exits with status 1 when any
//! request failed (a transport error or a status other than 200) or any acknowledged create
//! cannot be read back.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bench::{ms, percentile};
use bytes::Bytes;
use clap::Parser;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

#[derive(Parser)]
#[command(about = "Loads a local-api that it starts on loopback, and checks that no acknowledged create is lost")]
struct Args {
    /// Length of the timed run, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent connections, each sending one request at a time.
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// Customers created before the timed run, as targets of reads, updates and tracks.
    #[arg(long, default_value_t = 100)]
    customers: usize,
    /// The `local-api` binary to start (default: the one next to this binary).
    #[arg(long)]
    local_api: Option<PathBuf>,
    /// Loopback URL of a moto server, such as `http://127.0.0.1:5000`. With it, `local-api`
    /// runs on DynamoDB and S3 there, in a new table and bucket. Without it, on the embedded
    /// store in memory.
    #[arg(long)]
    moto_endpoint: Option<String>,
}

/// Maximum time from the start of `local-api` to its first response.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Customers on one list page.
const PER_PAGE: usize = 25;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the load and returns whether every request succeeded and no write was lost.
async fn run(args: &Args) -> Result<bool, String> {
    if args.customers == 0 || args.connections == 0 {
        return Err("--customers and --connections must be at least 1".into());
    }
    let server = LocalApi::start(args).await?;
    let api = &server.api;
    let seeded = Arc::new(seed(api, args.customers, args.connections).await?);
    eprintln!("seeded {} customers", seeded.len());

    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let mut workers = Vec::new();
    for index in 0..args.connections {
        let worker = Worker::new(api.with_new_connection(), index, seeded.clone());
        workers.push(tokio::spawn(worker.run_until(deadline)));
    }
    let mut totals = Stats::default();
    for worker in workers {
        totals.merge(worker.await.map_err(|e| format!("a load connection panicked: {e}"))?);
    }
    let elapsed = started.elapsed();

    totals.print(elapsed);
    let lost = lost_creates(api, &totals.created, args.connections).await;
    let expected_total = (seeded.len() + totals.created.len()) as u64;
    let listed_total = list_total(api).await?;
    println!("acknowledged_creates={} lost_writes={lost} listed_total={listed_total} expected_total={expected_total}", totals.created.len());
    Ok(totals.errors() == 0 && lost == 0 && listed_total == expected_total)
}

/// A client of one `local-api` that sends the API key with every request.
#[derive(Clone)]
struct Api {
    base: String,
    key: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Api {
    fn new(addr: SocketAddr, key: String) -> Self {
        Self { base: format!("http://{addr}"), key, client: http_client() }
    }

    /// Returns a client of the same server with a connection pool of its own.
    fn with_new_connection(&self) -> Self {
        Self { client: http_client(), ..self.clone() }
    }

    /// Sends a request and returns the status and body, or why no response came.
    async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Bytes), String> {
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.key));
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Bytes::from(json.to_string())
            }
            None => Bytes::new(),
        };
        let request = request.body(Full::new(body)).map_err(|e| format!("invalid request {method} {path}: {e}"))?;
        let response = self.client.request(request).await.map_err(|e| format!("{method} {path} failed: {e}"))?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.map_err(|e| format!("{method} {path}: body failed: {e}"))?;
        Ok((status, body.to_bytes()))
    }

    /// Sends a request that must get a 200 with a JSON body, and returns the body.
    async fn expect_json(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let (status, bytes) = self.send(method, path, body).await?;
        if status != 200 {
            return Err(format!("{method} {path}: status {status}: {}", String::from_utf8_lossy(&bytes)));
        }
        serde_json::from_slice(&bytes).map_err(|e| format!("{method} {path}: body is not JSON: {e}"))
    }
}

/// Builds an HTTP/1 client that sends each request at once (`TCP_NODELAY`), as load tools do,
/// instead of letting Nagle's algorithm hold back a request written in two parts.
fn http_client() -> Client<HttpConnector, Full<Bytes>> {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new()).build(connector)
}

/// The `local-api` process under load. Dropping it stops the process.
struct LocalApi {
    process: Child,
    api: Api,
}

impl Drop for LocalApi {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl LocalApi {
    async fn start(args: &Args) -> Result<Self, String> {
        let binary = match &args.local_api {
            Some(path) => path.clone(),
            None => default_binary()?,
        };
        let addr = free_loopback_addr()?;
        let key = format!("load-{}", shared::model::new_id());

        let mut command = Command::new(&binary);
        command.args(["--addr", &addr.to_string(), "--api-key", &key]);
        command.env_clear().env("RUST_LOG", "warn").stdout(Stdio::null()).stderr(Stdio::inherit());
        match &args.moto_endpoint {
            Some(endpoint) => on_moto(&mut command, endpoint)?,
            None => {
                command.arg("--in-memory");
            }
        }
        let process = command.spawn().map_err(|e| format!("cannot start {}: {e}", binary.display()))?;

        let mut server = Self { process, api: Api::new(addr, key) };
        server.wait_until_ready().await?;
        Ok(server)
    }

    async fn wait_until_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if let Ok(Some(status)) = self.process.try_wait() {
                return Err(format!("local-api exited at start-up with {status}"));
            }
            if let Ok((200, _)) = self.api.send("GET", "/", None).await {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("local-api did not answer within {} s of its start", START_TIMEOUT.as_secs()))
    }
}

/// Returns the `local-api` binary built next to this one, in the same target folder.
fn default_binary() -> Result<PathBuf, String> {
    let own = std::env::current_exe().map_err(|e| format!("cannot find this binary's path: {e}"))?;
    let binary = own.with_file_name("local-api");
    if binary.exists() {
        Ok(binary)
    } else {
        Err(format!("{} is missing; build it with `cargo build -p local-api` in the same profile, or pass --local-api", binary.display()))
    }
}

fn free_loopback_addr() -> Result<SocketAddr, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot bind a loopback port: {e}"))?;
    listener.local_addr().map_err(|e| format!("cannot read the loopback port: {e}"))
}

/// Points `local-api` at the moto server at `endpoint` with a new table and bucket and fixed
/// test credentials. Fails unless `endpoint` is on loopback.
fn on_moto(command: &mut Command, endpoint: &str) -> Result<(), String> {
    let host = endpoint.strip_prefix("http://").and_then(|rest| rest.split([':', '/']).next()).unwrap_or_default();
    if !["127.0.0.1", "localhost"].contains(&host) {
        return Err(format!("--moto-endpoint must be an http URL on 127.0.0.1 or localhost, not {endpoint:?}"));
    }
    let suffix = shared::model::new_id();
    command
        .args(["--backend", "aws", "--create-resources"])
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("TABLE_NAME", format!("load-{suffix}"))
        .env("AVATAR_BUCKET", format!("load-{}", &suffix[16..]));
    Ok(())
}

/// Creates `count` customers, `connections` at a time, and returns their ids.
async fn seed(api: &Api, count: usize, connections: usize) -> Result<Vec<String>, String> {
    let creates = futures_util::stream::iter(0..count)
        .map(|index| {
            let body = json!({"email": format!("seed-{index}@example.test"), "first": "Seeded", "last": format!("Customer {index}")});
            async move { api.expect_json("POST", "/customers", Some(&body)).await }
        })
        .buffer_unordered(connections.max(1))
        .collect::<Vec<_>>()
        .await;
    creates.into_iter().map(|created| Ok(text(&created?["id"]))).collect()
}

/// Reads back every acknowledged create, `connections` at a time, and returns how many are
/// missing or carry another email address than the one sent.
async fn lost_creates(api: &Api, created: &[(String, String)], connections: usize) -> usize {
    let reads = futures_util::stream::iter(created)
        .map(|(id, email)| async move {
            let read = api.expect_json("GET", &format!("/customers/{id}"), None).await;
            match read {
                Ok(customer) if customer["email"] == *email => true,
                Ok(customer) => {
                    eprintln!("lost write: customer {id} has email {} instead of {email}", customer["email"]);
                    false
                }
                Err(error) => {
                    eprintln!("lost write: customer {id}: {error}");
                    false
                }
            }
        })
        .buffer_unordered(connections.max(1))
        .collect::<Vec<bool>>()
        .await;
    reads.into_iter().filter(|found| !found).count()
}

async fn list_total(api: &Api) -> Result<u64, String> {
    let page = api.expect_json("GET", "/customers?per_page=1", None).await?;
    page["meta"]["total"].as_u64().ok_or_else(|| format!("a page has no meta.total: {page}"))
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    Get,
    List,
    Create,
    Update,
    Track,
}

impl Operation {
    const ALL: [Operation; 5] = [Self::Get, Self::List, Self::Create, Self::Update, Self::Track];

    /// Share of each operation in the mix, in percent.
    fn weight(self) -> usize {
        match self {
            Self::Get => 35,
            Self::List => 20,
            Self::Create | Self::Update | Self::Track => 15,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::List => "list",
            Self::Create => "create",
            Self::Update => "update",
            Self::Track => "track",
        }
    }

    /// Picks the operation that `roll` (0 to 99) falls on.
    fn from_roll(mut roll: usize) -> Self {
        for operation in Self::ALL {
            if roll < operation.weight() {
                return operation;
            }
            roll -= operation.weight();
        }
        Self::Get
    }
}

/// Latencies and failures per operation, and the acknowledged creates.
#[derive(Default)]
struct Stats {
    latencies: [Vec<Duration>; 5],
    failures: [u64; 5],
    /// Id and email address of each acknowledged create.
    created: Vec<(String, String)>,
    /// The first failures, printed in the report.
    examples: Vec<String>,
}

/// Maximum number of failures printed with the report. The rest are only counted.
const PRINTED_FAILURES: usize = 5;

impl Stats {
    fn record(&mut self, operation: Operation, latency: Duration, result: Result<(), String>) {
        let at = operation as usize;
        self.latencies[at].push(latency);
        if let Err(error) = result {
            self.failures[at] += 1;
            if self.examples.len() < PRINTED_FAILURES {
                self.examples.push(error);
            }
        }
    }

    fn merge(&mut self, other: Stats) {
        for at in 0..Operation::ALL.len() {
            self.latencies[at].extend(&other.latencies[at]);
            self.failures[at] += other.failures[at];
        }
        self.created.extend(other.created);
        self.examples.extend(other.examples);
        self.examples.truncate(PRINTED_FAILURES);
    }

    fn errors(&self) -> u64 {
        self.failures.iter().sum()
    }

    fn print(&mut self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        for operation in Operation::ALL {
            let at = operation as usize;
            let latencies = &mut self.latencies[at];
            latencies.sort_unstable();
            println!(
                "operation={} requests={} errors={} rps={:.0} p50_ms={} p99_ms={}",
                operation.name(),
                latencies.len(),
                self.failures[at],
                latencies.len() as f64 / seconds,
                ms(percentile(latencies, 0.50)),
                ms(percentile(latencies, 0.99)),
            );
        }
        let requests: usize = self.latencies.iter().map(Vec::len).sum();
        println!("operation=all requests={requests} errors={} rps={:.0} seconds={seconds:.1}", self.errors(), requests as f64 / seconds);
        for example in &self.examples {
            eprintln!("failure: {example}");
        }
    }
}

/// One connection's loop of requests.
struct Worker {
    api: Api,
    index: usize,
    seeded: Arc<Vec<String>>,
    /// xorshift64 state: enough to vary the mix, and the same sequence on every run.
    random: u64,
    sequence: u64,
    stats: Stats,
}

impl Worker {
    fn new(api: Api, index: usize, seeded: Arc<Vec<String>>) -> Self {
        let random = 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(index as u64 + 1);
        Self { api, index, seeded, random, sequence: 0, stats: Stats::default() }
    }

    fn below(&mut self, bound: usize) -> usize {
        self.random ^= self.random << 13;
        self.random ^= self.random >> 7;
        self.random ^= self.random << 17;
        (self.random % bound.max(1) as u64) as usize
    }

    async fn run_until(mut self, deadline: Instant) -> Stats {
        while Instant::now() < deadline {
            self.sequence += 1;
            let operation = Operation::from_roll(self.below(100));
            let started = Instant::now();
            let result = self.send(operation).await;
            self.stats.record(operation, started.elapsed(), result);
        }
        self.stats
    }

    fn seeded_customer(&mut self) -> String {
        let at = self.below(self.seeded.len());
        self.seeded[at].clone()
    }

    async fn send(&mut self, operation: Operation) -> Result<(), String> {
        match operation {
            Operation::Get => {
                let id = self.seeded_customer();
                self.api.expect_json("GET", &format!("/customers/{id}"), None).await.map(drop)
            }
            Operation::List => {
                let page = 1 + self.below(self.seeded.len().div_ceil(PER_PAGE).clamp(1, 4));
                self.api.expect_json("GET", &format!("/customers?per_page={PER_PAGE}&page={page}"), None).await.map(drop)
            }
            Operation::Create => {
                let email = format!("load-{}-{}@example.test", self.index, self.sequence);
                let created = self.api.expect_json("POST", "/customers", Some(&json!({"email": email}))).await?;
                self.stats.created.push((text(&created["id"]), email));
                Ok(())
            }
            Operation::Update => {
                let id = self.seeded_customer();
                let body = json!({"first": format!("Load {}-{}", self.index, self.sequence)});
                self.api.expect_json("POST", &format!("/customers/{id}"), Some(&body)).await.map(drop)
            }
            Operation::Track => {
                let body = json!({"customer": self.seeded_customer(), "source": "load", "description": format!("load {}", self.sequence)});
                self.api.expect_json("POST", "/track", Some(&body)).await.map(drop)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_shares_cover_every_roll() {
        assert_eq!(Operation::ALL.iter().map(|operation| operation.weight()).sum::<usize>(), 100);
        assert_eq!(Operation::from_roll(0), Operation::Get);
        assert_eq!(Operation::from_roll(34), Operation::Get);
        assert_eq!(Operation::from_roll(35), Operation::List);
        assert_eq!(Operation::from_roll(55), Operation::Create);
        assert_eq!(Operation::from_roll(70), Operation::Update);
        assert_eq!(Operation::from_roll(99), Operation::Track);
    }

    #[test]
    fn moto_endpoint_must_be_loopback() {
        let mut command = Command::new("local-api");
        assert!(on_moto(&mut command, "http://127.0.0.1:5000").is_ok());
        assert!(on_moto(&mut command, "http://localhost:5000/").is_ok());
        assert!(on_moto(&mut command, "http://example.com:5000").is_err());
        assert!(on_moto(&mut command, "http://127.0.0.1.example.com:5000").is_err());
        assert!(on_moto(&mut command, "http://localhost@example.com:5000").is_err());
        assert!(on_moto(&mut command, "https://127.0.0.1:5000").is_err());
    }
}
