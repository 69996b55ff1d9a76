//! Storage contract for organizations, notes and field removal: the same tests on the embedded
//! store and on DynamoDB at moto.

use serde_json::{json, Value};
use shared::model::{
    CustomerChange, FieldDefinition, FieldKey, FieldScope, NewCustomer, NewOrganization, Note, OrganizationChange,
    OrganizationQuery, TeamId,
};
use shared::store::{AvatarStore, Store, StoreError};
use shared::testing::team;
use shared::App;

fn team_a() -> TeamId {
    team("team-a")
}

fn new_customer(body: Value) -> NewCustomer {
    CustomerChange::from_body(body.as_object().unwrap(), &[]).unwrap().into_new(&[]).unwrap()
}

fn new_organization(name: &str) -> NewOrganization {
    OrganizationChange::from_body(json!({"name": name}).as_object().unwrap(), &[]).unwrap().into_new(&[]).unwrap()
}

fn organization_query(pairs: &[(&str, &str)]) -> OrganizationQuery {
    let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    OrganizationQuery::parse(&pairs).unwrap()
}

fn names(page: &shared::store::OrganizationPage) -> Vec<&str> {
    page.organizations.iter().map(|o| o.name.as_str()).collect()
}

async fn organization_lifecycle<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let created = store.create_organization(&team_a(), new_organization("Company Co Inc"), None).await.unwrap();
    let fetched = store.organization(&team_a(), &created.id).await.unwrap().unwrap();
    assert_eq!(fetched, created);

    let change = OrganizationChange::from_body(json!({"city": "Townsville", "name": "Acme"}).as_object().unwrap(), &[]).unwrap();
    let updated = store.update_organization(&team_a(), &created.id, &change).await.unwrap();
    assert_eq!(updated.city.as_deref(), Some("Townsville"));
    assert_eq!(updated.name, "Acme");
    assert_eq!(names(&store.list_organizations(&team_a(), &organization_query(&[("name", "acm")])).await.unwrap()), vec!["Acme"]);
    assert_eq!(store.list_organizations(&team_a(), &organization_query(&[("name", "comp")])).await.unwrap().total, 0);

    store.delete_organization(&team_a(), &created.id).await.unwrap();
    assert_eq!(store.organization(&team_a(), &created.id).await.unwrap(), None);
    assert_eq!(store.delete_organization(&team_a(), &created.id).await.unwrap_err(), StoreError::NotFound);
    assert_eq!(store.list_organizations(&team_a(), &organization_query(&[("page", "1")])).await.unwrap().total, 0);
}

async fn organization_names_are_searched_and_paged<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    for name in ["Beta Labs", "Acme", "acme west", "Zeta", "Acme"] {
        store.create_organization(&team_a(), new_organization(name), None).await.unwrap();
    }
    let all = store.list_organizations(&team_a(), &organization_query(&[])).await.unwrap();
    assert_eq!(names(&all), vec!["Beta Labs", "Acme", "acme west", "Zeta", "Acme"]);

    let acme = store.list_organizations(&team_a(), &organization_query(&[("name", "ACME")])).await.unwrap();
    assert_eq!(names(&acme), vec!["Acme", "acme west", "Acme"]);
    let page = store.list_organizations(&team_a(), &organization_query(&[("name", "acme"), ("per_page", "2"), ("page", "2")])).await.unwrap();
    assert_eq!(names(&page), vec!["Acme"]);
    assert_eq!(page.total, 3);
    let unfiltered = store.list_organizations(&team_a(), &organization_query(&[("per_page", "2"), ("page", "2")])).await.unwrap();
    assert_eq!(names(&unfiltered), vec!["acme west", "Zeta"]);
    assert_eq!(unfiltered.total, 5);
}

async fn customers_need_an_existing_organization<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let missing = new_customer(json!({"email": "a@example.test", "organizationId": "0190a1b2c3d4e5f60718293a4b5c6d70"}));
    assert_eq!(store.create_customer(&team_a(), missing, None).await.unwrap_err(), StoreError::UnknownOrganization);

    let other_team = store.create_organization(&team("team-b"), new_organization("Theirs"), None).await.unwrap();
    let foreign = new_customer(json!({"email": "a@example.test", "organizationId": other_team.id}));
    assert_eq!(store.create_customer(&team_a(), foreign, None).await.unwrap_err(), StoreError::UnknownOrganization);

    let ours = store.create_organization(&team_a(), new_organization("Ours"), None).await.unwrap();
    let customer = store.create_customer(&team_a(), new_customer(json!({"email": "a@example.test"})), None).await.unwrap();
    let join_foreign = CustomerChange { organization_id: Some(Some(other_team.id.clone())), ..Default::default() };
    let result = store.update_customer(&team_a(), &customer.id, &join_foreign, "u", None).await;
    assert_eq!(result.unwrap_err(), StoreError::UnknownOrganization);
    let join = CustomerChange { organization_id: Some(Some(ours.id.clone())), ..Default::default() };
    store.update_customer(&team_a(), &customer.id, &join, "u", None).await.unwrap();

    let members = store.organization_members(&team_a(), &ours.id, 100).await.unwrap();
    assert_eq!(members.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), vec![customer.id.as_str()]);
}

