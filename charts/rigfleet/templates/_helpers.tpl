{{/* The name of a component's objects: <release>-<component>. */}}
{{- define "rigfleet.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object; selector labels are the stable subset. Takes a dict: root, component. */}}
{{- define "rigfleet.selectorLabels" -}}
app.kubernetes.io/name: rigfleet
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "rigfleet.labels" -}}
{{ include "rigfleet.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* The address of the workspaces service, which owns the token revocation list. */}}
{{- define "rigfleet.workspacesUrl" -}}
http://{{ include "rigfleet.fullname" (dict "root" . "component" "workspaces") }}:{{ .Values.workspaces.port }}
{{- end -}}

{{/* The address of the registry, which the coordinator asks about devices. */}}
{{- define "rigfleet.registryUrl" -}}
http://{{ include "rigfleet.fullname" (dict "root" . "component" "registry") }}:{{ .Values.registry.port }}
{{- end -}}

{{/*
A component's Deployment and Service. Takes a dict: root (the chart's context), component (its name), and
extraEnv (a list of env entries only this component needs).
*/}}
{{- define "rigfleet.component" -}}
{{- $root := .root -}}
{{- $values := index $root.Values .component -}}
{{- $global := $root.Values.global -}}
{{- $name := include "rigfleet.fullname" . -}}
{{- $probes := mergeOverwrite (deepCopy $global.probes) ($values.probes | default dict) -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "rigfleet.labels" . | nindent 4 }}
spec:
  replicas: {{ $values.replicas }}
  selector:
    matchLabels:
      {{- include "rigfleet.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "rigfleet.labels" . | nindent 8 }}
    spec:
      {{- with $global.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: "{{ $global.image.registry }}/rigfleet-{{ .component }}:{{ $global.image.tag | default $root.Chart.AppVersion }}"
          imagePullPolicy: {{ $global.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ $values.port }}
          env:
            - name: QUARKUS_HTTP_PORT
              value: {{ $values.port | quote }}
            - name: JAVA_OPTS_APPEND
              value: {{ $global.javaOpts | quote }}
            - name: QUARKUS_REDIS_HOSTS
              value: {{ required "redis.url: where Redis is, e.g. redis://redis-master:6379" $root.Values.redis.url | quote }}
            - name: RIGFLEET_REDIS_KEY_PREFIX
              value: {{ $root.Values.redis.keyPrefix | quote }}
            - name: MP_JWT_VERIFY_ISSUER
              value: {{ $root.Values.jwt.issuer | quote }}
            - name: MP_JWT_VERIFY_PUBLICKEY_LOCATION
              value: file:/etc/rigfleet/jwt/public.pem
            - name: RIGFLEET_SERVICE_IDENTITY_KEY
              valueFrom:
                secretKeyRef:
                  name: {{ required "serviceIdentity.existingSecret: create a Secret with service-key (see values.yaml)" $root.Values.serviceIdentity.existingSecret }}
                  key: service-key
            - name: QUARKUS_HTTP_PROXY_TRUSTED_PROXIES
              value: {{ required "trustedProxies: the Ingress controller's pod range (see values.yaml)" (join "," $root.Values.trustedProxies) | quote }}
            - name: QUARKUS_REST_CLIENT_REVOCATIONS_URL
              value: {{ include "rigfleet.workspacesUrl" $root | quote }}
            - name: QUARKUS_REST_CLIENT_REGISTRY_URL
              value: {{ include "rigfleet.registryUrl" $root | quote }}
            - name: RIGFLEET_RATE_LIMIT_ENABLED
              value: {{ $root.Values.rateLimit.enabled | quote }}
            - name: RIGFLEET_RATE_LIMIT_WINDOW
              value: {{ $root.Values.rateLimit.window | quote }}
            - name: RIGFLEET_RATE_LIMIT_LIMIT
              value: {{ $root.Values.rateLimit.limit | quote }}
            {{- with .extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- range $key, $value := $values.env }}
            - name: {{ $key }}
              value: {{ $value | quote }}
            {{- end }}
          volumeMounts:
            - name: jwt
              mountPath: /etc/rigfleet/jwt
              readOnly: true
          livenessProbe:
            httpGet:
              path: /q/health/live
              port: http
            initialDelaySeconds: {{ $probes.liveness.initialDelaySeconds }}
            periodSeconds: {{ $probes.liveness.periodSeconds }}
            failureThreshold: {{ $probes.liveness.failureThreshold }}
          readinessProbe:
            httpGet:
              path: /q/health/ready
              port: http
            initialDelaySeconds: {{ $probes.readiness.initialDelaySeconds }}
            periodSeconds: {{ $probes.readiness.periodSeconds }}
            failureThreshold: {{ $probes.readiness.failureThreshold }}
          resources:
            {{- toYaml ($values.resources | default $global.resources) | nindent 12 }}
      volumes:
        - name: jwt
          secret:
            secretName: {{ required "jwt.existingSecret: create a Secret with public.pem and private.pem (see values.yaml)" $root.Values.jwt.existingSecret }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    {{- include "rigfleet.labels" . | nindent 4 }}
spec:
  selector:
    {{- include "rigfleet.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ $values.port }}
      targetPort: http
{{- end -}}
