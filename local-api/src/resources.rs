//! Creates the table and bucket for `--create-resources`, from the same definitions that
//! `template.yaml` declares.

use shared::app::AwsApp;
use shared::store::table::create_table;

/// Creates the DynamoDB table and the S3 bucket unless they exist.
pub async fn create_missing(app: &AwsApp) -> Result<(), Box<dyn std::error::Error>> {
    let dynamo = app.store.client();
    let exists = dynamo.describe_table().table_name(app.store.table()).send().await.is_ok();
    if !exists {
        create_table(dynamo, app.store.table()).await?;
        tracing::info!(table = app.store.table(), "created table");
    }

    let s3 = app.avatars.client();
    if s3.head_bucket().bucket(app.avatars.bucket()).send().await.is_err() {
        shared::store::s3::create_bucket(s3, app.avatars.bucket()).await?;
        tracing::info!(bucket = app.avatars.bucket(), "created bucket");
    }
    Ok(())
}
