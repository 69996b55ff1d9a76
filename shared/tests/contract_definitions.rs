//! Storage contract for writes racing with changes of the custom attribute definitions. A
//! write whose attribute values were checked against definitions that changed before it landed
//! fails with `DefinitionsChanged` and writes nothing, so a removed attribute never comes back.
//! The same tests run on the embedded store and on DynamoDB at moto.

use serde_json::{json, Value};
use shared::model::{CustomerChange, Definitions, FieldDefinition, FieldKey, FieldScope, ListQuery, OrganizationChange, OrganizationQuery};
use shared::store::{AvatarStore, Store, StoreError};
use shared::testing::team;
use shared::App;

const CUSTOMER: FieldScope = FieldScope::Customer;

fn field(key: &str) -> FieldDefinition {
    FieldDefinition::from_body(json!({"key": key, "name": key, "type": "text"}).as_object().unwrap()).unwrap()
}

fn customer_change(body: Value, definitions: &Definitions) -> CustomerChange {
    CustomerChange::from_body(body.as_object().unwrap(), definitions).unwrap().checked_against(definitions)
}

fn source() -> FieldKey {
    FieldKey::parse("attr-source").unwrap()
}

async fn create_after_a_removal_fails<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let (store, team) = (&app.store, team("team-a"));
    store.put_field(&team, CUSTOMER, &field("attr-source")).await.unwrap();
    let checked = store.fields(&team, CUSTOMER).await.unwrap();
    let new = customer_change(json!({"email": "race@example.test", "attr-source": "web"}), &checked).into_new(&checked).unwrap();

    store.delete_field(&team, CUSTOMER, &source()).await.unwrap();
    let created = store.create_customer(&team, new, None).await;

    assert_eq!(created.unwrap_err(), StoreError::DefinitionsChanged);
    assert_eq!(store.list_customers(&team, &ListQuery::default()).await.unwrap().total, 0);
}

async fn update_after_a_definition_change_fails<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let (store, team) = (&app.store, team("team-a"));
    store.put_field(&team, CUSTOMER, &field("attr-source")).await.unwrap();
    let checked = store.fields(&team, CUSTOMER).await.unwrap();
    let new = customer_change(json!({"email": "u@example.test"}), &checked).into_new(&checked).unwrap();
    let id = store.create_customer(&team, new, None).await.unwrap().id;
    let change = customer_change(json!({"attr-source": "mail"}), &checked);

    store.put_field(&team, CUSTOMER, &field("attr-other")).await.unwrap();
    let updated = store.update_customer(&team, &id, &change, "Customer updated", None).await;

    assert_eq!(updated.unwrap_err(), StoreError::DefinitionsChanged);
    let stored = store.customer_details(&team, &id).await.unwrap().unwrap().customer;
    assert!(stored.attributes.is_empty(), "{stored:?}");
    assert_eq!(stored.version, 1);
}

async fn writes_without_values_need_no_current_definitions<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let (store, team) = (&app.store, team("team-a"));
    let checked = store.fields(&team, CUSTOMER).await.unwrap();
    store.put_field(&team, CUSTOMER, &field("attr-source")).await.unwrap();

    let new = customer_change(json!({"email": "plain@example.test", "first": "Pat"}), &checked).into_new(&checked).unwrap();
    let id = store.create_customer(&team, new, None).await.unwrap().id;
    let change = customer_change(json!({"last": "Lee"}), &checked);
    let updated = store.update_customer(&team, &id, &change, "Customer updated", None).await.unwrap();

    assert_eq!((updated.first.as_deref(), updated.last.as_deref()), (Some("Pat"), Some("Lee")));
}

async fn revision_rises_with_each_definition_change<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let (store, team) = (&app.store, team("team-a"));
    let before = store.fields(&team, CUSTOMER).await.unwrap().revision;

    store.put_field(&team, CUSTOMER, &field("attr-source")).await.unwrap();
    let after_put = store.fields(&team, CUSTOMER).await.unwrap();
    store.delete_field(&team, CUSTOMER, &source()).await.unwrap();
    let after_delete = store.fields(&team, CUSTOMER).await.unwrap();

    assert_eq!((before, after_put.revision, after_delete.revision), (0, 1, 2));
    assert_eq!(after_put.fields, vec![field("attr-source")]);
    assert_eq!(after_delete.fields, Vec::new());
    assert_eq!(store.fields(&team, FieldScope::Organization).await.unwrap().revision, 0, "each scope counts apart");
}

async fn organization_writes_are_guarded_too<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let (store, team) = (&app.store, team("team-a"));
    let scope = FieldScope::Organization;
    store.put_field(&team, scope, &field("attr-source")).await.unwrap();
    let checked = store.fields(&team, scope).await.unwrap();
    let body = json!({"name": "Acme", "attr-source": "web"});
    let new = OrganizationChange::from_body(body.as_object().unwrap(), &checked).unwrap().checked_against(&checked).into_new(&checked).unwrap();

    store.delete_field(&team, scope, &source()).await.unwrap();
    let created = store.create_organization(&team, new, None).await;

    assert_eq!(created.unwrap_err(), StoreError::DefinitionsChanged);
    assert_eq!(store.list_organizations(&team, &OrganizationQuery::default()).await.unwrap().total, 0);
}

shared::on_both_stores!(
    create_after_a_removal_fails,
    update_after_a_definition_change_fails,
    writes_without_values_need_no_current_definitions,
    revision_rises_with_each_definition_change,
    organization_writes_are_guarded_too,
);
