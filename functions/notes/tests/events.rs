//! The notes handler, driven by the API Gateway events in `events/`.

use serde_json::{json, Value};
use shared::store::{AvatarStore, Store};
use shared::testing::{create_customer, event_for_customer, read, request};
use shared::App;

async fn call<S: Store, A: AvatarStore>(app: &App<S, A>, event: &Value) -> (u16, Value) {
    read(notes::handle(app, request(event)).await)
}

async fn note_is_added_and_removed<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let id = create_customer(app, json!({"email": "n@example.com"})).await;
    let (status, body) = call(app, &event_for_customer("notes-add.json", &id)).await;
    assert_eq!(status, 200, "{body}");
    let note_id = body["id"].as_str().unwrap().to_string();

    let remove = event_for_customer("note-delete.json", &id).to_string().replace("0190a1b2c3d4e5f60718293a4b5c6d71", &note_id);
    let remove: Value = serde_json::from_str(&remove).unwrap();
    let (status, body) = call(app, &remove).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = call(app, &remove).await;
    assert_eq!(status, 404);
}

async fn note_on_unknown_customer_is_404<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let (status, body) = call(app, &event_for_customer("notes-add.json", "0190a1b2c3d4e5f60718293a4b5c6d7f")).await;
    assert_eq!(status, 404, "{body}");
}

shared::on_both_stores!(note_is_added_and_removed, note_on_unknown_customer_is_404);
