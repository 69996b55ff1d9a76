//! Two teams on one server: team B's key reaches none of team A's records on any route, and
//! lists never show the other team's records. Unknown and foreign ids get the same response, so a 404
//! does not reveal that a record exists. Runs on both stores.

mod support;

use serde_json::{json, Value};
use support::{multipart_file, Api, PNG};

/// Team A's records, made through the API.
struct Records {
    customer: String,
    email: String,
    organization: String,
    note: String,
    avatar_url: String,
}

fn id_of(response: &support::Response) -> String {
    assert_eq!(response.status, 200, "{:?}", response.json());
    response.json()["id"].as_str().unwrap().to_string()
}

async fn seed(a: &Api) -> Records {
    assert_eq!(a.post_json("/customers/fields", &json!({"key": "attr-x", "name": "X", "type": "text"})).await.status, 200);
    assert_eq!(a.post_json("/attributes/organization", &json!({"key": "attr-y", "name": "Y", "type": "text"})).await.status, 200);
    let organization = id_of(&a.post_json("/organizations", &json!({"name": "Alpha Corp", "attr-y": "1"})).await);
    let email = "secret@alpha.test".to_string();
    let body = json!({"email": email, "first": "Ada", "organizationId": organization, "attr-x": "a"});
    let customer = id_of(&a.post_json("/customers", &body).await);
    let note = id_of(&a.post_json(&format!("/customers/{customer}/notes"), &json!({"body": "private"})).await);
    id_of(&a.post_json("/track", &json!({"customer": customer, "source": "Web", "description": "Visited"})).await);
    let (content_type, upload) = multipart_file(PNG, "a.png");
    let uploaded = a.send("POST", &format!("/customers/{customer}/avatar"), Some(&content_type), upload).await;
    assert_eq!(uploaded.status, 200);
    let avatar_url = uploaded.json()["url"].as_str().unwrap().to_string();
    Records { customer, email, organization, note, avatar_url }
}

async fn foreign_ids_are_not_found(a: &Api, b: &Api) {
    let records = seed(a).await;
    let Records { customer, email, organization, note, .. } = &records;
    let (content_type, upload) = multipart_file(PNG, "b.png");

    let cases: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("/customers/{customer}"), None),
        ("GET", format!("/customers/{email}"), None),
        ("POST", format!("/customers/{customer}"), Some(json!({"first": "Mallory"}))),
        ("POST", format!("/customers/{email}"), Some(json!({"first": "Mallory"}))),
        ("DELETE", format!("/customers/{customer}"), None),
        ("POST", format!("/customers/{customer}/notes"), Some(json!({"body": "x"}))),
        ("DELETE", format!("/customers/{customer}/notes/{note}"), None),
        ("GET", format!("/organizations/{organization}"), None),
        ("POST", format!("/organizations/{organization}"), Some(json!({"name": "Mine"}))),
        ("DELETE", format!("/organizations/{organization}"), None),
        ("DELETE", "/customers/fields/attr-x".to_string(), None),
        ("DELETE", "/attributes/customer/attr-x".to_string(), None),
        ("DELETE", "/attributes/organization/attr-y".to_string(), None),
    ];
    for (method, path, body) in cases {
        let response = match body {
            Some(body) => b.send(method, &path, Some("application/json"), body.to_string()).await,
            None => b.send(method, &path, None, Vec::new()).await,
        };
        assert_eq!(response.status, 404, "{method} {path}: {:?}", response.json());
    }
    let avatar = b.send("POST", &format!("/customers/{customer}/avatar"), Some(&content_type), upload).await;
    assert_eq!(avatar.status, 404);

    // Ids in bodies are checked within the caller's team too.
    let joined = b.post_json("/customers", &json!({"email": "b@beta.test", "organizationId": organization})).await;
    assert_eq!(joined.status, 422);
    let tracked = b.post_json("/track", &json!({"customer": customer, "source": "Web", "description": "x"})).await;
    assert_eq!(tracked.status, 422);

    // Team A's records are as they were.
    let mine = a.get(&format!("/customers/{customer}")).await.json();
    assert_eq!(mine["first"], json!("Ada"));
    assert_eq!(mine["notes"].as_array().unwrap().len(), 1);
    assert_eq!(mine["organization"]["name"], json!("Alpha Corp"));
    assert_eq!(mine["attr-x"], json!("a"));
    assert_eq!(a.get(&format!("/organizations/{organization}")).await.json()["attr-y"], json!("1"));
}

