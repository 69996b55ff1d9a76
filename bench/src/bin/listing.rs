//! Read cost and latency of listing at scale. It seeds one team of `--customers` customers, with
//! organizations, custom attributes and tracked interactions in the proportions of
//! `shared::testing::population`, in a new table of the DynamoDB that the standard AWS
//! environment names (`AWS_ENDPOINT_URL` points it at an emulator). Then it sends every list,
//! filter, page-jump, cursor, latest, activity and single-customer request through the
//! functions' own handlers and prints one line per case:
//!
//! `case=... status=... calls=... items_read=... bytes_read=... rcu=... p50_ms=... p99_ms=...`
//!
//! Calls, items, bytes and read units come from a meter on the DynamoDB client, and they are the
//! same on every iteration. The latencies are those of the store behind the endpoint.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use clap::Parser;
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use lambda_http::{Body, Response};
use shared::app::{AwsSource, aws_config};
use shared::model::{Customer, FieldScope, Organization, OrganizationChange, TeamId, Timestamp, new_id};
use shared::store::Store;
use shared::store::dynamo::DynamoStore;
use shared::store::local_avatars::LocalAvatars;
use shared::testing::meter::{ReadMeter, Reads};
use shared::testing::population;
use shared::testing::{EVENT_TEAM, event, event_for_customer, read, request, request_with_query};
use shared::App;

#[derive(Parser)]
#[command(about = "Measures DynamoDB reads and latency of every list request on a seeded team")]
struct Args {
    /// Customers to seed.
    #[arg(long, default_value_t = 2_000)]
    customers: usize,
    /// Timed requests per case, after one warm-up request.
    #[arg(long, default_value_t = 20)]
    iterations: usize,
    /// Time limit of one DynamoDB call, in seconds. moto takes longer per Query as the table grows.
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
}

/// Customers written per import call, so the progress bar moves.
const SEED_CHUNK: usize = 1_000;

/// Import calls in flight while seeding.
const SEEDS_IN_FLIGHT: usize = 4;

/// No seeded customer has an avatar, so the avatar store is the local one and the benchmark
/// needs no S3.
type BenchApp = App<DynamoStore, LocalAvatars>;

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let meter = ReadMeter::default();
    let app = app(&meter, Duration::from_secs(args.timeout_secs)).await;
    let team = TeamId::parse(EVENT_TEAM).expect("the fixtures' team id is valid");

    let started = Instant::now();
    let customers = seed(&app, &team, args.customers).await;
    eprintln!("seeded {} customers in {:.0} s", customers.len(), started.elapsed().as_secs_f64());
    meter.take();

    for case in cases(&customers) {
        measure(&app, &meter, &case, args.iterations).await;
    }
}

/// Builds the app on a new table, with the meter on the DynamoDB client.
async fn app(meter: &ReadMeter, timeout: Duration) -> BenchApp {
    let config = aws_config(AwsSource::Lambda).await;
    let timeouts = TimeoutConfig::builder().operation_timeout(timeout).operation_attempt_timeout(timeout).build();
    let dynamo_config = aws_sdk_dynamodb::config::Builder::from(&config)
        .timeout_config(timeouts)
        .interceptor(meter.clone())
        .build();
    let dynamo = aws_sdk_dynamodb::Client::from_conf(dynamo_config);

    let table = format!("meiosis-bench-{}", new_id());
    shared::store::table::create_table(&dynamo, &table).await.expect("the bench table is created");
    wait_until_active(&dynamo, &table).await;
    App { store: DynamoStore::new(dynamo, table), avatars: LocalAvatars::in_memory("http://127.0.0.1:3000") }
}

