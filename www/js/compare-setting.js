// The one setting a comparison changes, as text `name=value` (the API, the share link and the
// form all use it): the level of every command (the script is rewritten) or one config field.
// Pure functions; nothing here touches the page.

/** Each setting: its label, the values the form offers, and how a value is read. */
export const SETTINGS = {
  level: { label: 'level of every command', choices: () => ['ONE', 'QUORUM', 'ALL'] },
  replication_factor: { label: 'replication factor', choices: (nodes) => Array.from({ length: nodes }, (_, i) => String(i + 1)) },
  read_repair: { label: 'read repair', choices: () => ['async', 'blocking'] },
  hinted_handoff: { label: 'hinted handoff', choices: () => ['true', 'false'] },
  anti_entropy_period_s: { label: 'anti-entropy period (s)', choices: () => ['off', '0.5', '1', '2', '5', '10'] },
  original_bugs: { label: "the original's bugs", choices: () => ['true', 'false'] },
};

const USAGE = `a setting is NAME=VALUE with NAME one of ${Object.keys(SETTINGS).join(', ')} (e.g. level=QUORUM)`;

/**
 * `name=value` as {name, value} (value canonical: level upper case, numbers as numbers, booleans
 * as true/false, anti-entropy `off` as null). Throws an Error saying what is wrong.
 */
export function parseSetting(text) {
  const [name, raw, ...rest] = String(text).trim().split('=');
  if (raw === undefined || rest.length) throw new Error(`"${String(text).slice(0, 40)}" is not a setting: ${USAGE}`);
  if (!Object.hasOwn(SETTINGS, name)) throw new Error(`unknown setting "${name.slice(0, 40)}": ${USAGE}`);
  const bad = (what) => new Error(`${name}=${raw.slice(0, 40)}: ${what}`);
  switch (name) {
    case 'level': {
      const level = raw.toUpperCase();
      if (!['ONE', 'QUORUM', 'ALL'].includes(level)) throw bad('the level must be ONE, QUORUM or ALL');
      return { name, value: level };
    }
    case 'replication_factor': {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 1) throw bad('the replication factor must be a whole number from 1');
      return { name, value: n };
    }
    case 'read_repair':
      if (raw !== 'async' && raw !== 'blocking') throw bad('read repair is async or blocking');
      return { name, value: raw };
    case 'anti_entropy_period_s': {
      if (raw === 'off') return { name, value: null };
      const s = Number(raw);
      if (raw.trim() === '' || !(s > 0) || !Number.isFinite(s)) throw bad('the period is a number of seconds above 0, or off');
      return { name, value: s };
    }
    default: // hinted_handoff, original_bugs
      if (raw !== 'true' && raw !== 'false') throw bad('the value is true or false');
      return { name, value: raw === 'true' };
  }
}

/** The setting as `name=value` text (parseSetting reads it back). */
export function settingText({ name, value }) {
  return `${name}=${value === null ? 'off' : value}`;
}

/** The setting in words, for the card's title: `level of every command: QUORUM`. */
export function settingLabel({ name, value }) {
  const shown = value === null ? 'off' : value === true ? 'on' : value === false ? 'off' : value;
  return `${SETTINGS[name].label}: ${shown}`;
}

/** The config text (JSON) with the setting applied; a level leaves it as it is. */
export function applyToConfig(configText, { name, value }) {
  if (name === 'level') return configText;
  const config = JSON.parse(configText);
  if (value === null) delete config[name];
  else config[name] = value;
  return JSON.stringify(config);
}

/**
 * A workload's spec (`ops=… level=…`, every field, as KvWorkload.spec gives it) under the setting:
 * a level replaces the spec's; any other setting leaves it as it is (it changes the config).
 */
export function applyToSpec(spec, { name, value }) {
  if (name !== 'level') return spec;
  const fields = spec.trim().split(/\s+/);
  const level = `level=${value}`;
  const rewritten = fields.map((field) => (field.startsWith('level=') ? level : field));
  return (rewritten.includes(level) ? rewritten : [...rewritten, level]).join(' ');
}

// The index of the level among a command's words (after `<node>`): get K L, insert/update K V L, delete K [L].
const LEVEL_AT = { get: 2, insert: 3, update: 3, delete: 2 };

/** A script action (`<node> <command>` or a fault line) under the setting: a level rewrites get, insert, update and delete. */
export function applyToAction(line, { name, value }) {
  if (name !== 'level') return line;
  const words = line.trim().split(/\s+/);
  const at = LEVEL_AT[words[1]?.toLowerCase()];
  if (!/^n?\d+$/.test(words[0]) || at === undefined || words.length < at + 1) return line;
  words[at + 1] = value;
  return words.join(' ');
}
