//! Store failures seen from a client. The SDK retries throttled DynamoDB calls, and once the
//! retries run out the request gets a 503 with `Retry-After` and writes nothing. A create that
//! DynamoDB applied but whose response was lost is not written again by a retry with its key. S3 failing
//! during an avatar upload leaves the customer as it was. A customer delete whose avatar removal
//! fails still removes the customer and leaves the object. DynamoDB and S3 run on moto, behind a
//! loopback proxy that throttles, or replaced by a port that refuses connections.

mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use local_api::cors::Cors;
use local_api::Server;
use serde_json::json;
use shared::auth::dynamo::DynamoKeys;
use shared::store::dynamo::DynamoStore;
use shared::store::s3::S3Avatars;
use shared::testing::{moto_app, moto_endpoint, ReadBack};
use shared::App;
use support::{multipart_file, Api, PNG};

const THROTTLED: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"Rate of requests exceeds the allowed throughput."}"#;

const LOST: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}"#;

/// What the proxy does with one DynamoDB call.
#[derive(Clone, Copy)]
enum Fault {
    /// Forwards the call to moto and moto's response to the client.
    None,
    /// Returns a throttling error without forwarding the call.
    Throttle,
    /// Forwards the call, so moto applies it, and returns a server error to the client.
    LoseAnswer,
}

/// Starts a DynamoDB endpoint on loopback in front of moto. `fault` picks what happens to each
/// call from its number (from 0) and its `X-Amz-Target` operation name. Returns the address and
/// the count of calls seen.
async fn faulty_proxy(fault: impl Fn(usize, &str) -> Fault + Send + Sync + 'static) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let (counter, fault) = (seen.clone(), Arc::new(fault));
    let upstream: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let (counter, upstream, fault) = (counter.clone(), upstream.clone(), fault.clone());
            let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let (counter, upstream, fault) = (counter.clone(), upstream.clone(), fault.clone());
                async move {
                    let target = request.headers().get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                    let fault = fault(counter.fetch_add(1, Ordering::SeqCst), &target);
                    Ok::<_, std::convert::Infallible>(pass(request, fault, upstream).await)
                }
            });
            tokio::spawn(hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service));
        }
    });
    (addr, seen)
}

/// Starts a proxy that throttles the first `throttle` calls and forwards the others.
async fn throttling_proxy(throttle: usize) -> (SocketAddr, Arc<AtomicUsize>) {
    faulty_proxy(move |n, _| if n < throttle { Fault::Throttle } else { Fault::None }).await
}

async fn pass(
    request: hyper::Request<hyper::body::Incoming>,
    fault: Fault,
    upstream: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
) -> hyper::Response<Full<Bytes>> {
    let error = |status: u16, body: &'static str| {
        hyper::Response::builder()
            .status(status)
            .header("content-type", "application/x-amz-json-1.0")
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .unwrap()
    };
    let (mut parts, body) = request.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    if let Fault::Throttle = fault {
        return error(400, THROTTLED);
    }
    parts.uri = format!("{}{}", moto_endpoint(), parts.uri.path_and_query().unwrap()).parse().unwrap();
    let response = upstream.request(hyper::Request::from_parts(parts, Full::new(body))).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    match fault {
        Fault::LoseAnswer => error(500, LOST),
        _ => hyper::Response::from_parts(parts, Full::new(body)),
    }
}

