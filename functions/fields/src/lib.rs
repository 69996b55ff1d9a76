//! Custom attribute definitions. `GET` and `POST /customers/fields` and
//! `DELETE /customers/fields/{key}` serve customer fields in the documented object shape.
//! `GET` and `POST /attributes/{scope}` and `DELETE /attributes/{scope}/{key}` serve both kinds
//! of record (`scope` is `customer` or `organization`) as arrays, as the PHP client reads them.

use lambda_http::{Body, Request, Response};
use serde_json::{json, Map, Value};
use shared::http::{ok, read_object, respond, ApiError, ApiRequest, ApiResponse, Route};
use shared::model::{FieldDefinition, FieldKey, FieldScope, MAX_ATTRIBUTES};
use shared::store::{AvatarStore, Store, StoreError};
use shared::App;

/// Routes this function serves.
pub const ROUTES: &[Route] = &[Route::Fields, Route::Field, Route::Attributes, Route::Attribute];

pub async fn handle<S: Store, A: AvatarStore>(app: &App<S, A>, request: Request) -> Response<Body> {
    respond(ROUTES, request, |request| async move {
        match (request.route, request.method.as_str()) {
            (Route::Field, _) => delete(app, &request, FieldScope::Customer, request.parameter()).await,
            (Route::Attribute, _) => delete(app, &request, scope(&request)?, request.parameter_at(1)).await,
            (Route::Fields, "POST") => define(app, &request, FieldScope::Customer).await,
            (Route::Attributes, "POST") => define(app, &request, scope(&request)?).await,
            (Route::Attributes, _) => list(app, &request, scope(&request)?).await,
            _ => documented_list(app, &request).await,
        }
    })
    .await
}

fn scope(request: &ApiRequest) -> Result<FieldScope, ApiError> {
    FieldScope::parse(request.parameter()).ok_or_else(|| ApiError::not_found("Attribute scope"))
}

/// Returns the built-in customer fields, in the documented shape.
fn built_in_fields() -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("email".into(), json!({"name": "Email Address", "required": true, "type": "email"}));
    fields.insert("first".into(), json!({"name": "First Name", "required": false, "type": "text"}));
    fields.insert("middle".into(), json!({"name": "Middle Name", "required": false, "type": "text"}));
    fields.insert("last".into(), json!({"name": "Last Name", "required": false, "type": "text"}));
    fields
}

/// `GET /customers/fields`: an object keyed by field key.
async fn documented_list<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let mut body = built_in_fields();
    for field in app.store.fields(&request.team, FieldScope::Customer).await?.fields {
        let mut entry = json!({"name": field.name, "required": field.required, "type": field.field_type});
        if !field.options.is_empty() {
            entry["options"] = json!(field.options);
        }
        body.insert(field.key.as_str().to_string(), entry);
    }
    Ok(ok(&Value::Object(body)))
}

/// `GET /attributes/{scope}`: an array of the custom attribute definitions.
async fn list<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest, scope: FieldScope) -> Result<ApiResponse, ApiError> {
    let fields = app.store.fields(&request.team, scope).await?;
    Ok(ok(&json!(fields.fields)))
}

async fn define<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest, scope: FieldScope) -> Result<ApiResponse, ApiError> {
    let body = read_object(request)?;
    let field = FieldDefinition::from_body(&body)?;
    let defined = app.store.fields(&request.team, scope).await?;
    let is_new = !defined.iter().any(|existing| existing.key == field.key);
    if is_new && defined.len() >= MAX_ATTRIBUTES {
        let message = format!("cannot be added: a team defines at most {MAX_ATTRIBUTES} custom attributes per kind of record");
        return Err(ApiError::invalid_field("key", message));
    }
    app.store.put_field(&request.team, scope, &field).await?;
    Ok(ok(&json!({"success": "Field saved", "key": field.key})))
}

async fn delete<S: Store, A: AvatarStore>(
    app: &App<S, A>,
    request: &ApiRequest,
    scope: FieldScope,
    raw_key: &str,
) -> Result<ApiResponse, ApiError> {
    let key = FieldKey::parse(raw_key).map_err(|_| ApiError::not_found("Field"))?;
    app.store.delete_field(&request.team, scope, &key).await.map_err(|error| match error {
        StoreError::NotFound => ApiError::not_found("Field"),
        other => other.into(),
    })?;
    Ok(ok(&json!({"success": "Field deleted"})))
}
