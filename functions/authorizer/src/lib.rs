//! HTTP API Lambda authorizer (payload format 2.0, simple responses): resolves the bearer key of
//! a request to its team and passes the team id to every function in the authorizer context.

use std::time::Instant;

use lambda_http::aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerV2Request;
use serde::Serialize;
use shared::auth::{authenticate, AuthError, KeyStore};
use shared::http::TEAM_CONTEXT_KEY;

/// A simple response: whether to let the request through, and the context functions receive.
#[derive(Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub is_authorized: bool,
    pub context: serde_json::Map<String, serde_json::Value>,
}

/// Error returned when the store failed and no decision could be made. API Gateway then returns
/// a 500 to the client.
#[derive(Debug)]
pub struct Undecided(pub String);

impl std::fmt::Display for Undecided {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "key lookup failed: {}", self.0)
    }
}

impl std::error::Error for Undecided {}

/// Decides one request. Logs one line with the decision, latency and request id, and the team
/// id when allowed; never the key or the header.
pub async fn authorize<K: KeyStore>(keys: &K, request: &ApiGatewayV2CustomAuthorizerV2Request) -> Result<Decision, Undecided> {
    let started = Instant::now();
    let header = request.headers.get("authorization").and_then(|value| value.to_str().ok());
    let request_id = request.request_context.request_id.clone().unwrap_or_default();

    let (decision, team_id) = match authenticate(keys, header).await {
        Ok(team) => {
            let context = serde_json::Map::from_iter([(TEAM_CONTEXT_KEY.to_string(), team.as_str().into())]);
            (Decision { is_authorized: true, context }, team.to_string())
        }
        Err(AuthError::Unavailable(error)) => {
            tracing::error!(%error, request_id, "key lookup failed");
            return Err(Undecided(error.to_string()));
        }
        Err(_) => (Decision { is_authorized: false, context: serde_json::Map::new() }, String::new()),
    };

    tracing::info!(
        authorized = decision.is_authorized,
        latency_us = started.elapsed().as_micros() as u64,
        team_id,
        request_id,
        "authorizer decision"
    );
    Ok(decision)
}
