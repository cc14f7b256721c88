{{/* Release-scoped name prefix, at most 63 characters with room for "-ingest-binance-nNN-NN". */}}
{{- define "klineflow.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Selector labels of one app; args: (dict "root" $ "app" "ingest-binance"), plus "shardCount" N for one generation of ingest shards. */}}
{{- define "klineflow.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .app }}
{{- if gt (int (.shardCount | default 0)) 0 }}
klineflow.io/shard-count: {{ .shardCount | quote }}
{{- end }}
{{- end -}}

{{- define "klineflow.labels" -}}
{{ include "klineflow.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* The metrics/health port of an app, from config.metrics.ports (ingest-binance -> ingest_binance). */}}
{{- define "klineflow.metricsPort" -}}
{{- $key := .app | replace "-" "_" -}}
{{- $port := index .root.Values.config.metrics.ports $key -}}
{{- if not $port -}}{{- fail (printf "config.metrics.ports.%s is missing" $key) -}}{{- end -}}
{{- int $port -}}
{{- end -}}

{{/*
Pod template of one app; args: (dict "root" $ "app" "normalizer" "spec" $spec "shardCount" 0).
A shardCount > 0 makes the app an ingest shard: its index is the StatefulSet ordinal, the
suffix of the pod name, which only a shell can cut before node starts.
*/}}
{{- define "klineflow.podTemplate" -}}
{{- $root := .root -}}
{{- $port := include "klineflow.metricsPort" . -}}
{{- $main := printf "dist/apps/%s/main.js" .app -}}
metadata:
  labels:
    {{- include "klineflow.selectorLabels" . | nindent 4 }}
  annotations:
    checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
    {{- with include "klineflow.authAnnotations" $root | trim }}{{ . | nindent 4 }}{{ end }}
    {{- if $root.Values.metrics.podAnnotations }}
    prometheus.io/scrape: "true"
    prometheus.io/port: {{ $port | quote }}
    prometheus.io/path: /metrics
    {{- end }}
spec:
  terminationGracePeriodSeconds: {{ .spec.terminationGracePeriodSeconds }}
  # The apps never call the Kubernetes API: no token in the pod.
  serviceAccountName: {{ include "klineflow.serviceAccountName" $root }}
  automountServiceAccountToken: false
  securityContext:
    {{- toYaml $root.Values.podSecurityContext | nindent 4 }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $root.Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $root.Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  affinity:
    # Spread replicas across nodes so one node loss does not take a whole exchange or group down.
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 100
          podAffinityTerm:
            topologyKey: kubernetes.io/hostname
            labelSelector:
              matchLabels:
                {{- include "klineflow.selectorLabels" . | nindent 16 }}
  containers:
    - name: {{ .app }}
      image: "{{ $root.Values.image.registry }}/{{ .spec.image.repository }}:{{ .spec.image.tag | default $root.Values.image.tag | default $root.Chart.AppVersion }}"
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      {{- if gt (int .shardCount) 0 }}
      command: ["/bin/sh", "-c"]
      args:
        - export KLINEFLOW__INGEST__SHARD_INDEX="${POD_NAME##*-}" && exec node {{ $main }} --config /etc/klineflow/config.toml
      {{- else }}
      args: ["node", "{{ $main }}", "--config", "/etc/klineflow/config.toml"]
      {{- end }}
      env:
        {{- if gt (int .shardCount) 0 }}
        - name: POD_NAME
          valueFrom: { fieldRef: { fieldPath: metadata.name } }
        - name: KLINEFLOW__INGEST__SHARD_COUNT
          value: {{ .shardCount | quote }}
        {{- end }}
        {{- with $root.Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with include "klineflow.authEnv" $root | trim }}{{ . | nindent 8 }}{{ end }}
      ports:
        - name: metrics
          containerPort: {{ $port }}
      startupProbe:
        httpGet: { path: /livez, port: metrics }
        {{- toYaml $root.Values.probes.startup | nindent 8 }}
      readinessProbe:
        httpGet: { path: /readyz, port: metrics }
        {{- toYaml $root.Values.probes.readiness | nindent 8 }}
      livenessProbe:
        httpGet: { path: /livez, port: metrics }
        {{- toYaml $root.Values.probes.liveness | nindent 8 }}
      resources:
        {{- toYaml .spec.resources | nindent 8 }}
      securityContext:
        {{- toYaml $root.Values.securityContext | nindent 8 }}
      volumeMounts:
        - { name: config, mountPath: /etc/klineflow, readOnly: true }
        - { name: tmp, mountPath: /tmp }
        {{- with include "klineflow.authVolumeMounts" $root | trim }}{{ . | nindent 8 }}{{ end }}
  volumes:
    - name: config
      configMap: { name: {{ include "klineflow.fullname" $root }}-config }
    - name: tmp
      emptyDir: {}
    {{- with include "klineflow.authVolumes" $root | trim }}{{ . | nindent 4 }}{{ end }}
{{- end -}}

{{/*
TOML of a values tree; args: (dict "table" $map "prefix" ""). Helm's own toToml writes every
number as a float (6.0), so scalars and arrays go through toJson, whose output is valid TOML.
*/}}
{{- define "klineflow.toml" -}}
{{- $prefix := .prefix -}}
{{- range $key, $value := .table }}
{{- if not (kindIs "map" $value) }}
{{ $key }} = {{ toJson $value }}
{{- end }}
{{- end }}
{{- range $key, $value := .table }}
{{- if kindIs "map" $value }}

[{{ $prefix }}{{ $key }}]
{{- include "klineflow.toml" (dict "table" $value "prefix" (printf "%s%s." $prefix $key)) }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The ServiceAccount every app pod runs as. */}}
{{- define "klineflow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "klineflow.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/*
Autoscaling settings of one consumer, as JSON: consumers.<app>.autoscaling over the chart-wide
autoscaling block; args: (dict "root" $ "spec" $spec).
*/}}
{{- define "klineflow.autoscaling" -}}
{{- merge (deepCopy (.spec.autoscaling | default dict)) (deepCopy .root.Values.autoscaling) | toJson -}}
{{- end -}}

{{/* The port of a URL or host:port: the explicit one, else the scheme's default. */}}
{{- define "klineflow.port" -}}
{{- $address := . -}}
{{- if contains "://" $address -}}{{- $address = (urlParse $address).host -}}{{- end -}}
{{- $scheme := ternary (regexFind "^[a-z]+" .) "" (contains "://" .) -}}
{{- if regexMatch ":[0-9]+$" $address -}}
{{- regexFind "[0-9]+$" $address -}}
{{- else -}}
{{- get (dict "http" "80" "ws" "80" "https" "443" "wss" "443" "redis" "6379" "rediss" "6379") $scheme | default "" -}}
{{- end -}}
{{- end -}}
