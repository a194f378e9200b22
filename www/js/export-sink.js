// Where an export's bytes go as they are made, range by range (trace-export.js). Up to
// MEMORY_EXPORT_EVENTS trace events, into a Blob of parts in memory. A longer trace is written
// to a file of the page's origin-private file system (OPFS), whatever its size: Chromium keeps a
// Blob's parts in memory up to a limit, and past it every part becomes unreadable (here a Blob
// of 400 MB of parts could be read, one of 800 MB could not, nor a million operations' 2.3 GB).
// A browser without OPFS gathers them in memory too, and says so if it could not keep them.

/** Most trace events an export gathers in memory: some 140 MB. */
const MEMORY_EXPORT_EVENTS = 1_000_000;
/**
 * The OPFS directory of the exports' files: only the latest and those being written stay (a Blob
 * of an earlier one can no longer be read).
 */
const DIRECTORY = 'exports';

let exportsMade = 0; // numbers each export's file, so two at once never share one
const writing = new Set(); // names of the files being written

/** A sink for an export of `events` trace events, as `name`: write(bytes) as they come, settle() between slices, then finish(type) or abort(). */
export async function exportSink(events, name) {
  if (events <= MEMORY_EXPORT_EVENTS || !globalThis.FileSystemWritableFileStream) return new MemorySink();
  return FileSink.open(`${++exportsMade}-${name}`);
}

class MemorySink {
  constructor() {
    this.parts = []; // a Blob per range: the bytes leave the JS heap as they come
    this.bytes = 0;
  }

  write(bytes) {
    this.parts.push(new Blob([bytes]));
    this.bytes += bytes.length;
  }

  async settle() {}

  /** Resolves with the Blob of every range written; rejects when the browser could not keep them. */
  async finish(type) {
    const blob = new Blob(this.parts, { type });
    try {
      await blob.slice(0, 1).arrayBuffer(); // a part the browser let go makes every read fail
    } catch {
      const mb = Math.ceil(this.bytes / 2 ** 20).toLocaleString('en');
      throw new Error(`the browser could not keep the ${mb} MB of this export in memory: travel to an earlier moment to export less of the run`);
    }
    return blob;
  }

  async abort() {}
}

class FileSink {
  /** A new file of the exports' directory. */
  static async open(name) {
    const root = await navigator.storage.getDirectory();
    const directory = await root.getDirectoryHandle(DIRECTORY, { create: true });
    const handle = await directory.getFileHandle(name, { create: true });
    writing.add(name);
    try {
      return new FileSink(name, directory, handle, await handle.createWritable());
    } catch (e) {
      writing.delete(name);
      throw e;
    }
  }

  constructor(name, directory, handle, writable) {
    Object.assign(this, { name, directory, handle, writable });
    this.written = Promise.resolve(); // the last write queued: writes happen in order
  }

  write(bytes) {
    // Awaited by settle(); a write that fails before it (a full disk) makes the next fail too.
    const written = this.writable.write(bytes);
    written.catch(() => {});
    this.written = written;
  }

  /** Resolves once the writes queued are done: a slow disk holds the export back, not memory. */
  settle() {
    return this.written;
  }

  /**
   * Resolves with the file written, as a Blob of `type`. The exports' older files go now (not
   * when this one started: a long export's writing leaves the last one's download time to end).
   */
  async finish(type) {
    try {
      await this.writable.close();
      for await (const old of this.directory.keys()) {
        if (old !== this.name && !writing.has(old)) await this.directory.removeEntry(old);
      }
      return new Blob([await this.handle.getFile()], { type });
    } finally {
      writing.delete(this.name);
    }
  }

  async abort() {
    writing.delete(this.name);
    await this.writable.abort();
    await this.directory.removeEntry(this.name);
  }
}
