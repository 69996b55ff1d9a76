//! Lambda entry point: builds the key store once, then decides requests with
//! [`authorizer::authorize`].

use lambda_http::aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerV2Request;
use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};
use shared::auth::dynamo::DynamoKeys;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let keys: &'static DynamoKeys = Box::leak(Box::new(DynamoKeys::new(shared::app::dynamo_from_env(shared::app::AwsSource::Lambda).await?)));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayV2CustomAuthorizerV2Request>| async move {
        authorizer::authorize(keys, &event.payload).await.map_err(lambda_http::Error::from)
    }))
    .await
}
