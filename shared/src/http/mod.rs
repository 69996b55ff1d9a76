//! The HTTP edge shared by every function: it turns an API Gateway request into an
//! [`ApiRequest`] (route, team, query, body), runs the handler, maps every error to a JSON
//! response, and logs one line per request.

mod body;
mod error;
mod form;
pub mod idempotency;
pub mod multipart;
mod request;
mod response;
mod route;

pub use body::{read_object, MAX_BODY_BYTES};
pub use error::ApiError;
pub use request::{ApiRequest, LocalContext, TEAM_CONTEXT_KEY, TEAM_HEADER};
pub use idempotency::{completion, idempotent};
pub use response::{json, json_text, respond, ApiResponse, RequestLine, MAX_RESPONSE_BYTES};

use serde_json::Value;

/// Reads a `limit` query parameter: `default` when absent, at most `max`.
pub fn query_limit(request: &ApiRequest, default: usize, max: usize) -> Result<usize, ApiError> {
    if request.query.iter().any(|(name, _)| crate::model::listed_parameter(name, |base| base == "limit").is_some()) {
        return Err(ApiError::invalid_field("limit", crate::model::NOT_A_LIST));
    }
    let Some((_, raw)) = request.query.iter().rev().find(|(name, _)| name == "limit") else {
        return Ok(default);
    };
    match raw.trim().parse::<usize>() {
        Ok(limit) if (1..=max).contains(&limit) => Ok(limit),
        _ => Err(ApiError::invalid_field("limit", format!("must be a whole number from 1 to {max}"))),
    }
}

/// Builds the body of a paginated list: `meta` (total, current page, total pages) and the rows
/// under `key`.
pub fn page_body(key: &str, paging: crate::model::Paging, total: u64, rows: Vec<Value>) -> Value {
    let mut body = serde_json::Map::new();
    let meta = serde_json::json!({
        "total": total,
        "current_page": paging.page,
        "total_pages": paging.total_pages(total),
    });
    body.insert("meta".into(), meta);
    body.insert(key.into(), Value::Array(rows));
    Value::Object(body)
}

/// Reads the request's `If-Match` headers; without one, any version is accepted.
pub fn if_match(request: &ApiRequest) -> crate::model::IfMatch {
    let values: Vec<&str> = request
        .headers
        .get_all(lambda_http::http::header::IF_MATCH)
        .iter()
        .map(|value| value.to_str().unwrap_or_default())
        .collect();
    if values.is_empty() { crate::model::IfMatch::Any } else { crate::model::IfMatch::parse(&values.join(",")) }
}

/// Builds a 200 response with `body` and the `ETag` of a record at `version`.
pub fn ok_tagged<T: serde::Serialize + ?Sized>(body: &T, version: u64) -> ApiResponse {
    let mut response = ok(body);
    if let Ok(tag) = lambda_http::http::HeaderValue::from_str(&crate::model::entity_tag(version)) {
        response.headers_mut().insert(lambda_http::http::header::ETAG, tag);
    }
    response
}

/// Builds a 200 response with `body`.
pub fn ok<T: serde::Serialize + ?Sized>(body: &T) -> ApiResponse {
    json(lambda_http::http::StatusCode::OK, body)
}
pub use route::Route;
