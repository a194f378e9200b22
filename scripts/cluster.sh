#!/usr/bin/env bash
# Starts a cluster of N kvnode processes (default 4) in the background, each with its stdin on a
# named pipe and its output in files, and stops them all on Ctrl-C or exit.
#   scripts/cluster.sh [N]     a config with N loopback addresses on free ports
#   CONFIG=path scripts/cluster.sh [N]   that config instead (N at most its number of nodes)
#   KVNODE=path                that binary instead of building target/release/kvnode
# Stores are kept in the run's directory (--data), which is removed at the end, all but the
# nodes' traces (--trace n<i>.trace.jsonl), for `kvsim merge`. Each node also serves its events
# to pages over a WebSocket (--watch) on a free loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-4}"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/cluster.sh [N]" >&2; exit 2; }
DIR="$(mktemp -d "${TMPDIR:-/tmp}/kvcluster.XXXXXX")"
pids=()

stop() {
    trap - EXIT INT TERM
    # Background jobs of a script ignore SIGINT: stop the nodes with SIGTERM.
    [[ ${#pids[@]} -eq 0 ]] || kill -TERM "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    find "$DIR" -mindepth 1 -maxdepth 1 ! -name '*.trace.jsonl' -exec rm -rf {} +
    if compgen -G "$DIR/*.trace.jsonl" >/dev/null; then
        echo "cluster stopped; its traces are kept: merge them into one trace (and a ShiViz log) with"
        echo "  cargo run --release --bin kvsim -- merge $DIR/n*.trace.jsonl --out merged.jsonl --shiviz merged.shiviz"
    else
        rmdir "$DIR"
        echo "cluster stopped"
    fi
}
trap stop EXIT
trap 'exit 130' INT TERM

# 2N free loopback ports: the nodes' (unless CONFIG gives them), then their watch ports.
ports=$(python3 -c 'import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))' $((2 * N)) 2>/dev/null) ||
    ports=$(base=$((20000 + RANDOM % 30000)); seq "$base" $((base + 2 * N - 1)) | tr '\n' ' ')
read -r -a ports <<<"$ports"
watch_ports=("${ports[@]:N}")
ports=("${ports[@]:0:N}")

if [[ -z "${CONFIG:-}" ]]; then
    CONFIG="$DIR/config.json"
    addresses=$(printf '"127.0.0.1:%s", ' "${ports[@]}")
    rows=()
    for ((i = 0; i < N; i++)); do
        row=()
        for ((j = 0; j < N; j++)); do row+=("$([[ $i -eq $j ]] && echo 0 || echo 0.05)"); done
        rows+=("[$(IFS=,; echo "${row[*]}")]")
    done
    printf '{"addresses": [%s], "avg_delays": [%s]}\n' "${addresses%, }" "$(IFS=,; echo "${rows[*]}")" >"$CONFIG"
fi

if [[ -z "${KVNODE:-}" ]]; then
    cargo build --release --bin kvnode --quiet
    KVNODE=target/release/kvnode
fi

for ((i = 0; i < N; i++)); do
    mkfifo "$DIR/n$i.in"
    # Held open for reading and writing by this script (and the node), so the pipe never ends
    # when one `echo` closes it.
    exec {fd}<>"$DIR/n$i.in"
    "$KVNODE" "$i" --config "$CONFIG" --data "$DIR/data" --trace "$DIR/n$i.trace.jsonl" \
        --watch "${watch_ports[$i]}" <"$DIR/n$i.in" >"$DIR/n$i.out" 2>"$DIR/n$i.err" &
    pids+=("$!")
done

# Wait until every node is connected to every other (at most 10 s).
for ((i = 0; i < N; i++)); do
    for ((t = 0; ; t++)); do
        [[ $(grep -c "connected to" "$DIR/n$i.err" || true) -ge $((N - 1)) ]] && break
        if ! kill -0 "${pids[$i]}" 2>/dev/null || [[ $t -ge 100 ]]; then
            echo "node $i did not come up:" >&2
            cat "$DIR/n$i.err" >&2
            exit 1
        fi
        sleep 0.1
    done
done

watch_urls=$(printf 'ws://127.0.0.1:%s ' "${watch_ports[@]}")
cat <<EOF
$N nodes up (config $CONFIG).
Directory: $DIR
Type into node i:  echo 'insert 5 hello ALL' > $DIR/n0.in
Read node i:       cat $DIR/n0.out   (or tail -f; connections and errors in n0.err)
Watch the nodes:   attach the page to: ${watch_urls% }
Traces:            $DIR/n*.trace.jsonl; after the stop, merge them with
                   cargo run --release --bin kvsim -- merge $DIR/n*.trace.jsonl --out merged.jsonl --shiviz merged.shiviz
Stop:              Ctrl-C here, or kill $$ (SIGINT or SIGTERM); the directory is removed, all but the traces.
Node pids: ${pids[*]}
EOF

# Until Ctrl-C, or until a node exits.
wait -n "${pids[@]}" || true
echo "a node exited; stopping the others" >&2
exit 1
