//! Lambda entry point: builds the stores once, then serves requests with [`organization::handle`].

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::app::run_lambda(organization::handle).await
}
