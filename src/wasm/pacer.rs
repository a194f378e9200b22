//! The timer that paces the page: armed for the next due message, it calls back into the JS
//! event loop after that message's delay (scaled by the page's speed).

use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
#[derive(Default)]
pub struct Pacer {
    pending: Option<Timeout>,
}

#[wasm_bindgen]
impl Pacer {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Pacer {
        Pacer::default()
    }

    /// Calls `callback` after `delay_ms` milliseconds, replacing any armed call.
    pub fn arm(&mut self, delay_ms: f64, callback: js_sys::Function) -> Result<(), JsError> {
        if !delay_ms.is_finite() || delay_ms < 0.0 {
            return Err(JsError::new(&format!("delay {delay_ms} ms must be a number from 0")));
        }
        self.cancel();
        let millis = delay_ms.min(u32::MAX as f64).round() as u32;
        self.pending = Some(Timeout::new(millis, move || {
            if let Err(e) = callback.call0(&JsValue::NULL) {
                web_sys::console::error_2(&"pacer callback failed:".into(), &e);
            }
        }));
        Ok(())
    }

    /// Cancels the armed call, if any.
    pub fn cancel(&mut self) {
        if let Some(timeout) = self.pending.take() {
            timeout.cancel();
        }
    }
}
