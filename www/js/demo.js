// "Watch read repair": a scripted scenario on the 4-node preset that makes n2 stale, reads it at
// ONE from n3 (getting the old value), and watches read repair fix n2. Each step is captioned in
// the hint line, and travelling through the demo's history shows the caption of that moment.

import { checkConfig } from './wasm.js';
import { PRESET_CONFIG, PRESET_SEED } from './presets.js';
import { compareVersions } from './versions.js';
import { guard, waitFor, waitForResult } from './waits.js';

const KEY = '5';

export class Demo {
  constructor(session, { inspector, hint, button }) {
    this.session = session;
    this.inspector = inspector;
    this.hint = hint;
    this.button = button;
    this.running = null;
    // The demos' captions with the step each was shown at, in the history they ran in.
    this.captions = null; // {history, before (the hint the first one replaced), shown: [{steps, text}]}
    this.inPast = false; // whether the last step shown was in the past (replaying the history)
    button.addEventListener('click', () => this.play().catch(() => {})); // failures are captioned
    session.subscribe((event) => {
      if (event.type === 'fork') this.forgetAfter(session.driver.steps);
      else if (event.type === 'step') {
        // After a travel, and as the recorded future replays up to its end: the caption of the
        // moment shown. Live, the demo (or its error) has the hint line.
        const inPast = session.history.isPast(session.driver.steps);
        if (event.rebuild || inPast || this.inPast) this.rewind();
        this.inPast = inPast;
      }
    });
  }

  /** Plays the scenario; resolves when n2 is repaired, rejects if the cluster is replaced meanwhile. */
  play() {
    this.running ??= this.script().finally(() => {
      this.running = null;
      this.button.disabled = false;
    });
    return this.running;
  }

  caption(text) {
    this.hint.textContent = text;
    this.captions?.shown.push({ steps: this.session.driver.steps, text });
  }

  // The caption shown at the moment now shown (before the first demo: the hint it replaced).
  rewind() {
    const { captions, session } = this;
    if (captions?.history !== session.history) return;
    const { steps } = session.driver;
    this.hint.textContent = captions.shown.findLast((c) => c.steps <= steps)?.text ?? captions.before;
  }

  // A fork drops the history after step `steps`, and with it the captions shown then.
  forgetAfter(steps) {
    if (this.captions) this.captions.shown = this.captions.shown.filter((c) => c.steps <= steps);
  }

  async script() {
    this.button.disabled = true;
    const session = this.session;
    if (session.driver.configText !== JSON.stringify(checkConfig(PRESET_CONFIG).config)) {
      session.replace(PRESET_CONFIG, PRESET_SEED);
    }
    if (this.captions?.history !== session.history) {
      this.captions = { history: session.history, before: this.hint.textContent, shown: [] };
    }
    // Every wait ends in a rejection if the cluster is replaced (reset, new config) meanwhile.
    const run = async (node, command) => {
      const result = await guard(session, session.run(node, command));
      if (!result.ok) throw new Error(`The demo stopped: ${result.text}`);
      return result;
    };
    try {
      session.play();
      this.inspector.show(KEY);
      this.caption('Demo 1/5 — n0 inserts 5=hello at ALL: it writes to the key\'s replicas n0, n1 and n2 and waits for all three acks.');
      await run(0, `insert ${KEY} hello ALL`);
      session.act('hold 0>2');
      this.caption('Demo 2/5 — the link n0→n2 now holds its messages (dashed red). n0 updates 5=world at QUORUM: n0 and n1 ack, n2 never hears of it.');
      await run(0, `update ${KEY} world QUORUM`);
      this.caption('Demo 3/5 — n2 still has hello: its store row says STALE. Now n3 reads 5 at ONE; n2 is n3\'s nearest replica…');
      const get = await run(3, `get ${KEY} ONE`);
      const answered = get.fields.value ?? 'not found';
      this.caption(
        answered === 'hello'
          ? `Demo 4/5 — the read at ONE returned the old "hello": the first reply came from the stale n2. n3 keeps listening for the other replicas…`
          : `Demo 4/5 — the read at ONE returned "${answered}" from n${get.fields.heard_from.join(', n')}. n3 keeps listening for the other replicas…`,
      );
      const repair = await waitForResult(session, (r) => r.request === get.request && r.fields.result === 'repair');
      this.caption(`Demo 5/5 — all replies are in: n3 saw n${repair.fields.repaired.join(', n')} behind and sent the newest version, the REPAIR (the big red ringed dot). Watch the STALE row turn newest.`);
      session.act('heal 0>2');
      await waitForConvergence(session);
      this.caption('Done — every replica of 5 holds world. The held update to n2 was released and changes nothing (same version). Now try your own commands.');
    } catch (e) {
      const stopped = e.message.startsWith('stopped');
      // Stopped by a travel or a fork (same history): the moment's caption says more. Otherwise
      // the error, which is not a moment of the history and is not kept for travel.
      if (stopped && this.captions?.history === session.history) this.rewind();
      else this.hint.textContent = stopped ? `The demo ${e.message}.` : e.message;
      throw e;
    }
  }
}

/** Resolves once every replica of KEY holds the same version (the repair has landed). */
function waitForConvergence(session) {
  return waitFor(session, () => {
    const { driver } = session;
    const versions = driver.replicasOf(KEY).map((node) => driver.store(node).find((row) => row.key === KEY)?.version);
    return versions.every((v) => v && compareVersions(v, versions[0]) === 0);
  });
}
