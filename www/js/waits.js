// Waiting on the session's run, for scripted stories (the demo, lessons): a promise that stops
// when the driver is replaced (a new config, a reset, a travel or a fork), and waits for a
// result or a condition checked after every step.

/** `promise`, unless the session's driver is replaced before it settles: then a rejection. */
export function guard(session, promise) {
  const driver = session.driver;
  let stop;
  const replaced = new Promise((_, reject) => {
    stop = session.subscribe((event) => {
      if (event.type === 'cluster' && session.driver !== driver) reject(new Error('stopped: the cluster was replaced'));
    });
  });
  return Promise.race([promise, replaced]).finally(stop);
}

/** Resolves with the first result, so far or to come, that satisfies `test`, while the driver lives. */
export function waitForResult(session, test) {
  return waitFor(session, () => session.results.find(test));
}

/** Resolves with `check()` once it is truthy, checked now and after every step, while the driver lives. */
export function waitFor(session, check) {
  const now = check();
  if (now) return Promise.resolve(now);
  return guard(
    session,
    new Promise((resolve) => {
      const stop = session.subscribe((event) => {
        const value = event.type === 'step' && check();
        if (value) {
          stop();
          resolve(value);
        } else if (event.type === 'cluster') stop();
      });
    }),
  );
}
