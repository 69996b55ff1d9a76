//! The organization handlers, driven by the API Gateway events in `events/`.

use serde_json::{json, Value};
use shared::store::{AvatarStore, Store};
use shared::testing::{event, read, request};
use shared::App;

const ORGANIZATION_ID: &str = "0190a1b2c3d4e5f60718293a4b5c6d70";

async fn collection<S: Store, A: AvatarStore>(app: &App<S, A>, event: &Value) -> (u16, Value) {
    read(organizations::handle(app, request(event)).await)
}

fn for_organization(name: &str, id: &str) -> Value {
    serde_json::from_str(&event(name).to_string().replace(ORGANIZATION_ID, id)).unwrap()
}

async fn organization_events_round_trip<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let (status, body) = collection(app, &event("organizations-create.json")).await;
    assert_eq!(status, 200, "{body}");
    let id = body["id"].as_str().unwrap().to_string();

    let (status, list) = collection(app, &event("organizations-list.json")).await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["name"], json!("Company Co Inc"));
    assert_eq!(list[0]["zip"], json!("45342"));

    let single = |name: &str| organization::handle(app, request(&for_organization(name, &id)));
    let (status, body) = read(single("organization-update.json").await);
    assert_eq!(status, 200, "{body}");
    let (status, fetched) = read(single("organization-get.json").await);
    assert_eq!(status, 200);
    assert_eq!(fetched["city"], json!("Springfield"));
    assert_eq!(fetched["address"], json!("123 Anystreet"));
    assert_eq!(fetched["customers"], json!([]));

    let (status, _) = read(single("organization-delete.json").await);
    assert_eq!(status, 200);
    let (status, _) = read(single("organization-get.json").await);
    assert_eq!(status, 404);
}

shared::on_both_stores!(organization_events_round_trip);
