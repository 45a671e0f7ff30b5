package k8s

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	k8sjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// ourImage is the one image built from this repository; it goes by a release
// tag (or tag and digest), every other image by digest.
const ourImage = "ghcr.io/vendorwatch/vendorwatch"

// riverRecordWindow is what jobs cancelled at --shutdown-timeout get to record
// their sends (README, --shutdown-timeout), and graceMargin the least slack
// the grace period must leave after everything else.
const (
	riverRecordWindow = 5 * time.Second
	graceMargin       = 5 * time.Second
)

var digestRef = regexp.MustCompile(`^[a-z0-9./_-]+(:[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$`)

// rendered is the kustomization as typed objects, by kind and name.
type rendered struct {
	namespaces      map[string]*corev1.Namespace
	serviceAccounts map[string]*corev1.ServiceAccount
	configMaps      map[string]*corev1.ConfigMap
	services        map[string]*corev1.Service
	deployments     map[string]*appsv1.Deployment
	jobs            map[string]*batchv1.Job
	pdbs            map[string]*policyv1.PodDisruptionBudget
	netpols         map[string]*networkingv1.NetworkPolicy
}

// strictDecoder decodes YAML into the registered API types and fails on
// unknown or duplicate fields, as `kubectl apply --validate=strict` would.
func strictDecoder(t *testing.T) runtime.Decoder {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme,
		policyv1.AddToScheme, networkingv1.AddToScheme} {
		require.NoError(t, add(scheme))
	}
	return k8sjson.NewSerializerWithOptions(k8sjson.DefaultMetaFactory, scheme, scheme,
		k8sjson.SerializerOptions{Yaml: true, Strict: true})
}

// kubectlOptions are the options `kubectl kustomize` builds with: kustomize's
// defaults, and objects in the legacy order (namespaces and ServiceAccounts
// first, as its --reorder flag defaults to).
func kubectlOptions() *krusty.Options {
	o := krusty.MakeDefaultOptions()
	o.Reorder = krusty.ReorderOptionLegacy
	return o
}

// render runs kustomize in-process on this folder, exactly as
// `kubectl kustomize deploy/k8s` does, and decodes every object strictly.
func render(t *testing.T) *rendered {
	t.Helper()
	resMap, err := krusty.MakeKustomizer(kubectlOptions()).Run(filesys.MakeFsOnDisk(), ".")
	require.NoError(t, err, "kustomize build")
	dec := strictDecoder(t)
	r := &rendered{
		namespaces: map[string]*corev1.Namespace{}, serviceAccounts: map[string]*corev1.ServiceAccount{},
		configMaps: map[string]*corev1.ConfigMap{}, services: map[string]*corev1.Service{},
		deployments: map[string]*appsv1.Deployment{}, jobs: map[string]*batchv1.Job{},
		pdbs: map[string]*policyv1.PodDisruptionBudget{}, netpols: map[string]*networkingv1.NetworkPolicy{},
	}
	for _, res := range resMap.Resources() {
		data, err := res.AsYAML()
		require.NoError(t, err)
		obj, gvk, err := dec.Decode(data, nil, nil)
		require.NoError(t, err, "strict decode of %s %s", res.GetKind(), res.GetName())
		name := res.GetName()
		if gvk.Kind != "Namespace" {
			require.Equal(t, "vendorwatch", res.GetNamespace(), "%s %s is in the vendorwatch namespace", gvk.Kind, name)
		}
		switch o := obj.(type) {
		case *corev1.Namespace:
			r.namespaces[name] = o
		case *corev1.ServiceAccount:
			r.serviceAccounts[name] = o
		case *corev1.ConfigMap:
			r.configMaps[name] = o
		case *corev1.Service:
			r.services[name] = o
		case *appsv1.Deployment:
			r.deployments[name] = o
		case *batchv1.Job:
			r.jobs[name] = o
		case *policyv1.PodDisruptionBudget:
			r.pdbs[name] = o
		case *networkingv1.NetworkPolicy:
			r.netpols[name] = o
		default:
			t.Fatalf("%s %s: a kind this test does not check", gvk.Kind, name)
		}
	}
	return r
}

