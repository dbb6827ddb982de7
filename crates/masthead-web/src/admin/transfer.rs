//! Moving content in and out: upload a Ghost JSON export (with the import report), download the
//! site as one. Administrators and the owner only.

use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use masthead_core::Permission;
use serde::Serialize;

use super::{SignedIn, forbidden, message, render};
use crate::AppState;
use crate::admin::posts::internal;

#[derive(Serialize)]
struct Row {
    table: String,
    created: usize,
    updated: usize,
    skipped: usize,
}

#[derive(Serialize)]
struct Report {
    done: bool,
    version: Option<String>,
    tables: Vec<Row>,
    already_present: usize,
    problems: Vec<String>,
    warnings: Vec<String>,
    /// What came in from the archive of Ghost's images, when one was given.
    images: Option<masthead_app::ghost::images::ImageReport>,
}

pub async fn transfer_page(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !staff.actor.may(Permission::ManageSettings) {
        return forbidden(&state, &staff, "import or export the site").await;
    }
    let empty = Report {
        done: false,
        version: None,
        tables: Vec::new(),
        already_present: 0,
        problems: Vec::new(),
        warnings: Vec::new(),
        images: None,
    };
    render(&state, StatusCode::OK, "transfer.html", Some(&staff), "transfer", empty).await
}

pub async fn import(State(state): State<AppState>, SignedIn(staff): SignedIn, mut form: Multipart) -> Response {
    if !staff.actor.may(Permission::ManageSettings) {
        return forbidden(&state, &staff, "import or export the site").await;
    }
    let (mut file, mut content) = (None, None);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("file") => file = field.bytes().await.ok(),
            Some("content") => content = field.bytes().await.ok().filter(|c| !c.is_empty()),
            _ => {}
        }
    }
    let back = || super::LinkView { url: "/admin/transfer/", label: "Back to import and export" };
    let Some(file) = file.filter(|f| !f.is_empty()) else {
        let text = "Choose a Ghost JSON export (a .json file from Ghost's Settings → Labs → Export) to import.";
        return message(&state, StatusCode::UNPROCESSABLE_ENTITY, Some(&staff), "Nothing imported", text, Some(back()))
            .await;
    };
    let report = match state.newsroom.import_ghost(&file, |_, _| {}).await {
        Ok(report) => report,
        Err(masthead_app::ghost::import::ImportError::Stopped(e)) => return internal(e),
        Err(e) => {
            let text = e.to_string();
            return message(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&staff),
                "Nothing imported",
                &text,
                Some(back()),
            )
            .await;
        }
    };
    let images = match content {
        None => None,
        Some(archive) => {
            let source = masthead_app::ghost::images::ContentSource::Archive(archive.to_vec());
            match state.newsroom.import_ghost_images(source, |_, _| {}).await {
                Ok(images) => Some(images),
                Err(e @ masthead_app::AppError::Invalid { .. }) => {
                    let text = format!("The export was imported, but not the images: {e}");
                    return message(
                        &state,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        Some(&staff),
                        "Images not imported",
                        &text,
                        Some(back()),
                    )
                    .await;
                }
                Err(e) => return internal(e),
            }
        }
    };
    let view = Report {
        done: true,
        version: report.ghost_version.clone(),
        tables: report
            .tables
            .iter()
            .map(|(table, c)| Row { table: table.clone(), created: c.created, updated: c.updated, skipped: c.skipped })
            .collect(),
        already_present: report.skipped.iter().filter(|s| s.already_present).count(),
        problems: report.problems().map(ToString::to_string).collect(),
        warnings: report.warnings.iter().map(ToString::to_string).collect(),
        images,
    };
    render(&state, StatusCode::OK, "transfer.html", Some(&staff), "transfer", view).await
}

pub async fn export(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !staff.actor.may(Permission::ManageSettings) {
        return forbidden(&state, &staff, "import or export the site").await;
    }
    match state.newsroom.export_ghost(&state.site_url).await {
        Ok(body) => {
            let disposition = format!("attachment; filename=\"masthead.ghost.{}.json\"", masthead_core::now().date());
            let bytes = serde_json::to_vec_pretty(&body).unwrap_or_default();
            (
                [
                    (header::CONTENT_TYPE, "application/json; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CACHE_CONTROL, "private, no-store".to_owned()),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => internal(e),
    }
}
