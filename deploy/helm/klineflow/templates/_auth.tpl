{{/*
Credentials (values `auth`, README "Secrets and TLS"). Each service's password and CA come from a
Secret, either the user's (`existingSecret`) or the chart's own (secret.yaml); pods see them as files
in one projected volume, and the app reads them through KLINEFLOW__…__PASSWORD_FILE / CA_FILE, so no
secret is in the ConfigMap or in the pod's environment.
*/}}
{{- define "klineflow.authDir" -}}/etc/klineflow-secrets{{- end -}}

{{/* The config section of each service, as the KLINEFLOW__ prefix of its keys. */}}
{{- define "klineflow.authServices" -}}
{{- toJson (dict "kafka" "KLINEFLOW__KAFKA__SASL__" "redis" "KLINEFLOW__STORAGE__REDIS__" "clickhouse" "KLINEFLOW__STORAGE__CLICKHOUSE__") -}}
{{- end -}}

{{/* Name of the chart-managed Secret. */}}
{{- define "klineflow.authSecretName" -}}{{ include "klineflow.fullname" . }}-auth{{- end -}}

{{/*
The credentials in use, as JSON: per service (kafka, redis, clickhouse) that has a password, the Secret
and its keys. Fails on values that cannot work, naming the key and the fix.
*/}}
{{- define "klineflow.authInUse" -}}
{{- $root := . -}}
{{- $inUse := dict -}}
{{- /* `config` becomes the ConfigMap, readable by anyone who may read ConfigMaps: no password there (values.schema.json refuses one in a URL). */}}
{{- $config := $root.Values.config -}}
{{- $sections := dict "kafka" (($config.kafka.sasl | default dict)) "redis" $config.storage.redis "clickhouse" $config.storage.clickhouse -}}
{{- range $service, $section := $sections -}}
{{- if $section.password -}}
{{- fail (printf "config: a %s password would sit in the ConfigMap: set auth.%s.existingSecret (or auth.%s.password) instead" $service $service $service) -}}
{{- end -}}
{{- end -}}
{{- range $service, $_ := include "klineflow.authServices" . | fromJson -}}
{{- $auth := get $root.Values.auth $service | default dict -}}
{{- if and $auth.password $auth.existingSecret -}}
{{- fail (printf "auth.%s: password and existingSecret are both set: keep one (existingSecret keeps the password out of your values)" $service) -}}
{{- end -}}
{{- if and $auth.ca $auth.existingSecret -}}
{{- fail (printf "auth.%s: ca and existingSecret are both set: put the CA in that Secret under auth.%s.caKey" $service $service) -}}
{{- end -}}
{{- $external := ne ($auth.existingSecret | default "") "" -}}
{{- $secret := ternary $auth.existingSecret (include "klineflow.authSecretName" $root) $external -}}
{{- $entry := dict "secret" $secret "username" ($auth.username | default "") -}}
{{- if or $auth.password $external -}}
{{- $_ := set $entry "passwordKey" (ternary ($auth.passwordKey | default "") (printf "%s-password" $service) $external) -}}
{{- if not $entry.passwordKey -}}{{- fail (printf "auth.%s.passwordKey: name the key of auth.%s.existingSecret that holds the password" $service $service) -}}{{- end -}}
{{- end -}}
{{- if or $auth.ca (and $external $auth.caKey) -}}
{{- $_ := set $entry "caKey" (ternary $auth.caKey (printf "%s-ca.pem" $service) $external) -}}
{{- end -}}
{{- if and (eq $service "kafka") $entry.passwordKey (eq ($auth.mechanism | default "none") "none") -}}
{{- fail "auth.kafka.mechanism: a Kafka password is set: set scram-sha-256 or scram-sha-512" -}}
{{- end -}}
{{- if and (eq $service "kafka") (not $entry.passwordKey) (ne ($auth.mechanism | default "none") "none") -}}
{{- fail "auth.kafka.mechanism: SASL needs a password: set auth.kafka.existingSecret (or auth.kafka.password), or mechanism: none" -}}
{{- end -}}
{{- $tls := dict "kafka" (($config.kafka.tls | default dict).enabled | default false) "redis" (hasPrefix "rediss://" $config.storage.redis.url) "clickhouse" (hasPrefix "https://" $config.storage.clickhouse.url) -}}
{{- if and $entry.caKey (not (get $tls $service)) -}}
{{- fail (printf "auth.%s: a CA is set but %s does not use TLS: %s" $service $service (get (dict "kafka" "set config.kafka.tls.enabled: true" "redis" "use a rediss:// config.storage.redis.url" "clickhouse" "use an https:// config.storage.clickhouse.url") $service)) -}}
{{- end -}}
{{- if or $entry.passwordKey $entry.caKey -}}{{- $_ := set $inUse $service $entry -}}{{- end -}}
{{- end -}}
{{- toJson $inUse -}}
{{- end -}}

