//! The OpenAPI description of the API, `openapi.yaml` at the repository root, served as JSON at
//! `GET /openapi.json`. The build script converts the YAML to JSON.

use lambda_http::http::{header, HeaderValue};
use shared::http::ApiResponse;

/// Path at which `local-api` serves the description.
pub const PATH: &str = "/openapi.json";

/// The description as JSON text.
pub const JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));

/// Builds the response to `GET /openapi.json`. It needs no API key, because the description is
/// the same for every team and contains no records.
pub fn response() -> ApiResponse {
    let mut response = lambda_http::Response::new(lambda_http::Body::Text(JSON.to_string()));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
