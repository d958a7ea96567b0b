//! Dashboard answers kept until the data changes (issue 7; `sharaka_gateway::answers`): a
//! `stats` query asked again over HTTP is served from the kept bytes for one statement (the
//! data generation), the same answer as computed afresh; a change made through Sharaka is seen
//! by the next request; principals never share answers; answers with errors are not kept; a
//! client that accepts gzip gets the kept bytes as they are; over `GET` an answer carries an
//! entity tag, and a client whose copy is current is told `304 Not Modified`. The outbox keeps
//! its newest event when pruned, so the generation never goes back.

use std::io::Read as _;

use reqwest::header::{
    ACCEPT_ENCODING, AUTHORIZATION, CACHE_CONTROL, CONTENT_ENCODING, ETAG, IF_NONE_MATCH,
};
use serde_json::{Value, json};
use sharaka_domain::{OrganisationId, Principal, Role};
use sharaka_gateway::auth::issue_token;
use sharaka_test_support::{Data, TestApp, backend_tests, global_id, header_text};

const FIGURES: &str = "query Figures($period: DateRange) {
  stats {
    resources(filter: { period: $period }) {
      byContributor { contributor contributionType year count amount { currency value } }
      cashInKind { cash count }
    }
    trainingReach(groupBy: [REGION]) { total { sessions participants { value } } }
  }
}";

struct Answer {
    body: Value,
    gzip: bool,
}

async fn post(base: &str, secret: &str, query: &str, variables: Value, gzip: bool) -> Answer {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .header(AUTHORIZATION, format!("Bearer {secret}"))
        .json(&json!({ "query": query, "variables": variables }));
    if gzip {
        request = request.header(ACCEPT_ENCODING, "gzip");
    }
    let response = request.send().await.expect("request");
    assert_eq!(response.status(), 200);
    let gzipped = response
        .headers()
        .get(CONTENT_ENCODING)
        .is_some_and(|v| v == "gzip");
    let bytes = response.bytes().await.expect("body");
    let json = if gzipped {
        let mut inflated = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut inflated)
            .expect("a gzip body");
        inflated
    } else {
        bytes.to_vec()
    };
    Answer {
        body: serde_json::from_slice(&json).expect("a JSON body"),
        gzip: gzipped,
    }
}

/// Serves `app`, with an administrator's API token; returns the base URL, the token's secret
/// and the statements its check costs (every figure of these tests is on top of it).
async fn serve_as_admin(app: &TestApp) -> (String, String, u64) {
    let base = app.spawn().await.expect("server");
    // On PostgreSQL a verified token is kept once the server listens for changes to tokens:
    // from then on its check costs nothing, the same for every request.
    app.app
        .tokens_watched_within(std::time::Duration::from_secs(10))
        .await;
    let (_, admin) = issue_token(app.store(), "dashboard", Role::Admin, &[], None, None)
        .await
        .expect("a token");
    post(&base, &admin, "{ __typename }", json!({}), false).await;
    app.counter.reset();
    post(&base, &admin, "{ __typename }", json!({}), false).await;
    (base, admin, app.counter.get())
}

/// [`FIGURES`] without variables, computed afresh in process by the administrator the served
/// token names (the in-process API keeps no answer).
async fn afresh_as_admin(app: &TestApp) -> Value {
    let admin = Principal::with_role("dashboard", Role::Admin);
    app.query_as(admin, FIGURES, json!({})).await
}

