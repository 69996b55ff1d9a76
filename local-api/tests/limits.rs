//! The documented limits are checked before the store is called at all. The handlers run on the
//! DynamoDB store against a fake DynamoDB on 127.0.0.1 that records the operation of every call
//! and returns no items for each Query, so the team has no custom attributes. Custom attribute
//! values are the exception: their limits depend on the team's definitions, which are read first.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use serde_json::{json, Map, Value};
use shared::http::MAX_BODY_BYTES;
use shared::store::dynamo::DynamoStore;
use shared::store::local_avatars::LocalAvatars;
use shared::testing::{event, read, request};
use shared::App;

/// Operations (`X-Amz-Target` without the service prefix) of the calls the fake received.
type Calls = Arc<Mutex<Vec<String>>>;

/// Starts the fake DynamoDB and returns its endpoint and the calls it records.
async fn fake_dynamo() -> (String, Calls) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let calls = Calls::default();

    let recorded = Arc::clone(&calls);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let recorded = Arc::clone(&recorded);
            let service = hyper::service::service_fn(move |request| answer(request, Arc::clone(&recorded)));
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::spawn(connection);
        }
    });
    (endpoint, calls)
}

/// Records the call and returns an empty page for a Query and a validation error for any other
/// call, which the store turns into a 503.
async fn answer(request: Request<Incoming>, calls: Calls) -> Result<Response<Full<Bytes>>, Infallible> {
    let target = request.headers().get("x-amz-target").and_then(|value| value.to_str().ok()).unwrap_or_default();
    let operation = target.rsplit('.').next().unwrap_or_default().to_string();
    calls.lock().unwrap().push(operation.clone());

    let (status, body) = match operation.as_str() {
        "Query" => (200, json!({"Count": 0, "ScannedCount": 0, "Items": []})),
        _ => (400, json!({"__type": "com.amazon.coral.validate#ValidationException", "message": "not faked"})),
    };
    let response = Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.0")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    Ok(response)
}

fn app_at(endpoint: &str) -> App<DynamoStore, LocalAvatars> {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "limits"))
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), "limits");
    App { store, avatars: LocalAvatars::in_memory("http://127.0.0.1:3000") }
}

/// Returns the event `name` with a JSON `body`.
fn with_json(name: &str, body: &Value) -> Value {
    let mut event = event(name);
    event["body"] = json!(body.to_string());
    event["headers"]["content-type"] = json!("application/json");
    event
}

/// Builds a create body whose 30 custom attribute values add up to about 410 KB.
fn oversized_customer() -> Value {
    let mut body = Map::new();
    body.insert("email".into(), json!("full@example.com"));
    for n in 0..shared::model::MAX_ATTRIBUTES {
        body.insert(format!("attr-f{n}"), json!("x".repeat(410 * 1024 / shared::model::MAX_ATTRIBUTES)));
    }
    Value::Object(body)
}

#[tokio::test]
async fn oversized_bodies_make_no_call() {
    let (endpoint, calls) = fake_dynamo().await;
    let app = app_at(&endpoint);
    let body = oversized_customer();
    assert!(body.to_string().len() > 410 * 1024);

    let responses = [
        ("customers", customers::handle(&app, request(&with_json("customers-create.json", &body))).await),
        ("customer", customer::handle(&app, request(&with_json("customer-update.json", &body))).await),
        ("organizations", organizations::handle(&app, request(&with_json("organizations-create.json", &body))).await),
        ("organization", organization::handle(&app, request(&with_json("organization-update.json", &body))).await),
        ("notes", notes::handle(&app, request(&with_json("notes-add.json", &body))).await),
        ("track", track::handle(&app, request(&with_json("track.json", &body))).await),
        ("fields", fields::handle(&app, request(&with_json("fields-define.json", &body))).await),
    ];
    for (function, response) in responses {
        let (status, answer) = read(response);
        assert_eq!(status, 413, "{function}: {answer}");
        assert_eq!(answer["error"]["code"], json!("payload_too_large"), "{function}");
        let message = format!("Request body is larger than the limit of {MAX_BODY_BYTES} bytes");
        assert_eq!(answer["error"]["message"], json!(message), "{function}");
    }
    assert_eq!(*calls.lock().unwrap(), Vec::<String>::new());
}

