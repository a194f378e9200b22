// The checker's worker (check-worker.js), one per task, so the page stays responsive however long
// a search takes: reading an EDN history into operations, and one linearizability check at a
// time, which Cancel stops by terminating its worker.

/** What a cancelled check rejects with. */
export class CheckCancelled extends Error {
  constructor() {
    super('the check was cancelled');
    this.name = 'CheckCancelled';
  }
}

/**
 * Starts a worker on `message`; `onMessage(data, settle)` sees each message it posts until
 * `settle(then, value)` ends it. Returns {worker, promise}; the promise rejects with the
 * worker's error.
 */
function startWorker(message, onMessage) {
  const worker = new Worker(new URL('./check-worker.js', import.meta.url), { type: 'module' });
  const promise = new Promise((resolve, reject) => {
    const settle = (then, value) => {
      worker.terminate();
      then(value);
    };
    worker.onmessage = ({ data }) => {
      if (data.type === 'error') settle(reject, new Error(data.message));
      else onMessage(data, (value) => settle(resolve, value));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      settle(reject, new Error(`the checker could not run: ${event.message || 'its worker failed to start'}`));
    };
  });
  worker.postMessage(message);
  return { worker, promise };
}

export class Checker {
  constructor() {
    this.check = null; // the running check: {worker, reject}
  }

  /** The operations of the EDN history `edn` (readHistory's); rejects naming the line that is wrong. */
  read(edn) {
    return startWorker({ task: 'read', edn }, (data, done) => done(data.ops)).promise;
  }

  /**
   * Checks `edn` against `model` (kv, cas-register or store), each key's search bounded by
   * `searchSteps` (null: no bound). `onProgress({done, total, operations, label})` follows it.
   * Resolves {report, ms}; rejects with the checker's error, or CheckCancelled. A check already
   * running is cancelled first.
   */
  start({ edn, model, searchSteps = null }, onProgress = () => {}) {
    this.cancel();
    const started = performance.now();
    const { worker, promise } = startWorker({ task: 'check', edn, model, searchSteps }, (data, done) => {
      if (data.type === 'progress') onProgress(data);
      else done({ report: data.report, ms: performance.now() - started });
    });
    return new Promise((resolve, reject) => {
      const check = { worker, reject };
      this.check = check;
      const end = (then) => (value) => {
        if (this.check === check) this.check = null;
        then(value);
      };
      promise.then(end(resolve), end(reject));
    });
  }

  /** Stops the running check, if any (its promise rejects with CheckCancelled). */
  cancel() {
    if (!this.check) return;
    const { worker, reject } = this.check;
    this.check = null;
    worker.terminate();
    reject(new CheckCancelled());
  }
}
