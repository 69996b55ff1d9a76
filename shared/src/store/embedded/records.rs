//! The embedded store's [`Store`] implementation: each write plans its changes against the
//! team's data under the lock, and [`EmbeddedStore::write`] journals and applies them.

use super::{check_definitions, email_owner, stored_customer, Change, EmbeddedStore, TeamData};
use crate::model::{
    Activity, Customer, CustomerChange, CustomerDetails, Definitions, Email, FieldDefinition, FieldKey, FieldScope,
    Interaction, ListQuery, NewCustomer, NewOrganization, Note, Organization, OrganizationChange,
    OrganizationQuery, TeamId, Timestamp,
};
use std::ops::Bound::{Excluded, Unbounded};

use crate::model::Filter;
use crate::store::listing::{self, FilterMatches, IndexEntry};
use crate::store::idempotency::{Completion, KeyClaim, KeyRecord, KeyState};
use crate::store::{CustomerPage, MAX_LISTED_BYTES, OrganizationPage, Store, StoreError};

/// Fails when the customer would name an organization that the team does not have.
fn check_organization(data: &TeamData, customer: &Customer) -> Result<(), StoreError> {
    match &customer.organization_id {
        Some(id) if !data.organizations.contains_key(id) => Err(StoreError::UnknownOrganization),
        _ => Ok(()),
    }
}

use crate::store::check_attribute_total;

/// Changes that apply `change` to every customer in `customers`, each with an interaction.
fn update_all(customers: Vec<Customer>, change: &CustomerChange, description: &str) -> Vec<Change> {
    let mut changes = Vec::new();
    for mut customer in customers {
        change.apply(&mut customer, Timestamp::now());
        let event = Interaction::by_api(&customer.id, description, customer.updated_at);
        changes.push(Change::PutCustomer(customer));
        changes.push(Change::PutInteraction(event));
    }
    changes
}

/// Lists without filters, in id order, as the DynamoDB store does with its `list` index.
fn list_all(data: &TeamData, query: &ListQuery) -> CustomerPage {
    let total = data.customers.len() as u64;
    let Some(paging) = query.paging else {
        return CustomerPage { customers: data.customers.values().cloned().collect(), total, next: None };
    };
    let rest: Box<dyn Iterator<Item = &Customer>> = match &query.cursor {
        Some(position) => Box::new(data.customers.range::<String, _>((Excluded(&position.after), Unbounded)).map(|(_, c)| c)),
        None => Box::new(data.customers.values().skip(paging.offset())),
    };
    let customers: Vec<Customer> = rest.take(paging.per_page as usize).cloned().collect();
    let next = listing::next_in_id_order(&customers, paging, total);
    CustomerPage { customers, total, next }
}

/// Lists with filters through the same selection as the DynamoDB store, from index entries
/// built in memory.
fn list_filtered(data: &TeamData, query: &ListQuery) -> CustomerPage {
    let matches = query.filters.iter().map(|filter| filter_matches(data, filter)).collect();
    let selection = listing::select(matches, query);
    let customers = selection.ids.iter().filter_map(|id| data.customers.get(id).cloned()).collect();
    CustomerPage { customers, total: selection.total, next: selection.next }
}

fn filter_matches(data: &TeamData, filter: &Filter) -> FilterMatches {
    let field = filter.field.name();
    let mut entries: Vec<IndexEntry> = data
        .customers
        .values()
        .filter_map(|customer| {
            let (_, value) = customer.index_values().into_iter().find(|(name, value)| name == field && filter.accepts(value))?;
            Some(IndexEntry { sort_key: listing::index_sk(&value, &customer.id), id: customer.id.clone() })
        })
        .collect();
    entries.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
    FilterMatches { field: field.to_string(), entries }
}

