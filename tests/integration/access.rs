//! Access control (issue 4, "Identities" and "Roles and scopes").
//!
//! 1. A table-driven matrix: every role (ADMIN, EDITOR, REGIONAL_OFFICER in MA-04, PARTNER for
//!    EMI, VIEWER, PUBLIC) × every root field, `node` of every kind, relations, and every kind of
//!    mutation, each with its expected outcome (a count, visible, `NOT_FOUND`, `FORBIDDEN`,
//!    done). It runs on one demo database per backend, prints how many cases it checked and
//!    fails listing every mismatch. Each mutation case acts on a record created for it by an
//!    administrator, and checks through the audit trail that a refused change wrote nothing and
//!    an allowed one was recorded.
//! 2. Identities over real HTTP: no credentials is `PUBLIC`; an HS256 JWT and an API token act
//!    with their role and are the audit trail's actor; an expired, forged, `alg: none`,
//!    malformed, revoked or unknown credential is `401 UNAUTHENTICATED` with `WWW-Authenticate`,
//!    never a silent fall-back to `PUBLIC`.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, WWW_AUTHENTICATE};
use serde_json::{Value, json};
use sharaka_domain::{OrganisationId, Principal, RegionId, Role};
use sharaka_gateway::Config;
use sharaka_gateway::auth::{AuthConfig, issue_token};
use sharaka_test_support::{
    Backend, Data, TestApp, backend_tests, error_codes, global_id, postgres_url, test_config,
};

// ---------------------------------------------------------------------------------------------
// Who asks
// ---------------------------------------------------------------------------------------------

/// The roles of the matrix, in the order of each row's expectations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Admin,
    Editor,
    /// A regional officer for Rabat-Salé-Kénitra (MA-04).
    Officer,
    /// A partner for EMI (`org:emi`).
    Partner,
    Viewer,
    Public,
}

const WHO: [Who; 6] = [
    Who::Admin,
    Who::Editor,
    Who::Officer,
    Who::Partner,
    Who::Viewer,
    Who::Public,
];

