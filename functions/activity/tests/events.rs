//! The activity handler, driven by the API Gateway events in `events/`.

use serde_json::{json, Value};
use shared::model::{Interaction, Timestamp};
use shared::store::{AvatarStore, Store};
use shared::testing::{create_customer, event, read, request, team, EVENT_TEAM};
use shared::App;

async fn call<S: Store, A: AvatarStore>(app: &App<S, A>, event: &Value) -> (u16, Value) {
    read(activity::handle(app, request(event)).await)
}

async fn feed_has_documented_shape<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let id = create_customer(app, json!({"email": "jdoe@example.com", "first": "John", "last": "Doe"})).await;
    let form = Interaction {
        source: "Website".into(),
        description: "Filled out a form".into(),
        ..Interaction::by_api(&id, "", Timestamp::now())
    };
    app.store.add_interaction(&team(EVENT_TEAM), &form, None).await.unwrap();

    let (status, body) = call(app, &event("activity.json")).await;
    assert_eq!(status, 200);
    let entries = body.as_array().unwrap();
    assert_eq!(entries.len(), 2);
    let newest = &entries[0];
    let keys: Vec<&str> = newest.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["id", "email", "name", "description", "source", "date", "avatar"]);
    assert_eq!(newest["id"], json!(id));
    assert_eq!(newest["email"], json!("jdoe@example.com"));
    assert_eq!(newest["name"], json!("John Doe"));
    assert_eq!(newest["description"], json!("Filled out a form"));
    assert_eq!(newest["source"], json!("Website"));
    assert_eq!(newest["date"]["timezone"], json!("UTC"));
    assert_eq!(newest["date"]["date"].as_str().unwrap().len(), "2016-05-23 16:30:49.000000".len());
    assert_eq!(newest["avatar"], Value::Null);
    assert_eq!(entries[1]["description"], json!("Customer created"));
    assert_eq!(entries[1]["source"], json!("API"));
}

async fn empty_team_has_empty_feed<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let (status, body) = call(app, &event("activity.json")).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!([]));
}

shared::on_both_stores!(feed_has_documented_shape, empty_team_has_empty_feed);
