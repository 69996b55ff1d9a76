//! The latest-customers handler, driven by the API Gateway events in `events/`.

use serde_json::{json, Value};
use shared::model::CustomerChange;
use shared::store::{AvatarStore, Store};
use shared::testing::{create_customer, event, read, request, team, EVENT_TEAM};
use shared::App;

async fn call<S: Store, A: AvatarStore>(app: &App<S, A>, event: &Value) -> (u16, Value) {
    read(latest::handle(app, request(event)).await)
}

fn with_query(query: &str) -> Value {
    let mut latest = event("latest.json");
    latest["rawQueryString"] = json!(query);
    latest
}

async fn newest_update_comes_first<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let first = create_customer(app, json!({"email": "first@example.com"})).await;
    create_customer(app, json!({"email": "second@example.com"})).await;
    let change = CustomerChange::from_body(json!({"last": "Updated"}).as_object().unwrap(), &[]).unwrap();
    app.store.update_customer(&team(EVENT_TEAM), &first, &change, "Customer updated", None).await.unwrap();

    let (status, body) = call(app, &event("latest.json")).await;
    assert_eq!(status, 200);
    let emails: Vec<&str> = body.as_array().unwrap().iter().map(|c| c["email"].as_str().unwrap()).collect();
    assert_eq!(emails, vec!["first@example.com", "second@example.com"]);

    let (_, one) = call(app, &with_query("limit=1")).await;
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["last"], json!("Updated"));
}

async fn limit_is_checked<S: Store, A: AvatarStore>(app: &App<S, A>) {
    for query in ["limit=0", "limit=101", "limit=ten", "limit=-1"] {
        let (status, body) = call(app, &with_query(query)).await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(body["error"]["fields"]["limit"], json!(["must be a whole number from 1 to 100"]));
    }
    let (status, _) = call(app, &with_query("limit=100")).await;
    assert_eq!(status, 200);
}

shared::on_both_stores!(newest_update_comes_first, limit_is_checked);
