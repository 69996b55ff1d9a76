//! The authorizer, driven by the API Gateway authorizer event in `events/`, on both key stores.

use lambda_http::aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerV2Request;
use serde_json::json;
use shared::auth::dynamo::DynamoKeys;
use shared::auth::embedded::EmbeddedKeys;
use shared::auth::{KeyStore, NewKey};
use shared::testing::{event, team};

/// The fixture with `authorization` set to `header`, or removed when `None`.
fn request_with(header: Option<&str>) -> ApiGatewayV2CustomAuthorizerV2Request {
    let mut fixture = event("authorizer-request.json");
    match header {
        Some(value) => fixture["headers"]["authorization"] = json!(value),
        None => {
            fixture["headers"].as_object_mut().unwrap().remove("authorization");
        }
    }
    serde_json::from_value(fixture).expect("fixture is an authorizer request")
}

async fn decides_by_key<K: KeyStore>(keys: &K) {
    let team_a = team("team-a");
    keys.create_team(&team_a, "A").await.unwrap();
    let key = NewKey::generate(&team_a).unwrap();
    keys.add_key(&key.record).await.unwrap();

    let allowed = authorizer::authorize(keys, &request_with(Some(&format!("Bearer {}", key.secret)))).await.unwrap();
    assert!(allowed.is_authorized);
    assert_eq!(allowed.context["team_id"], json!("team-a"));
    let serialized = serde_json::to_value(&allowed).unwrap();
    assert_eq!(serialized, json!({"isAuthorized": true, "context": {"team_id": "team-a"}}));

    for header in [None, Some("Bearer mk_0000000000000000000000000000000000000000000000000000000000000000"), Some("Basic x")] {
        let denied = authorizer::authorize(keys, &request_with(header)).await.unwrap();
        assert!(!denied.is_authorized, "{header:?}");
        assert!(denied.context.is_empty());
    }

    keys.revoke_key(&key.record.id).await.unwrap();
    let revoked = authorizer::authorize(keys, &request_with(Some(&format!("Bearer {}", key.secret)))).await.unwrap();
    assert!(!revoked.is_authorized);
}

#[tokio::test]
async fn embedded_keys_decide() {
    decides_by_key(&EmbeddedKeys::in_memory()).await;
}

#[tokio::test]
async fn dynamo_keys_decide() {
    let app = shared::testing::moto_app().await;
    decides_by_key(&DynamoKeys::new(app.store.clone())).await;
}
