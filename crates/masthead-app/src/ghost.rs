//! Ghost's formats, both ways: the JSON export (import and export), the editor formats of
//! imported bodies, and resources shaped as Ghost's APIs and webhooks show them.

pub mod api_json;
pub mod body;
pub mod export;
mod format;
pub mod images;
pub mod import;
mod scan;