// server and migrate are the two workloads every check looks at.
func (r *rendered) server(t *testing.T) *appsv1.Deployment {
	t.Helper()
	d := r.deployments["vendorwatch"]
	require.NotNil(t, d, "Deployment vendorwatch")
	return d
}

func (r *rendered) migrate(t *testing.T) *batchv1.Job {
	t.Helper()
	j := r.jobs["vendorwatch-migrate"]
	require.NotNil(t, j, "Job vendorwatch-migrate")
	return j
}

// podTemplates names every pod template of the render.
func (r *rendered) podTemplates() map[string]*corev1.PodTemplateSpec {
	out := map[string]*corev1.PodTemplateSpec{}
	for n, d := range r.deployments {
		out["Deployment/"+n] = &d.Spec.Template
	}
	for n, j := range r.jobs {
		out["Job/"+n] = &j.Spec.Template
	}
	return out
}

func allContainers(spec *corev1.PodSpec) []corev1.Container {
	return slices.Concat(spec.InitContainers, spec.Containers)
}

func TestStrictDecodingRejectsUnknownFields(t *testing.T) {
	// The decoder the render goes through must fail on a misspelt field, or
	// the other tests would pass over a manifest the API server refuses.
	bad := []byte("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x\nautomountServiceAccountTokens: false\n")
	_, _, err := strictDecoder(t).Decode(bad, nil, nil)
	require.Error(t, err)
	require.True(t, runtime.IsStrictDecodingError(err), "%v", err)
	require.Contains(t, err.Error(), "automountServiceAccountTokens")
}

func TestRenderDecodesStrictlyWithEveryPart(t *testing.T) {
	r := render(t)
	require.Contains(t, r.namespaces, "vendorwatch")
	require.Equal(t, "restricted", r.namespaces["vendorwatch"].Labels["pod-security.kubernetes.io/enforce"])
	for _, n := range []string{"vendorwatch", "vendorwatch-migrate"} {
		require.Contains(t, r.serviceAccounts, n)
	}
	require.Contains(t, r.configMaps, "vendorwatch-config")
	require.Contains(t, r.services, "vendorwatch")
	require.Contains(t, r.pdbs, "vendorwatch")
	require.Contains(t, r.netpols, "vendorwatch")
	r.server(t)
	r.migrate(t)
	// Real secrets are never part of the render.
	_, err := os.Stat("secret.example.yaml")
	require.NoError(t, err)
}

func TestRenderIsKubectls(t *testing.T) {
	// CI needs no kubectl; where one is installed, its render must be the
	// one these tests check, byte for byte.
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("no kubectl on PATH")
	}
	want, err := exec.Command(kubectl, "kustomize", ".").Output()
	require.NoError(t, err)
	resMap, err := krusty.MakeKustomizer(kubectlOptions()).Run(filesys.MakeFsOnDisk(), ".")
	require.NoError(t, err)
	got, err := resMap.AsYaml()
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
}

func TestImagesArePinned(t *testing.T) {
	r := render(t)
	for where, tpl := range r.podTemplates() {
		for _, c := range allContainers(&tpl.Spec) {
			require.NotContains(t, c.Image, ":latest", "%s/%s", where, c.Name)
			if strings.HasPrefix(c.Image, ourImage+":") || strings.HasPrefix(c.Image, ourImage+"@") {
				ref := strings.TrimPrefix(c.Image, ourImage)
				require.Regexp(t, `^(:[0-9]+\.[0-9]+\.[0-9]+[A-Za-z0-9.-]*)?(@sha256:[0-9a-f]{64})?$`, ref,
					"%s/%s: our image by release tag and/or digest", where, c.Name)
				require.NotEmpty(t, ref, "%s/%s: our image needs a tag or a digest", where, c.Name)
				continue
			}
			require.Regexp(t, digestRef, c.Image, "%s/%s: every other image by digest", where, c.Name)
		}
	}
}

