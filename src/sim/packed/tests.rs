use super::*;

#[test]
fn the_kind_tables_follow_the_declaration_order() {
    assert!(TRACE_KINDS.iter().enumerate().all(|(i, k)| *k as usize == i));
    assert!(MESSAGE_KINDS.iter().enumerate().all(|(i, k)| *k as usize == i));
}

#[test]
fn varints_round_trip_at_their_edges() {
    let numbers = [0, 1, -1, 63, -64, 64, i64::MAX, i64::MIN, 1 << 40];
    let mut out = Vec::new();
    for n in numbers {
        put_signed(&mut out, n);
        put(&mut out, n as u64);
    }
    let block = Block { bytes: out, ..Block::default() };
    let mut d = Decoder::new(Readable::Borrowed(&block));
    for n in numbers {
        assert_eq!((d.get_signed(), d.get()), (n, n as u64));
    }
}

/// A reply kept as its outcome's parts reads back in its words, whatever the outcome.
#[test]
fn replies_read_back_in_their_words() {
    use crate::model::outcome::SearchReply;
    use crate::model::types::Entry;
    let version = Version { timestamp: 1_234_567, node: 2 };
    let live = Entry { value: Some(Rc::from("v9")), version };
    let tombstone = Entry { value: None, version };
    let key: Rc<str> = Rc::from("k1");
    let outcomes = [
        Outcome::Value { key: key.clone(), entry: Some(live.clone()), heard_from: vec![0, 3] },
        Outcome::Value { key: key.clone(), entry: Some(tombstone.clone()), heard_from: vec![] },
        Outcome::Value { key: key.clone(), entry: None, heard_from: vec![1] },
        Outcome::Written { key: key.clone(), op: WriteOp::Insert, entry: live.clone(), acked_by: vec![1, 2] },
        Outcome::Written { key: key.clone(), op: WriteOp::Update, entry: live.clone(), acked_by: vec![] },
        Outcome::Written { key: key.clone(), op: WriteOp::Delete, entry: tombstone.clone(), acked_by: vec![7] },
        Outcome::Repaired { key: key.clone(), entry: live.clone(), repaired: vec![4] },
        Outcome::Repaired { key: key.clone(), entry: tombstone, repaired: vec![4, 5] },
        Outcome::Searched {
            key: key.clone(),
            replies: vec![SearchReply { node: 1, replica: true, answered: true, entry: Some(live) }],
        },
        Outcome::Listed { entries: vec![] },
        Outcome::Failed { error: "get k1 failed: 1 of 2 replicas answered".into() },
    ];
    let mut packed = PackedEvents::default();
    for (i, outcome) in outcomes.iter().enumerate() {
        packed.push(&EventRef {
            node: Some(i),
            text: Some(Text::Reply(outcome)),
            ..EventRef::new(999_000, TraceKind::Reply)
        });
    }
    let texts: Vec<_> = packed.iter_from(0).map(|e| e.text.unwrap_or_default()).collect();
    assert_eq!(texts, outcomes.iter().map(Outcome::describe).collect::<Vec<_>>());
}

mod round_trip {
    use super::super::*;
    use proptest::prelude::*;

    fn string() -> impl Strategy<Value = Rc<str>> {
        // Few distinct strings, so blocks see repeats, and any text now and then.
        prop_oneof![3 => (0..5u8).prop_map(|i| Rc::from(format!("k{i}"))), 1 => ".{0,12}".prop_map(Rc::from)]
    }

    fn event() -> impl Strategy<Value = TraceEvent> {
        let ids = || proptest::option::of(0..1_000usize);
        // `sent` and `due` are often the event's own time (a send, a delivery): u64::MAX stands for it.
        let times = || proptest::option::of(prop_oneof![any::<u64>(), Just(u64::MAX)]);
        (
            (any::<u64>(), 0..TRACE_KINDS.len(), ids(), ids(), ids()),
            (proptest::option::of(0..MESSAGE_KINDS.len()), proptest::option::of(any::<u64>())),
            (proptest::option::of(string()), proptest::option::of(string())),
            (proptest::option::of((any::<i64>(), 0..300usize)), times(), times()),
            proptest::option::of(string()),
        )
            .prop_map(
                |((time, kind, node, from, to), (msg, request), (key, value), (version, sent, due), text)| TraceEvent {
                    time,
                    kind: TRACE_KINDS[kind],
                    node,
                    from,
                    to,
                    msg: msg.map(|m| MESSAGE_KINDS[m]),
                    request,
                    key,
                    value,
                    version: version.map(|(timestamp, node)| Version { timestamp, node }),
                    sent: sent.map(|t| if t == u64::MAX { time } else { t }),
                    due: due.map(|t| if t == u64::MAX { time } else { t }),
                    text: text.map(|t| t.to_string()),
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Packed events decode to exactly what was recorded, from any index, in a clone too.
        #[test]
        fn packed_events_decode_to_what_was_recorded(
            events in proptest::collection::vec(event(), 0..1_500),
            start in 0..1_600usize,
        ) {
            let mut packed = PackedEvents::default();
            for e in &events {
                packed.push(&e.borrowed());
            }
            let copy = packed.clone();
            prop_assert_eq!(packed.len(), events.len());
            prop_assert_eq!(&copy.iter_from(0).collect::<Vec<_>>(), &events);
            let tail: Vec<_> = events.iter().skip(start).cloned().collect();
            prop_assert_eq!(packed.iter_from(start).collect::<Vec<_>>(), tail);
        }

        /// Events recorded in time order are found from any time, whichever block holds it.
        #[test]
        fn packed_events_are_found_by_time(
            mut events in proptest::collection::vec(event(), 0..1_500),
            from in 0..2_000u64,
        ) {
            let mut time = 0;
            for e in &mut events {
                time += e.time % 3;
                e.time = time;
            }
            let mut packed = PackedEvents::default();
            for e in &events {
                packed.push(&e.borrowed());
            }
            let later: Vec<_> = events.iter().skip_while(|e| e.time < from).cloned().collect();
            prop_assert_eq!(packed.iter_from_time(from).collect::<Vec<_>>(), later);
        }
    }
}
