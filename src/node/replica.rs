//! The replica role: apply versions to the local store and answer coordinators.

use super::io::Output;
use super::params::NodeParams;
use crate::model::message::Message;
use crate::model::store::{Applied, Store};
use crate::model::types::{Entry, Key, NodeId, Time};

/// Serves a message addressed to this node's store.
pub fn serve(p: &NodeParams, store: &mut Store, now: Time, from: NodeId, msg: Message, out: &mut Vec<Output>) {
    match msg {
        Message::Read { req, key } => {
            let entry = store.get(&key).cloned();
            out.push(Output::Send { to: from, msg: Message::ReadReply { req, key, entry } });
        }
        Message::SearchRead { req, key } => {
            let entry = store.get(&key).cloned();
            out.push(Output::Send { to: from, msg: Message::SearchReply { req, key, entry } });
        }
        Message::Write { req, key, entry, only_if_present } => {
            let applied = if p.original_bugs {
                write_as_the_original(store, &key, entry, out)
            } else {
                let applied = if only_if_present {
                    store.apply_if_present(now, &key, &entry)
                } else {
                    store.apply(now, &key, &entry)
                };
                if applied == Applied::Changed {
                    out.push(Output::StoreChanged { key: key.clone(), entry: Some(entry) });
                }
                applied
            };
            out.push(Output::Send {
                to: from,
                msg: Message::WriteAck { req, key, applied: applied != Applied::NotFound },
            });
        }
        Message::Repair { req, key, entry } => {
            apply(store, now, &key, &entry, out);
            if let Some(req) = req {
                out.push(Output::Send { to: from, msg: Message::RepairAck { req, key } });
            }
        }
        // A hint is applied like a repair (last-write-wins), so it never replaces a newer version
        // or a newer tombstone; it is acknowledged either way, since the store now holds its
        // version or a newer one.
        Message::Hint { key, entry } => {
            apply(store, now, &key, &entry, out);
            out.push(Output::Send { to: from, msg: Message::HintAck { key, version: entry.version } });
        }
        _ => debug_assert!(false, "replies and anti-entropy go to their own roles"),
    }
}

/// A write as the course project's replicas did it: a value replaces whatever is stored, newer
/// or not, present or not; a delete removes the key and leaves no tombstone. Always applied.
fn write_as_the_original(store: &mut Store, key: &Key, entry: Entry, out: &mut Vec<Output>) -> Applied {
    if entry.is_tombstone() {
        if store.remove(key) {
            out.push(Output::StoreChanged { key: key.clone(), entry: None });
        }
    } else if store.overwrite(key, &entry) == Applied::Changed {
        out.push(Output::StoreChanged { key: key.clone(), entry: Some(entry) });
    }
    Applied::Changed
}

/// Applies `entry` to the store (last-write-wins) and reports the change, if any.
pub fn apply(store: &mut Store, now: Time, key: &Key, entry: &Entry, out: &mut Vec<Output>) {
    if store.apply(now, key, entry) == Applied::Changed {
        out.push(Output::StoreChanged { key: key.clone(), entry: Some(entry.clone()) });
    }
}
