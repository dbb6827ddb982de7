//! The members overview (`/admin/members/overview/`): members over the last 90 days as an SVG
//! chart drawn on the server (with a title, a description and the same figures as a table, so
//! it reads without JavaScript or sight), today's totals and progress towards active campaigns.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use masthead_app::members::emails::format_amount;
use masthead_app::members::overview::DayCount;
use masthead_core::Permission;
use masthead_storage::{CampaignProgress, MemberTotals};
use serde::Serialize;

use super::posts::internal;
use super::{SignedIn, forbidden, render};
use crate::AppState;

/// Days the chart covers.
pub const CHART_DAYS: u32 = 90;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// The chart's lines and labels, in SVG user units.
#[derive(Debug, Serialize)]
pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub total_points: String,
    pub paid_points: String,
    /// Horizontal grid lines: (y, label).
    pub grid: Vec<(f64, i64)>,
    pub first_day: String,
    pub last_day: String,
    pub left: f64,
    pub right: f64,
    pub bottom: f64,
    pub description: String,
}

/// A round top for the scale: 1, 2 or 5 times a power of ten, at least `max`.
fn scale_top(max: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if step * m >= max.max(1) {
                return step * m;
            }
        }
        step *= 10;
    }
}

pub fn chart(days: &[DayCount]) -> Chart {
    let top = scale_top(days.iter().map(|d| d.total).max().unwrap_or(0));
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: usize| {
        if days.len() <= 1 { LEFT } else { LEFT + plot_w * i as f64 / (days.len() - 1) as f64 }
    };
    let y = |v: i64| TOP + plot_h * (1.0 - v as f64 / top as f64);
    let line = |value: fn(&DayCount) -> i64| {
        days.iter().enumerate().map(|(i, d)| format!("{:.1},{:.1}", x(i), y(value(d)))).collect::<Vec<_>>().join(" ")
    };
    let grid = [0, top / 2, top].into_iter().map(|v| (y(v), v)).collect();
    let (first, last) = (days.first(), days.last());
    let description = match (first, last) {
        (Some(first), Some(last)) => format!(
            "From {} to {}, members went from {} to {}, and paid members from {} to {}.",
            first.date, last.date, first.total, last.total, first.paid, last.paid
        ),
        _ => "No figures yet.".to_owned(),
    };
    Chart {
        width: WIDTH,
        height: HEIGHT,
        total_points: line(|d| d.total),
        paid_points: line(|d| d.paid),
        grid,
        first_day: first.map(|d| d.date.clone()).unwrap_or_default(),
        last_day: last.map(|d| d.date.clone()).unwrap_or_default(),
        left: LEFT,
        right: WIDTH - RIGHT,
        bottom: HEIGHT - BOTTOM,
        description,
    }
}

#[derive(Serialize)]
struct CampaignBar {
    name: String,
    metric: &'static str,
    current: i64,
    target: i64,
    /// The current value within the bar's range (a campaign may pass its target).
    value_now: i64,
    percent: i64,
    current_text: String,
    target_text: String,
    ends_at: Option<String>,
}

fn campaign_bar(c: CampaignProgress) -> CampaignBar {
    let show = |v: i64| match (c.metric.as_str(), c.currency.as_deref()) {
        ("amount", Some(currency)) => format_amount(v, currency),
        _ => v.to_string(),
    };
    let percent = if c.target > 0 { (c.current.max(0) * 100 / c.target).min(100) } else { 0 };
    CampaignBar {
        metric: match c.metric.as_str() {
            "members" => "members",
            "paid_members" => "paid members",
            "new_members" => "new members",
            "amount" => "raised",
            _ => "",
        },
        current_text: show(c.current),
        target_text: show(c.target),
        ends_at: c.ends_at.map(|e| e.date().to_string()),
        name: c.name,
        value_now: c.current.clamp(0, c.target.max(0)),
        current: c.current,
        target: c.target,
        percent,
    }
}

/// `GET /admin/members/overview/`
pub async fn overview_page(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !staff.actor.may(Permission::ManageMembers) {
        return forbidden(&state, &staff, "see the members overview").await;
    }
    let db = state.newsroom.db();
    let (days, totals, campaigns) = match tokio::try_join!(
        async { state.newsroom.member_counts_by_day(CHART_DAYS).await.map_err(OverviewError::App) },
        async { db.member_totals().await.map_err(OverviewError::Storage) },
        async { db.active_campaign_progress().await.map_err(OverviewError::Storage) }
    ) {
        Ok(found) => found,
        Err(OverviewError::App(e)) => return internal(e),
        Err(OverviewError::Storage(e)) => return internal(e),
    };
    #[derive(Serialize)]
    struct Overview {
        chart: Chart,
        days: Vec<DayCount>,
        totals: MemberTotals,
        campaigns: Vec<CampaignBar>,
    }
    let content =
        Overview { chart: chart(&days), days, totals, campaigns: campaigns.into_iter().map(campaign_bar).collect() };
    render(&state, StatusCode::OK, "members-overview.html", Some(&staff), "members", content).await
}

enum OverviewError {
    App(masthead_app::AppError),
    Storage(masthead_storage::StorageError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_is_round_and_holds_the_largest_value() {
        assert_eq!([0, 1, 3, 7, 10, 11, 180, 2001].map(scale_top), [1, 1, 5, 10, 10, 20, 200, 5000]);
    }

    #[test]
    fn lines_span_the_plot() {
        let day = |date: &str, total, paid| DayCount { date: date.into(), total, paid };
        let c = chart(&[day("2026-12-01", 0, 0), day("2026-12-02", 10, 5)]);
        assert_eq!(c.total_points, "48.0,212.0 712.0,12.0");
        assert_eq!(c.paid_points, "48.0,212.0 712.0,112.0");
        assert!(c.description.contains("from 0 to 10"), "{}", c.description);
    }
}
