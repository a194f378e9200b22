// What is broken in the cluster now, and the short phrases the faults card and the topology show
// for it. Down nodes and links come from the core; clock skews and the two repair switches, which
// the core does not report, are folded from the config and the fault lines applied so far.

/**
 * {down: Set of nodes, links: cluster.links(), skews: ms per node, hints: bool,
 * antiEntropyMs: number | null (off)}.
 */
export function readFaults(cluster) {
  const { config } = cluster;
  const skews = config.addresses.map((_, i) => config.clock_skew_ms?.[i] ?? 0);
  let hints = Boolean(config.hinted_handoff);
  let antiEntropyMs = config.anti_entropy_period_s == null ? null : config.anti_entropy_period_s * 1000;
  // Applied = at or before now: a replayed scenario schedules its later lines in advance.
  const now = cluster.now();
  const applied = cluster.actionLog.filter((action) => action.time <= now).sort((a, b) => a.time - b.time);
  // Canonical lines (see README "Faults"), so splitting on spaces is enough.
  for (const { line } of applied) {
    const [word, first, second] = line.split(' ');
    if (word === 'skew') skews[Number(first)] = Number(second);
    else if (word === 'hints') hints = first === 'on';
    else if (word === 'anti-entropy') antiEntropyMs = first === 'off' ? null : Number(first);
  }
  return { down: new Set(cluster.downNodes()), links: cluster.links(), skews, hints, antiEntropyMs };
}

/**
 * The links that do something to messages, a link whose two directions do the same listed once
 * (from the lower node, `both`): [{from, to, both, state, conditions, text}], where `conditions`
 * is e.g. `loss 30%, +500 ms` and `text` adds the state (`cut`, `holding`) in front.
 */
export function linkEntries(links) {
  const byDirection = new Map(links.map((link) => [`${link.from}-${link.to}`, link]));
  const entries = [];
  for (const link of links) {
    const text = linkText(link);
    if (!text) continue;
    const back = byDirection.get(`${link.to}-${link.from}`);
    const both = back !== undefined && linkText(back) === text;
    if (both && link.from > link.to) continue;
    entries.push({ from: link.from, to: link.to, both, state: link.state, conditions: conditionText(link), text });
  }
  return entries;
}

/** One line per active fault, for the faults card's list. */
export function describeFaults({ down, links, skews, hints, antiEntropyMs }) {
  const lines = [...down].map((node) => `n${node} is down (crashed)`);
  for (const { from, to, both, text } of linkEntries(links)) lines.push(`n${from} ${both ? '↔' : '→'} n${to}: ${text}`);
  skews.forEach((ms, node) => {
    if (ms) lines.push(`n${node}'s clock is ${Math.abs(ms)} ms ${ms > 0 ? 'ahead' : 'behind'}`);
  });
  if (hints) lines.push('hinted handoff on');
  if (antiEntropyMs !== null) lines.push(`anti-entropy every ${antiEntropyMs} ms`);
  return lines;
}

/** A skew in ms as the node panels show it: `+1.5 s`, `-0.3 s`, `0.0 s`. */
export function skewText(ms) {
  const sign = ms > 0 ? '+' : ms < 0 ? '-' : '';
  return `${sign}${(Math.abs(ms) / 1000).toFixed(1)} s`;
}

function linkText(link) {
  const state = { drop: 'cut', hold: 'holding' }[link.state];
  return [state, conditionText(link)].filter(Boolean).join(', ');
}

function conditionText(link) {
  const parts = [];
  if (link.loss > 0) parts.push(`loss ${percent(link.loss)}`);
  if (link.duplicate > 0) parts.push(`dup ${percent(link.duplicate)}`);
  if (link.extra_delay_us > 0) parts.push(`+${link.extra_delay_us / 1000} ms`);
  if (link.jitter_us > 0) parts.push(`jitter ${link.jitter_us / 1000} ms`);
  return parts.join(', ');
}

function percent(probability) {
  return `${Number((probability * 100).toFixed(1))}%`;
}