{{/* Env entries of the app container: user names, the SASL mechanism and where the secret files are. */}}
{{- define "klineflow.authEnv" -}}
{{- $root := . -}}
{{- $prefixes := include "klineflow.authServices" . | fromJson -}}
{{- range $service, $entry := include "klineflow.authInUse" . | fromJson }}
{{- $prefix := get $prefixes $service }}
{{- if $entry.passwordKey }}
{{- if eq $service "kafka" }}
- { name: KLINEFLOW__KAFKA__SASL__MECHANISM, value: {{ $root.Values.auth.kafka.mechanism | quote }} }
{{- end }}
{{- if $entry.username }}
- { name: {{ $prefix }}USERNAME, value: {{ $entry.username | quote }} }
{{- end }}
- { name: {{ $prefix }}PASSWORD_FILE, value: {{ printf "%s/%s-password" (include "klineflow.authDir" $root) $service | quote }} }
{{- end }}
{{- if $entry.caKey }}
- { name: {{ ternary "KLINEFLOW__KAFKA__TLS__" $prefix (eq $service "kafka") }}CA_FILE, value: {{ printf "%s/%s-ca.pem" (include "klineflow.authDir" $root) $service | quote }} }
{{- end }}
{{- end }}
{{- end -}}

{{/* The volume mount of the secret files, if any credentials are in use; args: $ or (dict "root" $ "only" "kafka"). */}}
{{- define "klineflow.authVolumeMounts" -}}
{{- $root := .root | default . -}}
{{- if include "klineflow.authVolumes" . }}
- { name: auth, mountPath: {{ include "klineflow.authDir" $root }}, readOnly: true }
{{- end }}
{{- end -}}

{{/*
One projected volume: every Secret's keys, under the fixed file names the env entries point to;
args: $ for every service, or (dict "root" $ "only" "kafka") for one.
*/}}
{{- define "klineflow.authVolumes" -}}
{{- $root := .root | default . -}}
{{- $inUse := include "klineflow.authInUse" $root | fromJson -}}
{{- if .only }}{{ $inUse = pick $inUse .only }}{{ end -}}
{{- if $inUse }}
- name: auth
  projected:
    # Readable by the app user (runAsUser), which is not the files' owner; the pod runs only the app.
    defaultMode: 0444
    sources:
      {{- range $service, $entry := $inUse }}
      - secret:
          name: {{ $entry.secret }}
          items:
            {{- if $entry.passwordKey }}
            - { key: {{ $entry.passwordKey | quote }}, path: {{ printf "%s-password" $service }} }
            {{- end }}
            {{- if $entry.caKey }}
            - { key: {{ $entry.caKey | quote }}, path: {{ printf "%s-ca.pem" $service }} }
            {{- end }}
      {{- end }}
{{- end }}
{{- end -}}

{{/* Whether the topics Job needs client settings: Kafka has SASL or TLS. */}}
{{- define "klineflow.kafkaSecured" -}}
{{- if or (get (include "klineflow.authInUse" . | fromJson) "kafka") (.Values.config.kafka.tls | default dict).enabled }}true{{ end -}}
{{- end -}}

{{/*
Shell lines that write /tmp/client.properties, the Java client settings kafka-topics.sh needs for the
brokers' TLS and SASL (--command-config), when it needs any. The password is read from its file when the Job runs.
*/}}
{{- define "klineflow.kafkaClientProperties" -}}
{{- if include "klineflow.kafkaSecured" . -}}
{{- $kafka := get (include "klineflow.authInUse" . | fromJson) "kafka" | default dict -}}
{{- $tls := (.Values.config.kafka.tls | default dict).enabled | default false -}}
{{- $dir := include "klineflow.authDir" . -}}
{
  echo "security.protocol={{ ternary "SASL_" "" (hasKey $kafka "passwordKey") }}{{ ternary "SSL" "PLAINTEXT" $tls }}"
  {{- if $kafka.passwordKey }}
  password=$(cat {{ $dir }}/kafka-password)
  case "$password" in *'"'*|*'\'*) echo 'the Kafka password holds " or \, which a JAAS line cannot carry: create the topics yourself and set topics.create=false' >&2; exit 1 ;; esac
  echo "sasl.mechanism={{ upper .Values.auth.kafka.mechanism }}"
  printf '%s\n' "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"{{ $kafka.username }}\" password=\"$password\";"
  {{- end }}
  {{- if $kafka.caKey }}
  echo "ssl.truststore.type=PEM"
  echo "ssl.truststore.location={{ $dir }}/kafka-ca.pem"
  {{- end }}
} > /tmp/client.properties
{{- end -}}
{{- end -}}

{{/* Pod annotation that rolls the pods when the chart-managed Secret changes: the apps read it at start. */}}
{{- define "klineflow.authAnnotations" -}}
{{- $secret := include (print .Template.BasePath "/secret.yaml") . -}}
{{- if $secret }}
checksum/auth: {{ $secret | sha256sum }}
{{- end }}
{{- end -}}
