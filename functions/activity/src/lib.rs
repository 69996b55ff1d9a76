//! `GET /customers/activity`: the team's most recent interactions, newest first.

use lambda_http::{Body, Request, Response};
use serde_json::Value;
use shared::http::{ok, query_limit, respond, ApiError, ApiRequest, ApiResponse, Route};
use shared::store::{AvatarStore, Store};
use shared::App;

/// Routes this function serves.
pub const ROUTES: &[Route] = &[Route::Activity];

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

pub async fn handle<S: Store, A: AvatarStore>(app: &App<S, A>, request: Request) -> Response<Body> {
    respond(ROUTES, request, |request| async move { activity(app, &request).await }).await
}

async fn activity<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let limit = query_limit(request, DEFAULT_LIMIT, MAX_LIMIT)?;
    let mut entries = Vec::new();
    for entry in app.store.recent_activity(&request.team, limit).await? {
        let avatar = app.avatar_url(&entry.customer).await?;
        entries.push(entry.to_json(avatar));
    }
    Ok(ok(&Value::Array(entries)))
}
