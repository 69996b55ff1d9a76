//! The fields handler, driven by the API Gateway events in `events/`.

use serde_json::{json, Value};
use shared::store::{AvatarStore, Store};
use shared::testing::{event, read, request};
use shared::App;

async fn call<S: Store, A: AvatarStore>(app: &App<S, A>, event: &Value) -> (u16, Value) {
    read(fields::handle(app, request(event)).await)
}

async fn built_in_fields_are_listed<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let (status, body) = call(app, &event("fields-list.json")).await;
    assert_eq!(status, 200);
    assert_eq!(body["email"], json!({"name": "Email Address", "required": true, "type": "email"}));
    assert_eq!(body.as_object().unwrap().keys().next().map(String::as_str), Some("email"));
}

async fn defined_field_is_listed_and_deleted<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let (status, body) = call(app, &event("fields-define.json")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"success": "Field saved", "key": "attr-source"}));

    let (_, fields) = call(app, &event("fields-list.json")).await;
    assert_eq!(
        fields["attr-source"],
        json!({"name": "Source", "required": false, "type": "list", "options": ["Website", "Referral", "Event"]})
    );

    let (status, body) = call(app, &event("field-delete.json")).await;
    assert_eq!(status, 200, "{body}");
    let (_, fields) = call(app, &event("fields-list.json")).await;
    assert!(fields.get("attr-source").is_none());
    let (status, _) = call(app, &event("field-delete.json")).await;
    assert_eq!(status, 404);
}

async fn invalid_definition_names_fields<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let mut define = event("fields-define.json");
    define["body"] = json!(r#"{"key": "source", "type": "colour"}"#);
    let (status, body) = call(app, &define).await;
    assert_eq!(status, 422);
    let fields = body["error"]["fields"].as_object().unwrap();
    let names: Vec<&str> = fields.keys().map(String::as_str).collect();
    assert_eq!(names, vec!["key", "name", "type"]);
}

shared::on_both_stores!(built_in_fields_are_listed, defined_field_is_listed_and_deleted, invalid_definition_names_fields);

mod attributes {
    use serde_json::json;
    use shared::store::{AvatarStore, Store};
    use shared::testing::{event, read, request};
    use shared::App;

    async fn organization_attributes_round_trip<S: Store, A: AvatarStore>(app: &App<S, A>) {
        let call = |name: &str| fields::handle(app, request(&event(name)));
        let (status, body) = read(call("attributes-define.json").await);
        assert_eq!(status, 200, "{body}");

        let mut list = event("attributes-list.json");
        list["rawPath"] = json!("/attributes/organization");
        list["pathParameters"] = json!({"scope": "organization"});
        let (status, body) = read(fields::handle(app, request(&list)).await);
        assert_eq!(status, 200);
        assert_eq!(body, json!([{"key": "attr-industry", "name": "Industry", "type": "text", "required": false, "options": []}]));

        let (_, customers) = read(call("attributes-list.json").await);
        assert_eq!(customers, json!([]), "customer attributes are separate");

        let (status, _) = read(call("attribute-delete.json").await);
        assert_eq!(status, 200);
        let (status, _) = read(call("attribute-delete.json").await);
        assert_eq!(status, 404);
    }

    async fn unknown_scope_is_404<S: Store, A: AvatarStore>(app: &App<S, A>) {
        let mut list = event("attributes-list.json");
        list["pathParameters"] = json!({"scope": "invoice"});
        let (status, _) = read(fields::handle(app, request(&list)).await);
        assert_eq!(status, 404);
    }

    shared::on_both_stores!(organization_attributes_round_trip, unknown_scope_is_404);
}
