// The command bar at the top of the Cluster card: a node, a command, Run, and the answers to the
// commands given here, so a first visit can type and read without scrolling to the node
// consoles. Commands go through the same path as a console's (the node's console shows them
// too), with the default level of the Nodes card; every answer is set as text. The answers are
// those of the run and the moment shown: request ids start again with every run, so a new run
// (Reset, a lesson, a config) starts with none, a moment travelled to shows those given by then,
// and a fork forgets the commands it dropped. ↑ and ↓ recall the commands given here.

import { byTestId, el, seconds } from './dom.js';
import { withDefaultLevel } from './consoles.js';
import { GivenRequests, TypedCommands } from './given.js';

const MAX_ANSWERS = 3;

export class CommandBar {
  constructor(session, { defaultLevel }) {
    this.session = session;
    this.defaultLevel = defaultLevel;
    this.form = byTestId('command-bar');
    this.node = byTestId('command-node');
    this.input = byTestId('command-input');
    this.answers = byTestId('command-answers');
    this.given = new GivenRequests(session, () => this.answers.replaceChildren());
    this.typed = new TypedCommands();
    this.answeredLast = null; // the request of the last answer shown
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (e) => this.typed.recall(e, this.input));
    session.subscribe((event) => {
      if (event.type === 'cluster') this.fillNodes();
      else if (event.type === 'step' && event.rebuild) this.showAnew(event.results);
      else if (event.type === 'step') for (const r of event.results) if (this.given.has(r.request)) this.show(r);
    });
  }

  // A moment shown anew (travelled to, forked, a fast-forward's end): the last answers by then.
  showAnew(results) {
    this.answers.replaceChildren();
    const ours = results.filter((r) => this.given.has(r.request));
    for (const result of ours.slice(-MAX_ANSWERS)) this.show(result);
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
    this.typed.add(text);
    this.input.value = '';
    const before = this.given.latest;
    const answered = this.given.give(node, text);
    // Scheduled while paused and not answered at once (a down node, a line that does not parse
    // are): it waits for the clock, so say so where the answer will come.
    const request = this.given.latest;
    const waiting = request !== before && this.answeredLast !== request;
    if (waiting && !this.session.clock.playing && !this.session.driver.live) this.say(`n${node}> ${text}: waiting, the clock is paused (Play or Step runs it)`, 'note');
    answered.then(
      (result) => {
        // A simulated run's answer was shown with its step; a real cluster's comes only here.
        if (result?.request !== undefined && !this.given.has(result.request)) {
          this.given.add(result.request, result.time);
          this.show(result);
        }
      },
      (error) => this.say(`n${node}> ${text}: ${error.message}`, 'error'),
    );
  }

  show(result) {
    this.answeredLast = result.request;
    const kind = !result.ok ? 'error' : result.fields?.result === 'repair' ? 'repair' : 'ok';
    this.say(`[${seconds(result.time)} n${result.node}] ${result.text.split('\n').join('; ')}`, kind);
  }

  say(text, kind) {
    this.answers.append(el('div', { className: `line ${kind}`, text, title: text }));
    while (this.answers.childElementCount > MAX_ANSWERS) this.answers.firstElementChild.remove();
  }
}
