//! Live updates over `graphql-transport-ws`: events after commit only, status transitions, the
//! dashboard signal, access scope, the transport's guards, slow subscribers, two server
//! processes on one PostgreSQL, and a PostgreSQL restart between two mutations.

use std::time::Duration;

use futures::{SinkExt as _, StreamExt as _};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use sharaka_domain::Role;
use sharaka_gateway::Config;
use sharaka_gateway::auth::AuthConfig;
use sharaka_test_support::{Backend, Data, TestApp, postgres_url, test_config};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a test waits for a message that must come.
const WAIT: Duration = Duration::from_secs(15);

/// Runs `$test(backend)` on SQLite and, when `TEST_DATABASE_URL` is set, on PostgreSQL.
macro_rules! live_tests {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(super::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if super::postgres_url().is_none() {
                        eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL variant did not run");
                        return;
                    }
                    super::$name(super::Backend::Postgres).await;
                }
            }
        )+
    };
}

live_tests!(
    changes_are_published_after_commit_only,
    status_transitions_and_dashboard_signals,
    subscriptions_obey_the_subscribers_scope,
    the_transport_is_guarded,
    a_slow_subscriber_is_closed_and_can_resubscribe,
    shutdown_closes_connections_with_going_away,
    every_role_hears_exactly_what_it_may_read,
);

// ---------------------------------------------------------------------------------------------
// A small graphql-transport-ws client
// ---------------------------------------------------------------------------------------------

/// What the server sent.
#[derive(Debug)]
enum Incoming {
    Json(Value),
    Closed(u16, String),
}

