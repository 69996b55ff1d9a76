use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use super::items::*;
use super::keys::*;
use super::fields::{guard_failed, push_guard};
use super::{DynamoStore, Item, TransactionFailure, WRITE_ATTEMPTS, back_off, string, unavailable, unreadable};
use crate::model::{
    Activity, Customer, CustomerChange, CustomerDetails, Definitions, Email, FieldDefinition, FieldKey, FieldScope,
    Interaction, ListQuery, NewCustomer, NewOrganization, Note, Organization, OrganizationChange, OrganizationQuery,
    TeamId, Timestamp,
};
use crate::store::table::RECENT_INDEX;
use crate::store::idempotency::{Completion, KeyClaim, KeyState};
use crate::store::{CustomerPage, OrganizationPage, Store, StoreError};

impl DynamoStore {
    pub(super) async fn get_customer(&self, team: &TeamId, id: &str) -> Result<Option<Customer>, StoreError> {
        self.get_record(customer_key(team, id)).await
    }

    /// Steps that move index items and the email lock from `old` to `new`.
    fn index_changes(&self, team: &TeamId, old: &Customer, new: &Customer) -> Result<Vec<TransactWriteItem>, StoreError> {
        let old_keys = index_keys(team, old);
        let new_keys = index_keys(team, new);
        let mut steps = Vec::new();
        for stale in old_keys.iter().filter(|key| !new_keys.contains(key)) {
            steps.push(delete(&self.table, stale.clone())?);
        }
        for fresh in new_keys.into_iter().filter(|key| !old_keys.contains(key)) {
            steps.push(put(&self.table, index_item(fresh, &new.id))?);
        }
        Ok(steps)
    }

