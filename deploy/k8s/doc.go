// Package k8s holds the Kubernetes manifests of vendorwatch (a kustomization)
// and, in its tests, their checks: the kustomization is rendered in-process as
// `kubectl kustomize` renders it, every object is decoded strictly into the
// Kubernetes API types, and the properties a platform team relies on (pinned
// images, hardening, probes, the shutdown arithmetic, hooks, secrets as files)
// are asserted. The Dockerfile and compose.yaml one folder up are checked for
// the same pinning rules.
//
// It is a module of its own so that the server's go.mod does not inherit the
// kustomize and Kubernetes dependencies.
package k8s