func TestPodsUseTheirOwnServiceAccountWithoutAToken(t *testing.T) {
	r := render(t)
	for n, sa := range r.serviceAccounts {
		require.NotNil(t, sa.AutomountServiceAccountToken, n)
		require.False(t, *sa.AutomountServiceAccountToken, "ServiceAccount %s mounts no token", n)
	}
	for where, tpl := range r.podTemplates() {
		spec := tpl.Spec
		require.NotEmpty(t, spec.ServiceAccountName, where)
		require.NotEqual(t, "default", spec.ServiceAccountName, where)
		require.Contains(t, r.serviceAccounts, spec.ServiceAccountName, where)
		require.NotNil(t, spec.AutomountServiceAccountToken, where)
		require.False(t, *spec.AutomountServiceAccountToken, where)
	}
	require.Equal(t, "vendorwatch", r.server(t).Spec.Template.Spec.ServiceAccountName)
}

func TestPodsAreHardened(t *testing.T) {
	r := render(t)
	for where, tpl := range r.podTemplates() {
		spec := tpl.Spec
		psc := spec.SecurityContext
		require.NotNil(t, psc, where)
		require.NotNil(t, psc.RunAsNonRoot, where)
		require.True(t, *psc.RunAsNonRoot, where)
		require.NotNil(t, psc.RunAsUser, where)
		require.NotZero(t, *psc.RunAsUser, where)
		require.NotNil(t, psc.SeccompProfile, where)
		require.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, psc.SeccompProfile.Type, where)
		volumes := map[string]corev1.Volume{}
		for _, v := range spec.Volumes {
			volumes[v.Name] = v
		}
		for _, c := range allContainers(&spec) {
			at := where + "/" + c.Name
			sc := c.SecurityContext
			require.NotNil(t, sc, at)
			require.NotNil(t, sc.ReadOnlyRootFilesystem, at)
			require.True(t, *sc.ReadOnlyRootFilesystem, at)
			require.NotNil(t, sc.AllowPrivilegeEscalation, at)
			require.False(t, *sc.AllowPrivilegeEscalation, at)
			require.NotNil(t, sc.Capabilities, at)
			require.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop, at)
			require.Empty(t, sc.Capabilities.Add, at)
			require.Nil(t, sc.Privileged, at)
			// With a read-only root, /tmp (XLSX spill files, uploads) must be
			// an emptyDir.
			mounts := map[string]string{}
			for _, m := range c.VolumeMounts {
				mounts[m.MountPath] = m.Name
			}
			require.Contains(t, mounts, "/tmp", at)
			require.NotNil(t, volumes[mounts["/tmp"]].EmptyDir, at)
			require.NotNil(t, volumes[mounts["/tmp"]].EmptyDir.SizeLimit, at)
		}
	}
	// The server also writes in its working directory (/data in the image):
	// the outbox folder, and evidence files without a bucket.
	spec := r.server(t).Spec.Template.Spec
	var dataVolume string
	for _, m := range spec.Containers[0].VolumeMounts {
		if m.MountPath == "/data" {
			dataVolume = m.Name
		}
	}
	require.NotEmpty(t, dataVolume, "an emptyDir at /data")
	for _, v := range spec.Volumes {
		if v.Name == dataVolume {
			require.NotNil(t, v.EmptyDir)
		}
	}
}

func TestProbes(t *testing.T) {
	c := render(t).server(t).Spec.Template.Spec.Containers[0]
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	require.Equal(t, int32(8080), ports["http"])
	check := func(name string, p *corev1.Probe, path string) {
		require.NotNil(t, p, name)
		require.NotNil(t, p.HTTPGet, name)
		require.Equal(t, path, p.HTTPGet.Path, name)
		require.Equal(t, intstr.FromString("http"), p.HTTPGet.Port, name)
	}
	check("liveness", c.LivenessProbe, "/healthz")
	check("readiness", c.ReadinessProbe, "/readyz")
	check("startup", c.StartupProbe, "/healthz")
	// The startup probe gives the process a minute before liveness counts.
	require.GreaterOrEqual(t, c.StartupProbe.PeriodSeconds*c.StartupProbe.FailureThreshold, int32(30))
}