fn page<T: Clone>(matches: Vec<&T>, paging: Option<crate::model::Paging>) -> (Vec<T>, u64) {
    let total = matches.len() as u64;
    let rows = match paging {
        Some(paging) => matches.into_iter().skip(paging.offset()).take(paging.per_page as usize).cloned().collect(),
        None => matches.into_iter().cloned().collect(),
    };
    (rows, total)
}

impl Store for EmbeddedStore {
    async fn create_customer(&self, team: &TeamId, customer: NewCustomer, completion: Option<&Completion>) -> Result<Customer, StoreError> {
        self.write_completing(team, completion, |data| {
            if email_owner(data, customer.email()).is_some() {
                return Err(StoreError::EmailTaken);
            }
            if data.customers.contains_key(&customer.id) {
                return Err(StoreError::Unavailable("new customer id already in use".into()));
            }
            check_definitions(data, FieldScope::Customer, customer.definitions_guard())?;
            let customer = customer.into_customer(Timestamp::now());
            check_organization(data, &customer)?;
            let created = Interaction::by_api(&customer.id, "Customer created", customer.created_at);
            let changes = vec![Change::PutCustomer(customer.clone()), Change::PutInteraction(created)];
            Ok((changes, customer))
        })
    }

    async fn customer(&self, team: &TeamId, id: &str) -> Result<Option<Customer>, StoreError> {
        Ok(self.read(team, |data| data.customers.get(id).cloned()))
    }

    async fn customer_details(&self, team: &TeamId, id: &str) -> Result<Option<CustomerDetails>, StoreError> {
        Ok(self.read(team, |data| {
            let customer = data.customers.get(id)?.clone();
            let mut interactions = data.interactions.get(id).cloned().unwrap_or_default();
            interactions.reverse();
            let notes = data.notes.get(id).map(|notes| notes.values().rev().cloned().collect()).unwrap_or_default();
            Some(CustomerDetails { customer, interactions, notes })
        }))
    }

    async fn customer_id_by_email(&self, team: &TeamId, email: &Email) -> Result<Option<String>, StoreError> {
        Ok(self.read(team, |data| email_owner(data, email).cloned()))
    }

    async fn update_customer(
        &self,
        team: &TeamId,
        id: &str,
        change: &CustomerChange,
        description: &str,
        completion: Option<&Completion>,
    ) -> Result<Customer, StoreError> {
        self.write_completing(team, completion, |data| {
            let mut customer = stored_customer(data, id)?.clone();
            if !change.if_match.allows(customer.version) {
                return Err(StoreError::VersionMismatch);
            }
            check_definitions(data, FieldScope::Customer, change.definitions_guard())?;
            let old = customer.clone();
            if let Some(email) = &change.email {
                if email_owner(data, email).is_some_and(|owner| owner != id) {
                    return Err(StoreError::EmailTaken);
                }
            }
            change.apply(&mut customer, Timestamp::now());
            if completion.is_none() && customer.same_fields(&old) {
                return Ok((Vec::new(), old));
            }
            check_attribute_total(customer.attributes.len())?;
            if change.organization_id.is_some() {
                check_organization(data, &customer)?;
            }
            let event = Interaction::by_api(id, description, customer.updated_at);
            let changes = vec![Change::PutCustomer(customer.clone()), Change::PutInteraction(event)];
            Ok((changes, customer))
        })
    }

    async fn delete_customer(&self, team: &TeamId, id: &str) -> Result<Customer, StoreError> {
        self.write(team, |data| {
            let customer = stored_customer(data, id)?.clone();
            Ok((vec![Change::DeleteCustomer(id.to_string())], customer))
        })
    }

    async fn list_customers(&self, team: &TeamId, query: &ListQuery) -> Result<CustomerPage, StoreError> {
        self.read(team, |data| {
            let page = if query.filters.is_empty() { list_all(data, query) } else { list_filtered(data, query) };
            if query.paging.is_none() && listing::listed_bytes(&page.customers) > MAX_LISTED_BYTES {
                return Err(StoreError::TooLarge);
            }
            Ok(page)
        })
    }

