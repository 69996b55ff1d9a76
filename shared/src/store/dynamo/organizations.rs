//! Organizations and notes on DynamoDB.

use super::items::*;
use super::keys::*;
use super::store::{index_item, too_many_conflicts};
use super::fields::{guard_failed, push_guard};
use super::{DynamoStore, Item, TransactionFailure, WRITE_ATTEMPTS, back_off, key, unavailable, unreadable};
use crate::model::{
    Customer, CustomerChange, FieldScope, Filter, FilterField, NewOrganization, Note,
    Organization, OrganizationChange, OrganizationQuery, TeamId, Timestamp,
};
use crate::store::idempotency::Completion;
use crate::store::{OrganizationPage, Store, StoreError};

fn read_organizations(items: Vec<Item>) -> Result<Vec<Organization>, StoreError> {
    items.into_iter().map(|item| serde_dynamo::from_item(item).map_err(unreadable)).collect()
}

impl DynamoStore {
    pub(super) async fn put_note(&self, team: &TeamId, note: &Note, completion: Option<&Completion>) -> Result<(), StoreError> {
        let steps = vec![customer_exists(&self.table, team, &note.customer_id)?, put(&self.table, note_item(team, note)?)?];
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

    pub(super) async fn remove_note(&self, team: &TeamId, customer_id: &str, note_id: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(customer_pk(team, customer_id), note_sk(note_id))))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Err(StoreError::NotFound)
            }
            Err(error) => Err(unavailable(error)),
        }
    }

    pub(super) async fn put_new_organization(
        &self,
        team: &TeamId,
        new: NewOrganization,
        completion: Option<&Completion>,
    ) -> Result<Organization, StoreError> {
        let guard = new.definitions_guard();
        let organization = new.into_organization(Timestamp::now());
        let mut steps = vec![
            put_new(&self.table, organization_item(team, &organization)?)?,
            put(&self.table, index_item(organization_name_key(team, &organization), &organization.id))?,
            count(&self.table, team, ORGANIZATIONS_COUNTER, 1)?,
        ];
        let guard_at = push_guard(&self.table, team, FieldScope::Organization, guard, &mut steps)?;
        for attempt in 1..=WRITE_ATTEMPTS {
            match self.transact_completing(team, steps.clone(), completion).await {
                Ok(()) => return Ok(organization),
                Err(TransactionFailure::Conditions(failed)) if guard_failed(guard_at, &failed) => return Err(StoreError::DefinitionsChanged),
                // The id is new and random, so an organization that already has it is this very
                // write, applied by an earlier attempt that the SDK timed out and retried.
                Err(TransactionFailure::Conditions(_)) => {
                    return match self.get_organization(team, &organization.id).await? {
                        Some(stored) if stored == organization => Ok(organization),
                        _ => Err(StoreError::Unavailable("new organization id already in use".into())),
                    };
                }
                Err(TransactionFailure::Conflict) => back_off(attempt).await,
                Err(TransactionFailure::Failed(error)) => return Err(error),
            }
        }
        Err(too_many_conflicts())
    }

    pub(super) async fn get_organization(&self, team: &TeamId, id: &str) -> Result<Option<Organization>, StoreError> {
        self.get_record(organization_key(team, id)).await
    }

    pub(super) async fn change_organization(
        &self,
        team: &TeamId,
        id: &str,
        change: &OrganizationChange,
    ) -> Result<Organization, StoreError> {
        for attempt in 1..=WRITE_ATTEMPTS {
            let Some(old) = self.get_organization(team, id).await? else {
                return Err(StoreError::NotFound);
            };
            if !change.if_match.allows(old.version) {
                return Err(StoreError::VersionMismatch);
            }
            let mut new = old.clone();
            change.apply(&mut new, Timestamp::now());
            if new.same_fields(&old) {
                return Ok(old);
            }
            crate::store::check_attribute_total(new.attributes.len())?;

            let mut steps = vec![put_if_version(&self.table, organization_item(team, &new)?, old.version)?];
            let (old_name, new_name) = (organization_name_key(team, &old), organization_name_key(team, &new));
            if old_name != new_name {
                steps.push(delete(&self.table, old_name)?);
                steps.push(put(&self.table, index_item(new_name, id))?);
            }
            let guard_at = push_guard(&self.table, team, FieldScope::Organization, change.definitions_guard(), &mut steps)?;
            match self.transact(steps).await {
                Ok(()) => return Ok(new),
                Err(TransactionFailure::Conditions(failed)) if guard_failed(guard_at, &failed) => return Err(StoreError::DefinitionsChanged),
                Err(TransactionFailure::Conditions(_) | TransactionFailure::Conflict) => back_off(attempt).await,
                Err(TransactionFailure::Failed(error)) => return Err(error),
            }
        }
        Err(too_many_conflicts())
    }

    /// Deletes the organization, then takes it off each of its customers. Customers that join
    /// it concurrently fail their own write, because they check that it exists.
    pub(super) async fn remove_organization(&self, team: &TeamId, id: &str) -> Result<(), StoreError> {
        let mut deleted = false;
        for attempt in 1..=WRITE_ATTEMPTS {
            let Some(old) = self.get_organization(team, id).await? else {
                return Err(StoreError::NotFound);
            };
            let steps = vec![
                delete_if_version(&self.table, organization_key(team, id), old.version)?,
                delete(&self.table, organization_name_key(team, &old))?,
                count(&self.table, team, ORGANIZATIONS_COUNTER, -1)?,
            ];
            match self.transact(steps).await {
                Ok(()) => {
                    deleted = true;
                    break;
                }
                Err(TransactionFailure::Conditions(_) | TransactionFailure::Conflict) => back_off(attempt).await,
                Err(TransactionFailure::Failed(error)) => return Err(error),
            }
        }
        if !deleted {
            return Err(too_many_conflicts());
        }

        let leave = CustomerChange { organization_id: Some(None), ..CustomerChange::default() };
        for member in self.members(team, id, None).await? {
            match self.update_customer(team, &member.id, &leave, "Organization removed", None).await {
                Ok(_) | Err(StoreError::NotFound) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    pub(super) async fn find_organizations(&self, team: &TeamId, query: &OrganizationQuery) -> Result<OrganizationPage, StoreError> {
        if let Some(prefix) = &query.name {
            let ids = self.index_ids(organization_name_pk(team), prefix.clone(), None).await?;
            let total = ids.len() as u64;
            let selected: Vec<String> = match query.paging {
                Some(paging) => ids.into_iter().skip(paging.offset()).take(paging.per_page as usize).collect(),
                None => ids,
            };
            let keys = selected.iter().map(|id| organization_key(team, id)).collect();
            let mut organizations = read_organizations(self.batch_get(keys).await?)?;
            organizations.sort_by(|a, b| a.id.cmp(&b.id));
            return Ok(OrganizationPage { organizations, total });
        }

        let request = self.list_index_query(organization_list_pk(team));
        match query.paging {
            Some(paging) => {
                let total = self.counter(team, ORGANIZATIONS_COUNTER).await?;
                let organizations = read_organizations(self.query_page(request, paging).await?)?;
                Ok(OrganizationPage { organizations, total })
            }
            None => {
                let organizations = read_organizations(self.query_all(request).await?)?;
                let total = organizations.len() as u64;
                Ok(OrganizationPage { organizations, total })
            }
        }
    }

    /// Customers of the organization in id order, through the `organization_id` index items.
    pub(super) async fn members(&self, team: &TeamId, id: &str, limit: Option<usize>) -> Result<Vec<Customer>, StoreError> {
        let filter = Filter { field: FilterField::OrganizationId, value: id.to_string(), prefix: false };
        let prefix = index_query_prefix(&filter.value, filter.prefix);
        let ids = self.index_ids(index_pk(team, filter.field.name()), prefix, limit).await?;
        self.customers_by_id(team, &ids).await
    }
}
