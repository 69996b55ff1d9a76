use std::future::Future;
use std::time::Instant;

use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};

use super::error::RETRY_AFTER_SECONDS;
use super::request::{parse, request_id};

use super::{ApiError, ApiRequest, Route};

pub type ApiResponse = Response<Body>;

/// Builds a JSON response with `status`, from a `Value` or a view of records.
pub fn json<T: serde::Serialize + ?Sized>(status: StatusCode, body: &T) -> ApiResponse {
    // serde_json writes into a byte buffer here, which is faster than `Display` through
    // `fmt::Write`. Values and views are maps with string keys, which always serialize.
    json_text(status, serde_json::to_string(body).unwrap_or_default())
}

/// Builds a JSON response with `status` from a body already serialized.
pub fn json_text(status: StatusCode, text: String) -> ApiResponse {
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

impl ApiError {
    pub fn into_response(self) -> ApiResponse {
        let mut response = json(self.status, &self.body());
        if !self.allow.is_empty() {
            if let Ok(allow) = HeaderValue::from_str(&self.allow.join(", ")) {
                response.headers_mut().insert(header::ALLOW, allow);
            }
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE || self.status == StatusCode::CONFLICT {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        response
    }
}

/// Largest response body sent, in bytes. Lambda rejects responses over 6 MB, and API Gateway
/// then returns 502, so a larger response is replaced by a 422 that requests fewer records.
pub const MAX_RESPONSE_BYTES: usize = 5_500_000;

fn limit_size(response: ApiResponse) -> ApiResponse {
    let size = match response.body() {
        Body::Text(text) => text.len(),
        Body::Binary(bytes) => bytes.len(),
        _ => 0,
    };
    if size <= MAX_RESPONSE_BYTES {
        return response;
    }
    ApiError::response_too_large(MAX_RESPONSE_BYTES).into_response()
}

/// Runs `handler` for a request to one of `routes` and returns its response, or the JSON error
/// it failed with. Logs one line per request: route, method, path, status, latency, team and request id,
/// never a header, the query or the body.
pub async fn respond<F, Fut>(routes: &[Route], request: Request, handler: F) -> ApiResponse
where
    F: FnOnce(ApiRequest) -> Fut,
    Fut: Future<Output = Result<ApiResponse, ApiError>>,
{
    let started = Instant::now();
    let mut line = RequestLine::new(&request, started);

    let result = match parse(request, routes, &mut line) {
        Ok(request) => {
            let methods = request.route.methods();
            if methods.contains(&request.method.as_str()) {
                handler(request).await
            } else {
                Err(ApiError::method_not_allowed(methods))
            }
        }
        Err(error) => Err(error),
    };
    let response = limit_size(result.unwrap_or_else(ApiError::into_response));
    line.log(response.status().as_u16());
    response
}

/// The fields of a request's log line, filled in as they become known. The line never contains
/// a header, the query or the body.
#[derive(Debug, Default)]
pub struct RequestLine {
    pub route: &'static str,
    pub method: String,
    pub path: String,
    pub team_id: String,
    pub request_id: String,
    started: Option<Instant>,
}

impl RequestLine {
    pub fn new<B>(request: &lambda_http::http::Request<B>, started: Instant) -> Self {
        Self {
            method: request.method().to_string(),
            path: request.uri().path().to_string(),
            request_id: request_id(request),
            started: Some(started),
            ..Self::default()
        }
    }

    /// Writes the line: route, method, path, status, latency in microseconds, team and request id.
    pub fn log(&self, status: u16) {
        let latency_us = self.started.map_or(0, |started| started.elapsed().as_micros() as u64);
        tracing::info!(
            route = self.route,
            method = %self.method,
            path = %self.path,
            status,
            latency_us,
            team_id = %self.team_id,
            request_id = %self.request_id,
            "request"
        );
    }
}