async fn lists_show_only_own_records(a: &Api, b: &Api) {
    let records = seed(a).await;
    assert_eq!(b.post_json("/customers", &json!({"email": "b@beta.test", "first": "Bo"})).await.status, 200);

    let lists = [
        "/customers".to_string(),
        "/customers?email=secret".to_string(),
        "/customers?first=ada".to_string(),
        format!("/customers?organization_id={}", records.organization),
        "/customers?attr-x=a".to_string(),
        "/customers/latest".to_string(),
        "/organizations".to_string(),
        "/organizations?name=alpha".to_string(),
        "/attributes/customer".to_string(),
        "/attributes/organization".to_string(),
    ];
    for path in lists {
        let body = b.get(&path).await.json();
        let text = body.to_string();
        assert!(!text.contains(&records.customer), "{path} shows team A's customer: {text}");
        assert!(!text.contains(&records.organization), "{path} shows team A's organization: {text}");
        assert!(!text.contains("attr-x"), "{path} shows team A's fields: {text}");
        assert!(!text.contains("attr-y"), "{path} shows team A's fields: {text}");
    }
    let paged = b.get("/customers?per_page=10").await.json();
    assert_eq!(paged["meta"]["total"], json!(1));
    let fields = b.get("/customers/fields").await.json();
    assert!(fields.get("attr-x").is_none());

    let activity = b.get("/customers/activity").await.json();
    let emails: Vec<&str> = activity.as_array().unwrap().iter().map(|entry| entry["email"].as_str().unwrap()).collect();
    assert!(emails.iter().all(|email| *email == "b@beta.test"), "{emails:?}");
}

async fn avatar_urls_open_own_image(a: &Api, b: &Api) {
    let records = seed(a).await;
    let other = id_of(&b.post_json("/customers", &json!({"email": "b@beta.test"})).await);
    let mut other_png = PNG.to_vec();
    other_png.extend_from_slice(b"team-b");
    let (content_type, upload) = multipart_file(&other_png, "b.png");
    let uploaded = b.send("POST", &format!("/customers/{other}/avatar"), Some(&content_type), upload).await;
    let other_url = uploaded.json()["url"].as_str().unwrap().to_string();

    assert_ne!(records.avatar_url, other_url);
    assert!(records.avatar_url.contains(&format!("teams/{}/", a.team)));
    assert!(other_url.contains(&format!("teams/{}/", b.team)));
    assert_eq!(&a.get(&records.avatar_url).await.body[..], PNG);
    assert_eq!(&b.get(&other_url).await.body[..], &other_png[..]);

    // A URL for team A's customer under team B's prefix opens nothing.
    let crossed = records.avatar_url.replace(&format!("teams/{}/", a.team), &format!("teams/{}/", b.team));
    assert_ne!(a.get(&crossed).await.status, 200);
}

async fn team_header_must_match_key(a: &Api, b: &Api) {
    let own = b.send_with("GET", "/customers", &[("x-team", &b.team)], None, Vec::new()).await;
    assert_eq!(own.status, 200);
    let empty = b.send_with("GET", "/customers", &[("x-team", "")], None, Vec::new()).await;
    assert_eq!(empty.status, 200);
    let foreign = b.send_with("GET", "/customers", &[("x-team", &a.team)], None, Vec::new()).await;
    assert_eq!(foreign.status, 403);
    assert_eq!(foreign.json()["error"]["code"], json!("forbidden"));
}

async fn requests_need_a_valid_key(api: &Api, _other: &Api) {
    let mut anonymous = api.clone();
    anonymous.key = None;
    let missing = anonymous.get("/customers").await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.headers["www-authenticate"], "Bearer");

    for header in ["Bearer mk_0000000000000000000000000000000000000000000000000000000000000000", "Basic abc", "Bearer"] {
        let rejected = anonymous.send_with("GET", "/customers", &[("authorization", header)], None, Vec::new()).await;
        assert_eq!(rejected.status, 401, "{header}");
        assert_eq!(rejected.json()["error"]["code"], json!("unauthorized"));
    }

    let preflight = anonymous
        .send_with(
            "OPTIONS",
            "/customers",
            &[("origin", "https://app.example.test"), ("access-control-request-method", "POST")],
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.headers["access-control-allow-origin"], "https://app.example.test");
    let allow_headers: Vec<&str> = preflight.headers["access-control-allow-headers"].to_str().unwrap().split(", ").collect();
    for name in ["authorization", "content-type", "x-team", "idempotency-key", "if-match"] {
        assert!(allow_headers.contains(&name), "{name} in {allow_headers:?}");
    }

    let foreign_origin = anonymous
        .send_with("OPTIONS", "/customers", &[("origin", "https://evil.test"), ("access-control-request-method", "GET")], None, Vec::new())
        .await;
    assert!(foreign_origin.headers.get("access-control-allow-origin").is_none());
    let allowed = api.send_with("GET", "/customers", &[("origin", "https://app.example.test")], None, Vec::new()).await;
    assert_eq!(allowed.headers["access-control-allow-origin"], "https://app.example.test");
    assert_eq!(allowed.headers["access-control-expose-headers"], "etag, idempotent-replayed, retry-after");
    assert_eq!(allowed.headers["vary"], "origin", "the allowed origin is echoed, so caches must key on it");
    assert_eq!(preflight.headers["vary"], "origin");
}

macro_rules! two_teams_on_both_stores {
    ($($test:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let teams = super::Api::embedded_teams(&["team-a", "team-b"]).await;
                    super::$test(&teams[0], &teams[1]).await;
                }
            )*
        }

        mod dynamo {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let teams = super::Api::moto_teams(&["team-a", "team-b"]).await;
                    super::$test(&teams[0], &teams[1]).await;
                }
            )*
        }
    };
}

two_teams_on_both_stores!(
    foreign_ids_are_not_found,
    lists_show_only_own_records,
    avatar_urls_open_own_image,
    team_header_must_match_key,
    requests_need_a_valid_key,
);
