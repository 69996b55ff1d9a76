//! CORS for `local-api`, matching the HttpApi's `CorsConfiguration` in `template.yaml`:
//! preflight requests get a response without authentication, and responses to allowed origins
//! carry `Access-Control-Allow-Origin`.

use lambda_http::http::{header, HeaderValue, StatusCode};
use shared::http::ApiResponse;

/// Methods and headers that browsers may use, as `template.yaml` declares them.
const ALLOW_METHODS: &str = "GET, POST, DELETE, OPTIONS";
const ALLOW_HEADERS: &str = "authorization, content-type, x-team, accept, idempotency-key, if-match";
/// Response headers that scripts may read besides the CORS-safelisted ones.
const EXPOSE_HEADERS: &str = "etag, idempotent-replayed, retry-after";
/// Seconds a browser may cache a preflight response.
const MAX_AGE: &str = "600";

/// Allowed origins: `*` allows any.
#[derive(Clone, Debug)]
pub struct Cors {
    origins: Vec<String>,
}

impl Cors {
    /// Parses a comma-separated origin list, such as `https://app.example.com,http://localhost:5173`.
    pub fn parse(list: &str) -> Self {
        let origins = list.split(',').map(|origin| origin.trim().trim_end_matches('/').to_string()).filter(|o| !o.is_empty()).collect();
        Self { origins }
    }

    fn allows_any(&self) -> bool {
        self.origins.iter().any(|allowed| allowed == "*")
    }

    fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|allowed| allowed == "*" || allowed.eq_ignore_ascii_case(origin))
    }

    /// Returns the value of `Access-Control-Allow-Origin` for `origin`, if it is allowed.
    fn allow_origin(&self, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
        let origin = origin?;
        if !self.allows(origin.to_str().ok()?) {
            return None;
        }
        if self.allows_any() {
            Some(HeaderValue::from_static("*"))
        } else {
            Some(origin.clone())
        }
    }

    /// Builds the response to a preflight request (`OPTIONS` with `Origin` and `Access-Control-Request-Method`),
    /// or returns `None` for any other request.
    pub fn preflight<B>(&self, request: &hyper::Request<B>) -> Option<ApiResponse> {
        let headers = request.headers();
        let is_preflight = request.method() == hyper::Method::OPTIONS
            && headers.contains_key(header::ORIGIN)
            && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        if !is_preflight {
            return None;
        }
        let mut response = lambda_http::Response::new(lambda_http::Body::Empty);
        *response.status_mut() = StatusCode::NO_CONTENT;
        if let Some(allowed) = self.allow_origin(headers.get(header::ORIGIN)) {
            let out = response.headers_mut();
            out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
            out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOW_METHODS));
            out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOW_HEADERS));
            out.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
        }
        if !self.allows_any() {
            response.headers_mut().insert(header::VARY, HeaderValue::from_static("origin"));
        }
        Some(response)
    }

    /// Adds `Access-Control-Allow-Origin` and `Access-Control-Expose-Headers` to a response
    /// for an allowed origin.
    pub fn decorate(&self, origin: Option<&HeaderValue>, response: &mut ApiResponse) {
        if let Some(allowed) = self.allow_origin(origin) {
            let headers = response.headers_mut();
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
            headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE_HEADERS));
        }
        // The response differs by origin unless every origin is allowed, so caches must key on it.
        if !self.allows_any() {
            response.headers_mut().append(header::VARY, HeaderValue::from_static("origin"));
        }
    }
}