async fn deleting_organization_frees_customers<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let organization = store.create_organization(&team_a(), new_organization("Gone Inc"), None).await.unwrap();
    let mut ids = Vec::new();
    for n in 0..3 {
        let body = json!({"email": format!("m{n}@example.test"), "organizationId": organization.id});
        ids.push(store.create_customer(&team_a(), new_customer(body), None).await.unwrap().id);
    }
    assert_eq!(store.organization_members(&team_a(), &organization.id, 2).await.unwrap().len(), 2);

    store.delete_organization(&team_a(), &organization.id).await.unwrap();
    for id in &ids {
        let customer = store.customer_details(&team_a(), id).await.unwrap().unwrap().customer;
        assert_eq!(customer.organization_id, None, "{id}");
    }
    let pairs = vec![("organization_id".to_string(), organization.id.clone())];
    let query = shared::model::ListQuery::parse(&pairs, &[]).unwrap();
    assert_eq!(store.list_customers(&team_a(), &query).await.unwrap().total, 0);
}

async fn notes_are_added_listed_and_removed<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let customer = store.create_customer(&team_a(), new_customer(json!({"email": "n@example.test"})), None).await.unwrap();
    let first = Note::from_body(&customer.id, json!({"body": "First call", "author": "Sam"}).as_object().unwrap()).unwrap();
    let second = Note::from_body(&customer.id, json!({"body": "Second\ncall"}).as_object().unwrap()).unwrap();
    store.add_note(&team_a(), &first, None).await.unwrap();
    store.add_note(&team_a(), &second, None).await.unwrap();

    let notes = store.customer_details(&team_a(), &customer.id).await.unwrap().unwrap().notes;
    assert_eq!(notes, vec![second.clone(), first.clone()]);

    store.delete_note(&team_a(), &customer.id, &first.id).await.unwrap();
    assert_eq!(store.delete_note(&team_a(), &customer.id, &first.id).await.unwrap_err(), StoreError::NotFound);
    assert_eq!(store.delete_note(&team("team-b"), &customer.id, &second.id).await.unwrap_err(), StoreError::NotFound);
    let notes = store.customer_details(&team_a(), &customer.id).await.unwrap().unwrap().notes;
    assert_eq!(notes, vec![second.clone()]);

    let orphan = Note::from_body("0190a1b2c3d4e5f60718293a4b5c6d7e", json!({"body": "x"}).as_object().unwrap()).unwrap();
    assert_eq!(store.add_note(&team_a(), &orphan, None).await.unwrap_err(), StoreError::NotFound);
    store.delete_customer(&team_a(), &customer.id).await.unwrap();
    assert_eq!(store.customer_details(&team_a(), &customer.id).await.unwrap(), None);
}

async fn removing_a_field_clears_its_values<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let store = &app.store;
    let body = json!({"key": "attr-source", "name": "Source", "type": "text"});
    let field = FieldDefinition::from_body(body.as_object().unwrap()).unwrap();
    store.put_field(&team_a(), FieldScope::Customer, &field).await.unwrap();
    store.put_field(&team_a(), FieldScope::Organization, &field).await.unwrap();
    let fields = vec![field.clone()];

    let customer_body = json!({"email": "f@example.test", "attr-source": "Web"});
    let change = CustomerChange::from_body(customer_body.as_object().unwrap(), &fields).unwrap();
    let customer = store.create_customer(&team_a(), change.into_new(&fields).unwrap(), None).await.unwrap();
    let organization_body = json!({"name": "Org", "attr-source": "Fair"});
    let new = OrganizationChange::from_body(organization_body.as_object().unwrap(), &fields).unwrap().into_new(&fields).unwrap();
    let organization = store.create_organization(&team_a(), new, None).await.unwrap();

    let key = FieldKey::parse("attr-source").unwrap();
    store.delete_field(&team_a(), FieldScope::Customer, &key).await.unwrap();
    let stored = store.customer_details(&team_a(), &customer.id).await.unwrap().unwrap().customer;
    assert!(stored.attributes.is_empty());
    assert_eq!(store.organization(&team_a(), &organization.id).await.unwrap().unwrap().attributes.len(), 1);
    assert_eq!(store.fields(&team_a(), FieldScope::Organization).await.unwrap().len(), 1);

    store.delete_field(&team_a(), FieldScope::Organization, &key).await.unwrap();
    assert!(store.organization(&team_a(), &organization.id).await.unwrap().unwrap().attributes.is_empty());
    assert!(store.fields(&team_a(), FieldScope::Organization).await.unwrap().is_empty());
}

shared::on_both_stores!(
    organization_lifecycle,
    organization_names_are_searched_and_paged,
    customers_need_an_existing_organization,
    deleting_organization_frees_customers,
    notes_are_added_listed_and_removed,
    removing_a_field_clears_its_values,
);
