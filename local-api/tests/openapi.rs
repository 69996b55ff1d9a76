//! `openapi.yaml` and the served routes agree. Every operation it describes is routed by
//! `local-api` and returns a status it documents, and every route of `Route::ALL` and
//! `template.yaml` is described. `local-api` serves the same document at `GET /openapi.json`.

mod support;

use std::collections::BTreeSet;

use serde_json::Value;
use shared::http::Route;
use support::Api;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// Methods that the API serves. An OpenAPI path item contains other keys too, such as `parameters`.
const METHODS: [&str; 3] = ["get", "post", "delete"];

type RouteKey = (String, String);

fn description() -> Value {
    let text = std::fs::read_to_string(format!("{ROOT}/openapi.yaml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

/// (METHOD, path) of every operation in `openapi.yaml`, paths as written there.
fn described_operations(description: &Value) -> Vec<RouteKey> {
    let mut operations = Vec::new();
    for (path, item) in description["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                operations.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

/// Removes the trailing slash of the PHP client's paths, so `/customers/` compares as `/customers`.
fn without_trailing_slash(path: &str) -> String {
    match path.strip_suffix('/') {
        Some(stripped) if !stripped.is_empty() => stripped.to_string(),
        _ => path.to_string(),
    }
}

/// (METHOD, path) of every HttpApi event in `template.yaml`.
fn template_routes() -> BTreeSet<RouteKey> {
    let text = std::fs::read_to_string(format!("{ROOT}/template.yaml")).unwrap();
    let template: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let mut routes = BTreeSet::new();
    for (_, resource) in template["Resources"].as_mapping().unwrap() {
        let Some(events) = resource["Properties"]["Events"].as_mapping() else { continue };
        for (_, event) in events {
            if event["Type"].as_str() == Some("HttpApi") {
                let method = event["Properties"]["Method"].as_str().unwrap().to_string();
                let path = event["Properties"]["Path"].as_str().unwrap().to_string();
                routes.insert((method, path));
            }
        }
    }
    routes
}

fn served_routes() -> BTreeSet<RouteKey> {
    Route::ALL
        .iter()
        .flat_map(|route| route.methods().iter().map(move |method| (method.to_string(), route.pattern().to_string())))
        .collect()
}

/// Fills the path parameters with values that reach the handler: an id that names no record,
/// a well-formed attribute key and a valid scope.
fn concrete_path(pattern: &str) -> String {
    pattern
        .replace("{id}", "0190a1b2c3d4e5f60718293a4b5c6d7e")
        .replace("{note_id}", "0190a1b2c3d4e5f60718293a4b5c6d7f")
        .replace("{key}", "attr-missing")
        .replace("{scope}", "customer")
}

#[test]
fn served_routes_are_described() {
    let described: BTreeSet<RouteKey> = described_operations(&description())
        .into_iter()
        .map(|(method, path)| (method, without_trailing_slash(&path)))
        .collect();
    for route in served_routes() {
        assert!(described.contains(&route), "{} {} is served but not in openapi.yaml", route.0, route.1);
    }
    for route in template_routes() {
        assert!(described.contains(&route), "{} {} is in template.yaml but not in openapi.yaml", route.0, route.1);
    }
}

#[test]
fn described_routes_are_served() {
    let served = served_routes();
    for (method, path) in described_operations(&description()) {
        let route = (method, without_trailing_slash(&path));
        assert!(served.contains(&route), "{} {path} is in openapi.yaml but Route::ALL lacks it", route.0);
    }
}

#[test]
fn operation_ids_are_unique() {
    let description = description();
    let mut seen = BTreeSet::new();
    for (method, path) in described_operations(&description) {
        let operation = &description["paths"][&path][method.to_lowercase()];
        let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(seen.insert(id.to_string()), "operationId {id} is used twice");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn described_operations_are_routed() {
    let api = Api::embedded().await;
    let description = description();
    for (method, path) in described_operations(&description) {
        let url = concrete_path(&path);
        let response = api.send(&method, &url, Some("application/json"), "{}").await;
        let body = response.json();
        let label = format!("{method} {url} answered {}: {body}", response.status);

        assert_ne!(response.status, 405, "{label}");
        assert_ne!(body["error"]["message"], "Route not found", "{label}");
        let documented = &description["paths"][&path][method.to_lowercase()]["responses"];
        assert!(documented.get(response.status.to_string()).is_some(), "{label}, a status openapi.yaml does not list");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_json_is_the_description() {
    let api = Api::embedded().await;
    let mut anonymous = api.clone();
    anonymous.key = None;
    let response = anonymous.get("/openapi.json").await;

    assert_eq!(response.status, 200);
    assert_eq!(response.headers["content-type"], "application/json");
    assert_eq!(response.json(), description());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_json_accepts_only_get() {
    let api = Api::embedded().await;
    let response = api.send("POST", "/openapi.json", Some("application/json"), "{}").await;

    assert_eq!(response.status, 404);
}
