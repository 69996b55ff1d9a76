//! Logs of requests made with API keys contain no key, no key hash and no `Authorization`
//! header value, whatever the outcome; the authorizer's logs neither.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use lambda_http::aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerV2Request;
use serde_json::json;
use shared::auth::embedded::EmbeddedKeys;
use shared::auth::{hash_key, KeyStore, NewKey};
use support::Api;
use tracing_subscriber::fmt::MakeWriter;

/// Collects everything the log subscriber writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

const FORGED: &str = "Bearer mk_forged0000000000000000000000000000000000000000000000000000";

async fn make_requests(api: &Api) {
    assert_eq!(api.post_json("/customers", &json!({"email": "log@example.test"})).await.status, 200);
    assert_eq!(api.get("/customers?email=log").await.status, 200);
    assert_eq!(api.get("/customers/0190a1b2c3d4e5f60718293a4b5c6d7e").await.status, 404);
    let forged = api.send_with("GET", "/customers", &[("authorization", FORGED)], None, Vec::new()).await;
    assert_eq!(forged.status, 401);
    let wrong_team = api.send_with("GET", "/customers", &[("x-team", "someone-else")], None, Vec::new()).await;
    assert_eq!(wrong_team.status, 403);
}

fn assert_clean(logs: &str, secret: &str) {
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "request")
        .collect();
    let statuses: Vec<u64> = lines.iter().map(|line| line["fields"]["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, vec![200, 200, 404, 401, 403], "one line per request:\n{logs}");
    for line in &lines {
        let fields = &line["fields"];
        assert_eq!(fields["route"].as_str().unwrap().starts_with("/customers"), true, "{line}");
        assert!(fields["latency_us"].is_u64(), "{line}");
        assert!(!fields["request_id"].as_str().unwrap().is_empty(), "{line}");
        assert_eq!(fields["method"].as_str().unwrap().len() >= 3, true, "{line}");
    }
    assert_eq!(lines[4]["fields"]["team_id"], lines[0]["fields"]["team_id"], "a 403 names the key's team");
    for forbidden in [secret, &hash_key(secret), "Bearer", "authorization", "mk_forged"] {
        assert!(!logs.contains(forbidden), "logs contain {forbidden:?}:\n{logs}");
    }
}

/// Runs `scenario` on this thread with a JSON subscriber at debug level, and returns the logs.
async fn captured<F: std::future::Future<Output = ()>>(scenario: F) -> String {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(capture.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    scenario.await;
    capture.text()
}

#[tokio::test]
async fn embedded_logs_have_no_secrets() {
    let mut secret = String::new();
    let logs = captured(async {
        let api = Api::embedded().await;
        secret = api.key.clone().unwrap();
        make_requests(&api).await;
    })
    .await;
    assert_clean(&logs, &secret);
}

#[tokio::test]
async fn moto_logs_have_no_secrets() {
    let mut secret = String::new();
    let logs = captured(async {
        let api = Api::moto().await;
        secret = api.key.clone().unwrap();
        make_requests(&api).await;
    })
    .await;
    assert_clean(&logs, &secret);
}

#[tokio::test]
async fn authorizer_logs_have_no_secrets() {
    let keys = EmbeddedKeys::in_memory();
    let team = shared::testing::team("team-a");
    keys.create_team(&team, "A").await.unwrap();
    let key = NewKey::generate(&team).unwrap();
    keys.add_key(&key.record).await.unwrap();

    let logs = captured(async {
        for header in [format!("Bearer {}", key.secret), FORGED.to_string()] {
            let mut fixture = shared::testing::event("authorizer-request.json");
            fixture["headers"]["authorization"] = json!(header);
            fixture["identitySource"] = json!([header]);
            let request: ApiGatewayV2CustomAuthorizerV2Request = serde_json::from_value(fixture).unwrap();
            authorizer::authorize(&keys, &request).await.unwrap();
        }
    })
    .await;
    assert_eq!(logs.matches("authorizer decision").count(), 2, "{logs}");
    for forbidden in [key.secret.as_str(), &hash_key(&key.secret), "Bearer", "authorization", "mk_forged"] {
        assert!(!logs.contains(forbidden), "logs contain {forbidden:?}:\n{logs}");
    }
}
