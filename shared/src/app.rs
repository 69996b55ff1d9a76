//! The application context that every handler receives: the stores, built once per process.

use std::convert::Infallible;
use std::future::Future;

use lambda_http::{Body, Request, Response};
use serde_json::{Map, Value};

use crate::http::ApiError;
use crate::model::{Customer, Email, TeamId};
use crate::sdk_http::PrebuiltHttpClient;
use crate::store::dynamo::DynamoStore;
use crate::store::s3::S3Avatars;
use crate::store::{AvatarStore, Store};

/// Environment variable naming the DynamoDB table.
pub const TABLE_NAME_VAR: &str = "TABLE_NAME";
/// Environment variable naming the S3 bucket of avatar images.
pub const AVATAR_BUCKET_VAR: &str = "AVATAR_BUCKET";

/// The stores a handler works with.
#[derive(Clone)]
pub struct App<S, A> {
    pub store: S,
    pub avatars: A,
}

/// The production wiring: DynamoDB and S3.
pub type AwsApp = App<DynamoStore, S3Avatars>;

/// A configuration error found at start-up.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn required_var(name: &str) -> Result<String, ConfigError> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => Ok(value),
        _ => Err(ConfigError(format!("environment variable {name} is missing or empty"))),
    }
}

/// Source of the AWS configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AwsSource {
    /// Inside Lambda: region and credentials from the environment variables that Lambda sets,
    /// so start-up never probes the instance metadata service or reads profile files.
    Lambda,
    /// On a workstation: the SDK's standard chain (environment, profiles, and so on).
    Standard,
}

/// Maximum time a DynamoDB or S3 call may take, retries included. The functions time out after
/// 10 s, so a store that hangs still leaves time to return a 503 instead of timing out.
pub const OPERATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Maximum time one attempt of a call may take before the SDK retries it.
pub const ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Maximum time to open a new connection.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// Loads the AWS configuration from `source`, with the timeouts above and one
/// [`PrebuiltHttpClient`], so every service client built from it shares one connection pool and
/// one TLS set-up, made here. `AWS_ENDPOINT_URL` is honoured either way.
pub async fn aws_config(source: AwsSource) -> aws_config::SdkConfig {
    let config = load_aws_config(source).await;
    let http_client = PrebuiltHttpClient::for_config(&config);
    config.into_builder().http_client(http_client).build()
}

async fn load_aws_config(source: AwsSource) -> aws_config::SdkConfig {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .operation_timeout(OPERATION_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .build();
    let loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).timeout_config(timeouts);
    match source {
        AwsSource::Lambda => {
            loader
                .region(aws_config::environment::EnvironmentVariableRegionProvider::new())
                .credentials_provider(aws_config::environment::EnvironmentVariableCredentialsProvider::new())
                .load()
                .await
        }
        AwsSource::Standard => loader.load().await,
    }
}

/// Builds the DynamoDB store from the AWS configuration and `TABLE_NAME`.
pub async fn dynamo_from_env(source: AwsSource) -> Result<DynamoStore, ConfigError> {
    let table = required_var(TABLE_NAME_VAR)?;
    let config = aws_config(source).await;
    Ok(DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table))
}

impl AwsApp {
    /// Builds the clients from the standard AWS configuration (`AWS_REGION`, credentials,
    /// `AWS_ENDPOINT_URL`) and the table and bucket from `TABLE_NAME` and `AVATAR_BUCKET`.
    /// With a custom endpoint, S3 is addressed path-style, as emulators expect.
    pub async fn from_env(source: AwsSource) -> Result<Self, ConfigError> {
        let table = required_var(TABLE_NAME_VAR)?;
        let bucket = required_var(AVATAR_BUCKET_VAR)?;

        let config = aws_config(source).await;
        let custom_endpoint = config.endpoint_url().is_some();
        let dynamo = aws_sdk_dynamodb::Client::new(&config);
        let s3_config = aws_sdk_s3::config::Builder::from(&config).force_path_style(custom_endpoint).build();
        let s3 = aws_sdk_s3::Client::from_conf(s3_config);

        Ok(Self { store: DynamoStore::new(dynamo, table), avatars: S3Avatars::new(s3, bucket) })
    }
}

/// Runs a function's handler in the Lambda runtime, with the stores built once before the first
/// request. Logs follow `AWS_LAMBDA_LOG_FORMAT` and `AWS_LAMBDA_LOG_LEVEL`.
pub async fn run_lambda<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(&'static AwsApp, Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    lambda_http::tracing::init_default_subscriber();
    let app: &'static AwsApp = Box::leak(Box::new(AwsApp::from_env(AwsSource::Lambda).await?));
    let handler = &handler;
    lambda_http::run(lambda_http::service_fn(move |request: Request| {
        let response = handler(app, request);
        async move { Ok::<_, Infallible>(response.await) }
    }))
    .await
}

impl<S: Store, A: AvatarStore> App<S, A> {
    /// Finds a customer id from a path parameter that contains an id or an email address.
    pub async fn customer_id(&self, team: &TeamId, raw: &str) -> Result<String, ApiError> {
        if crate::model::is_id(raw) {
            return Ok(raw.to_string());
        }
        if raw.contains('@') {
            if let Ok(email) = Email::parse(raw) {
                if let Some(id) = self.store.customer_id_by_email(team, &email).await? {
                    return Ok(id);
                }
            }
        }
        Err(ApiError::not_found("Customer"))
    }

    /// The customer as lists return it, with a fresh avatar URL when it has an image.
    pub async fn customer_row(&self, customer: &Customer) -> Result<Map<String, Value>, ApiError> {
        let mut row = customer.to_json();
        row.insert("avatar".into(), self.avatar_url(customer).await?.into());
        Ok(row)
    }

    pub async fn avatar_url(&self, customer: &Customer) -> Result<Option<String>, ApiError> {
        match &customer.avatar_key {
            Some(key) => Ok(Some(self.avatars.url(key).await?)),
            None => Ok(None),
        }
    }
}