/// DynamoDB creates a table in the background; writes fail until it is active.
async fn wait_until_active(dynamo: &aws_sdk_dynamodb::Client, table: &str) {
    loop {
        let described = dynamo.describe_table().table_name(table).send().await.expect("the bench table is described");
        let status = described.table().and_then(|table| table.table_status().cloned());
        if status == Some(aws_sdk_dynamodb::types::TableStatus::Active) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Seeds the team in bulk: its field definitions, one organization per 500 customers, then the
/// customers and their interactions. No write needs a transaction, so any DynamoDB emulator
/// with Query and BatchWriteItem can hold the team.
async fn seed(app: &BenchApp, team: &TeamId, count: usize) -> Vec<Customer> {
    let fields = population::fields();
    for definition in &fields {
        app.store.put_field(team, FieldScope::Customer, definition).await.expect("a field is stored");
    }
    let organizations: Vec<Organization> = (0..(count / 500).max(5))
        .map(|n| {
            let body = serde_json::json!({"name": format!("Organization {n}")});
            let change = OrganizationChange::from_body(body.as_object().expect("an object"), &[]).expect("a valid organization");
            change.into_new(&[]).expect("a new organization").into_organization(Timestamp::now())
        })
        .collect();
    app.store.import_organizations(team, &organizations).await.expect("organizations are imported");
    let organizations: Vec<String> = organizations.into_iter().map(|organization| organization.id).collect();

    let progress = ProgressBar::new(count as u64).with_style(
        ProgressStyle::with_template("seeding {bar:40} {pos}/{len} customers, {per_sec}, {eta} left")
            .expect("a valid template"),
    );
    let chunks = (0..count).step_by(SEED_CHUNK).map(|start| {
        let organizations = &organizations;
        let fields = &fields;
        let progress = &progress;
        async move {
            let end = (start + SEED_CHUNK).min(count);
            let chunk: Vec<Customer> = (start..end).map(|n| population::customer(n, organizations, fields)).collect();
            let tracked: Vec<_> =
                chunk.iter().enumerate().flat_map(|(at, c)| population::interactions(start + at, c)).collect();
            app.store.import(team, &chunk, &tracked).await.expect("customers are imported");
            progress.inc(chunk.len() as u64);
            chunk
        }
    });
    // A few imports in flight keep the store busy while the next batch is encoded; `buffered`
    // keeps the chunks in creation order.
    let customers: Vec<Customer> = futures_util::stream::iter(chunks).buffered(SEEDS_IN_FLIGHT).concat().await;
    progress.finish_and_clear();
    customers
}

/// One request to measure.
struct Case {
    name: String,
    route: Route,
    /// Query string for lists, id or email for one customer.
    argument: String,
}

enum Route {
    List,
    Customer,
    Latest,
    Activity,
}

fn case(name: impl Into<String>, route: Route, argument: impl Into<String>) -> Case {
    Case { name: name.into(), route, argument: argument.into() }
}

/// Lists every case, with values taken from the seeded customers.
fn cases(customers: &[Customer]) -> Vec<Case> {
    let count = customers.len();
    let sample = &customers[count / 2];
    let member = customers.iter().find(|c| c.organization_id.is_some()).expect("some customers have an organization");
    let organization = member.organization_id.clone().unwrap_or_default();
    let middle_page = (count / 25 / 2).max(1);
    let last_page = count.div_ceil(25).max(1);
    vec![
        case("customer_by_id", Route::Customer, &member.id),
        case("customer_by_email", Route::Customer, member.email.as_str()),
        case("list_page_1", Route::List, "per_page=25&page=1"),
        case("list_page_2_by_cursor", Route::List, "per_page=25&cursor=CURSOR"),
        case(format!("list_page_{middle_page}"), Route::List, format!("per_page=25&page={middle_page}")),
        case(format!("list_page_{last_page}"), Route::List, format!("per_page=25&page={last_page}")),
        case("list_past_the_end", Route::List, format!("per_page=25&page={}", last_page + 1)),
        case("list_unpaged", Route::List, ""),
        case("filter_email_exact", Route::List, format!("email={}&per_page=25", sample.email.as_str())),
        case("filter_email_prefix", Route::List, "email=quinn.&per_page=25"),
        case("filter_first", Route::List, "first=Quinn&per_page=25"),
        case("filter_first_page_3", Route::List, "first=Quinn&per_page=25&page=3"),
        case("filter_middle", Route::List, "middle=Ray&per_page=25"),
        case("filter_last", Route::List, "last=Quispe&per_page=25"),
        case("filter_organization", Route::List, format!("organization_id={organization}&per_page=25")),
        case("filter_attribute", Route::List, "attr-source=Referral&per_page=25"),
        case("filter_two", Route::List, "first=Quinn&last=Quispe&per_page=25"),
        case("filter_unpaged", Route::List, format!("email={}", sample.email.as_str())),
        case("latest", Route::Latest, ""),
        case("activity", Route::Activity, ""),
    ]
}

/// Runs one case once as a warm-up and `iterations` times timed, and prints its line.
async fn measure(app: &BenchApp, meter: &ReadMeter, case: &Case, iterations: usize) {
    let argument = if case.argument.contains("CURSOR") {
        let (_, first) = read(customers::handle(app, request_with_query(&event("customers-list.json"), "per_page=25")).await);
        case.argument.replace("CURSOR", first["meta"]["next"].as_str().unwrap_or_default())
    } else {
        case.argument.clone()
    };

    let (status, _) = read(send(app, &case.route, &argument).await);
    meter.take();
    let mut latencies = Vec::with_capacity(iterations);
    let mut reads = Reads::default();
    for _ in 0..iterations {
        let started = Instant::now();
        let response = send(app, &case.route, &argument).await;
        latencies.push(started.elapsed());
        assert_eq!(response.status().as_u16(), status, "{}: same answer on every iteration", case.name);
        reads = meter.take();
    }
    latencies.sort_unstable();
    println!(
        "case={} status={status} calls={} items_read={} bytes_read={} rcu={} p50_ms={:.1} p99_ms={:.1}",
        case.name,
        reads.calls.len(),
        reads.items,
        reads.bytes,
        reads.rcu(),
        percentile(&latencies, 50),
        percentile(&latencies, 99),
    );
}

async fn send(app: &BenchApp, route: &Route, argument: &str) -> Response<Body> {
    match route {
        Route::List => customers::handle(app, request_with_query(&event("customers-list.json"), argument)).await,
        Route::Customer => customer::handle(app, request(&event_for_customer("customer-get.json", argument))).await,
        Route::Latest => latest::handle(app, request(&event("latest.json"))).await,
        Route::Activity => activity::handle(app, request(&event("activity.json"))).await,
    }
}

fn percentile(sorted: &[Duration], percent: usize) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else { return 0.0 };
    sorted[(last * percent).div_ceil(100)].as_secs_f64() * 1_000.0
}

