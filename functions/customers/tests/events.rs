//! The collection handler, driven by the API Gateway events in `events/`.

use serde_json::{json, Value};
use shared::store::{AvatarStore, Store};
use shared::testing::{event, read, request};
use shared::App;

async fn call<S: Store, A: AvatarStore>(app: &App<S, A>, event: &Value) -> (u16, Value) {
    read(customers::handle(app, request(event)).await)
}

fn with_body(name: &str, content_type: Option<&str>, body: &str) -> Value {
    let mut event = event(name);
    event["body"] = json!(body);
    match content_type {
        Some(content_type) => event["headers"]["content-type"] = json!(content_type),
        None => {
            event["headers"].as_object_mut().unwrap().remove("content-type");
        }
    }
    event
}

async fn create_from_json_event<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let (status, body) = call(app, &event("customers-create.json")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], json!("Customer created"));
    let id = body["id"].as_str().unwrap();

    let (status, list) = call(app, &event("customers-list.json")).await;
    assert_eq!(status, 200);
    let row = &list[0];
    assert_eq!(row["id"], json!(id));
    assert_eq!(row["email"], json!("jdoe@example.com"));
    assert_eq!(row["first"], json!("John"));
    assert_eq!(row["middle"], json!("James"));
    assert_eq!(row["last"], json!("Doe"));
    assert_eq!(row["assigned_user"], json!(1));
    assert_eq!(row["organization_id"], Value::Null);
    assert_eq!(row["tags"], json!(["vip", "lead"]));
    let created_at = row["created_at"].as_str().unwrap();
    assert_eq!(created_at.len(), "2016-09-12 18:45:29".len(), "{created_at}");
}

async fn create_from_form_event<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let (status, body) = call(app, &event("customers-create-form.json")).await;
    assert_eq!(status, 200, "{body}");

    let (_, list) = call(app, &event("customers-list.json")).await;
    assert_eq!(list[0]["email"], json!("jane@example.com"));
    assert_eq!(list[0]["tags"], json!(["vip", "lead"]));
}

async fn list_without_paging_is_array<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let (status, body) = call(app, &event("customers-list.json")).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!([]));
}

async fn paged_list_has_meta<S: Store, A: AvatarStore>(app: &App<S, A>) {
    call(app, &event("customers-create.json")).await;
    call(app, &event("customers-create-form.json")).await;

    let (status, body) = call(app, &event("customers-list-paged.json")).await;
    assert_eq!(status, 200);
    assert_eq!(body["meta"], json!({"total": 1, "current_page": 1, "total_pages": 1, "next": null}));
    assert_eq!(body["customers"][0]["email"], json!("jdoe@example.com"));

    let mut page_only = event("customers-list.json");
    page_only["rawQueryString"] = json!("page=1");
    let (_, body) = call(app, &page_only).await;
    assert_eq!(body["meta"], json!({"total": 2, "current_page": 1, "total_pages": 1, "next": null}));
}

async fn rest_event_with_stage_prefix<S: Store, A: AvatarStore>(app: &App<S, A>) {
    call(app, &event("customers-create.json")).await;
    for path in ["/customers", "/Prod/customers", "/Prod/customers/", "/customers/"] {
        let mut rest = event("customers-list-v1.json");
        rest["path"] = json!(path);
        let (status, body) = call(app, &rest).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body.as_array().map(Vec::len), Some(1), "{path}");
    }
}

async fn create_without_fields_names_email<S: Store, A: AvatarStore>(app: &App<S, A>) {
    for content_type in [None, Some("application/x-www-form-urlencoded"), Some("application/json")] {
        let (status, body) = call(app, &with_body("customers-create.json", content_type, "")).await;
        assert_eq!(status, 422, "{content_type:?}");
        assert_eq!(body["error"]["fields"]["email"], json!(["is required"]));
    }
}