backend_tests!(
    stats_answers_are_kept_until_the_data_changes,
    Data::Demo,
    |app: TestApp| async move {
        let (base, admin, token_check) = serve_as_admin(&app).await;
        let answers = app.app.answers();
        let none = json!({});

        // Answered afresh: the generation, then the figures' own statements.
        app.counter.reset();
        let first = post(&base, &admin, FIGURES, none.clone(), false).await;
        let afresh = app.counter.get();
        assert!(first.body.get("errors").is_none(), "{}", first.body);
        assert!(afresh >= token_check + 3, "{afresh} statements afresh");
        assert_eq!((answers.hits(), answers.misses()), (0, 1));

        // Asked again: the kept answer, for the generation's one statement.
        app.counter.reset();
        let again = post(&base, &admin, FIGURES, none.clone(), false).await;
        assert_eq!(app.counter.get(), token_check + 1);
        assert_eq!(again.body, first.body);
        assert_eq!(answers.hits(), 1);

        // It is the answer computed afresh, in process, by the same principal.
        let fresh = afresh_as_admin(&app).await;
        assert_eq!(again.body, fresh);

        // A client that accepts gzip is sent the kept bytes, compressed.
        let compressed = post(&base, &admin, FIGURES, none.clone(), true).await;
        assert!(compressed.gzip, "served gzip-compressed");
        assert_eq!(compressed.body, first.body);
        assert_eq!(answers.hits(), 2);

        // Other variables are another answer.
        let period = json!({ "period": { "from": "2015", "to": "2016" } });
        post(&base, &admin, FIGURES, period.clone(), false).await;
        assert_eq!((answers.hits(), answers.misses()), (2, 2));

        // A change made through Sharaka is seen by the very next request.
        let created = app
            .data(
                "mutation($input: CreateContributionInput!) {
                    createContribution(input: $input) { id } }",
                json!({ "input": {
                    "contributorId": global_id("Organisation", "org:us-inl"),
                    "agreementId": global_id("Agreement", "agr:emi-groundwater"),
                    "contributionType": "CASH", "amount": "125000", "currency": "MAD" } }),
            )
            .await;
        assert!(created["createContribution"]["id"].is_string());
        let after = post(&base, &admin, FIGURES, none.clone(), false).await;
        assert_ne!(after.body, first.body, "the new contribution counts");
        let fresh = afresh_as_admin(&app).await;
        assert_eq!(after.body, fresh);
        assert_eq!((answers.hits(), answers.misses()), (2, 3));

        // Another principal never gets the admin's answer: a partner sees its own figures.
        let (_, partner) = issue_token(
            app.store(),
            "emi-dashboard",
            Role::Partner,
            &[],
            Some("org:emi"),
            None,
        )
        .await
        .expect("a token");
        let theirs = post(&base, &partner, FIGURES, none.clone(), false).await;
        assert_eq!((answers.hits(), answers.misses()), (2, 4));
        let partner_principal = Principal {
            organisation: Some(OrganisationId::from_trusted("org:emi".to_owned())),
            ..Principal::with_role("emi-dashboard", Role::Partner)
        };
        let fresh = app.query_as(partner_principal, FIGURES, none.clone()).await;
        assert_eq!(theirs.body, fresh);
        assert_ne!(
            theirs.body, after.body,
            "a partner sees less than the admin"
        );

        // An answer with errors is not kept: asked twice, answered afresh twice.
        let bad = json!({ "period": { "from": "someday" } });
        let refused = post(&base, &admin, FIGURES, bad.clone(), false).await;
        assert!(refused.body.get("errors").is_some(), "{}", refused.body);
        post(&base, &admin, FIGURES, bad, false).await;
        assert_eq!((answers.hits(), answers.misses()), (2, 6));

        // Queries that also select anything else are not kept, nor looked up.
        let mixed = "{ stats { resources { cashInKind { cash count } } } regions { totalCount } }";
        post(&base, &admin, mixed, json!({}), false).await;
        post(&base, &admin, mixed, json!({}), false).await;
        assert_eq!((answers.hits(), answers.misses()), (2, 6));

        // After a change, eight clients asking at once: the answer is computed once, and the
        // others are served it, whether they asked while it was computed or after.
        app.data(
            "mutation { createProject(input: { title: { fr: \"Tableau\" } }) { id } }",
            json!({}),
        )
        .await;
        app.counter.reset();
        let asked = futures::future::join_all(
            (0..8).map(|_| post(&base, &admin, FIGURES, none.clone(), false)),
        )
        .await;
        assert_eq!((answers.hits(), answers.misses()), (9, 7));
        assert_eq!(
            app.counter.get(),
            8 * (token_check + 1) + (afresh - token_check - 1),
            "the figures' statements ran once"
        );
        let fresh = afresh_as_admin(&app).await;
        assert!(asked.iter().all(|answer| answer.body == fresh));
    }
);

