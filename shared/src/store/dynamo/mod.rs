//! DynamoDB adapter of [`Store`](super::Store): one table, every access a GetItem, a Query or a
//! transactional write (no Scan), with key formats in [`keys`].
//!
//! A customer is one item with its interactions under the same partition key, so one Query reads
//! it whole. Beside it, one transaction keeps an email lock item (uniqueness within a team), one
//! index item per filterable value (filters are Queries on those), and the team's customer
//! counter (exact list totals).

mod fields;
mod idempotency;
mod items;
pub mod keys;
mod listing;
mod organizations;
#[cfg(feature = "testing")]
mod seed;
pub mod size;
pub use idempotency::TTL_ATTRIBUTE;
mod store;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, TransactWriteItem};

use super::StoreError;
use super::table::{PK, SK};

/// Attempts of a write that lost a race with another writer of the same items.
const WRITE_ATTEMPTS: u32 = 8;

/// Maximum keys in one BatchGetItem call, a DynamoDB limit.
const BATCH_GET_KEYS: usize = 100;

pub type Item = HashMap<String, AttributeValue>;

/// The DynamoDB adapter.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

/// Reason a transactional write did not happen.
enum TransactionFailure {
    /// The conditions of these items (by position in the request) did not hold.
    Conditions(Vec<usize>),
    /// Another transaction touched the same items; trying again may succeed.
    Conflict,
    Failed(StoreError),
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), TransactionFailure> {
        let result = self.client.transact_write_items().set_transact_items(Some(items)).send().await;
        let Err(error) = result else { return Ok(()) };

        if let SdkError::ServiceError(service) = &error {
            if let TransactWriteItemsError::TransactionCanceledException(cancelled) = service.err() {
                let codes: Vec<&str> = cancelled
                    .cancellation_reasons()
                    .iter()
                    .map(|reason| reason.code().unwrap_or("None"))
                    .collect();
                let failed: Vec<usize> = codes
                    .iter()
                    .enumerate()
                    .filter(|(_, code)| **code == "ConditionalCheckFailed")
                    .map(|(at, _)| at)
                    .collect();
                if !failed.is_empty() {
                    return Err(TransactionFailure::Conditions(failed));
                }
                if codes.contains(&"TransactionConflict") {
                    return Err(TransactionFailure::Conflict);
                }
            }
            if let TransactWriteItemsError::TransactionInProgressException(_) = service.err() {
                return Err(TransactionFailure::Conflict);
            }
        }
        Err(TransactionFailure::Failed(unavailable(error)))
    }

    /// Reads one record by key with a strongly consistent read, so a client sees its own writes.
    async fn get_record<T: serde::de::DeserializeOwned>(&self, key: Item) -> Result<Option<T>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        output.item.map(|item| serde_dynamo::from_item(item).map_err(unreadable)).transpose()
    }

    /// Reads every item of a Query, following DynamoDB's pages.
    async fn query_all(
        &self,
        request: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = request.clone().set_exclusive_start_key(start).send().await.map_err(unavailable)?;
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// Reads items by key, eventually consistent, in batches of 100; missing items are left out.
    async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(BATCH_GET_KEYS) {
            let mut pending = Some(KeysAndAttributes::builder().set_keys(Some(chunk.to_vec())).build().map_err(unavailable_build)?);
            let mut attempt = 0;
            while let Some(request) = pending.take() {
                let output = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(unavailable)?;
                if let Some(mut responses) = output.responses {
                    found.extend(responses.remove(&self.table).unwrap_or_default());
                }
                pending = output.unprocessed_keys.and_then(|mut rest| rest.remove(&self.table));
                if pending.is_some() {
                    attempt += 1;
                    back_off(attempt).await;
                }
            }
        }
        Ok(found)
    }
}

impl DynamoStore {
    /// Applies puts and deletes in batches of 25, the DynamoDB limit, sending again whatever a
    /// batch leaves unprocessed.
    async fn write_batches(&self, requests: Vec<aws_sdk_dynamodb::types::WriteRequest>) -> Result<(), StoreError> {
        for chunk in requests.chunks(25) {
            let mut pending = chunk.to_vec();
            let mut attempt = 0;
            while !pending.is_empty() {
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(unavailable)?;
                pending = output.unprocessed_items.and_then(|mut rest| rest.remove(&self.table)).unwrap_or_default();
                if !pending.is_empty() {
                    attempt += 1;
                    back_off(attempt).await;
                }
            }
        }
        Ok(())
    }
}

/// Waits before trying a write again: 10 ms doubled per attempt, up to 320 ms, with jitter.
async fn back_off(attempt: u32) {
    let base = 10u64 << attempt.min(5);
    let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) % base.max(1);
    tokio::time::sleep(Duration::from_millis(base / 2 + jitter)).await;
}

fn string(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([(PK.to_string(), string(pk)), (SK.to_string(), string(sk))])
}

/// Maps an SDK failure to [`StoreError::Unavailable`], keeping its whole context for the log.
fn unavailable<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Unavailable(DisplayErrorContext(&error).to_string())
}

fn unavailable_build(error: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Unavailable(format!("invalid DynamoDB request: {error}"))
}

fn unreadable(error: serde_dynamo::Error) -> StoreError {
    StoreError::Unavailable(format!("unreadable item: {error}"))
}
