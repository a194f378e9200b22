// Features a first visit does not need load when first used: their module (and its stylesheets)
// is fetched on the first call only, so the page's first load carries none of it.

/**
 * A function resolving with what `load()` resolves with (a module imported, or a view made of
 * it), adding the stylesheets at `stylesheets` (paths from the page) first; it loads them on its
 * first call and reuses them after. A failed load is tried again on the next call.
 */
export function onFirstUse(load, ...stylesheets) {
  let loading = null;
  return () => {
    loading ??= Promise.all([load(), ...stylesheets.map(addStylesheet)])
      .then(([loaded]) => loaded)
      .catch((error) => {
        loading = null;
        throw error;
      });
    return loading;
  };
}

// Resolves once the stylesheet at `href` applies, so a card never shows unstyled.
function addStylesheet(href) {
  const present = document.querySelector(`link[rel="stylesheet"][href="${href}"]`);
  if (present) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href });
    link.addEventListener('load', resolve);
    link.addEventListener('error', () => {
      link.remove();
      reject(new Error(`the page could not load ${href}`));
    });
    document.head.append(link);
  });
}

/**
 * A card below the fold that only shows the run: its view is made (`make()` resolves with it)
 * the first time the card is seen, or the first time the returned function is called (by
 * window.playground, or for a file dropped), which resolves with the view. The card is
 * `aria-busy` until then; the function's `made` is the view once made (null before), for callers
 * that cannot wait. A button of the card clicked before the view is made (the card only just
 * scrolled into view) is clicked again once it is, so the click is not lost.
 */
export function lazyCard(card, make) {
  const view = onFirstUse(async () => {
    view.made = await make();
    card.removeAttribute('aria-busy');
    return view.made;
  });
  view.made = null;
  whenSeen(card, () => view().catch(console.error)); // only a failed module load: the page has a problem
  card.addEventListener('click', (event) => {
    const button = event.target.closest('button');
    if (!view.made && button) view().then(() => button.click(), console.error);
  });
  return view;
}

// Calls `use` once, the first time `element` shows in the viewport.
function whenSeen(element, use) {
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    observer.disconnect();
    use();
  });
  observer.observe(element);
}
