// The command bar at the top of the Cluster card: a node, a command, Run, and the answers to the
// commands given here, so a first visit can type and read without scrolling to the node
// consoles. Commands go through the same path as a console's (the node's console shows them
// too), with the default level of the Nodes card; every answer is set as text.

import { byTestId, el, seconds } from './dom.js';
import { withDefaultLevel } from './consoles.js';

const MAX_ANSWERS = 3;

export class CommandBar {
  constructor(session, { defaultLevel }) {
    this.session = session;
    this.defaultLevel = defaultLevel;
    this.form = byTestId('command-bar');
    this.node = byTestId('command-node');
    this.input = byTestId('command-input');
    this.answers = byTestId('command-answers');
    this.requests = new Set(); // requests given here: their results (a repair too) show here
    this.giving = false; // while a command from here is being scheduled
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    session.subscribe((event) => {
      if (event.type === 'cluster') this.fillNodes();
      else if (event.type === 'action' && this.giving && event.request !== null) this.requests.add(event.request);
      else if (event.type === 'step' && !event.rebuild) {
        for (const r of event.results) if (this.requests.has(r.request)) this.show(r);
      }
    });
  }

  /** The node list of the cluster shown, keeping the chosen node when it still exists. */
  fillNodes() {
    const size = this.session.driver.size;
    if (this.node.options.length === size) return;
    const chosen = Math.min(Number(this.node.value) || 0, size - 1);
    this.node.replaceChildren(...Array.from({ length: size }, (_, i) => el('option', { value: String(i), text: `n${i}` })));
    this.node.value = String(chosen);
  }

  submit() {
    const text = withDefaultLevel(this.input.value, this.defaultLevel.value);
    if (!text) return;
    const node = Number(this.node.value);
    this.input.value = '';
    // The request is noted when it is scheduled (its 'action' event), before it can answer; a
    // real cluster's answer comes back through the promise alone.
    this.giving = true;
    let request;
    try {
      request = this.session.run(node, text);
    } finally {
      this.giving = false;
    }
    request.then(
      (result) => {
        if (result?.request !== undefined && !this.requests.has(result.request)) {
          this.requests.add(result.request);
          this.show(result);
        }
      },
      (error) => this.say(`n${node}> ${text}: ${error.message}`, 'error'),
    );
  }

  show(result) {
    const kind = !result.ok ? 'error' : result.fields?.result === 'repair' ? 'repair' : 'ok';
    this.say(`[${seconds(result.time)} n${result.node}] ${result.text.split('\n').join('; ')}`, kind);
  }

  say(text, kind) {
    this.answers.append(el('div', { className: `line ${kind}`, text }));
    while (this.answers.childElementCount > MAX_ANSWERS) this.answers.firstElementChild.remove();
  }
}
