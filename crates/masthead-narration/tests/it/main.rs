//! Integration tests for masthead-narration. The hibari tests need the installed voice; see
//! `hibari.rs`.

mod hibari;
