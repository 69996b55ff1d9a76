//! The single-customer handler, driven by the API Gateway events in `events/`.

use serde_json::{json, Value};
use shared::store::{AvatarStore, Store};
use shared::testing::{create_customer, event, event_for_customer, read, request};
use shared::App;

async fn call<S: Store, A: AvatarStore>(app: &App<S, A>, event: &Value) -> (u16, Value) {
    read(customer::handle(app, request(event)).await)
}

async fn fetch_by_id_and_email<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let id = create_customer(app, json!({"email": "jdoe@example.com", "first": "John", "tags": ["vip"]})).await;

    for key in [id.as_str(), "jdoe@example.com", "JDoe@Example.com"] {
        let (status, body) = call(app, &event_for_customer("customer-get.json", key)).await;
        assert_eq!(status, 200, "{key}: {body}");
        assert_eq!(body["id"], json!(id));
        assert_eq!(body["email"], json!("jdoe@example.com"));
        assert_eq!(body["tags"], json!(["vip"]));
        assert_eq!(body["organization"], Value::Null);
        assert_eq!(body["notes"], json!([]));
        assert_eq!(body["avatar"], Value::Null);
        let interaction = &body["interactions"][0];
        assert_eq!(interaction["customer_id"], json!(id));
        assert_eq!(interaction["source"], json!("API"));
        assert_eq!(interaction["description"], json!("Customer created"));
        assert!(interaction["created_at"].is_string());
    }
}

async fn update_changes_sent_fields<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let id = create_customer(app, json!({"email": "jdoe@example.com", "first": "John", "last": "Doe"})).await;

    let (status, body) = call(app, &event_for_customer("customer-update.json", &id)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"success": "Customer updated", "id": id}));

    let (_, customer) = call(app, &event_for_customer("customer-get.json", &id)).await;
    assert_eq!(customer["first"], json!("Johnny"));
    assert_eq!(customer["last"], json!("Doe"));
    assert_eq!(customer["tags"], json!(["vip", "renewal"]));
    assert_eq!(customer["interactions"][0]["description"], json!("Customer updated"));
}

async fn empty_update_changes_nothing<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let id = create_customer(app, json!({"email": "still@example.com"})).await;
    let (_, before) = call(app, &event_for_customer("customer-get.json", &id)).await;
    let mut update = event_for_customer("customer-update.json", &id);
    update["body"] = json!("");
    let (status, body) = call(app, &update).await;
    assert_eq!(status, 200, "{body}");
    let (_, after) = call(app, &event_for_customer("customer-get.json", &id)).await;
    assert_eq!(after, before);

    let (status, _) = call(app, &event_for_customer("customer-update.json", "0190a1b2c3d4e5f60718293a4b5c6d7f")).await;
    assert_eq!(status, 404);
}

async fn update_rejects_invalid_fields<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let id = create_customer(app, json!({"email": "jdoe@example.com"})).await;
    let mut update = event_for_customer("customer-update.json", &id);
    update["body"] = json!(r#"{"email": "not-an-email", "assignedUser": -1}"#);

    let (status, body) = call(app, &update).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"]["email"], json!(["must be a valid email address"]));
    assert_eq!(body["error"]["fields"]["assignedUser"], json!(["must be a whole number from 0 to 9223372036854775807"]));
    let (_, customer) = call(app, &event_for_customer("customer-get.json", &id)).await;
    assert_eq!(customer["email"], json!("jdoe@example.com"));
}

async fn delete_removes_customer<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let id = create_customer(app, json!({"email": "jdoe@example.com"})).await;

    let (status, body) = call(app, &event_for_customer("customer-delete.json", "jdoe@example.com")).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"success": "Customer Deleted"}));

    let (status, body) = call(app, &event_for_customer("customer-get.json", &id)).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], json!("not_found"));
    let (status, _) = call(app, &event_for_customer("customer-delete.json", &id)).await;
    assert_eq!(status, 404);
}

