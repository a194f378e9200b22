// The short phrases the faults card, the node panels and the topology show for the core's fault
// report (driver.faults(): {down, links, clock_skew_us, hinted_handoff, anti_entropy_period_us}).

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

/** One line per active fault in the core's report, for the faults card's list. */
export function describeFaults(faults) {
  const lines = faults.down.map((node) => `n${node} is down (crashed)`);
  for (const { from, to, both, text } of linkEntries(faults.links)) lines.push(`n${from} ${both ? '↔' : '→'} n${to}: ${text}`);
  faults.clock_skew_us.forEach((us, node) => {
    if (us) lines.push(`n${node}'s clock is ${Math.abs(us) / 1000} ms ${us > 0 ? 'ahead' : 'behind'}`);
  });
  if (faults.hinted_handoff) lines.push('hinted handoff on');
  const period = antiEntropyMs(faults);
  if (period !== null) lines.push(`anti-entropy every ${period} ms`);
  return lines;
}

/** The anti-entropy period in ms, or null when it is off. */
export function antiEntropyMs(faults) {
  return faults.anti_entropy_period_us == null ? null : faults.anti_entropy_period_us / 1000;
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
