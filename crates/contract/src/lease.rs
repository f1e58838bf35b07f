//! How long an invocation holds an alert (or a follow-up) it delivers, which `validate` must
//! know to check Detective's budget: the claim's lease is the function's timeout, capped under
//! the minute Lambda waits before retrying a failed asynchronous invocation (Lambda developer
//! guide, "Error handling and automatic retries"), so that a retry finds an invocation that died
//! holding a claim no longer in its way. No publish starts in the lease's last seconds, and
//! Detective's budget ends in time to publish before then.

/// Longest claim lease, seconds.
pub const MAX_CLAIM_LEASE_SECONDS: i64 = 45;
/// Publishing stops this long before the lease ends, for the last publish to land in it.
pub const LEASE_MARGIN_SECONDS: i64 = 5;
/// What Detective's budget leaves of the time to publish: state writes and one publish per
/// route.
pub const DELIVERY_RESERVE_MS: i64 = 5_000;

/// The claim lease of a function with this timeout (seconds).
pub fn claim_lease_seconds(timeout_s: u32) -> i64 {
    i64::from(timeout_s).min(MAX_CLAIM_LEASE_SECONDS)
}

/// The longest Detective budget (ms) a function with this timeout can honour: what the lease
/// leaves after its margin and the delivery's reserve (never below zero).
pub fn max_detective_budget_ms(timeout_s: u32) -> u64 {
    let window_ms = (claim_lease_seconds(timeout_s) - LEASE_MARGIN_SECONDS) * 1000;
    (window_ms - DELIVERY_RESERVE_MS).max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_fits_in_the_lease_less_its_margin_and_the_delivery() {
        assert_eq!(max_detective_budget_ms(30), 20_000);
        assert_eq!(max_detective_budget_ms(60), 35_000);
        assert_eq!(max_detective_budget_ms(900), 35_000);
        assert_eq!(max_detective_budget_ms(10), 0);
    }
}
