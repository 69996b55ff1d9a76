//! Requests built as the HTTP edge receives them, and the custom attributes that bodies are
//! checked against.

use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use lambda_http::http::{header, HeaderMap, HeaderValue, Method};
use lambda_http::Body;
use serde_json::{json, Value};
use shared::http::{ok, respond, ApiRequest, LocalContext, Route};
use shared::model::{FieldDefinition, TeamId};
use shared::testing::{read, team};

/// Builds a routed POST request with `body` and, when given, a Content-Type header.
pub fn api_request(content_type: Option<&str>, body: impl Into<Bytes>) -> ApiRequest {
    let mut headers = HeaderMap::new();
    if let Some(content_type) = content_type {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).expect("a valid header value"));
    }
    ApiRequest {
        method: Method::POST,
        route: Route::Customers,
        parameters: Vec::new(),
        query: Vec::new(),
        headers,
        body: body.into(),
        team: team_id(),
        request_id: "property".to_string(),
    }
}

pub fn team_id() -> TeamId {
    team("property")
}

/// Runs a future on a single-threaded runtime built once per test thread.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime =
            tokio::runtime::Builder::new_current_thread().build().expect("a current-thread runtime builds");
    }
    RUNTIME.with(|runtime| runtime.block_on(future))
}

/// The route, path parameters and query that the HTTP edge parsed from a request.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub route: Route,
    pub parameters: Vec<String>,
    pub query: Vec<(String, String)>,
}

/// Sends a GET of `uri` through `respond` for `routes`, and returns the status, the JSON body
/// and what the handler received (`None` when the request never reached it).
pub fn edge(routes: &[Route], uri: &str) -> (u16, Value, Option<Parsed>) {
    edge_with(Method::GET, routes, uri)
}

/// Sends a request of `method` for `uri` through `respond`, as [`edge`] does.
pub fn edge_with(method: Method, routes: &[Route], uri: &str) -> (u16, Value, Option<Parsed>) {
    let mut request = lambda_http::http::Request::builder().method(method).uri(uri).body(Body::Empty).expect("a valid URI");
    request.extensions_mut().insert(LocalContext { team: team_id(), request_id: "property".into() });

    let seen = Arc::new(Mutex::new(None));
    let sink = Arc::clone(&seen);
    let response = block_on(respond(routes, request, |request| async move {
        let parsed = Parsed { route: request.route, parameters: request.parameters, query: request.query };
        *sink.lock().unwrap() = Some(parsed);
        Ok(ok(&json!({})))
    }));

    let (status, body) = read(response);
    let parsed = seen.lock().unwrap().take();
    (status, body, parsed)
}

/// Returns one custom attribute definition of each type.
pub fn field_definitions() -> &'static [FieldDefinition] {
    static FIELDS: OnceLock<Vec<FieldDefinition>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        let bodies = [
            json!({"key": "attr-text", "name": "Text", "type": "text"}),
            json!({"key": "attr-number", "name": "Number", "type": "number"}),
            json!({"key": "attr-date", "name": "Date", "type": "date"}),
            json!({"key": "attr-boolean", "name": "Boolean", "type": "boolean"}),
            json!({"key": "attr-email", "name": "Email", "type": "email"}),
            json!({"key": "attr-list", "name": "List", "type": "list", "options": ["Web", "Phone"]}),
        ];
        let parse = |body: Value| FieldDefinition::from_body(body.as_object().unwrap()).unwrap();
        bodies.into_iter().map(parse).collect()
    })
}
