//! `POST /customers/{id}/avatar` stores a JPEG or PNG image for a customer.

use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::http::multipart::read_image;
use shared::http::{ok, respond, ApiError, ApiRequest, ApiResponse, Route, completion, idempotent};
use shared::model::CustomerChange;
use shared::store::idempotency::KeyClaim;
use shared::store::{avatar_key, AvatarStore, Store, StoreError};
use shared::App;

/// Routes this function serves.
pub const ROUTES: &[Route] = &[Route::Avatar];

pub async fn handle<S: Store, A: AvatarStore>(app: &App<S, A>, request: Request) -> Response<Body> {
    respond(ROUTES, request, |request| async move { idempotent(&app.store, &request, |claim| upload(app, &request, claim)).await }).await
}

/// Stores the image first and points the customer at it second, so a failed upload leaves the
/// customer as it was. The previous image is removed afterwards.
async fn upload<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest, claim: Option<KeyClaim>) -> Result<ApiResponse, ApiError> {
    let image = read_image(request).await?;
    let id = app.customer_id(&request.team, request.parameter()).await?;
    let Some(before) = app.store.customer(&request.team, &id).await? else {
        return Err(ApiError::not_found("Customer"));
    };

    let key = avatar_key(&request.team, &id, image.extension);
    app.avatars.put(&key, &image).await?;

    let url = app.avatars.url(&key).await?;
    let response = ok(&json!({"success": "File Uploaded", "url": url}));
    let change = CustomerChange { avatar_key: Some(Some(key.clone())), ..CustomerChange::default() };
    let updated = app.store.update_customer(&request.team, &id, &change, "Avatar uploaded", completion(claim, &response).as_ref()).await;
    match updated {
        Ok(_) => {}
        // The update may have been applied before the store failed, so the new image may be
        // in use: it stays, and the bucket clean-up removes it if it is not.
        Err(error @ StoreError::Unavailable(_)) => return Err(error.into()),
        Err(error) => {
            remove_quietly(app, &key).await;
            return Err(match error {
                StoreError::NotFound => ApiError::not_found("Customer"),
                other => other.into(),
            });
        }
    }
    if let Some(previous) = &before.avatar_key {
        remove_quietly(app, previous).await;
    }
    Ok(response)
}

async fn remove_quietly<S: Store, A: AvatarStore>(app: &App<S, A>, key: &str) {
    if let Err(error) = app.avatars.delete(key).await {
        tracing::warn!(%error, "avatar object removal failed; the bucket clean-up removes it later");
    }
}
