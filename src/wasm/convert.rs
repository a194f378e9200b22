//! Values crossing the boundary: views out to JS as plain objects, numbers in from JS checked.

#[cfg(feature = "page")]
use crate::model::types::Time;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Converts a view to a plain JS value (objects, arrays, numbers; maps as objects).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsError::new(&e.to_string()))
}

/// A whole-number seed from JS, which has no u64.
#[cfg(any(feature = "page", feature = "exports"))]
pub fn seed_from_js(seed: f64) -> Result<u64, JsError> {
    if seed.is_finite() && seed.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&seed) {
        Ok(seed as u64)
    } else {
        Err(JsError::new(&format!("seed {seed} must be a whole number from 0 to 2^53 - 1")))
    }
}

/// A virtual time (microseconds) from JS.
#[cfg(feature = "page")]
pub fn time_from_js(t: f64) -> Result<Time, JsError> {
    if t.is_finite() && (0.0..=9_007_199_254_740_991.0).contains(&t) {
        Ok(t.round() as Time)
    } else {
        Err(JsError::new(&format!("time {t} must be a number of microseconds from 0")))
    }
}
