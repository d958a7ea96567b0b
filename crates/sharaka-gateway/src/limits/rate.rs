//! Rate limiting with token buckets (GCRA, from `governor`): one bucket per identity (a hash of
//! the `Authorization` header, else the client's address) and one per client address over all
//! identities, so that a client cycling through made-up tokens is still held to its address's
//! budget. IPv6 addresses are bucketed by their /64 prefix, which one client usually owns whole.
//!
//! Buckets of clients that have gone quiet are dropped every few thousand checks, so memory
//! follows the number of recently active clients.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

/// How often (in checks) quiet buckets are dropped.
const SWEEP_EVERY: u64 = 4096;

/// A bucket's owner.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identity {
    /// A credential (its hash, truncated: only equality matters).
    Credential([u8; 16]),
    /// A client address (IPv6 by /64).
    Address(IpAddr),
}

/// The budget of one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Requests per minute, sustained.
    pub per_minute: u32,
    /// Requests allowed at once on a full bucket.
    pub burst: u32,
}

impl Budget {
    fn quota(self) -> Option<Quota> {
        let per_minute = NonZeroU32::new(self.per_minute)?;
        let burst = NonZeroU32::new(self.burst.max(1))?;
        Some(Quota::per_minute(per_minute).allow_burst(burst))
    }
}

/// The server's buckets.
pub struct RateLimits {
    identity: Option<DefaultKeyedRateLimiter<Identity>>,
    address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("identity", &self.identity.is_some())
            .field("address", &self.address.is_some())
            .finish()
    }
}

/// The bucket key of an address: IPv4 as is, IPv6 by its /64 prefix.
pub fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
    }
}

impl RateLimits {
    /// Buckets with these budgets; a budget of 0 per minute switches its buckets off.
    pub fn new(identity: Budget, address: Budget) -> Self {
        Self {
            identity: identity.quota().map(RateLimiter::keyed),
            address: address.quota().map(RateLimiter::keyed),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
    }

    /// Whether any bucket is on.
    pub fn enabled(&self) -> bool {
        self.identity.is_some() || self.address.is_some()
    }

    /// Takes `n` requests from the caller's buckets; on refusal, how long to wait.
    pub fn check(
        &self,
        authorization: Option<&[u8]>,
        address: Option<IpAddr>,
        n: u32,
    ) -> Result<(), Duration> {
        let Some(n) = NonZeroU32::new(n) else {
            return Ok(());
        };
        if !self.enabled() {
            return Ok(());
        }
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        let address = address_key(address.unwrap_or(IpAddr::from([0, 0, 0, 0])));
        if let Some(limiter) = &self.identity {
            let key = match authorization {
                Some(value) => {
                    let digest = Sha256::digest(value);
                    let mut short = [0u8; 16];
                    short.copy_from_slice(&digest[..16]);
                    Identity::Credential(short)
                }
                None => Identity::Address(address),
            };
            self.take(limiter, &key, n)?;
        }
        if let Some(limiter) = &self.address {
            self.take(limiter, &address, n)?;
        }
        Ok(())
    }

    fn take<K: Clone + Eq + std::hash::Hash>(
        &self,
        limiter: &DefaultKeyedRateLimiter<K>,
        key: &K,
        n: NonZeroU32,
    ) -> Result<(), Duration> {
        match limiter.check_key_n(key, n) {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(not_until)) => Err(not_until.wait_time_from(self.clock.now())),
            // More than a full bucket at once (a batch larger than the burst): never possible.
            Err(_) => Err(Duration::from_secs(60)),
        }
    }

    /// Drops the buckets of clients that have been quiet long enough to be full again.
    pub fn sweep(&self) {
        if let Some(limiter) = &self.identity {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &self.address {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// How many buckets are held (for tests and metrics).
    pub fn len(&self) -> usize {
        self.identity.as_ref().map_or(0, |l| l.len()) + self.address.as_ref().map_or(0, |l| l.len())
    }

    /// Whether no bucket is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The `Retry-After` value for a wait: whole seconds, rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusal_with_a_wait() {
        let limits = RateLimits::new(
            Budget {
                per_minute: 60,
                burst: 3,
            },
            Budget {
                per_minute: 0,
                burst: 0,
            },
        );
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..3 {
            assert_eq!(limits.check(None, ip, 1), Ok(()));
        }
        let wait = limits.check(None, ip, 1).expect_err("refused");
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        assert_eq!(retry_after_secs(wait), 1);
        // Another identity from the same address has its own bucket.
        assert_eq!(limits.check(Some(b"Bearer x"), ip, 1), Ok(()));
        // Another address too.
        assert_eq!(
            limits.check(None, Some(IpAddr::from([10, 0, 0, 1])), 1),
            Ok(())
        );
    }

    #[test]
    fn the_address_bucket_holds_every_identity() {
        let limits = RateLimits::new(
            Budget {
                per_minute: 600,
                burst: 100,
            },
            Budget {
                per_minute: 60,
                burst: 2,
            },
        );
        let ip = Some(IpAddr::from([192, 0, 2, 1]));
        assert_eq!(limits.check(Some(b"Bearer a"), ip, 1), Ok(()));
        assert_eq!(limits.check(Some(b"Bearer b"), ip, 1), Ok(()));
        assert!(limits.check(Some(b"Bearer c"), ip, 1).is_err());
    }

    #[test]
    fn ipv6_is_bucketed_by_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("ip");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
    }

    #[test]
    fn switched_off() {
        let off = Budget {
            per_minute: 0,
            burst: 10,
        };
        let limits = RateLimits::new(off, off);
        assert!(!limits.enabled());
        for _ in 0..1000 {
            assert_eq!(limits.check(None, None, 1), Ok(()));
        }
    }
}
