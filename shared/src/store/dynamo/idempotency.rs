//! Idempotency keys on DynamoDB: one item per key, written only under conditions, so two racing
//! requests with the same key cannot both claim it. A create's transaction completes its claim
//! with one more step. DynamoDB's TTL deletes expired items some time after `expires_epoch`;
//! until it does, the conditions treat them as absent.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::keys::{key_pk, KEY_SK};
use super::{key, string, unavailable, unavailable_build, DynamoStore, Item, TransactionFailure};
use crate::model::{TeamId, Timestamp};
use crate::store::idempotency::{Completion, KeyClaim, KeyRecord, KeyState, SavedResponse};
use crate::store::StoreError;

/// Attribute that DynamoDB's TTL reads: the expiry in seconds since the epoch.
pub const TTL_ATTRIBUTE: &str = "expires_epoch";

/// Condition under which a claim is still open and the request's own: its token, no saved
/// response.
const OPEN_CLAIM: &str = "claim_token = :token AND attribute_not_exists(response_body)";

/// Claims that find the key freed between the failed condition and the read try again, at most
/// this many times.
const CLAIM_ATTEMPTS: usize = 4;

fn number(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn claim_item(team: &TeamId, digest: &str, record: &KeyRecord) -> Item {
    let mut item = key(key_pk(team, digest), KEY_SK);
    item.insert("fingerprint".into(), string(record.fingerprint.clone()));
    item.insert("claim_token".into(), string(record.token.clone()));
    item.insert("expires_at".into(), number(record.expires_at.0));
    item.insert(TTL_ATTRIBUTE.into(), number(record.expires_at.0 / 1_000_000));
    if let Some(until) = record.locked_until {
        item.insert("locked_until".into(), number(until.0));
    }
    item
}

fn read_record(item: &HashMap<String, AttributeValue>) -> Option<KeyRecord> {
    let text = |name: &str| item.get(name).and_then(|value| value.as_s().ok()).cloned();
    let int = |name: &str| item.get(name).and_then(|value| value.as_n().ok()).and_then(|n| n.parse::<i64>().ok());
    let response = match (int("response_status"), text("response_body")) {
        (Some(status), Some(body)) => Some(SavedResponse { status: u16::try_from(status).ok()?, body, etag: text("response_etag") }),
        _ => None,
    };
    Some(KeyRecord {
        fingerprint: text("fingerprint")?,
        token: text("claim_token").unwrap_or_default(),
        locked_until: int("locked_until").map(Timestamp),
        response,
        expires_at: Timestamp(int("expires_at")?),
    })
}

impl DynamoStore {
    pub(super) async fn claim_key_item(&self, team: &TeamId, claim: &KeyClaim, now: Timestamp) -> Result<KeyState, StoreError> {
        let digest = &claim.key;
        for _ in 0..CLAIM_ATTEMPTS {
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(claim_item(team, digest, &KeyRecord::claim(claim, now))))
                .condition_expression(
                    "attribute_not_exists(pk) OR expires_at <= :now OR (attribute_not_exists(response_body) AND locked_until <= :now)",
                )
                .expression_attribute_values(":now", number(now.0))
                .send()
                .await;
            match put {
                Ok(_) => return Ok(KeyState::Claimed),
                Err(error) if error.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                Err(error) => return Err(unavailable(error)),
            }

            // The condition fails on this very claim when an earlier attempt of the PutItem
            // stored it and the SDK retried after losing the response.
            let stored = self.read_key(team, digest).await?;
            if stored.as_ref().is_some_and(|record| record.is_open_claim_of(claim)) {
                return Ok(KeyState::Claimed);
            }
            match stored.map(|record| record.state_at(now)) {
                Some(KeyState::Claimed) | None => continue,
                Some(state) => return Ok(state),
            }
        }
        Err(StoreError::Unavailable(format!("claiming an idempotency key failed: its item changed {CLAIM_ATTEMPTS} times in a row")))
    }

    async fn read_key(&self, team: &TeamId, digest: &str) -> Result<Option<KeyRecord>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(key_pk(team, digest), KEY_SK)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(output.item.as_ref().and_then(read_record))
    }

    pub(super) async fn release_key_item(&self, team: &TeamId, claim: &KeyClaim) -> Result<(), StoreError> {
        let delete = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(key_pk(team, &claim.key), KEY_SK)))
            .condition_expression(OPEN_CLAIM)
            .expression_attribute_values(":token", string(claim.token.clone()))
            .send()
            .await;
        ignore_lost_claim(delete)
    }

    /// Runs `steps` as one transaction that also completes `completion`'s claim. The claim step
    /// comes last, so the positions of failed conditions in `steps` keep their meaning.
    pub(super) async fn transact_completing(
        &self,
        team: &TeamId,
        mut steps: Vec<TransactWriteItem>,
        completion: Option<&Completion>,
    ) -> Result<(), TransactionFailure> {
        let Some(completion) = completion else { return self.transact(steps).await };
        let claim_at = steps.len();
        steps.push(complete_step(&self.table, team, completion).map_err(TransactionFailure::Failed)?);
        match self.transact(steps).await {
            Err(TransactionFailure::Conditions(failed)) if failed.contains(&claim_at) => self.claim_failed(team, &completion.claim).await,
            other => other,
        }
    }

    /// Explains a failed claim step. When the claim has its response, an earlier attempt of
    /// this very transaction applied (the SDK retried it after a timeout), so the write is done.
    /// Otherwise another request took the key over, and this write must not happen.
    async fn claim_failed(&self, team: &TeamId, claim: &KeyClaim) -> Result<(), TransactionFailure> {
        let record = self.read_key(team, &claim.key).await.map_err(TransactionFailure::Failed)?;
        if record.is_some_and(|record| record.is_completed_by(claim)) {
            return Ok(());
        }
        Err(TransactionFailure::Failed(StoreError::Unavailable("the idempotency claim was lost before the write".into())))
    }
}

/// Builds the transaction step that turns an open claim into its saved response.
fn complete_step(table: &str, team: &TeamId, completion: &Completion) -> Result<TransactWriteItem, StoreError> {
    let response = &completion.response;
    let mut set = String::from("SET response_status = :status, response_body = :body");
    let mut update = Update::builder()
        .table_name(table)
        .set_key(Some(key(key_pk(team, &completion.claim.key), KEY_SK)))
        .condition_expression(OPEN_CLAIM)
        .expression_attribute_values(":token", string(completion.claim.token.clone()))
        .expression_attribute_values(":status", number(i64::from(response.status)))
        .expression_attribute_values(":body", string(response.body.clone()));
    if let Some(etag) = &response.etag {
        set.push_str(", response_etag = :etag");
        update = update.expression_attribute_values(":etag", string(etag.clone()));
    }
    let update = update.update_expression(format!("{set} REMOVE locked_until")).build().map_err(unavailable_build)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// Treats a failed [`OPEN_CLAIM`] condition as success: the key holds another claim or a saved
/// response now, so there is nothing to release.
fn ignore_lost_claim<T, E>(result: Result<T, aws_sdk_dynamodb::error::SdkError<E, aws_smithy_runtime_api::http::Response>>) -> Result<(), StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Err(error) if error.as_service_error().and_then(|e| e.code()) != Some("ConditionalCheckFailedException") => Err(unavailable(error)),
        _ => Ok(()),
    }
}
