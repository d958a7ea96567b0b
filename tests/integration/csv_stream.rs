//! `GET /export/{list}.csv` over a real server: the stats fixture's records streamed as CSV with
//! the lists' filters and access rules — a round trip through the `csv` crate with Arabic text
//! and neutralised formulas, filters and ordering applied, a PUBLIC caller who gets no drafts, an
//! API token, more rows than one page, and coded JSON errors for a bad filter or list.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use serde_json::Value;
use sharaka_domain::Role;
use sharaka_gateway::Config;
use sharaka_gateway::auth::{AuthConfig, issue_token};
use sharaka_persistence::write::Cell;
use sharaka_test_support::{Data, TestApp, backend_tests, error_codes, header_text, test_config};

use crate::stats::{fixture, row, t};

/// The CSV of a reply body, which must start with a byte-order mark: the header, then rows.
fn parse(body: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let body = body
        .strip_prefix('\u{feff}')
        .expect("CSV starts with a BOM");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

struct Reply {
    status: StatusCode,
    content_type: String,
    disposition: String,
    body: String,
}

async fn get(base: &str, path: &str, query: &[(&str, &str)], token: Option<&str>) -> Reply {
    let mut request = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .query(query);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let header = |name| header_text(&response, name).unwrap_or_default();
    Reply {
        status: response.status(),
        content_type: header(CONTENT_TYPE),
        disposition: header(CONTENT_DISPOSITION),
        body: response.text().await.expect("body"),
    }
}

fn json_error(reply: &Reply) -> Value {
    assert!(
        reply.content_type.starts_with("application/json"),
        "{}: {}",
        reply.content_type,
        reply.body
    );
    serde_json::from_str(&reply.body).expect("JSON error body")
}

backend_tests!(
    csv_endpoint_streams_lists,
    Data::Empty,
    |app: TestApp| async move {
        // The public by default; an editor by API token.
        let config = Config {
            auth: AuthConfig {
                anonymous_role: Role::Public,
                ..AuthConfig::default()
            },
            ..test_config()
        };
        let app = TestApp::with_config(app.backend, Data::Empty, config)
            .await
            .expect("test app");
        fixture(&app).await;
        let (_, token) = issue_token(app.store(), "csv", Role::Editor, &[], None, None)
            .await
            .expect("token");
        let token = Some(token.as_str());
        let base = app.spawn().await.expect("server");

        // Organisations: Arabic survives the round trip, formulas are neutralised.
        let reply = get(&base, "/export/organisations.csv", &[], token).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.content_type, "text/csv; charset=utf-8");
        assert_eq!(
            reply.disposition,
            "attachment; filename=\"organisations.csv\""
        );
        let (header, rows) = parse(&reply.body);
        assert_eq!(header[..3], ["id", "acronym", "name_ar"]);
        assert_eq!(rows.len(), 4);
        let pri = rows.iter().find(|r| r[0] == "org:c").expect("org:c");
        assert_eq!(pri[2], "المنظمة الدولية للإصلاح الجنائي");
        assert_eq!(pri[1], "'=HYPERLINK(\"http://x\")");
        let dap = rows.iter().find(|r| r[0] == "org:b").expect("org:b");
        assert_eq!(dap[1], "'-DAP");

        // The list's filter and order: ACTIVE agreements, latest signature first.
        let reply = get(
            &base,
            "/export/agreements.csv",
            &[
                ("filter", r#"{"status":{"eq":"ACTIVE"}}"#),
                ("orderBy", r#"[{"field":"SIGNED_ON","direction":"DESC"}]"#),
            ],
            token,
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let (header, rows) = parse(&reply.body);
        assert_eq!(header[3], "status");
        let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(ids, ["agr:2", "agr:1"]);

        // The editor sees the draft; the public does not (published agreements only), and reads no
        // training session at all.
        let all = parse(&get(&base, "/export/agreements.csv", &[], token).await.body).1;
        assert_eq!(all.len(), 3);
        let public = get(&base, "/export/agreements.csv", &[], None).await;
        assert_eq!(public.status, StatusCode::OK);
        let public = parse(&public.body).1;
        assert_eq!(public.len(), 2);
        assert!(public.iter().all(|r| r[3] != "DRAFT"), "{public:?}");
        let sessions = parse(
            &get(&base, "/export/training-sessions.csv", &[], None)
                .await
                .body,
        );
        assert_eq!(sessions.0[0], "id");
        assert!(sessions.1.is_empty());

        // Every list answers, with its own header.
        for (list, first_column, count) in [
            ("partnerships", "id", 3),
            ("projects", "id", 2),
            ("contributions", "id", 4),
            ("training-sessions", "id", 6),
            ("visits", "id", 4),
            ("sites", "id", 5),
        ] {
            let reply = get(&base, &format!("/export/{list}.csv"), &[], token).await;
            assert_eq!(reply.status, StatusCode::OK, "{list}: {}", reply.body);
            let (header, rows) = parse(&reply.body);
            assert_eq!(header[0], first_column, "{list}");
            assert_eq!(rows.len(), count, "{list}");
        }
        // Contributions keep their exact amounts.
        let contributions = parse(
            &get(&base, "/export/contributions.csv", &[], token)
                .await
                .body,
        );
        let amount = contributions
            .0
            .iter()
            .position(|c| c == "amount")
            .expect("amount");
        let k1 = contributions.1.iter().find(|r| r[0] == "k1").expect("k1");
        assert_eq!(k1[amount], "1500000.00");

        // More than one page (500 rows): 1,055 sites stream in three pages, none lost or repeated.
        for n in 0..1_050 {
            row(
                &app,
                "sites",
                &[
                    ("id", t(&format!("site:bulk{n:04}"))),
                    ("site_type", t("LOCAL_PRISON")),
                    ("name_fr", t(&format!("Prison {n}"))),
                    ("name_ar", t("سجن")),
                    ("region_id", t("MA-01")),
                    ("status", Cell::Text("OPERATIONAL".into())),
                ],
            )
            .await;
        }
        // In id order, in one sort key or in several, pages start after the last record sent.
        // Every way, the same rows, none lost or repeated.
        let (_, sites) = parse(&get(&base, "/export/sites.csv", &[], token).await.body);
        assert_eq!(sites.len(), 1_055);
        let ids: Vec<&str> = sites.iter().map(|r| r[0].as_str()).collect();
        assert!(ids.is_sorted(), "in id order");
        let mut unique = ids.clone();
        unique.dedup();
        assert_eq!(unique.len(), 1_055);
        for order in [
            r#"[{"field":"NAME_FR","direction":"DESC"}]"#,
            r#"[{"field":"SITE_TYPE"},{"field":"NAME_FR","direction":"DESC"}]"#,
        ] {
            let (_, ordered) = parse(
                &get(&base, "/export/sites.csv", &[("orderBy", order)], token)
                    .await
                    .body,
            );
            let mut ordered_ids: Vec<&str> = ordered.iter().map(|r| r[0].as_str()).collect();
            assert_ne!(ordered_ids, ids, "{order}: another order");
            ordered_ids.sort_unstable();
            assert_eq!(ordered_ids, ids, "{order}: the same rows");
        }

        // A bad filter: 400 with a coded JSON body that says what is wrong.
        for (filter, needle) in [
            ("{not json", "not valid JSON"),
            (r#"{"status":{"eq":"SIGNED_TWICE"}}"#, "filter"),
            (r#"{"nosuchfield":1}"#, "unknown field `filter.nosuchfield`"),
            (
                r#"{"and":[{"status":{"eq":"ACTIVE","typo":1}}]}"#,
                "unknown field `filter.and[0].status.typo`",
            ),
        ] {
            let reply = get(
                &base,
                "/export/agreements.csv",
                &[("filter", filter)],
                token,
            )
            .await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{filter}: {}",
                reply.body
            );
            let body = json_error(&reply);
            assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{body}");
            let message = body["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(message.contains(needle), "{filter}: {message}");
        }
        let reply = get(
            &base,
            "/export/contributions.csv",
            &[("filter", "{}")],
            token,
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        // An unknown list, and a credential that is not one.
        let reply = get(&base, "/export/prisoners.csv", &[], token).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(error_codes(&json_error(&reply)), ["NOT_FOUND"]);
        let reply = get(&base, "/export/agreements.csv", &[], Some("made-up")).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_codes(&json_error(&reply)), ["UNAUTHENTICATED"]);
    }
);
