//! Who is asking: bearer JWTs for people (HS256 with a configured secret for development and
//! tests; RS256/ES256 keys from a JWKS file for an OpenID Connect provider such as Keycloak) and
//! API tokens for machines (`shk_…`, at least 256 random bits, stored only as a SHA-256 hash).
//!
//! No credentials means the anonymous role (`PUBLIC` unless configured). A malformed, expired,
//! revoked or unknown credential is an error (`UNAUTHENTICATED`), never a silent fall-back.
//! Keys are pinned to their algorithms: `alg: none` and RS256/HS256 confusion are refused.
//! Secrets never reach the logs.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sharaka_domain::{Coded, OrganisationId, Principal, RegionId, Role};
use sharaka_persistence::Store;

mod cache;

pub use cache::TokenCache;

/// The prefix of API tokens, which tells them apart from JWTs.
pub const TOKEN_PREFIX: &str = "shk_";

/// How identities are checked.
#[derive(Clone)]
pub struct AuthConfig {
    /// HS256 shared secret (development and tests).
    pub hs256_secret: Option<SecretString>,
    /// Public keys of the identity provider (RS256 / ES256).
    pub jwks: Option<JwkSet>,
    /// The required `iss` claim.
    pub issuer: Option<String>,
    /// The required `aud` claim.
    pub audience: Option<String>,
    /// Allowed clock skew in seconds.
    pub leeway_secs: u64,
    /// The role of requests without credentials.
    pub anonymous_role: Role,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field(
                "hs256_secret",
                &self.hs256_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("jwks_keys", &self.jwks.as_ref().map(|k| k.keys.len()))
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_secs", &self.leeway_secs)
            .field("anonymous_role", &self.anonymous_role)
            .finish()
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            hs256_secret: None,
            jwks: None,
            issuer: None,
            audience: None,
            leeway_secs: 60,
            anonymous_role: Role::Public,
        }
    }
}

impl AuthConfig {
    /// Reads a JWKS file.
    pub fn load_jwks(path: &Path) -> anyhow::Result<JwkSet> {
        let text = std::fs::read_to_string(path)?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// Why credentials were refused. The message is safe to show: it never contains the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The `Authorization` header is not `Bearer <token>`.
    #[error("the Authorization header must be `Bearer <token>`")]
    Malformed,
    /// The token is not valid (signature, algorithm, issuer, audience, claims).
    #[error("the token is not valid: {0}")]
    Invalid(String),
    /// The token has expired.
    #[error("the token has expired")]
    Expired,
    /// The API token was revoked.
    #[error("the token was revoked")]
    Revoked,
    /// The database could not be asked.
    #[error("credentials could not be checked right now")]
    Unavailable,
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    organisation: Option<String>,
}

/// The SHA-256 of a secret, hex-encoded.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh API token secret: the prefix and 256 random bits.
pub fn new_token_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn principal(
    actor: String,
    role: &str,
    regions: &[String],
    organisation: Option<String>,
) -> Result<Principal, AuthError> {
    let role = Role::parse(role).map_err(|_| {
        AuthError::Invalid(format!(
            "unknown role `{}`",
            role.chars().take(32).collect::<String>()
        ))
    })?;
    let regions = regions
        .iter()
        .map(|r| RegionId::parse(r).map_err(|_| AuthError::Invalid("bad region in scope".into())))
        .collect::<Result<Vec<_>, _>>()?;
    let organisation = organisation
        .map(|o| {
            OrganisationId::parse(&o)
                .map_err(|_| AuthError::Invalid("bad organisation in scope".into()))
        })
        .transpose()?;
    if role == Role::Partner && organisation.is_none() {
        return Err(AuthError::Invalid(
            "a PARTNER credential needs an organisation".into(),
        ));
    }
    if role == Role::RegionalOfficer && regions.is_empty() {
        return Err(AuthError::Invalid(
            "a REGIONAL_OFFICER credential needs at least one region".into(),
        ));
    }
    Ok(Principal {
        actor,
        role,
        regions,
        organisation,
    })
}

fn validation(config: &AuthConfig, algorithm: Algorithm) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.leeway = config.leeway_secs;
    validation.set_required_spec_claims(&["exp", "sub"]);
    if let Some(issuer) = &config.issuer {
        validation.set_issuer(&[issuer]);
    }
    match &config.audience {
        Some(audience) => validation.set_audience(&[audience]),
        None => validation.validate_aud = false,
    }
    validation
}

