//! The members overview: how many members there were on each of the last days, counted back
//! from today's totals.

use masthead_storage::MemberGrowth;
use serde::Serialize;
use time::OffsetDateTime;

use crate::{AppError, Newsroom};

/// Members at the end of one day (in the site's timezone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DayCount {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub total: i64,
    pub paid: i64,
}

/// The last `days` days, oldest first, ending today. A day's total is today's minus those who
/// joined after it; its paid count is today's minus the paid subscriptions started after it,
/// plus those that ended after it. Members who have since been deleted are not counted on any
/// day (the chart shows the members the newsroom has).
pub fn daily_counts(growth: &MemberGrowth, now: OffsetDateTime, zone: &jiff::tz::TimeZone, days: u32) -> Vec<DayCount> {
    let local = |t: OffsetDateTime| {
        jiff::Timestamp::from_second(t.unix_timestamp()).map(|ts| ts.to_zoned(zone.clone()).date()).ok()
    };
    let Some(today) = local(now) else { return Vec::new() };
    let joined: Vec<jiff::civil::Date> = growth.joined.iter().filter_map(|t| local(*t)).collect();
    let changes: Vec<(jiff::civil::Date, i64)> =
        growth.paid_changes.iter().filter_map(|(t, delta)| Some((local(*t)?, *delta))).collect();
    (0..days)
        .rev()
        .filter_map(|back| {
            let day = today.checked_sub(jiff::Span::new().days(i64::from(back))).ok()?;
            let joined_after = joined.iter().filter(|d| **d > day).count() as i64;
            let paid_after: i64 = changes.iter().filter(|(d, _)| *d > day).map(|(_, delta)| delta).sum();
            Some(DayCount {
                date: day.to_string(),
                total: (growth.totals.total - joined_after).max(0),
                paid: (growth.totals.paid - paid_after).max(0),
            })
        })
        .collect()
}

impl Newsroom {
    /// Members and paid members at the end of each of the last `days` days, oldest first.
    pub async fn member_counts_by_day(&self, days: u32) -> Result<Vec<DayCount>, AppError> {
        let now = masthead_core::now();
        // A day more than asked for: the oldest day's end may be in a timezone behind UTC.
        let since = now - time::Duration::days(i64::from(days) + 1);
        let growth = self.db.member_growth(since).await?;
        let zone = self.db.site_settings().await?.timezone.zone();
        Ok(daily_counts(&growth, now, &zone, days))
    }
}

#[cfg(test)]
mod tests {
    use masthead_storage::MemberTotals;
    use time::macros::datetime;

    use super::*;

    #[test]
    fn days_are_counted_back_from_today() {
        let now = datetime!(2026-12-05 12:00 UTC);
        let growth = MemberGrowth {
            totals: MemberTotals { total: 10, free: 7, paid: 3, comped: 0 },
            joined: vec![datetime!(2026-12-03 09:00 UTC), datetime!(2026-12-05 08:00 UTC)],
            paid_changes: vec![(datetime!(2026-12-04 10:00 UTC), 1), (datetime!(2026-12-05 10:00 UTC), -1)],
        };
        let days = daily_counts(&growth, now, &jiff::tz::TimeZone::UTC, 4);
        let shown: Vec<(&str, i64, i64)> = days.iter().map(|d| (d.date.as_str(), d.total, d.paid)).collect();
        assert_eq!(shown, [("2026-12-02", 8, 3), ("2026-12-03", 9, 3), ("2026-12-04", 9, 4), ("2026-12-05", 10, 3)]);
    }
}
