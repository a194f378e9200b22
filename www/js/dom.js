// Small DOM and formatting helpers. Every string reaches the page through textContent, so typed
// keys, values and addresses are always shown as text, never parsed as HTML.

/** Creates an element: `attrs` are attributes (a `text` entry sets textContent), `children` are nodes. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name === 'className') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/** The element with `data-testid`, which the page's skeleton in index.html must provide. */
export function byTestId(id) {
  const node = document.querySelector(`[data-testid="${id}"]`);
  if (!node) throw new Error(`index.html lacks data-testid="${id}"`);
  return node;
}

/**
 * `fn` run at the next frame, once however often the returned function is called before it
 * (steps, scrolls and fault reports come many times a frame; drawing once is enough).
 */
export function onceAFrame(fn) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      fn();
    });
  };
}

/** Sets textContent only when it changes: cheap to call every frame. */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Virtual µs as seconds with milliseconds, truncated like kvsim's `format_time`: `10.409`. */
export function seconds(micros) {
  const ms = Math.floor(micros / 1000);
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
}

/** Restarts a CSS animation class on `nodes` (re-adding it alone would not replay it). */
export function replay(nodes, className) {
  if (!nodes.length) return;
  for (const node of nodes) node.classList.remove(className);
  void document.body.offsetWidth; // one style flush for all, so each animation starts again
  for (const node of nodes) node.classList.add(className);
}

// Boxes to scroll to their bottom at the next frame, all in one callback: every height is read
// before any scroll is set, so the sixteen consoles a jump in time refills cost one layout, not
// one each (a second of a jump at scale). Box -> what to do once it is scrolled.
const toBottom = new Map();

function scrollToBottomSoon(box, scrolled) {
  if (!toBottom.size) {
    requestAnimationFrame(() => {
      const boxes = [...toBottom].map(([b, done]) => [b, b.scrollHeight, done]);
      toBottom.clear();
      for (const [b, height] of boxes) b.scrollTop = height;
      for (const [, , done] of boxes) done();
    });
  }
  toBottom.set(box, scrolled);
}

/**
 * Keeps a scrolling box at its bottom until the reader scrolls up (and again once they scroll
 * back down). Returns the function to call after appending (with `true`: follow again). The
 * scroll waits for the next frame, so appending forces no layout.
 */
export function followBottom(box) {
  let follow = true;
  let pending = false;
  let lastTop = 0;
  let ours = false; // whether the coming scroll event is our own scroll's (its reads would force a layout)
  box.addEventListener('scroll', () => {
    if (ours) {
      ours = false;
      return;
    }
    // Only a move up is the reader's: our own scrolls and appended lines only ever go down.
    if (box.scrollTop < lastTop - 2) follow = false;
    else if (box.scrollHeight - box.scrollTop - box.clientHeight < 24) follow = true;
    lastTop = box.scrollTop;
  });
  return (again = false) => {
    if (again) {
      follow = true;
      lastTop = 0; // the box was emptied or refilled: its clamped scroll is not the reader's
    }
    if (!follow || pending) return;
    pending = true;
    scrollToBottomSoon(box, () => {
      pending = false;
      ours = box.scrollTop !== lastTop; // a scroll event comes only when it moved
      lastTop = box.scrollTop;
    });
  };
}

/**
 * `fn` called at most once every `ms` milliseconds, never within the call that asks for it: the
 * first call of a quiet spell runs at the next task, later ones are folded into one call after
 * the pause, so the last state is always shown.
 */
export function throttle(fn, ms) {
  let last = -Infinity;
  let timer = null;
  return () => {
    if (timer !== null) return;
    timer = setTimeout(
      () => {
        timer = null;
        last = performance.now();
        fn();
      },
      Math.max(0, last + ms - performance.now()),
    );
  };
}
