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

{{/* The address of the coordinators' Service, where the instances service opens tunnels. */}}
{{- define "rigfleet.coordinatorUrl" -}}
http://{{ include "rigfleet.fullname" (dict "root" . "component" "coordinator") }}:{{ .Values.coordinator.port }}
{{- end -}}

{{/*
A component's image: its `image` block, key by key, over global.image. Takes a dict: root, component.
<registry>/<repository>:<tag>, where repository defaults to rigfleet-<component> and tag to the chart's appVersion.
*/}}
{{- define "rigfleet.image" -}}
{{- $global := .root.Values.global.image -}}
{{- $own := (index .root.Values .component).image | default dict -}}
{{- $registry := $own.registry | default $global.registry -}}
{{- $repository := $own.repository | default (printf "rigfleet-%s" .component) -}}
{{- $tag := $own.tag | default $global.tag | default .root.Chart.AppVersion -}}
{{- printf "%s/%s:%v" $registry $repository $tag -}}
{{- end -}}

{{- define "rigfleet.imagePullPolicy" -}}
{{- $own := (index .root.Values .component).image | default dict -}}
{{- $own.pullPolicy | default .root.Values.global.image.pullPolicy -}}
{{- end -}}

{{/*
The datasource of every service that keeps its data in PostgreSQL (each in its own schema, which the service's
application.properties names): the reactive URL, the JDBC URL Flyway migrates with, the role and its password.
Takes the chart's context; renders env entries.
*/}}
{{- define "rigfleet.datasourceEnv" -}}
{{- $pg := .Values.postgresql -}}
{{- $host := required "postgresql.host: the PostgreSQL server workspaces and the registry keep their data in" $pg.host -}}
{{- $address := printf "%s:%v/%s" $host $pg.port $pg.database -}}
- name: QUARKUS_DATASOURCE_REACTIVE_URL
  value: {{ printf "postgresql://%s" $address | quote }}
- name: QUARKUS_DATASOURCE_JDBC_URL
  value: {{ printf "jdbc:postgresql://%s" $address | quote }}
- name: QUARKUS_DATASOURCE_USERNAME
  value: {{ $pg.username | quote }}
- name: QUARKUS_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ required "postgresql.existingSecret: a Secret with the database password under `password`" $pg.existingSecret }}
      key: password
{{- end -}}

{{/*
A component's NetworkPolicy: its pods accept connections only from this release's pods and from the Ingress
controller (networkPolicy.ingressControllerFrom), the latter on the http port only. Takes a dict: root,
component, and anyPort (true: the release's pods may reach every port, as the instances service reaches the
coordinator's run-time tunnel ports; otherwise the http port only).
*/}}
{{- define "rigfleet.networkPolicy" -}}
{{- $root := .root -}}
{{- $policy := $root.Values.networkPolicy -}}
{{- if and $root.Values.ingress.enabled (empty $policy.ingressControllerFrom) -}}
{{- fail "networkPolicy.ingressControllerFrom: where the Ingress controller's pods are (see values.yaml), or networkPolicy.enabled=false" -}}
{{- end -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "rigfleet.fullname" . }}
  labels:
    {{- include "rigfleet.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "rigfleet.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    # This release's pods.
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: rigfleet
              app.kubernetes.io/instance: {{ $root.Release.Name }}
      {{- if not .anyPort }}
      ports:
        - port: http
          protocol: TCP
      {{- end }}
    {{- with $policy.ingressControllerFrom }}
    # The Ingress controller.
    - from:
        {{- toYaml . | nindent 8 }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
{{- end -}}

{{/*
A component's Deployment and Service. Takes a dict: root (the chart's context), component (its name), postgresql
(true when it keeps its data in PostgreSQL) and extraEnv (a list of env entries only this component needs).
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
          image: {{ include "rigfleet.image" . | quote }}
          imagePullPolicy: {{ include "rigfleet.imagePullPolicy" . }}
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
            {{- if .postgresql }}
            {{- include "rigfleet.datasourceEnv" $root | nindent 12 }}
            {{- end }}
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
