//! `Idempotency-Key` on the requests that create something. A retry with the same key and the
//! same request gets the first response again, marked `Idempotent-Replayed: true`, and writes
//! nothing. The same key with another request is a 422. A request that arrives while another
//! with its key runs waits for that one's response, up to [`WAIT`].
//!
//! The create receives the request's claim and saves its response in the same atomic write as
//! its records (see [`Completion`]). A write that happened always has its response saved, even
//! when the client got a timeout or a 503 instead, so a retry never writes twice. A request that
//! fails releases its claim; when its write happened after all, the release finds the saved
//! response and leaves it. Keys belong to a team and expire after 24 hours.

use std::future::Future;
use std::time::{Duration, Instant};

use lambda_http::http::header::ETAG;
use lambda_http::http::{HeaderName, HeaderValue};
use lambda_http::Body;
use sha2::{Digest, Sha256};

use super::{ApiError, ApiRequest, ApiResponse};
use crate::model::Timestamp;
use crate::store::idempotency::{Completion, KeyClaim, KeyState, SavedResponse};
use crate::store::Store;

/// The request header that carries the key.
pub const KEY_HEADER: &str = "idempotency-key";

/// The response header that marks a saved response sent again.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// Longest accepted key, in characters.
pub const MAX_KEY_CHARS: usize = 255;

/// Time a request waits for another with the same key before it returns 409. Well under
/// the functions' 10-second timeout.
const WAIT: Duration = Duration::from_secs(5);

/// Time between two looks at a key that another request holds.
const POLL: Duration = Duration::from_millis(100);

/// Runs `create` at most once per idempotency key of the team, when the request has one.
/// `create` gets the request's claim, which its write must complete (see [`completion`]).
pub async fn idempotent<S, F, Fut>(store: &S, request: &ApiRequest, create: F) -> Result<ApiResponse, ApiError>
where
    S: Store,
    F: FnOnce(Option<KeyClaim>) -> Fut,
    Fut: Future<Output = Result<ApiResponse, ApiError>>,
{
    let Some(key) = key_digest(request)? else { return create(None).await };
    let claim = KeyClaim::new(key, fingerprint(request));

    if let Some(earlier) = wait_for_key(store, request, &claim).await? {
        return Ok(earlier);
    }

    let response = create(Some(claim.clone())).await;
    if response.is_err() {
        release_quietly(store, request, &claim).await;
    }
    response
}

/// Releases `claim` after a failed request. The client gets the request's own error, so a
/// failed release is logged only, and the claim left behind blocks the key for up to 60 s.
async fn release_quietly<S: Store>(store: &S, request: &ApiRequest, claim: &KeyClaim) {
    if let Err(error) = store.release_key(&request.team, claim).await {
        tracing::warn!(%error, request_id = %request.request_id, "releasing an idempotency key failed");
    }
}

/// Pairs `claim` with the response that the create will send, for the write that completes it.
/// Only a response with a text body can be sent again, and creates return JSON.
pub fn completion(claim: Option<KeyClaim>, response: &ApiResponse) -> Option<Completion> {
    // Requests without a key, most of them, copy nothing.
    let claim = claim?;
    let Body::Text(body) = response.body() else { return None };
    let etag = response.headers().get(ETAG).and_then(|value| value.to_str().ok()).map(str::to_string);
    let response = SavedResponse { status: response.status().as_u16(), body: body.clone(), etag };
    Some(Completion { claim, response })
}

/// Claims the key. Returns `None` when the key now belongs to this request, or else the earlier
/// response to send.
async fn wait_for_key<S: Store>(store: &S, request: &ApiRequest, claim: &KeyClaim) -> Result<Option<ApiResponse>, ApiError> {
    let deadline = Instant::now() + WAIT;
    loop {
        let state = match store.claim_key(&request.team, claim, Timestamp::now()).await {
            Ok(state) => state,
            Err(error) => {
                // The claim may have been stored before the store failed; removing it keeps a
                // retry from waiting for a request that has ended.
                release_quietly(store, request, claim).await;
                return Err(error.into());
            }
        };
        match state {
            KeyState::Claimed => return Ok(None),
            KeyState::Saved { fingerprint: other, .. } | KeyState::Running { fingerprint: other } if other != claim.fingerprint => {
                return Err(ApiError::invalid_field(
                    "Idempotency-Key",
                    "was already used with another request; send a new key for a new request",
                ));
            }
            KeyState::Saved { response, .. } => return Ok(Some(replay(response))),
            KeyState::Running { .. } if Instant::now() >= deadline => return Err(ApiError::key_in_use()),
            KeyState::Running { .. } => tokio::time::sleep(POLL).await,
        }
    }
}

fn replay(saved: SavedResponse) -> ApiResponse {
    let status = lambda_http::http::StatusCode::from_u16(saved.status).unwrap_or(lambda_http::http::StatusCode::OK);
    let mut response = super::json_text(status, saved.body);
    let headers = response.headers_mut();
    headers.insert(HeaderName::from_static(REPLAYED_HEADER), HeaderValue::from_static("true"));
    if let Some(etag) = saved.etag.and_then(|etag| HeaderValue::from_str(&etag).ok()) {
        headers.insert(ETAG, etag);
    }
    response
}

/// Returns the digest of the request's key, or `None` without one. Stores keep the digest only,
/// so a key never reaches a table or a log.
fn key_digest(request: &ApiRequest) -> Result<Option<String>, ApiError> {
    let mut values = request.headers.get_all(KEY_HEADER).iter();
    let Some(value) = values.next() else { return Ok(None) };
    let valid = values.next().is_none()
        && (1..=MAX_KEY_CHARS).contains(&value.len())
        && value.as_bytes().iter().all(|byte| byte.is_ascii_graphic());
    if !valid {
        let message = format!("must be sent once, as 1 to {MAX_KEY_CHARS} visible ASCII characters");
        return Err(ApiError::invalid_field("Idempotency-Key", message));
    }
    Ok(Some(hex::encode(Sha256::digest(value.as_bytes()))))
}

/// Digest of what makes two requests the same: method, route, path parameters, media type and
/// body bytes.
fn fingerprint(request: &ApiRequest) -> String {
    let mut digest = Sha256::new();
    let media = request.headers.get(lambda_http::http::header::CONTENT_TYPE).map(HeaderValue::as_bytes).unwrap_or_default();
    let parts: [&[u8]; 3] = [request.method.as_str().as_bytes(), request.route.pattern().as_bytes(), media];
    for part in parts.into_iter().chain(request.parameters.iter().map(String::as_bytes)) {
        digest.update((part.len() as u64).to_be_bytes());
        digest.update(part);
    }
    digest.update(&request.body);
    hex::encode(digest.finalize())
}
