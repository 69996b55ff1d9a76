//! `template.yaml` declares the table and bucket that tests create from `store::table` and
//! `store::s3::create_bucket`; these tests prove the two agree, on paper and on moto.

use serde_yaml_ng::Value;
use shared::store::table::{INDEXES, PK, SK};
use shared::testing::moto_app;

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn resource(name: &str) -> Value {
    template()["Resources"][name]["Properties"].clone()
}

fn key_schema(schema: &Value) -> Vec<(String, String)> {
    schema
        .as_sequence()
        .unwrap()
        .iter()
        .map(|key| (key["AttributeName"].as_str().unwrap().to_string(), key["KeyType"].as_str().unwrap().to_string()))
        .collect()
}

fn pair(name: &str, key_type: &str) -> (String, String) {
    (name.to_string(), key_type.to_string())
}

#[test]
fn template_table_matches_definition() {
    let table = resource("CustomersTable");
    assert_eq!(table["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    assert_eq!(key_schema(&table["KeySchema"]), vec![pair(PK, "HASH"), pair(SK, "RANGE")]);

    let indexes = table["GlobalSecondaryIndexes"].as_sequence().unwrap();
    assert_eq!(indexes.len(), INDEXES.len());
    for (declared, defined) in indexes.iter().zip(INDEXES) {
        assert_eq!(declared["IndexName"].as_str(), Some(defined.name));
        assert_eq!(key_schema(&declared["KeySchema"]), vec![pair(defined.partition_key, "HASH"), pair(defined.sort_key, "RANGE")]);
        assert_eq!(declared["Projection"]["ProjectionType"].as_str(), Some("INCLUDE"));
        let projected: Vec<&str> =
            declared["Projection"]["NonKeyAttributes"].as_sequence().unwrap().iter().map(|name| name.as_str().unwrap()).collect();
        assert_eq!(projected, defined.projected);
    }

    let mut declared: Vec<&str> =
        table["AttributeDefinitions"].as_sequence().unwrap().iter().map(|a| a["AttributeName"].as_str().unwrap()).collect();
    declared.sort();
    let mut defined = vec![PK, SK];
    defined.extend(INDEXES.iter().flat_map(|index| [index.partition_key, index.sort_key]));
    defined.sort();
    assert_eq!(declared, defined);
}

#[test]
fn template_bucket_matches_creation() {
    let bucket = resource("AvatarBucket");
    let block = &bucket["PublicAccessBlockConfiguration"];
    for setting in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
        assert_eq!(block[setting].as_bool(), Some(true), "{setting}");
    }
    let rule = &bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"];
    assert_eq!(rule["SSEAlgorithm"].as_str(), Some("AES256"));
    let lifecycle = &bucket["LifecycleConfiguration"]["Rules"][0];
    assert_eq!(lifecycle["Id"].as_str(), Some(shared::store::s3::ABORT_RULE_ID));
    assert_eq!(lifecycle["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"].as_u64(), Some(1));
}

#[tokio::test]
async fn moto_resources_match_template() {
    let app = moto_app().await;
    let described = app.store.client().describe_table().table_name(app.store.table()).send().await.unwrap();
    let table = described.table.unwrap();
    let keys: Vec<(String, String)> = table
        .key_schema()
        .iter()
        .map(|key| (key.attribute_name().to_string(), key.key_type().as_str().to_string()))
        .collect();
    assert_eq!(keys, key_schema(&resource("CustomersTable")["KeySchema"]));
    let mut names: Vec<&str> = table.global_secondary_indexes().iter().filter_map(|index| index.index_name()).collect();
    names.sort();
    assert_eq!(names, vec!["list", "recent"]);

    let s3 = app.avatars.client();
    let block = s3.get_public_access_block().bucket(app.avatars.bucket()).send().await.unwrap();
    let block = block.public_access_block_configuration.unwrap();
    assert_eq!(block.block_public_acls(), Some(true));
    assert_eq!(block.restrict_public_buckets(), Some(true));
    let encryption = s3.get_bucket_encryption().bucket(app.avatars.bucket()).send().await.unwrap();
    let rules = encryption.server_side_encryption_configuration.unwrap();
    let algorithm = rules.rules()[0].apply_server_side_encryption_by_default().unwrap().sse_algorithm().as_str().to_string();
    assert_eq!(algorithm, "AES256");
}