// configDuration reads a duration setting of the ConfigMap.
func configDuration(t *testing.T, cm *corev1.ConfigMap, key string) time.Duration {
	t.Helper()
	v, ok := cm.Data[key]
	require.True(t, ok, "%s is set in the ConfigMap", key)
	d, err := time.ParseDuration(v)
	require.NoError(t, err, key)
	return d
}

func TestTerminationGraceCoversTheDrain(t *testing.T) {
	r := render(t)
	cm := r.configMaps["vendorwatch-config"]
	drain := configDuration(t, cm, "VENDORWATCH_SHUTDOWN_DRAIN")
	timeout := configDuration(t, cm, "VENDORWATCH_SHUTDOWN_TIMEOUT")
	spec := r.server(t).Spec.Template.Spec
	var preStop time.Duration
	if h := spec.Containers[0].Lifecycle; h != nil && h.PreStop != nil {
		require.NotNil(t, h.PreStop.Sleep, "a preStop hook may only be a sleep (no shell in the image)")
		preStop = time.Duration(h.PreStop.Sleep.Seconds) * time.Second
	}
	// One mechanism keeps the pod serving while it leaves the endpoints: the
	// app's drain or a preStop sleep. Both would add up, each thinking it is
	// the one.
	require.False(t, preStop > 0 && drain > 0, "preStop sleep (%s) and --shutdown-drain (%s) both set", preStop, drain)
	require.Positive(t, preStop+drain, "the pod keeps serving for a while after it is deleted")
	require.NotNil(t, spec.TerminationGracePeriodSeconds)
	grace := time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second
	need := preStop + drain + timeout + riverRecordWindow + graceMargin
	require.GreaterOrEqual(t, grace, need,
		"terminationGracePeriodSeconds %s < preStop %s + drain %s + shutdown timeout %s + %s to record sends + %s margin",
		grace, preStop, drain, timeout, riverRecordWindow, graceMargin)
}

func TestResourcesAreSetFromMeasurements(t *testing.T) {
	r := render(t)
	for where, tpl := range r.podTemplates() {
		for _, c := range allContainers(&tpl.Spec) {
			at := where + "/" + c.Name
			for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, ok := c.Resources.Requests[name]
				require.True(t, ok, "%s requests %s", at, name)
				lim, ok := c.Resources.Limits[name]
				require.True(t, ok, "%s limits %s", at, name)
				require.Positive(t, req.Cmp(resource.MustParse("0")), at)
				require.LessOrEqual(t, req.Cmp(lim), 0, "%s: %s request <= limit", at, name)
			}
		}
	}
	c := r.server(t).Spec.Template.Spec.Containers[0]
	// Measured peak 175 MiB (deploy/README.md): the limit leaves room above it.
	require.GreaterOrEqual(t, c.Resources.Limits.Memory().Cmp(resource.MustParse("350Mi")), 0)
	// GOMEMLIMIT below the container's limit, so the runtime collects first.
	var goMemLimit string
	for _, e := range c.Env {
		if e.Name == "GOMEMLIMIT" {
			goMemLimit = e.Value
		}
	}
	require.NotEmpty(t, goMemLimit)
	soft := resource.MustParse(strings.TrimSuffix(goMemLimit, "B"))
	require.Negative(t, soft.Cmp(*c.Resources.Limits.Memory()), "GOMEMLIMIT %s < limit %s", goMemLimit, c.Resources.Limits.Memory())
}

