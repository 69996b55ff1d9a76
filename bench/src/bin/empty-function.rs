//! The baseline of the cold-start benchmark: a Lambda function that returns its event, built
//! with the same release profile as the API's functions.

use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move { Ok::<_, lambda_http::Error>(event.payload) })).await
}
