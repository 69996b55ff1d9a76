//! `POST /customers/{id}/notes` adds a note; `DELETE /customers/{id}/notes/{note_id}` removes one.

use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::http::{ok, read_object, respond, ApiError, ApiRequest, ApiResponse, Route, completion, idempotent};
use shared::model::Note;
use shared::store::idempotency::KeyClaim;
use shared::store::{AvatarStore, Store, StoreError};
use shared::App;

/// Routes this function serves.
pub const ROUTES: &[Route] = &[Route::Notes, Route::Note];

pub async fn handle<S: Store, A: AvatarStore>(app: &App<S, A>, request: Request) -> Response<Body> {
    respond(ROUTES, request, |request| async move {
        match request.route {
            Route::Note => delete(app, &request).await,
            _ => idempotent(&app.store, &request, |claim| add(app, &request, claim)).await,
        }
    })
    .await
}

async fn add<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest, claim: Option<KeyClaim>) -> Result<ApiResponse, ApiError> {
    // The note is checked before the customer is looked up, so a note over its limit costs no read.
    let mut note = Note::from_body("", &read_object(request)?)?;
    note.customer_id = app.customer_id(&request.team, request.parameter()).await?;
    let response = ok(&json!({"success": "Note added", "id": note.id}));
    app.store.add_note(&request.team, &note, completion(claim, &response).as_ref()).await.map_err(|error| match error {
        StoreError::NotFound => ApiError::not_found("Customer"),
        other => other.into(),
    })?;
    Ok(response)
}

async fn delete<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let customer_id = app.customer_id(&request.team, request.parameter()).await?;
    let note_id = request.parameter_at(1);
    if !shared::model::is_id(note_id) {
        return Err(ApiError::not_found("Note"));
    }
    app.store.delete_note(&request.team, &customer_id, note_id).await.map_err(|error| match error {
        StoreError::NotFound => ApiError::not_found("Note"),
        other => other.into(),
    })?;
    Ok(ok(&json!({"success": "Note deleted"})))
}
