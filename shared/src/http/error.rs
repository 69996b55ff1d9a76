use lambda_http::http::StatusCode;
use serde_json::{json, Value};

use crate::model::FieldErrors;
use crate::store::StoreError;

/// Seconds a client should wait before retrying after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// An error response of the API: one status and the JSON body
/// `{"error": {"code", "message", "fields"}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: FieldErrors,
    /// Methods the route accepts, sent as `Allow` with a 405.
    pub allow: &'static [&'static str],
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), fields: FieldErrors::new(), allow: &[] }
    }

    /// 422: the fields named in `fields` are invalid.
    pub fn validation(fields: FieldErrors) -> Self {
        let names: Vec<&str> = fields.keys().map(String::as_str).collect();
        let message = format!("Invalid fields: {}", names.join(", "));
        Self { fields, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", message) }
    }

    /// 422 for one field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(FieldErrors::from([(field.to_string(), vec![message.into()])]))
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    pub fn method_not_allowed(allow: &'static [&'static str]) -> Self {
        let message = format!("Method not allowed; use {}", allow.join(", "));
        Self { allow, ..Self::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", message) }
    }

    /// 413: `what` (a request body, an image) is larger than `limit` bytes.
    pub fn payload_too_large(what: &str, limit: usize) -> Self {
        let message = format!("{what} is larger than the limit of {limit} bytes");
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
    }

    pub fn unsupported_media_type(accepted: &str) -> Self {
        let message = format!("Unsupported Content-Type; send {accepted}");
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", message)
    }

    /// 422: the response would be larger than Lambda can return.
    pub fn response_too_large(limit: usize) -> Self {
        let message = format!(
            "The response would be larger than {limit} bytes; request fewer records with per_page or limit"
        );
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "response_too_large", message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401: no valid API key. The response carries `WWW-Authenticate: Bearer`.
    pub fn unauthorized() -> Self {
        let message = "Missing or invalid API key; send `Authorization: Bearer <key>`";
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403: the `X-TEAM` header names another team than the key's.
    pub fn forbidden() -> Self {
        let message = "The X-TEAM header names another team than the API key's";
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 409: another request with the same idempotency key is still running. The response carries
    /// `Retry-After`.
    pub fn key_in_use() -> Self {
        let message = "Another request with this Idempotency-Key is still running; retry later";
        Self::new(StatusCode::CONFLICT, "idempotency_key_in_use", message)
    }

    /// 409: a custom attribute definition was put or removed while the request ran, after its
    /// values were checked. Sent again, the request is checked against the new definitions.
    pub fn definitions_changed() -> Self {
        let message = "The team's custom attribute definitions changed while this request ran; send it again";
        Self::new(StatusCode::CONFLICT, "definitions_changed", message)
    }

    /// 408: the client did not send the whole body within `seconds`.
    pub fn request_timeout(seconds: u64) -> Self {
        let message = format!("The request body did not arrive within {seconds} seconds");
        Self::new(StatusCode::REQUEST_TIMEOUT, "request_timeout", message)
    }

    /// 412: the record changed since the version that `If-Match` names.
    pub fn precondition_failed() -> Self {
        let message = "The record has changed since the version that If-Match names; read it again";
        Self::new(StatusCode::PRECONDITION_FAILED, "precondition_failed", message)
    }

    /// 503: the store failed. The cause goes to the log only.
    pub fn unavailable() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service temporarily unavailable; retry later")
    }

    pub fn body(&self) -> Value {
        let mut error = json!({"code": self.code, "message": self.message});
        if !self.fields.is_empty() {
            error["fields"] = json!(self.fields);
        }
        json!({ "error": error })
    }
}

impl From<FieldErrors> for ApiError {
    fn from(fields: FieldErrors) -> Self {
        Self::validation(fields)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::EmailTaken => Self::invalid_field("email", "is already taken by another customer"),
            StoreError::NotFound => Self::not_found("Record"),
            StoreError::TooManyAttributes => Self::invalid_field(
                "attributes",
                format!("a record holds at most {} custom attribute values", crate::model::MAX_ATTRIBUTES),
            ),
            StoreError::UnknownOrganization => {
                Self::invalid_field("organizationId", "must name an existing organization of the team")
            }
            StoreError::TooLarge => Self::invalid_field(
                "per_page",
                format!("is required: the full list is larger than {} bytes, so request it in pages", super::MAX_RESPONSE_BYTES),
            ),
            StoreError::VersionMismatch => Self::precondition_failed(),
            StoreError::DefinitionsChanged => Self::definitions_changed(),
            StoreError::Unavailable(cause) => {
                tracing::error!(error = %cause, "store failed");
                Self::unavailable()
            }
        }
    }
}
