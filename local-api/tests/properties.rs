//! Property tests over request parsing: whatever path, query, media type and body a client
//! sends, every route returns a JSON 2xx or 4xx, never a 5xx or a panic.

use std::sync::OnceLock;

use lambda_http::http::{header, Method, Request};
use lambda_http::Body;
use local_api::cors::Cors;
use local_api::Server;
use proptest::prelude::*;
use serde_json::Value;
use shared::auth::embedded::EmbeddedKeys;
use shared::http::{LocalContext, Route};
use shared::store::embedded::EmbeddedStore;
use shared::store::local_avatars::LocalAvatars;
use shared::testing::team;
use shared::App;

type LocalServer = Server<EmbeddedStore, LocalAvatars, EmbeddedKeys>;

/// Returns one server and runtime for all cases, so state built by earlier cases is exercised too.
fn server() -> &'static (LocalServer, tokio::runtime::Runtime) {
    static SERVER: OnceLock<(LocalServer, tokio::runtime::Runtime)> = OnceLock::new();
    SERVER.get_or_init(|| {
        let app = App { store: EmbeddedStore::in_memory(), avatars: LocalAvatars::in_memory("http://127.0.0.1:3000") };
        let server = Server { app, keys: EmbeddedKeys::in_memory(), cors: Cors::parse("*") };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        (server, runtime)
    })
}

/// Any text, including control characters, non-ASCII and the characters that paths and forms
/// treat specially.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9@._+-]{0,24}",
        any::<String>(),
        "(%[0-9A-Fa-f]{0,2}|%2F|%00|\\[|\\]|&|=|\\+|/|#|\\?){0,12}",
        Just("a".repeat(5_000)),
    ]
}

fn path() -> impl Strategy<Value = String> {
    let id = prop_oneof![Just("0190a1b2c3d4e5f60718293a4b5c6d7e".to_string()), Just("jdoe@example.com".to_string()), text()];
    (prop::sample::select(Route::ALL.to_vec()), id.clone(), id).prop_map(|(route, first, second)| {
        let encode = |raw: &str| percent_encoding::utf8_percent_encode(raw, percent_encoding::NON_ALPHANUMERIC).to_string();
        route
            .pattern()
            .replace("{id}", &encode(&first))
            .replace("{key}", &encode(&second))
            .replace("{note_id}", &encode(&second))
            .replace("{scope}", if first.len() % 2 == 0 { "customer" } else { "organization" })
    })
}

/// Query strings: known parameters with any values, repeated keys, and raw invalid encodings.
fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        prop::sample::select(vec!["email", "first", "last", "organization_id", "page", "per_page", "limit", "attr-source", "name"])
            .prop_map(str::to_string),
        text(),
    ];
    prop_oneof![
        prop::collection::vec((key, text()), 0..6).prop_map(|pairs| {
            let mut form = form_urlencoded::Serializer::new(String::new());
            for (key, value) in pairs {
                form.append_pair(&key, &value);
            }
            form.finish()
        }),
        "[a-z=&%+0-9]{0,40}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|n| serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)),
        Just(Value::String("1e400".into())),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    prop::sample::select(vec!["email", "first", "tags", "assignedUser", "organizationId", "name", "body", "customer", "priority", "key", "type", "options", "required"])
                        .prop_map(str::to_string),
                    text(),
                ],
                inner,
                0..6
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = (Option<String>, Vec<u8>)> {
    let media = prop_oneof![
        Just(None),
        Just(Some("application/json".to_string())),
        Just(Some("APPLICATION/JSON; charset=utf-8".to_string())),
        Just(Some("application/x-www-form-urlencoded".to_string())),
        Just(Some("multipart/form-data; boundary=XyZ".to_string())),
        Just(Some("multipart/form-data; boundary=\"a b\"; x=y".to_string())),
        Just(Some("multipart/form-data".to_string())),
        "[ -~]{0,40}".prop_map(Some),
    ];
    let bytes = prop_oneof![
        json_value().prop_map(|value| value.to_string().into_bytes()),
        query().prop_map(String::into_bytes),
        "(tags|a|interactions|organization)(\\[[a-z0-9]{0,3}\\]){0,12}=[a-z]{0,5}(&[a-z\\[\\]]{1,8}=[a-z]{0,4}){0,6}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..300),
        Just(b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n\x89PNG\r\n\x1a\n".to_vec()),
        Just(b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[".to_vec()),
    ];
    (media, bytes)
}

fn method() -> impl Strategy<Value = Method> {
    prop::sample::select(vec![Method::GET, Method::POST, Method::DELETE, Method::PUT, Method::PATCH, Method::HEAD])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn no_input_causes_a_server_error(method in method(), path in path(), query in query(), (media, bytes) in body()) {
        let (server, runtime) = server();
        let uri = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
        let Ok(mut request) = Request::builder().method(method).uri(&uri).body(Body::Binary(bytes)) else {
            return Ok(());
        };
        if let Some(media) = media.as_deref().and_then(|m| header::HeaderValue::from_str(m).ok()) {
            request.headers_mut().insert(header::CONTENT_TYPE, media);
        }
        request.extensions_mut().insert(LocalContext { team: team("local"), request_id: "property".into() });

        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let Some((route, _)) = Route::resolve(&segments) else { return Ok(()) };

        let response = runtime.block_on(server.handle(route, request));
        let status = response.status().as_u16();
        prop_assert!(status < 500, "{uri} answered {status}");
        let body: Value = match response.body() {
            Body::Text(text) => serde_json::from_str(text).expect("JSON body"),
            Body::Binary(bytes) => serde_json::from_slice(bytes).expect("JSON body"),
            _ => Value::Null,
        };
        if status >= 400 {
            prop_assert!(body["error"]["message"].is_string(), "{uri}: {body}");
        }
    }
}
