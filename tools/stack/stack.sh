#!/usr/bin/env bash
# The local stack: real Apache Kafka (KRaft, jars from Maven Central), Redis and ClickHouse
# (Debian packages), on loopback. Idempotent: installs what is missing, starts what is not
# running, reuses what already runs. Serves `npm start`, `npm test` and CI alike.
#
#   stack.sh install              install what running needs, if missing: Redis, ClickHouse, kcat
#                                 (apt; kcat reads the topics, as the README shows) and the Kafka jars
#   stack.sh install-test-tools   install what only tests need, if missing: helm (go install),
#                                 promtool (apt `prometheus`) and chdb-core (ClickHouse 26 in-process,
#                                 PyPI, in a venv); called by tools/test.mjs and .ci/run
#   stack.sh up                   install + start everything + create topics, database and table
#   stack.sh status    show what answers
#   stack.sh down      stop what this script started
#   stack.sh stop kafka|redis|clickhouse   stop one service (chaos tests); `up` starts it again
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KAFKA_VERSION="4.1.1"
HELM_VERSION="v3.22.0"
# chdb-core embeds ClickHouse of the same version: the DDL and queries are checked on it as well as on
# the local server (deploy/binaries.ts reads this line for the venv path).
CHDB_VERSION="26.9.0"
CACHE="${KLINEFLOW_CACHE:-$HOME/.cache/klineflow}"
# As root, ClickHouse runs as its own user, which cannot enter /root: keep state under /var/lib.
if [[ $(id -u) -eq 0 ]]; then DEFAULT_STATE=/var/lib/klineflow-stack; else DEFAULT_STATE="$HOME/.local/share/klineflow-stack"; fi
STATE="${KLINEFLOW_STACK_DIR:-$DEFAULT_STATE}"
KAFKA_HOME="$CACHE/kafka-$KAFKA_VERSION"
KAFKA_PORT=9092 CONTROLLER_PORT=9093 REDIS_PORT=6379 CH_HTTP_PORT=8123 CH_TCP_PORT=9000

log() { printf '[stack] %s\n' "$*" >&2; }
# Runs a daemon without the descriptors this script inherited above stderr, in a session of its own. A
# lock taken by whoever ran `stack.sh up` (`flock /tmp/klineflow-heavy.lock …`, around a chaos run that
# restarts a service) lives as long as any process holding its descriptor: a daemon that inherited it kept
# it held until it stopped. And a daemon left in the caller's process group dies with it: the e2e tests
# that run `npm start` in a group of their own end it with a signal to the whole group, which took down a
# broker or ClickHouse that this `npm start` had (re)started, and every stack test after it.
without_inherited_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  exec setsid "$@"
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { # name timeout_s command...
  local name=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then log "$name did not become ready in ${timeout}s"; return 1; fi
    sleep 0.3
  done
}

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]} from Debian"
  local sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_kafka() {
  [[ -f "$KAFKA_HOME/.complete" ]] && return 0
  log "resolving Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_HOME"
  local work; work=$(mktemp -d)
  cp "$ROOT/tools/stack/kafka-pom.xml" "$work/pom.xml"
  (cd "$work" && mvn -q -B dependency:copy-dependencies -Dkafka.version="$KAFKA_VERSION" -DoutputDirectory="$work/libs")
  rm -rf "$KAFKA_HOME" && mkdir -p "$KAFKA_HOME" && mv "$work/libs" "$KAFKA_HOME/libs" && rm -rf "$work"
  touch "$KAFKA_HOME/.complete"
}

install_helm() {
  [[ -x "$CACHE/bin/helm" ]] && return 0
  log "installing helm $HELM_VERSION through the Go module proxy"
  mkdir -p "$CACHE/bin"
  GOBIN="$CACHE/bin" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" 2>&1 | grep -v '^go: downloading' >&2 || true
  [[ -x "$CACHE/bin/helm" ]] || { log "helm install failed"; return 1; }
}

# kcat is not needed to run, but it is a small package in the same apt transaction, and the README's
# "Reading the data back" uses it right after `npm start`; so is openssl, with which the credential
# tests (apps/platform-e2e/src/auth.test.ts) make the certificates of their private TLS servers.
install() {
  apt_install redis-server clickhouse-server clickhouse-client kcat openssl
  install_kafka
}

install_chdb() {
  local venv="$CACHE/chdb-$CHDB_VERSION"
  [[ -f "$venv/.complete" ]] && return 0
  log "installing chdb-core $CHDB_VERSION from PyPI into $venv"
  python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "chdb-core==$CHDB_VERSION"
  touch "$venv/.complete"
}

# The deploy tests (deploy/binaries.ts): helm renders the chart, promtool checks the alert rules, and
# chdb runs the ClickHouse DDL and queries on a current ClickHouse.
install_test_tools() {
  apt_install prometheus
  install_helm
  install_chdb
}