fn jwt_error(error: jsonwebtoken::errors::Error) -> AuthError {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::InvalidSignature => AuthError::Invalid("bad signature".into()),
        ErrorKind::InvalidAlgorithm => AuthError::Invalid("algorithm not accepted".into()),
        ErrorKind::InvalidIssuer => AuthError::Invalid("wrong issuer".into()),
        ErrorKind::InvalidAudience => AuthError::Invalid("wrong audience".into()),
        ErrorKind::ImmatureSignature => AuthError::Invalid("not valid yet".into()),
        ErrorKind::MissingRequiredClaim(claim) => {
            AuthError::Invalid(format!("missing claim `{claim}`"))
        }
        _ => AuthError::Invalid("malformed token".into()),
    }
}

fn verify_jwt(token: &str, config: &AuthConfig) -> Result<Principal, AuthError> {
    let header = decode_header(token).map_err(|_| AuthError::Invalid("malformed token".into()))?;
    let claims = match header.alg {
        Algorithm::HS256 => {
            let secret = config
                .hs256_secret
                .as_ref()
                .ok_or_else(|| AuthError::Invalid("algorithm not accepted".into()))?;
            let key = DecodingKey::from_secret(secret.expose_secret().as_bytes());
            decode::<Claims>(token, &key, &validation(config, Algorithm::HS256))
                .map_err(jwt_error)?
                .claims
        }
        Algorithm::RS256 | Algorithm::ES256 => {
            let jwks = config
                .jwks
                .as_ref()
                .ok_or_else(|| AuthError::Invalid("algorithm not accepted".into()))?;
            let kid = header
                .kid
                .as_deref()
                .ok_or_else(|| AuthError::Invalid("the token names no key (`kid`)".into()))?;
            let jwk = jwks
                .find(kid)
                .ok_or_else(|| AuthError::Invalid("unknown signing key".into()))?;
            // The key decides the algorithm: a token may not pick a weaker or different one.
            let key_alg = match &jwk.algorithm {
                jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
                jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
                _ => return Err(AuthError::Invalid("unsupported key type".into())),
            };
            if key_alg != header.alg {
                return Err(AuthError::Invalid("algorithm not accepted".into()));
            }
            let key = DecodingKey::from_jwk(jwk)
                .map_err(|_| AuthError::Invalid("unusable signing key".into()))?;
            decode::<Claims>(token, &key, &validation(config, key_alg))
                .map_err(jwt_error)?
                .claims
        }
        _ => return Err(AuthError::Invalid("algorithm not accepted".into())),
    };
    let role = claims.role.as_deref().unwrap_or("VIEWER");
    principal(claims.sub, role, &claims.regions, claims.organisation)
}

async fn verify_api_token(
    secret: &str,
    store: &Store,
    cache: &TokenCache,
) -> Result<Principal, AuthError> {
    // Looking the token up by the hash of its secret compares hashes, not secrets: the lookup
    // takes no time that depends on how much of a guessed secret is right. The cache is keyed
    // by the same hash, so no secret is kept in memory either.
    let hash = hash_secret(secret);
    if let Some(principal) = cache.get(&hash) {
        return Ok(principal);
    }
    cache.watch(store);
    // Taken before the lookup: a change to tokens heard while it runs keeps its answer out of
    // the cache, since it may predate the change.
    let ticket = cache.ticket();
    let token = store
        .unscoped()
        .token_by_hash(&hash)
        .await
        .map_err(|error| {
            tracing::warn!(%error, "token lookup failed");
            AuthError::Unavailable
        })?;
    let token = token.ok_or_else(|| AuthError::Invalid("unknown token".into()))?;
    if token.revoked_at.is_some() {
        return Err(AuthError::Revoked);
    }
    if token.expires_at.is_some_and(|at| at <= chrono::Utc::now()) {
        return Err(AuthError::Expired);
    }
    let principal = principal(
        format!("token:{}", token.name),
        &token.role,
        &token.regions,
        token.organisation_id,
    )?;
    cache.put(hash, principal.clone(), token.expires_at, ticket);
    Ok(principal)
}