    async fn latest_customers(&self, team: &TeamId, limit: usize) -> Result<Vec<Customer>, StoreError> {
        Ok(self.read(team, |data| {
            let mut customers: Vec<&Customer> = data.customers.values().collect();
            customers.sort_by(|a, b| (b.updated_at, &b.id).cmp(&(a.updated_at, &a.id)));
            customers.into_iter().take(limit).cloned().collect()
        }))
    }

    async fn recent_activity(&self, team: &TeamId, limit: usize) -> Result<Vec<Activity>, StoreError> {
        Ok(self.read(team, |data| {
            let mut interactions: Vec<&Interaction> = data.interactions.values().flatten().collect();
            interactions.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
            interactions
                .into_iter()
                .filter_map(|interaction| {
                    let customer = data.customers.get(&interaction.customer_id)?;
                    Some(Activity { interaction: interaction.clone(), customer: customer.clone() })
                })
                .take(limit)
                .collect()
        }))
    }

    async fn add_interaction(&self, team: &TeamId, interaction: &Interaction, completion: Option<&Completion>) -> Result<(), StoreError> {
        self.write_completing(team, completion, |data| {
            stored_customer(data, &interaction.customer_id)?;
            Ok((vec![Change::PutInteraction(interaction.clone())], ()))
        })
    }

    async fn add_note(&self, team: &TeamId, note: &Note, completion: Option<&Completion>) -> Result<(), StoreError> {
        self.write_completing(team, completion, |data| {
            stored_customer(data, &note.customer_id)?;
            Ok((vec![Change::PutNote(note.clone())], ()))
        })
    }

    async fn delete_note(&self, team: &TeamId, customer_id: &str, note_id: &str) -> Result<(), StoreError> {
        self.write(team, |data| {
            let exists = data.notes.get(customer_id).is_some_and(|notes| notes.contains_key(note_id));
            if !exists {
                return Err(StoreError::NotFound);
            }
            let change = Change::DeleteNote { customer_id: customer_id.to_string(), note_id: note_id.to_string() };
            Ok((vec![change], ()))
        })
    }

    async fn create_organization(
        &self,
        team: &TeamId,
        organization: NewOrganization,
        completion: Option<&Completion>,
    ) -> Result<Organization, StoreError> {
        self.write_completing(team, completion, |data| {
            if data.organizations.contains_key(&organization.id) {
                return Err(StoreError::Unavailable("new organization id already in use".into()));
            }
            check_definitions(data, FieldScope::Organization, organization.definitions_guard())?;
            let organization = organization.into_organization(Timestamp::now());
            Ok((vec![Change::PutOrganization(organization.clone())], organization))
        })
    }

    async fn organization(&self, team: &TeamId, id: &str) -> Result<Option<Organization>, StoreError> {
        Ok(self.read(team, |data| data.organizations.get(id).cloned()))
    }

    async fn update_organization(
        &self,
        team: &TeamId,
        id: &str,
        change: &OrganizationChange,
    ) -> Result<Organization, StoreError> {
        self.write(team, |data| {
            let mut organization = data.organizations.get(id).ok_or(StoreError::NotFound)?.clone();
            if !change.if_match.allows(organization.version) {
                return Err(StoreError::VersionMismatch);
            }
            check_definitions(data, FieldScope::Organization, change.definitions_guard())?;
            let old = organization.clone();
            change.apply(&mut organization, Timestamp::now());
            if organization.same_fields(&old) {
                return Ok((Vec::new(), old));
            }
            check_attribute_total(organization.attributes.len())?;
            Ok((vec![Change::PutOrganization(organization.clone())], organization))
        })
    }

