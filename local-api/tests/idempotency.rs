//! `Idempotency-Key` on every create: a retry gets the first response and writes nothing, a
//! reused key with another request is refused, a failed request frees its key, and racing
//! duplicates make one record. Each test runs on the embedded store and on moto.

mod support;

use serde_json::{json, Value};
use support::{multipart_file, Api, Response, PNG};

const REPLAYED: &str = "idempotent-replayed";

async fn post_with_key(api: &Api, path: &str, key: &str, body: &Value) -> Response {
    api.send_with("POST", path, &[("Idempotency-Key", key)], Some("application/json"), body.to_string()).await
}

async fn customer(api: &Api, email: &str) -> String {
    let created = api.post_json("/customers", &json!({"email": email})).await;
    assert_eq!(created.status, 200);
    created.json()["id"].as_str().unwrap().to_string()
}

/// Sends the same request twice and checks that the second got the first's response, marked as
/// replayed, with the same `ETag` when the first had one.
async fn send_twice(api: &Api, path: &str, key: &str, body: &Value) -> Value {
    let first = post_with_key(api, path, key, body).await;
    assert_eq!(first.status, 200, "{}", String::from_utf8_lossy(&first.body));
    assert!(first.headers.get(REPLAYED).is_none());

    let retry = post_with_key(api, path, key, body).await;
    assert_eq!(retry.status, 200);
    assert_eq!(retry.body, first.body);
    assert_eq!(retry.headers.get(REPLAYED).map(|v| v.as_bytes()), Some(&b"true"[..]));
    assert_eq!(retry.headers.get("content-type").map(|v| v.as_bytes()), Some(&b"application/json"[..]));
    assert_eq!(retry.headers.get("etag"), first.headers.get("etag"));
    first.json()
}

async fn retried_creates_write_once(api: &Api) {
    let created = send_twice(api, "/customers", "create-jdoe", &json!({"email": "jdoe@example.test"})).await;
    let id = created["id"].as_str().unwrap();
    let replayed = post_with_key(api, "/customers", "create-jdoe", &json!({"email": "jdoe@example.test"})).await;
    assert_eq!(replayed.headers["etag"], "\"1\"", "a new customer's version");
    assert_eq!(api.get("/customers?per_page=10").await.json()["meta"]["total"], 1);

    send_twice(api, "/organizations", "create-org", &json!({"name": "Acme"})).await;
    assert_eq!(api.get("/organizations?per_page=10").await.json()["meta"]["total"], 1);

    send_twice(api, "/track", "track-visit", &json!({"customer": id, "source": "Web", "description": "Visited"})).await;
    send_twice(api, &format!("/customers/{id}/notes"), "note-call", &json!({"body": "Called"})).await;
    let details = api.get(&format!("/customers/{id}")).await.json();
    assert_eq!(details["interactions"].as_array().unwrap().len(), 2, "created and one visit: {details}");
    assert_eq!(details["notes"].as_array().unwrap().len(), 1, "{details}");
}

async fn retried_avatar_upload_writes_once(api: &Api) {
    let id = customer(api, "pic@example.test").await;
    let (content_type, body) = multipart_file(PNG, "me.png");
    let path = format!("/customers/{id}/avatar");
    let headers = [("Idempotency-Key", "avatar-1")];

    let first = api.send_with("POST", &path, &headers, Some(&content_type), body.clone()).await;
    let retry = api.send_with("POST", &path, &headers, Some(&content_type), body).await;

    assert_eq!(first.status, 200);
    assert_eq!(retry.status, 200);
    assert_eq!(retry.body, first.body);
    assert!(retry.headers.get(REPLAYED).is_some());
    // S3 signs a new URL on each read, so only the object it names is compared.
    let object = |url: &serde_json::Value| url.as_str().unwrap().split('?').next().unwrap().to_string();
    let avatar = api.get(&format!("/customers/{id}")).await.json()["avatar"].clone();
    assert_eq!(object(&avatar), object(&first.json()["url"]));
}

async fn reused_key_is_rejected(api: &Api) {
    post_with_key(api, "/customers", "key-1", &json!({"email": "one@example.test"})).await;

    let other = post_with_key(api, "/customers", "key-1", &json!({"email": "two@example.test"})).await;

    assert_eq!(other.status, 422);
    assert!(other.json()["error"]["fields"]["Idempotency-Key"].is_array(), "{}", other.json());
    assert_eq!(api.get("/customers?per_page=10").await.json()["meta"]["total"], 1);
}

async fn a_failed_request_frees_its_key(api: &Api) {
    let invalid = post_with_key(api, "/customers", "key-2", &json!({"first": "No email"})).await;
    assert_eq!(invalid.status, 422);
    assert!(invalid.json()["error"]["fields"]["email"].is_array());

    let again = post_with_key(api, "/customers", "key-2", &json!({"first": "No email"})).await;
    assert_eq!(again.status, 422);
    assert!(again.headers.get(REPLAYED).is_none());

    let fixed = post_with_key(api, "/customers", "key-2", &json!({"email": "fixed@example.test"})).await;
    assert_eq!(fixed.status, 200);
}

async fn invalid_keys_are_rejected(api: &Api) {
    let long = "k".repeat(256);
    for key in ["has space", "", long.as_str()] {
        let response = post_with_key(api, "/customers", key, &json!({"email": "bad-key@example.test"})).await;
        assert_eq!(response.status, 422, "key {key:?}");
        assert!(response.json()["error"]["fields"]["Idempotency-Key"].is_array());
    }
    assert_eq!(api.get("/customers?per_page=10").await.json()["meta"]["total"], 0);
}

async fn racing_duplicates_make_one_customer(api: &Api) {
    let body = json!({"email": "race@example.test", "first": "Race"});
    let requests = (0..6).map(|_| post_with_key(api, "/customers", "race-key", &body));

    let responses = futures_util::future::join_all(requests).await;

    let ids: Vec<Value> = responses.iter().map(|response| response.json()["id"].clone()).collect();
    assert!(responses.iter().all(|response| response.status == 200), "{ids:?}");
    assert!(ids.iter().all(|id| *id == ids[0] && id.is_string()), "{ids:?}");
    assert_eq!(responses.iter().filter(|response| response.headers.get(REPLAYED).is_none()).count(), 1);
    assert_eq!(api.get("/customers?per_page=10").await.json()["meta"]["total"], 1);
}

async fn keys_belong_to_a_team(teams: &[Api]) {
    let body = json!({"email": "same@example.test"});
    let a = post_with_key(&teams[0], "/customers", "shared-key", &body).await;
    let b = post_with_key(&teams[1], "/customers", "shared-key", &body).await;

    assert_eq!(a.status, 200);
    assert_eq!(b.status, 200);
    assert!(b.headers.get(REPLAYED).is_none());
    assert_ne!(a.json()["id"], b.json()["id"]);
}

on_both_stores!(
    retried_creates_write_once,
    retried_avatar_upload_writes_once,
    reused_key_is_rejected,
    a_failed_request_frees_its_key,
    invalid_keys_are_rejected,
    racing_duplicates_make_one_customer,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_belong_to_a_team_embedded() {
    keys_belong_to_a_team(&Api::embedded_teams(&["team-a", "team-b"]).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_belong_to_a_team_dynamo() {
    keys_belong_to_a_team(&Api::moto_teams(&["team-a", "team-b"]).await).await;
}
