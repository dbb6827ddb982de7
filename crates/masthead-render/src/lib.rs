//! Everything Masthead turns into text for readers: Markdown to sanitised HTML, plain text for
//! excerpts and reading time, and the themed site (pages, feeds, sitemaps, structured data).

pub mod email;
pub mod gating;
pub mod html;
pub mod lexical;
pub mod markdown;
pub mod narration;
pub mod structured_data;
pub mod theme;
pub mod views;

pub use html::{escape_html, html_to_plaintext, image_count, sanitize_html};
pub use markdown::markdown_to_html;
pub use theme::{Asset, Theme, ThemeError};
