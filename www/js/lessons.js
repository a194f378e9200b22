// The lesson player: a lesson's scenario loaded as the page's run, its steps shown one at a time
// in the lesson panel, each a moment of the run's history travelled to (so Previous and Next are
// exact: a step shows the same state however it was reached), with what its caption talks about
// marked on the views (lesson-focus.js). A caption stays until the reader moves on. The last step
// shows the task: one change (a script line or a config switch), then Check runs the changed
// scenario and evaluates the task's checks (lesson-check.js) on it.

import { loadExports } from './wasm.js';
import { byTestId, el, setText } from './dom.js';
import { fetchLesson, scenarioWith, originalValue } from './lesson-data.js';
import { evaluate } from './lesson-check.js';
import { LessonFocus } from './lesson-focus.js';

// The scenario reader is in the exports package (not in the page's first load): the player comes
// with it, so a lesson's steps read their scenario at once.
const { parseScenario } = await loadExports();

export class LessonPlayer {
  /** `views`: {topology, spacetime, inspector}, which show what each step points at. */
  constructor(session, views) {
    this.session = session;
    this.focus = new LessonFocus(session, views);
    this.lesson = null;
    this.step = 0;
    this.run = null; // {history, requests, script, text}: the scenario run now, and its history
    this.ui = {};
    for (const id of ['panel', 'title', 'progress', 'intro', 'caption', 'prev', 'next', 'close', 'task', 'task-text', 'script', 'change-label', 'change-line', 'change-choice', 'check', 'undo', 'verdict']) {
      this.ui[id] = byTestId(`lesson-${id}`);
    }
    this.ui.prev.addEventListener('click', () => this.go(this.step - 1));
    this.ui.next.addEventListener('click', () => this.go(this.step + 1));
    this.ui.close.addEventListener('click', () => this.close());
    this.ui.check.addEventListener('click', () => this.check());
    this.ui.undo.addEventListener('click', () => this.undo());
    this.ui['change-line'].addEventListener('keydown', (e) => e.key === 'Enter' && this.check());
  }

  /** Opens lesson `name` at its first step. Rejects with what is wrong, changing nothing. */
  async open(name) {
    // A trace or a real cluster is shown: a lesson would replace it behind the source bar's back.
    if (this.session.driver.recorded) throw new Error('a lesson runs its own simulation: press "Back to the simulation" first');
    const lesson = await fetchLesson(name);
    this.load(JSON.stringify(lesson.scenario)); // a scenario the core refuses changes nothing
    this.lesson = lesson;
    this.showTask();
    setText(this.ui.title, lesson.title);
    setText(this.ui.intro, lesson.intro);
    this.ui.panel.hidden = false;
    this.go(0);
    return this.state();
  }

  close() {
    this.lesson = null;
    this.run = null;
    this.focus.clear();
    this.ui.panel.hidden = true;
    if (location.hash.startsWith('#lesson=')) history.replaceState(null, '', location.pathname + location.search);
  }

  // Replaces the page's run with the scenario `text` (checked by the core), played to its end.
  load(text) {
    const scenario = parseScenario(text);
    const requests = this.session.load(scenario);
    this.run = { history: this.session.history, requests, script: scenario.script, text };
  }

  /** Shows step `k` (clamped): travels to its moment and marks what it talks about. */
  go(k) {
    const { lesson, session } = this;
    if (!lesson) return;
    // The captions tell the lesson's own run: run it again if Reset, a new config or a scenario
    // replaced it, a command typed in its past forked it, or Check ran the reader's change.
    const own = JSON.stringify(lesson.scenario);
    if (session.history !== this.run.history || session.history.forkedAt !== null || this.run.text !== own) {
      this.load(own);
      this.verdict('', ''); // it was about the run left
    }
    this.step = Math.max(0, Math.min(lesson.steps.length - 1, k));
    const step = lesson.steps[this.step];
    session.travel(this.moment(step.at));
    const show = step.show ?? {};
    this.focus.set(show, show.line === undefined ? null : this.run.requests[show.line], step.caption);
    setText(this.ui.progress, `step ${this.step + 1} of ${lesson.steps.length}`);
    setText(this.ui.caption, step.caption);
    this.ui.intro.hidden = this.step > 0;
    this.ui.prev.disabled = this.step === 0;
    this.ui.next.disabled = this.step === lesson.steps.length - 1;
    this.ui.task.hidden = this.step !== lesson.steps.length - 1;
  }

