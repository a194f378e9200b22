// Scenarios in links: `#scenario=` + base64url of the scenario JSON compressed with
// CompressionStream('deflate-raw'), then `&t=` + the moment shown in milliseconds, and with
// Compare open `&compare=` + the compared setting (`level%3DQUORUM`, compare-setting.js). Decoding
// refuses anything that would grow past MAX_SCENARIO_BYTES, so a hostile link cannot stall the page.

/** Longest scenario text read from a link or a file (the wasm parser refuses longer ones too). */
export const MAX_SCENARIO_BYTES = 1 << 20;

/** `#scenario=…&t=…` for `scenarioJson` shown at `timeMs`; `&compare=…` when `compare` (a setting's text) is given. */
export async function scenarioFragment(scenarioJson, timeMs, compare = null) {
  const packed = await pipe(new TextEncoder().encode(scenarioJson), new CompressionStream('deflate-raw'));
  const compared = compare === null ? '' : `&compare=${encodeURIComponent(compare)}`;
  return `#scenario=${toBase64Url(packed)}&t=${formatMs(timeMs)}${compared}`;
}

/**
 * The scenario in a link's fragment: null when the fragment holds none, else {json, timeMs,
 * compare} (timeMs undefined when the link names no moment; compare: the compared setting's text,
 * or null). Throws an Error saying what is wrong.
 */
export async function readFragment(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const packed = params.get('scenario');
  if (packed === null) return null;
  // Compressed text is smaller than the text: a longer link is refused before decoding.
  if (packed.length > (MAX_SCENARIO_BYTES * 4) / 3) throw new Error(`the link is too long: a scenario has at most ${MAX_SCENARIO_BYTES} bytes`);
  const bytes = fromBase64Url(packed);
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await pipe(bytes, new DecompressionStream('deflate-raw')));
  } catch (e) {
    if (e instanceof TooLong) throw e;
    throw new Error('the link is damaged: its scenario does not decompress (was it cut short?)');
  }
  const compare = params.get('compare');
  const t = params.get('t');
  if (t === null) return { json: text, timeMs: undefined, compare };
  const timeMs = Number(t);
  if (t.trim() === '' || !Number.isFinite(timeMs) || timeMs < 0) throw new Error(`the link's time t=${t.slice(0, 40)} is not a number of milliseconds from 0`);
  return { json: text, timeMs, compare };
}

/** Milliseconds exact to the microsecond, without trailing zeros. */
export function formatMs(timeMs) {
  return String(Number(timeMs.toFixed(3)));
}

class TooLong extends Error {}

// Runs `bytes` through a compression stream; stops with TooLong past MAX_SCENARIO_BYTES.
async function pipe(bytes, transform) {
  const reader = new Blob([bytes]).stream().pipeThrough(transform).getReader();
  const chunks = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > MAX_SCENARIO_BYTES) {
      reader.cancel().catch(() => {});
      throw new TooLong(`the scenario is too large: more than ${MAX_SCENARIO_BYTES} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function toBase64Url(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  const damaged = new Error('the link is damaged: its scenario is not base64url text');
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw damaged;
  let binary;
  try {
    binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  } catch {
    throw damaged; // a length no base64 text has
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
