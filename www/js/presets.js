// The original project's four servers (examples/config.json), loaded when the page opens and by
// the lessons. Kept as text so the cluster sees exactly what kvsim reads from the file.

export const PRESET_SEED = 42;

export const PRESET_CONFIG = `{
  "addresses": ["localhost:15000", "localhost:15001", "localhost:15002", "localhost:15003"],
  "avg_delays": [
    [0.0, 0.5, 3.0, 1.0],
    [0.5, 0.0, 0.5, 1.0],
    [3.0, 0.5, 0.0, 0.1],
    [1.0, 1.0, 0.1, 0.0]
  ],
  "seed": 42
}
`;

export const DEFAULT_HINT =
  'Try: type "insert 5 hello ALL" on n0, then "get 5 ONE" on n3 — or press "Start here" (or "Watch read repair") for a guided lesson.';
