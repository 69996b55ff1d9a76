//! S3 adapter of [`AvatarStore`]: private objects, read through presigned URLs.

use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;

use super::{AvatarStore, AvatarUpload, StoreError};

/// How long a presigned avatar URL stays valid. A URL signed with temporary credentials (as a
/// Lambda role's are) stops working when those expire, whichever comes first, so read responses
/// issue a fresh URL each time.
pub const URL_LIFETIME: Duration = Duration::from_secs(3_600);

/// The S3 adapter.
#[derive(Clone, Debug)]
pub struct S3Avatars {
    client: Client,
    bucket: String,
}

impl S3Avatars {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into() }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }
}

fn unavailable<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Unavailable(DisplayErrorContext(&error).to_string())
}

impl AvatarStore for S3Avatars {
    async fn put(&self, key: &str, upload: &AvatarUpload) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(upload.content_type)
            .body(ByteStream::from(upload.bytes.clone()))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.client.delete_object().bucket(&self.bucket).key(key).send().await.map_err(unavailable)?;
        Ok(())
    }

    async fn url(&self, key: &str) -> Result<String, StoreError> {
        let config = PresigningConfig::expires_in(URL_LIFETIME)
            .map_err(|e| StoreError::Unavailable(format!("invalid presigning config: {e}")))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(unavailable)?;
        Ok(request.uri().to_string())
    }
}

/// Creates the avatar bucket as `template.yaml` declares it: all public access blocked,
/// encrypted at rest, and incomplete multipart uploads removed after a day.
pub async fn create_bucket(client: &Client, name: &str) -> Result<(), aws_sdk_s3::Error> {
    use aws_sdk_s3::types::{
        AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus, LifecycleRule,
        LifecycleRuleFilter, PublicAccessBlockConfiguration, ServerSideEncryption,
        ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    };

    client.create_bucket().bucket(name).send().await?;

    let block = PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .block_public_policy(true)
        .ignore_public_acls(true)
        .restrict_public_buckets(true)
        .build();
    client.put_public_access_block().bucket(name).public_access_block_configuration(block).send().await?;

    let by_default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::Aes256)
        .build()
        .expect("encryption rule has an algorithm");
    let encryption = ServerSideEncryptionConfiguration::builder()
        .rules(ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(by_default).build())
        .build()
        .expect("encryption configuration has a rule");
    client.put_bucket_encryption().bucket(name).server_side_encryption_configuration(encryption).send().await?;

    let rule = LifecycleRule::builder()
        .id(ABORT_RULE_ID)
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .abort_incomplete_multipart_upload(AbortIncompleteMultipartUpload::builder().days_after_initiation(1).build())
        .build()
        .expect("lifecycle rule has a status");
    let lifecycle = BucketLifecycleConfiguration::builder().rules(rule).build().expect("lifecycle has a rule");
    client.put_bucket_lifecycle_configuration().bucket(name).lifecycle_configuration(lifecycle).send().await?;
    Ok(())
}

/// Id of the lifecycle rule that removes incomplete multipart uploads.
pub const ABORT_RULE_ID: &str = "abort-incomplete-uploads";
