//! Malformed histories: EDN that does not read, ops that do not pair, values a model cannot
//! take. Each error names the line and says what is wrong; nothing panics or overflows the
//! stack, whatever the bytes.

use kvplayground::check::edn_reader::{read_all, MAX_DEPTH};
use kvplayground::check::models::ModelKind::{self, CasRegister, Kv, Store};
use kvplayground::check::report::{check, Limits};
use proptest::prelude::*;

const OK: &str = "{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value nil}\n";

/// The error for `text` under `model`: it must be one, on `line`, containing `words`.
fn assert_error(text: &str, model: ModelKind, line: usize, words: &str) {
    match check(text, model, &Limits::default()) {
        Ok(report) => panic!("no error for {text:?}: {report:?}"),
        Err(error) => {
            assert_eq!(error.line, line, "{text:?}: {error}");
            assert!(error.message.contains(words), "{text:?}: {error} (expected {words:?})");
            assert!(error.to_string().starts_with(&format!("line {line}: ")), "{error}");
        }
    }
}

#[test]
fn edn_that_does_not_read_is_an_error_on_its_line() {
    let cases: &[(&str, usize, &str)] = &[
        // Brackets.
        ("{:process 0, :type :invoke", 1, "the `{` opened on line 1 is never closed: add `}`"),
        ("[{:process 0}\n{:a 1}\n", 1, "the `[` opened on line 1 is never closed"),
        ("{:process 0]\n", 1, "`]` closes the `{` opened on line 1: close it with `}`"),
        ("\n\n)\n", 3, "unexpected `)`: nothing is open here"),
        ("[1 2 (3 4]]", 1, "`]` closes the `(` opened on line 1"),
        // Strings.
        ("{:f :read}\n{:value \"abc\n\ndef", 2, "this string is never closed"),
        ("{:value \"a\\qb\"}", 1, "unknown escape `\\q`"),
        ("{:value \"\\u12\"}", 1, "`\\u` in a string needs four hex digits"),
        ("{:value \"\\ud800\"}", 1, "four hex digits of a character"),
        // Maps.
        ("{:process 0, :type}", 1, "the key `:type` has no value"),
        ("\n{:process 0, :process 1}", 2, "the key `:process` appears twice"),
        // Atoms.
        ("{:process 007}", 1, "no leading zeros"),
        ("{:time 99999999999999999999}", 1, "at most 64 bits"),
        ("{:time 1.2.3}", 1, "`1.2.3` is not a number"),
        ("{:time 3e}", 1, "`3e` is not a number"),
        ("{: 1}", 1, "`:` is not a keyword"),
        ("{::f 1}", 1, "`::f` is not a keyword"),
        ("{:f @deref}", 1, "`@` cannot appear in a symbol"),
        ("{:f ^meta}", 1, "`^` cannot appear in a symbol"),
        ("{:value \\a}", 1, "characters such as `\\a` are not supported"),
        // Dispatch.
        ("#_", 1, "`#_` discards the next value, but none follows"),
        ("[1 #_]", 1, "`#_` discards the next value"),
        ("#inst", 1, "the tag `#inst` needs a value after it"),
        ("##Infinity", 1, "the symbolic values are ##Inf"),
        ("#(+ 1 2)", 1, "`#` starts a set"),
        ("#\"regex\"", 1, "`#` starts a set"),
    ];
    for &(text, line, words) in cases {
        assert_error(text, CasRegister, line, words);
    }
    assert!(cases.len() >= 20);
}