    async fn delete_organization(&self, team: &TeamId, id: &str) -> Result<(), StoreError> {
        self.write(team, |data| {
            if !data.organizations.contains_key(id) {
                return Err(StoreError::NotFound);
            }
            let members: Vec<Customer> =
                data.customers.values().filter(|c| c.organization_id.as_deref() == Some(id)).cloned().collect();
            let leave = CustomerChange { organization_id: Some(None), ..CustomerChange::default() };
            let mut changes = vec![Change::DeleteOrganization(id.to_string())];
            changes.extend(update_all(members, &leave, "Organization removed"));
            Ok((changes, ()))
        })
    }

    async fn list_organizations(&self, team: &TeamId, query: &OrganizationQuery) -> Result<OrganizationPage, StoreError> {
        Ok(self.read(team, |data| {
            let matches: Vec<&Organization> = data
                .organizations
                .values()
                .filter(|organization| query.name.as_ref().is_none_or(|prefix| organization.search_name().starts_with(prefix)))
                .collect();
            let (organizations, total) = page(matches, query.paging);
            OrganizationPage { organizations, total }
        }))
    }

    async fn organization_members(&self, team: &TeamId, id: &str, limit: usize) -> Result<Vec<Customer>, StoreError> {
        Ok(self.read(team, |data| {
            data.customers.values().filter(|c| c.organization_id.as_deref() == Some(id)).take(limit).cloned().collect()
        }))
    }

    async fn fields(&self, team: &TeamId, scope: FieldScope) -> Result<Definitions, StoreError> {
        Ok(self.read(team, |data| Definitions {
            fields: data.fields.iter().filter(|((s, _), _)| *s == scope).map(|(_, field)| field.clone()).collect(),
            revision: data.revisions.get(&scope).copied().unwrap_or(0),
        }))
    }

    async fn put_field(&self, team: &TeamId, scope: FieldScope, field: &FieldDefinition) -> Result<(), StoreError> {
        self.write(team, |_| Ok((vec![Change::PutField { scope, field: field.clone() }], ())))
    }

    async fn delete_field(&self, team: &TeamId, scope: FieldScope, key: &FieldKey) -> Result<(), StoreError> {
        self.write(team, |data| {
            if !data.fields.contains_key(&(scope, key.clone())) {
                return Err(StoreError::NotFound);
            }
            let mut changes = vec![Change::DeleteField { scope, key: key.clone() }];
            match scope {
                FieldScope::Customer => {
                    let holders: Vec<Customer> =
                        data.customers.values().filter(|c| c.attributes.contains_key(key)).cloned().collect();
                    let clear = CustomerChange { attributes: [(key.clone(), None)].into(), ..CustomerChange::default() };
                    changes.extend(update_all(holders, &clear, "Custom attribute removed"));
                }
                FieldScope::Organization => {
                    let clear = OrganizationChange { attributes: [(key.clone(), None)].into(), ..OrganizationChange::default() };
                    for organization in data.organizations.values().filter(|o| o.attributes.contains_key(key)) {
                        let mut organization = organization.clone();
                        clear.apply(&mut organization, Timestamp::now());
                        changes.push(Change::PutOrganization(organization));
                    }
                }
            }
            Ok((changes, ()))
        })
    }

    async fn claim_key(&self, team: &TeamId, claim: &KeyClaim, now: Timestamp) -> Result<KeyState, StoreError> {
        self.write(team, |data| {
            let state = data.keys.get(&claim.key).map_or(KeyState::Claimed, |record| record.state_at(now));
            let changes = if state == KeyState::Claimed {
                vec![Change::PutKey { key: claim.key.clone(), record: KeyRecord::claim(claim, now) }]
            } else {
                Vec::new()
            };
            Ok((changes, state))
        })
    }

    async fn release_key(&self, team: &TeamId, claim: &KeyClaim) -> Result<(), StoreError> {
        self.write(team, |data| {
            let open = data.keys.get(&claim.key).is_some_and(|record| record.is_open_claim_of(claim));
            let changes = if open { vec![Change::DeleteKey(claim.key.clone())] } else { Vec::new() };
            Ok((changes, ()))
        })
    }
}
