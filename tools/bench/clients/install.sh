#!/usr/bin/env bash
# Installs the Kafka clients the clients benchmark compares into a scratch npm project outside the
# repository (default /tmp/kafka-clients); the repository's dependencies are left alone.
#   bash tools/bench/clients/install.sh [dir]
# The librdkafka bindings build librdkafka from the source in their npm package: neither can get a
# prebuilt binary from the npm registry alone (@confluentinc/kafka-javascript downloads its prebuilt
# addon from GitHub releases, node-rdkafka always builds). They need gcc, g++, make, python3 and the
# Debian packages below; @confluentinc/kafka-javascript's default static build downloads zlib,
# OpenSSL, zstd and curl sources from their sites, so it is linked against the system libraries
# instead (CKJS_LINKING=dynamic). The addons are built against the runtime Node's headers.
set -euo pipefail
dir="${1:-/tmp/kafka-clients}"
here="$(cd "$(dirname "$0")" && pwd)"
# The runtime Node (installed into the klineflow cache if need be): the addons must match its ABI.
node_bin="$(node "$here/../../node-runtime.mjs" -p process.execPath)"
node_home="$(dirname "$(dirname "$node_bin")")"
export PATH="$node_home/bin:$PATH"
export npm_config_nodedir="$node_home"
export CKJS_LINKING=dynamic
if command -v apt-get >/dev/null; then
  apt-get install -y -qq libssl-dev zlib1g-dev libzstd-dev libcurl4-openssl-dev liblz4-dev libsasl2-dev >/dev/null
fi
mkdir -p "$dir"
cd "$dir"
[[ -f package.json ]] || echo '{ "name": "kafka-clients-scratch", "private": true, "type": "module" }' > package.json
npm install --no-audit --no-fund kafkajs@2.2.4 @platformatic/kafka@2.12.1 @confluentinc/kafka-javascript@1.10.1 node-rdkafka@3.6.1
# node-pre-gyp may have built the addon against the Node that runs npm rather than the runtime Node.
node_gyp="$(npm prefix -g)/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
if ! node -e "require('$dir/node_modules/@confluentinc/kafka-javascript')" 2>/dev/null; then
  (cd node_modules/@confluentinc/kafka-javascript && node "$node_gyp" rebuild --nodedir="$node_home" -j 2 >/dev/null)
fi
# One process each: both load a librdkafka.so.1 of their own, and the first one loaded wins.
for pkg in node-rdkafka @confluentinc/kafka-javascript; do
  node -e "console.log('$pkg: librdkafka', require('$pkg').librdkafkaVersion)"
done