async fn unknown_ids_are_json_404<S: Store, A: AvatarStore>(app: &App<S, A>) {
    create_customer(app, json!({"email": "jdoe@example.com"})).await;
    // API Gateway v2 sends `rawPath` decoded, with the parameter in `pathParameters`.
    let v2_cases = [("/customers/id x", "id x"), ("/customers/a/b", "a/b"), ("/customers/Año", "Año")];
    for (raw_path, id) in v2_cases {
        let mut get = event("customer-get.json");
        get["rawPath"] = json!(raw_path);
        get["requestContext"]["http"]["path"] = json!(raw_path);
        get["pathParameters"] = json!({"id": id});
        let (status, body) = call(app, &get).await;
        assert_eq!(status, 404, "{raw_path}: {body}");
        assert_eq!(body["error"]["message"], json!("Customer not found"));
    }
    // Without `pathParameters` (REST events, local-api) the handler resolves the path itself.
    for path in ["/customers/id%20x", "/customers/a%2Fb", "/customers/A%C3%B1o", "/customers/a/b", "/customers/x/avatar"] {
        let mut get = event("customer-get.json");
        get["rawPath"] = json!(path);
        get.as_object_mut().unwrap().remove("pathParameters");
        let (status, body) = call(app, &get).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(body["error"]["code"].is_string());
    }
}

async fn wrong_method_is_405<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let mut patch = event("customer-get.json");
    patch["requestContext"]["http"]["method"] = json!("PATCH");
    let response = customer::handle(app, request(&patch)).await;
    assert_eq!(response.headers()["allow"], "GET, POST, DELETE");
    assert_eq!(read(response).0, 405);
}

shared::on_both_stores!(
    fetch_by_id_and_email,
    update_changes_sent_fields,
    update_rejects_invalid_fields,
    delete_removes_customer,
    unknown_ids_are_json_404,
    wrong_method_is_405,
    attribute_total_is_limited,
    empty_update_changes_nothing,
);

async fn attribute_total_is_limited<S: Store, A: AvatarStore>(app: &App<S, A>) {
    use shared::model::{FieldDefinition, FieldScope, MAX_ATTRIBUTES};
    use shared::testing::{team, EVENT_TEAM};

    for n in 0..MAX_ATTRIBUTES {
        let definition = json!({"key": format!("attr-f{n}"), "name": "F", "type": "text"});
        let field = FieldDefinition::from_body(definition.as_object().unwrap()).unwrap();
        app.store.put_field(&team(EVENT_TEAM), FieldScope::Customer, &field).await.unwrap();
    }
    let first_half: serde_json::Map<String, Value> = (0..20).map(|n| (format!("attr-f{n}"), json!("x"))).collect();
    let mut body = Value::Object(first_half);
    body["email"] = json!("many@example.com");
    let id = create_customer(app, body).await;

    let rest: serde_json::Map<String, Value> = (20..MAX_ATTRIBUTES).map(|n| (format!("attr-f{n}"), json!("y"))).collect();
    let mut update = event_for_customer("customer-update.json", &id);
    update["body"] = json!(Value::Object(rest).to_string());
    let (status, body) = call(app, &update).await;
    assert_eq!(status, 200, "reaching the limit is allowed: {body}");
    let (_, customer) = call(app, &event_for_customer("customer-get.json", &id)).await;
    assert_eq!(customer["attr-f29"], json!("y"));
}

#[tokio::test]
async fn newest_hundred_interactions_are_listed() {
    use shared::model::{Interaction, Timestamp};
    use shared::testing::{team, EVENT_TEAM};

    let app = shared::testing::embedded_app();
    let id = create_customer(&app, json!({"email": "busy@example.com"})).await;
    for n in 0..150 {
        let interaction = Interaction { description: format!("call {n}"), ..Interaction::by_api(&id, "", Timestamp::now()) };
        app.store.add_interaction(&team(EVENT_TEAM), &interaction, None).await.unwrap();
    }
    let (status, body) = call(&app, &event_for_customer("customer-get.json", &id)).await;
    assert_eq!(status, 200);
    let interactions = body["interactions"].as_array().unwrap();
    assert_eq!(interactions.len(), customer::MAX_LISTED);
    assert_eq!(interactions[0]["description"], json!("call 149"));
}
