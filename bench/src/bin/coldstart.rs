//! Cold-start benchmark. It starts each function binary against a local Lambda Runtime API, with
//! DynamoDB and S3 on a moto server (`MOTO_ENDPOINT`, default `http://127.0.0.1:5000`). It
//! reports initialization time, first and warm invocation latency, peak RSS and binary size,
//! each beside an empty `lambda_runtime` function measured in the same run.
//!
//! Build first with `cargo build --release -p bench --bins --workspace`, then run
//! `target/release/coldstart`. Functions with a GET route get their GET fixture for the seeded
//! customer, organization and field. The POST-only functions (`avatar`, `notes`, `track`) write
//! to a second seeded customer that no read fixture names, so their writes leave the read
//! functions' work unchanged. Every response is checked for its status and for a value from the
//! seeded records, and the benchmark fails when any response is wrong.
//!
//! The long run of a write function replaces its customer every `--rotate-every` invocations:
//! the bench creates a new customer for the events to name and deletes the previous one with
//! everything the writes added. moto 5.2 copies the table for each transaction step and keeps
//! every copy, so writes slow down and moto's memory grows with the table. Without the rotation,
//! a run of avatar uploads had slowed to 1.5 a second after 1,600 of them. With it, moto's
//! speed stays the same through the run, while the function process lives on.
//!
//! Cold starts are interleaved: each round starts the baseline and then every function once, so
//! noise from other processes on the machine affects the baseline and the functions alike.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bench::runtime_api::RuntimeApi;
use bench::{ms, peak_rss_bytes, percentile};
use bytes::Bytes;
use clap::Parser;
use serde_json::{json, Value};
use shared::auth::dynamo::DynamoKeys;
use shared::auth::{KeyStore, NewKey};
use shared::model::{CustomerChange, FieldScope, OrganizationChange, TeamId};
use shared::store::dynamo::DynamoStore;
use shared::store::s3::S3Avatars;
use shared::store::{AvatarStore, Store};
use shared::App;
use shared::testing::{moto_app, moto_endpoint, team, EVENT_CUSTOMER_ID, EVENT_TEAM};

/// Measures the cold start and warm latency of each function binary.
#[derive(Debug, Parser)]
struct Args {
    /// Folder of the release binaries.
    #[arg(long, default_value = "target/release")]
    bin_dir: PathBuf,

    /// Folder of the API Gateway event fixtures.
    #[arg(long, default_value = "events")]
    events_dir: PathBuf,

    /// Invocations of the long run of each function, for warm latency and peak RSS.
    #[arg(long, default_value_t = 10_000)]
    invocations: usize,

    /// Cold starts of each function; init and first-invocation times are their medians.
    #[arg(long, default_value_t = 15)]
    starts: usize,

    /// Certificate folder that the functions' TLS set-up reads (`SSL_CERT_DIR`). The default, an
    /// empty folder, leaves the system bundle (`SSL_CERT_FILE`) as the only source, which is
    /// the layout Lambda's provided.al2023 image has. Debian's `/etc/ssl/certs` instead contains
    /// one file per certificate, and reading them all dominates start-up.
    #[arg(long)]
    cert_dir: Option<PathBuf>,

    /// System certificate bundle (`SSL_CERT_FILE`).
    #[arg(long, default_value = "/etc/ssl/certs/ca-certificates.crt")]
    cert_file: PathBuf,

    /// Functions to measure, comma-separated; all of them when empty.
    #[arg(long, value_delimiter = ',')]
    functions: Vec<String>,

    /// Folder of `cargo lambda build --release --arm64` output, for binary sizes.
    #[arg(long, default_value = "target/lambda")]
    lambda_dir: PathBuf,

    /// Folder for each function's log of its long run (`<function>.log`). Without it, the logs
    /// are discarded.
    #[arg(long)]
    log_dir: Option<PathBuf>,

    /// Invocations of a write function between two replacements of the customer it writes to.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    rotate_every: u64,
}

