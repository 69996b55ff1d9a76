//! The DynamoDB table's key schema and indexes, defined once. Tests create their table from
//! this definition, and a test checks that `template.yaml` declares the same.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TableStatus, TimeToLiveSpecification,
};

/// Partition key of every item.
pub const PK: &str = "pk";
/// Sort key of every item.
pub const SK: &str = "sk";

/// A global secondary index of the table.
pub struct IndexDefinition {
    pub name: &'static str,
    pub partition_key: &'static str,
    pub sort_key: &'static str,
    /// Attributes that the index copies besides the keys: what the responses built from it
    /// need, so that a page reads no more than it returns.
    pub projected: &'static [&'static str],
}

/// Customers of a team in id order, which is creation order, and its organizations likewise.
pub const LIST_INDEX: IndexDefinition = IndexDefinition {
    name: "list",
    partition_key: "gsi1pk",
    sort_key: "gsi1sk",
    projected: &[
        "id", "email", "first", "middle", "last", "organization_id", "assigned_user", "tags", "attributes",
        "avatar_key", "created_at", "updated_at", "name", "address", "city", "state", "zip",
    ],
};

/// Customers of a team by `updated_at`, and interactions of a team by `created_at`.
pub const RECENT_INDEX: IndexDefinition = IndexDefinition {
    name: "recent",
    partition_key: "gsi2pk",
    sort_key: "gsi2sk",
    projected: &[
        "id", "email", "first", "middle", "last", "organization_id", "assigned_user", "tags", "attributes",
        "avatar_key", "created_at", "updated_at", "customer_id", "source", "description", "priority",
    ],
};

pub const INDEXES: [IndexDefinition; 2] = [LIST_INDEX, RECENT_INDEX];

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .expect("key schema has a name and a type")
}

fn string_attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("attribute definition has a name and a type")
}

/// Creates the table as `template.yaml` declares it (on-demand billing, both indexes projecting
/// the attributes their responses need).
pub async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str) -> Result<(), aws_sdk_dynamodb::Error> {
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(PK, KeyType::Hash))
        .key_schema(key(SK, KeyType::Range))
        .attribute_definitions(string_attribute(PK))
        .attribute_definitions(string_attribute(SK));

    for index in INDEXES {
        let gsi = GlobalSecondaryIndex::builder()
            .index_name(index.name)
            .key_schema(key(index.partition_key, KeyType::Hash))
            .key_schema(key(index.sort_key, KeyType::Range))
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::Include)
                    .set_non_key_attributes(Some(index.projected.iter().map(|name| name.to_string()).collect()))
                    .build(),
            )
            .build()
            .expect("index has a name, keys and a projection");
        request = request
            .global_secondary_indexes(gsi)
            .attribute_definitions(string_attribute(index.partition_key))
            .attribute_definitions(string_attribute(index.sort_key));
    }

    request.send().await?;
    enable_expiry(client, name).await
}

/// Turns on DynamoDB's TTL for idempotency keys, once the new table is active (DynamoDB refuses
/// it while the table is being created).
async fn enable_expiry(client: &aws_sdk_dynamodb::Client, name: &str) -> Result<(), aws_sdk_dynamodb::Error> {
    for _ in 0..600 {
        let described = client.describe_table().table_name(name).send().await?;
        if described.table().and_then(|table| table.table_status()) == Some(&TableStatus::Active) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let expiry = TimeToLiveSpecification::builder()
        .attribute_name(crate::store::dynamo::TTL_ATTRIBUTE)
        .enabled(true)
        .build()
        .expect("TTL has an attribute name and a state");
    client.update_time_to_live().table_name(name).time_to_live_specification(expiry).send().await?;
    Ok(())
}
