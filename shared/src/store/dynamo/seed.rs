//! Bulk loading for tests and benchmarks. It writes a team's organizations and customers with
//! every item that `create_organization` and `create_customer` write, in batches and without
//! conditions, then adds them to the team's counters. Use it only for records the team does not
//! have yet. It needs no transactions, so it also loads emulators that lack them.

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};

use super::items::{
    counter_key, customer_item, email_lock_item, index_keys, interaction_item, order_key, organization_item,
    organization_name_key, CUSTOMERS_COUNTER, ORGANIZATIONS_COUNTER,
};
use super::store::index_item;
use super::{DynamoStore, Item, unavailable, unavailable_build};
use crate::model::{Customer, Interaction, Organization, TeamId};
use crate::store::StoreError;

impl DynamoStore {
    /// Writes `customers` as new customers of `team`, with `interactions` of theirs besides
    /// the `created` ones.
    pub async fn import(&self, team: &TeamId, customers: &[Customer], interactions: &[Interaction]) -> Result<(), StoreError> {
        let mut items = Vec::new();
        for customer in customers {
            let created = Interaction::by_api(&customer.id, "Customer created", customer.created_at);
            items.push(customer_item(team, customer)?);
            items.push(email_lock_item(team, customer));
            items.push(interaction_item(team, &created)?);
            items.push(order_key(team, &customer.id));
            items.extend(index_keys(team, customer).into_iter().map(|key| index_item(key, &customer.id)));
        }
        for interaction in interactions {
            items.push(interaction_item(team, interaction)?);
        }
        self.put_all(items).await?;
        self.add_to_counter(team, CUSTOMERS_COUNTER, customers.len()).await
    }

    /// Writes `organizations` as new organizations of `team`.
    pub async fn import_organizations(&self, team: &TeamId, organizations: &[Organization]) -> Result<(), StoreError> {
        let mut items = Vec::new();
        for organization in organizations {
            items.push(organization_item(team, organization)?);
            items.push(index_item(organization_name_key(team, organization), &organization.id));
        }
        self.put_all(items).await?;
        self.add_to_counter(team, ORGANIZATIONS_COUNTER, organizations.len()).await
    }

    async fn put_all(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let puts = items.into_iter().map(put_request).collect::<Result<Vec<_>, _>>()?;
        self.write_batches(puts).await
    }

    async fn add_to_counter(&self, team: &TeamId, counter: &str, count: usize) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(counter_key(team)))
            .update_expression(format!("ADD {counter} :count"))
            .expression_attribute_values(":count", AttributeValue::N(count.to_string()))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

fn put_request(item: Item) -> Result<WriteRequest, StoreError> {
    let put = PutRequest::builder().set_item(Some(item)).build().map_err(unavailable_build)?;
    Ok(WriteRequest::builder().put_request(put).build())
}
