//! Lambda entry point: builds the stores once, then serves requests with [`activity::handle`].

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::app::run_lambda(activity::handle).await
}