    /// Returns the record ids of the index items under `pk` whose sort key starts with `prefix`,
    /// in id order. With `limit`, only the first `limit` items are read.
    pub(super) async fn index_ids(&self, pk: String, prefix: String, limit: Option<usize>) -> Result<Vec<String>, StoreError> {
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .expression_attribute_values(":pk", string(pk))
            .projection_expression("record_id");
        // DynamoDB rejects an empty prefix, so "every item" is a condition on the partition only.
        request = if prefix.is_empty() {
            request.key_condition_expression("pk = :pk")
        } else {
            request
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":prefix", string(prefix))
        };
        let items = match limit {
            Some(limit) => request.limit(limit as i32).send().await.map_err(unavailable)?.items.unwrap_or_default(),
            None => self.query_all(request).await?,
        };
        let ids: BTreeSet<String> = items
            .into_iter()
            .filter_map(|mut item| match item.remove("record_id") {
                Some(AttributeValue::S(id)) => Some(id),
                _ => None,
            })
            .collect();
        Ok(ids.into_iter().collect())
    }

    /// Reads the items of one page of a Query, skipping those of the pages before it.
    // NOTE: organization lists use this, so their far pages read every organization before
    // them; customer lists jump through order items instead (see `listing`).
    pub(super) async fn query_page(
        &self,
        request: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        paging: crate::model::Paging,
    ) -> Result<Vec<Item>, StoreError> {
        let per_page = paging.per_page as usize;
        let mut skip = paging.offset();
        let mut rows = Vec::new();
        let mut start = None;
        loop {
            let page_limit = (skip + per_page - rows.len()).min(1_000) as i32;
            let page = request.clone().limit(page_limit).set_exclusive_start_key(start).send().await.map_err(unavailable)?;
            for item in page.items.unwrap_or_default() {
                if skip > 0 {
                    skip -= 1;
                } else if rows.len() < per_page {
                    rows.push(item);
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() || rows.len() == per_page {
                return Ok(rows);
            }
        }
    }

    /// Reads customers by id, keeping the order of `ids` and leaving out missing ones.
    pub(super) async fn customers_by_id(&self, team: &TeamId, ids: &[String]) -> Result<Vec<Customer>, StoreError> {
        let keys = ids.iter().map(|id| customer_key(team, id)).collect();
        let mut found: HashMap<String, Customer> = HashMap::new();
        for item in self.batch_get(keys).await? {
            let customer: Customer = serde_dynamo::from_item(item).map_err(unreadable)?;
            found.insert(customer.id.clone(), customer);
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// Reads one of the team's counters (eventually consistent).
    pub(super) async fn counter(&self, team: &TeamId, counter: &str) -> Result<u64, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(counter_key(team)))
            .projection_expression(counter)
            .send()
            .await
            .map_err(unavailable)?;
        let count = output.item.and_then(|mut item| match item.remove(counter) {
            Some(AttributeValue::N(number)) => number.parse::<u64>().ok(),
            _ => None,
        });
        Ok(count.unwrap_or(0))
    }

    /// Deletes everything still stored under the customer's partition key (interactions), in
    /// batches of 25. The customer item itself is gone by then, so nothing new can be added.
    async fn delete_children(&self, team: &TeamId, id: &str) -> Result<(), StoreError> {
        let request = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", string(customer_pk(team, id)))
            .projection_expression("pk, sk")
            .consistent_read(true);
        let deletes = self
            .query_all(request)
            .await?
            .into_iter()
            .map(|key| {
                let delete = aws_sdk_dynamodb::types::DeleteRequest::builder()
                    .set_key(Some(key))
                    .build()
                    .map_err(super::unavailable_build)?;
                Ok(aws_sdk_dynamodb::types::WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.write_batches(deletes).await
    }
}

/// Builds an index item from its key and the id of the record it finds.
pub(super) fn index_item(mut key: Item, record_id: &str) -> Item {
    key.insert("record_id".into(), string(record_id));
    key
}

pub(super) fn read_customers(items: Vec<Item>) -> Result<Vec<Customer>, StoreError> {
    items.into_iter().map(|item| serde_dynamo::from_item(item).map_err(unreadable)).collect()
}

pub(super) fn too_many_conflicts() -> StoreError {
    StoreError::Unavailable(format!("write lost {WRITE_ATTEMPTS} races in a row"))
}

impl Store for DynamoStore {
    async fn create_customer(&self, team: &TeamId, customer: NewCustomer, completion: Option<&Completion>) -> Result<Customer, StoreError> {
        let guard = customer.definitions_guard();
        let customer = customer.into_customer(Timestamp::now());
        let created = Interaction::by_api(&customer.id, "Customer created", customer.created_at);

        // The email lock is step 1, so a failed condition there means the email is taken.
        let mut steps = vec![
            put_new(&self.table, customer_item(team, &customer)?)?,
            put_email_lock(&self.table, team, &customer)?,
            count(&self.table, team, CUSTOMERS_COUNTER, 1)?,
            put(&self.table, interaction_item(team, &created)?)?,
            put(&self.table, order_key(team, &customer.id))?,
        ];
        let organization_at = steps.len();
        if let Some(organization_id) = &customer.organization_id {
            steps.push(organization_exists(&self.table, team, organization_id)?);
        }
        for index in index_keys(team, &customer) {
            steps.push(put(&self.table, index_item(index, &customer.id))?);
        }
        let guard_at = push_guard(&self.table, team, FieldScope::Customer, guard, &mut steps)?;

        for attempt in 1..=WRITE_ATTEMPTS {
            match self.transact_completing(team, steps.clone(), completion).await {
                Ok(()) => return Ok(customer),
                Err(TransactionFailure::Conditions(failed)) if guard_failed(guard_at, &failed) => return Err(StoreError::DefinitionsChanged),
                Err(TransactionFailure::Conditions(failed)) if failed.contains(&1) => {
                    return Err(StoreError::EmailTaken);
                }
                Err(TransactionFailure::Conditions(failed)) if failed.contains(&organization_at) => {
                    return Err(StoreError::UnknownOrganization);
                }
                // The id is new and random, so a customer that already has it is this very write,
                // applied by an earlier attempt that the SDK timed out and retried.
                Err(TransactionFailure::Conditions(_)) => {
                    return match self.get_customer(team, &customer.id).await? {
                        Some(stored) if stored == customer => Ok(customer),
                        _ => Err(StoreError::Unavailable("new customer id already in use".into())),
                    };
                }
                Err(TransactionFailure::Conflict) => back_off(attempt).await,
                Err(TransactionFailure::Failed(error)) => return Err(error),
            }
        }
        Err(too_many_conflicts())
    }

    // NOTE: this reads every interaction and note of the customer, but responses list only the
    // newest 100 of each. A long history costs more read capacity than the response needs.
    async fn customer(&self, team: &TeamId, id: &str) -> Result<Option<Customer>, StoreError> {
        self.get_customer(team, id).await
    }

    async fn customer_details(&self, team: &TeamId, id: &str) -> Result<Option<CustomerDetails>, StoreError> {
        let request = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", string(customer_pk(team, id)))
            .consistent_read(true);
        let mut customer = None;
        let mut interactions = Vec::new();
        let mut notes = Vec::new();
        for item in self.query_all(request).await? {
            let sk = match item.get("sk") {
                Some(AttributeValue::S(sk)) => sk.clone(),
                _ => continue,
            };
            if sk == CUSTOMER_SK {
                customer = Some(serde_dynamo::from_item::<_, Customer>(item).map_err(unreadable)?);
            } else if sk.starts_with(interaction_prefix()) {
                interactions.push(serde_dynamo::from_item::<_, Interaction>(item).map_err(unreadable)?);
            } else if sk.starts_with(note_prefix()) {
                notes.push(serde_dynamo::from_item::<_, Note>(item).map_err(unreadable)?);
            }
        }
        interactions.reverse();
        notes.reverse();
        Ok(customer.map(|customer| CustomerDetails { customer, interactions, notes }))
    }

    async fn customer_id_by_email(&self, team: &TeamId, email: &Email) -> Result<Option<String>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_of_lock(team, email)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(output.item.and_then(|mut item| match item.remove("customer_id") {
            Some(AttributeValue::S(id)) => Some(id),
            _ => None,
        }))
    }

    async fn update_customer(
        &self,
        team: &TeamId,
        id: &str,
        change: &CustomerChange,
        description: &str,
        completion: Option<&Completion>,
    ) -> Result<Customer, StoreError> {
        for attempt in 1..=WRITE_ATTEMPTS {
            let Some(old) = self.get_customer(team, id).await? else {
                return Err(StoreError::NotFound);
            };
            if !change.if_match.allows(old.version) {
                return Err(StoreError::VersionMismatch);
            }
            let mut new = old.clone();
            change.apply(&mut new, Timestamp::now());
            // A change to the values the record has writes nothing, unless it completes a claim.
            if completion.is_none() && new.same_fields(&old) {
                return Ok(old);
            }
            crate::store::check_attribute_total(new.attributes.len())?;
            let event = Interaction::by_api(id, description, new.updated_at);

            let mut steps = vec![put_if_version(&self.table, customer_item(team, &new)?, old.version)?];
            let email_moves = old.email.normalized() != new.email.normalized();
            if email_moves {
                steps.push(put_email_lock(&self.table, team, &new)?);
                steps.push(delete(&self.table, email_lock_key(team, &old))?);
            }
            steps.push(put(&self.table, interaction_item(team, &event)?)?);
            let organization_at = steps.len();
            let joins = new.organization_id.as_ref().filter(|id| old.organization_id.as_ref() != Some(*id));
            if let Some(organization_id) = joins {
                steps.push(organization_exists(&self.table, team, organization_id)?);
            }
            steps.extend(self.index_changes(team, &old, &new)?);
            let guard_at = push_guard(&self.table, team, FieldScope::Customer, change.definitions_guard(), &mut steps)?;

            match self.transact_completing(team, steps, completion).await {
                Ok(()) => return Ok(new),
                Err(TransactionFailure::Conditions(failed)) if guard_failed(guard_at, &failed) => return Err(StoreError::DefinitionsChanged),
                Err(TransactionFailure::Conditions(failed)) if email_moves && failed.contains(&1) => {
                    return Err(StoreError::EmailTaken);
                }
                Err(TransactionFailure::Conditions(failed)) if joins.is_some() && failed.contains(&organization_at) => {
                    return Err(StoreError::UnknownOrganization);
                }
                Err(TransactionFailure::Conditions(_) | TransactionFailure::Conflict) => back_off(attempt).await,
                Err(TransactionFailure::Failed(error)) => return Err(error),
            }
        }
        Err(too_many_conflicts())
    }

    async fn delete_customer(&self, team: &TeamId, id: &str) -> Result<Customer, StoreError> {
        let mut seen: Option<Customer> = None;
        for attempt in 1..=WRITE_ATTEMPTS {
            let Some(old) = self.get_customer(team, id).await? else {
                // Gone after an attempt that failed its condition: that attempt, retried by the
                // SDK, or a concurrent delete removed it. Either way the customer is deleted.
                return match seen {
                    Some(deleted) => {
                        self.delete_children(team, id).await?;
                        Ok(deleted)
                    }
                    None => Err(StoreError::NotFound),
                };
            };
            seen = Some(old.clone());
            let mut steps = vec![
                delete_if_version(&self.table, customer_key(team, id), old.version)?,
                delete(&self.table, email_lock_key(team, &old))?,
                count(&self.table, team, CUSTOMERS_COUNTER, -1)?,
                delete(&self.table, order_key(team, id))?,
            ];
            for index in index_keys(team, &old) {
                steps.push(delete(&self.table, index)?);
            }
            match self.transact(steps).await {
                Ok(()) => {
                    self.delete_children(team, id).await?;
                    return Ok(old);
                }
                Err(TransactionFailure::Conditions(_) | TransactionFailure::Conflict) => back_off(attempt).await,
                Err(TransactionFailure::Failed(error)) => return Err(error),
            }
        }
        Err(too_many_conflicts())
    }

    async fn list_customers(&self, team: &TeamId, query: &ListQuery) -> Result<CustomerPage, StoreError> {
        if query.filters.is_empty() {
            self.list_all(team, query).await
        } else {
            self.list_filtered(team, query).await
        }
    }

    async fn latest_customers(&self, team: &TeamId, limit: usize) -> Result<Vec<Customer>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(RECENT_INDEX.name)
            .key_condition_expression("gsi2pk = :pk")
            .expression_attribute_values(":pk", string(updated_pk(team)))
            .scan_index_forward(false)
            .limit(limit as i32)
            .send()
            .await
            .map_err(unavailable)?;
        read_customers(output.items.unwrap_or_default())
    }

    async fn recent_activity(&self, team: &TeamId, limit: usize) -> Result<Vec<Activity>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(RECENT_INDEX.name)
            .key_condition_expression("gsi2pk = :pk")
            .expression_attribute_values(":pk", string(activity_pk(team)))
            .scan_index_forward(false)
            .limit(limit as i32)
            .send()
            .await
            .map_err(unavailable)?;
        let interactions: Vec<Interaction> = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| serde_dynamo::from_item(item).map_err(unreadable))
            .collect::<Result<_, _>>()?;

        let ids: Vec<String> = interactions
            .iter()
            .map(|interaction| interaction.customer_id.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let customers: HashMap<String, Customer> = self
            .customers_by_id(team, &ids)
            .await?
            .into_iter()
            .map(|customer| (customer.id.clone(), customer))
            .collect();

        Ok(interactions
            .into_iter()
            .filter_map(|interaction| {
                let customer = customers.get(&interaction.customer_id)?.clone();
                Some(Activity { interaction, customer })
            })
            .collect())
    }

    async fn add_interaction(&self, team: &TeamId, interaction: &Interaction, completion: Option<&Completion>) -> Result<(), StoreError> {
        let steps = vec![
            customer_exists(&self.table, team, &interaction.customer_id)?,
            put(&self.table, interaction_item(team, interaction)?)?,
        ];
        for attempt in 1..=WRITE_ATTEMPTS {
            match self.transact_completing(team, steps.clone(), completion).await {
                Ok(()) => return Ok(()),
                Err(TransactionFailure::Conditions(_)) => return Err(StoreError::NotFound),
                Err(TransactionFailure::Conflict) => back_off(attempt).await,
                Err(TransactionFailure::Failed(error)) => return Err(error),
            }
        }
        Err(too_many_conflicts())
    }

    async fn add_note(&self, team: &TeamId, note: &Note, completion: Option<&Completion>) -> Result<(), StoreError> {
        self.put_note(team, note, completion).await
    }

    async fn delete_note(&self, team: &TeamId, customer_id: &str, note_id: &str) -> Result<(), StoreError> {
        self.remove_note(team, customer_id, note_id).await
    }

    async fn create_organization(
        &self,
        team: &TeamId,
        organization: NewOrganization,
        completion: Option<&Completion>,
    ) -> Result<Organization, StoreError> {
        self.put_new_organization(team, organization, completion).await
    }

    async fn organization(&self, team: &TeamId, id: &str) -> Result<Option<Organization>, StoreError> {
        self.get_organization(team, id).await
    }

    async fn update_organization(&self, team: &TeamId, id: &str, change: &OrganizationChange) -> Result<Organization, StoreError> {
        self.change_organization(team, id, change).await
    }

    async fn delete_organization(&self, team: &TeamId, id: &str) -> Result<(), StoreError> {
        self.remove_organization(team, id).await
    }

    async fn list_organizations(&self, team: &TeamId, query: &OrganizationQuery) -> Result<OrganizationPage, StoreError> {
        self.find_organizations(team, query).await
    }

    async fn organization_members(&self, team: &TeamId, id: &str, limit: usize) -> Result<Vec<Customer>, StoreError> {
        self.members(team, id, Some(limit)).await
    }

    async fn fields(&self, team: &TeamId, scope: FieldScope) -> Result<Definitions, StoreError> {
        self.field_definitions(team, scope).await
    }

    async fn put_field(&self, team: &TeamId, scope: FieldScope, field: &FieldDefinition) -> Result<(), StoreError> {
        self.put_field_definition(team, scope, field).await
    }

    async fn delete_field(&self, team: &TeamId, scope: FieldScope, key: &FieldKey) -> Result<(), StoreError> {
        self.remove_field(team, scope, key).await
    }

    async fn claim_key(&self, team: &TeamId, claim: &KeyClaim, now: Timestamp) -> Result<KeyState, StoreError> {
        self.claim_key_item(team, claim, now).await
    }

    async fn release_key(&self, team: &TeamId, claim: &KeyClaim) -> Result<(), StoreError> {
        self.release_key_item(team, claim).await
    }
}

fn key_of_lock(team: &TeamId, email: &Email) -> Item {
    super::key(email_lock_pk(team, &email.normalized()), EMAIL_LOCK_SK)
}
