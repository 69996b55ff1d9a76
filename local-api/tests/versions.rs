//! `ETag` and `If-Match` on customers and organizations: every read and update names the
//! record's version, and an update whose `If-Match` names another version gets a 412 and
//! changes nothing. Each test runs on the embedded store and on moto.

mod support;

use serde_json::{json, Value};
use support::{Api, Response};

async fn update(api: &Api, path: &str, if_match: Option<&str>, body: &Value) -> Response {
    let headers: Vec<(&str, &str)> = if_match.map(|tag| ("If-Match", tag)).into_iter().collect();
    api.send_with("POST", path, &headers, Some("application/json"), body.to_string()).await
}

fn etag(response: &Response) -> &str {
    response.headers.get("etag").expect("an ETag header").to_str().unwrap()
}

async fn create_customer(api: &Api) -> String {
    let created = api.post_json("/customers", &json!({"email": "tag@example.test", "first": "Ann"})).await;
    assert_eq!(etag(&created), "\"1\"");
    format!("/customers/{}", created.json()["id"].as_str().unwrap())
}

async fn reads_and_updates_carry_the_version(api: &Api) {
    let path = create_customer(api).await;
    assert_eq!(etag(&api.get(&path).await), "\"1\"");

    let updated = update(api, &path, None, &json!({"first": "Anna"})).await;
    assert_eq!(updated.status, 200);
    assert_eq!(etag(&updated), "\"2\"");
    assert_eq!(etag(&api.get(&path).await), "\"2\"");
}

async fn stale_if_match_changes_nothing(api: &Api) {
    let path = create_customer(api).await;
    update(api, &path, None, &json!({"first": "Anna"})).await;

    let stale = update(api, &path, Some("\"1\""), &json!({"first": "Stale"})).await;

    assert_eq!(stale.status, 412);
    assert_eq!(stale.json()["error"]["code"], "precondition_failed");
    let current = api.get(&path).await;
    assert_eq!(current.json()["first"], "Anna");
    assert_eq!(etag(&current), "\"2\"");
    assert_eq!(current.json()["interactions"].as_array().unwrap().len(), 2, "no interaction for the rejected update");
}

async fn matching_if_match_applies(api: &Api) {
    let path = create_customer(api).await;

    let listed = update(api, &path, Some("\"8\", \"1\""), &json!({"last": "Lee"})).await;
    assert_eq!(listed.status, 200);
    let star = update(api, &path, Some("*"), &json!({"middle": "B"})).await;
    assert_eq!(star.status, 200);
    assert_eq!(etag(&star), "\"3\"");

    let weak = update(api, &path, Some("W/\"3\""), &json!({"middle": "C"})).await;
    assert_eq!(weak.status, 412);
    let empty = update(api, &path, Some("\"3\""), &json!({})).await;
    assert_eq!(empty.status, 200);
    assert_eq!(etag(&empty), "\"3\"");
    let empty_stale = update(api, &path, Some("\"2\""), &json!({})).await;
    assert_eq!(empty_stale.status, 412);
    assert_eq!(api.get(&path).await.json()["middle"], "B");
}

async fn racing_same_version_updates_apply_once(api: &Api) {
    let path = create_customer(api).await;

    let bodies: Vec<Value> = (0..4).map(|n| json!({"first": format!("Racer {n}")})).collect();
    let racers = bodies.iter().map(|body| update(api, &path, Some("\"1\""), body));
    let responses = futures_util::future::join_all(racers).await;

    let statuses: Vec<u16> = responses.iter().map(|response| response.status).collect();
    assert_eq!(statuses.iter().filter(|status| **status == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|status| **status == 412).count(), 3, "{statuses:?}");
    assert_eq!(etag(&api.get(&path).await), "\"2\"");
}

async fn organizations_carry_versions(api: &Api) {
    let created = api.post_json("/organizations", &json!({"name": "Acme"})).await;
    assert_eq!(etag(&created), "\"1\"");
    let path = format!("/organizations/{}", created.json()["id"].as_str().unwrap());
    assert_eq!(etag(&api.get(&path).await), "\"1\"");

    let renamed = update(api, &path, Some("\"1\""), &json!({"name": "Acme Inc"})).await;
    assert_eq!(renamed.status, 200);
    assert_eq!(etag(&renamed), "\"2\"");

    let stale = update(api, &path, Some("\"1\""), &json!({"name": "Stale"})).await;
    assert_eq!(stale.status, 412);
    assert_eq!(api.get(&path).await.json()["name"], "Acme Inc");
}

on_both_stores!(
    reads_and_updates_carry_the_version,
    stale_if_match_changes_nothing,
    matching_if_match_applies,
    racing_same_version_updates_apply_once,
    organizations_carry_versions,
);
