{{/*
Names. Kubernetes names are DNS labels: 63 characters at most.
*/}}
{{- define "siar.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "siar.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "siar.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every resource carries (app.kubernetes.io/* recommended labels). */}}
{{- define "siar.labels" -}}
helm.sh/chart: {{ include "siar.chart" . }}
{{ include "siar.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: siar
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels never change across upgrades: a Deployment's selector is immutable. */}}
{{- define "siar.selectorLabels" -}}
app.kubernetes.io/name: {{ include "siar.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "siar.brokerSelectorLabels" -}}
{{ include "siar.selectorLabels" . }}
app.kubernetes.io/component: broker
{{- end }}

{{- define "siar.redisSelectorLabels" -}}
{{ include "siar.selectorLabels" . }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "siar.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "siar.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "siar.image" -}}
{{- $repo := .Values.image.repository }}
{{- if .Values.image.registry }}{{ $repo = printf "%s/%s" .Values.image.registry $repo }}{{ end }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repo .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "siar.redisImage" -}}
{{- $img := .Values.redis.bundled.image }}
{{- printf "%s/%s:%s" $img.registry $img.repository $img.tag }}
{{- end }}

{{/* Redis: bundled, an existing Secret, or a URL the chart stores in its own Secret. */}}
{{- define "siar.redisEnabled" -}}
{{- if or .Values.redis.bundled.enabled .Values.redis.existingSecret .Values.redis.url }}true{{ end }}
{{- end }}

{{- define "siar.redisSecretName" -}}
{{- if .Values.redis.existingSecret }}
{{- .Values.redis.existingSecret }}
{{- else }}
{{- printf "%s-redis" (include "siar.fullname" .) }}
{{- end }}
{{- end }}

{{- define "siar.redisSecretKey" -}}
{{- if .Values.redis.existingSecret }}{{ .Values.redis.existingSecretKey }}{{ else }}redis-url{{ end }}
{{- end }}

{{- define "siar.redisHost" -}}
{{- printf "%s-redis" (include "siar.fullname" .) }}
{{- end }}

{{/* The bundled Redis password: given, kept from the live Secret on upgrade, or new. */}}
{{- define "siar.redisPassword" -}}
{{- if .Values.redis.bundled.password }}
{{- .Values.redis.bundled.password }}
{{- else }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "siar.redisSecretName" .) }}
{{- if and $existing $existing.data (index $existing.data "redis-password") }}
{{- index $existing.data "redis-password" | b64dec }}
{{- else }}
{{- randAlphaNum 32 }}
{{- end }}
{{- end }}
{{- end }}

{{/* Password file: an existing Secret or content the chart stores. */}}
{{- define "siar.authEnabled" -}}
{{- if or .Values.auth.existingSecret .Values.auth.passwordFile }}true{{ end }}
{{- end }}

{{- define "siar.authSecretName" -}}
{{- default (printf "%s-auth" (include "siar.fullname" .)) .Values.auth.existingSecret }}
{{- end }}

{{- define "siar.configChecksum" -}}
{{- include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- end }}

{{/*
Refuse value combinations that would render a broken or unsafe install,
with a message that says what to change.
*/}}
{{- define "siar.validate" -}}
{{- $scaled := or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled }}
{{- if and $scaled (not (include "siar.redisEnabled" .)) }}
{{- fail "siar: more than one broker pod needs shared state in Redis: set redis.url, redis.existingSecret or redis.bundled.enabled=true (or keep replicaCount=1 and autoscaling.enabled=false)" }}
{{- end }}
{{- if and .Values.redis.bundled.enabled (or .Values.redis.url .Values.redis.existingSecret) }}
{{- fail "siar: choose one Redis: redis.bundled.enabled=true, or an external redis.url / redis.existingSecret" }}
{{- end }}
{{- if and .Values.auth.allowAnonymous (not .Values.auth.allowAnonymousOnPublicService) }}
{{- $public := list "LoadBalancer" "NodePort" }}
{{- if or (has .Values.service.mqtt.type $public) (and .Values.service.ws.enabled (has .Values.service.ws.type $public)) }}
{{- fail "siar: auth.allowAnonymous=true with a LoadBalancer or NodePort Service would let anyone outside the cluster read and publish. Configure a password file (auth.existingSecret or auth.passwordFile) and set auth.allowAnonymous=false, or set auth.allowAnonymousOnPublicService=true on purpose" }}
{{- end }}
{{- end }}
{{- if and (not .Values.auth.allowAnonymous) (not (include "siar.authEnabled" .)) }}
{{- fail "siar: with auth.allowAnonymous=false the broker needs a password file: set auth.existingSecret or auth.passwordFile" }}
{{- end }}
{{- if and .Values.tls.enabled (not .Values.tls.existingSecret) }}
{{- fail "siar: tls.enabled=true needs tls.existingSecret (a kubernetes.io/tls Secret with tls.crt and tls.key)" }}
{{- end }}
{{- if le (int .Values.terminationGracePeriodSeconds) (add (int .Values.lifecycle.preStopSleepSeconds) (int .Values.lifecycle.drainWindowSeconds) 5) }}
{{- fail "siar: terminationGracePeriodSeconds must be longer than lifecycle.preStopSleepSeconds plus lifecycle.drainWindowSeconds plus the broker's 5 s shutdown bound, or Kubernetes kills the broker before its clients are disconnected cleanly" }}
{{- end }}
{{- if and .Values.redis.sentinel.hosts (not (include "siar.redisEnabled" .)) }}
{{- fail "siar: redis.sentinel.hosts needs redis.url or redis.existingSecret too (it supplies credentials, db and TLS)" }}
{{- end }}
{{- end }}