func TestMigrateJobIsAHook(t *testing.T) {
	r := render(t)
	j := r.migrate(t)
	a := j.Annotations
	require.ElementsMatch(t, []string{"pre-install", "pre-upgrade"}, strings.Split(a["helm.sh/hook"], ","))
	require.Equal(t, "before-hook-creation", a["helm.sh/hook-delete-policy"])
	require.Equal(t, "PreSync", a["argocd.argoproj.io/hook"])
	require.Equal(t, "BeforeHookCreation", a["argocd.argoproj.io/hook-delete-policy"])
	require.NotNil(t, j.Spec.TTLSecondsAfterFinished)
	require.Positive(t, *j.Spec.TTLSecondsAfterFinished)
	require.NotNil(t, j.Spec.BackoffLimit)
	require.Positive(t, *j.Spec.BackoffLimit)
	require.LessOrEqual(t, *j.Spec.BackoffLimit, int32(6))
	require.NotNil(t, j.Spec.ActiveDeadlineSeconds)
	require.Equal(t, corev1.RestartPolicyNever, j.Spec.Template.Spec.RestartPolicy)
	require.Equal(t, []string{"migrate"}, j.Spec.Template.Spec.Containers[0].Args)

	// The server leaves migrations to the hook.
	require.Contains(t, r.server(t).Spec.Template.Spec.Containers[0].Args, "--migrate=false")

	// A hook runs before the release's own objects exist: what the Job needs
	// (its ServiceAccount) is a hook too, and runs first; it reads no
	// ConfigMap, only the Secret created before the install.
	sa := r.serviceAccounts[j.Spec.Template.Spec.ServiceAccountName]
	require.NotNil(t, sa)
	require.Equal(t, a["helm.sh/hook"], sa.Annotations["helm.sh/hook"])
	require.Equal(t, "PreSync", sa.Annotations["argocd.argoproj.io/hook"])
	require.Less(t, sa.Annotations["helm.sh/hook-weight"], a["helm.sh/hook-weight"])
	require.Equal(t, "-1", sa.Annotations["argocd.argoproj.io/sync-wave"])
	for _, c := range allContainers(&j.Spec.Template.Spec) {
		for _, ef := range c.EnvFrom {
			require.Nil(t, ef.ConfigMapRef, "the migrate hook must not need the ConfigMap")
		}
		for _, e := range c.Env {
			if e.ValueFrom != nil {
				require.Nil(t, e.ValueFrom.ConfigMapKeyRef, e.Name)
			}
		}
	}
}