const ORGANIZATION_FIXTURE_ID: &str = "0190a1b2c3d4e5f60718293a4b5c6d70";

/// A function to measure, with its event and what a correct response contains.
struct Case {
    name: String,
    event: Bytes,
    /// Expected status: the HTTP status code, `authorized` for the authorizer, or `echo` for the
    /// baseline, which returns its event.
    status: &'static str,
    /// Text that the response body must contain, such as a seeded record's id.
    contains: String,
    /// Whether the event names the customer of [`WriteTarget`].
    writes: bool,
}

impl Case {
    fn new(name: &str, event: Bytes, status: &'static str, contains: &str) -> Self {
        Self { name: name.to_string(), event, status, contains: contains.to_string(), writes: false }
    }

    fn writing(name: &str, event: Bytes, contains: &str) -> Self {
        Self { writes: true, ..Self::new(name, event, "200", contains) }
    }
}

/// The customer that the write functions' events name, replaced during long runs.
struct WriteTarget {
    app: App<DynamoStore, S3Avatars>,
    team: TeamId,
    /// The customer that the cases' events name.
    seeded: String,
    /// The customer that the events of the current run name.
    id: String,
    created: usize,
}

impl WriteTarget {
    /// Creates the next customer and returns `event` with the seeded customer's id replaced by
    /// the new one's, then deletes the previous customer with its interactions, notes and avatar.
    async fn rotate(&mut self, event: &Bytes) -> Result<Bytes, Box<dyn std::error::Error>> {
        self.created += 1;
        let next = create_written(&self.app, &self.team, self.created).await?;
        let text = String::from_utf8_lossy(event).replace(&self.seeded, &next);

        let previous = self.app.store.delete_customer(&self.team, &self.id).await?;
        if let Some(key) = previous.avatar_key {
            self.app.avatars.delete(&key).await?;
        }
        self.id = next;
        Ok(Bytes::from(text))
    }
}

fn invalid_seed(errors: shared::model::FieldErrors) -> String {
    format!("invalid seed record: {errors:?}")
}

/// Stores the customer that write events name, with an email numbered by `n`.
async fn create_written(app: &App<DynamoStore, S3Avatars>, team: &TeamId, n: usize) -> Result<String, Box<dyn std::error::Error>> {
    let body = json!({"email": format!("writes-{n}@example.com"), "first": "Wanda", "last": "Writes"});
    let change = CustomerChange::from_body(body.as_object().unwrap(), &[]).map_err(invalid_seed)?;
    let new = change.into_new(&[]).map_err(invalid_seed)?;
    Ok(app.store.create_customer(team, new, None).await?.id)
}

/// Figures of one function.
struct Figures {
    init: Duration,
    first: Duration,
    warm_p50: Duration,
    warm_p99: Duration,
    peak_rss: u64,
    statuses: BTreeMap<String, usize>,
    /// Responses whose status or body was not the expected one.
    wrong: usize,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let (mut env, cases, mut target) = seed(&args.events_dir).await?;
    let empty_dir = std::env::temp_dir().join("coldstart-empty-cert-dir");
    std::fs::create_dir_all(&empty_dir)?;
    let cert_dir = args.cert_dir.clone().unwrap_or(empty_dir);
    env.push(("SSL_CERT_DIR".to_string(), cert_dir.display().to_string()));
    env.push(("SSL_CERT_FILE".to_string(), args.cert_file.display().to_string()));

    let unknown: Vec<&String> = args.functions.iter().filter(|name| !cases.iter().any(|case| &case.name == *name)).collect();
    if !unknown.is_empty() {
        return Err(format!("unknown functions {unknown:?}").into());
    }
    let baseline = Case::new("empty-function", Bytes::from_static(b"{\"ping\":1}"), "echo", "\"ping\"");
    let mut chosen = vec![baseline];
    chosen.extend(cases.into_iter().filter(|case| args.functions.is_empty() || args.functions.contains(&case.name)));

