//! API tokens: machine credentials kept only as a SHA-256 hash. The secret itself is shown once,
//! when it is issued, and never stored or logged.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};

use crate::write::Cell;
use crate::{Conn, PersistenceError, Store, with_conn};

/// A stored token (without its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// The token's id.
    pub id: String,
    /// A name saying who or what uses it.
    pub name: String,
    /// The role code.
    pub role: String,
    /// The region codes a regional officer's token is scoped to.
    pub regions: Vec<String>,
    /// The organisation a partner's token is scoped to.
    pub organisation_id: Option<String>,
    /// When it stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewApiToken<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its name.
    pub name: &'a str,
    /// The SHA-256 hash of its secret, hex-encoded.
    pub token_hash: &'a str,
    /// The role code.
    pub role: &'a str,
    /// Region codes.
    pub regions: &'a [String],
    /// Organisation id.
    pub organisation_id: Option<&'a str>,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Stores a new token.
    pub async fn insert_token(&self, token: NewApiToken<'_>) -> Result<(), PersistenceError> {
        let mut cells = vec![
            ("id", Cell::Text(token.id.to_owned())),
            ("name", Cell::Text(token.name.to_owned())),
            ("token_hash", Cell::Text(token.token_hash.to_owned())),
            ("role", Cell::Text(token.role.to_owned())),
            ("regions", Cell::Text(token.regions.join(","))),
            ("organisation_id", Cell::opt_text(token.organisation_id)),
        ];
        if let Some(expires) = token.expires_at {
            cells.push(("expires_at", Cell::Time(expires)));
        }
        self.insert("api_tokens", &cells).await
    }

    /// The token whose secret hashes to `token_hash`, if any (revoked and expired included: the
    /// caller decides, so that it can say why a token is refused).
    pub async fn token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<ApiToken>, PersistenceError> {
        let select = Query::select()
            .columns(
                [
                    "id",
                    "name",
                    "role",
                    "regions",
                    "organisation_id",
                    "expires_at",
                    "revoked_at",
                ]
                .map(Alias::new),
            )
            .from(Alias::new("api_tokens"))
            .and_where(Expr::col(Alias::new("token_hash")).eq(token_hash))
            .to_owned();
        with_conn!(self, c => {
            match c.query_one(&select).await? {
                None => Ok(None),
                Some(row) => {
                    let regions: String = row.try_get("", "regions")?;
                    Ok(Some(ApiToken {
                        id: row.try_get("", "id")?,
                        name: row.try_get("", "name")?,
                        role: row.try_get("", "role")?,
                        regions: regions.split(',').filter(|r| !r.is_empty()).map(str::to_owned).collect(),
                        organisation_id: row.try_get("", "organisation_id")?,
                        expires_at: row.try_get("", "expires_at")?,
                        revoked_at: row.try_get("", "revoked_at")?,
                    }))
                }
            }
        })
    }

    /// Revokes a token by id; returns whether one was revoked.
    pub async fn revoke_token(&self, id: &str) -> Result<bool, PersistenceError> {
        let update = Query::update()
            .table(Alias::new("api_tokens"))
            .value(Alias::new("revoked_at"), Expr::current_timestamp())
            .and_where(Expr::col(Alias::new("id")).eq(id))
            .and_where(Expr::col(Alias::new("revoked_at")).is_null())
            .to_owned();
        with_conn!(self, c => Ok(c.execute(&update).await?.rows_affected() == 1))
    }
}

/// The channel PostgreSQL notifies after any change to `api_tokens` (migration
/// `m20261206_000001_notify_token_changes`).
const TOKENS_CHANNEL: &str = "sharaka_tokens";

/// What a [`TokenListener`] heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenNews {
    /// A transaction that changed tokens committed.
    Changed,
    /// The connection was lost and made again: changes made meanwhile were not heard.
    Reconnected,
}

/// Notifications of changes to API tokens, on a connection of its own (PostgreSQL `LISTEN`).
#[derive(Debug)]
pub struct TokenListener(sea_orm::sqlx::postgres::PgListener);

impl Store {
    /// A listener for changes to API tokens (PostgreSQL only; `None` on SQLite, which has no
    /// notifications). It listens from the moment this returns.
    pub async fn token_listener(&self) -> Result<Option<TokenListener>, PersistenceError> {
        if self.backend() != crate::Backend::Postgres {
            return Ok(None);
        }
        let pool = self.pool.get_postgres_connection_pool();
        let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(pool)
            .await
            .map_err(crate::outbox::listener_error)?;
        listener
            .listen(TOKENS_CHANNEL)
            .await
            .map_err(crate::outbox::listener_error)?;
        Ok(Some(TokenListener(listener)))
    }
}

impl TokenListener {
    /// Waits for the next news. After [`TokenNews::Reconnected`] the listener listens again;
    /// an error means it could not reconnect.
    pub async fn next(&mut self) -> Result<TokenNews, PersistenceError> {
        match self.0.try_recv().await {
            Ok(Some(_)) => Ok(TokenNews::Changed),
            Ok(None) => Ok(TokenNews::Reconnected),
            Err(error) => Err(crate::outbox::listener_error(error)),
        }
    }

    /// Checks that the connection still answers (a statement on it): a connection cut without
    /// a word from the network would otherwise hear nothing, and say nothing either.
    /// Notifications that arrive meanwhile are kept for [`TokenListener::next`]. The statement
    /// names the channel, so that `pg_stat_activity` tells what the connection is for.
    pub async fn check(&mut self) -> Result<(), PersistenceError> {
        sea_orm::sqlx::query("SELECT 1 AS listening_on_sharaka_tokens")
            .execute(&mut self.0)
            .await
            .map(|_| ())
            .map_err(crate::outbox::listener_error)
    }
}