func TestSecretsAreFiles(t *testing.T) {
	r := render(t)
	example := readSecretExample(t)
	want := map[string][]string{
		"Deployment/vendorwatch": {"DATABASE_URL", "AUDIT_KEY", "SMTP_URL", "EVIDENCE_S3_ACCESS_KEY",
			"EVIDENCE_S3_SECRET_KEY", "WEBHOOK_SECRET_KEY"},
		"Job/vendorwatch-migrate": {"DATABASE_URL", "AUDIT_KEY"},
	}
	for where, tpl := range r.podTemplates() {
		spec := tpl.Spec
		// secret volumes: mount path -> the keys it holds
		secretVolumes := map[string]*corev1.SecretVolumeSource{}
		for _, v := range spec.Volumes {
			if v.Secret != nil {
				require.Equal(t, "vendorwatch-secrets", v.Secret.SecretName, where)
				require.NotNil(t, v.Secret.DefaultMode, where)
				require.Zero(t, *v.Secret.DefaultMode&0o007, "%s: secret files are not world-readable", where)
				secretVolumes[v.Name] = v.Secret
			}
		}
		require.NotEmpty(t, secretVolumes, where)
		for _, c := range allContainers(&spec) {
			at := where + "/" + c.Name
			files := map[string]bool{}
			for _, m := range c.VolumeMounts {
				sv, ok := secretVolumes[m.Name]
				if !ok {
					continue
				}
				require.True(t, m.ReadOnly, at)
				keys := slices.Collect(func(yield func(string) bool) {
					for k := range example {
						if !yield(k) {
							return
						}
					}
				})
				if len(sv.Items) > 0 {
					keys = nil
					for _, it := range sv.Items {
						require.Contains(t, example, it.Key, "%s: key %s is in secret.example.yaml", at, it.Key)
						keys = append(keys, it.Path)
					}
				}
				for _, k := range keys {
					files[path.Join(m.MountPath, k)] = true
				}
			}
			for _, ef := range c.EnvFrom {
				require.Nil(t, ef.SecretRef, "%s: no secret in the environment", at)
			}
			got := map[string]string{}
			for _, e := range c.Env {
				if e.ValueFrom != nil {
					require.Nil(t, e.ValueFrom.SecretKeyRef, "%s: %s from a Secret into the environment", at, e.Name)
				}
				if strings.HasSuffix(e.Name, "_FILE") {
					require.True(t, files[e.Value], "%s: %s=%s is a file of the mounted Secret", at, e.Name, e.Value)
					got[strings.TrimSuffix(strings.TrimPrefix(e.Name, "VENDORWATCH_"), "_FILE")] = e.Value
				}
				if !strings.HasSuffix(e.Name, "_FILE") {
					require.NotRegexp(t, `^VENDORWATCH_(DATABASE_URL|SMTP_URL|AUDIT_KEY|.*SECRET.*|.*ACCESS_KEY)$`, e.Name,
						"%s: a secret set as a plain value", at)
				}
			}
			for _, flag := range want[where] {
				require.Contains(t, got, flag, "%s reads VENDORWATCH_%s_FILE", at, flag)
			}
		}
	}
	// And no secret sits in the ConfigMap.
	for k := range r.configMaps["vendorwatch-config"].Data {
		require.NotRegexp(t, `DATABASE_URL|SMTP_URL|AUDIT_KEY|SECRET|ACCESS_KEY|PASSWORD|TOKEN`, k)
	}
}

// readSecretExample decodes secret.example.yaml strictly and returns its keys.
func readSecretExample(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile("secret.example.yaml")
	require.NoError(t, err)
	obj, _, err := strictDecoder(t).Decode(data, nil, nil)
	require.NoError(t, err)
	s, ok := obj.(*corev1.Secret)
	require.True(t, ok)
	require.Equal(t, "vendorwatch-secrets", s.Name)
	require.NotEmpty(t, s.StringData)
	return s.StringData
}

func TestPublicURLIsSetBecauseTheAddressIsAllInterfaces(t *testing.T) {
	cm := render(t).configMaps["vendorwatch-config"]
	require.Equal(t, "0.0.0.0:8080", cm.Data["VENDORWATCH_ADDR"])
	require.Regexp(t, `^https://`, cm.Data["VENDORWATCH_PUBLIC_URL"])
	require.NotEmpty(t, cm.Data["VENDORWATCH_METRICS_ADDR"])
}

func selects(t *testing.T, sel *metav1.LabelSelector, podLabels map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	require.NoError(t, err)
	return !s.Empty() && s.Matches(labels.Set(podLabels))
}

