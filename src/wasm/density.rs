//! The space-time diagram over a long run: counts per pixel column per lane from the trace's
//! density index (src/sim/density.rs), and the events of one time window decoded from the packed
//! trace, so the diagram draws arrows anywhere in the run, not only the latest events.

use super::convert::to_js;
use super::scheduler::KvScheduler;
use crate::model::types::Time;
use crate::sim::density::{Density, CHANNELS};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl KvScheduler {
    /// Counts in the window `[from, to)` (µs; before 0 counts nothing) split into `columns`
    /// columns, written into `out` (a `Uint32Array` of `3 * lanes * columns`): messages sent,
    /// read repairs sent and anomalies found, each `lanes` rows of `columns` (so the count of
    /// channel `c`, lane `l`, column `j` is `out[(c * lanes + l) * columns + j]`). Column ends are
    /// taken down to a multiple of the bucket width, which it returns (µs).
    #[wasm_bindgen(js_name = densityInto)]
    pub fn density_into(&self, from: f64, to: f64, columns: usize, out: &mut [u32]) -> Result<f64, JsError> {
        let density = self.density()?;
        let (from, to) = window(from, to)?;
        // `columns` comes from the page: a huge one must not wrap the size around.
        let needed = (CHANNELS.len() * density.lanes()).saturating_mul(columns);
        if out.len() != needed {
            return Err(JsError::new(&format!(
                "the counts of {} lanes in {columns} columns take {needed} numbers, not {}: size the array to 3 x lanes x columns",
                density.lanes(),
                out.len()
            )));
        }
        density.counts(from, to, columns, out);
        Ok(density.width() as f64)
    }

    /// Messages sent in `[from, to)` (µs) by every node together: whether a window is too busy
    /// for arrows, in a few lookups.
    #[wasm_bindgen(js_name = messagesBetween)]
    pub fn messages_between(&self, from: f64, to: f64) -> Result<f64, JsError> {
        let (from, to) = window(from, to)?;
        Ok(self.density()?.messages(from, to) as f64)
    }

    /// The trace events at or after `from` and before `to` (µs), at most `max` of them, oldest
    /// first: decoded from the block that holds `from` on, whatever the length of the run.
    #[wasm_bindgen(js_name = eventsBetween)]
    pub fn events_between(&self, from: f64, to: f64, max: usize) -> Result<JsValue, JsError> {
        let (from, to) = window(from, to)?;
        let (from, to) = (from.max(0) as Time, to.max(0) as Time);
        let events: Vec<_> =
            self.scheduler.trace().events_from_time(from).take_while(|e| e.time < to).take(max).collect();
        to_js(&events)
    }
}

impl KvScheduler {
    fn density(&self) -> Result<&Density, JsError> {
        self.scheduler.trace().density().ok_or_else(|| JsError::new("this scheduler keeps no density index"))
    }
}

/// A time window from JS, µs: finite, `from` not after `to` (it may start before 0).
fn window(from: f64, to: f64) -> Result<(i64, i64), JsError> {
    const LIMIT: f64 = 9_007_199_254_740_991.0;
    if !(from.is_finite() && to.is_finite() && from.abs() <= LIMIT && to.abs() <= LIMIT && from <= to) {
        return Err(JsError::new(&format!(
            "the window {from} to {to} must be two finite times in microseconds, the first not after the second"
        )));
    }
    Ok((from.floor() as i64, to.ceil() as i64))
}
