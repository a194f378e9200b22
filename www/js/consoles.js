// The node consoles: typing a command (with history on the arrow keys and the default level),
// echoing every command acted on a node (typed here or not), and printing every result on the
// console of the node that answered, in the original's words. Results are also announced in the
// live region. After time travel the consoles show what had been typed and answered up to the
// moment shown. A trace-fed driver's commands are echoed from its `command` events.

import { el, seconds, followBottom } from './dom.js';
import { GivenRequests, TypedCommands } from './given.js';

const MAX_LINES = 300;
const MAX_ANNOUNCED = 5;
// The commands whose last word is a level: the level is the word after this many.
const LEVEL_POSITION = { get: 2, insert: 3, update: 3 };

/** `text` with `level` appended when it is a get/insert/update typed without its level. */
export function withDefaultLevel(text, level) {
  const words = text.trim().split(/\s+/);
  const position = LEVEL_POSITION[words[0].toLowerCase()];
  return level && words.length === position ? `${text.trim()} ${level}` : text.trim();
}

export class Consoles {
  constructor(session, { live, defaultLevel }) {
    this.session = session;
    this.live = live;
    this.defaultLevel = defaultLevel;
    this.parts = [];
    this.history = []; // per node: its TypedCommands, kept across resets
    // Only the answers to commands typed here are announced: not a generated workload's (hundreds
    // a second), nor the command bar's (its own live region says them).
    this.given = new GivenRequests(session);
    session.subscribe((event) => {
      if (event.type === 'step' && event.rebuild) this.replay(event.trace, event.results, { announce: false });
      // A trace-fed driver's commands were typed elsewhere (or sent, and echoed by their node).
      else if (event.type === 'step') this.replay(session.driver.recorded ? event.trace : [], event.results, { announce: true });
      else if (event.type === 'action' && event.request !== null) this.echoAction(event);
    });
  }

  /** Wires the consoles of freshly built panels. */
  attach(parts) {
    this.parts = parts;
    parts.forEach((part, i) => {
      part.scroll = followBottom(part.output);
      const typed = (this.history[i] ??= new TypedCommands());
      part.input.addEventListener('keydown', (e) => {
        if (e.key !== 'Enter') return typed.recall(e, part.input);
        const text = withDefaultLevel(part.input.value, this.defaultLevel.value);
        part.input.value = '';
        if (!text) return;
        typed.add(text);
        // Its result is printed when it arrives; a command that could not be sent says why.
        this.given.give(i, text).then(
          // A real cluster's answer comes through this alone, after its step printed it.
          (result) => this.session.driver.live && result && this.announce(result),
          (error) => this.append(part, error.message, 'error'),
        );
      });
    });
    this.clear();
  }

  /** Empties the consoles (the panels show a moment anew), each with its greeting. */
  clear() {
    this.live.replaceChildren();
    this.parts.forEach((part, i) => {
      part.output.replaceChildren();
      this.append(part, `n${i} is up at ${this.session.driver.config.addresses[i]}. Type a command below.`, 'note');
      part.scroll(true);
    });
  }

  // A command scheduled now (its canonical line `<node> <command>`): echoed before it runs (a
  // show-all answers at once), after any fork, so it lands on the panels of the new history.
  echoAction({ time, line }) {
    const space = line.indexOf(' ');
    const node = Number(line.slice(0, space));
    if (this.parts[node]) this.echo(this.parts[node], time, node, line.slice(space + 1));
  }

  echo(part, time, node, command) {
    this.append(part, `[${seconds(time)}] n${node}> ${String(command).trim()}`, 'echo');
  }

  // Prints the commands (from the trace) and the results, in time order.
  replay(trace, results, { announce }) {
    const lines = [
      ...trace.filter((e) => e.kind === 'command').map((e) => ({ time: e.time, command: e })),
      ...results.map((result) => ({ time: result.time, result })),
    ].sort((a, b) => a.time - b.time); // stable: a command before its results of the same time
    for (const { command, result } of lines) {
      if (result) this.print(result, { announce });
      else if (this.parts[command.node]) this.echo(this.parts[command.node], command.time, command.node, command.text);
    }
  }

  print(result, { announce = true } = {}) {
    const part = this.parts[result.node];
    if (!part) return;
    const prefix = `[${seconds(result.time)}] `;
    const text = result.text.split('\n').join(`\n${' '.repeat(prefix.length)}`);
    const kind = !result.ok ? 'error' : result.fields.result === 'repair' ? 'repair' : 'ok';
    this.append(part, prefix + text, kind);
    if (announce && this.given.has(result.request)) this.announce(result);
  }

  append(part, text, kind) {
    const { output } = part;
    output.append(el('div', { className: `line ${kind}`, text }));
    while (output.childElementCount > MAX_LINES) output.firstElementChild.remove();
    part.scroll();
  }

  // Says `result` in the live region.
  announce(result) {
    this.live.append(el('p', { text: `n${result.node}: ${result.text.split('\n').join('; ')}` }));
    while (this.live.childElementCount > MAX_ANNOUNCED) this.live.firstElementChild.remove();
  }
}