backend_tests!(
    pruning_the_outbox_keeps_its_newest_event,
    Data::Demo,
    |app: TestApp| async move {
        for name in ["Un", "Deux"] {
            let created = app
                .data(
                    "mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }",
                    json!({ "input": { "title": { "fr": name } } }),
                )
                .await;
            assert!(created["createProject"]["id"].is_string());
        }
        let store = app.store();
        let head = store.outbox_head().await.expect("head");
        assert!(head >= 2, "two events at least");
        // Every event is older than tomorrow; all but the newest go.
        let tomorrow = chrono::Utc::now() + chrono::Duration::days(1);
        let pruned = store.prune_outbox(tomorrow).await.expect("prune");
        assert!(pruned >= 1, "pruned {pruned}");
        assert_eq!(store.outbox_head().await.expect("head"), head);
        assert_eq!(store.outbox_after(0, 10).await.expect("events").len(), 1);
        assert_eq!(store.prune_outbox(tomorrow).await.expect("prune"), 0);

        // The next event comes after it: the generation only ever goes forward.
        app.data(
            "mutation { createProject(input: { title: { fr: \"Trois\" } }) { id } }",
            json!({}),
        )
        .await;
        assert!(store.outbox_head().await.expect("head") > head);
    }
);

/// `GET /graphql?query=…` with the token and, if given, `If-None-Match`: the status, the
/// entity tag and the body's text.
async fn get(
    base: &str,
    secret: &str,
    query: &str,
    if_none_match: Option<&str>,
) -> (u16, Option<String>, Option<String>, String) {
    let mut request = reqwest::Client::new()
        .get(format!("{base}/graphql"))
        .query(&[("query", query)])
        .header(AUTHORIZATION, format!("Bearer {secret}"));
    if let Some(tag) = if_none_match {
        request = request.header(IF_NONE_MATCH, tag);
    }
    let response = request.send().await.expect("request");
    let (etag, cache_control) = (
        header_text(&response, ETAG),
        header_text(&response, CACHE_CONTROL),
    );
    let status = response.status().as_u16();
    (
        status,
        etag,
        cache_control,
        response.text().await.expect("body"),
    )
}

backend_tests!(
    a_current_copy_is_revalidated_without_its_body,
    Data::Demo,
    |app: TestApp| async move {
        let (base, admin, token_check) = serve_as_admin(&app).await;
        let figures = "{ stats { resources { cashInKind { cash count } } } }";

        let (status, etag, cache_control, body) = get(&base, &admin, figures, None).await;
        assert_eq!(status, 200, "{body}");
        let etag = etag.expect("an entity tag");
        assert_eq!(cache_control.as_deref(), Some("private, no-cache"));
        let first: Value = serde_json::from_str(&body).expect("JSON");
        assert!(first["data"]["stats"].is_object(), "{first}");

        // The same question with the tag: 304 without a body, for the generation's statement.
        app.counter.reset();
        let (status, again, _, body) = get(&base, &admin, figures, Some(&etag)).await;
        assert_eq!((status, body.as_str()), (304, ""));
        assert_eq!(again.as_deref(), Some(etag.as_str()));
        assert_eq!(app.counter.get(), token_check + 1);

        // Another tag, or another question, gets the answer.
        let (status, _, _, body) = get(&base, &admin, figures, Some("W/\"0\"")).await;
        assert_eq!(status, 200);
        assert_eq!(serde_json::from_str::<Value>(&body).expect("JSON"), first);
        let other = "{ stats { resources { cashInKind { count } } } }";
        let (status, other_tag, _, _) = get(&base, &admin, other, Some(&etag)).await;
        assert_eq!(status, 200);
        assert_ne!(other_tag.as_deref(), Some(etag.as_str()));

        // After a change the old tag no longer matches.
        app.data(
            "mutation { createProject(input: { title: { fr: \"Révision\" } }) { id } }",
            json!({}),
        )
        .await;
        let (status, changed, _, _) = get(&base, &admin, figures, Some(&etag)).await;
        assert_eq!(status, 200);
        assert_ne!(changed.expect("an entity tag"), etag);

        // Another principal with the admin's tag gets its own answer, not a 304.
        let (_, viewer) = issue_token(app.store(), "viewer", Role::Viewer, &[], None, None)
            .await
            .expect("a token");
        let (_, current, _, _) = get(&base, &admin, figures, None).await;
        let current = current.expect("an entity tag");
        let (status, theirs, _, _) = get(&base, &viewer, figures, Some(&current)).await;
        assert_eq!(status, 200);
        assert_ne!(theirs.as_deref(), Some(current.as_str()));

        // POST answers carry no tag: If-None-Match on a POST means something else.
        let response = reqwest::Client::new()
            .post(format!("{base}/graphql"))
            .header(AUTHORIZATION, format!("Bearer {admin}"))
            .header(IF_NONE_MATCH, &current)
            .json(&json!({ "query": figures }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        assert!(response.headers().get(ETAG).is_none());
    }
);
