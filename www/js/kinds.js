// The message kinds the core sends, and how the page shows each: one colour per family, defined
// in the stylesheet (--read, --write, …) so the topology, the legends, the space-time diagram and
// the event log agree. Replies are hollow in their request's colour; repair is the loudest.

export const KINDS = {
  read: { family: 'read', label: 'read' },
  read_reply: { family: 'read', label: 'read reply', hollow: true },
  write: { family: 'write', label: 'write' },
  write_ack: { family: 'write', label: 'write ack', hollow: true },
  search: { family: 'search', label: 'search' },
  search_reply: { family: 'search', label: 'search reply', hollow: true },
  hint: { family: 'hint', label: 'hint' },
  hint_ack: { family: 'hint', label: 'hint ack', hollow: true },
  ae_digest: { family: 'ae', label: 'anti-entropy digest' },
  ae_diff: { family: 'ae', label: 'anti-entropy diff', hollow: true },
  ae_entries: { family: 'ae', label: 'anti-entropy entries' },
  ae_ack: { family: 'ae', label: 'anti-entropy ack', hollow: true },
  repair: { family: 'repair', label: 'REPAIR', loud: true },
  repair_ack: { family: 'repair', label: 'repair ack', hollow: true },
};

/** A kind's label for people (`read reply`), or the kind itself when the page does not know it. */
export function kindLabel(kind) {
  return KINDS[kind]?.label ?? kind;
}
