//! Items and transaction steps, built from domain records.

use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};

use super::keys::*;
use super::{Item, key, string, unavailable_build, unreadable};
use crate::model::{Customer, FieldDefinition, FieldScope, Interaction, Note, Organization, TeamId};
use crate::store::StoreError;
use crate::store::table::{LIST_INDEX, RECENT_INDEX};

pub fn customer_key(team: &TeamId, id: &str) -> Item {
    key(customer_pk(team, id), CUSTOMER_SK)
}

pub fn customer_item(team: &TeamId, customer: &Customer) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(customer).map_err(unreadable)?;
    item.extend(customer_key(team, &customer.id));
    item.insert(LIST_INDEX.partition_key.into(), string(list_pk(team)));
    item.insert(LIST_INDEX.sort_key.into(), string(&customer.id));
    item.insert(RECENT_INDEX.partition_key.into(), string(updated_pk(team)));
    item.insert(RECENT_INDEX.sort_key.into(), string(updated_sk(customer.updated_at, &customer.id)));
    Ok(item)
}

/// Builds the start key that continues a Query of the `list` index after the customer `id`.
pub fn list_start_key(team: &TeamId, id: &str) -> Item {
    let mut start = customer_key(team, id);
    start.insert(LIST_INDEX.partition_key.into(), string(list_pk(team)));
    start.insert(LIST_INDEX.sort_key.into(), string(id));
    start
}

/// Key of the customer's order item, which page jumps count through.
pub fn order_key(team: &TeamId, id: &str) -> Item {
    key(order_pk(team), id)
}

pub fn interaction_item(team: &TeamId, interaction: &Interaction) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(interaction).map_err(unreadable)?;
    item.extend(key(
        customer_pk(team, &interaction.customer_id),
        interaction_sk(interaction.created_at, &interaction.id),
    ));
    item.insert(RECENT_INDEX.partition_key.into(), string(activity_pk(team)));
    item.insert(
        RECENT_INDEX.sort_key.into(),
        string(format!("{}#{}", interaction.created_at.sort_key(), interaction.id)),
    );
    Ok(item)
}

pub fn field_item(team: &TeamId, scope: FieldScope, field: &FieldDefinition) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(field).map_err(unreadable)?;
    item.extend(key(fields_pk(team, scope), field.key.as_str()));
    Ok(item)
}

pub fn note_item(team: &TeamId, note: &Note) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(note).map_err(unreadable)?;
    item.extend(key(customer_pk(team, &note.customer_id), note_sk(&note.id)));
    Ok(item)
}

pub fn organization_key(team: &TeamId, id: &str) -> Item {
    key(organization_pk(team, id), ORGANIZATION_SK)
}

pub fn organization_item(team: &TeamId, organization: &Organization) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(organization).map_err(unreadable)?;
    item.extend(organization_key(team, &organization.id));
    item.insert(LIST_INDEX.partition_key.into(), string(organization_list_pk(team)));
    item.insert(LIST_INDEX.sort_key.into(), string(&organization.id));
    Ok(item)
}

/// Key of the index item that finds the organization by its name.
pub fn organization_name_key(team: &TeamId, organization: &Organization) -> Item {
    key(organization_name_pk(team), index_sk(&organization.search_name(), &organization.id))
}

/// Holds only if the organization exists.
pub fn organization_exists(table: &str, team: &TeamId, id: &str) -> Result<TransactWriteItem, StoreError> {
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(organization_key(team, id)))
        .condition_expression("attribute_exists(pk)")
        .build()
        .map_err(unavailable_build)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

pub fn email_lock_key(team: &TeamId, customer: &Customer) -> Item {
    key(email_lock_pk(team, &customer.email.normalized()), EMAIL_LOCK_SK)
}

pub fn counter_key(team: &TeamId) -> Item {
    key(team_pk(team), COUNTER_SK)
}

/// Keys of the index items that make `customer` findable by each of its filterable values.
pub fn index_keys(team: &TeamId, customer: &Customer) -> Vec<Item> {
    customer
        .index_values()
        .into_iter()
        .map(|(field, value)| key(index_pk(team, &field), index_sk(&value, &customer.id)))
        .collect()
}

/// Puts `item` if no item has its key yet.
pub fn put_new(table: &str, item: Item) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .map_err(unavailable_build)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Puts `item` over whatever is stored under its key.
pub fn put(table: &str, item: Item) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder().table_name(table).set_item(Some(item)).build().map_err(unavailable_build)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Puts `item` only if the stored item still has `version`.
pub fn put_if_version(table: &str, item: Item, version: u64) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("version = :version")
        .expression_attribute_values(":version", aws_sdk_dynamodb::types::AttributeValue::N(version.to_string()))
        .build()
        .map_err(unavailable_build)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Builds the item that reserves the customer's email address within the team.
pub fn email_lock_item(team: &TeamId, customer: &Customer) -> Item {
    let mut item = email_lock_key(team, customer);
    item.insert("customer_id".into(), string(&customer.id));
    item
}

