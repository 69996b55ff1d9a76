//! The track handler, driven by the API Gateway event in `events/`.

use serde_json::{json, Value};
use shared::store::{AvatarStore, Store};
use shared::testing::{create_customer, event, event_for_customer, read, request, team, EVENT_TEAM};
use shared::App;

async fn call<S: Store, A: AvatarStore>(app: &App<S, A>, event: &Value) -> (u16, Value) {
    read(track::handle(app, request(event)).await)
}

async fn tracked_interaction_comes_first<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let id = create_customer(app, json!({"email": "t@example.com"})).await;
    let (status, body) = call(app, &event_for_customer("track.json", &id)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], json!("Interaction recorded"));

    let details = app.store.customer_details(&team(EVENT_TEAM), &id).await.unwrap().unwrap();
    let newest = &details.interactions[0];
    assert_eq!(newest.id, body["id"].as_str().unwrap());
    assert_eq!(newest.source, "Website");
    assert_eq!(newest.description, "Filled out lead gen form");
    assert_eq!(newest.priority, 5);
}

async fn invalid_track_names_fields<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let mut bad = event("track.json");
    bad["body"] = json!("source=&priority=high");
    let (status, body) = call(app, &bad).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = body["error"]["fields"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(fields, vec!["customer", "description", "priority", "source"]);

    let (status, body) = call(app, &event("track.json")).await;
    assert_eq!(status, 422, "the fixture's customer does not exist: {body}");
    assert!(body["error"]["fields"]["customer"].is_array());
}

shared::on_both_stores!(tracked_interaction_comes_first, invalid_track_names_fields);
