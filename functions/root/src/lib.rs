//! `GET /`: the API's name and version. Clients call it to test their connection, and treat an
//! empty or non-object response as a failure.

use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::http::{ok, respond, Route};
use shared::store::{AvatarStore, Store};
use shared::App;

/// Routes this function serves.
pub const ROUTES: &[Route] = &[Route::Root];

/// Responds without reading the stores. It takes the app so every function has the same shape.
pub async fn handle<S: Store, A: AvatarStore>(_app: &App<S, A>, request: Request) -> Response<Body> {
    respond(ROUTES, request, |_| async move {
        Ok(ok(&json!({"name": "Meiosis customer API", "version": env!("CARGO_PKG_VERSION")})))
    })
    .await
}
