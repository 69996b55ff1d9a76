//! Test helpers shared by the workspace's crates: API Gateway event fixtures from `events/`,
//! and stores on the embedded adapter or on a moto server at `MOTO_ENDPOINT` (default
//! `http://127.0.0.1:5000`). Nothing here reads the AWS environment, so tests never reach AWS.

pub mod meter;
pub mod population;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use lambda_http::{Body, Request, Response};
use serde_json::Value;

use crate::model::TeamId;
use crate::store::dynamo::DynamoStore;
use crate::store::embedded::EmbeddedStore;
use crate::store::local_avatars::LocalAvatars;
use crate::store::s3::S3Avatars;
use crate::store::table::create_table;
use crate::App;

/// Team that the authorizer context of every fixture in `events/` names.
pub const EVENT_TEAM: &str = "team-events";

/// Customer id that fixtures for `/customers/{id}` routes carry; tests replace it.
pub const EVENT_CUSTOMER_ID: &str = "0190a1b2c3d4e5f60718293a4b5c6d7e";

/// Reads a fixture from the workspace's `events/` folder.
pub fn event(name: &str) -> Value {
    let path = format!("{}/../events/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// Reads a fixture with every occurrence of the fixture customer id replaced by `id`.
pub fn event_for_customer(name: &str, id: &str) -> Value {
    let text = event(name).to_string().replace(EVENT_CUSTOMER_ID, id);
    serde_json::from_str(&text).expect("replacing an id keeps the JSON valid")
}

/// Turns an event into the request that `lambda_http` hands a function.
pub fn request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).expect("fixture is an API Gateway event")
}

/// Turns an event into a request with `query` as its query string.
pub fn request_with_query(event: &Value, query: &str) -> Request {
    let mut event = event.clone();
    let parameters: serde_json::Map<String, Value> =
        form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), Value::String(v.into_owned()))).collect();
    event["rawQueryString"] = Value::String(query.to_string());
    event["queryStringParameters"] = Value::Object(parameters);
    request(&event)
}

/// Status and JSON body of a handler's response.
pub fn read(response: Response<Body>) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = match response.body() {
        Body::Empty => Value::Null,
        Body::Text(text) => serde_json::from_str(text).expect("response body is JSON"),
        Body::Binary(bytes) => serde_json::from_slice(bytes).expect("response body is JSON"),
        _ => Value::Null,
    };
    (status, body)
}

pub fn team(name: &str) -> TeamId {
    TeamId::parse(name).expect("test team ids are valid")
}

/// Builds an app on the embedded store, in memory.
pub fn embedded_app() -> App<EmbeddedStore, LocalAvatars> {
    App {
        store: EmbeddedStore::in_memory(),
        avatars: LocalAvatars::in_memory("http://127.0.0.1:3000"),
    }
}

/// Endpoint of the moto server that DynamoDB and S3 tests use.
pub fn moto_endpoint() -> String {
    std::env::var("MOTO_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:5000".to_string())
}

fn credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "tests")
}

/// Builds an app on DynamoDB and S3 at the moto server, with a new table and bucket of its own.
pub async fn moto_app() -> App<DynamoStore, S3Avatars> {
    moto_app_at(&moto_endpoint(), Timeouts::Relaxed).await
}

/// Time limits of the SDK clients in tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timeouts {
    /// The limits of production (`app::OPERATION_TIMEOUT` and the others).
    Production,
    /// Ten times those, because moto on a busy test machine can take seconds for a large
    /// transaction that DynamoDB completes in milliseconds.
    Relaxed,
}

/// Builds an app on the moto server whose DynamoDB client counts its reads in the returned
/// meter.
pub async fn metered_moto_app() -> (App<DynamoStore, S3Avatars>, meter::ReadMeter) {
    let meter = meter::ReadMeter::default();
    let app = build_moto_app(&moto_endpoint(), Timeouts::Relaxed, Some(meter.clone())).await;
    (app, meter)
}

/// Builds an app on DynamoDB and S3 at the moto server at `endpoint`, with a new table and
/// bucket of its own.
pub async fn moto_app_at(endpoint: &str, limits: Timeouts) -> App<DynamoStore, S3Avatars> {
    build_moto_app(endpoint, limits, None).await
}

async fn build_moto_app(endpoint: &str, limits: Timeouts, meter: Option<meter::ReadMeter>) -> App<DynamoStore, S3Avatars> {
    let factor = if limits == Timeouts::Production { 1 } else { 10 };
    let timeouts = aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
        .operation_timeout(crate::app::OPERATION_TIMEOUT * factor)
        .operation_attempt_timeout(crate::app::ATTEMPT_TIMEOUT * factor)
        .connect_timeout(crate::app::CONNECT_TIMEOUT * factor)
        .build();
    let mut dynamo_config = aws_sdk_dynamodb::Config::builder()
        .timeout_config(timeouts.clone())
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(credentials());
    if let Some(meter) = meter {
        dynamo_config = dynamo_config.interceptor(meter);
    }
    let dynamo_config = dynamo_config.build();
    let dynamo = aws_sdk_dynamodb::Client::from_conf(dynamo_config);
    let s3_config = aws_sdk_s3::Config::builder()
        .timeout_config(timeouts)
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(credentials())
        .force_path_style(true)
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(s3_config);

    let suffix = crate::model::new_id();
    let table = format!("customers-{suffix}");
    let bucket = format!("avatars-{}", &suffix[16..]);
    create_table(&dynamo, &table)
        .await
        .unwrap_or_else(|e| panic!("cannot create a table on moto at {endpoint} (start moto there, or set MOTO_ENDPOINT to where it runs): {e:?}"));
    crate::store::s3::create_bucket(&s3, &bucket).await.expect("moto creates the bucket");

    App { store: DynamoStore::new(dynamo, table), avatars: S3Avatars::new(s3, bucket) }
}

/// Avatar stores whose stored bytes a test can read back.
pub trait ReadBack {
    fn read_back(&self, key: &str) -> impl std::future::Future<Output = Option<Vec<u8>>> + Send;
}

impl ReadBack for LocalAvatars {
    async fn read_back(&self, key: &str) -> Option<Vec<u8>> {
        self.get(key).await.map(|(bytes, _)| bytes.to_vec())
    }
}

impl ReadBack for S3Avatars {
    async fn read_back(&self, key: &str) -> Option<Vec<u8>> {
        let object = self.client().get_object().bucket(self.bucket()).key(key).send().await.ok()?;
        Some(object.body.collect().await.ok()?.into_bytes().to_vec())
    }
}

/// Declares each named test twice, in `mod embedded` and `mod dynamo`, calling the generic
/// function of the same name with an app on that store.
#[macro_export]
macro_rules! on_both_stores {
    ($($test:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(&$crate::testing::embedded_app()).await;
                }
            )*
        }

        mod dynamo {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(&$crate::testing::moto_app().await).await;
                }
            )*
        }
    };
}

/// Creates a customer of the fixtures' team from a JSON body and returns its id.
pub async fn create_customer<S: crate::store::Store, A>(app: &App<S, A>, body: Value) -> String {
    let team = team(EVENT_TEAM);
    let fields = app.store.fields(&team, crate::model::FieldScope::Customer).await.expect("fields are readable");
    let change = crate::model::CustomerChange::from_body(body.as_object().expect("body is an object"), &fields)
        .expect("test body is valid");
    let customer = change.into_new(&fields).expect("test body can create a customer");
    app.store.create_customer(&team, customer, None).await.expect("customer is created").id
}
