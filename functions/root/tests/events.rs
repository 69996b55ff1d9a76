//! The root handler, driven by the API Gateway event in `events/`.

use shared::store::{AvatarStore, Store};
use shared::testing::{event, read, request};
use shared::App;

async fn root_describes_the_api<S: Store, A: AvatarStore>(app: &App<S, A>) {
    let (status, body) = read(root::handle(app, request(&event("root.json"))).await);
    assert_eq!(status, 200);
    assert_eq!(body["name"], "Meiosis customer API");
    assert!(body["version"].is_string());
}

shared::on_both_stores!(root_describes_the_api);