/// Builds a DynamoDB client for `endpoint` with the SDK's default retries, as the functions have.
fn dynamo_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("testing", "testing", None, None, "tests"))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// Builds an S3 client whose endpoint refuses connections: a loopback port with no listener.
fn refused_s3() -> aws_sdk_s3::Client {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new("testing", "testing", None, None, "tests"))
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// Serves `app` on a new loopback port and returns a client with `api`'s key and team.
async fn serve_beside(api: &Api, app: App<DynamoStore, S3Avatars>) -> Api {
    let (listener, addr) = local_api::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let keys = DynamoKeys::new(app.store.clone());
    let server = Server { app, keys, cors: Cors::parse("*") };
    tokio::spawn(local_api::serve(listener, Arc::new(server)));
    api.at(addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_calls_are_retried() {
    let moto = moto_app().await;
    let api = Api::start_on(moto.clone()).await;
    let (proxy, seen) = throttling_proxy(2).await;
    let store = DynamoStore::new(dynamo_client(&format!("http://{proxy}")), moto.store.table());
    let throttled = serve_beside(&api, App { store, avatars: moto.avatars.clone() }).await;

    let created = throttled.post_json("/customers", &json!({"email": "retried@example.test"})).await;

    assert_eq!(created.status, 200, "{}", String::from_utf8_lossy(&created.body));
    assert!(seen.load(Ordering::SeqCst) > 2, "the proxy forwarded the retried call");
    assert_eq!(api.get("/customers?email=retried@example.test").await.json().as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_past_the_retries_answers_503() {
    let moto = moto_app().await;
    let api = Api::start_on(moto.clone()).await;
    let (proxy, seen) = throttling_proxy(usize::MAX).await;
    let store = DynamoStore::new(dynamo_client(&format!("http://{proxy}")), moto.store.table());
    let throttled = serve_beside(&api, App { store, avatars: moto.avatars.clone() }).await;

    let refused = throttled.post_json("/customers", &json!({"email": "throttled@example.test"})).await;

    assert_eq!(refused.status, 503);
    assert_eq!(refused.headers["retry-after"], "1");
    assert_eq!(refused.json()["error"]["code"], "unavailable");
    assert_eq!(seen.load(Ordering::SeqCst), 3, "the SDK's standard retry mode makes 3 attempts");
    assert_eq!(api.get("/customers").await.json(), json!([]), "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_response_retry_gets_applied_write() {
    let moto = moto_app().await;
    let api = Api::start_on(moto.clone()).await;
    let id = api.post_json("/customers", &json!({"email": "visitor@example.test"})).await.json()["id"].as_str().unwrap().to_string();
    let (proxy, _) = faulty_proxy(|_, target| if target.ends_with(".TransactWriteItems") { Fault::LoseAnswer } else { Fault::None }).await;
    let store = DynamoStore::new(dynamo_client(&format!("http://{proxy}")), moto.store.table());
    let lossy = serve_beside(&api, App { store, avatars: moto.avatars.clone() }).await;
    let visit = json!({"customer": id, "source": "Web", "description": "Visited"}).to_string();
    let headers = [("Idempotency-Key", "visit-1")];

    let lost = lossy.send_with("POST", "/track", &headers, Some("application/json"), visit.clone()).await;
    let retry = api.send_with("POST", "/track", &headers, Some("application/json"), visit).await;

    assert_eq!(lost.status, 503, "{}", String::from_utf8_lossy(&lost.body));
    assert_eq!(retry.status, 200, "{}", String::from_utf8_lossy(&retry.body));
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    let interactions = api.get(&format!("/customers/{id}")).await.json()["interactions"].clone();
    let descriptions: Vec<&str> = interactions.as_array().unwrap().iter().map(|i| i["description"].as_str().unwrap()).collect();
    assert_eq!(descriptions, ["Visited", "Customer created"]);
    assert_eq!(interactions[0]["id"], retry.json()["id"], "the replayed response names the stored interaction");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_key_claim_finds_its_own_claim() {
    let moto = moto_app().await;
    let api = Api::start_on(moto.clone()).await;
    let first_put = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let fault = move |_, target: &str| match target.ends_with(".PutItem") && first_put.swap(false, Ordering::SeqCst) {
        true => Fault::LoseAnswer,
        false => Fault::None,
    };
    let (proxy, _) = faulty_proxy(fault).await;
    let store = DynamoStore::new(dynamo_client(&format!("http://{proxy}")), moto.store.table());
    let lossy = serve_beside(&api, App { store, avatars: moto.avatars.clone() }).await;
    let body = json!({"name": "Claimed once"}).to_string();
    let headers = [("Idempotency-Key", "claim-1")];

    let created = lossy.send_with("POST", "/organizations", &headers, Some("application/json"), body.clone()).await;
    let retry = api.send_with("POST", "/organizations", &headers, Some("application/json"), body).await;

    assert_eq!(created.status, 200, "{}", String::from_utf8_lossy(&created.body));
    assert!(created.headers.get("idempotent-replayed").is_none());
    assert_eq!(retry.status, 200);
    assert_eq!(retry.body, created.body);
    assert_eq!(api.get("/organizations?per_page=10").await.json()["meta"]["total"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_upload_leaves_the_customer() {
    let moto = moto_app().await;
    let api = Api::start_on(moto.clone()).await;
    let id = api.post_json("/customers", &json!({"email": "upload@example.test"})).await.json()["id"].as_str().unwrap().to_string();
    let broken = serve_beside(&api, App { store: moto.store.clone(), avatars: S3Avatars::new(refused_s3(), moto.avatars.bucket()) }).await;

    let (content_type, body) = multipart_file(PNG, "me.png");
    let upload = broken.send("POST", &format!("/customers/{id}/avatar"), Some(&content_type), body).await;

    assert_eq!(upload.status, 503);
    let customer = api.get(&format!("/customers/{id}")).await.json();
    assert_eq!(customer["avatar"], json!(null));
    assert_eq!(customer["interactions"].as_array().unwrap().len(), 1, "only the created interaction: {customer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_survives_a_failed_avatar_removal() {
    let moto = moto_app().await;
    let api = Api::start_on(moto.clone()).await;
    let id = api.post_json("/customers", &json!({"email": "gone@example.test"})).await.json()["id"].as_str().unwrap().to_string();
    let (content_type, body) = multipart_file(PNG, "me.png");
    assert_eq!(api.send("POST", &format!("/customers/{id}/avatar"), Some(&content_type), body).await.status, 200);
    let team = shared::testing::team("local");
    let details = shared::store::Store::customer_details(&moto.store, &team, &id).await.unwrap().unwrap();
    let key = details.customer.avatar_key.expect("the upload stored a key");
    let broken = serve_beside(&api, App { store: moto.store.clone(), avatars: S3Avatars::new(refused_s3(), moto.avatars.bucket()) }).await;

    let deleted = broken.delete(&format!("/customers/{id}")).await;

    assert_eq!(deleted.status, 200);
    assert_eq!(api.get(&format!("/customers/{id}")).await.status, 404);
    assert_eq!(moto.avatars.read_back(&key).await.as_deref(), Some(PNG), "the object is left for the clean-up");
    assert!(key.starts_with(&format!("teams/local/customers/{id}/")), "the clean-up finds it by prefix: {key}");
}