async fn connect_with(base: &str, protocol: Option<&str>) -> Ws {
    let url = format!("{}/graphql", base.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().expect("request");
    if let Some(protocol) = protocol {
        request.headers_mut().insert(
            "sec-websocket-protocol",
            protocol.parse().expect("header value"),
        );
    }
    let (ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("WebSocket connection");
    ws
}

async fn connect(base: &str) -> Ws {
    connect_with(base, Some("graphql-transport-ws")).await
}

async fn send(ws: &mut Ws, message: Value) {
    ws.send(Message::Text(message.to_string().into()))
        .await
        .expect("send");
}

/// The next protocol message or the close frame.
async fn receive(ws: &mut Ws) -> Incoming {
    loop {
        let message = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a message within the wait");
        match message {
            Some(Ok(Message::Text(text))) => {
                return Incoming::Json(serde_json::from_str(text.as_str()).expect("JSON"));
            }
            Some(Ok(Message::Close(frame))) => {
                return match frame {
                    Some(frame) => Incoming::Closed(frame.code.into(), frame.reason.to_string()),
                    None => Incoming::Closed(1005, String::new()),
                };
            }
            Some(Ok(_)) => continue,
            Some(Err(error)) => return Incoming::Closed(1006, error.to_string()),
            None => return Incoming::Closed(1006, "ended".to_owned()),
        }
    }
}

async fn json_message(ws: &mut Ws) -> Value {
    match receive(ws).await {
        Incoming::Json(value) => value,
        Incoming::Closed(code, reason) => panic!("closed {code}: {reason}"),
    }
}

async fn closed(ws: &mut Ws) -> (u16, String) {
    loop {
        match receive(ws).await {
            Incoming::Closed(code, reason) => return (code, reason),
            Incoming::Json(_) => continue,
        }
    }
}

async fn init(ws: &mut Ws, payload: Value) {
    send(ws, json!({ "type": "connection_init", "payload": payload })).await;
    let ack = json_message(ws).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
}

async fn subscribe(ws: &mut Ws, id: &str, query: &str) {
    send(
        ws,
        json!({ "type": "subscribe", "id": id, "payload": { "query": query } }),
    )
    .await;
}

/// The payload of the next `next` message for `id` (other ids' messages are skipped).
async fn next_for(ws: &mut Ws, id: &str) -> Value {
    loop {
        let message = json_message(ws).await;
        if message["id"] == id {
            assert_eq!(message["type"], "next", "{message}");
            return message["payload"].clone();
        }
    }
}

/// Nothing arrives on `ws` within `window`.
async fn silent(ws: &mut Ws, window: Duration) -> bool {
    tokio::time::timeout(window, ws.next()).await.is_err()
}

async fn ws_app(backend: Backend, data: Data, config: Config) -> (TestApp, String) {
    let app = TestApp::with_config(backend, data, config)
        .await
        .expect("test app");
    let base = app.spawn().await.expect("server");
    (app, base)
}

fn fast_live(config: Config) -> Config {
    Config {
        live: sharaka_gateway::live::LiveConfig {
            poll_interval: Duration::from_millis(200),
            ..config.live
        },
        ..config
    }
}

const CHANGES: &str = "subscription { recordChanged(types: [ORGANISATION]) { \
    sequence type id action fromStatus toStatus node { id ... on Organisation { name { fr } } } } }";

const CREATE_ORG: &str = "mutation($name: String!) { \
    createOrganisation(input: { name: { fr: $name }, category: OTHER }) { id version } }";

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

async fn changes_are_published_after_commit_only(backend: Backend) {
    let (app, base) = ws_app(backend, Data::Empty, fast_live(test_config())).await;
    let mut ws = connect(&base).await;
    init(&mut ws, json!({})).await;
    subscribe(&mut ws, "1", CHANGES).await;
    // Let the subscription start before anything is committed.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A request whose second mutation fails is rolled back whole: nothing is published.
    let failed = app
        .query(
            "mutation { a: createOrganisation(input: { name: { fr: \"Rolled back\" }, category: OTHER }) { id } \
             b: createOrganisation(input: { name: { fr: \"\" }, category: OTHER }) { id } }",
            json!({}),
        )
        .await;
    assert!(failed["errors"].is_array(), "{failed}");
    let created = app
        .data(CREATE_ORG, json!({ "name": "Fondation Mohammed VI" }))
        .await["createOrganisation"]
        .clone();

    let event = next_for(&mut ws, "1").await;
    let change = &event["data"]["recordChanged"];
    assert_eq!(change["type"], "ORGANISATION", "{event}");
    assert_eq!(change["action"], "createOrganisation");
    assert_eq!(change["id"], created["id"]);
    assert_eq!(change["node"]["name"]["fr"], "Fondation Mohammed VI");
    assert!(change["fromStatus"].is_null());

    let updated = app
        .data(
            "mutation($id: ID!, $v: Int!) { updateOrganisation(input: { id: $id, expectedVersion: $v, \
             acronym: \"FM6\" }) { id } }",
            json!({ "id": created["id"], "v": created["version"] }),
        )
        .await;
    assert_eq!(updated["updateOrganisation"]["id"], created["id"]);
    let second = next_for(&mut ws, "1").await;
    let change2 = &second["data"]["recordChanged"];
    assert_eq!(change2["action"], "updateOrganisation", "{second}");
    let (first_seq, second_seq): (i64, i64) = (
        change["sequence"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("sequence"),
        change2["sequence"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("sequence"),
    );
    assert!(second_seq > first_seq, "sequences increase");

    // `complete` ends the subscription: further changes are not sent.
    send(&mut ws, json!({ "type": "complete", "id": "1" })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.data(CREATE_ORG, json!({ "name": "Unseen" })).await;
    assert!(silent(&mut ws, Duration::from_millis(800)).await);
}

async fn status_transitions_and_dashboard_signals(backend: Backend) {
    let (app, base) = ws_app(backend, Data::Empty, fast_live(test_config())).await;
    let a =
        app.data(CREATE_ORG, json!({ "name": "DGAPR" })).await["createOrganisation"]["id"].clone();
    let b =
        app.data(CREATE_ORG, json!({ "name": "PRI" })).await["createOrganisation"]["id"].clone();
    let agreement = app
        .data(
            "mutation($input: CreateAgreementInput!) { createAgreement(input: $input) { id version status } }",
            json!({ "input": {
                "title": { "fr": "Convention" },
                "agreementType": "PARTNERSHIP_AGREEMENT",
                "parties": [
                    { "organisationId": a, "role": "SIGNATORY" },
                    { "organisationId": b, "role": "SIGNATORY" }
                ]
            }}),
        )
        .await["createAgreement"]
        .clone();

    let mut ws = connect(&base).await;
    init(&mut ws, json!({})).await;
    subscribe(
        &mut ws,
        "status",
        "subscription { statusChanged(types: [AGREEMENT, PROJECT]) { type id action fromStatus toStatus } }",
    )
    .await;
    subscribe(
        &mut ws,
        "stats",
        "subscription { statsChanged { changedTypes occurredAt } }",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // An organisation's update moves no status: only the dashboard signal sees it.
    app.data(CREATE_ORG, json!({ "name": "Another" })).await;
    let signal = next_for(&mut ws, "stats").await;
    assert_eq!(
        signal["data"]["statsChanged"]["changedTypes"],
        json!(["ORGANISATION"]),
        "{signal}"
    );

    let submitted = app
        .data(
            "mutation($id: ID!, $v: Int!) { submitAgreement(id: $id, expectedVersion: $v) { status } }",
            json!({ "id": agreement["id"], "v": agreement["version"] }),
        )
        .await;
    let transition = next_for(&mut ws, "status").await;
    let change = &transition["data"]["statusChanged"];
    assert_eq!(change["type"], "AGREEMENT", "{transition}");
    assert_eq!(change["id"], agreement["id"]);
    assert_eq!(change["fromStatus"], agreement["status"]);
    assert_eq!(change["toStatus"], submitted["submitAgreement"]["status"]);
    assert_ne!(change["fromStatus"], change["toStatus"]);
    let signal = next_for(&mut ws, "stats").await;
    assert_eq!(
        signal["data"]["statsChanged"]["changedTypes"],
        json!(["AGREEMENT"]),
        "{signal}"
    );
}

// ---------------------------------------------------------------------------------------------
// Access
// ---------------------------------------------------------------------------------------------

const SECRET: &str = "sharaka-live-tests-hs256-secret";

fn token(role: &str) -> String {
    let claims = json!({
        "sub": format!("live.{role}"),
        "role": role,
        "exp": (chrono::Utc::now() + chrono::Duration::hours(1)).timestamp(),
    });
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("a JWT")
}

async fn subscriptions_obey_the_subscribers_scope(backend: Backend) {
    let config = fast_live(Config {
        auth: AuthConfig {
            hs256_secret: Some(SECRET.to_owned().into()),
            anonymous_role: Role::Public,
            ..AuthConfig::default()
        },
        ..test_config()
    });
    let (app, base) = ws_app(backend, Data::Demo, config).await;
    let admin = sharaka_test_support::test_principal();

    // An agreement the public may read (published), and two organisations for a draft.
    let published = app
        .query_as(
            sharaka_domain::Principal::anonymous(Role::Public),
            "{ agreements(first: 1) { nodes { id version } } }",
            json!({}),
        )
        .await["data"]["agreements"]["nodes"][0]
        .clone();
    assert!(
        published["id"].is_string(),
        "the demo has a published agreement"
    );

    let mut public = connect(&base).await;
    init(&mut public, json!({})).await;
    subscribe(
        &mut public,
        "p",
        "subscription { recordChanged(types: [AGREEMENT]) { id action } }",
    )
    .await;
    let mut editor = connect(&base).await;
    init(
        &mut editor,
        json!({ "authorization": format!("Bearer {}", token("EDITOR")) }),
    )
    .await;
    subscribe(
        &mut editor,
        "e",
        "subscription { recordChanged(types: [AGREEMENT]) { id action } }",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A draft under negotiation: the editor hears of it, the public never does.
    let orgs = app
        .query_as(
            admin.clone(),
            "{ organisations(first: 2) { nodes { id } } }",
            json!({}),
        )
        .await["data"]["organisations"]["nodes"]
        .clone();
    let draft = app
        .query_as(
            admin.clone(),
            "mutation($input: CreateAgreementInput!) { createAgreement(input: $input) { id } }",
            json!({ "input": {
                "title": { "fr": "Projet de convention confidentiel" },
                "agreementType": "PARTNERSHIP_AGREEMENT",
                "parties": [
                    { "organisationId": orgs[0]["id"], "role": "SIGNATORY" },
                    { "organisationId": orgs[1]["id"], "role": "SIGNATORY" }
                ]
            }}),
        )
        .await["data"]["createAgreement"]["id"]
        .clone();
    let seen = next_for(&mut editor, "e").await;
    assert_eq!(seen["data"]["recordChanged"]["id"], draft, "{seen}");

    // A change to the published agreement reaches both; for the public it is the first event.
    let changed = app
        .query_as(
            admin,
            "mutation($id: ID!, $v: Int!) { updateAgreement(input: { id: $id, expectedVersion: $v, \
             title: { en: \"Published agreement\" } }) { id } }",
            json!({ "id": published["id"], "v": published["version"] }),
        )
        .await;
    assert!(changed["errors"].is_null(), "{changed}");
    let public_first = next_for(&mut public, "p").await;
    assert_eq!(
        public_first["data"]["recordChanged"]["id"], published["id"],
        "{public_first}"
    );
    let editor_second = next_for(&mut editor, "e").await;
    assert_eq!(
        editor_second["data"]["recordChanged"]["id"],
        published["id"]
    );

    // A bad token in the handshake is refused with the protocol's close code.
    let mut forged = connect(&base).await;
    send(
        &mut forged,
        json!({ "type": "connection_init", "payload": { "authorization": "Bearer not-a-token" } }),
    )
    .await;
    assert_eq!(closed(&mut forged).await.0, 4403);
}

/// The roles of the access matrix, as JWT claims (none for `PUBLIC`) and as principals.
fn roles() -> Vec<(&'static str, Option<Value>, sharaka_domain::Principal)> {
    use sharaka_domain::{OrganisationId, Principal, RegionId};
    let exp = (chrono::Utc::now() + chrono::Duration::hours(1)).timestamp();
    vec![
        (
            "ADMIN",
            Some(json!({ "sub": "m.admin", "role": "ADMIN", "exp": exp })),
            Principal::with_role("m.admin", Role::Admin),
        ),
        (
            "EDITOR",
            Some(json!({ "sub": "m.editor", "role": "EDITOR", "exp": exp })),
            Principal::with_role("m.editor", Role::Editor),
        ),
        (
            "REGIONAL_OFFICER(MA-04)",
            Some(
                json!({ "sub": "m.officer", "role": "REGIONAL_OFFICER", "regions": ["MA-04"], "exp": exp }),
            ),
            Principal {
                regions: vec![RegionId::parse("MA-04").expect("region")],
                ..Principal::with_role("m.officer", Role::RegionalOfficer)
            },
        ),
        (
            "PARTNER(org:emi)",
            Some(
                json!({ "sub": "m.partner", "role": "PARTNER", "organisation": "org:emi", "exp": exp }),
            ),
            Principal {
                organisation: Some(OrganisationId::parse("org:emi").expect("organisation")),
                ..Principal::with_role("m.partner", Role::Partner)
            },
        ),
        (
            "VIEWER",
            Some(json!({ "sub": "m.viewer", "role": "VIEWER", "exp": exp })),
            Principal::with_role("m.viewer", Role::Viewer),
        ),
        (
            "PUBLIC",
            None,
            sharaka_domain::Principal::anonymous(Role::Public),
        ),
    ]
}

/// Every role subscribes to every change; the administration makes changes of several kinds;
/// each role hears of exactly the records that `node(id)` shows it — one enforcement point
/// for queries and subscriptions.
async fn every_role_hears_exactly_what_it_may_read(backend: Backend) {
    use std::collections::BTreeSet;
    let config = fast_live(Config {
        auth: AuthConfig {
            hs256_secret: Some(SECRET.to_owned().into()),
            anonymous_role: Role::Public,
            ..AuthConfig::default()
        },
        ..test_config()
    });
    let (app, base) = ws_app(backend, Data::Demo, config).await;
    let admin = sharaka_test_support::test_principal();
    let mut connections = Vec::new();
    for (name, claims, principal) in roles() {
        let mut ws = connect(&base).await;
        let payload = match claims {
            Some(claims) => json!({ "authorization": format!("Bearer {}", encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(SECRET.as_bytes()),
            ).expect("a JWT")) }),
            None => json!({}),
        };
        init(&mut ws, payload).await;
        subscribe(&mut ws, "all", "subscription { recordChanged { id } }").await;
        connections.push((name, principal, ws));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Changes: a draft agreement with EMI, a published agreement, an organisation, a project.
    let emi = sharaka_test_support::global_id("Organisation", "org:emi");
    let dgapr = sharaka_test_support::global_id("Organisation", "org:dgapr");
    let mut changed = Vec::new();
    let draft = app
        .query_as(
            admin.clone(),
            "mutation($input: CreateAgreementInput!) { createAgreement(input: $input) { id } }",
            json!({ "input": {
                "title": { "fr": "Avenant en négociation" },
                "agreementType": "PARTNERSHIP_AGREEMENT",
                "parties": [
                    { "organisationId": dgapr, "role": "SIGNATORY" },
                    { "organisationId": emi, "role": "SIGNATORY" }
                ]
            }}),
        )
        .await;
    changed.push(draft["data"]["createAgreement"]["id"].clone());
    let published = app
        .query_as(
            sharaka_domain::Principal::anonymous(Role::Public),
            "{ agreements(first: 1) { nodes { id version } } }",
            json!({}),
        )
        .await["data"]["agreements"]["nodes"][0]
        .clone();
    let updated = app
        .query_as(
            admin.clone(),
            "mutation($id: ID!, $v: Int!) { updateAgreement(input: { id: $id, expectedVersion: $v, \
             title: { en: \"Published agreement\" } }) { id } }",
            json!({ "id": published["id"], "v": published["version"] }),
        )
        .await;
    changed.push(updated["data"]["updateAgreement"]["id"].clone());
    let org = app
        .query_as(
            admin.clone(),
            CREATE_ORG,
            json!({ "name": "Association régionale" }),
        )
        .await;
    changed.push(org["data"]["createOrganisation"]["id"].clone());
    let project = app
        .query_as(
            admin.clone(),
            "{ projects(first: 1) { nodes { id version } } }",
            json!({}),
        )
        .await["data"]["projects"]["nodes"][0]
        .clone();
    let touched = app
        .query_as(
            admin.clone(),
            "mutation($id: ID!, $v: Int!) { updateProject(input: { id: $id, expectedVersion: $v, \
             title: { en: \"Renamed project\" } }) { id } }",
            json!({ "id": project["id"], "v": project["version"] }),
        )
        .await;
    changed.push(touched["data"]["updateProject"]["id"].clone());
    assert!(changed.iter().all(Value::is_string), "{changed:?}");

    let mut cases = 0;
    for (name, principal, mut ws) in connections {
        let mut expected = BTreeSet::new();
        for id in &changed {
            let seen = app
                .query_as(
                    principal.clone(),
                    "query($id: ID!) { node(id: $id) { id } }",
                    json!({ "id": id }),
                )
                .await;
            if seen["data"]["node"]["id"] == *id {
                expected.insert(id.as_str().unwrap_or_default().to_owned());
            }
        }
        let mut heard = BTreeSet::new();
        // Read until the feed has been quiet for a while (polling is every 200 ms).
        while let Ok(Some(Ok(Message::Text(text)))) =
            tokio::time::timeout(Duration::from_millis(1_500), ws.next()).await
        {
            let message: Value = serde_json::from_str(text.as_str()).expect("JSON");
            if let Some(id) = message["payload"]["data"]["recordChanged"]["id"].as_str() {
                heard.insert(id.to_owned());
            }
        }
        assert_eq!(
            heard, expected,
            "{name} heard what node(id) does not show it, or missed some"
        );
        if name == "ADMIN" {
            assert_eq!(
                heard.len(),
                changed.len(),
                "the administration hears everything"
            );
        }
        if name == "PUBLIC" {
            assert!(
                heard.len() < changed.len(),
                "the public does not hear of the draft"
            );
            assert!(
                !heard.is_empty(),
                "the public hears of the published agreement"
            );
        }
        cases += changed.len();
    }
    println!("subscription scope: {cases} role × change cases checked");
}

// ---------------------------------------------------------------------------------------------
// The transport's guards
// ---------------------------------------------------------------------------------------------

async fn the_transport_is_guarded(backend: Backend) {
    let config = Config {
        websocket: sharaka_gateway::ws::WsConfig {
            init_timeout: Duration::from_millis(300),
            max_subscriptions: 2,
            max_message_bytes: 4_096,
        },
        ..fast_live(test_config())
    };
    let (app, base) = ws_app(backend, Data::Empty, config).await;

    // connection_init must come in time.
    let mut ws = connect(&base).await;
    let (code, reason) = closed(&mut ws).await;
    assert_eq!(
        (code, reason.as_str()),
        (4408, "Connection initialisation timeout")
    );

    // The subprotocol is required.
    let mut ws = connect_with(&base, None).await;
    assert_eq!(closed(&mut ws).await.0, 4406);

    // No subscription before the acknowledgement.
    let mut ws = connect(&base).await;
    subscribe(&mut ws, "1", CHANGES).await;
    assert_eq!(closed(&mut ws).await.0, 4401);

    // One initialisation only.
    let mut ws = connect(&base).await;
    init(&mut ws, json!({})).await;
    send(&mut ws, json!({ "type": "connection_init" })).await;
    assert_eq!(closed(&mut ws).await.0, 4429);

    // Invalid messages close with 4400.
    let mut ws = connect(&base).await;
    init(&mut ws, json!({})).await;
    ws.send(Message::Text("{not json".into()))
        .await
        .expect("send");
    assert_eq!(closed(&mut ws).await.0, 4400);
    let mut ws = connect(&base).await;
    init(&mut ws, json!({})).await;
    send(&mut ws, json!({ "type": "launch_missiles" })).await;
    assert_eq!(closed(&mut ws).await.0, 4400);

    // Messages over the size limit are refused by the WebSocket layer (1009).
    let mut ws = connect(&base).await;
    init(&mut ws, json!({})).await;
    send(
        &mut ws,
        json!({ "type": "ping", "payload": { "pad": "x".repeat(10_000) } }),
    )
    .await;
    let (code, reason) = closed(&mut ws).await;
    assert_eq!(code, 1009, "{reason}");

    // On a healthy connection: ping/pong, queries and mutations answer once then complete,
    // duplicate ids and the subscription cap are enforced, document limits apply.
    let mut ws = connect(&base).await;
    init(&mut ws, json!({})).await;
    send(&mut ws, json!({ "type": "ping", "payload": { "n": 1 } })).await;
    let pong = json_message(&mut ws).await;
    assert_eq!(pong, json!({ "type": "pong", "payload": { "n": 1 } }));

    send(
        &mut ws,
        json!({ "type": "subscribe", "id": "m", "payload": {
            "query": CREATE_ORG, "variables": { "name": "Over WebSocket" } } }),
    )
    .await;
    let created = next_for(&mut ws, "m").await;
    assert!(
        created["data"]["createOrganisation"]["id"].is_string(),
        "{created}"
    );
    assert_eq!(
        json_message(&mut ws).await,
        json!({ "type": "complete", "id": "m" })
    );
    let count = app
        .data("{ organisations { totalCount } }", json!({}))
        .await["organisations"]["totalCount"]
        .clone();
    assert_eq!(count, 1, "the mutation over WebSocket was committed");

    let bomb = format!(
        "subscription {{ ...F0 }} {}",
        (0..40)
            .map(|i| format!(
                "fragment F{i} on Subscription {{ ...F{} ...F{} }}",
                i + 1,
                i + 1
            ))
            .collect::<String>()
            + "fragment F40 on Subscription { statsChanged { occurredAt } }"
    );
    subscribe(&mut ws, "bomb", &bomb).await;
    let refused = json_message(&mut ws).await;
    assert_eq!(refused["id"], "bomb", "{refused}");
    assert_eq!(refused["type"], "error", "{refused}");
    assert!(
        refused["payload"][0]["extensions"]["code"].is_string(),
        "{refused}"
    );

    subscribe(&mut ws, "a", CHANGES).await;
    subscribe(&mut ws, "b", CHANGES).await;
    subscribe(&mut ws, "c", CHANGES).await;
    let capped = json_message(&mut ws).await;
    assert_eq!(capped["id"], "c", "{capped}");
    assert_eq!(capped["type"], "error");
    assert_eq!(
        capped["payload"][0]["extensions"]["code"],
        "TOO_MANY_SUBSCRIPTIONS"
    );
    subscribe(&mut ws, "a", CHANGES).await;
    assert_eq!(closed(&mut ws).await.0, 4409);
}

async fn a_slow_subscriber_is_closed_and_can_resubscribe(backend: Backend) {
    let config = Config {
        live: sharaka_gateway::live::LiveConfig {
            poll_interval: Duration::from_millis(200),
            buffer: 2,
            ..sharaka_gateway::live::LiveConfig::default()
        },
        ..test_config()
    };
    let (app, base) = ws_app(backend, Data::Empty, config).await;
    let mut ws = connect(&base).await;
    init(&mut ws, json!({})).await;
    subscribe(&mut ws, "1", CHANGES).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Twelve changes committed at once overflow a two-event buffer: the subscriber, busy
    // checking the first against its scope, falls behind.
    let many = (0..12)
        .map(|i| format!("o{i}: createOrganisation(input: {{ name: {{ fr: \"Org {i}\" }}, category: OTHER }}) {{ id }}"))
        .collect::<Vec<_>>()
        .join(" ");
    let started = std::time::Instant::now();
    let response = app
        .query(&format!("mutation {{ {many} }}"), json!({}))
        .await;
    assert!(response["errors"].is_null(), "{response}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the writer was not slowed"
    );

    let mut too_slow = false;
    loop {
        let message = json_message(&mut ws).await;
        let code = message["payload"]["errors"][0]["extensions"]["code"]
            .as_str()
            .or_else(|| message["payload"][0]["extensions"]["code"].as_str());
        if code == Some("SUBSCRIBER_TOO_SLOW") {
            too_slow = true;
        }
        if message["type"] == "complete" || message["type"] == "error" {
            break;
        }
    }
    assert!(too_slow, "the slow subscription was told why it ended");

    // The connection survives; a new subscription gets the next change.
    subscribe(&mut ws, "2", CHANGES).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.data(CREATE_ORG, json!({ "name": "After" })).await;
    let event = next_for(&mut ws, "2").await;
    assert_eq!(
        event["data"]["recordChanged"]["node"]["name"]["fr"],
        "After"
    );
}

async fn shutdown_closes_connections_with_going_away(backend: Backend) {
    let app = TestApp::with_config(backend, Data::Empty, fast_live(test_config()))
        .await
        .expect("test app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listener");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.app.clone().serve(listener, async move {
        let _ = stopped.await;
    }));
    let mut ws = connect(&base).await;
    init(&mut ws, json!({})).await;
    subscribe(&mut ws, "1", CHANGES).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = stop.send(());
    let (code, reason) = closed(&mut ws).await;
    assert_eq!(code, 1001, "{reason}");
    let finished = tokio::time::timeout(Duration::from_secs(15), server).await;
    assert!(
        finished.is_ok(),
        "the server stopped after closing its WebSockets"
    );
}

// ---------------------------------------------------------------------------------------------
// Several processes, and a database restart
// ---------------------------------------------------------------------------------------------

/// The `sharaka` binary next to this test binary (`cargo test --workspace` builds it); built
/// on demand when a narrower `cargo test` did not.
fn sharaka_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target directory");
    let binary = profile_dir.join("sharaka");
    if !binary.exists() {
        let status = std::process::Command::new(env!("CARGO"))
            .args(["build", "-p", "sharaka-gateway", "--bin", "sharaka"])
            .status()
            .expect("cargo build");
        assert!(status.success(), "building the sharaka binary failed");
    }
    binary
}

/// A `sharaka serve` process, killed when dropped.
struct Server {
    child: std::process::Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start_server(database_url: &str) -> Server {
    let port = free_port();
    let child = std::process::Command::new(sharaka_binary())
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("SHARAKA_LISTEN", format!("127.0.0.1:{port}"))
        .env("SHARAKA_ANONYMOUS_ROLE", "ADMIN")
        .env("SHARAKA_SEED_DEMO", "false")
        .env("SHARAKA_SCHEDULER_INTERVAL_SECS", "0")
        // Polling alone would take a minute: an event that arrives sooner came by NOTIFY.
        .env("SHARAKA_LIVE_POLL_MS", "60000")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start sharaka");
    Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await
            && response.status() == 200
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{base} did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn post(client: &reqwest::Client, base: &str, query: &str, variables: Value) -> Value {
    client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_reaches_subscribers_of_another_process() {
    if postgres_url().is_none() {
        eprintln!("TEST_DATABASE_URL is not set: the two-process test did not run");
        return;
    }
    let db = sharaka_test_support::TestDb::new(Backend::Postgres)
        .await
        .expect("a database");
    // Both start together on an empty database: the migrations run once (advisory lock).
    let first = start_server(&db.url);
    let second = start_server(&db.url);
    let client = reqwest::Client::new();
    wait_ready(&client, &first.base).await;
    wait_ready(&client, &second.base).await;

    let mut ws = connect(&first.base).await;
    init(&mut ws, json!({})).await;
    subscribe(&mut ws, "1", CHANGES).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let created = post(
        &client,
        &second.base,
        CREATE_ORG,
        json!({ "name": "Créée par le second processus" }),
    )
    .await;
    let id = created["data"]["createOrganisation"]["id"].clone();
    assert!(id.is_string(), "{created}");
    let started = std::time::Instant::now();
    let event = next_for(&mut ws, "1").await;
    assert_eq!(event["data"]["recordChanged"]["id"], id, "{event}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "delivered by NOTIFY, not by the minute-long poll"
    );
    drop((first, second));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_survive_a_postgres_restart_between_two_mutations() {
    let Some(pg) = super::resilience::instance() else {
        eprintln!(
            "PostgreSQL server binaries or the postgres user are missing: the restart test did not run"
        );
        return;
    };
    let config = || Config {
        database_url: pg.url(),
        db_acquire_timeout_ms: 1_000,
        seed_demo: false,
        ..fast_live(test_config())
    };
    // Two applications with their own pools and hubs: a subscriber's and a writer's.
    let subscriber = sharaka_gateway::App::build(config(), None)
        .await
        .expect("subscriber app");
    let writer = sharaka_gateway::App::build(config(), None)
        .await
        .expect("writer app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listener");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(subscriber.clone().serve(listener, std::future::pending()));

    let mut ws = connect(&base).await;
    init(&mut ws, json!({})).await;
    subscribe(&mut ws, "1", CHANGES).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let write = |name: &'static str| {
        let writer = writer.clone();
        async move {
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            loop {
                let response =
                    writer
                        .execute(async_graphql::Request::new(CREATE_ORG).variables(
                            async_graphql::Variables::from_json(json!({ "name": name })),
                        ))
                        .await;
                if response.errors.is_empty() {
                    return;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "the writer did not recover: {:?}",
                    response.errors
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    write("avant le redémarrage").await;
    let before = next_for(&mut ws, "1").await;
    assert_eq!(
        before["data"]["recordChanged"]["node"]["name"]["fr"],
        "avant le redémarrage"
    );

    assert!(pg.stop(), "stop PostgreSQL");
    assert!(pg.start(), "restart PostgreSQL");
    write("après le redémarrage").await;
    let after = next_for(&mut ws, "1").await;
    assert_eq!(
        after["data"]["recordChanged"]["node"]["name"]["fr"], "après le redémarrage",
        "{after}"
    );
}
