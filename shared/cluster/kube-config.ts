/**
 * Whether a loaded kubeconfig can reach a cluster at all, checked once at start: a function
 * that cannot must never look ready (nor answer events with a 400 that drops them).
 * client-node falls back to `http://localhost:8080` when it finds no configuration, and
 * refuses every request to a plain-HTTP server unless TLS verification is switched off.
 */
import { KubeConfig } from '@kubernetes/client-node';

export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

/** Throws KubeConfigError saying what is wrong and how to fix it. */
export function checkKubeConfig(kc: KubeConfig): void {
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new KubeConfigError(`no cluster for context "${kc.getCurrentContext()}" in the Kubernetes configuration`);
  }
  const fallback = cluster.name === 'cluster' && cluster.server === 'http://localhost:8080' && kc.getClusters().length === 1;
  if (fallback) {
    throw new KubeConfigError(
      'no Kubernetes configuration found: not in a cluster (KUBERNETES_SERVICE_HOST is unset), no KUBECONFIG, no ~/.kube/config',
    );
  }
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    throw new KubeConfigError(
      `cluster "${cluster.name}" is at ${cluster.server} (plain HTTP), which the Kubernetes client refuses unless insecure-skip-tls-verify is set`,
    );
  }
}

/** The configuration client-node finds (in-cluster, KUBECONFIG, ~/.kube/config), checked. */
export function loadDefaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  checkKubeConfig(kc);
  return kc;
}
