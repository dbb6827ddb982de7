//! Integrations: API keys for scripts and front ends (`keys`) and the webhooks that tell other
//! services what changed (`webhooks`).

pub mod keys;
pub mod webhooks;
