use bytes::Bytes;
use lambda_http::http::{HeaderMap, Method};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::{ApiError, Route};
use crate::model::TeamId;

/// Authorizer context key that carries the team id.
pub const TEAM_CONTEXT_KEY: &str = "team_id";

/// Header in which clients may name their team; when present and not empty, it must match the
/// team of the key.
pub const TEAM_HEADER: &str = "x-team";

/// Request context that `local-api` attaches in place of API Gateway's.
#[derive(Clone, Debug)]
pub struct LocalContext {
    pub team: TeamId,
    pub request_id: String,
}

/// A request as handlers see it: routed, scoped to a team, with its query decoded.
#[derive(Debug)]
pub struct ApiRequest {
    pub method: Method,
    pub route: Route,
    /// Values of the route's path parameters, decoded, in the order of its pattern.
    pub parameters: Vec<String>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub team: TeamId,
    pub request_id: String,
}

impl ApiRequest {
    /// Returns the first path parameter (`{id}`, `{key}` or `{scope}`), or `""` for routes
    /// without one.
    pub fn parameter(&self) -> &str {
        self.parameters.first().map(String::as_str).unwrap_or_default()
    }

    /// Returns the path parameter at `index`, or `""` when the route has fewer.
    pub fn parameter_at(&self, index: usize) -> &str {
        self.parameters.get(index).map(String::as_str).unwrap_or_default()
    }
}

/// Identity of a request for logs, known before it is parsed.
pub(super) fn request_id<B>(request: &lambda_http::http::Request<B>) -> String {
    if let Some(local) = request.extensions().get::<LocalContext>() {
        return local.request_id.clone();
    }
    if let Some(context) = request.lambda_context_ref() {
        return context.request_id.clone();
    }
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.request_id.clone().unwrap_or_default(),
        Some(RequestContext::ApiGatewayV1(context)) => context.request_id.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

/// Checks that every non-empty `X-TEAM` header names the authenticated team. A value that is not
/// visible ASCII names no team of ours, so it is another team.
fn check_team(request: &Request, team: &TeamId) -> Result<(), ApiError> {
    for value in request.headers().get_all(TEAM_HEADER) {
        let claimed = value.to_str().map_err(|_| ApiError::forbidden())?;
        crate::auth::check_team_header(team, Some(claimed)).map_err(|_| ApiError::forbidden())?;
    }
    Ok(())
}

/// Returns the team of a request, from `local-api`'s context or else from the API Gateway
/// authorizer's context.
fn authenticated_team(request: &Request) -> Result<TeamId, ApiError> {
    if let Some(local) = request.extensions().get::<LocalContext>() {
        return Ok(local.team.clone());
    }
    let from_authorizer = request
        .request_context_ref()
        .and_then(|context| context.authorizer())
        .and_then(|authorizer| {
            authorizer.fields.get(TEAM_CONTEXT_KEY).or_else(|| authorizer.other.get(TEAM_CONTEXT_KEY))
        });
    match from_authorizer {
        Some(Value::String(raw)) => TeamId::parse(raw).ok_or_else(ApiError::unauthorized),
        Some(_) => Err(ApiError::unauthorized()),
        None => emulator_team().cloned().ok_or_else(ApiError::unauthorized),
    }
}

/// Environment variable naming the team of requests without an authorizer context. Only the
/// `cargo lambda watch` settings in the workspace `Cargo.toml` set it, because that emulator has
/// no authorizer. `template.yaml` never sets it, and every deployed route has the key authorizer.
pub const EMULATOR_TEAM_VAR: &str = "LOCAL_TEAM_ID";

fn emulator_team() -> Option<&'static TeamId> {
    static TEAM: std::sync::OnceLock<Option<TeamId>> = std::sync::OnceLock::new();
    TEAM.get_or_init(|| std::env::var(EMULATOR_TEAM_VAR).ok().and_then(|raw| TeamId::parse(&raw))).as_ref()
}

/// Decoded path segments, without the REST API stage prefix and empty segments (so a trailing
/// slash changes nothing). Each segment is decoded on its own, so `%2F` never splits one.
pub(super) fn path_segments(request: &Request) -> Vec<String> {
    let raw = match request.raw_http_path() {
        "" => request.uri().path(),
        raw => raw,
    };
    let stage = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(context)) => context.stage.clone(),
        Some(RequestContext::ApiGatewayV2(context)) => context.stage.clone(),
        _ => None,
    };
    let mut segments: Vec<&str> = raw.split('/').filter(|segment| !segment.is_empty()).collect();
    if let Some(stage) = stage.filter(|stage| stage != "$default") {
        if segments.first() == Some(&stage.as_str()) {
            segments.remove(0);
        }
    }
    segments.into_iter().map(|segment| percent_decode_str(segment).decode_utf8_lossy().into_owned()).collect()
}

/// Routes `request` to one of `routes`, or fails with a 404 when its path is another route's.
pub(super) fn parse(request: Request, routes: &[Route], line: &mut super::RequestLine) -> Result<ApiRequest, ApiError> {
    let (route, parameters) = route_of(&request, routes)?;
    line.route = route.pattern();
    let team = authenticated_team(&request)?;
    line.team_id = team.to_string();
    check_team(&request, &team)?;
    let request_id = request_id(&request);
    let query = request
        .uri()
        .query()
        .map(|query| form_urlencoded::parse(query.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let (parts, body) = request.into_parts();
    Ok(ApiRequest {
        method: parts.method,
        route,
        parameters,
        query,
        headers: parts.headers,
        body: Bytes::copy_from_slice(body.as_ref()),
        team,
        request_id,
    })
}

/// The route and its path parameters: from API Gateway's `pathParameters` when they hold every
/// parameter of one of `routes` (routes with more parameters first), else from the path, which
/// must resolve to one of `routes`.
fn route_of(request: &Request, routes: &[Route]) -> Result<(Route, Vec<String>), ApiError> {
    if let Some(params) = request.path_parameters_ref() {
        let mut candidates: Vec<&Route> = routes.iter().filter(|route| !route.parameters().is_empty()).collect();
        candidates.sort_by_key(|route| std::cmp::Reverse(route.parameters().len()));
        for route in candidates {
            let values: Option<Vec<String>> =
                route.parameters().iter().map(|name| params.first(name).map(str::to_string)).collect();
            if let Some(values) = values {
                return Ok((*route, values));
            }
        }
    }
    match Route::resolve(&path_segments(request)) {
        Some((resolved, parameter)) if routes.contains(&resolved) => Ok((resolved, parameter)),
        _ => Err(ApiError::not_found("Route")),
    }
}