  // A step's moment in the run: {time} for `time_ms`, else the step at which its script line's
  // command answered (the end of the run when it never did).
  moment(at) {
    if (at.time_ms !== undefined) return { time: Math.round(at.time_ms * 1000) };
    const request = this.run.requests[at.after_line];
    const answer = this.run.history.results.find((r) => r.request === request && r.fields?.result !== 'repair');
    return answer ? { steps: answer.step } : this.run.history.end;
  }

  // Fills the task: its text, the script (its one editable line in place) and the control for
  // the change, at the lesson's own value.
  showTask() {
    const { task, scenario } = this.lesson;
    const { change } = task;
    setText(this.ui['task-text'], task.text);
    const byConfig = change.config !== undefined;
    const line = this.ui['change-line'];
    this.ui.script.replaceChildren(...scenario.script.map((text, i) => el('li', { className: i === change.line ? 'editable' : undefined }, i === change.line ? line : el('code', { text }))));
    // A config change keeps the line field out of the script, beside its label (hidden).
    if (byConfig) this.ui['change-label'].after(line);
    this.ui['change-line'].hidden = byConfig;
    this.ui['change-choice'].hidden = !byConfig;
    const control = byConfig ? this.ui['change-choice'] : this.ui['change-line'];
    this.ui['change-label'].htmlFor = control.id;
    if (byConfig) {
      setText(this.ui['change-label'], `config field ${change.config}`);
      this.ui['change-choice'].replaceChildren(...change.choices.map((choice) => el('option', { value: JSON.stringify(choice), text: String(choice) })));
    } else {
      setText(this.ui['change-label'], `change line ${change.line + 1} of the script above, then`);
    }
    this.setValue(originalValue(this.lesson));
    this.verdict('', '');
  }

  setValue(value) {
    if (this.lesson.task.change.config !== undefined) this.ui['change-choice'].value = JSON.stringify(value);
    else this.ui['change-line'].value = value;
  }

  value() {
    const { change } = this.lesson.task;
    return change.config !== undefined ? JSON.parse(this.ui['change-choice'].value) : this.ui['change-line'].value;
  }

  /**
   * Runs the lesson's scenario with the reader's change to its end and evaluates the task there.
   * Returns {solved, failures}; a change the task does not allow is shown and changes nothing.
   */
  check() {
    const { lesson } = this;
    if (!lesson) return null;
    try {
      this.load(scenarioWith(lesson, this.value()));
    } catch (e) {
      this.verdict('error', `That change cannot run: ${e.message}`);
      return { solved: false, failures: [e.message] };
    }
    const outcome = evaluate(lesson.task.check, { driver: this.session.driver, results: this.run.history.results, requests: this.run.requests, script: this.run.script });
    if (outcome.solved) this.verdict('solved', `Solved. ${lesson.task.solved}`);
    else this.verdict('not-yet', `Not yet: ${outcome.failures.join('; ')}.`);
    this.focus.clear();
    return outcome;
  }

  /** Back to the lesson's own scenario and value, at the last step. */
  undo() {
    if (!this.lesson) return;
    this.setValue(originalValue(this.lesson));
    this.load(JSON.stringify(this.lesson.scenario));
    this.verdict('', '');
    this.go(this.lesson.steps.length - 1);
  }

  verdict(kind, text) {
    this.ui.verdict.className = `lesson-verdict ${kind}`;
    setText(this.ui.verdict, text);
  }

  /** {name, title, step (from 1), steps, caption, verdict}, or null when no lesson is open. */
  state() {
    const { lesson } = this;
    if (!lesson) return null;
    return { name: lesson.name, title: lesson.title, step: this.step + 1, steps: lesson.steps.length, caption: lesson.steps[this.step].caption, verdict: this.ui.verdict.textContent };
  }
}
