//! Faults through the page's loop: the native golden traces, the fault state the core reports,
//! bad fault lines, and numbers in lines read as Rust reads them.

use super::*;

/// Drives `lines` (`(time µs, action line)`) through the page's loop with `scheduleLine`.
fn page_loop_with_lines(config: &str, seed: f64, lines: &[(f64, String)]) -> (KvScheduler, Vec<KvNode>) {
    let (mut scheduler, mut nodes) = cluster(config, seed);
    for (at, line) in lines {
        ok(scheduler.schedule_line(*at, line), &format!("scheduleLine {line}"));
    }
    let mut steps = 0;
    while deliver_next(&mut scheduler, &mut nodes) {
        steps += 1;
        assert!(steps < 1_000_000, "the run goes quiet");
    }
    (scheduler, nodes)
}

#[wasm_bindgen_test]
fn faults_through_the_page_loop_give_the_native_trace() {
    let (lines, errors) = kvplayground::sim::script::parse(FAULTS_SCRIPT, 4);
    assert!(errors.is_empty(), "{errors:?}");
    let lines: Vec<_> = lines.iter().map(|l| (l.action.at as f64, l.action.action.to_string())).collect();
    let (scheduler, nodes) = page_loop_with_lines(CONFIG, SEED, &lines);
    assert_eq!(jsonl(&scheduler), FAULTS_GOLDEN, "the fault tour in the browser differs from the native run");
    assert!(js_sys::Array::from(&get(&ok(scheduler.faults(), "faults"), "down")).length() == 0, "n2 restarted");
    // n2 restarted without its store, and read repair refilled it: the KvNode got the restart.
    let rows = js_sys::Array::from(&ok(nodes[2].store(), "store"));
    assert!(rows.length() >= 1);

    let scheduler = replay_scenario(PARTITION_SCENARIO);
    assert_eq!(jsonl(&scheduler), PARTITION_GOLDEN);
    // The ShiViz log, as the page makes it: its trace handed to the exports package.
    let shiviz = ok(kvplayground::wasm::shiviz_of_trace(&jsonl(&scheduler)), "shivizOfTrace");
    assert!(shiviz.starts_with("n0 {\"n0\":1}\n"));
}

#[wasm_bindgen_test]
fn the_core_reports_its_fault_state() {
    let (mut scheduler, mut nodes) = cluster(CONFIG, SEED);
    for line in ["crash 2", "skew 1 -1500", "hints on", "anti-entropy 2000", "cut 0>1", "loss 2-3 0.5"] {
        ok(scheduler.schedule_line(0.0, line), &format!("scheduleLine {line}"));
    }
    // Anti-entropy rounds never end: run until nothing but them is left.
    while !scheduler.is_quiet() && deliver_next(&mut scheduler, &mut nodes) {}
    let faults = ok(scheduler.faults(), "faults");
    let numbers = |field: &str| -> Vec<f64> {
        js_sys::Array::from(&get(&faults, field)).iter().map(|v| v.as_f64().expect("a number")).collect()
    };
    assert_eq!(numbers("down"), [2.0]);
    assert_eq!(numbers("clock_skew_us"), [0.0, -1_500_000.0, 0.0, 0.0]);
    assert_eq!(get(&faults, "hinted_handoff").as_bool(), Some(true));
    assert_eq!(get(&faults, "anti_entropy_period_us").as_f64(), Some(2_000_000.0));
    let links: Vec<(f64, f64, String, f64)> = js_sys::Array::from(&get(&faults, "links"))
        .iter()
        .map(|l| {
            let n = |f| get(&l, f).as_f64().unwrap();
            (n("from"), n("to"), get(&l, "state").as_string().unwrap(), n("loss"))
        })
        .collect();
    let expected = [(0.0, 1.0, "drop", 0.0), (2.0, 3.0, "up", 0.5), (3.0, 2.0, "up", 0.5)];
    assert_eq!(links, expected.map(|(f, t, s, l)| (f, t, s.to_string(), l)));
    ok(scheduler.schedule_line(0.0, "heal"), "heal");
    ok(scheduler.schedule_line(0.0, "anti-entropy off"), "anti-entropy off");
    while !scheduler.is_quiet() && deliver_next(&mut scheduler, &mut nodes) {}
    let faults = ok(scheduler.faults(), "faults");
    assert_eq!(js_sys::Array::from(&get(&faults, "links")).length(), 2, "heal leaves the loss, which is no cut");
    assert!(get(&faults, "anti_entropy_period_us").is_null());
}

#[wasm_bindgen_test]
fn bad_fault_lines_are_errors_and_the_module_keeps_working() {
    let (mut scheduler, _) = cluster(CONFIG, SEED);
    let cases = [
        ("crash 9", "there is no node 9"),
        ("restart 1 maybe", "neither keep"),
        ("cut 0", "is not a link"),
        ("partition 0,1 | 2", "node 3 is in no group"),
        ("loss 0-1 2", "not a probability"),
        ("skew 1 soon", "not a time"),
        ("explode 2", "is not a node number"),
        ("", "is not a node number"),
        ("9 get 5 ONE", "there is no node 9"),
    ];
    for (line, words) in cases {
        let e = err(scheduler.schedule_line(0.0, line), &format!("scheduleLine({line:?})"));
        assert!(e.contains(words), "{line}: {e}");
    }
    for time in [-1.0, f64::NAN] {
        err(scheduler.schedule_line(time, "heal"), &format!("scheduleLine at {time}"));
    }
    assert!(scheduler.next_due().is_none(), "nothing was scheduled");
    let scheduled = ok(scheduler.schedule_line(0.0, "  partition n0 ,1|2 , 3 "), "scheduleLine");
    assert_eq!(get(&scheduled, "line").as_string().as_deref(), Some("partition 0,1 | 2,3"));
    assert!(get(&scheduled, "request").is_null());
    let scheduled = ok(scheduler.schedule_line(0.0, "0 get 5 ONE"), "scheduleLine");
    assert_eq!(get(&scheduled, "request").as_f64(), Some(0.0));
    assert_eq!(page_loop_trace(), GOLDEN);
}

#[wasm_bindgen_test]
fn the_browser_reads_numbers_in_lines_as_rust_does() {
    let texts = [
        "0",
        "1",
        "-0",
        "+1",
        "0.5",
        ".5",
        "5.",
        "+.5",
        "-2.5e-3",
        "1E5",
        "1e+5",
        "007",
        "0.1",
        "0.3",
        "2.2250738585072011e-308",
        "9007199254740993",
        "1.00000000000000011102230246251565404236316680908203125",
        "123456789012345678901234567890e-20",
        "1e-400",
        "1e400",
        "",
        ".",
        "e5",
        "1e",
        "1e+",
        "1.2.3",
        "1e5e3",
        "+-1",
        "--1",
        "-",
        "inf",
        "-infinity",
        "NaN",
        "0x10",
        " 1",
        "1 ",
        "1_0",
        "Infinity",
        "٣",
    ];
    for text in texts {
        let native = text.parse::<f64>().ok().filter(|x| x.is_finite());
        let page = parse_finite(text);
        assert_eq!(page.map(f64::to_bits), native.map(f64::to_bits), "{text:?}: {page:?} != {native:?}");
    }
}
