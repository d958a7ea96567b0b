//! Exchange rates to the Moroccan dirham, used by `stats.resourcesInMad`. Only ADMIN and EDITOR
//! set them; every change is audited like any other write (entity `ExchangeRate`).

use async_graphql::{Context, InputObject, Object, Result};
use sharaka_domain::{self as domain, Role};
use sharaka_persistence::write::{Cell, Change};

use crate::error::{ApiError, GqlResultExt};
use crate::schema::context::{author, deps};
use crate::schema::stats::ExchangeRate;
use crate::schema::write::new_id;

/// Setting exchange rates.
#[derive(Default)]
pub struct ExchangeRateMutation;

/// A rate to MAD from a given day.
#[derive(InputObject)]
pub struct SetExchangeRateInput {
    /// ISO 4217 code of the foreign currency (not MAD).
    pub currency: String,
    /// Moroccan dirhams for one unit of the currency; above zero.
    pub rate_to_mad: f64,
    /// First day in force, `YYYY-MM-DD`; the rate applies until the currency's next rate.
    pub valid_from: String,
    /// Where the figure comes from, e.g. "Bank Al-Maghrib reference rate, 2024-01-02".
    pub source: String,
    /// Required to replace the rate already stored for this currency and day: the version you
    /// read (a stale or missing one is `CONFLICT`). Leave it out for a new day.
    pub expected_version: Option<i32>,
}

#[Object]
impl ExchangeRateMutation {
    /// Sets the rate of a currency to MAD from a day on (ADMIN and EDITOR only). A second call
    /// for the same currency and day replaces the rate, given the `expectedVersion` read.
    /// Audited; returns the stored rate.
    async fn set_exchange_rate(
        &self,
        ctx: &Context<'_>,
        input: SetExchangeRateInput,
    ) -> Result<ExchangeRate> {
        let deps = deps(ctx);
        if !matches!(deps.principal.role, Role::Admin | Role::Editor) {
            return Err(ApiError::Forbidden(
                "only administrators and editors set exchange rates".into(),
            ))
            .gql();
        }
        let expected_version = input.expected_version;
        let rate = domain::NewExchangeRate::try_from(domain::ExchangeRateInput {
            currency: input.currency,
            rate_to_mad: input.rate_to_mad,
            valid_from: input.valid_from,
            source: input.source,
        })
        .map_err(ApiError::from)
        .gql()?;
        let store = &deps.store;
        let currency = rate.currency.as_str();
        let valid_from = rate.valid_from.to_string();
        let cells = vec![
            ("rate_to_mad", Cell::Float(rate.rate_to_mad)),
            ("source", Cell::Text(rate.source.clone())),
        ];
        let existing = store.exchange_rate_on(currency, &valid_from).await.gql()?;
        let (id, before) = match (existing, expected_version) {
            (Some(current), Some(version)) => {
                let before = store.snapshot("exchange_rates", &current.id).await.gql()?;
                store
                    .update("exchange_rates", &current.id, version, &cells)
                    .await
                    .gql()?;
                (current.id, before)
            }
            (Some(current), None) => {
                return Err(ApiError::Conflict {
                    message: format!(
                        "a rate of {currency} from {valid_from} already exists (version {}): pass expectedVersion to replace it",
                        current.version
                    ),
                    current_version: Some(current.version),
                })
                .gql();
            }
            (None, _) => {
                let id = new_id();
                let mut row = vec![
                    ("id", Cell::Text(id.clone())),
                    ("currency", Cell::Text(currency.to_owned())),
                    ("valid_from", Cell::Text(valid_from.clone())),
                ];
                row.extend(cells);
                store.insert("exchange_rates", &row).await.gql()?;
                (id, None)
            }
        };
        let after = store.snapshot("exchange_rates", &id).await.gql()?;
        store
            .record(
                &author(ctx),
                Change {
                    entity: "ExchangeRate",
                    record_id: &id,
                    action: "setExchangeRate",
                    reason: None,
                    before,
                    after,
                },
            )
            .await
            .gql()?;
        store
            .exchange_rate_on(currency, &valid_from)
            .await
            .gql()?
            .map(ExchangeRate::from)
            .ok_or_else(|| ApiError::Internal(format!("exchange rate `{id}` vanished")))
            .gql()
    }
}
