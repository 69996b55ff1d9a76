//! `GET`, `POST` and `DELETE /customers/{id}`, where `{id}` is an id or an email address.

use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::http::{if_match, ok, ok_tagged, read_object, respond, ApiError, ApiRequest, ApiResponse, Route};
use shared::model::views::{CustomerDetailsView, CustomerView};
use shared::model::{CustomerChange, FieldScope};
use shared::store::{AvatarStore, Store};
use shared::App;

/// Routes this function serves.
pub const ROUTES: &[Route] = &[Route::Customer];

/// Most interactions, and most notes, that a customer response lists: the newest ones. It keeps
/// the response under Lambda's 6 MB limit however long a customer's history grows.
pub const MAX_LISTED: usize = 100;

pub async fn handle<S: Store, A: AvatarStore>(app: &App<S, A>, request: Request) -> Response<Body> {
    respond(ROUTES, request, |request| async move {
        match request.method.as_str() {
            "POST" => update(app, &request).await,
            "DELETE" => delete(app, &request).await,
            _ => fetch(app, &request).await,
        }
    })
    .await
}

async fn fetch<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let id = app.customer_id(&request.team, request.parameter()).await?;
    let Some(details) = app.store.customer_details(&request.team, &id).await? else {
        return Err(ApiError::not_found("Customer"));
    };

    let organization = match &details.customer.organization_id {
        Some(organization_id) => app.store.organization(&request.team, organization_id).await?,
        None => None,
    };

    let avatar = app.avatar_url(&details.customer).await?;
    let customer = CustomerView {
        // An organization deleted a moment ago may not have left every customer yet.
        organization_id: organization.as_ref().map(|organization| organization.id.as_str()),
        avatar: Some(avatar.as_deref()),
        ..CustomerView::new(&details.customer)
    };
    let body = CustomerDetailsView {
        customer,
        interactions: &details.interactions[..details.interactions.len().min(MAX_LISTED)],
        organization: organization.as_ref(),
        notes: &details.notes[..details.notes.len().min(MAX_LISTED)],
    };
    Ok(ok_tagged(&body, details.customer.version))
}

async fn update<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let body = read_object(request)?;
    CustomerChange::check_without_definitions(&body)?;
    let id = app.customer_id(&request.team, request.parameter()).await?;
    let fields = app.store.fields(&request.team, FieldScope::Customer).await?;
    let mut change = CustomerChange::from_body(&body, &fields)?;
    change.check_update(&fields)?;
    let updated = |id: &str, version: u64| ok_tagged(&json!({"success": "Customer updated", "id": id}), version);
    if change == CustomerChange::default() {
        // Nothing to change: the record, its `updated_at` and the activity feed stay as they are.
        let Some(details) = app.store.customer_details(&request.team, &id).await? else {
            return Err(ApiError::not_found("Customer"));
        };
        if !if_match(request).allows(details.customer.version) {
            return Err(ApiError::precondition_failed());
        }
        return Ok(updated(&id, details.customer.version));
    }

    change.if_match = if_match(request);
    change.checked_against = Some(fields.revision);
    let stored = app.store.update_customer(&request.team, &id, &change, "Customer updated", None).await;
    let stored = stored.map_err(|error| not_found_as_customer(error.into()))?;
    Ok(updated(&stored.id, stored.version))
}

async fn delete<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let id = app.customer_id(&request.team, request.parameter()).await?;
    let deleted = app.store.delete_customer(&request.team, &id).await;
    let deleted = deleted.map_err(|error| not_found_as_customer(error.into()))?;

    if let Some(key) = &deleted.avatar_key {
        // The customer is gone either way; an image left behind is found by its key prefix
        // `teams/{team}/customers/{id}/` and removed by the bucket clean-up.
        if let Err(error) = app.avatars.delete(key).await {
            tracing::warn!(%error, customer_id = %id, "avatar removal failed after customer delete");
        }
    }
    Ok(ok(&json!({"success": "Customer Deleted"})))
}

fn not_found_as_customer(error: ApiError) -> ApiError {
    if error.status == lambda_http::http::StatusCode::NOT_FOUND { ApiError::not_found("Customer") } else { error }
}