func TestNetworkPolicy(t *testing.T) {
	r := render(t)
	np := r.netpols["vendorwatch"]
	require.NotNil(t, np)
	for where, tpl := range r.podTemplates() {
		require.True(t, selects(t, &np.Spec.PodSelector, tpl.Labels), "the NetworkPolicy selects %s", where)
	}
	require.ElementsMatch(t, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}, np.Spec.PolicyTypes)

	// Ingress: the HTTP port from anywhere, metrics only from monitoring.
	ingress := map[int32][]networkingv1.NetworkPolicyPeer{}
	for _, rule := range np.Spec.Ingress {
		require.NotEmpty(t, rule.Ports, "an ingress rule without ports opens every port")
		for _, p := range rule.Ports {
			require.NotNil(t, p.Port)
			ingress[p.Port.IntVal] = rule.From
		}
	}
	require.Len(t, ingress, 2)
	require.Contains(t, ingress, int32(8080))
	require.Contains(t, ingress, int32(9090))
	require.Len(t, ingress[9090], 1)
	require.NotNil(t, ingress[9090][0].NamespaceSelector)
	require.Equal(t, "monitoring", ingress[9090][0].NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"])

	// Egress: only PostgreSQL, SMTP, HTTPS and DNS.
	allowed := map[string]bool{"TCP/5432": true, "TCP/25": true, "TCP/465": true, "TCP/587": true, "TCP/443": true,
		"UDP/53": true, "TCP/53": true}
	seen := map[string]bool{}
	for _, rule := range np.Spec.Egress {
		require.NotEmpty(t, rule.Ports, "an egress rule without ports opens every port")
		for _, p := range rule.Ports {
			require.NotNil(t, p.Port)
			require.NotNil(t, p.Protocol)
			key := fmt.Sprintf("%s/%d", *p.Protocol, p.Port.IntVal)
			require.True(t, allowed[key], "egress %s is not in the list", key)
			seen[key] = true
			if key == "TCP/5432" {
				require.NotEmpty(t, rule.To, "PostgreSQL is reached in its own namespace only")
			}
			if p.Port.IntVal == 53 {
				require.NotEmpty(t, rule.To, "DNS goes to the cluster's resolver only")
			}
		}
	}
	require.Equal(t, allowed, seen)
	// The ports the policy admits are the ones the container listens on.
	c := r.server(t).Spec.Template.Spec.Containers[0]
	var listening []int32
	for _, p := range c.Ports {
		listening = append(listening, p.ContainerPort)
	}
	require.ElementsMatch(t, []int32{8080, 9090}, listening)
}

func TestServiceAndDisruptionBudgetMatchThePods(t *testing.T) {
	r := render(t)
	d := r.server(t)
	podLabels := d.Spec.Template.Labels
	svc := r.services["vendorwatch"]
	require.True(t, selects(t, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, podLabels))
	require.False(t, selects(t, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, r.migrate(t).Spec.Template.Labels),
		"the Service does not send traffic to the migrate Job")
	require.Equal(t, intstr.FromString("http"), svc.Spec.Ports[0].TargetPort)

	pdb := r.pdbs["vendorwatch"]
	require.True(t, selects(t, pdb.Spec.Selector, podLabels))
	require.NotNil(t, d.Spec.Replicas)
	replicas := int(*d.Spec.Replicas)
	require.GreaterOrEqual(t, replicas, 2, "one replica cannot survive a voluntary disruption")
	var mayGo int
	switch {
	case pdb.Spec.MaxUnavailable != nil:
		v, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MaxUnavailable, replicas, false)
		require.NoError(t, err)
		mayGo = v
	case pdb.Spec.MinAvailable != nil:
		v, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MinAvailable, replicas, true)
		require.NoError(t, err)
		mayGo = replicas - v
	}
	require.GreaterOrEqual(t, mayGo, 1, "a node drain can proceed")
	require.Less(t, mayGo, replicas, "a drain never takes every replica")
	// A rolling update never removes a serving pod before its successor is ready.
	require.Equal(t, intstr.FromInt32(0), *d.Spec.Strategy.RollingUpdate.MaxUnavailable)
}

// composeFile is the part of compose.yaml these checks read.
type composeFile struct {
	Services map[string]struct {
		Image       string         `json:"image"`
		Build       map[string]any `json:"build"`
		Ports       []string       `json:"ports"`
		Environment map[string]any `json:"environment"`
		Healthcheck *struct {
			Test []string `json:"test"`
		} `json:"healthcheck"`
		StopGracePeriod string `json:"stop_grace_period"`
	} `json:"services"`
}

