// A lesson task's checks, evaluated on the run the page shows: a script line's result or level, a
// node's store, a key absent from every replica, a count of an anomaly kind (the Anomalies card's data).
// Each check says what the run shows, so "Not yet" can tell the reader what went differently.

/**
 * Evaluates `checks` (lesson.task.check) on `run`: {driver, results (every result of the
 * history), requests (each script line's request id), script (the lines run)}. Returns
 * {solved, failures: [what the run shows instead, per failed check]}.
 */
export function evaluate(checks, run) {
  const failures = checks.map((check) => failure(check, run)).filter((text) => text !== null);
  return { solved: failures.length === 0, failures };
}

// null when `check` holds, else what the run shows.
function failure(check, run) {
  if (check.line !== undefined) return lineFailure(check, run);
  if (check.store !== undefined) {
    const held = valueOn(run.driver, check.store, check.key);
    return held === check.value ? null : `n${check.store} holds ${held ?? 'nothing'} for key ${check.key}, where the task wants ${check.value ?? 'nothing'}`;
  }
  if (check.absent !== undefined) {
    const holders = [];
    for (let node = 0; node < run.driver.size; node++) {
      const held = valueOn(run.driver, node, check.absent);
      if (held !== null) holders.push(`n${node} holds ${held}`);
    }
    return holders.length === 0 ? null : `key ${check.absent} is still there: ${holders.join(', ')}`;
  }
  const found = run.driver.anomalies().filter((a) => a.kind === check.anomaly);
  if (found.length === check.count) return null;
  const name = found[0]?.name ?? check.anomaly.replace(/_/g, ' ');
  return `the Anomalies card counts ${found.length} ${name}${found.length === 1 ? '' : 's'}, not ${check.count}`;
}

function lineFailure(check, run) {
  const what = `line ${check.line + 1} (${run.script[check.line]})`;
  const request = run.requests[check.line];
  // A level the rule of the task needs, which a luckier level may pass in this one run; as the
  // core read it (`9` is ALL), from the history of the run.
  if (check.level !== undefined) {
    const level = run.driver.historyOps().find((op) => op.request === request)?.level ?? 'no level';
    return level === check.level ? null : `${what} runs at ${level}, where the task wants ${check.level}${check.why ? `: ${check.why}` : ''}`;
  }
  // The command's answer, not the read repair reported after it.
  const result = run.results.find((r) => r.request === request && r.fields?.result !== 'repair');
  if (!result) return `${what} has no answer by the end of the run`;
  if (!result.ok) return check.ok === false ? null : `${what}: ${result.text}`;
  if (check.ok === false) return `${what} succeeded`;
  if (!('value' in check)) return null;
  const value = result.fields.value ?? null;
  return value === check.value ? null : `${what} returned ${shown(value)}, where the task wants ${shown(check.value)}`;
}

/** The live value `node` holds for `key`: null when it holds nothing or a tombstone. */
function valueOn(driver, node, key) {
  return driver.store(node).find((row) => row.key === key)?.value ?? null;
}

function shown(value) {
  return value === null ? 'not found' : String(value);
}
