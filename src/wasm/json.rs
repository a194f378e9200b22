//! JSON text in and out of the facade through the browser's own `JSON`. It parses numbers as
//! exactly as serde_json does natively (correctly rounded), and with it the wasm carries no JSON
//! parser and no float printer of its own: about a sixth of the gzipped module.

#[cfg(feature = "exports")]
use super::convert::to_js;
use crate::model::config::Config;
#[cfg(feature = "page")]
use crate::model::config::ConfigError;
#[cfg(feature = "exports")]
use crate::sim::scenario::{Scenario, ScenarioError, ScenarioFile};
use serde::de::{self, Error as _};
use serde::Deserialize;
#[cfg(feature = "exports")]
use serde::Serialize;
use serde_wasm_bindgen::Deserializer;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Parses JSON text; the error is the browser's message (`Unexpected token ...`).
pub fn parse(text: &str) -> Result<JsValue, String> {
    js_sys::JSON::parse(text).map_err(|e| match e.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => "not valid JSON".to_string(),
    })
}

/// Parses and validates a config file's text, as [`Config::from_json`] does natively.
#[cfg(feature = "page")]
pub fn config(text: &str) -> Result<Config, ConfigError> {
    let document = parse(text).map_err(|message| ConfigError::new("config.json", message))?;
    if !is_object(&document) {
        return Err(ConfigError::not_an_object());
    }
    check_fields::<Config>(&document, "").map_err(|(field, message)| ConfigError::new(field, message))?;
    Config::read(Deserializer::from(document))
}

/// Parses and validates a scenario file's text, as [`Scenario::parse`] does natively.
#[cfg(feature = "exports")]
pub fn scenario(text: &str) -> Result<Scenario, ScenarioError> {
    scenario_of(parse(text).map_err(|message| ScenarioError::new("scenario", message))?)
}

/// Validates a scenario document the page built as an object.
#[cfg(feature = "exports")]
pub fn scenario_of(document: JsValue) -> Result<Scenario, ScenarioError> {
    let config = js_sys::Reflect::get(&document, &"config".into()).unwrap_or(JsValue::UNDEFINED);
    check_fields::<ScenarioFile>(&document, "")
        .and_then(|()| check_fields::<Config>(&config, "config."))
        .map_err(|(field, message)| ScenarioError::new(field, message))?;
    Scenario::read(Deserializer::from(document.clone()), Deserializer::from(document))
}

/// The error serde gives natively for a field `T` does not declare, as `(field, message)`.
/// serde-wasm-bindgen reads only the fields a struct declares, so without this check an unknown
/// (misspelt) field would be silently ignored on the page and an error in `kvsim`.
fn check_fields<'de, T: Deserialize<'de>>(object: &JsValue, prefix: &str) -> Result<(), (String, String)> {
    if !is_object(object) {
        return Ok(()); // the reader reports the wrong type
    }
    let declared = declared_fields::<T>();
    let keys = js_sys::Object::keys(object.unchecked_ref::<js_sys::Object>());
    match keys.iter().filter_map(|key| key.as_string()).find(|key| !declared.contains(&key.as_str())) {
        Some(key) => Err((format!("{prefix}{key}"), de::value::Error::unknown_field(&key, declared).to_string())),
        None => Ok(()),
    }
}

/// Whether `value` is a JSON object (not a list, not null).
fn is_object(value: &JsValue) -> bool {
    value.is_object() && !js_sys::Array::is_array(value)
}

/// The field names a derived struct declares: what it hands `Deserializer::deserialize_struct`.
fn declared_fields<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Capture<'a>(&'a mut &'static [&'static str]);
    impl<'de> de::Deserializer<'de> for Capture<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields captured"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    T::deserialize(Capture(&mut fields)).ok();
    fields
}

/// `value` as JSON text, indented by two spaces when `pretty` (serde_json's pretty layout).
#[cfg(feature = "exports")]
pub fn stringify<T: Serialize + ?Sized>(value: &T, pretty: bool) -> Result<String, JsError> {
    let value = to_js(value)?;
    let space = if pretty { JsValue::from(2) } else { JsValue::UNDEFINED };
    js_sys::JSON::stringify_with_replacer_and_space(&value, &JsValue::UNDEFINED, &space)
        .map(String::from)
        .map_err(|_| JsError::new("the value cannot be written as JSON"))
}

/// Parses and validates a config; the error message names the field.
#[cfg(feature = "page")]
pub fn parse_config(json: &str) -> Result<Config, JsError> {
    config(json).map_err(|e| JsError::new(&e.to_string()))
}
