// The run's trace as the exports give it, up to the moment shown: the file of JSON lines (as
// `kvsim run --trace` prints it) as a Blob, whatever its size (a million operations make 15.6 M
// events, 2.2 GB, more than a JS string holds); its hash; the same text as one string for the
// API (playground.trace(), compareState()), up to MAX_TEXT_EVENTS; and the ShiViz log, up to MAX_SHIVIZ_EVENTS. The simulation's trace is read
// range by range (whole-trace.js): a long run's in slices, with progress. A recorded trace
// (trace-driver.js) is in JS already, and has neither a hash nor a ShiViz log of its own.

import { KvTraceHasher, loadExports } from './wasm.js';
import { exportSink } from './export-sink.js';
import { WholeTrace, readWholeTrace } from './whole-trace.js';

/**
 * Most trace events playground.trace() returns as one string: some 140 MB of text (a JS string
 * holds at most 512 M characters), read in one task. A longer trace comes as a Blob (traceBlob:
 * the Export trace button, playground.exportTrace()).
 */
export const MAX_TEXT_EVENTS = 1_000_000;
/**
 * Most trace events a ShiViz log is made of: the ShiViz viewer draws every event, and slows to a
 * crawl far below this; the log is made in one task (0.4 s at this many).
 */
const MAX_SHIVIZ_EVENTS = 100_000;
const TRACE_TYPE = 'application/x-ndjson';
const utf8 = new TextDecoder();

/**
 * Resolves with the trace as a Blob of JSON lines, read a slice at a time: a short run's at once,
 * a long one's telling `onProgress(fraction)` as it goes. Each range's bytes go to the export's
 * sink as they come (export-sink.js: in memory, or for a long trace a file), out of the JS heap.
 */
export async function traceBlob(session, onProgress) {
  const { driver } = session;
  if (driver.recorded) return new Blob([driver.traceJsonLines()], { type: TRACE_TYPE });
  const trace = new WholeTrace(session); // of the moment shown now, before the sink opens
  const sink = await exportSink(trace.events, 'kv-trace.jsonl').catch((e) => {
    trace.dispose();
    throw e;
  });
  try {
    await readWholeTrace(trace, (scheduler, start, end) => sink.write(scheduler.traceJsonLinesBetween(start, end)), {
      onProgress,
      settle: () => sink.settle(),
    });
    return await sink.finish(TRACE_TYPE);
  } catch (e) {
    await sink.abort().catch(() => {}); // the export's own error says what went wrong
    throw e;
  }
}

/** Resolves with the trace's hash, as `kvsim run --hash` prints it, computed a slice at a time. */
export async function traceHash(session, onProgress) {
  const { driver } = session;
  if (driver.recorded) return driver.traceHash(); // a recorded trace has none: it says so
  const hasher = new KvTraceHasher();
  try {
    await readWholeTrace(new WholeTrace(session), (scheduler, start, end) => scheduler.hashTraceBetween(hasher, start, end), { onProgress });
    return hasher.hex();
  } finally {
    hasher.free();
  }
}

/** Resolves with the trace as one string of JSON lines, read a slice at a time; rejects for one over MAX_TEXT_EVENTS. */
export async function traceText(session) {
  const { driver } = session;
  if (driver.recorded) return driver.traceJsonLines();
  refuseOver(driver, MAX_TEXT_EVENTS, 'playground.trace() returns', 'save it with the Export trace button, or take playground.exportTrace(), a Blob');
  return readText(session);
}

// The simulation's trace up to the moment shown as one string, read a slice at a time.
async function readText(session, onProgress) {
  const texts = [];
  await readWholeTrace(new WholeTrace(session), (scheduler, start, end) => texts.push(utf8.decode(scheduler.traceJsonLinesBetween(start, end))), { onProgress });
  return texts.join('');
}

/**
 * Resolves with the trace as a ShiViz log (vector clocks; parse it with the regular expression in
 * docs/language.md), made by the exports package (loaded on first use) from the trace read a
 * slice at a time. Rejects for a trace over MAX_SHIVIZ_EVENTS.
 */
export async function shivizLog(session, onProgress) {
  const { driver } = session;
  if (driver.recorded) return driver.shivizLog(); // a recorded trace has none: it says so
  refuseOver(
    driver,
    MAX_SHIVIZ_EVENTS,
    'a ShiViz log holds',
    'travel to an earlier moment (the log is of the run up to the moment shown), or write the log with kvsim run --shiviz OUT --scenario FILE, FILE the scenario saved (Download scenario)',
  );
  const text = await readText(session, onProgress);
  const { shivizOfTrace } = await loadExports();
  return shivizOfTrace(text);
}

// Throws when the trace up to the moment shown has more than `most` events, saying what to do.
function refuseOver(driver, most, what, instead) {
  const events = driver.traceEvents;
  if (events <= most) return;
  const count = (n) => n.toLocaleString('en');
  throw new Error(`this run's trace has ${count(events)} events, and ${what} at most ${count(most)}: ${instead}`);
}
