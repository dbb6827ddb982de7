//! Values every page needs, read from the database once and kept until a change touches them.

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// A value kept between requests: dropped by [`Kept::forget`] (called by a change-bus
/// listener) or once older than the age its reader allows. A read that began before a
/// `forget` is handed to its caller but not kept, so a change is never hidden by a read that
/// was already under way.
pub struct Kept<T> {
    slot: RwLock<Slot<T>>,
}

struct Slot<T> {
    /// Counts the `forget`s, so a read can tell whether one happened while it ran.
    generation: u64,
    value: Option<(Instant, Arc<T>)>,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Self { slot: RwLock::new(Slot { generation: 0, value: None }) }
    }
}

impl<T> Kept<T> {
    /// Drops the kept value: the next caller reads it again.
    pub fn forget(&self) {
        let mut slot = self.slot.write().unwrap_or_else(|e| e.into_inner());
        slot.generation += 1;
        slot.value = None;
    }

    /// The kept value if it is younger than `max_age`, else what `read` returns, kept unless a
    /// change was heard meanwhile.
    pub async fn get_or_read<E, F, Fut>(&self, max_age: Duration, read: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let generation = {
            let slot = self.slot.read().unwrap_or_else(|e| e.into_inner());
            if let Some((at, value)) = &slot.value
                && at.elapsed() < max_age
            {
                return Ok(value.clone());
            }
            slot.generation
        };
        let value = Arc::new(read().await?);
        let mut slot = self.slot.write().unwrap_or_else(|e| e.into_inner());
        if slot.generation == generation {
            slot.value = Some((Instant::now(), value.clone()));
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    async fn read_counting(kept: &Kept<u32>, reads: &AtomicU32, max_age: Duration) -> u32 {
        let value = kept
            .get_or_read(max_age, || async { Ok::<_, ()>(reads.fetch_add(1, Ordering::SeqCst) + 1) })
            .await
            .expect("the read succeeds");
        *value
    }

    #[tokio::test]
    async fn a_value_is_read_once_until_forgotten() {
        let (kept, reads) = (Kept::default(), AtomicU32::new(0));
        assert_eq!(read_counting(&kept, &reads, MINUTE).await, 1);
        assert_eq!(read_counting(&kept, &reads, MINUTE).await, 1, "kept, not read again");
        kept.forget();
        assert_eq!(read_counting(&kept, &reads, MINUTE).await, 2, "read again after a change");
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_value_older_than_the_age_allowed_is_read_again() {
        let (kept, reads) = (Kept::default(), AtomicU32::new(0));
        assert_eq!(read_counting(&kept, &reads, Duration::ZERO).await, 1);
        assert_eq!(read_counting(&kept, &reads, Duration::ZERO).await, 2);
        assert_eq!(read_counting(&kept, &reads, MINUTE).await, 2, "young enough for a longer age");
    }

    #[tokio::test]
    async fn a_read_overtaken_by_a_change_is_not_kept() {
        let kept = Kept::default();
        let value = kept
            .get_or_read(MINUTE, || async {
                kept.forget();
                Ok::<_, ()>("before the change")
            })
            .await
            .expect("the read succeeds");
        assert_eq!(*value, "before the change", "the caller still gets what it read");
        let again =
            kept.get_or_read(MINUTE, || async { Ok::<_, ()>("after the change") }).await.expect("the read succeeds");
        assert_eq!(*again, "after the change");
    }

    #[tokio::test]
    async fn a_failed_read_keeps_nothing() {
        let kept = Kept::<u32>::default();
        assert_eq!(kept.get_or_read(MINUTE, || async { Err("database away") }).await, Err("database away"));
        let value = kept.get_or_read(MINUTE, || async { Ok::<_, &str>(7) }).await.expect("the read succeeds");
        assert_eq!(*value, 7);
    }
}
