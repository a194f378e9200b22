//! The node's store on disk (`--data DIR`): a write-ahead log, `DIR/n<index>.wal`.
//!
//! One JSON object per line, one line per store change the core reports
//! (`Output::StoreChanged`): `{"key": "5", "entry": {"value": "hello", "version": {"timestamp":
//! 1700000000000000, "node": 1}}}`; a tombstone has `"value": null`, and a purged tombstone is
//! `"entry": null`. The driver appends and fsyncs (`File::sync_data`) the changes of one step
//! before it carries out the step's other outputs, so no acknowledgement leaves before its
//! version is on disk.
//!
//! On start the log is replayed in order (a version keeps the newer of it and what is stored; a
//! purge removes the key), then compacted: the resulting store is written to `n<index>.wal.tmp`,
//! synced and renamed over the log, so the log holds one line per key after each start. A last
//! line cut short by a crash (no newline at its end, not readable) is ignored with a warning;
//! any other unreadable line is an error naming the file and the line.

use kvplayground::model::types::{Entry, Key};
use kvplayground::NodeId;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(serde::Serialize, serde::Deserialize)]
struct Line {
    key: Key,
    entry: Option<Entry>,
}

pub struct Wal {
    path: PathBuf,
    file: File,
    buffer: Vec<u8>,
}

impl Wal {
    /// Opens (or creates) node `index`'s log in `dir`: the entries it holds, and the log,
    /// compacted, ready for appends.
    pub fn open(dir: &Path, index: NodeId) -> Result<(Wal, Vec<(Key, Entry)>), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let path = dir.join(format!("n{index}.wal"));
        let entries = match std::fs::read(&path) {
            Ok(bytes) => replay(&path, &bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let mut wal = compact(dir, &path, &entries).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        wal.buffer.clear();
        Ok((wal, entries))
    }

    /// Queues a store change; [`Wal::sync`] writes it.
    pub fn push(&mut self, key: &Key, entry: &Option<Entry>) {
        serde_json::to_writer(&mut self.buffer, &Line { key: key.clone(), entry: entry.clone() })
            .expect("a store entry serializes");
        self.buffer.push(b'\n');
    }

    /// Appends the queued changes and waits until they are on disk.
    pub fn sync(&mut self) -> Result<(), String> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        self.file
            .write_all(&self.buffer)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        self.buffer.clear();
        Ok(())
    }
}

/// The entries the log's lines leave, in key order.
fn replay(path: &Path, bytes: &[u8]) -> Result<Vec<(Key, Entry)>, String> {
    let mut store: HashMap<Key, Entry> = HashMap::new();
    let torn_tail = !bytes.is_empty() && !bytes.ends_with(b"\n");
    let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    // `split` gives an empty last piece after a final newline.
    let count = if torn_tail { lines.len() } else { lines.len() - 1 };
    for (i, line) in lines[..count].iter().enumerate() {
        match serde_json::from_slice::<Line>(line) {
            Ok(Line { key, entry: Some(entry) }) => {
                if store.get(&key).is_none_or(|stored| stored.version < entry.version) {
                    store.insert(key, entry);
                }
            }
            Ok(Line { key, entry: None }) => {
                store.remove(&key);
            }
            Err(_) if torn_tail && i + 1 == count => {
                eprintln!("kvnode: {}: line {} was cut short (a crash while writing): ignored", path.display(), i + 1);
            }
            Err(e) => return Err(format!("{}: line {}: not a store change: {e}", path.display(), i + 1)),
        }
    }
    let mut entries: Vec<(Key, Entry)> = store.into_iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

/// Rewrites the log as one line per entry (through a temporary file renamed over it) and opens
/// it for appends.
fn compact(dir: &Path, path: &Path, entries: &[(Key, Entry)]) -> std::io::Result<Wal> {
    let tmp = path.with_extension("wal.tmp");
    let mut wal = Wal { path: path.to_path_buf(), file: File::create(&tmp)?, buffer: Vec::new() };
    for (key, entry) in entries {
        wal.push(key, &Some(entry.clone()));
    }
    wal.file.write_all(&wal.buffer)?;
    wal.file.sync_data()?;
    std::fs::rename(&tmp, path)?;
    // The rename is durable once the directory is synced.
    File::open(dir)?.sync_all()?;
    wal.file = OpenOptions::new().append(true).open(path)?;
    Ok(wal)
}
