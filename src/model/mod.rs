//! The ground floor: the store's model, shared by every floor above. Values and versions
//! ([`types`]), the commands a client types ([`command`]), the cluster config ([`config`]), the
//! messages nodes exchange ([`message`]), what a client gets back ([`outcome`]), where a key
//! lives ([`placement`]) and a replica's store ([`store`]). Nothing here knows of nodes,
//! schedulers or the page.

pub mod command;
pub mod config;
pub mod message;
pub mod outcome;
pub mod placement;
pub mod store;
pub mod types;