    let colds = cold_starts(&args, &chosen, &env).await?;
    let mut wrong = Vec::new();
    let mut baseline_figures = None;
    for (case, (inits, firsts, cold_wrong)) in chosen.iter().zip(colds) {
        let rotation = case.writes.then_some((&mut target, args.rotate_every));
        let log = args.log_dir.as_ref().map(|dir| dir.join(format!("{}.log", case.name)));
        let mut figures = measure(&args.bin_dir.join(&case.name), &env, case, args.invocations, rotation, log.as_deref()).await?;
        figures.init = percentile(&inits, 0.5);
        figures.first = percentile(&firsts, 0.5);
        figures.wrong += cold_wrong;
        report(&case.name, &figures, baseline_figures.as_ref(), size_of(&args, &case.name));
        if figures.wrong > 0 {
            wrong.push(format!("{}: {} wrong responses", case.name, figures.wrong));
        }
        if baseline_figures.is_none() {
            baseline_figures = Some(figures);
        }
    }
    if !wrong.is_empty() {
        return Err(format!("unexpected responses: {}", wrong.join("; ")).into());
    }
    Ok(())
}

/// Cold-starts every case `args.starts` times, in rounds that start each case once, and returns
/// each case's sorted init times, sorted first-invocation times and count of wrong responses.
async fn cold_starts(
    args: &Args,
    cases: &[Case],
    env: &[(String, String)],
) -> Result<Vec<(Vec<Duration>, Vec<Duration>, usize)>, Box<dyn std::error::Error>> {
    let mut results: Vec<(Vec<Duration>, Vec<Duration>, usize)> = cases.iter().map(|_| Default::default()).collect();
    for _ in 0..args.starts {
        for (case, result) in cases.iter().zip(results.iter_mut()) {
            let cold = measure(&args.bin_dir.join(&case.name), env, case, 1, None, None).await?;
            result.0.push(cold.init);
            result.1.push(cold.first);
            result.2 += cold.wrong;
        }
    }
    for (inits, firsts, _) in &mut results {
        inits.sort();
        firsts.sort();
    }
    Ok(results)
}

