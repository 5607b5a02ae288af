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
A component's image: its `image` block, key by key, over global.image. Takes a dict: root, component, and image (the
block, when it is not the component's own `image`, as for the VPN servers'). <registry>/<repository>:<tag>, where
repository defaults to rigfleet-<component> and tag to the chart's appVersion.
*/}}
{{- define "rigfleet.image" -}}
{{- $global := .root.Values.global.image -}}
{{- $own := dict -}}
{{- if hasKey . "image" -}}
{{- $own = .image | default dict -}}
{{- else -}}
{{- $own = (index .root.Values .component).image | default dict -}}
{{- end -}}
{{- $registry := $own.registry | default $global.registry -}}
{{- $repository := $own.repository | default (printf "rigfleet-%s" .component) -}}
{{- $tag := $own.tag | default $global.tag | default .root.Chart.AppVersion -}}
{{- printf "%s/%s:%v" $registry $repository $tag -}}
{{- end -}}

{{- define "rigfleet.imagePullPolicy" -}}
{{- $own := (index .root.Values .component).image | default dict -}}
{{- $own.pullPolicy | default .root.Values.global.image.pullPolicy -}}
{{- end -}}

{{/* The Secret the key Job writes every key into that no existingSecret supplies (templates/keys.yaml). */}}
{{- define "rigfleet.generatedKeys" -}}
{{- printf "%s-keys" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Where one secret value comes from: the operator's own Secret when its value names one, else the generated Secret.
Takes a dict: root, existing (the value naming the operator's Secret, maybe empty), key (the key in that Secret),
generatedKey (the key in the generated Secret). Renders a secretKeyRef's name and key.
*/}}
{{- define "rigfleet.secretKeyRef" -}}
{{- if .existing -}}
name: {{ .existing }}
key: {{ .key }}
{{- else -}}
name: {{ include "rigfleet.generatedKeys" .root }}
key: {{ .generatedKey }}
{{- end -}}
{{- end -}}

{{/* The PostgreSQL server's host: the bundled one's Service, or postgresql.host. */}}
{{- define "rigfleet.postgresqlHost" -}}
{{- if .Values.postgresql.bundled.enabled -}}
{{- include "rigfleet.fullname" (dict "root" . "component" "postgresql") -}}
{{- else -}}
{{- required "postgresql.host: the PostgreSQL server the services keep their data in (or postgresql.bundled.enabled)" .Values.postgresql.host -}}
{{- end -}}
{{- end -}}

{{/* The database password: postgresql.existingSecret's `password`, or the generated one (bundled PostgreSQL only). */}}
{{- define "rigfleet.postgresqlPassword" -}}
{{- $pg := .Values.postgresql -}}
{{- if not (or $pg.existingSecret $pg.bundled.enabled) -}}
{{- fail "postgresql.existingSecret: a Secret with the database password under `password` (generated only for the bundled PostgreSQL)" -}}
{{- end -}}
{{- include "rigfleet.secretKeyRef" (dict "root" . "existing" $pg.existingSecret "key" "password" "generatedKey" "postgresql-password") -}}
{{- end -}}

{{/* Redis's URL: the bundled one's Service, or redis.url. */}}
{{- define "rigfleet.redisUrl" -}}
{{- if .Values.redis.bundled.enabled -}}
{{- printf "redis://%s:6379" (include "rigfleet.fullname" (dict "root" . "component" "redis")) -}}
{{- else -}}
{{- required "redis.url: where Redis is, e.g. redis://redis-master:6379 (or redis.bundled.enabled)" .Values.redis.url -}}
{{- end -}}
{{- end -}}

{{/*
The datasource of every service that keeps its data in PostgreSQL (each in its own schema, which the service's
application.properties names, and migrates with Flyway at its start): the reactive URL, the JDBC URL Flyway migrates
with, the role and its password. Takes the chart's context; renders env entries.
*/}}
{{- define "rigfleet.datasourceEnv" -}}
{{- $pg := .Values.postgresql -}}
{{- $address := printf "%s:%v/%s" (include "rigfleet.postgresqlHost" .) $pg.port $pg.database -}}
- name: QUARKUS_DATASOURCE_REACTIVE_URL
  value: {{ printf "postgresql://%s" $address | quote }}
- name: QUARKUS_DATASOURCE_JDBC_URL
  value: {{ printf "jdbc:postgresql://%s" $address | quote }}
- name: QUARKUS_DATASOURCE_USERNAME
  value: {{ $pg.username | quote }}
- name: QUARKUS_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      {{- include "rigfleet.postgresqlPassword" . | nindent 6 }}
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
    {{- if .fromAnywhere }}
    # Users, through the instances' fwd Services to the tunnels' ports (chosen at run time), whose firewalls decide.
    - from:
        - ipBlock:
            cidr: 0.0.0.0/0
    {{- end }}
{{- end -}}

{{/* The address of the instances service, where workspaces' CI jobs start their instances. */}}
{{- define "rigfleet.instancesUrl" -}}
http://{{ include "rigfleet.fullname" (dict "root" . "component" "instances") }}:{{ .Values.instances.port }}
{{- end -}}

{{/*
A rigfleet component: its workload (a Deployment, or with statefulSet a StatefulSet whose headless Service is
<name>-headless), its Service, ServiceAccount, PodDisruptionBudget, optional HorizontalPodAutoscaler and
NetworkPolicy. Takes a dict: root (the chart's context), component (its name), postgresql (true when it keeps its
data in PostgreSQL), signs (true when it signs tokens with the JWT private key), statefulSet, anyPort (for the
NetworkPolicy; fromAnywhere adds a rule that lets any source in), extraEnv (a list of env entries only this
component needs), elects (true when its replicas elect the one that runs their periodic jobs: on a Lease named after
the workload, which its Role may read, create and renew) and extraRules (more rules for that Role: what else its
Kubernetes client does).
*/}}
{{- define "rigfleet.component" -}}
{{- $root := .root -}}
{{- $values := index $root.Values .component -}}
{{- $global := $root.Values.global -}}
{{- $name := include "rigfleet.fullname" . -}}
{{- $probes := mergeOverwrite (deepCopy $global.probes) ($values.probes | default dict) -}}
{{- $autoscaling := $values.autoscaling | default dict -}}
{{- $jwt := $root.Values.jwt.existingSecret | default (include "rigfleet.generatedKeys" $root) -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  labels:
    {{- include "rigfleet.labels" . | nindent 4 }}
{{- if .elects }}
# Its replicas elect a leader on the Lease {{ $name }} (docs/operations.md#leader-election).
automountServiceAccountToken: true
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ $name }}
  labels:
    {{- include "rigfleet.labels" . | nindent 4 }}
rules:
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    resourceNames: [{{ $name }}]
    verbs: [get, update]
  # create cannot be narrowed to a name: Kubernetes does not know the name before the object exists.
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    verbs: [create]
  {{- with .extraRules }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ $name }}
  labels:
    {{- include "rigfleet.labels" . | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ $name }}
