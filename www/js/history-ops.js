// The two kinds of history the History card shows, as the operations its view draws:
// {process, lane (the process's name), key (its EDN text, or null), label, outcome (ok, fail, info), start, end (null: open,
// it may take effect at any time after it began), line (of its invoke in the EDN), detail (its
// tooltip)}. The page's run
// comes from the core's record of it (virtual µs); a file's from the checker's reader (its
// `:time` when every operation has one, else the order of its events).

import { seconds } from './dom.js';

const label = (parts) => parts.filter((part) => part !== null && part !== undefined).join(' ');

/** The run's operations, from KvScheduler.historyOps(); `timed` is always true. */
export function runOps(views) {
  return views.map((op) => {
    const read = op.f === 'get' && op.outcome === 'ok';
    const text = label([op.f, op.key, read ? (op.value ?? 'nil') : op.value]);
    const until = op.completed === null ? 'still running' : `${op.outcome} at ${seconds(op.completed)} s`;
    const error = op.error ? `: ${op.error}` : '';
    return {
      process: op.process,
      // A node running several operations at once runs them as several processes.
      lane: op.process === op.node ? `n${op.node}` : `n${op.node} p${op.process}`,
      key: JSON.stringify(op.key), // as the EDN writes it
      label: text,
      outcome: op.outcome ?? 'info',
      start: op.invoked,
      end: op.outcome === 'ok' || op.outcome === 'fail' ? op.completed : null,
      line: op.line,
      detail: `${text} at ${op.level} on n${op.node}, request ${op.request}: from ${seconds(op.invoked)} s, ${until}${error}`,
    };
  });
}

/** A file's operations, from readHistory: {ops, timed}. */
export function fileOps(ops) {
  const timed = ops.length > 0 && ops.every((op) => op.invoked !== null && (op.completion_line === null || op.completed !== null));
  return {
    timed,
    ops: ops.map((op) => {
      const text = label([op.f, op.key, op.value]);
      const lines = op.completion_line !== null ? `lines ${op.line}-${op.completion_line}` : `line ${op.line}, no completion`;
      return {
        process: op.process,
        lane: `p${op.process}`,
        key: op.key,
        label: text,
        outcome: op.outcome,
        start: timed ? op.invoked : op.call,
        end: timed ? (op.outcome === 'info' ? null : op.completed) : op.ret,
        line: op.line,
        detail: `${text}: ${op.outcome} (${lines})`,
      };
    }),
  };
}