/// Creates a table, a bucket and the records the fixtures name, and returns the functions'
/// environment, each function's case and the customer that write events name.
async fn seed(events_dir: &Path) -> Result<(Vec<(String, String)>, Vec<Case>, WriteTarget), Box<dyn std::error::Error>> {
    let app = moto_app().await;
    let team = team(EVENT_TEAM);
    let organization = OrganizationChange::from_body(json!({"name": "Company Co Inc"}).as_object().unwrap(), &[]).map_err(invalid_seed)?;
    let organization = app.store.create_organization(&team, organization.into_new(&[]).map_err(invalid_seed)?, None).await?;
    let body = json!({"email": "jdoe@example.com", "first": "John", "last": "Doe", "organizationId": organization.id, "tags": ["vip"]});
    let change = CustomerChange::from_body(body.as_object().unwrap(), &[]).map_err(invalid_seed)?;
    let customer = app.store.create_customer(&team, change.into_new(&[]).map_err(invalid_seed)?, None).await?;
    let written = create_written(&app, &team, 0).await?;
    let definition = json!({"key": "attr-source", "name": "Source", "type": "text"});
    let field = shared::model::FieldDefinition::from_body(definition.as_object().unwrap()).map_err(invalid_seed)?;
    app.store.put_field(&team, FieldScope::Customer, &field).await?;
    let keys = DynamoKeys::new(app.store.clone());
    keys.create_team(&team, "Events").await?;
    let key = NewKey::generate(&team)?;
    keys.add_key(&key.record).await?;

    let read = |name: &str| std::fs::read_to_string(events_dir.join(name));
    let with_ids = |text: String, customer_id: &str| {
        Bytes::from(text.replace(EVENT_CUSTOMER_ID, customer_id).replace(ORGANIZATION_FIXTURE_ID, &organization.id))
    };
    let mut authorizer: Value = serde_json::from_str(&read("authorizer-request.json")?)?;
    authorizer["headers"]["authorization"] = json!(format!("Bearer {}", key.secret));
    let read_ids = |name: &str| read(name).map(|text| with_ids(text, &customer.id));
    let write_ids = |name: &str| read(name).map(|text| with_ids(text, &written));
    let cases = vec![
        Case::new("root", read_ids("root.json")?, "200", "Meiosis customer API"),
        Case::new("customers", read_ids("customers-list.json")?, "200", &customer.id),
        Case::new("customer", read_ids("customer-get.json")?, "200", "Company Co Inc"),
        Case::new("fields", read_ids("fields-list.json")?, "200", "attr-source"),
        Case::writing("avatar", write_ids("avatar-upload.json")?, "File Uploaded"),
        Case::new("latest", read_ids("latest.json")?, "200", &customer.id),
        // The writes of `avatar` and `track` soon fill the feed, so either customer may be listed.
        Case::new("activity", read_ids("activity.json")?, "200", "@example.com"),
        Case::writing("notes", write_ids("notes-add.json")?, "Note added"),
        Case::writing("track", write_ids("track.json")?, "Interaction recorded"),
        Case::new("organizations", read_ids("organizations-list.json")?, "200", &organization.id),
        Case::new("organization", read_ids("organization-get.json")?, "200", &customer.id),
        Case::new("authorizer", Bytes::from(authorizer.to_string()), "authorized", EVENT_TEAM),
    ];

    let env = vec![
        ("AWS_ENDPOINT_URL".to_string(), moto_endpoint()),
        ("AWS_REGION".to_string(), "us-east-1".to_string()),
        ("AWS_ACCESS_KEY_ID".to_string(), "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY".to_string(), "testing".to_string()),
        ("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string()),
        ("TABLE_NAME".to_string(), app.store.table().to_string()),
        ("AVATAR_BUCKET".to_string(), app.avatars.bucket().to_string()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".to_string(), "128".to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION".to_string(), "$LATEST".to_string()),
        ("AWS_LAMBDA_LOG_FORMAT".to_string(), "JSON".to_string()),
        ("AWS_LAMBDA_LOG_LEVEL".to_string(), "INFO".to_string()),
    ];
    let target = WriteTarget { app, team, seeded: written.clone(), id: written, created: 0 };
    Ok((env, cases, target))
}

/// Starts `binary`, waits for its first poll, then invokes it `invocations` times with the
/// case's event and checks each response. With a `rotation` of `(target, every)`, the event
/// names a new customer before the first invocation and again every `every` invocations, between
/// invocations and outside their timings.
async fn measure(
    binary: &Path,
    env: &[(String, String)],
    case: &Case,
    invocations: usize,
    mut rotation: Option<(&mut WriteTarget, u64)>,
    log: Option<&Path>,
) -> Result<Figures, Box<dyn std::error::Error>> {
    let mut api = RuntimeApi::start().await?;
    let name = binary.file_name().and_then(|n| n.to_str()).unwrap_or("function").to_string();
    let mut command = Command::new(binary);
    command.env_clear().envs(env.iter().cloned());
    command.env("AWS_LAMBDA_RUNTIME_API", api.addr.to_string()).env("AWS_LAMBDA_FUNCTION_NAME", &name);
    match log {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            command.stdout(file.try_clone()?).stderr(file);
        }
        None => {
            command.stdout(Stdio::null()).stderr(Stdio::null());
        }
    }

    let started = Instant::now();
    let mut child = command.spawn().map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let first_poll = loop {
        if let Some(at) = api.first_poll() {
            break at;
        }
        if let Some(error) = api.init_error() {
            return Err(format!("{name} failed to initialize: {}", String::from_utf8_lossy(&error)).into());
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("{name} did not poll for work within 30 s").into());
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    };

    let mut latencies = Vec::with_capacity(invocations);
    let mut statuses = BTreeMap::new();
    let mut wrong = 0;
    let mut event = case.event.clone();
    for done in 0..invocations as u64 {
        if let Some((target, every)) = rotation.as_mut() {
            if done % *every == 0 {
                event = target.rotate(&case.event).await?;
            }
        }
        let (sent, answer) = api.invoke(event.clone()).await.ok_or_else(|| format!("{name} stopped answering"))?;
        latencies.push(answer.at - sent);
        let (status, body) = status_and_body(&answer.body, answer.is_error);
        if status != case.status || !body.contains(&case.contains) {
            wrong += 1;
        }
        *statuses.entry(status).or_insert(0) += 1;
    }
    let peak_rss = peak_rss_bytes(child.id()).unwrap_or(0);
    child.kill()?;
    child.wait()?;

    let first = latencies[0];
    let mut warm = latencies.get(1..).unwrap_or_default().to_vec();
    warm.sort();
    Ok(Figures {
        init: first_poll - started,
        first,
        warm_p50: percentile(&warm, 0.5),
        warm_p99: percentile(&warm, 0.99),
        peak_rss,
        statuses,
        wrong,
    })
}