#[tokio::test]
async fn field_limits_stop_before_any_call() {
    let (endpoint, calls) = fake_dynamo().await;
    let app = app_at(&endpoint);
    let tags: Vec<String> = (0..51).map(|n| format!("tag{n}")).collect();
    let cases = [
        (json!({"email": format!("{}@example.com", "a".repeat(243))}), "email", "must be at most 254 bytes"),
        (json!({"email": "a@example.com", "first": "𝄞".repeat(1_001)}), "first", "must be at most 1000 characters"),
        (json!({"email": "a@example.com", "last": "a\u{7}b"}), "last", "must not contain control characters"),
        (json!({"email": "a@example.com", "tags": tags}), "tags", "at most 50 tags"),
        (json!({"email": "a@example.com", "tags": ["𝄞".repeat(101)]}), "tags", "each tag must be at most 100 characters"),
    ];

    for (body, field, message) in cases {
        let created = customers::handle(&app, request(&with_json("customers-create.json", &body))).await;
        let (status, answer) = read(created);
        assert_eq!(status, 422, "{field}: {answer}");
        assert_eq!(answer["error"]["fields"][field], json!([message]), "{field}");

        let mut update = with_json("customer-update.json", &body);
        update["pathParameters"]["id"] = json!("someone@example.com");
        update["rawPath"] = json!("/customers/someone@example.com");
        update["requestContext"]["http"]["path"] = json!("/customers/someone@example.com");
        let (status, answer) = read(customer::handle(&app, request(&update)).await);
        assert_eq!(status, 422, "update by email, {field}: {answer}");
        assert_eq!(answer["error"]["fields"][field], json!([message]), "update by email, {field}");
    }
    assert_eq!(*calls.lock().unwrap(), Vec::<String>::new());
}

#[tokio::test]
async fn attribute_count_stops_before_any_call() {
    let (endpoint, calls) = fake_dynamo().await;
    let app = app_at(&endpoint);
    let mut customer_body = json!({"email": "a@example.com"});
    let mut organization_body = json!({"name": "Acme"});
    for n in 0..=shared::model::MAX_ATTRIBUTES {
        customer_body[format!("attr-f{n}")] = json!("x");
        organization_body[format!("attr-f{n}")] = json!("x");
    }

    let customer = read(customers::handle(&app, request(&with_json("customers-create.json", &customer_body))).await);
    let organization = read(organizations::handle(&app, request(&with_json("organizations-create.json", &organization_body))).await);

    for (status, answer) in [customer, organization] {
        assert_eq!(status, 422, "{answer}");
        assert_eq!(answer["error"]["fields"]["attributes"], json!(["at most 30 custom attributes"]));
    }
    assert_eq!(*calls.lock().unwrap(), Vec::<String>::new());
}

#[tokio::test]
async fn long_note_stops_before_any_call() {
    let (endpoint, calls) = fake_dynamo().await;
    let app = app_at(&endpoint);

    let body = json!({"body": "𝄞".repeat(10_001)});
    let by_id = with_json("notes-add.json", &body);
    let mut by_email = by_id.clone();
    by_email["pathParameters"]["id"] = json!("someone@example.com");
    by_email["rawPath"] = json!("/customers/someone@example.com/notes");
    by_email["requestContext"]["http"]["path"] = json!("/customers/someone@example.com/notes");

    for event in [by_id, by_email] {
        let (status, answer) = read(notes::handle(&app, request(&event)).await);
        assert_eq!(status, 422, "{answer}");
        assert_eq!(answer["error"]["fields"]["body"], json!(["must be at most 10000 characters"]));
    }
    assert_eq!(*calls.lock().unwrap(), Vec::<String>::new());
}

#[tokio::test]
async fn definition_past_thirty_names_key() {
    let app = shared::testing::embedded_app();
    let define = |n: usize| with_json("fields-define.json", &json!({"key": format!("attr-f{n}"), "name": "F", "type": "text"}));
    for n in 0..shared::model::MAX_ATTRIBUTES {
        let (status, answer) = read(fields::handle(&app, request(&define(n))).await);
        assert_eq!(status, 200, "definition {n}: {answer}");
    }

    let (status, answer) = read(fields::handle(&app, request(&define(30))).await);
    assert_eq!(status, 422, "{answer}");
    let message = "cannot be added: a team defines at most 30 custom attributes per kind of record";
    assert_eq!(answer["error"]["fields"]["key"], json!([message]));

    let (status, _) = read(fields::handle(&app, request(&define(0))).await);
    assert_eq!(status, 200, "redefining an existing attribute stays allowed");
}
