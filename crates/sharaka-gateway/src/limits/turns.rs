//! Turns to execute: how many operations run at once (`SHARAKA_MAX_OPERATIONS`), and how many
//! of them may build a large answer (`SHARAKA_MAX_LARGE_ANSWERS`).
//!
//! The server's work is CPU-bound, so operations beyond a few per core finish no sooner; they
//! only hold more answers in memory. Most answers are kilobytes, but the dashboard figures
//! (`stats`) and the GraphQL exports (`export`) are megabytes while they are a value tree: a
//! resources answer over three years at scale M is ~6,000 rows, about 9 MB in memory before it
//! is 1 MB of JSON. Sixteen of those at once took the server past 150 MiB, while sixteen node
//! lookups at once are what keeps the database busy. A `search` is the same while it ranks:
//! up to 5,000 candidates, each with its text, about 4 MB; eight at once kept the server near
//! 150 MiB once requests no longer waited for their token's lookup. So an operation takes a
//! large-answer turn as well, once, when it first resolves `stats`, `export` or `search`: the
//! large answers are bounded tightly without starving the small ones.
//!
//! Both turns are held until the answer is serialised (see `App::execute_in_turn`). Waiting for
//! either counts towards the request deadline. A large-answer turn is taken only after the
//! operation's own, and released with it; no turn is ever waited for while one of the same
//! kind is held by the same operation, so the bounds cannot deadlock.

use std::sync::Arc;

use tokio::sync::{OnceCell, OwnedSemaphorePermit, Semaphore};

/// The bounds of one server.
#[derive(Debug, Clone)]
pub struct Turns {
    operations: Option<Arc<Semaphore>>,
    large: Option<Arc<Semaphore>>,
}

impl Turns {
    /// At most `operations` operations at once, and `large` of them building a large answer
    /// (zero: no bound).
    pub fn new(operations: usize, large: usize) -> Self {
        let bound = |n: usize| (n > 0).then(|| Arc::new(Semaphore::new(n)));
        Self {
            operations: bound(operations),
            large: bound(large),
        }
    }

    /// Waits for an operation's turn. The semaphores are never closed.
    pub async fn operation(&self) -> Turn {
        let operation = match &self.operations {
            Some(turns) => Arc::clone(turns).acquire_owned().await.ok(),
            None => None,
        };
        Turn {
            _operation: operation,
            large: LargeAnswerTurn {
                turns: self.large.clone(),
                held: Arc::default(),
            },
        }
    }

    /// Large-answer turns free now (`None` when unbounded).
    pub fn large_answers_free(&self) -> Option<usize> {
        self.large.as_ref().map(|s| s.available_permits())
    }
}

/// An operation's turn, with its large-answer turn if it took one; both end when it is dropped.
#[derive(Debug)]
pub struct Turn {
    _operation: Option<OwnedSemaphorePermit>,
    large: LargeAnswerTurn,
}

impl Turn {
    /// What the operation's resolvers use to take its large-answer turn (request data).
    pub fn large(&self) -> LargeAnswerTurn {
        self.large.clone()
    }
}

/// An operation's large-answer turn, taken at most once however many fields ask for it.
#[derive(Debug, Clone)]
pub struct LargeAnswerTurn {
    turns: Option<Arc<Semaphore>>,
    held: Arc<OnceCell<Option<OwnedSemaphorePermit>>>,
}

impl LargeAnswerTurn {
    /// Waits until the operation may build a large answer; at once if it already may.
    pub async fn take(&self) {
        if let Some(turns) = &self.turns {
            self.held
                .get_or_init(|| async { Arc::clone(turns).acquire_owned().await.ok() })
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_large_answer_turn_is_taken_once_and_held_until_the_turn_ends() {
        let turns = Turns::new(4, 1);
        let first = turns.operation().await;
        let large = first.large();
        assert_eq!(turns.large_answers_free(), Some(1), "taken only when asked");
        large.take().await;
        large.take().await;
        first.large().take().await;
        assert_eq!(turns.large_answers_free(), Some(0), "taken once");

        // A second operation waits for it; a small one does not.
        let second = turns.operation().await;
        let waiting = second.large();
        let waited = tokio::spawn(async move { waiting.take().await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waited.is_finished(), "the second large answer waits");
        let _small = turns.operation().await;

        // Dropping the request's copy does not end it; dropping the turn does.
        drop(large);
        assert_eq!(turns.large_answers_free(), Some(0));
        drop(first);
        tokio::time::timeout(Duration::from_secs(5), waited)
            .await
            .expect("the waiting operation got its turn")
            .expect("task");
        assert_eq!(
            turns.large_answers_free(),
            Some(0),
            "now held by the second"
        );
        drop(second);
        assert_eq!(turns.large_answers_free(), Some(1));
    }

    #[tokio::test]
    async fn zero_means_no_bound() {
        let turns = Turns::new(0, 0);
        let turn = turns.operation().await;
        turn.large().take().await;
        let other = turns.operation().await;
        tokio::time::timeout(Duration::from_secs(5), other.large().take())
            .await
            .expect("no wait without a bound");
        assert_eq!(turns.large_answers_free(), None);
    }
}