async fn duplicate_email_is_rejected<S: Store, A: AvatarStore>(app: &App<S, A>) {
    call(app, &event("customers-create.json")).await;
    let (status, body) = call(app, &with_body("customers-create.json", Some("application/json"), r#"{"email":"JDOE@example.com"}"#)).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"]["email"], json!(["is already taken by another customer"]));
}

async fn bad_bodies_get_client_errors<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let cases = [
        (Some("text/plain"), "email=a@b.c".to_string(), 415),
        (Some("APPLICATION/JSON; charset=UTF-8"), "{\"email\": ".to_string(), 400),
        (Some("application/json"), "[1, 2]".to_string(), 400),
        (Some("application/json"), format!("{{\"email\":\"{}@example.com\"}}", "a".repeat(300 * 1024)), 413),
        (Some("application/json"), r#"{"email":"a@example.com","assignedUser":"many"}"#.to_string(), 422),
    ];
    for (content_type, body, expected) in cases {
        let (status, answer) = call(app, &with_body("customers-create.json", content_type, &body)).await;
        assert_eq!(status, expected, "{content_type:?}: {answer}");
        assert!(answer["error"]["message"].is_string());
    }
    let (_, list) = call(app, &event("customers-list.json")).await;
    assert_eq!(list, json!([]), "no bad request may write");
}

async fn base64_form_body_is_decoded<S: Store, A: AvatarStore>(app: &App<S, A>) {
    use base64::Engine;
    let mut encoded = event("customers-create-form.json");
    let body = encoded["body"].as_str().unwrap().to_string();
    encoded["body"] = json!(base64::engine::general_purpose::STANDARD.encode(body));
    encoded["isBase64Encoded"] = json!(true);
    let (status, answer) = call(app, &encoded).await;
    assert_eq!(status, 200, "{answer}");
}

async fn request_without_team_is_unauthorized<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let mut anonymous = event("customers-list.json");
    anonymous["requestContext"].as_object_mut().unwrap().remove("authorizer");
    let (status, body) = call(app, &anonymous).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], json!("unauthorized"));
}

async fn wrong_method_is_405<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let mut put = event("customers-list.json");
    put["requestContext"]["http"]["method"] = json!("PUT");
    let response = customers::handle(app, request(&put)).await;
    assert_eq!(response.headers()["allow"], "GET, POST");
    assert_eq!(read(response).0, 405);
}

shared::on_both_stores!(
    create_from_json_event,
    create_from_form_event,
    list_without_paging_is_array,
    paged_list_has_meta,
    rest_event_with_stage_prefix,
    create_without_fields_names_email,
    duplicate_email_is_rejected,
    bad_bodies_get_client_errors,
    base64_form_body_is_decoded,
    request_without_team_is_unauthorized,
    wrong_method_is_405,
);

/// A team whose full list is larger than Lambda can return gets a 422 that requests pages.
#[tokio::test]
async fn oversized_list_asks_for_pages() {
    use shared::model::FieldScope;
    use shared::testing::{create_customer, team, EVENT_TEAM};

    let app = shared::testing::embedded_app();
    let mut body = json!({});
    for n in 0..30 {
        let key = format!("attr-f{n}");
        let definition = json!({"key": key, "name": key, "type": "text"});
        let field = shared::model::FieldDefinition::from_body(definition.as_object().unwrap()).unwrap();
        app.store.put_field(&team(EVENT_TEAM), FieldScope::Customer, &field).await.unwrap();
        body[&key] = json!("v".repeat(1_000));
    }
    for n in 0..200 {
        body["email"] = json!(format!("c{n}@example.com"));
        create_customer(&app, body.clone()).await;
    }

    let (status, answer) = call(&app, &event("customers-list.json")).await;
    assert_eq!(status, 422);
    assert!(answer["error"]["fields"]["per_page"].is_array(), "{answer}");

    let mut all_at_once = event("customers-list.json");
    all_at_once["rawQueryString"] = json!("per_page=1000");
    let (status, answer) = call(&app, &all_at_once).await;
    assert_eq!(status, 422);
    assert_eq!(answer["error"]["code"], json!("response_too_large"));

    let mut paged = event("customers-list.json");
    paged["rawQueryString"] = json!("per_page=50");
    let (status, answer) = call(&app, &paged).await;
    assert_eq!(status, 200);
    assert_eq!(answer["meta"]["total"], json!(200));
}