impl Who {
    fn principal(self) -> Principal {
        match self {
            Who::Admin => Principal::with_role("matrix.admin", Role::Admin),
            Who::Editor => Principal::with_role("matrix.editor", Role::Editor),
            Who::Officer => Principal {
                regions: vec![RegionId::parse("MA-04").expect("region")],
                ..Principal::with_role("matrix.officer", Role::RegionalOfficer)
            },
            Who::Partner => Principal {
                organisation: Some(OrganisationId::parse("org:emi").expect("organisation")),
                ..Principal::with_role("matrix.partner", Role::Partner)
            },
            Who::Viewer => Principal::with_role("matrix.viewer", Role::Viewer),
            Who::Public => Principal::anonymous(Role::Public),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Who::Admin => "ADMIN",
            Who::Editor => "EDITOR",
            Who::Officer => "REGIONAL_OFFICER(MA-04)",
            Who::Partner => "PARTNER(org:emi)",
            Who::Viewer => "VIEWER",
            Who::Public => "PUBLIC",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What is expected
// ---------------------------------------------------------------------------------------------

/// The outcome of one case, expected or observed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// A read's `totalCount`.
    Count(i64),
    /// A record is there.
    Visible,
    /// The record does not exist for this principal: `node` is null, a mutation is `NOT_FOUND`.
    NotFound,
    /// A mutation refused with `FORBIDDEN`.
    Forbidden,
    /// A mutation that succeeded (and wrote to the audit trail).
    Done,
    /// Anything else (observed only).
    Other(String),
}

use Outcome::{Done as Y, Forbidden as F, NotFound as N, Visible as V};

fn c(n: i64) -> Outcome {
    Outcome::Count(n)
}

/// `[c(n); 6]` without `Clone` noise.
fn all(outcome: Outcome) -> [Outcome; 6] {
    std::array::from_fn(|_| outcome.clone())
}

// ---------------------------------------------------------------------------------------------
// Operations. Templates name records as `<Kind:local-id>` (a record of the demo data) or `<NAME>`
// (a record the setup created); each is replaced by the record's global ID as a string literal.
// ---------------------------------------------------------------------------------------------

/// A record a mutation case acts on, created for each role's case by an administrator.
#[derive(Debug, Clone)]
enum Fixture {
    /// None (a create).
    Nothing,
    /// A record of the demo data, at its current version.
    Existing(&'static str),
    /// A new record: `mutation { f: CALL SELECTION }`, its ID at `path`; archived first if asked.
    Make {
        call: String,
        selection: &'static str,
        path: &'static [&'static str],
        archived: bool,
    },
}

impl Fixture {
    fn make(call: String) -> Self {
        Fixture::Make {
            call,
            selection: "{ id }",
            path: &["f", "id"],
            archived: false,
        }
    }

    fn archived(self) -> Self {
        match self {
            Fixture::Make {
                call,
                selection,
                path,
                ..
            } => Fixture::Make {
                call,
                selection,
                path,
                archived: true,
            },
            other => other,
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// A query; the outcome is read at `path` (a number is a count, null is `NOT_FOUND`).
    Read { query: String, path: Vec<String> },
    /// A mutation on a fixture (variables `$id` and `$v`, its version); its root field is `r`.
    Write { fixture: Fixture, query: String },
}

#[derive(Debug, Clone)]
struct Row {
    label: String,
    op: Op,
    /// ADMIN, EDITOR, REGIONAL_OFFICER, PARTNER, VIEWER, PUBLIC.
    expect: [Outcome; 6],
}

fn row(label: impl Into<String>, op: Op, expect: [Outcome; 6]) -> Row {
    Row {
        label: label.into(),
        op,
        expect,
    }
}

/// A root list's `totalCount`.
fn list(field: &str) -> Op {
    Op::Read {
        query: format!("{{ {field}(first: 1) {{ totalCount }} }}"),
        path: vec![field.to_owned(), "totalCount".to_owned()],
    }
}

/// `node(id)`.
fn node(record: &str) -> Op {
    Op::Read {
        query: format!("{{ node(id: <{record}>) {{ id }} }}"),
        path: vec!["node".to_owned(), "id".to_owned()],
    }
}

/// A relation's `totalCount` from `node(id)`: `selection` is `field(first: …) { totalCount … }`.
fn rel(record: &str, selection: &str) -> Op {
    let kind = record.split(':').next().unwrap_or(record);
    let kind = match kind {
        "S1" | "S2" => "TrainingSession",
        "V1" | "V2" => "ExchangeVisit",
        "O1" => "Organisation",
        "A5" => "Agreement",
        "P1" => "Project",
        "C1" | "C2" => "Contribution",
        "K5" => "Commitment",
        other => other,
    };
    Op::Read {
        query: format!("{{ node(id: <{record}>) {{ ... on {kind} {{ r: {selection} }} }} }}"),
        path: vec!["node".to_owned(), "r".to_owned(), "totalCount".to_owned()],
    }
}

/// A mutation whose root field is aliased `r`, on `fixture`.
fn write(fixture: Fixture, query: impl Into<String>) -> Op {
    Op::Write {
        fixture,
        query: query.into(),
    }
}

/// A create: `mutation { r: CALL { id } }`.
fn create(call: String) -> Op {
    write(
        Fixture::Nothing,
        format!("mutation {{ r: {call} {{ id }} }}"),
    )
}

/// `mutation($id, $v) { r: FIELD(id: $id, expectedVersion: $v ARGS) { id } }`.
fn step(fixture: Fixture, field: &str, args: &str) -> Op {
    write(
        fixture,
        format!(
            "mutation($id: ID!, $v: Int!) {{ r: {field}(id: $id, expectedVersion: $v{args}) {{ id }} }}"
        ),
    )
}

/// `mutation($id, $v) { r: FIELD(input: { id: $id, expectedVersion: $v, CHANGES }) { id } }`.
fn update(fixture: Fixture, field: &str, changes: &str) -> Op {
    write(
        fixture,
        format!(
            "mutation($id: ID!, $v: Int!) {{ r: {field}(input: {{ id: $id, expectedVersion: $v, {changes} }}) {{ id }} }}"
        ),
    )
}

fn archive(fixture: Fixture) -> Op {
    step(fixture, "archiveRecord", ", reason: \"matrice\"")
}

fn restore(fixture: Fixture) -> Op {
    step(fixture, "restoreRecord", "")
}

/// Hard deletion (of a record nothing refers to).
fn delete(fixture: Fixture) -> Op {
    write(
        fixture,
        "mutation($id: ID!) { r: deleteRecord(id: $id, reason: \"matrice\") }",
    )
}

fn org(local: &str) -> String {
    format!("<Organisation:{local}>")
}

fn refs(kind: &str, locals: &[&str]) -> String {
    locals
        .iter()
        .map(|l| format!("<{kind}:{l}>"))
        .collect::<Vec<_>>()
        .join(", ")
}

// The calls that create each kind of record (without their selection).

fn new_org() -> String {
    "createOrganisation(input: { name: { fr: \"Organisation de la matrice\" }, category: OTHER })"
        .to_owned()
}

fn new_site(region: Option<&str>) -> String {
    let region = region
        .map(|r| format!(", regionCode: \"{r}\""))
        .unwrap_or_default();
    format!(
        "createSite(input: {{ siteType: LOCAL_PRISON, name: {{ fr: \"Site de la matrice\" }}{region} }})"
    )
}

fn new_partnership(partner: &str) -> String {
    format!(
        "createPartnership(input: {{ partnerId: {}, scope: NATIONAL, modality: DIRECT_NATIONAL }})",
        org(partner)
    )
}

/// An agreement (a draft) signed by `a` and `b`, with one commitment owed by `owed` if given.
fn new_agreement(a: &str, b: &str, owed: Option<&str>) -> String {
    let commitments = owed
        .map(|o| {
            format!(
                ", commitments: [{{ partyOrganisationId: {}, kind: TRAINING_DELIVERY, description: {{ fr: \"Former des agents\" }} }}]",
                org(o)
            )
        })
        .unwrap_or_default();
    format!(
        "createAgreement(input: {{ title: {{ fr: \"Convention de la matrice\" }}, agreementType: PARTNERSHIP_AGREEMENT, \
         parties: [{{ organisationId: {}, role: SIGNATORY }}, {{ organisationId: {}, role: SIGNATORY }}]{commitments} }})",
        org(a),
        org(b)
    )
}

fn new_project(regions: &[&str], sites: &[&str], participants: &[&str]) -> String {
    let regions = regions
        .iter()
        .map(|r| format!("\"{r}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let participants = participants
        .iter()
        .map(|p| format!("{{ organisationId: {}, role: IMPLEMENTING }}", org(p)))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "createProject(input: {{ title: {{ fr: \"Projet de la matrice\" }}, regionCodes: [{regions}], \
         siteIds: [{}], participants: [{participants}] }})",
        refs("Site", sites)
    )
}

fn new_contribution(by: &str, agreement: &str) -> String {
    format!(
        "createContribution(input: {{ contributorId: {}, agreementId: <Agreement:{agreement}>, contributionType: EXPERTISE }})",
        org(by)
    )
}

fn new_session(venue: Option<&str>, organiser: &str, providers: &[&str]) -> String {
    let venue = venue
        .map(|s| format!(", venueSiteId: <Site:{s}>"))
        .unwrap_or_default();
    format!(
        "createTrainingSession(input: {{ title: {{ fr: \"Session de la matrice\" }}, audience: STAFF, \
         organiserId: {}, providerIds: [{}]{venue} }})",
        org(organiser),
        refs("Organisation", providers)
    )
}

fn new_visit(sites: &[&str], host: &str, visitor: &str) -> String {
    format!(
        "createExchangeVisit(input: {{ title: {{ fr: \"Visite de la matrice\" }}, direction: INBOUND, \
         visitType: STUDY_VISIT, hostId: {}, visitorId: {}, countryCode: \"MA\", siteIds: [{}] }})",
        org(host),
        org(visitor),
        refs("Site", sites)
    )
}

/// A party of a new agreement between `a` and `b` (either: both belong to it).
fn party_of(a: &str, b: &str) -> Fixture {
    Fixture::Make {
        call: new_agreement(a, b, None),
        selection: "{ parties { nodes { id } } }",
        path: &["f", "parties", "nodes", "0", "id"],
        archived: false,
    }
}

/// The one commitment, owed by `owed`, of a new agreement between `a` and `b`.
fn commitment_of(a: &str, b: &str, owed: &str) -> Fixture {
    Fixture::Make {
        call: new_agreement(a, b, Some(owed)),
        selection: "{ commitments { nodes { id } } }",
        path: &["f", "commitments", "nodes", "0", "id"],
        archived: false,
    }
}

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

/// Records the setup creates (as an administrator) on top of the demo data, by name:
/// - `O1`: an organisation (its history holds one audit event);
/// - `A5`: a draft agreement between DGAPR and FM6, with `K5`, a commitment owed by FM6;
/// - `P1`: a project located in MA-04 only, without participants or agreements;
/// - `S1`: a session at Rommani (MA-04) organised by DGAPR and provided by EMI, for the
///   groundwater project; `S2`: the same at El Adir (MA-06), provided by FM6;
/// - `V1`: a visit of EMI to DGAPR at Outita 1 (MA-04); `V2`: a visit of FM6 to El Adir (MA-06);
/// - `C1`: EMI's contribution to the groundwater agreement; `C2`: FM6's to the same agreement.
async fn setup(app: &TestApp) -> HashMap<String, String> {
    let mut named = HashMap::new();
    let mut make = async |name: &str, call: String| {
        let query = fill(&format!("mutation {{ f: {call} {{ id }} }}"), &named);
        let data = app.data(&query, json!({})).await;
        let id = data["f"]["id"].as_str().expect("id").to_owned();
        named.insert(name.to_owned(), id);
    };
    make("O1", new_org()).await;
    make("P1", new_project(&["MA-04"], &[], &[])).await;
    make(
        "S1",
        new_session(Some("site:rommani"), "org:dgapr", &["org:emi"]).replace(
            "audience: STAFF",
            "audience: STAFF, projectId: <Project:prj:groundwater>",
        ),
    )
    .await;
    make(
        "S2",
        new_session(Some("site:el-adir"), "org:dgapr", &["org:fm6"]).replace(
            "audience: STAFF",
            "audience: STAFF, projectId: <Project:prj:groundwater>",
        ),
    )
    .await;
    make("V1", new_visit(&["site:outita-1"], "org:dgapr", "org:emi")).await;
    make("V2", new_visit(&["site:el-adir"], "org:dgapr", "org:fm6")).await;
    make("C1", new_contribution("org:emi", "agr:emi-groundwater")).await;
    make("C2", new_contribution("org:fm6", "agr:emi-groundwater")).await;
    let query = fill(
        &format!(
            "mutation {{ f: {} {{ id commitments {{ nodes {{ id }} }} }} }}",
            new_agreement("org:dgapr", "org:fm6", Some("org:fm6"))
        ),
        &named,
    );
    let data = app.data(&query, json!({})).await;
    let text = |v: &Value| v.as_str().expect("id").to_owned();
    named.insert("A5".to_owned(), text(&data["f"]["id"]));
    named.insert(
        "K5".to_owned(),
        text(&data["f"]["commitments"]["nodes"][0]["id"]),
    );
    named
}

/// Every case, by row. `audit` is the number of audit events after the setup.
fn rows(audit: i64) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut add = |label: &str, op: Op, expect: [Outcome; 6]| rows.push(row(label, op, expect));

    // --- Root fields: how many records each role sees. ---------------------------------------
    add("organisations", list("organisations"), all(c(11)));
    add("regions", list("regions"), all(c(12)));
    add("sites", list("sites"), all(c(21)));
    add(
        "partnerships",
        list("partnerships"),
        [c(7), c(7), c(7), c(1), c(7), c(7)],
    );
    add(
        "agreements (ACTIVE ×2, DRAFT ×2, AGREED_PENDING_SIGNATURE)",
        list("agreements"),
        [c(5), c(5), c(5), c(1), c(5), c(2)],
    );
    add(
        "projects",
        list("projects"),
        [c(9), c(9), c(9), c(1), c(9), c(5)],
    );
    add(
        "trainingSessions",
        list("trainingSessions"),
        [c(5), c(5), c(5), c(1), c(5), c(0)],
    );
    add(
        "exchangeVisits",
        list("exchangeVisits"),
        [c(4), c(4), c(4), c(1), c(4), c(0)],
    );
    add(
        "auditEvents",
        list("auditEvents"),
        [c(audit), c(audit), c(0), c(0), c(0), c(0)],
    );
    add(
        "nodes([S1, trn:be-1, C1, C2, V1, vis:us-to-ma]) non-null",
        Op::Read {
            query: "{ nodes(ids: [<S1>, <TrainingSession:trn:be-1>, <C1>, <C2>, <V1>, <ExchangeVisit:vis:us-to-ma>]) { id } }"
                .to_owned(),
            path: vec!["nodes".to_owned()],
        },
        [c(6), c(6), c(6), c(3), c(6), c(0)],
    );

    // --- node(id) of every kind. ---------------------------------------------------------------
    add(
        "node Organisation org:fm6",
        node("Organisation:org:fm6"),
        all(V),
    );
    add("node Organisation O1", node("O1"), all(V));
    add("node Region MA-04", node("Region:MA-04"), all(V));
    add("node Site site:rommani", node("Site:site:rommani"), all(V));
    add(
        "node Partnership ps:emi",
        node("Partnership:ps:emi"),
        all(V),
    );
    add(
        "node Partnership ps:fm6",
        node("Partnership:ps:fm6"),
        [V, V, V, N, V, V],
    );
    add(
        "node Agreement agr:emi-groundwater (ACTIVE, EMI a party)",
        node("Agreement:agr:emi-groundwater"),
        all(V),
    );
    add(
        "node Agreement agr:fm6-generic (ACTIVE)",
        node("Agreement:agr:fm6-generic"),
        [V, V, V, N, V, V],
    );
    add(
        "node Agreement agr:bf-protocol (DRAFT)",
        node("Agreement:agr:bf-protocol"),
        [V, V, V, N, V, N],
    );
    add(
        "node Agreement agr:fr-dap (AGREED_PENDING_SIGNATURE)",
        node("Agreement:agr:fr-dap"),
        [V, V, V, N, V, N],
    );
    add(
        "node AgreementParty pty:emi-groundwater:emi",
        node("AgreementParty:pty:emi-groundwater:emi"),
        all(V),
    );
    add(
        "node AgreementParty pty:fm6-generic:fm6",
        node("AgreementParty:pty:fm6-generic:fm6"),
        [V, V, V, N, V, V],
    );
    add(
        "node AgreementParty pty:fr-dap:fr-dap",
        node("AgreementParty:pty:fr-dap:fr-dap"),
        [V, V, V, N, V, N],
    );
    add(
        "node Commitment cmt:emi-groundwater:1 (owed by EMI)",
        node("Commitment:cmt:emi-groundwater:1"),
        [V, V, V, V, V, N],
    );
    add(
        "node Commitment cmt:emi-groundwater:3 (owed by DGAPR, EMI's agreement)",
        node("Commitment:cmt:emi-groundwater:3"),
        [V, V, V, V, V, N],
    );
    add("node Commitment K5", node("K5"), [V, V, V, N, V, N]);
    add(
        "node Project prj:groundwater",
        node("Project:prj:groundwater"),
        all(V),
    );
    add(
        "node Project prj:fm6-postcare",
        node("Project:prj:fm6-postcare"),
        [V, V, V, N, V, V],
    );
    add(
        "node Project prj:be-capacity",
        node("Project:prj:be-capacity"),
        [V, V, V, N, V, N],
    );
    add("node Project P1", node("P1"), [V, V, V, N, V, N]);
    add("node Contribution C1 (EMI)", node("C1"), [V, V, V, V, V, N]);
    add("node Contribution C2 (FM6)", node("C2"), [V, V, V, N, V, N]);
    add(
        "node TrainingSession S1 (EMI provides)",
        node("S1"),
        [V, V, V, V, V, N],
    );
    add(
        "node TrainingSession trn:be-1",
        node("TrainingSession:trn:be-1"),
        [V, V, V, N, V, N],
    );
    add(
        "node ExchangeVisit V1 (EMI visits)",
        node("V1"),
        [V, V, V, V, V, N],
    );
    add(
        "node ExchangeVisit vis:us-to-ma",
        node("ExchangeVisit:vis:us-to-ma"),
        [V, V, V, N, V, N],
    );

    // --- Relations. ----------------------------------------------------------------------------
    const T: &str = "(first: 100) { totalCount }";
    let r = |field: &str| format!("{field}{T}");
    add(
        "Organisation org:dgapr → agreements",
        rel("Organisation:org:dgapr", &r("agreements")),
        [c(4), c(4), c(4), c(1), c(4), c(1)],
    );
    add(
        "Organisation org:emi → agreements",
        rel("Organisation:org:emi", &r("agreements")),
        all(c(1)),
    );
    add(
        "Organisation org:dgapr → participations → project",
        rel(
            "Organisation:org:dgapr",
            "participations(first: 100) { totalCount nodes { project { localId } } }",
        ),
        [c(7), c(7), c(7), c(1), c(7), c(4)],
    );
    add(
        "Organisation org:emi → participations → project",
        rel(
            "Organisation:org:emi",
            "participations(first: 100) { totalCount nodes { project { localId } } }",
        ),
        all(c(1)),
    );
    add(
        "Organisation org:dgapr → commitments",
        rel("Organisation:org:dgapr", &r("commitments")),
        [c(4), c(4), c(4), c(4), c(4), c(0)],
    );
    add(
        "Organisation org:fm6 → commitments",
        rel("Organisation:org:fm6", &r("commitments")),
        [c(1), c(1), c(1), c(0), c(1), c(0)],
    );
    add(
        "Organisation org:dgapr → trainingSessionsOrganised",
        rel("Organisation:org:dgapr", &r("trainingSessionsOrganised")),
        [c(5), c(5), c(5), c(1), c(5), c(0)],
    );
    add(
        "Organisation org:emi → trainingSessionsProvided",
        rel("Organisation:org:emi", &r("trainingSessionsProvided")),
        [c(1), c(1), c(1), c(1), c(1), c(0)],
    );
    add(
        "Organisation org:dgapr → visitsHosted",
        rel("Organisation:org:dgapr", &r("visitsHosted")),
        [c(3), c(3), c(3), c(1), c(3), c(0)],
    );
    add(
        "Organisation org:emi → contributions",
        rel("Organisation:org:emi", &r("contributions")),
        [c(1), c(1), c(1), c(1), c(1), c(0)],
    );
    add(
        "Organisation org:fm6 → contributions",
        rel("Organisation:org:fm6", &r("contributions")),
        [c(1), c(1), c(1), c(0), c(1), c(0)],
    );
    add(
        "Organisation org:dgapr → homePartnerships",
        rel("Organisation:org:dgapr", &r("homePartnerships")),
        [c(7), c(7), c(7), c(1), c(7), c(7)],
    );
    add(
        "Organisation O1 → history (audit trail)",
        rel("O1", &r("history")),
        [c(1), c(1), c(0), c(0), c(0), c(0)],
    );
    add(
        "Agreement agr:emi-groundwater → commitments",
        rel("Agreement:agr:emi-groundwater", &r("commitments")),
        [c(7), c(7), c(7), c(7), c(7), c(0)],
    );
    add(
        "Agreement agr:emi-groundwater → parties",
        rel("Agreement:agr:emi-groundwater", &r("parties")),
        all(c(3)),
    );
    add(
        "Agreement agr:emi-groundwater → contributions",
        rel("Agreement:agr:emi-groundwater", &r("contributions")),
        [c(2), c(2), c(2), c(1), c(2), c(0)],
    );
    add(
        "Agreement agr:emi-groundwater → projects",
        rel("Agreement:agr:emi-groundwater", &r("projects")),
        all(c(1)),
    );
    add(
        "Agreement agr:fm6-generic → projects",
        rel("Agreement:agr:fm6-generic", &r("projects")),
        [c(4), c(4), c(4), N, c(4), c(4)],
    );
    add(
        "Agreement A5 (DRAFT) → commitments",
        rel("A5", &r("commitments")),
        [c(1), c(1), c(1), N, c(1), N],
    );
    add(
        "Partnership ps:emi → agreements",
        rel("Partnership:ps:emi", &r("agreements")),
        all(c(1)),
    );
    add(
        "Partnership ps:bf → agreements (a DRAFT)",
        rel("Partnership:ps:bf", &r("agreements")),
        [c(1), c(1), c(1), N, c(1), c(0)],
    );
    add(
        "Project prj:groundwater → trainingSessions",
        rel("Project:prj:groundwater", &r("trainingSessions")),
        [c(2), c(2), c(2), c(1), c(2), c(0)],
    );
    add(
        "Project prj:groundwater → participants",
        rel("Project:prj:groundwater", &r("participants")),
        all(c(2)),
    );
    add(
        "Project prj:groundwater → regions",
        rel("Project:prj:groundwater", &r("regions")),
        all(c(3)),
    );
    add(
        "Project prj:groundwater → sites",
        rel("Project:prj:groundwater", &r("sites")),
        all(c(6)),
    );
    add(
        "Project prj:be-capacity → trainingSessions",
        rel("Project:prj:be-capacity", &r("trainingSessions")),
        [c(3), c(3), c(3), N, c(3), N],
    );
    add(
        "Project prj:us-exchange → exchangeVisits",
        rel("Project:prj:us-exchange", &r("exchangeVisits")),
        [c(2), c(2), c(2), N, c(2), N],
    );
    add(
        "Region MA-04 → projects",
        rel("Region:MA-04", &r("projects")),
        [c(3), c(3), c(3), c(1), c(3), c(2)],
    );
    add(
        "Region MA-04 → sites",
        rel("Region:MA-04", &r("sites")),
        all(c(7)),
    );
    add(
        "Site site:rommani → trainingSessions",
        rel("Site:site:rommani", &r("trainingSessions")),
        [c(1), c(1), c(1), c(1), c(1), c(0)],
    );
    add(
        "Site site:el-adir → trainingSessions",
        rel("Site:site:el-adir", &r("trainingSessions")),
        [c(1), c(1), c(1), c(0), c(1), c(0)],
    );
    add(
        "Site site:outita-1 → exchangeVisits",
        rel("Site:site:outita-1", &r("exchangeVisits")),
        [c(1), c(1), c(1), c(1), c(1), c(0)],
    );
    add(
        "Site site:rommani → projects",
        rel("Site:site:rommani", &r("projects")),
        all(c(1)),
    );
    add(
        "TrainingSession S1 → providers",
        rel("S1", &r("providers")),
        [c(1), c(1), c(1), c(1), c(1), N],
    );
    add(
        "ExchangeVisit V1 → sitesVisited",
        rel("V1", &r("sitesVisited")),
        [c(1), c(1), c(1), c(1), c(1), N],
    );

    // --- Mutations: organisations. -------------------------------------------------------------
    let fx = Fixture::make;
    add("createOrganisation", create(new_org()), [Y, Y, F, F, F, F]);
    add(
        "updateOrganisation",
        update(fx(new_org()), "updateOrganisation", "acronym: \"MTX\""),
        [Y, Y, F, F, F, F],
    );
    add(
        "archiveRecord Organisation",
        archive(fx(new_org())),
        [Y, Y, F, F, F, F],
    );
    add(
        "restoreRecord Organisation",
        restore(fx(new_org()).archived()),
        [Y, Y, F, F, F, F],
    );

    // --- Sites. --------------------------------------------------------------------------------
    add(
        "createSite in MA-04",
        create(new_site(Some("MA-04"))),
        [Y, Y, Y, F, F, F],
    );
    add(
        "createSite in MA-06",
        create(new_site(Some("MA-06"))),
        [Y, Y, F, F, F, F],
    );
    add(
        "createSite in no region",
        create(new_site(None)),
        [Y, Y, F, F, F, F],
    );
    let city = "city: \"Kénitra\"";
    add(
        "updateSite in MA-04",
        update(fx(new_site(Some("MA-04"))), "updateSite", city),
        [Y, Y, Y, F, F, F],
    );
    add(
        "updateSite in MA-06",
        update(fx(new_site(Some("MA-06"))), "updateSite", city),
        [Y, Y, F, F, F, F],
    );
    add(
        "updateSite in no region",
        update(fx(new_site(None)), "updateSite", city),
        [Y, Y, F, F, F, F],
    );
    add(
        "updateSite status (its lifecycle) in MA-04",
        update(fx(new_site(Some("MA-04"))), "updateSite", "status: CLOSED"),
        [Y, Y, Y, F, F, F],
    );
    add(
        "updateSite moving it from MA-04 to MA-06",
        update(
            fx(new_site(Some("MA-04"))),
            "updateSite",
            "regionCode: \"MA-06\"",
        ),
        [Y, Y, F, F, F, F],
    );
    add(
        "updateSite moving it from MA-06 to MA-04",
        update(
            fx(new_site(Some("MA-06"))),
            "updateSite",
            "regionCode: \"MA-04\"",
        ),
        [Y, Y, F, F, F, F],
    );
    add(
        "archiveRecord Site in MA-04",
        archive(fx(new_site(Some("MA-04")))),
        [Y, Y, Y, F, F, F],
    );
    add(
        "archiveRecord Site in MA-06",
        archive(fx(new_site(Some("MA-06")))),
        [Y, Y, F, F, F, F],
    );
    add(
        "restoreRecord Site in MA-04",
        restore(fx(new_site(Some("MA-04"))).archived()),
        [Y, Y, Y, F, F, F],
    );

    // --- Partnerships. -------------------------------------------------------------------------
    add(
        "createPartnership with EMI",
        create(new_partnership("org:emi")),
        [Y, Y, F, F, F, F],
    );
    add(
        "updatePartnership with EMI",
        update(
            fx(new_partnership("org:emi")),
            "updatePartnership",
            "isStrategic: true",
        ),
        [Y, Y, F, F, F, F],
    );
    add(
        "updatePartnership status (its lifecycle) with EMI",
        update(
            fx(new_partnership("org:emi")),
            "updatePartnership",
            "status: DORMANT",
        ),
        [Y, Y, F, F, F, F],
    );
    add(
        "updatePartnership with FM6",
        update(
            fx(new_partnership("org:fm6")),
            "updatePartnership",
            "isStrategic: true",
        ),
        [Y, Y, F, N, F, F],
    );
    add(
        "archiveRecord Partnership with EMI",
        archive(fx(new_partnership("org:emi"))),
        [Y, Y, F, F, F, F],
    );

    // --- Agreements (new ones are drafts, which the public does not see). ----------------------
    add(
        "createAgreement DGAPR–EMI",
        create(new_agreement("org:dgapr", "org:emi", Some("org:emi"))),
        [Y, Y, F, F, F, F],
    );
    let objectives = "objectives: { fr: \"Objectifs de la matrice\" }";
    add(
        "updateAgreement DGAPR–EMI",
        update(
            fx(new_agreement("org:dgapr", "org:emi", None)),
            "updateAgreement",
            objectives,
        ),
        [Y, Y, F, F, F, N],
    );
    add(
        "updateAgreement DGAPR–FM6",
        update(
            fx(new_agreement("org:dgapr", "org:fm6", None)),
            "updateAgreement",
            objectives,
        ),
        [Y, Y, F, N, F, N],
    );
    add(
        "updateAgreement agr:fm6-generic (ACTIVE)",
        update(
            Fixture::Existing("Agreement:agr:fm6-generic"),
            "updateAgreement",
            objectives,
        ),
        [Y, Y, F, N, F, F],
    );
    add(
        "submitAgreement DGAPR–EMI",
        step(
            fx(new_agreement("org:dgapr", "org:emi", None)),
            "submitAgreement",
            "",
        ),
        [Y, Y, F, F, F, N],
    );
    add(
        "submitAgreement DGAPR–FM6",
        step(
            fx(new_agreement("org:dgapr", "org:fm6", None)),
            "submitAgreement",
            "",
        ),
        [Y, Y, F, N, F, N],
    );
    add(
        "recordPartySignature on DGAPR–EMI",
        write(
            party_of("org:dgapr", "org:emi"),
            "mutation($id: ID!, $v: Int!) { r: recordPartySignature(partyId: $id, expectedVersion: $v, signedOn: \"2024-01-15\") { id } }",
        ),
        [Y, Y, F, F, F, N],
    );
    add(
        "archiveRecord Agreement DGAPR–EMI",
        archive(fx(new_agreement("org:dgapr", "org:emi", None))),
        [Y, Y, F, F, F, N],
    );

    // --- Projects. -----------------------------------------------------------------------------
    add(
        "createProject in MA-04",
        create(new_project(&["MA-04"], &[], &[])),
        [Y, Y, Y, F, F, F],
    );
    add(
        "createProject at site:rommani (MA-04)",
        create(new_project(&[], &["site:rommani"], &[])),
        [Y, Y, Y, F, F, F],
    );
    add(
        "createProject in MA-06",
        create(new_project(&["MA-06"], &[], &[])),
        [Y, Y, F, F, F, F],
    );
    add(
        "createProject in MA-04 and MA-06",
        create(new_project(&["MA-04", "MA-06"], &[], &[])),
        [Y, Y, F, F, F, F],
    );
    add(
        "createProject located nowhere",
        create(new_project(&[], &[], &[])),
        [Y, Y, F, F, F, F],
    );
    add(
        "createProject with EMI participating",
        create(new_project(&[], &[], &["org:emi"])),
        [Y, Y, F, F, F, F],
    );
    let description = "description: { fr: \"Description de la matrice\" }";
    add(
        "updateProject in MA-04",
        update(
            fx(new_project(&["MA-04"], &[], &[])),
            "updateProject",
            description,
        ),
        [Y, Y, Y, N, F, N],
    );
    add(
        "updateProject in MA-04 and MA-06",
        update(
            fx(new_project(&["MA-04", "MA-06"], &[], &[])),
            "updateProject",
            description,
        ),
        [Y, Y, F, N, F, N],
    );
    add(
        "updateProject moving it from MA-04 to MA-06",
        update(
            fx(new_project(&["MA-04"], &[], &[])),
            "updateProject",
            "regionCodes: [\"MA-06\"]",
        ),
        [Y, Y, F, N, F, N],
    );
    add(
        "updateProject in MA-04 with EMI participating",
        update(
            fx(new_project(&["MA-04"], &[], &["org:emi"])),
            "updateProject",
            description,
        ),
        [Y, Y, Y, F, F, N],
    );
    add(
        "updateProject prj:fm6-alert (published, located nowhere)",
        update(
            Fixture::Existing("Project:prj:fm6-alert"),
            "updateProject",
            description,
        ),
        [Y, Y, F, N, F, F],
    );
    let start = ", date: \"2025-03-01\"";
    add(
        "startProject in MA-04",
        step(fx(new_project(&["MA-04"], &[], &[])), "startProject", start),
        [Y, Y, Y, N, F, N],
    );
    add(
        "startProject in MA-06",
        step(fx(new_project(&["MA-06"], &[], &[])), "startProject", start),
        [Y, Y, F, N, F, N],
    );
    add(
        "startProject in MA-04 with EMI participating",
        step(
            fx(new_project(&["MA-04"], &[], &["org:emi"])),
            "startProject",
            start,
        ),
        [Y, Y, Y, F, F, N],
    );
    add(
        "archiveRecord Project in MA-04",
        archive(fx(new_project(&["MA-04"], &[], &[]))),
        [Y, Y, Y, N, F, N],
    );

    // --- Contributions. ------------------------------------------------------------------------
    add(
        "createContribution by EMI",
        create(new_contribution("org:emi", "agr:emi-groundwater")),
        [Y, Y, F, Y, F, F],
    );
    add(
        "createContribution by FM6",
        create(new_contribution("org:fm6", "agr:emi-groundwater")),
        [Y, Y, F, F, F, F],
    );
    let emi_contribution = || fx(new_contribution("org:emi", "agr:emi-groundwater"));
    let fm6_contribution = || fx(new_contribution("org:fm6", "agr:emi-groundwater"));
    let what = "description: { fr: \"Deux ingénieurs\" }";
    add(
        "updateContribution by EMI",
        update(emi_contribution(), "updateContribution", what),
        [Y, Y, F, Y, F, N],
    );
    add(
        "updateContribution by FM6",
        update(fm6_contribution(), "updateContribution", what),
        [Y, Y, F, N, F, N],
    );
    add(
        "updateContribution handing EMI's to FM6",
        update(
            emi_contribution(),
            "updateContribution",
            "contributorId: <Organisation:org:fm6>",
        ),
        [Y, Y, F, F, F, N],
    );
    add(
        "commitContribution by EMI",
        step(emi_contribution(), "commitContribution", ""),
        [Y, Y, F, Y, F, N],
    );
    add(
        "commitContribution by FM6",
        step(fm6_contribution(), "commitContribution", ""),
        [Y, Y, F, N, F, N],
    );
    add(
        "archiveRecord Contribution by EMI",
        archive(emi_contribution()),
        [Y, Y, F, F, F, N],
    );

    // --- Training sessions. --------------------------------------------------------------------
    add(
        "createTrainingSession at site:rommani (MA-04)",
        create(new_session(Some("site:rommani"), "org:dgapr", &["org:fm6"])),
        [Y, Y, Y, F, F, F],
    );
    add(
        "createTrainingSession at site:el-adir (MA-06)",
        create(new_session(Some("site:el-adir"), "org:dgapr", &["org:fm6"])),
        [Y, Y, F, F, F, F],
    );
    add(
        "createTrainingSession with no venue",
        create(new_session(None, "org:dgapr", &["org:fm6"])),
        [Y, Y, F, F, F, F],
    );
    add(
        "createTrainingSession provided by EMI",
        create(new_session(Some("site:rommani"), "org:dgapr", &["org:emi"])),
        [Y, Y, Y, F, F, F],
    );
    let in_ma04 = || fx(new_session(Some("site:rommani"), "org:dgapr", &["org:fm6"]));
    let in_ma06 = || fx(new_session(Some("site:el-adir"), "org:dgapr", &["org:fm6"]));
    let nowhere = || fx(new_session(None, "org:dgapr", &["org:fm6"]));
    let by_emi = || fx(new_session(None, "org:dgapr", &["org:emi"]));
    let venue_city = "venueCity: \"Salé\"";
    add(
        "updateTrainingSession at MA-04",
        update(in_ma04(), "updateTrainingSession", venue_city),
        [Y, Y, Y, N, F, N],
    );
    add(
        "updateTrainingSession at MA-06",
        update(in_ma06(), "updateTrainingSession", venue_city),
        [Y, Y, F, N, F, N],
    );
    add(
        "updateTrainingSession with no venue",
        update(nowhere(), "updateTrainingSession", venue_city),
        [Y, Y, F, N, F, N],
    );
    add(
        "updateTrainingSession moving it from MA-04 to MA-06",
        update(
            in_ma04(),
            "updateTrainingSession",
            "venueSiteId: <Site:site:el-adir>",
        ),
        [Y, Y, F, N, F, N],
    );
    add(
        "updateTrainingSession moving it from MA-06 to MA-04",
        update(
            in_ma06(),
            "updateTrainingSession",
            "venueSiteId: <Site:site:rommani>",
        ),
        [Y, Y, F, N, F, N],
    );
    add(
        "updateTrainingSession provided by EMI",
        update(by_emi(), "updateTrainingSession", venue_city),
        [Y, Y, F, Y, F, N],
    );
    add(
        "updateTrainingSession organised (not provided) by EMI",
        update(
            fx(new_session(None, "org:emi", &["org:fm6"])),
            "updateTrainingSession",
            venue_city,
        ),
        [Y, Y, F, F, F, N],
    );
    add(
        "updateTrainingSession provided by EMI, handing it to FM6",
        update(
            by_emi(),
            "updateTrainingSession",
            "providerIds: [<Organisation:org:fm6>]",
        ),
        [Y, Y, F, F, F, N],
    );
    add(
        "confirmTrainingSession at MA-04",
        step(in_ma04(), "confirmTrainingSession", ""),
        [Y, Y, Y, N, F, N],
    );
    add(
        "confirmTrainingSession at MA-06",
        step(in_ma06(), "confirmTrainingSession", ""),
        [Y, Y, F, N, F, N],
    );
    add(
        "confirmTrainingSession provided by EMI",
        step(by_emi(), "confirmTrainingSession", ""),
        [Y, Y, F, Y, F, N],
    );
    add(
        "archiveRecord TrainingSession at MA-04",
        archive(in_ma04()),
        [Y, Y, Y, N, F, N],
    );
    add(
        "archiveRecord TrainingSession provided by EMI",
        archive(by_emi()),
        [Y, Y, F, F, F, N],
    );

    // --- Exchange visits. ----------------------------------------------------------------------
    add(
        "createExchangeVisit to site:outita-1 (MA-04)",
        create(new_visit(&["site:outita-1"], "org:dgapr", "org:fm6")),
        [Y, Y, Y, F, F, F],
    );
    add(
        "createExchangeVisit to site:el-adir (MA-06)",
        create(new_visit(&["site:el-adir"], "org:dgapr", "org:fm6")),
        [Y, Y, F, F, F, F],
    );
    add(
        "createExchangeVisit to no site",
        create(new_visit(&[], "org:dgapr", "org:fm6")),
        [Y, Y, F, F, F, F],
    );
    add(
        "createExchangeVisit by EMI",
        create(new_visit(&[], "org:dgapr", "org:emi")),
        [Y, Y, F, F, F, F],
    );
    let visit_ma04 = || fx(new_visit(&["site:outita-1"], "org:dgapr", "org:fm6"));
    let visit_ma06 = || fx(new_visit(&["site:el-adir"], "org:dgapr", "org:fm6"));
    let visit_title = "title: { fr: \"Visite modifiée\" }";
    add(
        "updateExchangeVisit in MA-04",
        update(visit_ma04(), "updateExchangeVisit", visit_title),
        [Y, Y, Y, N, F, N],
    );
    add(
        "updateExchangeVisit in MA-06",
        update(visit_ma06(), "updateExchangeVisit", visit_title),
        [Y, Y, F, N, F, N],
    );
    add(
        "updateExchangeVisit located nowhere",
        update(
            fx(new_visit(&[], "org:dgapr", "org:fm6")),
            "updateExchangeVisit",
            visit_title,
        ),
        [Y, Y, F, N, F, N],
    );
    add(
        "updateExchangeVisit moving it from MA-04 to MA-06",
        update(
            visit_ma04(),
            "updateExchangeVisit",
            "siteIds: [<Site:site:el-adir>]",
        ),
        [Y, Y, F, N, F, N],
    );
    add(
        "updateExchangeVisit of EMI in MA-04",
        update(
            fx(new_visit(&["site:outita-1"], "org:dgapr", "org:emi")),
            "updateExchangeVisit",
            visit_title,
        ),
        [Y, Y, Y, F, F, N],
    );
    add(
        "approveExchangeVisit in MA-04",
        step(visit_ma04(), "approveExchangeVisit", ""),
        [Y, Y, Y, N, F, N],
    );
    add(
        "approveExchangeVisit in MA-06",
        step(visit_ma06(), "approveExchangeVisit", ""),
        [Y, Y, F, N, F, N],
    );
    add(
        "approveExchangeVisit of EMI located nowhere",
        step(
            fx(new_visit(&[], "org:dgapr", "org:emi")),
            "approveExchangeVisit",
            "",
        ),
        [Y, Y, F, F, F, N],
    );
    add(
        "archiveRecord ExchangeVisit in MA-04",
        archive(visit_ma04()),
        [Y, Y, Y, N, F, N],
    );

    // --- Commitments (created with their agreement; then only transitions and archiving). -----
    add(
        "startCommitment owed by EMI",
        step(
            commitment_of("org:dgapr", "org:emi", "org:emi"),
            "startCommitment",
            "",
        ),
        [Y, Y, F, Y, F, N],
    );
    add(
        "waiveCommitment owed by EMI",
        step(
            commitment_of("org:dgapr", "org:emi", "org:emi"),
            "waiveCommitment",
            ", reason: \"matrice\"",
        ),
        [Y, Y, F, Y, F, N],
    );
    add(
        "startCommitment owed by DGAPR to EMI",
        step(
            commitment_of("org:dgapr", "org:emi", "org:dgapr"),
            "startCommitment",
            "",
        ),
        [Y, Y, F, F, F, N],
    );
    add(
        "startCommitment owed by FM6 to DGAPR",
        step(
            commitment_of("org:dgapr", "org:fm6", "org:fm6"),
            "startCommitment",
            "",
        ),
        [Y, Y, F, N, F, N],
    );
    add(
        "archiveRecord Commitment owed by EMI",
        archive(commitment_of("org:dgapr", "org:emi", "org:emi")),
        [Y, Y, F, F, F, N],
    );

    // --- Project results (issue 5): the project's rules; partners of implementing orgs. -----
    let result_in = |project: &str| {
        format!(
            "createProjectResult(input: {{ projectId: <Project:{project}>, resultType: OUTPUT, \
             title: {{ fr: \"Résultat de la matrice\" }}, indicators: [{{ measure: UNIT, \
             title: {{ fr: \"Indicateur\" }}, periods: [{{ periodStart: \"2025-01-01\", \
             periodEnd: \"2025-12-31\", target: 10 }}] }}] }})"
        )
    };
    let period_in = |project: &str| Fixture::Make {
        call: result_in(project),
        selection: "{ indicators { nodes { periods { nodes { id } } } } }",
        path: &[
            "f",
            "indicators",
            "nodes",
            "0",
            "periods",
            "nodes",
            "0",
            "id",
        ],
        archived: false,
    };
    let record = "mutation($id: ID!, $v: Int!) { r: recordIndicatorActual(periodId: $id, \
        expectedVersion: $v, actual: 3) { id } }";
    let create_result = "mutation($id: ID!) { r: createProjectResult(input: { projectId: $id, \
        resultType: OUTCOME, title: { fr: \"Résultat de la matrice\" } }) { id } }";
    add(
        "createProjectResult in MA-04, EMI implementing",
        write(
            fx(new_project(&["MA-04"], &[], &["org:emi"])),
            create_result,
        ),
        [Y, Y, Y, Y, F, N],
    );
    add(
        "createProjectResult in MA-06, EMI implementing",
        write(
            fx(new_project(&["MA-06"], &[], &["org:emi"])),
            create_result,
        ),
        [Y, Y, F, Y, F, N],
    );
    add(
        "createProjectResult in MA-04, no participants",
        write(fx(new_project(&["MA-04"], &[], &[])), create_result),
        [Y, Y, Y, N, F, N],
    );
    add(
        "recordIndicatorActual prj:groundwater (EMI implementing; MA-04–06; published)",
        write(period_in("prj:groundwater"), record),
        [Y, Y, F, Y, F, F],
    );
    add(
        "recordIndicatorActual prj:fm6-humanisation (FM6 implementing; published)",
        write(period_in("prj:fm6-humanisation"), record),
        [Y, Y, F, N, F, F],
    );
    add(
        "updateProjectResult prj:groundwater",
        update(
            fx(result_in("prj:groundwater")),
            "updateProjectResult",
            "aggregationStatus: true",
        ),
        [Y, Y, F, Y, F, F],
    );

    // --- Hard deletion: administrators only (of records nothing refers to). -------------------
    add(
        "deleteRecord Organisation",
        delete(fx(new_org())),
        [Y, F, F, F, F, F],
    );
    add(
        "deleteRecord Site in MA-04",
        delete(fx(new_site(Some("MA-04")))),
        [Y, F, F, F, F, F],
    );
    add(
        "deleteRecord Partnership with EMI",
        delete(fx(new_partnership("org:emi"))),
        [Y, F, F, F, F, F],
    );
    add(
        "deleteRecord Project (unlinked)",
        delete(fx(new_project(&[], &[], &[]))),
        [Y, F, F, N, F, N],
    );
    add(
        "deleteRecord Contribution by EMI",
        delete(emi_contribution()),
        [Y, F, F, F, F, N],
    );
    add(
        "deleteRecord TrainingSession organised by EMI (no provider)",
        delete(fx(new_session(None, "org:emi", &[]))),
        [Y, F, F, F, F, N],
    );
    add(
        "deleteRecord ExchangeVisit of EMI (no site)",
        delete(fx(new_visit(&[], "org:dgapr", "org:emi"))),
        [Y, F, F, F, F, N],
    );
    add(
        "deleteRecord Commitment owed by EMI",
        delete(commitment_of("org:dgapr", "org:emi", "org:emi")),
        [Y, F, F, F, F, N],
    );

    rows
}

// ---------------------------------------------------------------------------------------------
// Running it
// ---------------------------------------------------------------------------------------------

/// Replaces each `<Kind:local>` or `<NAME>` with the record's global ID as a string literal.
fn fill(template: &str, named: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('>').expect("unclosed `<` in a template");
        let token = &after[..close];
        let id = match token.split_once(':') {
            Some((kind, local)) => global_id(kind, local),
            None => named
                .get(token)
                .unwrap_or_else(|| panic!("no record named `{token}`"))
                .clone(),
        };
        out.push('"');
        out.push_str(&id);
        out.push('"');
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

fn at<'a>(value: &'a Value, path: &[impl AsRef<str>]) -> &'a Value {
    path.iter().fold(value, |v, key| {
        let key = key.as_ref();
        match key.parse::<usize>() {
            Ok(i) => &v[i],
            Err(_) => &v[key],
        }
    })
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 400 {
        format!("{}…", text.chars().take(400).collect::<String>())
    } else {
        text
    }
}

/// The number of audit events, as an administrator sees them.
async fn audit_count(app: &TestApp) -> i64 {
    app.data("{ auditEvents(first: 1) { totalCount } }", json!({}))
        .await["auditEvents"]["totalCount"]
        .as_i64()
        .expect("audit count")
}

const VERSION: &str = "query($id: ID!) { node(id: $id) { \
    ... on Organisation { version } ... on Site { version } ... on Partnership { version } \
    ... on Agreement { version } ... on AgreementParty { version } ... on Commitment { version } \
    ... on Project { version } ... on Contribution { version } ... on TrainingSession { version } \
    ... on ExchangeVisit { version } ... on ProjectResult { version } \
    ... on IndicatorPeriod { version } } }";

/// Creates (or finds) the record a mutation case acts on; returns its global ID and version.
async fn prepare(
    app: &TestApp,
    fixture: &Fixture,
    named: &HashMap<String, String>,
) -> Option<(String, i64)> {
    let id = match fixture {
        Fixture::Nothing => return None,
        Fixture::Existing(record) => global_id(
            record.split_once(':').expect("kind").0,
            record.split_once(':').expect("kind").1,
        ),
        Fixture::Make {
            call,
            selection,
            path,
            archived,
        } => {
            let query = fill(&format!("mutation {{ f: {call} {selection} }}"), named);
            let data = app.data(&query, json!({})).await;
            let id = at(&data, path)
                .as_str()
                .unwrap_or_else(|| panic!("no id at {path:?} in {data}"))
                .to_owned();
            if *archived {
                app.data(
                    "mutation($id: ID!) { archiveRecord(id: $id, expectedVersion: 1) { id } }",
                    json!({ "id": id }),
                )
                .await;
            }
            id
        }
    };
    let version = app.data(VERSION, json!({ "id": id })).await["node"]["version"]
        .as_i64()
        .expect("version");
    Some((id, version))
}

/// Runs one case and returns what happened.
async fn run(app: &TestApp, who: Who, op: &Op, named: &HashMap<String, String>) -> Outcome {
    match op {
        Op::Read { query, path } => {
            let response = app
                .query_as(who.principal(), &fill(query, named), json!({}))
                .await;
            if response.get("errors").is_some() {
                return Outcome::Other(format!("errors: {}", short(&response["errors"])));
            }
            let data = &response["data"];
            // A null on the way (`node`) is a record that does not exist for this principal.
            let mut value = data;
            for key in path {
                if value.is_null() {
                    return Outcome::NotFound;
                }
                value = &value[key.as_str()];
            }
            match value {
                Value::Null => Outcome::NotFound,
                Value::Number(n) => Outcome::Count(n.as_i64().unwrap_or(-1)),
                // `nodes`: the records that exist for this principal.
                Value::Array(items) => {
                    Outcome::Count(items.iter().filter(|i| !i.is_null()).count() as i64)
                }
                _ => Outcome::Visible,
            }
        }
        Op::Write { fixture, query } => {
            let target = prepare(app, fixture, named).await;
            let variables = match &target {
                Some((id, _)) if !query.contains("$v") => json!({ "id": id }),
                Some((id, version)) => json!({ "id": id, "v": version }),
                None => json!({}),
            };
            let before = audit_count(app).await;
            let response = app
                .query_as(who.principal(), &fill(query, named), variables)
                .await;
            let written = audit_count(app).await - before;
            let codes = error_codes(&response);
            let outcome = if response.get("errors").is_none() {
                if response["data"]["r"].is_null() {
                    Outcome::Other(format!("no result: {}", short(&response)))
                } else {
                    Outcome::Done
                }
            } else if codes == ["FORBIDDEN"] {
                Outcome::Forbidden
            } else if codes == ["NOT_FOUND"] {
                Outcome::NotFound
            } else {
                Outcome::Other(format!("errors: {}", short(&response["errors"])))
            };
            match (&outcome, written) {
                (Outcome::Done, 0) => {
                    Outcome::Other("succeeded without writing an audit event".to_owned())
                }
                (Outcome::Forbidden | Outcome::NotFound, n) if n != 0 => Outcome::Other(format!(
                    "{outcome:?}, but {n} audit event(s) were committed"
                )),
                _ => outcome,
            }
        }
    }
}

async fn access_matrix(app: TestApp) {
    let named = setup(&app).await;
    let audit = audit_count(&app).await;
    assert!(audit >= 9, "the setup's nine creates are audited: {audit}");
    let rows = rows(audit);
    let mut cases = 0;
    let mut mismatches = Vec::new();
    for row in &rows {
        for (who, expected) in WHO.iter().zip(&row.expect) {
            cases += 1;
            let observed = run(&app, *who, &row.op, &named).await;
            if &observed != expected {
                mismatches.push(format!(
                    "{:<24} {}: expected {expected:?}, got {observed:?}",
                    who.name(),
                    row.label
                ));
            }
        }
    }
    eprintln!(
        "access matrix ({:?}): {cases} cases ({} rows × {} roles), {} mismatches",
        app.backend,
        rows.len(),
        WHO.len(),
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {cases} access cases do not match:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

backend_tests!(access_matrix, Data::Demo, access_matrix);

// ---------------------------------------------------------------------------------------------
// Identities over HTTP
// ---------------------------------------------------------------------------------------------

const SECRET: &str = "sharaka-access-tests-hs256-secret";

/// A reply: status, headers and JSON body.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Reply {
    fn refused_as_unauthenticated(&self, what: &str) {
        assert_eq!(
            self.status,
            StatusCode::UNAUTHORIZED,
            "{what}: {}",
            self.body
        );
        assert_eq!(
            error_codes(&self.body),
            ["UNAUTHENTICATED"],
            "{what}: {}",
            self.body
        );
        assert!(
            self.body.get("data").is_none(),
            "{what}: nothing runs: {}",
            self.body
        );
        let challenge = self
            .headers
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            challenge.starts_with("Bearer"),
            "{what}: WWW-Authenticate is `{challenge}`"
        );
    }

    fn data(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        assert!(self.body.get("errors").is_none(), "{}", self.body);
        &self.body["data"]
    }
}

async fn post(base: &str, authorization: Option<&str>, query: &str, variables: Value) -> Reply {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(value) = authorization {
        request = request.header(AUTHORIZATION, value);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("not JSON ({e}), status {status}: {text}"));
    Reply {
        status,
        headers,
        body,
    }
}

fn jwt(claims: &Value, key: &[u8]) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(key),
    )
    .expect("encode a JWT")
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Unpadded base64url, for hand-made tokens.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn in_hours(hours: i64) -> i64 {
    (chrono::Utc::now() + chrono::Duration::hours(hours)).timestamp()
}

const AGREEMENTS: &str = "{ agreements { totalCount } }";
const CREATE_ORG: &str = "mutation($name: String!) { createOrganisation(input: { name: { fr: $name }, category: OTHER }) { id } }";

/// The actors of a record's audit trail, as an administrator reads them in-process.
async fn actors(app: &TestApp, id: &str) -> Vec<String> {
    let data = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Organisation { history { nodes { actor } } } } }",
            json!({ "id": id }),
        )
        .await;
    data["node"]["history"]["nodes"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| e["actor"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn identities(backend: Backend) {
    let config = Config {
        auth: AuthConfig {
            hs256_secret: Some(SECRET.to_owned().into()),
            anonymous_role: Role::Public,
            ..AuthConfig::default()
        },
        ..test_config()
    };
    let app = TestApp::with_config(backend, Data::Demo, config)
        .await
        .expect("test app");
    let base = app.spawn().await.expect("server");

    // No credentials: PUBLIC — two published agreements, and no writes.
    let anonymous = post(&base, None, AGREEMENTS, json!({})).await;
    assert_eq!(anonymous.data()["agreements"]["totalCount"], json!(2));
    let refused = post(&base, None, CREATE_ORG, json!({ "name": "Anonyme" })).await;
    assert_eq!(refused.status, StatusCode::OK);
    assert_eq!(
        error_codes(&refused.body),
        ["FORBIDDEN"],
        "{}",
        refused.body
    );

    // A valid HS256 JWT for an editor: reads everything, writes, and is the audit actor.
    let editor = jwt(
        &json!({ "sub": "amina.editor", "role": "EDITOR", "exp": in_hours(1) }),
        SECRET.as_bytes(),
    );
    let reply = post(&base, Some(&bearer(&editor)), AGREEMENTS, json!({})).await;
    assert_eq!(reply.data()["agreements"]["totalCount"], json!(4));
    let reply = post(
        &base,
        Some(&bearer(&editor)),
        CREATE_ORG,
        json!({ "name": "Créée par JWT" }),
    )
    .await;
    let created = reply.data()["createOrganisation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(actors(&app, &created).await, ["amina.editor"]);

    // Scoped JWTs act within their scope.
    let partner = jwt(
        &json!({ "sub": "emi.user", "role": "PARTNER", "organisation": "org:emi", "exp": in_hours(1) }),
        SECRET.as_bytes(),
    );
    let reply = post(&base, Some(&bearer(&partner)), AGREEMENTS, json!({})).await;
    assert_eq!(reply.data()["agreements"]["totalCount"], json!(1));
    let officer = jwt(
        &json!({ "sub": "rsk.officer", "role": "REGIONAL_OFFICER", "regions": ["MA-04"], "exp": in_hours(1) }),
        SECRET.as_bytes(),
    );
    let site = "mutation($r: String!) { createSite(input: { siteType: LOCAL_PRISON, name: { fr: \"Prison locale\" }, regionCode: $r }) { id } }";
    let inside = post(
        &base,
        Some(&bearer(&officer)),
        site,
        json!({ "r": "MA-04" }),
    )
    .await;
    inside.data();
    let outside = post(
        &base,
        Some(&bearer(&officer)),
        site,
        json!({ "r": "MA-06" }),
    )
    .await;
    assert_eq!(
        error_codes(&outside.body),
        ["FORBIDDEN"],
        "{}",
        outside.body
    );

    // Bad credentials are refused, never treated as anonymous.
    let expired = jwt(
        &json!({ "sub": "amina.editor", "role": "EDITOR", "exp": in_hours(-2) }),
        SECRET.as_bytes(),
    );
    let forged = jwt(
        &json!({ "sub": "amina.editor", "role": "ADMIN", "exp": in_hours(1) }),
        b"not-the-secret",
    );
    let unsigned = format!(
        "{}.{}.",
        base64url(br#"{"alg":"none","typ":"JWT"}"#),
        base64url(
            json!({ "sub": "mallory", "role": "ADMIN", "exp": in_hours(1) })
                .to_string()
                .as_bytes()
        )
    );
    let no_expiry = jwt(
        &json!({ "sub": "amina.editor", "role": "EDITOR" }),
        SECRET.as_bytes(),
    );
    let unknown_role = jwt(
        &json!({ "sub": "amina.editor", "role": "ROOT", "exp": in_hours(1) }),
        SECRET.as_bytes(),
    );
    let partner_without_organisation = jwt(
        &json!({ "sub": "emi.user", "role": "PARTNER", "exp": in_hours(1) }),
        SECRET.as_bytes(),
    );
    let bad: Vec<(&str, String)> = vec![
        ("an expired JWT", bearer(&expired)),
        ("a JWT signed with another secret", bearer(&forged)),
        ("an `alg: none` JWT", bearer(&unsigned)),
        ("a JWT without `exp`", bearer(&no_expiry)),
        ("a JWT with an unknown role", bearer(&unknown_role)),
        (
            "a PARTNER JWT without an organisation",
            bearer(&partner_without_organisation),
        ),
        ("a token that is not a JWT", bearer("not.a.jwt")),
        (
            "an unknown API token",
            bearer(&format!("shk_{}", "A".repeat(43))),
        ),
        ("Basic credentials", "Basic x".to_owned()),
        ("`Bearer` and nothing", "Bearer".to_owned()),
        ("`Bearer` and blanks", "Bearer    ".to_owned()),
    ];
    for (what, header) in &bad {
        post(&base, Some(header), AGREEMENTS, json!({}))
            .await
            .refused_as_unauthenticated(what);
        post(&base, Some(header), CREATE_ORG, json!({ "name": "Jamais" }))
            .await
            .refused_as_unauthenticated(what);
    }
    let jamais = app
        .data(
            "{ organisations(filter: { nameContains: \"Jamais\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(jamais["organisations"]["totalCount"], json!(0));

    // An API token works until it is revoked; its name is the audit actor.
    let (token_id, secret) = issue_token(app.store(), "dashboard", Role::Editor, &[], None, None)
        .await
        .expect("issue a token");
    let reply = post(
        &base,
        Some(&bearer(&secret)),
        CREATE_ORG,
        json!({ "name": "Créée par jeton" }),
    )
    .await;
    let created = reply.data()["createOrganisation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(actors(&app, &created).await, ["token:dashboard"]);
    assert!(app.store().revoke_token(&token_id).await.expect("revoke"));
    refused_within(&base, &secret, NOTIFIED_WITHIN)
        .await
        .refused_as_unauthenticated("a revoked API token");

    // A partner's token is scoped to its organisation.
    let (_, partner_secret) = issue_token(
        app.store(),
        "emi-dashboard",
        Role::Partner,
        &[],
        Some("org:emi"),
        None,
    )
    .await
    .expect("issue a token");
    let reply = post(&base, Some(&bearer(&partner_secret)), AGREEMENTS, json!({})).await;
    assert_eq!(reply.data()["agreements"]["totalCount"], json!(1));

    // An expired API token is refused.
    let (_, stale) = issue_token(
        app.store(),
        "stale",
        Role::Editor,
        &[],
        None,
        Some(chrono::Utc::now() - chrono::Duration::hours(1)),
    )
    .await
    .expect("issue a token");
    post(&base, Some(&bearer(&stale)), AGREEMENTS, json!({}))
        .await
        .refused_as_unauthenticated("an expired API token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identities_over_http_sqlite() {
    identities(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identities_over_http_postgres() {
    if postgres_url().is_none() {
        eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL variant did not run");
        return;
    }
    identities(Backend::Postgres).await;
}

/// With `SHARAKA_TOKEN_CACHE_MS` set, a verified API token is not looked up again within the
/// window (one statement fewer per request); a revocation acts once the window has passed, and
/// a cached token still stops at its own expiry.
async fn token_cache(backend: Backend) {
    let window = std::time::Duration::from_millis(600);
    let config = Config {
        token_cache_ms: window.as_millis() as u64,
        // The fixed window alone: on PostgreSQL a watched token would be dropped at once.
        token_watch_ms: 0,
        ..test_config()
    };
    let app = TestApp::with_config(backend, Data::Demo, config)
        .await
        .expect("test app");
    let base = app.spawn().await.expect("server");
    let (token_id, secret) = issue_token(app.store(), "cached", Role::Viewer, &[], None, None)
        .await
        .expect("issue a token");

    // The first request looks the token up; the next, within the window, does not.
    app.counter.reset();
    let first = post(&base, Some(&bearer(&secret)), AGREEMENTS, json!({})).await;
    let looked_up = app.counter.get();
    app.counter.reset();
    let second = post(&base, Some(&bearer(&secret)), AGREEMENTS, json!({})).await;
    let cached = app.counter.get();
    assert_eq!(first.data(), second.data());
    assert_eq!(
        cached + 1,
        looked_up,
        "the cached request saves exactly the token lookup"
    );

    // A revocation acts once the window has passed, not before it is over.
    let revoked_at = std::time::Instant::now();
    assert!(app.store().revoke_token(&token_id).await.expect("revoke"));
    let within = post(&base, Some(&bearer(&secret)), AGREEMENTS, json!({})).await;
    if revoked_at.elapsed() < window / 2 {
        assert_eq!(
            within.data(),
            first.data(),
            "still trusted within the window"
        );
    }
    tokio::time::sleep(window).await;
    post(&base, Some(&bearer(&secret)), AGREEMENTS, json!({}))
        .await
        .refused_as_unauthenticated("a revoked token once the window has passed");

    // A token that expires within the window stops at its expiry, cached or not.
    let expires = chrono::Utc::now() + chrono::Duration::milliseconds(300);
    let (_, brief) = issue_token(app.store(), "brief", Role::Viewer, &[], None, Some(expires))
        .await
        .expect("issue a token");
    let reply = post(&base, Some(&bearer(&brief)), AGREEMENTS, json!({})).await;
    assert!(reply.data()["agreements"]["totalCount"].is_number());
    tokio::time::sleep(std::time::Duration::from_millis(350)).await;
    post(&base, Some(&bearer(&brief)), AGREEMENTS, json!({}))
        .await
        .refused_as_unauthenticated("a cached token past its expiry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_cache_sqlite() {
    token_cache(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_cache_postgres() {
    if postgres_url().is_none() {
        eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL variant did not run");
        return;
    }
    token_cache(Backend::Postgres).await;
}

/// How long a revocation may take to reach a server that keeps watched tokens (PostgreSQL):
/// the notification is sent at commit and heard by the server's listener, in milliseconds on
/// a quiet machine; the bound leaves room for a loaded one.
const NOTIFIED_WITHIN: std::time::Duration = std::time::Duration::from_secs(3);

/// The first reply to `AGREEMENTS` with `secret` that is not a success, asking again for up to
/// `within`; the last reply if every one succeeded.
async fn refused_within(base: &str, secret: &str, within: std::time::Duration) -> Reply {
    let started = std::time::Instant::now();
    loop {
        let reply = post(base, Some(&bearer(secret)), AGREEMENTS, json!({})).await;
        if reply.status != StatusCode::OK || started.elapsed() >= within {
            return reply;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Statements one `AGREEMENTS` request with `secret` runs, and its data.
async fn counted(app: &TestApp, base: &str, secret: &str) -> (u64, Value) {
    app.counter.reset();
    let reply = post(base, Some(&bearer(secret)), AGREEMENTS, json!({})).await;
    let data = reply.data().clone();
    (app.counter.get(), data)
}

/// With the defaults, a server on PostgreSQL keeps the API tokens it verified while it listens
/// for changes to tokens (`SHARAKA_TOKEN_WATCH_MS`): a request with a kept token runs no token
/// lookup, and a revocation acts as soon as its notification arrives, whether it was made
/// through the store (as `sharaka token revoke` does, from another process) or by hand in SQL.
/// A lost listening connection drops every kept token, and watching resumes. On SQLite, which
/// has no notifications, every request looks its token up.
async fn watched_tokens(backend: Backend) {
    let app = TestApp::with_config(backend, Data::Demo, test_config())
        .await
        .expect("test app");
    let base = app.spawn().await.expect("server");
    let watched = app
        .app
        .tokens_watched_within(std::time::Duration::from_secs(10))
        .await;
    assert_eq!(
        watched,
        backend == Backend::Postgres,
        "watched on PostgreSQL only"
    );
    let (token_id, secret) = issue_token(app.store(), "watched", Role::Viewer, &[], None, None)
        .await
        .expect("issue a token");
    let (looked_up, first) = counted(&app, &base, &secret).await;
    let (again, second) = counted(&app, &base, &secret).await;
    assert_eq!(first, second);
    if backend == Backend::Sqlite {
        assert_eq!(again, looked_up, "every request looks its token up");
        assert!(app.store().revoke_token(&token_id).await.expect("revoke"));
        post(&base, Some(&bearer(&secret)), AGREEMENTS, json!({}))
            .await
            .refused_as_unauthenticated("a revoked token, at once");
        return;
    }
    assert_eq!(
        again + 1,
        looked_up,
        "a kept token saves exactly its lookup"
    );

    // Revoked through the store: refused as soon as the notification arrives.
    let revoked = std::time::Instant::now();
    assert!(app.store().revoke_token(&token_id).await.expect("revoke"));
    refused_within(&base, &secret, NOTIFIED_WITHIN)
        .await
        .refused_as_unauthenticated("a revoked token that was kept");
    eprintln!("revocation acted within {:?}", revoked.elapsed());

    // Revoked by hand, on a connection of another process.
    let (id, by_hand) = issue_token(app.store(), "by-hand", Role::Viewer, &[], None, None)
        .await
        .expect("issue a token");
    counted(&app, &base, &by_hand).await;
    let (kept, _) = counted(&app, &base, &by_hand).await;
    assert_eq!(kept + 1, looked_up, "kept before it is revoked");
    let sql = format!("UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP WHERE id = '{id}'");
    app.execute_sql(&[&sql]).await;
    refused_within(&base, &by_hand, NOTIFIED_WITHIN)
        .await
        .refused_as_unauthenticated("a token revoked by hand in SQL");

    // The listening connection is cut: the kept tokens are dropped, then kept again once the
    // server listens anew.
    let (_, other) = issue_token(app.store(), "other", Role::Viewer, &[], None, None)
        .await
        .expect("issue a token");
    counted(&app, &base, &other).await;
    assert_eq!(counted(&app, &base, &other).await.0 + 1, looked_up);
    app.execute_sql(&["SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() \
         AND query ILIKE '%sharaka_tokens%'"])
        .await;
    let started = std::time::Instant::now();
    loop {
        let (statements, _) = counted(&app, &base, &other).await;
        if statements == looked_up {
            break;
        }
        assert!(
            started.elapsed() < NOTIFIED_WITHIN,
            "a token kept across a lost listening connection"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        app.app
            .tokens_watched_within(std::time::Duration::from_secs(10))
            .await,
        "listening again"
    );
    let started = std::time::Instant::now();
    while counted(&app, &base, &other).await.0 == looked_up {
        assert!(
            started.elapsed() < NOTIFIED_WITHIN,
            "tokens kept again once the server listens anew"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watched_tokens_sqlite() {
    watched_tokens(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watched_tokens_postgres() {
    if postgres_url().is_none() {
        eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL variant did not run");
        return;
    }
    watched_tokens(Backend::Postgres).await;
}
