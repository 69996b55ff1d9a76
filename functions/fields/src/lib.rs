//! `GET` and `POST /customers/fields` read and define custom attributes;
//! `DELETE /customers/fields/{key}` removes one.

use lambda_http::{Body, Request, Response};
use serde_json::{json, Map, Value};
use shared::http::{ok, read_object, respond, ApiError, ApiRequest, ApiResponse, Route};
use shared::model::{FieldDefinition, FieldKey};
use shared::store::{AvatarStore, Store};
use shared::App;

/// Routes this function serves.
pub const ROUTES: &[Route] = &[Route::Fields, Route::Field];

pub async fn handle<S: Store, A: AvatarStore>(app: &App<S, A>, request: Request) -> Response<Body> {
    respond(ROUTES, request, app.default_team.as_ref(), |request| async move {
        match (request.route, request.method.as_str()) {
            (Route::Field, _) => delete(app, &request).await,
            (_, "POST") => define(app, &request).await,
            _ => list(app, &request).await,
        }
    })
    .await
}

/// The built-in fields, in the documented shape.
fn built_in_fields() -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("email".into(), json!({"name": "Email Address", "required": true, "type": "email"}));
    fields.insert("first".into(), json!({"name": "First Name", "required": false, "type": "text"}));
    fields.insert("middle".into(), json!({"name": "Middle Name", "required": false, "type": "text"}));
    fields.insert("last".into(), json!({"name": "Last Name", "required": false, "type": "text"}));
    fields
}

async fn list<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let mut body = built_in_fields();
    for field in app.store.fields(&request.team).await? {
        let mut entry = json!({"name": field.name, "required": field.required, "type": field.field_type});
        if !field.options.is_empty() {
            entry["options"] = json!(field.options);
        }
        body.insert(field.key.as_str().to_string(), entry);
    }
    Ok(ok(&Value::Object(body)))
}

async fn define<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let body = read_object(request)?;
    let field = FieldDefinition::from_body(&body)?;
    app.store.put_field(&request.team, &field).await?;
    Ok(ok(&json!({"success": "Field saved", "key": field.key})))
}

async fn delete<S: Store, A: AvatarStore>(app: &App<S, A>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let key = FieldKey::parse(request.parameter()).map_err(|_| ApiError::not_found("Field"))?;
    app.store.delete_field(&request.team, &key).await.map_err(|error| match error {
        shared::store::StoreError::NotFound => ApiError::not_found("Field"),
        other => other.into(),
    })?;
    Ok(ok(&json!({"success": "Field deleted"})))
}
