//! The committed SDL (`schema/schema.graphql`) is the public contract: it must match the code,
//! and every public type and field must carry a description.

use std::path::PathBuf;

fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schema/schema.graphql")
}

#[test]
fn committed_schema_matches_the_code() {
    let sdl = sharaka_gateway::build_schema().sdl();
    let path = schema_path();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != sdl {
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &sdl).expect("write schema/schema.graphql");
        } else {
            panic!(
                "schema/schema.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test -p sharaka-gateway --test schema`"
            );
        }
    }
}

/// Every type, field and input field we define has a description; only async-graphql's
/// built-ins and introspection types are exempt. Enum values mirror domain codes whose
/// trilingual labels are served by the `…Label(lang)` fields, so they are not checked here.
#[test]
fn every_public_type_and_field_is_described() {
    let schema = sharaka_gateway::build_schema();
    let response = futures_lite_block_on(schema.execute(
        "{ __schema { types { name description kind fields { name description args { name description } } inputFields { name description } enumValues { name description } } } }",
    ));
    let json = serde_json::to_value(&response).expect("json");
    let builtin = ["String", "Int", "Float", "Boolean", "ID"];
    let mut missing = Vec::new();
    for t in json["data"]["__schema"]["types"].as_array().expect("types") {
        let name = t["name"].as_str().unwrap_or_default();
        if name.starts_with("__") || builtin.contains(&name) {
            continue;
        }
        if t["description"].as_str().is_none_or(str::is_empty) {
            missing.push(name.to_owned());
        }
        for list in ["fields", "inputFields"] {
            for f in t[list].as_array().into_iter().flatten() {
                if f["description"].as_str().is_none_or(str::is_empty) {
                    missing.push(format!("{name}.{}", f["name"].as_str().unwrap_or_default()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:?}");
}

fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(future)
}
