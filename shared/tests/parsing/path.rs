//! Paths: percent-decoding of each segment (encoded slashes, non-ASCII, invalid UTF-8) and
//! resolution to a route and its parameters.

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use proptest::prelude::*;
use serde_json::json;
use shared::http::Route;

use lambda_http::http::Method;

use super::support::{edge, edge_with};

fn encode(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

fn id() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z0-9@./ -]{1,12}", "\\PC{1,8}", any::<String>()]
        .prop_filter("a path segment", |id| !id.is_empty())
        .prop_filter("not a static segment", |id| !["latest", "fields", "activity"].contains(&id.as_str()))
}

#[test]
fn path_decoding_cases() {
    let cases = [
        ("/customers/a%2Fb", Route::Customer, vec!["a/b"]),
        ("/customers/%C3%BC%E4%B8%AD", Route::Customer, vec!["ü中"]),
        ("/customers/%FF%FE", Route::Customer, vec!["\u{FFFD}\u{FFFD}"]),
        ("/customers/%ZZ", Route::Customer, vec!["%ZZ"]),
        ("//customers//a%2F..//notes/", Route::Notes, vec!["a/.."]),
        ("/attributes/customer/attr-x%00", Route::Attribute, vec!["customer", "attr-x\0"]),
    ];
    for (path, route, parameters) in cases {
        let method = Method::from_bytes(route.methods()[0].as_bytes()).unwrap();
        let (status, body, parsed) = edge_with(method, &Route::ALL, path);
        assert_eq!(status, 200, "{path}: {body}");
        let parsed = parsed.unwrap();
        assert_eq!(parsed.route, route, "{path}");
        assert_eq!(parsed.parameters, parameters, "{path}");
    }
}

#[test]
fn unknown_paths_are_route_not_found() {
    for path in ["/customers/a%2Fb/c/d", "/customer", "/customers/a/avatar/b", "/%63ustomers/x/y/z"] {
        let (status, body, parsed) = edge(&Route::ALL, path);
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"], json!({"code": "not_found", "message": "Route not found"}));
        assert_eq!(parsed, None);
    }
}

proptest! {
    #[test]
    fn customer_id_decodes_exactly(id in id()) {
        let (status, _, parsed) = edge(&[Route::Customer], &format!("/customers/{}", encode(&id)));
        prop_assert_eq!(status, 200);
        let parsed = parsed.unwrap();
        prop_assert_eq!(parsed.route, Route::Customer);
        prop_assert_eq!(parsed.parameters, vec![id]);
    }

    #[test]
    fn note_ids_keep_their_order(id in id(), note in id()) {
        let path = format!("/customers/{}/notes/{}", encode(&id), encode(&note));
        let (status, _, parsed) = edge_with(Method::DELETE, &Route::ALL, &path);
        prop_assert_eq!(status, 200);
        prop_assert_eq!(parsed.map(|parsed| (parsed.route, parsed.parameters)), Some((Route::Note, vec![id, note])));
    }

    #[test]
    fn any_path_resolves_or_is_404(segments in prop::collection::vec(
        prop_oneof![
            prop::sample::select(vec!["customers", "fields", "notes", "avatar", "attributes", "organizations", "track", "latest", "%2F", ""]).prop_map(str::to_string),
            "[a-z%0-9]{1,6}",
        ],
        0..6,
    )) {
        let path = format!("/{}", segments.join("/"));
        let decoded: Vec<String> = segments
            .iter()
            .filter(|segment| !segment.is_empty())
            .map(|segment| percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned())
            .collect();
        let (status, _, parsed) = edge(&Route::ALL, &path);

        match Route::resolve(&decoded) {
            Some((route, parameters)) => {
                prop_assert_eq!(status, if route.methods().contains(&"GET") { 200 } else { 405 }, "{}", path);
                if status == 200 {
                    prop_assert_eq!(parsed, Some(super::support::Parsed { route, parameters, query: Vec::new() }));
                }
            }
            None => prop_assert_eq!(status, 404, "{}", path),
        }
    }
}
