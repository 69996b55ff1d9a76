//! Domain crate of the Meiosis customer API: the model and its validation, the storage ports with
//! their DynamoDB, S3 and embedded adapters, and the HTTP edge that every Lambda function and
//! `local-api` share.

pub mod app;
pub mod auth;
pub mod http;
pub mod model;
pub mod sdk_http;
pub mod store;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use app::App;
pub use http::{ApiError, ApiRequest, ApiResponse};
