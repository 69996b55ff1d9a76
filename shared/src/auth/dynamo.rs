//! Teams and keys in the DynamoDB table, beside the records. A team is one item under `TEAMS`.
//! A key is three items, so it can be found by hash (authentication), by team (listing) and by
//! id (revocation), and the three are written and deleted in one transaction.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use aws_sdk_dynamodb::error::DisplayErrorContext;

use super::{KeyRecord, KeyStore, Team};
use crate::model::TeamId;
use crate::store::dynamo::DynamoStore;
use crate::store::table::{PK, SK};
use crate::store::StoreError;

type Item = HashMap<String, AttributeValue>;

const TEAMS_PK: &str = "TEAMS";
const KEY_SK: &str = "K";

fn key(pk: String, sk: &str) -> Item {
    HashMap::from([(PK.to_string(), AttributeValue::S(pk)), (SK.to_string(), AttributeValue::S(sk.to_string()))])
}

fn by_hash(hash: &str) -> Item {
    key(format!("KEY#{hash}"), KEY_SK)
}

fn by_team(team: &TeamId, key_id: &str) -> Item {
    key(format!("T#{team}#K"), key_id)
}

fn by_id(key_id: &str) -> Item {
    key(format!("KEYID#{key_id}"), KEY_SK)
}

fn failed(error: impl std::error::Error + 'static) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(&error).to_string())
}

fn record_item(record: &KeyRecord, item_key: Item) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(record).map_err(failed)?;
    item.extend(item_key);
    Ok(item)
}

fn read<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(failed)
}

/// The DynamoDB adapter of [`KeyStore`], on the same table and client as the records.
#[derive(Clone, Debug)]
pub struct DynamoKeys {
    store: DynamoStore,
}

impl DynamoKeys {
    pub fn new(store: DynamoStore) -> Self {
        Self { store }
    }

    async fn get(&self, item_key: Item) -> Result<Option<Item>, StoreError> {
        let output = self
            .store
            .client()
            .get_item()
            .table_name(self.store.table())
            .set_key(Some(item_key))
            .consistent_read(true)
            .send()
            .await
            .map_err(failed)?;
        Ok(output.item)
    }

    async fn query(&self, pk: String) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .store
                .client()
                .query()
                .table_name(self.store.table())
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(failed)?;
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    async fn transact(&self, steps: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        self.store.client().transact_write_items().set_transact_items(Some(steps)).send().await.map_err(failed)?;
        Ok(())
    }
}

impl KeyStore for DynamoKeys {
    async fn create_team(&self, id: &TeamId, name: &str) -> Result<Team, StoreError> {
        if let Some(item) = self.get(key(TEAMS_PK.to_string(), id.as_str())).await? {
            return read(item);
        }
        let team = Team { id: id.clone(), name: name.to_string(), created_at: crate::model::Timestamp::now() };
        let mut item: Item = serde_dynamo::to_item(&team).map_err(failed)?;
        item.extend(key(TEAMS_PK.to_string(), id.as_str()));
        self.store.client().put_item().table_name(self.store.table()).set_item(Some(item)).send().await.map_err(failed)?;
        Ok(team)
    }

    async fn teams(&self) -> Result<Vec<Team>, StoreError> {
        self.query(TEAMS_PK.to_string()).await?.into_iter().map(read).collect()
    }

    async fn add_key(&self, record: &KeyRecord) -> Result<(), StoreError> {
        if self.get(key(TEAMS_PK.to_string(), record.team_id.as_str())).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        let table = self.store.table();
        let mut steps = Vec::new();
        for item_key in [by_hash(&record.hash), by_team(&record.team_id, &record.id), by_id(&record.id)] {
            let put = Put::builder().table_name(table).set_item(Some(record_item(record, item_key)?)).build().map_err(failed)?;
            steps.push(TransactWriteItem::builder().put(put).build());
        }
        self.transact(steps).await
    }

    async fn keys(&self, team: &TeamId) -> Result<Vec<KeyRecord>, StoreError> {
        self.query(format!("T#{team}#K")).await?.into_iter().map(read).collect()
    }

    async fn revoke_key(&self, key_id: &str) -> Result<(), StoreError> {
        let Some(item) = self.get(by_id(key_id)).await? else {
            return Err(StoreError::NotFound);
        };
        let record: KeyRecord = read(item)?;
        let table = self.store.table();
        let mut steps = Vec::new();
        for item_key in [by_hash(&record.hash), by_team(&record.team_id, &record.id), by_id(&record.id)] {
            let delete = Delete::builder().table_name(table).set_key(Some(item_key)).build().map_err(failed)?;
            steps.push(TransactWriteItem::builder().delete(delete).build());
        }
        self.transact(steps).await
    }

    async fn find_key(&self, hash: &str) -> Result<Option<KeyRecord>, StoreError> {
        self.get(by_hash(hash)).await?.map(read).transpose()
    }
}