/// Returns the status of a function's response and the text to search for expected values.
/// The status is the HTTP status of an API Gateway response, `authorized` or `denied` for the
/// authorizer, `echo` for the baseline (which returns its event), or `error` for an invocation
/// error. The text is the HTTP response body, or the whole response for the others.
fn status_and_body(response: &[u8], is_error: bool) -> (String, String) {
    let text = String::from_utf8_lossy(response).into_owned();
    if is_error {
        return ("error".into(), text);
    }
    let value: Value = serde_json::from_slice(response).unwrap_or(Value::Null);
    if let Some(status) = value["statusCode"].as_u64() {
        let body = value["body"].as_str().unwrap_or_default().to_string();
        return (status.to_string(), body);
    }
    let status = match value["isAuthorized"].as_bool() {
        Some(true) => "authorized",
        Some(false) => "denied",
        None if value["ping"] == 1 => "echo",
        None => "other",
    };
    (status.into(), text)
}

fn size_of(args: &Args, name: &str) -> (Option<u64>, Option<u64>) {
    let native = std::fs::metadata(args.bin_dir.join(name)).ok().map(|m| m.len());
    let arm64 = std::fs::metadata(args.lambda_dir.join(name).join("bootstrap")).ok().map(|m| m.len());
    (native, arm64)
}

fn report(name: &str, figures: &Figures, baseline: Option<&Figures>, (native, arm64): (Option<u64>, Option<u64>)) {
    let mb = |bytes: u64| format!("{:.2}", bytes as f64 / 1_048_576.0);
    let statuses: Vec<String> = figures.statuses.iter().map(|(status, count)| format!("{status}x{count}")).collect();
    let mut line = format!(
        "function={name} init_ms={} first_ms={} warm_p50_ms={} warm_p99_ms={} first_over_warm={:.2} peak_rss_mb={} size_mb={} arm64_size_mb={} statuses={} wrong={}",
        ms(figures.init),
        ms(figures.first),
        ms(figures.warm_p50),
        ms(figures.warm_p99),
        figures.first.as_secs_f64() / figures.warm_p50.as_secs_f64().max(1e-9),
        mb(figures.peak_rss),
        native.map_or("-".into(), mb),
        arm64.map_or("-".into(), mb),
        statuses.join(","),
        figures.wrong,
    );
    if let Some(base) = baseline {
        let ratio = |ours: f64, theirs: f64| format!("{:.2}", ours / theirs.max(1e-9));
        line.push_str(&format!(
            " init_ratio={} first_ratio={} warm_p50_ratio={} rss_ratio={}",
            ratio(figures.init.as_secs_f64(), base.init.as_secs_f64()),
            ratio(figures.first.as_secs_f64(), base.first.as_secs_f64()),
            ratio(figures.warm_p50.as_secs_f64(), base.warm_p50.as_secs_f64()),
            ratio(figures.peak_rss as f64, base.peak_rss as f64),
        ));
    }
    println!("{line}");
}