subjects:
  - kind: ServiceAccount
    name: {{ $name }}
    namespace: {{ $root.Release.Namespace }}
{{- else }}
# It does not call the Kubernetes API: no token is mounted, and no Role is bound.
automountServiceAccountToken: false
{{- end }}
---
apiVersion: apps/v1
kind: {{ if .statefulSet }}StatefulSet{{ else }}Deployment{{ end }}
metadata:
  name: {{ $name }}
  labels:
    {{- include "rigfleet.labels" . | nindent 4 }}
spec:
  {{- if not $autoscaling.enabled }}
  replicas: {{ $values.replicas }}
  {{- end }}
  {{- if .statefulSet }}
  serviceName: {{ $name }}-headless
  # Replicas are peers: none waits for another to start or stop.
  podManagementPolicy: Parallel
  {{- end }}
  selector:
    matchLabels:
      {{- include "rigfleet.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "rigfleet.labels" . | nindent 8 }}
    spec:
      serviceAccountName: {{ $name }}
      automountServiceAccountToken: {{ .elects | default false }}
      {{- with $global.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $global.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .component }}
          image: {{ include "rigfleet.image" . | quote }}
          imagePullPolicy: {{ include "rigfleet.imagePullPolicy" . }}
          securityContext:
            {{- toYaml $global.securityContext | nindent 12 }}
          ports:
            - name: http
              containerPort: {{ $values.port }}
          env:
            - name: QUARKUS_HTTP_PORT
              value: {{ $values.port | quote }}
            - name: JDK_JAVA_OPTIONS
              value: {{ $global.javaOpts | quote }}
            - name: QUARKUS_REDIS_HOSTS
              value: {{ include "rigfleet.redisUrl" $root | quote }}
            - name: RIGFLEET_REDIS_KEY_PREFIX
              value: {{ $root.Values.redis.keyPrefix | quote }}
            - name: MP_JWT_VERIFY_ISSUER
              value: {{ $root.Values.jwt.issuer | quote }}
            - name: MP_JWT_VERIFY_PUBLICKEY_LOCATION
              value: file:/etc/rigfleet/jwt/public.pem
            {{- if .signs }}
            - name: SMALLRYE_JWT_SIGN_KEY_LOCATION
              value: file:/etc/rigfleet/jwt/private.pem
            {{- end }}
            - name: RIGFLEET_SERVICE_IDENTITY_KEY
              valueFrom:
                secretKeyRef:
                  {{- include "rigfleet.secretKeyRef" (dict "root" $root "existing" $root.Values.serviceIdentity.existingSecret "key" "service-key" "generatedKey" "service-key") | nindent 18 }}
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
            {{- if .elects }}
            - name: RIGFLEET_LEADERSHIP_BACKEND
              value: lease
            - name: RIGFLEET_LEADERSHIP_NAME
              value: {{ $name }}
            - name: RIGFLEET_LEADERSHIP_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
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
            # The root filesystem is read-only; Vert.x and the JVM write their scratch files here.
            - name: tmp
              mountPath: /tmp
            {{- with .extraVolumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
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
            {{- toYaml (mergeOverwrite (deepCopy $global.resources) $values.resources) | nindent 12 }}
      volumes:
        # Only the keys this component uses: every one verifies with public.pem, the signers also sign with
        # private.pem.
        - name: jwt
          secret:
            secretName: {{ $jwt }}
            items:
              - key: public.pem
                path: public.pem
              {{- if .signs }}
              - key: private.pem
                path: private.pem
              {{- end }}
        - name: tmp
          emptyDir: {}
        {{- with .extraVolumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
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
{{- if .statefulSet }}
---
# Gives each replica a stable name (<pod>.<name>-headless), which the StatefulSet requires.
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}-headless
  labels:
    {{- include "rigfleet.labels" . | nindent 4 }}
spec:
  clusterIP: None
  selector:
    {{- include "rigfleet.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ $values.port }}
      targetPort: http
{{- end }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  labels:
    {{- include "rigfleet.labels" . | nindent 4 }}
spec:
  {{- toYaml ($values.podDisruptionBudget | default $global.podDisruptionBudget) | nindent 2 }}
  selector:
    matchLabels:
      {{- include "rigfleet.selectorLabels" . | nindent 6 }}
{{- if $autoscaling.enabled }}
{{- if .statefulSet }}
{{- fail (printf "%s.autoscaling: the %s is not autoscaled (see values.yaml)" .component .component) }}
{{- end }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}
  labels:
    {{- include "rigfleet.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}
  minReplicas: {{ $autoscaling.minReplicas }}
  maxReplicas: {{ $autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- if $root.Values.networkPolicy.enabled }}
---
{{ include "rigfleet.networkPolicy" . }}
{{- end }}
{{- end -}}

{{/*
A bundled database's NetworkPolicy: only this release's pods, on its one port. Takes a dict: root, component, port
(the port's name).
*/}}
{{- define "rigfleet.databasePolicy" -}}
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
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: rigfleet
              app.kubernetes.io/instance: {{ .root.Release.Name }}
      ports:
        - port: {{ .port }}
          protocol: TCP
{{- end -}}
