//! `GET`, `POST` and `DELETE /organizations/{id}`.

use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use shared::http::{if_match, ok_tagged, ok, read_object, respond, ApiError, ApiRequest, ApiResponse, Route};
use shared::model::{is_id, FieldScope, OrganizationChange};
use shared::store::{AvatarStore, Store, StoreError, MAX_LISTED_MEMBERS};
use shared::App;

/// Routes this function serves.
pub const ROUTES: &[Route] = &[Route::Organization];

pub async fn handle<S: Store, A: AvatarStore>(app: &App<S, A>, request: Request) -> Response<Body> {
    respond(ROUTES, request, |request| async move {
        let id = request.parameter();
        if !is_id(id) {
            return Err(ApiError::not_found("Organization"));
        }
        match request.method.as_str() {
            "POST" => update(app, &request, id).await,
            "DELETE" => delete(app, &request, id).await,
            _ => fetch(app, &request, id).await,
        }
    })
    .await
}

fn not_found(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::not_found("Organization"),
        other => other.into(),
    }
}

/// Returns the organization with the ids and names of its first customers.
async fn fetch<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest, id: &str) -> Result<ApiResponse, ApiError> {
    let Some(organization) = app.store.organization(&request.team, id).await? else {
        return Err(ApiError::not_found("Organization"));
    };
    let members = app.store.organization_members(&request.team, id, MAX_LISTED_MEMBERS).await?;
    let customers: Vec<Value> =
        members.iter().map(|customer| json!({"id": customer.id, "name": customer.display_name()})).collect();

    let mut body = organization.to_json();
    body.insert("customers".into(), Value::Array(customers));
    Ok(ok_tagged(&Value::Object(body), organization.version))
}

async fn update<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest, id: &str) -> Result<ApiResponse, ApiError> {
    let body = read_object(request)?;
    OrganizationChange::check_without_definitions(&body)?;
    let fields = app.store.fields(&request.team, FieldScope::Organization).await?;
    let mut change = OrganizationChange::from_body(&body, &fields)?;
    change.check_update(&fields)?;
    let updated = |id: &str, version: u64| ok_tagged(&json!({"success": "Organization updated", "id": id}), version);
    if change == OrganizationChange::default() {
        let Some(organization) = app.store.organization(&request.team, id).await? else {
            return Err(ApiError::not_found("Organization"));
        };
        if !if_match(request).allows(organization.version) {
            return Err(ApiError::precondition_failed());
        }
        return Ok(updated(id, organization.version));
    }

    change.if_match = if_match(request);
    change.checked_against = Some(fields.revision);
    let stored = app.store.update_organization(&request.team, id, &change).await.map_err(not_found)?;
    Ok(updated(&stored.id, stored.version))
}

async fn delete<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest, id: &str) -> Result<ApiResponse, ApiError> {
    app.store.delete_organization(&request.team, id).await.map_err(not_found)?;
    Ok(ok(&json!({"success": "Organization deleted"})))
}
