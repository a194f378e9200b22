// Lessons are data: www/lessons/NAME.json, listed in order by www/lessons/index.json, fetched the
// first time a lesson is opened (never in the first load). A file is checked here, so a bad one
// says which field is wrong; its scenario is checked by the core when it is loaded
// (docs/playground.md, "Writing a lesson", describes the format).

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const LINK = /^(\d+)\s*([>-])\s*(\d+)$/;
/** The levels a line's check may ask for (`{"line", "level"}`). */
const LEVELS = ['ONE', 'QUORUM', 'ALL'];

// Each file is fetched once (a failed fetch is tried again next time).
const fetched = new Map(); // path -> promise of its JSON

/** The lessons' names, in their order. */
export async function lessonNames() {
  const index = await fetchJson('lessons/index.json', 'the list of lessons');
  if (!Array.isArray(index?.lessons) || !index.lessons.every((name) => typeof name === 'string' && NAME.test(name))) {
    throw new Error('lessons/index.json must be {"lessons": [names]}, each name lower-case letters, digits and dashes');
  }
  return index.lessons;
}

/** The lesson `name`, checked. Rejects with what is wrong: an unknown name, or a bad file. */
export async function fetchLesson(name) {
  if (!NAME.test(name)) throw new Error(`there is no lesson "${name.slice(0, 40)}": a lesson's name is lower-case letters, digits and dashes`);
  // The list first (fetched once): a name it lacks asks the server for nothing.
  const names = await lessonNames();
  if (!names.includes(name)) throw new Error(`there is no lesson "${name}": the lessons are ${names.join(', ')}`);
  return checkLesson(name, await fetchJson(`lessons/${name}.json`, `lesson ${name}`));
}

function fetchJson(path, what) {
  if (!fetched.has(path)) {
    const json = readJson(path, what);
    json.catch(() => fetched.delete(path));
    fetched.set(path, json);
  }
  return fetched.get(path);
}

async function readJson(path, what) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${what} could not be loaded (${path}: HTTP ${response.status})`);
  try {
    return await response.json();
  } catch (e) {
    throw new Error(`${what} is not valid JSON (${path}): ${e.message}`);
  }
}

/**
 * Checks a lesson's fields: {title, intro, scenario, steps: [{at, caption, show}], task: {text,
 * change, check: [...], solved}}. Returns it with `name`; throws naming the first bad field.
 */
export function checkLesson(name, lesson) {
  const where = (field) => `lesson ${name}: ${field}`;
  const need = (ok, field, what) => {
    if (!ok) throw new Error(`${where(field)} ${what}`);
  };
  const isText = (v) => typeof v === 'string' && v.trim() !== '';
  need(lesson && typeof lesson === 'object', 'the file', 'must be a JSON object');
  need(isText(lesson.title), 'title', 'must be a non-empty string');
  need(isText(lesson.intro), 'intro', 'must be a non-empty string');
  const script = lesson.scenario?.script;
  need(Array.isArray(script) && script.every((line) => typeof line === 'string'), 'scenario.script', 'must be a list of script lines');
  const lineIndex = (v) => Number.isInteger(v) && v >= 0 && v < script.length;
  const nodes = lesson.scenario.config?.addresses?.length ?? 0;
  const isNode = (v) => Number.isInteger(v) && v >= 0 && v < nodes;
  need(Array.isArray(lesson.steps) && lesson.steps.length > 0, 'steps', 'must be a non-empty list');
  lesson.steps.forEach((step, i) => {
    const at = step?.at;
    need(
      (at && Number.isFinite(at.time_ms) && at.time_ms >= 0) || lineIndex(at?.after_line),
      `steps[${i}].at`,
      `must be {"time_ms": a moment from 0} or {"after_line": an index into scenario.script, 0 to ${script.length - 1}}`,
    );
    need(isText(step.caption), `steps[${i}].caption`, 'must be a non-empty string');
    const show = step.show ?? {};
    need(show.nodes === undefined || (Array.isArray(show.nodes) && show.nodes.every(isNode)), `steps[${i}].show.nodes`, `must list nodes 0 to ${nodes - 1}`);
    need(show.key === undefined || typeof show.key === 'string', `steps[${i}].show.key`, 'must be a key (a string)');
    need(show.link === undefined || linkOf(show.link, nodes), `steps[${i}].show.link`, 'must be a link like "0>2" (one way) or "0-2" (both)');
    need(show.kind === undefined || typeof show.kind === 'string', `steps[${i}].show.kind`, 'must be a message kind (read, write, repair, …)');
    need(show.line === undefined || lineIndex(show.line), `steps[${i}].show.line`, 'must be an index into scenario.script');
  });
  const task = lesson.task;
  need(task && isText(task.text) && isText(task.solved), 'task', 'must have text and solved (strings)');
  const change = task.change;
  const byLine = lineIndex(change?.line) && (change.pattern === undefined || validPattern(change.pattern));
  const byConfig = isText(change?.config) && Array.isArray(change.choices) && change.choices.length > 1;
  need(byLine || byConfig, 'task.change', 'must be {"line": an index into scenario.script, "pattern"?, "rule"?} or {"config": a field, "choices": [values]}');
  need(Array.isArray(task.check) && task.check.length > 0, 'task.check', 'must be a non-empty list');
  task.check.forEach((check, i) => {
    const known =
      (lineIndex(check?.line) && ('value' in check || typeof check.ok === 'boolean' || LEVELS.includes(check.level))) ||
      (isNode(check?.store) && typeof check.key === 'string' && 'value' in check) ||
      typeof check?.absent === 'string' ||
      (typeof check?.anomaly === 'string' && Number.isInteger(check.count));
    need(known, `task.check[${i}]`, 'must be {"line", "value", "ok" or "level"}, {"store": node, "key", "value"}, {"absent": key} or {"anomaly": kind, "count"}');
  });
  return { ...lesson, name };
}

function validPattern(pattern) {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** A link "0>2" or "0-2" as {from, to, both}; null when it is not one of `nodes` nodes' links. */
export function linkOf(text, nodes = Infinity) {
  const match = LINK.exec(String(text).trim());
  if (!match) return null;
  const [from, to] = [Number(match[1]), Number(match[3])];
  if (from === to || from >= nodes || to >= nodes) return null;
  return { from, to, both: match[2] === '-' };
}

/**
 * The lesson's scenario as JSON text with the task's change made: `value` is the edited script
 * line, or the config field's value. Throws when an edited line breaks the task's rule.
 */
export function scenarioWith(lesson, value) {
  const scenario = structuredClone(lesson.scenario);
  const { change } = lesson.task;
  if (change.config !== undefined) scenario.config[change.config] = value;
  else {
    const line = String(value).trim().replace(/\s+/g, ' ');
    if (change.pattern && !new RegExp(change.pattern).test(line)) throw new Error(`"${line.slice(0, 80)}" is not allowed here: ${change.rule ?? `it must match ${change.pattern}`}`);
    scenario.script[change.line] = line;
  }
  return JSON.stringify(scenario);
}

/** The task's starting value: the script line or the config field as the lesson has it. */
export function originalValue(lesson) {
  const { change } = lesson.task;
  return change.config !== undefined ? lesson.scenario.config[change.config] ?? change.choices[0] : lesson.scenario.script[change.line];
}