func TestComposeImagesArePinnedAndPortsLocal(t *testing.T) {
	data, err := os.ReadFile("../compose.yaml")
	require.NoError(t, err)
	require.NotContains(t, string(data), ":latest")
	var c composeFile
	require.NoError(t, yaml.Unmarshal(data, &c))
	require.Contains(t, c.Services, "postgres")
	require.Contains(t, c.Services, "mailpit")
	require.Contains(t, c.Services, "vendorwatch")
	for name, s := range c.Services {
		require.NotEmpty(t, s.Image, name)
		if s.Build != nil {
			// Built from this checkout, so nothing to pull: a local name.
			require.NotContains(t, s.Image, "/", name)
		} else {
			require.Regexp(t, digestRef, s.Image, "%s: by digest", name)
		}
		for _, p := range s.Ports {
			require.True(t, strings.HasPrefix(p, "127.0.0.1:"), "%s publishes %s beyond loopback", name, p)
		}
		require.NotNil(t, s.Healthcheck, "%s has a healthcheck", name)
	}
	require.Regexp(t, `^postgres:15(\.[0-9]+)?(-[a-z]+)?@`, c.Services["postgres"].Image)
	require.Regexp(t, `^axllent/mailpit:v1\.[0-9]+\.[0-9]+@`, c.Services["mailpit"].Image)
	vw := c.Services["vendorwatch"]
	require.Equal(t, []string{"CMD", "/vendorwatch", "healthcheck"}, vw.Healthcheck.Test)
	require.NotEmpty(t, vw.Environment["VENDORWATCH_PUBLIC_URL"], "the image listens on 0.0.0.0")
	require.NotEmpty(t, vw.Environment["VENDORWATCH_AUDIT_KEY"], "required on PostgreSQL")
	grace, err := time.ParseDuration(vw.StopGracePeriod)
	require.NoError(t, err)
	require.GreaterOrEqual(t, grace, 5*time.Second+20*time.Second+riverRecordWindow+graceMargin)
}

// dockerfileLines joins continued lines of a Dockerfile and drops comments.
func dockerfileLines(t *testing.T, data []byte) []string {
	t.Helper()
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if cont, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(line)
		out = append(out, cur.String())
		cur.Reset()
	}
	require.NoError(t, sc.Err())
	return out
}

func TestDockerfileBasesArePinned(t *testing.T) {
	data, err := os.ReadFile("../Dockerfile")
	require.NoError(t, err)
	require.NotContains(t, string(data), ":latest")
	stages := map[string]bool{}
	var froms int
	var healthcheck, user string
	for _, line := range dockerfileLines(t, data) {
		fields := strings.Fields(line)
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			froms++
			args := slices.DeleteFunc(fields[1:], func(f string) bool { return strings.HasPrefix(f, "--") })
			image := args[0]
			if !stages[image] {
				require.Regexp(t, digestRef, image, "FROM %s: by tag and digest", image)
			}
			if len(args) == 3 && strings.EqualFold(args[1], "AS") {
				stages[args[2]] = true
			}
		case "HEALTHCHECK":
			healthcheck = line
		case "USER":
			user = fields[1]
		}
	}
	require.Equal(t, 2, froms)
	require.Contains(t, healthcheck, `CMD ["/vendorwatch", "healthcheck"]`)
	require.Equal(t, "65532:65532", user)
}

func TestPinningOurDigestAsTheREADMESays(t *testing.T) {
	// `kustomize edit set image ghcr.io/vendorwatch/vendorwatch:1.0.0@sha256:…`
	// adds a digest next to the tag; the render must then name both.
	mem := filesys.MakeFsInMemory()
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") {
			data, err := os.ReadFile(e.Name())
			require.NoError(t, err)
			if e.Name() == "kustomization.yaml" {
				data = append(data, []byte("    digest: sha256:"+strings.Repeat("ab", 32)+"\n")...)
			}
			require.NoError(t, mem.WriteFile("/k/"+e.Name(), data))
		}
	}
	resMap, err := krusty.MakeKustomizer(kubectlOptions()).Run(mem, "/k")
	require.NoError(t, err)
	out, err := resMap.AsYaml()
	require.NoError(t, err)
	want := "image: " + ourImage + ":1.0.0@sha256:" + strings.Repeat("ab", 32)
	require.Equal(t, 2, strings.Count(string(out), want), "the Deployment and the Job run the pinned digest")
}
