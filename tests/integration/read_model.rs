//! scratch
use serde_json::json;
use sharaka_test_support::{Data, TestApp, backend_tests, global_id};

backend_tests!(scratch, Data::Demo, |app: TestApp| async move {
    let q = r#"query($emi: ID!, $fm6: ID!) {
      emi: node(id: $emi) { ... on Organisation { agreements { totalCount nodes { localId } } projects { totalCount nodes { localId } } } }
      fm6: node(id: $fm6) { ... on Organisation { agreements { totalCount nodes { localId } } projects { totalCount nodes { localId } } participations { totalCount nodes { role project { localId } } } } }
      a: organisations(filter: {nameContains: "école"}) { totalCount nodes { localId } }
      b: organisations(filter: {nameContains: "ÉCOLE"}) { totalCount nodes { localId } }
      c: organisations(filter: {nameContains: "mohammadia"}) { totalCount nodes { localId } }
      d: organisations(orderBy: [{field: NAME_FR}]) { nodes { localId } }
      e: organisations { nodes { localId } }
      f: sites(orderBy: [{field: NAME_FR}]) { nodes { localId } }
    }"#;
    let r = app.query(q, json!({"emi": global_id("Organisation","org:emi"), "fm6": global_id("Organisation","org:fm6")})).await;
    println!("{:?} {}", app.backend, serde_json::to_string_pretty(&r).expect("json"));
});
