//! Custom attribute definitions on DynamoDB: one item per definition in the scope's partition,
//! beside one item that contains the revision of the set. Putting or removing a definition raises
//! the revision in the same transaction, and the writes of values checked against the
//! definitions require the revision they were checked at.

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem, Update};

use super::items::*;
use super::keys::*;
use super::{DynamoStore, Item, TransactionFailure, WRITE_ATTEMPTS, back_off, key, string, unavailable_build, unreadable};
use crate::model::{CustomerChange, Definitions, FieldDefinition, FieldKey, FieldScope, OrganizationChange, OrganizationQuery, TeamId};
use crate::store::{Store, StoreError};

/// Sort key of the revision item. Definition keys start with `attr-`, so it never names one.
const REVISION_SK: &str = "#revision";

fn revision_key(team: &TeamId, scope: FieldScope) -> Item {
    key(fields_pk(team, scope), REVISION_SK)
}

/// Builds the step that raises the revision of the scope's definitions.
fn raise_revision(table: &str, team: &TeamId, scope: FieldScope) -> Result<TransactWriteItem, StoreError> {
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(revision_key(team, scope)))
        .update_expression("ADD revision :one")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .build()
        .map_err(unavailable_build)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// Appends to `steps` the step that requires the definitions of `scope` to be still at the
/// `guard` revision, when the write has one. Returns the step's position.
pub(super) fn push_guard(
    table: &str,
    team: &TeamId,
    scope: FieldScope,
    guard: Option<u64>,
    steps: &mut Vec<TransactWriteItem>,
) -> Result<Option<usize>, StoreError> {
    let Some(revision) = guard else { return Ok(None) };
    steps.push(revision_is(table, team, scope, revision)?);
    Ok(Some(steps.len() - 1))
}

/// Tells whether the guard step at `at` is among the `failed` conditions.
pub(super) fn guard_failed(at: Option<usize>, failed: &[usize]) -> bool {
    at.is_some_and(|at| failed.contains(&at))
}

/// Builds the step that requires the definitions of `scope` to be still at `revision`.
fn revision_is(table: &str, team: &TeamId, scope: FieldScope, revision: u64) -> Result<TransactWriteItem, StoreError> {
    let check = ConditionCheck::builder().table_name(table).set_key(Some(revision_key(team, scope)));
    let check = if revision == 0 {
        check.condition_expression("attribute_not_exists(revision)")
    } else {
        check
            .condition_expression("revision = :revision")
            .expression_attribute_values(":revision", AttributeValue::N(revision.to_string()))
    };
    Ok(TransactWriteItem::builder().condition_check(check.build().map_err(unavailable_build)?).build())
}

impl DynamoStore {
    pub(super) async fn field_definitions(&self, team: &TeamId, scope: FieldScope) -> Result<Definitions, StoreError> {
        let request = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", string(fields_pk(team, scope)))
            .consistent_read(true);
        let mut definitions = Definitions::default();
        for item in self.query_all(request).await? {
            if item.get("sk").and_then(|sk| sk.as_s().ok()).is_some_and(|sk| sk == REVISION_SK) {
                let revision = item.get("revision").and_then(|n| n.as_n().ok()).and_then(|n| n.parse().ok());
                definitions.revision = revision.ok_or_else(|| StoreError::Unavailable("unreadable definitions revision".into()))?;
            } else {
                definitions.fields.push(serde_dynamo::from_item(item).map_err(unreadable)?);
            }
        }
        Ok(definitions)
    }

    pub(super) async fn put_field_definition(&self, team: &TeamId, scope: FieldScope, field: &FieldDefinition) -> Result<(), StoreError> {
        let steps = vec![put(&self.table, field_item(team, scope, field)?)?, raise_revision(&self.table, team, scope)?];
        self.transact_definitions(steps).await
    }

    /// Removes the definition and raises the revision in one transaction, then clears the
    /// definition's values from the records that hold one. A write checked against the old
    /// definitions fails from then on, so the clearing cannot miss a value written later.
    pub(super) async fn remove_field(&self, team: &TeamId, scope: FieldScope, key_name: &FieldKey) -> Result<(), StoreError> {
        let steps = vec![
            delete_existing(&self.table, key(fields_pk(team, scope), key_name.as_str()))?,
            raise_revision(&self.table, team, scope)?,
        ];
        self.transact_definitions(steps).await?;

        match scope {
            FieldScope::Customer => {
                let holders = self.index_ids(index_pk(team, key_name.as_str()), String::new(), None).await?;
                let clear = CustomerChange { attributes: [(key_name.clone(), None)].into(), ..CustomerChange::default() };
                for id in holders {
                    match self.update_customer(team, &id, &clear, "Custom attribute removed", None).await {
                        Ok(_) | Err(StoreError::NotFound) => {}
                        Err(error) => return Err(error),
                    }
                }
            }
            FieldScope::Organization => {
                let all = self.find_organizations(team, &OrganizationQuery::default()).await?;
                let clear = OrganizationChange { attributes: [(key_name.clone(), None)].into(), ..OrganizationChange::default() };
                for organization in all.organizations.iter().filter(|o| o.attributes.contains_key(key_name)) {
                    match self.change_organization(team, &organization.id, &clear).await {
                        Ok(_) | Err(StoreError::NotFound) => {}
                        Err(error) => return Err(error),
                    }
                }
            }
        }
        Ok(())
    }

    /// Runs a change of the definitions. A failed condition means the definition to remove is
    /// not there.
    async fn transact_definitions(&self, steps: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        for attempt in 1..=WRITE_ATTEMPTS {
            match self.transact(steps.clone()).await {
                Ok(()) => return Ok(()),
                Err(TransactionFailure::Conditions(_)) => return Err(StoreError::NotFound),
                Err(TransactionFailure::Conflict) => back_off(attempt).await,
                Err(TransactionFailure::Failed(error)) => return Err(error),
            }
        }
        Err(super::store::too_many_conflicts())
    }
}
