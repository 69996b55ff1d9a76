//! Idempotency keys on DynamoDB: one item per key, written only under conditions, so two racing
//! requests with the same key cannot both claim it. DynamoDB's TTL deletes expired items some
//! time after `expires_epoch`; until it does, the conditions treat them as absent.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::keys::{key_pk, KEY_SK};
use super::{key, string, unavailable, DynamoStore, Item};
use crate::model::{TeamId, Timestamp};
use crate::store::idempotency::{KeyRecord, KeyState, SavedResponse};
use crate::store::StoreError;

/// Attribute that DynamoDB's TTL reads: the expiry in seconds since the epoch.
pub const TTL_ATTRIBUTE: &str = "expires_epoch";

/// Condition under which a claim is still the request's own: its fingerprint, no saved response.
const OWN_CLAIM: &str = "fingerprint = :fingerprint AND attribute_not_exists(response_body)";

/// Claims that find the key freed between the failed condition and the read try again, at most
/// this many times.
const CLAIM_ATTEMPTS: usize = 4;

fn number(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn claim_item(team: &TeamId, digest: &str, record: &KeyRecord) -> Item {
    let mut item = key(key_pk(team, digest), KEY_SK);
    item.insert("fingerprint".into(), string(record.fingerprint.clone()));
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
        (Some(status), Some(body)) => Some(SavedResponse { status: u16::try_from(status).ok()?, body }),
        _ => None,
    };
    Some(KeyRecord {
        fingerprint: text("fingerprint")?,
        locked_until: int("locked_until").map(Timestamp),
        response,
        expires_at: Timestamp(int("expires_at")?),
    })
}

impl DynamoStore {
    pub(super) async fn claim_key_item(&self, team: &TeamId, digest: &str, fingerprint: &str, now: Timestamp) -> Result<KeyState, StoreError> {
        for _ in 0..CLAIM_ATTEMPTS {
            let claim = KeyRecord::claim(fingerprint, now);
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(claim_item(team, digest, &claim)))
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

            let stored = self.read_key(team, digest).await?;
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

    pub(super) async fn save_key_response(&self, team: &TeamId, digest: &str, fingerprint: &str, response: &SavedResponse) -> Result<(), StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(key_pk(team, digest), KEY_SK)))
            .update_expression("SET response_status = :status, response_body = :body REMOVE locked_until")
            .condition_expression(OWN_CLAIM)
            .expression_attribute_values(":status", number(i64::from(response.status)))
            .expression_attribute_values(":body", string(response.body.clone()))
            .expression_attribute_values(":fingerprint", string(fingerprint))
            .send()
            .await;
        ignore_lost_claim(update)
    }

    pub(super) async fn release_key_item(&self, team: &TeamId, digest: &str, fingerprint: &str) -> Result<(), StoreError> {
        let delete = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(key_pk(team, digest), KEY_SK)))
            .condition_expression(OWN_CLAIM)
            .expression_attribute_values(":fingerprint", string(fingerprint))
            .send()
            .await;
        ignore_lost_claim(delete)
    }
}

/// Treats a failed [`OWN_CLAIM`] condition as success: the claim is another request's now, so
/// there is nothing to save or release.
fn ignore_lost_claim<T, E>(result: Result<T, aws_sdk_dynamodb::error::SdkError<E, aws_smithy_runtime_api::http::Response>>) -> Result<(), StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Err(error) if error.as_service_error().and_then(|e| e.code()) != Some("ConditionalCheckFailedException") => Err(unavailable(error)),
        _ => Ok(()),
    }
}
