//! Converts `openapi.yaml` at the repository root to JSON in `OUT_DIR`, so `local-api` serves
//! the description without a YAML parser and a YAML error fails the build.

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let source = manifest_dir.join("../openapi.yaml");
    println!("cargo::rerun-if-changed={}", source.display());

    let text = std::fs::read_to_string(&source).unwrap_or_else(|error| panic!("cannot read {}: {error}", source.display()));
    let document: serde_json::Value =
        serde_yaml_ng::from_str(&text).unwrap_or_else(|error| panic!("{} is not valid YAML: {error}", source.display()));

    let target = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("openapi.json");
    let json = serde_json::to_string(&document).expect("a JSON value always serializes");
    std::fs::write(&target, json).unwrap_or_else(|error| panic!("cannot write {}: {error}", target.display()));
}
