//! `GET /customers/latest?limit=N`: the most recently updated customers, newest first.

use lambda_http::{Body, Request, Response};
use serde_json::Value;
use shared::http::{ok, query_limit, respond, ApiError, ApiRequest, ApiResponse, Route};
use shared::store::{AvatarStore, Store};
use shared::App;

/// Routes this function serves.
pub const ROUTES: &[Route] = &[Route::Latest];

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

pub async fn handle<S: Store, A: AvatarStore>(app: &App<S, A>, request: Request) -> Response<Body> {
    respond(ROUTES, request, |request| async move { latest(app, &request).await }).await
}

async fn latest<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let limit = query_limit(request, DEFAULT_LIMIT, MAX_LIMIT)?;
    let mut rows = Vec::new();
    for customer in app.store.latest_customers(&request.team, limit).await? {
        rows.push(Value::Object(app.customer_row(&customer).await?));
    }
    Ok(ok(&Value::Array(rows)))
}
