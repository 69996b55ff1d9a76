//! Every route of `template.yaml` has a function crate, an event in `events/`, and is served by
//! `local-api`. No list has a route that the others lack.

use std::collections::BTreeSet;
use std::path::Path;

use serde_yaml_ng::Value;
use shared::http::Route;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

type RouteKey = (String, String);

/// (method, path) of every HttpApi event in the template, with the binary that serves it.
fn template_routes() -> Vec<(RouteKey, String)> {
    let text = std::fs::read_to_string(format!("{ROOT}/template.yaml")).unwrap();
    let template: Value = serde_yaml_ng::from_str(&text).unwrap();
    let mut routes = Vec::new();
    for (_, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = resource["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap().to_string();
        let Some(events) = resource["Properties"]["Events"].as_mapping() else { continue };
        for (_, event) in events {
            if event["Type"].as_str() == Some("HttpApi") {
                let method = event["Properties"]["Method"].as_str().unwrap().to_string();
                let path = event["Properties"]["Path"].as_str().unwrap().to_string();
                routes.push(((method, path), binary.clone()));
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

/// Route keys of the fixtures: `routeKey` of v2 events, `httpMethod` and `resource` of v1.
fn event_routes() -> BTreeSet<RouteKey> {
    let mut routes = BTreeSet::new();
    for entry in std::fs::read_dir(format!("{ROOT}/events")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let event: serde_json::Value = serde_json::from_str(&text).unwrap();
        let key = match event["routeKey"].as_str() {
            Some(route_key) => {
                let (method, path) = route_key.split_once(' ').unwrap();
                (method.to_string(), path.to_string())
            }
            None => (event["httpMethod"].as_str().unwrap().to_string(), event["resource"].as_str().unwrap().to_string()),
        };
        routes.insert(key);
    }
    routes
}

/// (method, path) and function of every route of the `cargo lambda watch` router.
fn watch_routes() -> Vec<(RouteKey, String)> {
    let text = std::fs::read_to_string(format!("{ROOT}/Cargo.toml")).unwrap();
    let manifest: toml::Table = text.parse().unwrap();
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"].as_table().unwrap();
    let mut routes = Vec::new();
    for (path, targets) in router {
        for target in targets.as_array().unwrap() {
            let method = target["method"].as_str().unwrap().to_string();
            let function = target["function"].as_str().unwrap().to_string();
            routes.push(((method, path.clone()), function));
        }
    }
    routes
}

#[test]
fn watch_router_matches_template() {
    let mut declared = template_routes();
    let mut watched = watch_routes();
    declared.sort();
    watched.sort();
    assert_eq!(watched, declared);
}

#[test]
fn template_routes_match_local_api() {
    let declared: BTreeSet<RouteKey> = template_routes().into_iter().map(|(key, _)| key).collect();
    assert_eq!(declared, served_routes());
}

#[test]
fn every_route_has_an_event() {
    let declared: BTreeSet<RouteKey> = template_routes().into_iter().map(|(key, _)| key).collect();
    assert_eq!(event_routes(), declared);
}

#[test]
fn every_function_crate_exists() {
    for ((method, path), binary) in template_routes() {
        let manifest = format!("{ROOT}/functions/{binary}/Cargo.toml");
        assert!(Path::new(&manifest).exists(), "{method} {path}: {manifest} is missing");
        let text = std::fs::read_to_string(&manifest).unwrap();
        assert!(text.contains(&format!("name = \"{binary}\"")), "{manifest} names another package");
    }
}

#[test]
fn local_api_resolves_every_pattern() {
    for route in Route::ALL {
        let concrete = route.pattern().replace("{id}", "0190a1b2c3d4e5f60718293a4b5c6d7e").replace("{key}", "attr-x");
        let segments: Vec<String> = concrete.split('/').filter(|s| !s.is_empty()).map(String::from).collect();
        assert_eq!(Route::resolve(&segments).map(|(resolved, _)| resolved), Some(route), "{concrete}");
    }
}
