//! Replays what the original API's published PHP client (built on Guzzle) sends, on both stores.
//! It uses relative paths that end in a slash for collections. Every request carries `Accept`,
//! `Authorization: Bearer` and an empty `X-TEAM` header. Bodies are forms in PHP's bracket
//! encoding, and updates post back every field of a fetched record.

mod support;

use serde_json::{json, Map, Value};
use support::{Response, Api};

/// The client's view of the API: every call carries its headers, every POST is a form.
struct PhpClient<'a> {
    api: &'a Api,
}

/// The client sends `X-TEAM` even when its team id setting is empty; the key goes in
/// `Authorization`, which [`Api`] adds.
const HEADERS: [(&str, &str); 1] = [("x-team", "")];

impl PhpClient<'_> {
    async fn get(&self, path: &str) -> Response {
        self.api.send_with("GET", &format!("/{path}"), &HEADERS, None, Vec::new()).await
    }

    async fn post(&self, path: &str, fields: &Value) -> Response {
        let body = http_build_query(fields);
        let form = Some("application/x-www-form-urlencoded");
        self.api.send_with("POST", &format!("/{path}"), &HEADERS, form, body).await
    }

    async fn delete(&self, path: &str) -> Response {
        self.api.send_with("DELETE", &format!("/{path}"), &HEADERS, None, Vec::new()).await
    }
}

/// Encodes like PHP's `http_build_query`: nested keys in brackets, nulls dropped, booleans as
/// `1` and `0`.
fn http_build_query(value: &Value) -> String {
    let mut pairs = Vec::new();
    if let Value::Object(map) = value {
        for (key, value) in map {
            flatten(key.clone(), value, &mut pairs);
        }
    }
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        form.append_pair(&key, &value);
    }
    form.finish()
}

fn flatten(key: String, value: &Value, pairs: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Bool(flag) => pairs.push((key, if *flag { "1" } else { "0" }.to_string())),
        Value::Number(number) => pairs.push((key, number.to_string())),
        Value::String(text) => pairs.push((key, text.clone())),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                flatten(format!("{key}[{index}]"), item, pairs);
            }
        }
        Value::Object(map) => {
            for (name, item) in map {
                flatten(format!("{key}[{name}]"), item, pairs);
            }
        }
    }
}

fn created_id(answer: &Response) -> String {
    assert_eq!(answer.status, 200, "{:?}", answer.json());
    let body = answer.json();
    assert!(body["success"].is_string(), "{body}");
    body["id"].as_str().expect("creates answer with an id").to_string()
}

async fn connection_test(api: &Api) {
    let client = PhpClient { api };
    let root = client.get("").await;
    assert_eq!(root.status, 200);
    assert!(!root.json().as_object().unwrap().is_empty());
}

async fn customer_operations(api: &Api) {
    let client = PhpClient { api };
    let attribute = json!({"key": "attr-source", "name": "Source", "type": "list", "required": false, "options": ["Website", "Event"]});
    assert_eq!(client.post("attributes/customer/", &attribute).await.status, 200);
    let attributes = client.get("attributes/customer/").await.json();
    assert_eq!(attributes, json!([{"key": "attr-source", "name": "Source", "type": "list", "required": false, "options": ["Website", "Event"]}]));

    // create, then the client fetches the id it was given
    let fields = json!({"email": "jdoe@example.com", "first": "John", "last": "Doe", "tags": ["vip", "lead"], "attr-source": "Website"});
    let id = created_id(&client.post("customers/", &fields).await);
    let record = client.get(&format!("customers/{id}")).await.json();
    assert_eq!(record["email"], json!("jdoe@example.com"));
    assert_eq!(record["tags"], json!(["vip", "lead"]));
    assert_eq!(record["attr-source"], json!("Website"));

    // find by email, and search
    assert_eq!(client.get("customers/jdoe@example.com").await.json()["id"], json!(id));
    let search = client.get("customers/?email=jdoe%40example.com").await.json();
    assert_eq!(search.as_array().unwrap().len(), 1);
    assert_eq!(client.get("customers/?attr-source=Website").await.json()[0]["id"], json!(id));

    // track an interaction, then refresh
    let tracked = json!({"customer": id, "source": "Website", "description": "Filled out lead gen form", "priority": 5});
    let interaction_id = created_id(&client.post("track/", &tracked).await);
    let refreshed = client.get(&format!("customers/{id}")).await.json();
    let newest = &refreshed["interactions"][0];
    assert_eq!(newest["id"], json!(interaction_id));
    assert_eq!(newest["customer_id"], json!(id));
    assert_eq!(newest["source"], json!("Website"));
    assert_eq!(newest["description"], json!("Filled out lead gen form"));
    assert_eq!(newest["priority"], json!(5));
    assert!(newest["created_at"].is_string());
    let activity = api.get("/customers/activity").await.json();
    assert_eq!(activity[0]["description"], json!("Filled out lead gen form"));

    // update: post back every field of the fetched record, with one change
    let organization = created_id(&client.post("organizations/", &json!({"name": "Company Co Inc"})).await);
    let mut echoed: Map<String, Value> = refreshed.as_object().unwrap().clone();
    echoed.insert("first".into(), json!("Johnny"));
    echoed.insert("organization_id".into(), json!(organization));
    let updated = client.post(&format!("customers/{id}"), &Value::Object(echoed)).await;
    assert_eq!(updated.status, 200, "{:?}", updated.json());
    assert_eq!(updated.json()["id"], json!(id));
    let after = client.get(&format!("customers/{id}")).await.json();
    assert_eq!(after["first"], json!("Johnny"));
    assert_eq!(after["last"], json!("Doe"));
    assert_eq!(after["tags"], json!(["vip", "lead"]));
    assert_eq!(after["organization"]["name"], json!("Company Co Inc"));

    // the updated record echoed again, organization object and all, changes nothing else
    let again = client.post(&format!("customers/{id}"), &after).await;
    assert_eq!(again.status, 200, "{:?}", again.json());

    // delete
    let deleted = client.delete(&format!("customers/{id}")).await;
    assert_eq!(deleted.status, 200);
    assert!(deleted.json()["success"].is_string());
    assert_eq!(client.get(&format!("customers/{id}")).await.status, 404);
}

