//! `POST /track` records an interaction with a customer.

use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::http::{ok, read_object, respond, ApiError, ApiRequest, ApiResponse, Route, completion, idempotent};
use shared::model::{Timestamp, TrackRequest};
use shared::store::idempotency::KeyClaim;
use shared::store::{AvatarStore, Store, StoreError};
use shared::App;

/// Routes this function serves.
pub const ROUTES: &[Route] = &[Route::Track];

pub async fn handle<S: Store, A: AvatarStore>(app: &App<S, A>, request: Request) -> Response<Body> {
    respond(ROUTES, request, |request| async move { idempotent(&app.store, &request, |claim| track(app, &request, claim)).await }).await
}

async fn track<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest, claim: Option<KeyClaim>) -> Result<ApiResponse, ApiError> {
    let tracked = TrackRequest::from_body(&read_object(request)?)?;
    let unknown_customer = || ApiError::invalid_field("customer", "must name an existing customer by id or email");

    let customer_id = app.customer_id(&request.team, &tracked.customer).await.map_err(|_| unknown_customer())?;
    let interaction = tracked.into_interaction(&customer_id, Timestamp::now());
    let response = ok(&json!({"success": "Interaction recorded", "id": interaction.id}));
    app.store.add_interaction(&request.team, &interaction, completion(claim, &response).as_ref()).await.map_err(|error| match error {
        StoreError::NotFound => unknown_customer(),
        other => other.into(),
    })?;
    Ok(response)
}