#[test]
fn ops_that_do_not_pair_are_errors_naming_the_line() {
    let cases: &[(&str, usize, &str)] = &[
        ("42\n", 1, "expected an op, a map such as"),
        ("[{:process 0, :type :invoke, :f :read}\n 7]", 2, "but found an integer `7`"),
        ("{:type :invoke, :f :read}", 1, "this op has no `:process`"),
        ("{:process \"zero\", :type :invoke, :f :read}", 1, "`:process` must be an integer"),
        ("{:process 0, :f :read}", 1, "this op has no `:type`"),
        ("{:process 0, :type \"invoke\", :f :read}", 1, "`:type` must be a keyword such as :invoke"),
        ("{:process 0, :type :invoke}", 1, "this op has no `:f`"),
        ("{:process 0, :type :started, :f :read}", 1, "`:type :started` is not an op type"),
        ("\n{:process 3, :type :ok, :f :read, :value 1}", 2, "this :ok completes no op: process 3 has no invoke open"),
        (
            "{:process 0, :type :invoke, :f :read}\n{:process 0, :type :invoke, :f :read}",
            2,
            "process 0 invokes again while its op invoked on line 1 has not completed",
        ),
        ("{:process 0, :type :invoke, :f :read}\n{:process 0, :type :ok, :f :write}", 2, "this :ok has :f :write, but"),
    ];
    for &(text, line, words) in cases {
        assert_error(text, CasRegister, line, words);
    }
}

#[test]
fn values_a_model_cannot_take_are_errors_naming_the_line() {
    let pair = |f: &str, key: &str, value: &str| {
        format!("\n{{:process 0, :type :invoke, :f :{f}{key}, :value {value}}}\n{{:process 0, :type :ok, :f :{f}{key}, :value {value}}}")
    };
    let cases: Vec<(String, ModelKind, &str)> = vec![
        (
            pair("incr", "", "1"),
            CasRegister,
            "`:f :incr` is not an operation of the cas-register model: use :read, :write or :cas",
        ),
        (pair("cas", "", "1"), CasRegister, "a :cas op's value is [from to]"),
        (pair("read", ", :key [1]", "1"), CasRegister, "a key is a string, integer or keyword, not a vector"),
        (pair("put", ", :key \"k\"", "5"), Kv, "the kv model's values are strings"),
        (pair("put", "", "\"v\""), Kv, "a kv op needs a `:key`, or a `:value` of [key value]"),
        (pair("get", "", "[\"k\" 5]"), Kv, "the kv model's values are strings"),
        (pair("read", ", :key \"k\"", "nil"), Kv, "`:f :read` is not an operation of the kv model"),
        (pair("insert", "", "\"v\""), Store, "a store op needs a `:key`"),
        (pair("update", ", :key \"5\"", "nil"), Store, "an :update writes a value"),
        (pair("put", ", :key \"5\"", "\"v\""), Store, "use :get, :insert, :update or :delete"),
    ];
    for (text, model, words) in cases {
        assert_error(&text, model, 2, words);
    }
}

#[test]
fn deep_nesting_and_long_runs_are_errors_not_crashes() {
    for open in ["[", "(", "{", "#{", "#t ", "#_ "] {
        let text = open.repeat(200_000);
        let error = read_all(&text).expect_err(open);
        assert_eq!(error.line, 1, "{open}: {error}");
    }
    let nested = format!("{}{}", "[".repeat(MAX_DEPTH + 5), "]".repeat(MAX_DEPTH + 5));
    assert!(read_all(&nested).unwrap_err().message.contains("nested more than"));
    // Many discards in a row are read in a loop.
    let discards = format!("{}{}", "#_ 1 ".repeat(100_000), OK);
    assert_eq!(check(&discards, CasRegister, &Limits::default()).map(|r| r.operations), Ok(1));
    // An empty history (or one of comments) is linearizable.
    assert_eq!(check("; nothing\n", Kv, &Limits::default()).map(|r| r.keys.len()), Ok(0));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary text, and valid histories with bytes changed, never panic, and an error always
    /// names a line of the text.
    #[test]
    fn no_input_panics(noise in ".{0,80}", at in 0usize..200, model in 0usize..3) {
        let model = [Kv, CasRegister, Store][model];
        for text in [noise.clone(), splice(OK, at, &noise), splice(&OK.replace(":read", ":get"), at, &noise)] {
            if let Err(error) = check(&text, model, &Limits::default()) {
                prop_assert!(error.line >= 1 && error.line <= text.lines().count().max(1) + 1, "{text:?}: {error}");
            }
        }
    }
}

/// `text` with `insert` put in at about `at` (on a character boundary).
fn splice(text: &str, at: usize, insert: &str) -> String {
    let cut = (0..=at.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    format!("{}{insert}{}", &text[..cut], &text[cut..])
}
