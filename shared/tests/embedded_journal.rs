//! The embedded store keeps its records across restarts, and a torn last journal line (a crash
//! mid-write, never acknowledged) does not stop it from opening.

use std::io::Write;

use serde_json::json;
use shared::model::{CustomerChange, Email};
use shared::store::embedded::EmbeddedStore;
use shared::store::Store;
use shared::testing::team;

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("meiosis-{name}-{}", shared::model::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn records_survive_reopen() {
    let dir = temp_dir("journal");
    let team = team("local");
    let body = json!({"email": "kept@example.test", "first": "Kim"});
    let new = CustomerChange::from_body(body.as_object().unwrap(), &[]).unwrap().into_new(&[]).unwrap();

    let id = {
        let store = EmbeddedStore::open(&dir).unwrap();
        let id = store.create_customer(&team, new, None).await.unwrap().id;
        let change = CustomerChange::from_body(json!({"last": "Lee"}).as_object().unwrap(), &[]).unwrap();
        store.update_customer(&team, &id, &change, "Customer updated", None).await.unwrap();
        id
    };

    let reopened = EmbeddedStore::open(&dir).unwrap();
    let details = reopened.customer_details(&team, &id).await.unwrap().unwrap();
    assert_eq!(details.customer.last.as_deref(), Some("Lee"));
    assert_eq!(details.interactions.len(), 2);
    let email = Email::parse("KEPT@example.test").unwrap();
    assert_eq!(reopened.customer_id_by_email(&team, &email).await.unwrap(), Some(id));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn torn_last_line_is_skipped() {
    let dir = temp_dir("torn");
    let team = team("local");
    let new = CustomerChange::from_body(json!({"email": "a@example.test"}).as_object().unwrap(), &[]).unwrap().into_new(&[]).unwrap();
    {
        let store = EmbeddedStore::open(&dir).unwrap();
        store.create_customer(&team, new, None).await.unwrap();
    }
    let journal = dir.join("teams").join("local.jsonl");
    let mut file = std::fs::OpenOptions::new().append(true).open(&journal).unwrap();
    file.write_all(br#"[{"put_customer":{"id":"x","#).unwrap();

    let reopened = EmbeddedStore::open(&dir).unwrap();
    let all = reopened.list_customers(&team, &Default::default()).await.unwrap();
    assert_eq!(all.total, 1);
    std::fs::remove_dir_all(dir).unwrap();
}
