{{/* Names, labels and the controller's settings, shared by every template. */}}

{{- define "kong-fleet.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The prefix of every object name: the release name, plus the chart name unless it holds it already. */}}
{{- define "kong-fleet.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kong-fleet.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels every object carries (Kong's charts' metaLabels, plus part-of as deploy/ has it), besides the
selector labels of its workload (name, component, instance).
*/}}
{{- define "kong-fleet.metaLabels" -}}
helm.sh/chart: {{ include "kong-fleet.chart" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: kong-fleet
{{- range $key, $value := .Values.extraLabels }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* Selector labels of one workload: ctx = root context, name, component. Never change on upgrade. */}}
{{- define "kong-fleet.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- end -}}

{{- define "kong-fleet.controller.selectorLabels" -}}
{{ include "kong-fleet.selectorLabels" (dict "ctx" . "name" (include "kong-fleet.name" .) "component" "controller") }}
{{- end -}}
{{- define "kong-fleet.controller.labels" -}}
{{ include "kong-fleet.metaLabels" . }}
{{ include "kong-fleet.controller.selectorLabels" . }}
{{- end -}}

{{- define "kong-fleet.redis.selectorLabels" -}}
{{ include "kong-fleet.selectorLabels" (dict "ctx" . "name" "redis" "component" "redis") }}
{{- end -}}
{{/* Sentinel mode: the Redis nodes and the Sentinels, both carrying the Redis name the NetworkPolicy selects. */}}
{{- define "kong-fleet.redisSentinel.nodeSelectorLabels" -}}
{{ include "kong-fleet.selectorLabels" (dict "ctx" . "name" "redis" "component" "redis-node") }}
{{- end -}}
{{- define "kong-fleet.redisSentinel.sentinelSelectorLabels" -}}
{{ include "kong-fleet.selectorLabels" (dict "ctx" . "name" "redis" "component" "redis-sentinel") }}
{{- end -}}
{{- define "kong-fleet.redis.labels" -}}
{{ include "kong-fleet.metaLabels" . }}
{{ include "kong-fleet.redis.selectorLabels" . }}
{{- end -}}

{{- define "kong-fleet.proxy.selectorLabels" -}}
{{ include "kong-fleet.selectorLabels" (dict "ctx" . "name" "kong" "component" "proxy") }}
{{- end -}}
{{- define "kong-fleet.proxy.labels" -}}
{{ include "kong-fleet.metaLabels" . }}
{{ include "kong-fleet.proxy.selectorLabels" . }}
{{- end -}}

{{- define "kong-fleet.serviceAccountName" -}}
{{- if .Values.controller.serviceAccount.create -}}
{{- default (include "kong-fleet.fullname" .) .Values.controller.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.controller.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "kong-fleet.redisName" -}}{{ include "kong-fleet.fullname" . }}-redis{{- end -}}
{{- define "kong-fleet.proxyName" -}}{{ include "kong-fleet.fullname" . }}-kong{{- end -}}
{{- define "kong-fleet.adminServiceName" -}}{{ include "kong-fleet.fullname" . }}-kong-admin{{- end -}}
{{- define "kong-fleet.proxyServiceName" -}}{{ include "kong-fleet.fullname" . }}-kong-proxy{{- end -}}
{{- define "kong-fleet.webhookName" -}}{{ include "kong-fleet.fullname" . }}-webhook{{- end -}}

{{/* The Admin API mTLS Secrets: the chart's own (generate, certManager) or the user's. */}}
{{- define "kong-fleet.adminClientSecret" -}}
{{- if eq .Values.adminTLS.source "existingSecrets" -}}
{{- required "adminTLS.existingSecrets.client is required with adminTLS.source=existingSecrets" .Values.adminTLS.existingSecrets.client -}}
{{- else -}}
{{- include "kong-fleet.fullname" . }}-admin-client-tls
{{- end -}}
{{- end -}}
{{- define "kong-fleet.adminServerSecret" -}}
{{- if eq .Values.adminTLS.source "existingSecrets" -}}
{{- required "adminTLS.existingSecrets.server is required with adminTLS.source=existingSecrets" .Values.adminTLS.existingSecrets.server -}}
{{- else -}}
{{- include "kong-fleet.fullname" . }}-kong-admin-tls
{{- end -}}
{{- end -}}
{{- define "kong-fleet.webhookSecret" -}}
{{- if eq .Values.webhook.tls.source "existingSecret" -}}
{{- required "webhook.tls.existingSecret is required with webhook.tls.source=existingSecret" .Values.webhook.tls.existingSecret -}}
{{- else -}}
{{- include "kong-fleet.webhookName" . }}-tls
{{- end -}}
{{- end -}}

{{/*
Every setting of `kong-fleet run` (workers/settings.ts), as controller.env keys. chart-settings.test.ts
keeps this list equal to settingSpecs.
*/}}
{{- define "kong-fleet.settings" -}}
redis_url redis_sentinels redis_cluster_nodes redis_sentinel_name redis_username redis_password_file redis_sentinel_password_file redis_tls_ca redis_tls_cert redis_tls_key queue_prefix roles http_host http_port log_level kubeconfig watch_namespaces secret_label_selector storage_key_file ingress_class gateway_controller_names ingress_namespace_conflicts enable_drain_support feature_gates admin_service admin_port_names proxies admin_tls_cert admin_tls_key admin_tls_ca admin_tls_server_name admin_timeout_cap min_kong_version push_backoff_cap leader_election publish_service publish_addresses namespace fleet_name repair_mode fleet_mode builds_kept drift_interval status_probe_interval status_probe_rate propagation_status readiness_gate readiness_gate_grace traffic_scrape_interval traffic_status_port traffic_retention traffic_max_routes board_token_file board_basic_auth_file board_writable operator_token_file operator_basic_auth_file metrics_auth webhook_port webhook_host webhook_tls_cert webhook_tls_key shutdown_timeout
{{- end -}}

{{/* Settings the chart derives from its other values; controller.env may not set them. */}}
{{- define "kong-fleet.chartOwnedSettings" -}}
redis_url http_port admin_service publish_service admin_tls_cert admin_tls_key admin_tls_ca storage_key_file webhook_port webhook_tls_cert webhook_tls_key
{{- end -}}

{{- define "kong-fleet.redisUrlEnv" -}}
- name: KONG_FLEET_REDIS_URL
{{- if eq .Values.redis.mode "bundled" }}
  value: redis://{{ include "kong-fleet.redisName" . }}:6379
{{- else if eq .Values.redis.mode "external" }}
{{- if .Values.redis.external.existingSecret }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.external.existingSecret }}
      key: {{ .Values.redis.external.existingSecretKey }}
{{- else }}
  value: {{ required "redis.external.url or redis.external.existingSecret is required with redis.mode=external" .Values.redis.external.url | quote }}
{{- end }}
{{- else if eq .Values.redis.mode "sentinel" }}
{{- $name := include "kong-fleet.redisName" . }}
{{- range $key := list "redis_sentinels" "redis_sentinel_name" }}
{{- if hasKey $.Values.controller.env $key }}
{{- fail (printf "controller.env.%s is set by the chart with redis.mode=sentinel (redis.sentinel.*)" $key) }}
{{- end }}
{{- end }}
  # The Sentinels name the primary; this host is only what the URL's other parts (db, TLS) ride on.
  value: redis://{{ $name }}-primary-named-by-sentinels:6379
- name: KONG_FLEET_REDIS_SENTINELS
  value: {{ include "kong-fleet.redisSentinelAddresses" . | quote }}
- name: KONG_FLEET_REDIS_SENTINEL_NAME
  value: {{ .Values.redis.sentinel.masterName | quote }}
{{- else }}
{{- fail (printf "redis.mode must be bundled, external or sentinel, not %q" .Values.redis.mode) }}
{{- end }}
{{- end -}}

{{/* The controller container's environment: downward API, the chart-owned settings, then controller.env. */}}
{{- define "kong-fleet.controllerEnv" -}}
{{- $known := splitList " " (include "kong-fleet.settings" .) -}}
{{- $owned := splitList " " (include "kong-fleet.chartOwnedSettings" .) -}}
{{- range $key, $_ := .Values.controller.env }}
{{- if not (has $key $known) }}
{{- fail (printf "controller.env.%s is not a setting of kong-fleet run (known: %s)" $key (join ", " $known)) }}
{{- end }}
{{- if has $key $owned }}
{{- fail (printf "controller.env.%s is set by the chart from its other values (see the comment in values.yaml)" $key) }}
{{- end }}
{{- end -}}
# Downward API: the Pod's name is the leader identity; its namespace is where the Lease lives and
# where $(POD_NAMESPACE) below points.
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{ include "kong-fleet.redisUrlEnv" . }}
- name: KONG_FLEET_HTTP_PORT
  value: {{ .Values.controller.httpPort | quote }}
{{- $adminService := .Values.controller.adminService }}
{{- $publishService := .Values.controller.publishService }}
{{- if .Values.proxy.enabled }}
{{- $adminService = printf "$(POD_NAMESPACE)/%s" (include "kong-fleet.adminServiceName" .) }}
{{- $publishService = printf "$(POD_NAMESPACE)/%s" (include "kong-fleet.proxyServiceName" .) }}
{{- end }}
- name: KONG_FLEET_ADMIN_SERVICE
  value: {{ required "controller.adminService (namespace/name) is required when proxy.enabled is false" $adminService | quote }}
{{- if $publishService }}
- name: KONG_FLEET_PUBLISH_SERVICE
  value: {{ $publishService | quote }}
{{- end }}
- name: KONG_FLEET_ADMIN_TLS_CERT
  value: /etc/kong-fleet/admin-tls/tls.crt
- name: KONG_FLEET_ADMIN_TLS_KEY
  value: /etc/kong-fleet/admin-tls/tls.key
- name: KONG_FLEET_ADMIN_TLS_CA
  value: /etc/kong-fleet/admin-tls/ca.crt
# The key ring sealing Secrets and build texts in Redis (templates/storage-key.yaml).
- name: KONG_FLEET_STORAGE_KEY_FILE
  value: /etc/kong-fleet/storage-key/keys
{{- if .Values.webhook.enabled }}
- name: KONG_FLEET_WEBHOOK_PORT
  value: {{ .Values.webhook.port | quote }}
- name: KONG_FLEET_WEBHOOK_TLS_CERT
  value: /etc/kong-fleet/webhook/tls.crt
- name: KONG_FLEET_WEBHOOK_TLS_KEY
  value: /etc/kong-fleet/webhook/tls.key
{{- end }}
{{- range $key, $value := .Values.controller.env }}
{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}
- name: KONG_FLEET_{{ upper $key }}
  value: {{ toString $value | quote }}
{{- end }}
{{- end }}
{{- with .Values.controller.customEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* A PodDisruptionBudget's budget: exactly one of maxUnavailable and minAvailable. */}}
{{- define "kong-fleet.pdbBudget" -}}
{{- if and (hasKey . "maxUnavailable") (hasKey . "minAvailable") -}}
{{- fail "podDisruptionBudget: set maxUnavailable or minAvailable, not both" -}}
{{- else if hasKey . "minAvailable" -}}
minAvailable: {{ .minAvailable }}
{{- else -}}
maxUnavailable: {{ .maxUnavailable | default 1 }}
{{- end -}}
{{- end -}}

{{/* The bundled Redis's redis.conf. */}}
{{- define "kong-fleet.redisSentinelAddresses" -}}
{{- $name := include "kong-fleet.redisName" . -}}
{{- $addresses := list -}}
{{- range $i := until (int .Values.redis.sentinel.sentinels) -}}
{{- $addresses = append $addresses (printf "%s-sentinel-%d.%s-sentinel.%s.svc:26379" $name $i $name $.Release.Namespace) -}}
{{- end -}}
{{- join "," $addresses -}}
{{- end -}}

{{/* A Sentinel-mode node: the single Redis's settings, and a replica that lost its primary only serves reads. */}}
{{- define "kong-fleet.redisSentinelNodeConf" -}}
{{ include "kong-fleet.redisConf" . }}
replica-read-only yes
{{- end -}}

{{- define "kong-fleet.redisSentinelConf" -}}
{{- $name := include "kong-fleet.redisName" . -}}
{{- $s := .Values.redis.sentinel -}}
{{- if lt (int $s.sentinels) (int $s.quorum) }}
{{- fail (printf "redis.sentinel.quorum (%v) is more than redis.sentinel.sentinels (%v): no failover could ever be agreed" $s.quorum $s.sentinels) }}
{{- end -}}
port 26379
protected-mode no
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel monitor {{ $s.masterName }} {{ $name }}-node-0.{{ $name }}-node.NAMESPACE.svc 6379 {{ $s.quorum }}
sentinel down-after-milliseconds {{ $s.masterName }} {{ $s.downAfterMilliseconds }}
sentinel failover-timeout {{ $s.masterName }} {{ $s.failoverTimeout }}
sentinel parallel-syncs {{ $s.masterName }} 1
{{- end -}}

{{- define "kong-fleet.redisConf" -}}
bind * -::*
port 6379
# The NetworkPolicy is the access control; protected mode would refuse every remote client.
protected-mode no
dir /data
appendonly yes
appendfsync everysec
# Writes fail when full instead of evicting queue keys.
maxmemory {{ .Values.redis.bundled.maxmemory }}
maxmemory-policy noeviction
{{- end -}}
