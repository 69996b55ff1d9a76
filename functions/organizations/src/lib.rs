//! `GET /organizations` lists organizations, by name prefix with `?name=`; `POST /organizations`
//! creates one.

use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use shared::http::{ok, ok_tagged, page_body, read_object, respond, ApiError, ApiRequest, ApiResponse, Route, completion, idempotent};
use shared::model::{FieldScope, OrganizationChange, OrganizationQuery, FIRST_VERSION};
use shared::store::idempotency::KeyClaim;
use shared::store::{AvatarStore, Store};
use shared::App;

/// Routes this function serves.
pub const ROUTES: &[Route] = &[Route::Organizations];

pub async fn handle<S: Store, A: AvatarStore>(app: &App<S, A>, request: Request) -> Response<Body> {
    respond(ROUTES, request, |request| async move {
        match request.method.as_str() {
            "POST" => idempotent(&app.store, &request, |claim| create(app, &request, claim)).await,
            _ => list(app, &request).await,
        }
    })
    .await
}

async fn list<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let query = OrganizationQuery::parse(&request.query)?;
    let page = app.store.list_organizations(&request.team, &query).await?;
    let rows: Vec<Value> = page.organizations.iter().map(|organization| Value::Object(organization.to_json())).collect();

    let Some(paging) = query.paging else {
        return Ok(ok(&Value::Array(rows)));
    };
    Ok(ok(&page_body("organizations", paging, page.total, rows)))
}

async fn create<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest, claim: Option<KeyClaim>) -> Result<ApiResponse, ApiError> {
    let body = read_object(request)?;
    OrganizationChange::check_without_definitions(&body)?;
    let fields = app.store.fields(&request.team, FieldScope::Organization).await?;
    let organization = OrganizationChange::from_body(&body, &fields)?.checked_against(&fields).into_new(&fields)?;
    let response = ok_tagged(&json!({"success": "Organization created", "id": organization.id}), FIRST_VERSION);
    app.store.create_organization(&request.team, organization, completion(claim, &response).as_ref()).await?;
    Ok(response)
}