/// Authenticates a request from its `Authorization` header.
pub async fn authenticate(
    header: Option<&str>,
    config: &AuthConfig,
    store: &Store,
    cache: &TokenCache,
) -> Result<Principal, AuthError> {
    let Some(header) = header else {
        return Ok(Principal::anonymous(config.anonymous_role));
    };
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or(AuthError::Malformed)?;
    if token.is_empty() {
        return Err(AuthError::Malformed);
    }
    if token.starts_with(TOKEN_PREFIX) {
        verify_api_token(token, store, cache).await
    } else {
        verify_jwt(token, config)
    }
}

/// Issues an API token; returns its id and its secret (shown once, never stored).
pub async fn issue_token(
    store: &Store,
    name: &str,
    role: Role,
    regions: &[String],
    organisation: Option<&str>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<(String, String)> {
    principal(
        name.to_owned(),
        role.code(),
        regions,
        organisation.map(str::to_owned),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let id = uuid::Uuid::now_v7().to_string();
    let secret = new_token_secret();
    store
        .unscoped()
        .insert_token(sharaka_persistence::tokens::NewApiToken {
            id: &id,
            name,
            token_hash: &hash_secret(&secret),
            role: role.code(),
            regions,
            organisation_id: organisation,
            expires_at,
        })
        .await?;
    Ok((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_prefixed() {
        let a = new_token_secret();
        let b = new_token_secret();
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_ne!(a, b);
        // 32 bytes in unpadded base64url are 43 characters.
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 43);
        assert_eq!(hash_secret("abc").len(), 64);
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn scoped_roles_need_their_scope() {
        assert!(principal("p".into(), "PARTNER", &[], None).is_err());
        assert!(principal("p".into(), "PARTNER", &[], Some("org:pri".into())).is_ok());
        assert!(principal("o".into(), "REGIONAL_OFFICER", &[], None).is_err());
        assert!(principal("x".into(), "ROOT", &[], None).is_err());
    }

    #[test]
    fn hs256_tokens_are_checked_and_other_algorithms_refused() {
        use jsonwebtoken::{EncodingKey, Header, encode};
        let config = AuthConfig {
            hs256_secret: Some(SecretString::from("s3cret-for-tests")),
            ..AuthConfig::default()
        };
        let exp = (chrono::Utc::now() + chrono::Duration::hours(1)).timestamp();
        let claims = serde_json::json!({ "sub": "amina", "role": "EDITOR", "exp": exp });
        let good = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"s3cret-for-tests"),
        )
        .expect("encode");
        let principal = verify_jwt(&good, &config).expect("valid");
        assert_eq!(principal.role, Role::Editor);
        assert_eq!(principal.actor, "amina");
        let forged = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"wrong"),
        )
        .expect("encode");
        assert_eq!(
            verify_jwt(&forged, &config),
            Err(AuthError::Invalid("bad signature".into()))
        );
        let old = serde_json::json!({ "sub": "amina", "role": "EDITOR", "exp": exp - 7200 });
        let expired = encode(
            &Header::new(Algorithm::HS256),
            &old,
            &EncodingKey::from_secret(b"s3cret-for-tests"),
        )
        .expect("encode");
        assert_eq!(verify_jwt(&expired, &config), Err(AuthError::Expired));
        // `alg: none`: a header and payload with an empty signature.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        assert!(verify_jwt(&none, &config).is_err());
        // An RS256 token is refused when no JWKS is configured (no HS/RS confusion).
        let rs_header = format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        assert!(verify_jwt(&rs_header, &config).is_err());
    }
}
