use lambda_http::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

use super::{form, ApiError, ApiRequest};

/// Largest JSON or form body accepted, in bytes. It keeps a customer's stored item well under
/// DynamoDB's 400 KB item limit.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Returns the media type of a request, lowercase and without parameters, or `None` when absent.
pub fn media_type(request: &ApiRequest) -> Option<String> {
    let raw = request.headers.get(CONTENT_TYPE)?.to_str().ok()?;
    let essence = raw.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    (!essence.is_empty()).then_some(essence)
}

/// Reads a JSON or form body as an object of fields. An empty body is an empty object, whatever
/// its Content-Type. A body without a Content-Type is read as JSON when it starts with `{`, and
/// as a form otherwise. A Content-Type without a media type (`;`, or bytes that are not ASCII)
/// is a 415.
pub fn read_object(request: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    if request.body.len() > MAX_BODY_BYTES {
        return Err(ApiError::payload_too_large("Request body", MAX_BODY_BYTES));
    }
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }

    let unsupported = || ApiError::unsupported_media_type("application/json or application/x-www-form-urlencoded");
    let media_type = media_type(request);
    let is_json = match media_type.as_deref() {
        Some("application/json") => true,
        Some(other) if other.starts_with("application/") && other.ends_with("+json") => true,
        Some("application/x-www-form-urlencoded") => false,
        Some(_) => return Err(unsupported()),
        None if request.headers.contains_key(CONTENT_TYPE) => return Err(unsupported()),
        None => request.body.trim_ascii_start().starts_with(b"{"),
    };
    if !is_json {
        return form::parse(&request.body);
    }

    match serde_json::from_slice::<Value>(&request.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request("Request body must be a JSON object")),
        Err(error) => Err(ApiError::bad_request(format!("Request body is not valid JSON: {error}"))),
    }
}