async fn organization_operations(api: &Api) {
    let client = PhpClient { api };
    let fields = json!({"name": "Company Co Inc", "address": "123 Anystreet", "city": "Townsville", "state": "OH", "zip": "45342"});
    let id = created_id(&client.post("organizations/", &fields).await);
    let member = created_id(&client.post("customers/", &json!({"email": "m@example.com", "first": "Mia", "organizationId": id})).await);

    let found = client.get(&format!("organizations/{id}")).await.json();
    for key in ["id", "name", "address", "city", "state", "zip", "created_at", "updated_at"] {
        assert!(found.get(key).is_some(), "{key} missing from {found}");
    }
    assert_eq!(found["customers"], json!([{"id": member, "name": "Mia"}]));

    let search = client.get("organizations/?name=company").await.json();
    assert_eq!(search.as_array().unwrap().len(), 1);
    let paged = client.get("organizations/?name=company&per_page=1").await.json();
    assert_eq!(paged["meta"]["total"], json!(1));

    let mut echoed = found.as_object().unwrap().clone();
    echoed.insert("city".into(), json!("Springfield"));
    let updated = client.post(&format!("organizations/{id}"), &Value::Object(echoed)).await;
    assert_eq!(updated.status, 200, "{:?}", updated.json());
    let after = client.get(&format!("organizations/{id}")).await.json();
    assert_eq!(after["city"], json!("Springfield"));
    assert_eq!(after["zip"], json!("45342"));

    let deleted = client.delete(&format!("organizations/{id}")).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(client.get(&format!("organizations/{id}")).await.status, 404);
    let customer = client.get(&format!("customers/{member}")).await.json();
    assert_eq!(customer["organization_id"], Value::Null);
    assert_eq!(customer["organization"], Value::Null);
}

async fn validation_failures(api: &Api) {
    let client = PhpClient { api };
    let no_email = client.post("customers/", &json!({"first": "Nobody"})).await;
    assert_eq!(no_email.status, 422);
    assert_eq!(no_email.json()["error"]["fields"]["email"], json!(["is required"]));

    let empty = api.send_with("POST", "/customers/", &HEADERS, None, Vec::new()).await;
    assert_eq!(empty.status, 422);
    assert_eq!(empty.json()["error"]["fields"]["email"], json!(["is required"]));

    let unknown = client.post("customers/", &json!({"email": "x@example.com", "organizationId": "0190a1b2c3d4e5f60718293a4b5c6d70"})).await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.json()["error"]["fields"]["organizationId"].is_array());

    let nameless = client.post("organizations/", &json!({"city": "Townsville"})).await;
    assert_eq!(nameless.status, 422);
    assert_eq!(nameless.json()["error"]["fields"]["name"], json!(["is required"]));

    let orphan = client.post("track/", &json!({"customer": "nobody@example.com", "source": "Web", "description": "x"})).await;
    assert_eq!(orphan.status, 422);
    assert!(orphan.json()["error"]["fields"]["customer"].is_array());

    assert_eq!(client.get("customers/0190a1b2c3d4e5f60718293a4b5c6d7e").await.status, 404);
    assert_eq!(client.get("organizations/0190a1b2c3d4e5f60718293a4b5c6d7e").await.status, 404);
}

async fn notes_on_a_customer(api: &Api) {
    let client = PhpClient { api };
    let id = created_id(&client.post("customers/", &json!({"email": "n@example.com"})).await);
    let first = created_id(&client.post(&format!("customers/{id}/notes"), &json!({"body": "Called", "author": "Sam"})).await);
    let second = created_id(&client.post(&format!("customers/{id}/notes"), &json!({"body": "Emailed"})).await);

    let notes = client.get(&format!("customers/{id}")).await.json()["notes"].clone();
    assert_eq!(notes[0]["id"], json!(second));
    assert_eq!(notes[0]["author"], Value::Null);
    assert_eq!(notes[1]["id"], json!(first));
    assert_eq!(notes[1]["body"], json!("Called"));
    assert!(notes[1]["created_at"].is_string());

    assert_eq!(client.delete(&format!("customers/{id}/notes/{first}")).await.status, 200);
    assert_eq!(client.delete(&format!("customers/{id}/notes/{first}")).await.status, 404);
    let left = client.get(&format!("customers/{id}")).await.json()["notes"].clone();
    assert_eq!(left.as_array().unwrap().len(), 1);
    let bodiless = client.post(&format!("customers/{id}/notes"), &json!({"author": "Sam"})).await;
    assert_eq!(bodiless.status, 422);
}

on_both_stores!(connection_test, customer_operations, organization_operations, validation_failures, notes_on_a_customer);
