//! The whole API through `local-api` over HTTP, on the embedded store and on DynamoDB and S3 at
//! moto: the journey a new user takes with curl, and the documented shapes along the way.

mod support;

use serde_json::{json, Value};
use support::{multipart_file, Api, PNG};

async fn customer_journey(api: &Api) {
    let root = api.get("").await;
    assert_eq!(root.status, 200);
    assert!(!root.json().as_object().unwrap().is_empty());

    let created = api.post_json("/customers", &json!({"email": "jdoe@example.com", "first": "John", "last": "Doe"})).await;
    assert_eq!(created.status, 200);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let form = api.post_form("/customers/", "email=jane%40example.com&first=Jane&tags%5B%5D=vip").await;
    assert_eq!(form.status, 200, "{:?}", form.json());

    let all = api.get("/customers").await.json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    let found = api.get("/customers?email=JDOE").await.json();
    assert_eq!(found[0]["id"], json!(id));
    let page = api.get("/customers?per_page=1&page=2").await.json();
    assert_eq!(page["meta"], json!({"total": 2, "current_page": 2, "total_pages": 2, "next": null}));
    assert_eq!(page["customers"][0]["email"], json!("jane@example.com"));

    let updated = api.post_form(&format!("/customers/{id}"), "middle=Stephen&assignedUser=562").await;
    assert_eq!(updated.json(), json!({"success": "Customer updated", "id": id}));
    let fetched = api.get(&format!("/customers/{id}/")).await.json();
    assert_eq!(fetched["middle"], json!("Stephen"));
    assert_eq!(fetched["assigned_user"], json!(562));
    assert_eq!(fetched["first"], json!("John"));

    let (content_type, body) = multipart_file(PNG, "me.png");
    let uploaded = api.send("POST", &format!("/customers/{id}/avatar"), Some(&content_type), body).await;
    assert_eq!(uploaded.status, 200, "{:?}", uploaded.json());
    assert_eq!(uploaded.json()["success"], json!("File Uploaded"));
    let url = uploaded.json()["url"].as_str().unwrap().to_string();
    let image = api.get(&url).await;
    assert_eq!(image.status, 200);
    assert_eq!(&image.body[..], PNG);
    let avatar = api.get("/customers/jdoe@example.com").await.json()["avatar"].clone();
    assert_eq!(api.get(avatar.as_str().unwrap()).await.body, PNG);

    let latest = api.get("/customers/latest?limit=1").await.json();
    assert_eq!(latest[0]["id"], json!(id));
    let activity = api.get("/customers/activity").await.json();
    let descriptions: Vec<&str> = activity.as_array().unwrap().iter().map(|e| e["description"].as_str().unwrap()).collect();
    assert_eq!(descriptions, vec!["Avatar uploaded", "Customer updated", "Customer created", "Customer created"]);
    assert!(activity[0]["avatar"].is_string());

    let deleted = api.delete(&format!("/customers/{id}")).await;
    assert_eq!(deleted.json(), json!({"success": "Customer Deleted"}));
    assert_eq!(api.get(&format!("/customers/{id}")).await.status, 404);
    assert_ne!(api.get(&url).await.status, 200, "avatar object removed with the customer");
    assert_eq!(api.get("/customers").await.json().as_array().unwrap().len(), 1);
}

async fn errors_are_json(api: &Api) {
    let cases: [(&str, &str, u16); 5] = [
        ("GET", "/nowhere", 404),
        ("GET", "/customers/a%2Fb", 404),
        ("GET", "/customers/A%C3%B1o", 404),
        ("PUT", "/customers", 405),
        ("DELETE", "/customers/latest", 405),
    ];
    for (method, path, expected) in cases {
        let answer = api.send(method, path, None, Vec::new()).await;
        assert_eq!(answer.status, expected, "{method} {path}");
        assert_eq!(answer.headers["content-type"], "application/json");
        assert!(answer.json()["error"]["message"].is_string());
    }
    let empty = api.send("POST", "/customers", None, Vec::new()).await;
    assert_eq!(empty.status, 422);
    assert_eq!(empty.json()["error"]["fields"]["email"], json!(["is required"]));
}

async fn email_race_leaves_one(api: &Api) {
    let (upper, lower) = (json!({"email": "Jane@Example.test"}), json!({"email": "jane@example.test"}));
    let (first, second) = tokio::join!(api.post_json("/customers", &upper), api.post_json("/customers", &lower));
    let mut statuses = vec![first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, vec![200, 422]);
    let loser = if first.status == 422 { first } else { second };
    assert!(loser.json()["error"]["fields"]["email"].is_array());
    assert_eq!(api.get("/customers?email=jane").await.json().as_array().unwrap().len(), 1);
}

async fn custom_fields_round_trip(api: &Api) {
    let defined = api
        .post_json("/customers/fields", &json!({"key": "attr-source", "name": "Source", "type": "list", "required": true, "options": ["Website", "Event"]}))
        .await;
    assert_eq!(defined.status, 200);

    let missing = api.post_json("/customers", &json!({"email": "a@example.com"})).await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.json()["error"]["fields"]["attr-source"], json!(["is required"]));
    let created = api.post_form("/customers", "email=a%40example.com&attr-source=Website").await;
    assert_eq!(created.status, 200);

    let found: Value = api.get("/customers?attr-source=website").await.json();
    assert_eq!(found[0]["attr-source"], json!("Website"));
    let fields = api.get("/customers/fields").await.json();
    assert_eq!(fields["attr-source"]["options"], json!(["Website", "Event"]));
    assert_eq!(api.delete("/customers/fields/attr-source").await.status, 200);
}

on_both_stores!(customer_journey, errors_are_json, email_race_leaves_one, custom_fields_round_trip, attribute_count_is_limited);

async fn attribute_count_is_limited(api: &Api) {
    for n in 0..shared::model::MAX_ATTRIBUTES {
        let defined = api.post_json("/customers/fields", &json!({"key": format!("attr-f{n}"), "name": "F", "type": "text"})).await;
        assert_eq!(defined.status, 200);
    }
    let one_more = api.post_json("/customers/fields", &json!({"key": "attr-extra", "name": "F", "type": "text"})).await;
    assert_eq!(one_more.status, 422);
    assert!(one_more.json()["error"]["fields"]["key"].is_array());
    let redefined = api.post_json("/customers/fields", &json!({"key": "attr-f0", "name": "Renamed", "type": "text"})).await;
    assert_eq!(redefined.status, 200, "replacing a definition is not adding one");
}
