//! Readers: signing up, signing in and managing their accounts (`accounts`), staff adding and
//! removing them by hand (`admin`), and Ghost's member CSV in and out (`csv`).

pub mod accounts;
pub mod admin;
pub mod csv;
