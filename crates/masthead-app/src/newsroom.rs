//! The staff side: writing and saving stories (`posts`, `authoring`), corrections and revision
//! history, staff accounts and sessions (`staff`), running the newsroom (`management`) and
//! uploaded images (`uploads`), and membership goal campaigns (`campaigns`).

pub mod authoring;
pub mod campaigns;
pub mod corrections;
pub mod feed;
pub mod guests;
mod management;
pub mod posts;
pub mod presence;
pub mod staff;
mod uploads;

pub use management::TagSocial;
