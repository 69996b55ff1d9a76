//! `GET /customers` lists and filters customers; `POST /customers` creates one.

use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use shared::http::{ok, ok_tagged, page_body, read_object, respond, ApiError, ApiRequest, ApiResponse, Route, MAX_RESPONSE_BYTES, completion, idempotent};
use shared::model::{Cursor, CustomerChange, FieldKey, FieldScope, ListQuery, FIRST_VERSION};
use shared::store::idempotency::KeyClaim;
use shared::store::{AvatarStore, Store};
use shared::App;

/// Routes this function serves.
pub const ROUTES: &[Route] = &[Route::Customers];


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
    let filters_attributes = request.query.iter().any(|(name, _)| name.starts_with(FieldKey::PREFIX));
    let fields = if filters_attributes { app.store.fields(&request.team, FieldScope::Customer).await? } else { Default::default() };
    let query = ListQuery::parse(&request.query, &fields)?;
    let page = app.store.list_customers(&request.team, &query).await?;

    let mut rows = Vec::with_capacity(page.customers.len());
    for customer in &page.customers {
        rows.push(Value::Object(app.customer_row(customer).await?));
    }

    let Some(paging) = query.paging else {
        let body = Value::Array(rows);
        if body.to_string().len() > MAX_RESPONSE_BYTES {
            let message = format!("is required: the full list is larger than {MAX_RESPONSE_BYTES} bytes, so request it in pages");
            return Err(ApiError::invalid_field("per_page", message));
        }
        return Ok(ok(&body));
    };
    let mut body = page_body("customers", paging, page.total, rows);
    let next = page.next.map(|position| Cursor { page: paging.page + 1, position }.encode());
    body["meta"]["next"] = next.map_or(Value::Null, Value::String);
    Ok(ok(&body))
}

async fn create<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest, claim: Option<KeyClaim>) -> Result<ApiResponse, ApiError> {
    let body = read_object(request)?;
    CustomerChange::check_without_definitions(&body)?;
    let fields = app.store.fields(&request.team, FieldScope::Customer).await?;
    let customer = CustomerChange::from_body(&body, &fields)?.checked_against(&fields).into_new(&fields)?;
    let response = ok_tagged(&json!({"success": "Customer created", "id": customer.id}), FIRST_VERSION);
    app.store.create_customer(&request.team, customer, completion(claim, &response).as_ref()).await?;
    Ok(response)
}
