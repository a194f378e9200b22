//! Reading a decimal number typed by a user. Natively Rust's parser reads it; in wasm the
//! browser's `Number` does, so the module carries no float parser (its tables are large).

/// A finite number as `f64::from_str` reads it (correctly rounded), or `None`.
#[cfg(not(target_arch = "wasm32"))]
pub fn parse_finite(text: &str) -> Option<f64> {
    text.parse().ok().filter(|x: &f64| x.is_finite())
}

/// The same with the browser's `Number` (unary `+`). On texts of digits, signs, dots and `e`
/// both grammars agree and both round correctly; the texts `Number` reads where Rust does not
/// (the empty text, spaces, `0x10`, `Infinity`) are turned away first.
#[cfg(target_arch = "wasm32")]
pub fn parse_finite(text: &str) -> Option<f64> {
    let decimal = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    decimal.then(|| wasm_bindgen::JsValue::from_str(text).unchecked_into_f64()).filter(|x| x.is_finite())
}