start_redis() {
  if port_open $REDIS_PORT; then return 0; fi
  log "starting redis on :$REDIS_PORT"
  mkdir -p "$STATE/redis"
  (without_inherited_fds redis-server --daemonize yes --port $REDIS_PORT --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$STATE/redis" --pidfile "$STATE/redis/redis.pid" --logfile "$STATE/redis/redis.log")
  wait_for redis 20 redis-cli -p $REDIS_PORT ping
}

start_clickhouse() {
  if port_open $CH_HTTP_PORT; then return 0; fi
  log "starting clickhouse on :$CH_HTTP_PORT"
  local dir="$STATE/clickhouse"
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
  sed -e "s#@DIR@#$dir#g" -e "s#@HTTP_PORT@#$CH_HTTP_PORT#g" -e "s#@TCP_PORT@#$CH_TCP_PORT#g" \
    "$ROOT/tools/stack/clickhouse-config.xml" > "$dir/config.xml"
  cp "$ROOT/tools/stack/clickhouse-users.xml" "$dir/users.xml"
  local runner=()
  if [[ $(id -u) -eq 0 ]] && id clickhouse >/dev/null 2>&1; then
    chown -R clickhouse: "$dir"
    runner=(runuser -u clickhouse --)
  fi
  without_inherited_fds nohup "${runner[@]}" clickhouse-server --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
  wait_for clickhouse 60 curl -sf "http://127.0.0.1:$CH_HTTP_PORT/ping"
}

start_kafka() {
  if port_open $KAFKA_PORT; then return 0; fi
  log "starting kafka $KAFKA_VERSION (KRaft) on :$KAFKA_PORT"
  local dir="$STATE/kafka"
  mkdir -p "$dir"
  sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$CONTROLLER_PORT#g" \
    "$ROOT/tools/stack/kafka-server.properties" > "$dir/server.properties"
  local cp="$KAFKA_HOME/libs/*"
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    local cluster_id; cluster_id=$(java -cp "$cp" kafka.tools.StorageTool random-uuid)
    java -cp "$cp" kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$dir/server.properties" >/dev/null
  fi
  without_inherited_fds nohup java -Xms256m -Xmx512m -XX:+UseG1GC -Dlog4j2.configurationFile="$ROOT/tools/stack/kafka-log4j2.properties" \
    -Dkafka.logs.dir="$dir/logs" -cp "$cp" kafka.Kafka "$dir/server.properties" >"$dir/stdout.log" 2>&1 &
  echo $! > "$dir/kafka.pid"
  wait_for kafka 90 port_open $KAFKA_PORT
}

provision() {
  (cd "$ROOT" && node --import tsx tools/stack/provision.ts)
}

up() {
  install
  mkdir -p "$STATE"
  start_redis
  start_clickhouse
  start_kafka
  provision
  log "up: kafka 127.0.0.1:$KAFKA_PORT, redis 127.0.0.1:$REDIS_PORT, clickhouse http://127.0.0.1:$CH_HTTP_PORT"
}

status() {
  for svc in "kafka $KAFKA_PORT" "redis $REDIS_PORT" "clickhouse $CH_HTTP_PORT"; do
    set -- $svc
    if port_open "$2"; then echo "$1: up (:$2)"; else echo "$1: down (:$2)"; fi
  done
}

# ClickHouse 18.16 writes no pid file of ours (and runs under runuser): find it by its config path.
stop_clickhouse() {
  local pattern="clickhouse-server --config-file=$STATE/clickhouse/config.xml"
  pgrep -f "$pattern" >/dev/null || return 0
  log "stopping clickhouse"
  pkill -TERM -f "$pattern" || true
  for _ in $(seq 1 150); do pgrep -f "$pattern" >/dev/null || return 0; sleep 0.2; done
  pkill -KILL -f "$pattern" || true
}

stop_pidfile() { # name pidfile
  [[ -f "$2" ]] || return 0
  local pid; pid=$(cat "$2")
  if kill "$pid" 2>/dev/null; then
    log "stopping $1 (pid $pid)"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$2"
}

down() {
  stop_pidfile kafka "$STATE/kafka/kafka.pid"
  stop_clickhouse
  stop_pidfile redis "$STATE/redis/redis.pid"
}

stop_one() {
  case "$1" in
    kafka) stop_pidfile kafka "$STATE/kafka/kafka.pid" ;;
    clickhouse) stop_clickhouse ;;
    redis) stop_pidfile redis "$STATE/redis/redis.pid" ;;
    *) echo "usage: $0 stop kafka|redis|clickhouse" >&2; exit 2 ;;
  esac
  local port; case "$1" in kafka) port=$KAFKA_PORT ;; clickhouse) port=$CH_HTTP_PORT ;; redis) port=$REDIS_PORT ;; esac
  wait_for "$1 to stop" 30 bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"
}

case "${1:-up}" in
  stop) stop_one "${2:-}" ;;
  install) install ;;
  install-test-tools) install_test_tools ;;
  up) up ;;
  status) status ;;
  down) down ;;
  provision) provision ;;
  *) echo "usage: $0 install|install-test-tools|up|status|down|provision|stop <service>" >&2; exit 2 ;;
esac