/// Puts the email lock of `customer`, unless another customer holds it.
pub fn put_email_lock(table: &str, team: &TeamId, customer: &Customer) -> Result<TransactWriteItem, StoreError> {
    let item = email_lock_item(team, customer);
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk) OR customer_id = :id")
        .expression_attribute_values(":id", string(&customer.id))
        .build()
        .map_err(unavailable_build)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

pub fn delete(table: &str, key: Item) -> Result<TransactWriteItem, StoreError> {
    let delete = Delete::builder().table_name(table).set_key(Some(key)).build().map_err(unavailable_build)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// Deletes an item that must exist.
pub fn delete_existing(table: &str, key: Item) -> Result<TransactWriteItem, StoreError> {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(key))
        .condition_expression("attribute_exists(pk)")
        .build()
        .map_err(unavailable_build)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// Deletes the customer item only if it still has `version`.
pub fn delete_if_version(table: &str, key: Item, version: u64) -> Result<TransactWriteItem, StoreError> {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(key))
        .condition_expression("version = :version")
        .expression_attribute_values(":version", aws_sdk_dynamodb::types::AttributeValue::N(version.to_string()))
        .build()
        .map_err(unavailable_build)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// Counter attribute of the team's customers.
pub const CUSTOMERS_COUNTER: &str = "customers";
/// Counter attribute of the team's organizations.
pub const ORGANIZATIONS_COUNTER: &str = "organizations";

/// Adds `delta` to one of the team's counters, creating it at zero.
pub fn count(table: &str, team: &TeamId, counter: &str, delta: i64) -> Result<TransactWriteItem, StoreError> {
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(counter_key(team)))
        .update_expression(format!("ADD {counter} :delta"))
        .expression_attribute_values(":delta", aws_sdk_dynamodb::types::AttributeValue::N(delta.to_string()))
        .build()
        .map_err(unavailable_build)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// Holds only if the customer exists.
pub fn customer_exists(table: &str, team: &TeamId, id: &str) -> Result<TransactWriteItem, StoreError> {
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(customer_key(team, id)))
        .condition_expression("attribute_exists(pk)")
        .build()
        .map_err(unavailable_build)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map, Value};

    use super::*;
    use crate::model::{CustomerChange, FieldDefinition, Timestamp, MAX_ATTRIBUTES, MAX_TAGS, MAX_TEXT_CHARS};
    use crate::store::dynamo::size::item_size;

    /// DynamoDB's maximum item size, in bytes.
    const DYNAMODB_MAX_ITEM_BYTES: usize = 400 * 1024;

    /// Builds a text attribute definition whose key has the maximum length of 60 characters
    /// after `attr-`.
    fn longest_key_field(n: usize) -> FieldDefinition {
        let key = format!("attr-{n:02}{}", "k".repeat(58));
        let body = json!({"key": key, "name": "N", "type": "text"});
        FieldDefinition::from_body(body.as_object().unwrap()).unwrap()
    }

    #[test]
    fn customer_at_every_limit_fits_an_item() {
        // Each character is 4 bytes in UTF-8, the most a character can take.
        let longest_text = "𝄞".repeat(MAX_TEXT_CHARS);
        let fields: Vec<FieldDefinition> = (0..MAX_ATTRIBUTES).map(longest_key_field).collect();
        let mut body = Map::new();
        body.insert("email".into(), json!(format!("{}@example.com", "a".repeat(242))));
        for name in ["first", "middle", "last"] {
            body.insert(name.into(), json!(longest_text));
        }
        body.insert("organizationId".into(), json!("o".repeat(64)));
        body.insert("assignedUser".into(), json!(i64::MAX));
        let tags: Vec<String> = (0..MAX_TAGS).map(|n| format!("{n:02}{}", "𝄞".repeat(98))).collect();
        body.insert("tags".into(), json!(tags));
        for field in &fields {
            body.insert(field.key.as_str().into(), Value::String(longest_text.clone()));
        }

        let change = CustomerChange::from_body(&body, &fields).expect("every value is at its limit, not past it");
        let mut customer = change.into_new(&fields).unwrap().into_customer(Timestamp::now());
        let team = TeamId::parse(&"t".repeat(TeamId::MAX_LEN)).unwrap();
        customer.avatar_key = Some(crate::store::avatar_key(&team, &customer.id, "jpg"));
        customer.version = u64::MAX;
        assert_eq!(customer.email.as_str().len(), crate::model::Email::MAX_LEN);
        assert_eq!(customer.attributes.len(), MAX_ATTRIBUTES);
        assert_eq!(customer.tags.len(), MAX_TAGS);

        let size = item_size(&customer_item(&team, &customer).unwrap());
        assert!(size > 150_000, "the values were not filled to their limits: {size} bytes");
        assert!(size < DYNAMODB_MAX_ITEM_BYTES / 2, "{size} bytes is not well under {DYNAMODB_MAX_ITEM_BYTES}");
    }
}
