//! Helpers of the fuzz targets in `fuzz_targets/`: requests built from fuzz input, the custom
//! attribute definitions that bodies are checked against, and the checks that every error a
//! parser returns is a client error.

use std::future::Future;
use std::sync::OnceLock;

use bytes::Bytes;
use lambda_http::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request};
use serde_json::json;
use shared::http::{ApiRequest, LocalContext, Route};
use shared::model::{FieldDefinition, FieldErrors, TeamId};
use shared::ApiError;

/// Runs a future to completion on a single-threaded runtime built once per process.
pub fn block_on<F: Future>(future: F) -> F::Output {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread().build().expect("a current-thread runtime builds")
    });
    runtime.block_on(future)
}

pub fn team() -> TeamId {
    TeamId::parse("fuzz").expect("`fuzz` is a valid team id")
}

/// Builds a routed POST request with `body` and, when given, a Content-Type header.
pub fn api_request(content_type: Option<&str>, body: &[u8]) -> ApiRequest {
    let mut headers = HeaderMap::new();
    if let Some(value) = content_type.and_then(|raw| HeaderValue::from_str(raw).ok()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    ApiRequest {
        method: Method::POST,
        route: Route::Customers,
        parameters: Vec::new(),
        query: Vec::new(),
        headers,
        body: Bytes::copy_from_slice(body),
        team: team(),
        request_id: "fuzz".to_string(),
    }
}

/// Builds a GET request for `uri` as `local-api` hands it to a handler, or `None` when `uri` is
/// not a valid request target.
pub fn local_request(uri: &str) -> Option<Request> {
    let mut request = lambda_http::http::Request::builder().method(Method::GET).uri(uri).body(Body::Empty).ok()?;
    request.extensions_mut().insert(LocalContext { team: team(), request_id: "fuzz".to_string() });
    Some(request)
}

/// Returns one custom attribute definition of each type, so that bodies and filters reach every
/// value parser.
pub fn field_definitions() -> &'static [FieldDefinition] {
    static FIELDS: OnceLock<Vec<FieldDefinition>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        let bodies = [
            json!({"key": "attr-text", "name": "Text", "type": "text"}),
            json!({"key": "attr-number", "name": "Number", "type": "number"}),
            json!({"key": "attr-date", "name": "Date", "type": "date", "required": true}),
            json!({"key": "attr-boolean", "name": "Boolean", "type": "boolean"}),
            json!({"key": "attr-email", "name": "Email", "type": "email"}),
            json!({"key": "attr-list", "name": "List", "type": "list", "options": ["Web", "Phone"]}),
        ];
        let parse = |body: serde_json::Value| {
            FieldDefinition::from_body(body.as_object().expect("definitions are objects")).expect("definitions are valid")
        };
        bodies.into_iter().map(parse).collect()
    })
}

/// Panics unless `error` is a 4xx with a message.
pub fn assert_client_error(error: &ApiError) {
    assert!(error.status.is_client_error(), "{} is not a client error: {}", error.status, error.message);
    assert!(!error.message.is_empty(), "{} has no message", error.status);
}

/// Panics unless a validation failure names at least one field, each with a message.
pub fn assert_field_errors(errors: &FieldErrors) {
    assert!(!errors.is_empty(), "a validation failure names no field");
    for (field, messages) in errors {
        assert!(!messages.is_empty(), "{field:?} has no message");
    }
    assert_eq!(ApiError::validation(errors.clone()).status, StatusCode::UNPROCESSABLE_ENTITY);
}
