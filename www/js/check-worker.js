// The linearizability checker off the page's thread: a module worker that loads the checker's
// wasm package (www/pkg-check, fetched the first time a history is read or checked) and does one
// task. The page cancels a check by terminating the worker.
//   {task: 'read', edn}                        -> {type: 'history', ops} (readHistory's)
//   {task: 'check', edn, model, searchSteps}   -> {type: 'progress', done, total, operations,
//        label} after each step (and once before the first), then {type: 'report', report}
// Either may end with {type: 'error', message} (a history that does not read names its line).

import { loadChecker } from './wasm.js';

self.onmessage = async ({ data }) => {
  try {
    const { KvChecker, readHistory } = await loadChecker();
    if (data.task === 'read') {
      postMessage({ type: 'history', ops: readHistory(data.edn) });
      return;
    }
    const checker = new KvChecker(data.edn, data.model, data.searchSteps ?? undefined);
    const { total, operations } = checker;
    postMessage({ type: 'progress', done: 0, total, operations, label: null });
    while (!checker.finished) {
      const { done, label } = checker.checkNext();
      postMessage({ type: 'progress', done, total, operations, label });
    }
    postMessage({ type: 'report', report: checker.report() });
  } catch (error) {
    postMessage({ type: 'error', message: error?.message ?? String(error) });
  }
};
