/**
 * A local pod's volumes: each emptyDir a directory of its own under the pod's directory, and
 * paths inside a container (its workingDir, a variable such as AXON_PLUGIN_DIR) mapped through
 * that container's mounts to where they are on this machine.
 */
import { mkdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';

export class PodError extends Error {
  override readonly name = 'PodError';
}

/** Volume name → its directory; only emptyDir volumes exist locally. */
export function createVolumes(podDir: string, spec: V1PodSpec): Map<string, string> {
  const volumes = new Map<string, string>();
  for (const volume of spec.volumes ?? []) {
    if (!volume.emptyDir) throw new PodError(`volume ${volume.name}: only emptyDir volumes can be made locally`);
    const dir = join(podDir, volume.name);
    mkdirSync(dir, { recursive: true });
    volumes.set(volume.name, dir);
  }
  return volumes;
}

/** Where a path inside the container is on this machine, when it lies in one of its mounts. */
export function localPath(container: V1Container, volumes: ReadonlyMap<string, string>, path: string): string | undefined {
  let best: { mountPath: string; dir: string } | undefined;
  for (const mount of container.volumeMounts ?? []) {
    const dir = volumes.get(mount.name);
    const inside = path === mount.mountPath || path.startsWith(`${mount.mountPath.replace(/\/$/, '')}/`);
    if (dir && inside && (!best || mount.mountPath.length > best.mountPath.length)) best = { mountPath: mount.mountPath, dir };
  }
  if (!best) return undefined;
  return join(best.dir, posix.relative(best.mountPath, path));
}

/** The environment with every value that is a path in a mount replaced by its local place. */
export function mapEnv(container: V1Container, volumes: ReadonlyMap<string, string>, env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...env };
  for (const entry of container.env ?? []) {
    const value = out[entry.name];
    if (entry.value !== undefined && value !== undefined && value.startsWith('/')) out[entry.name] = localPath(container, volumes, value) ?? value;
  }
  return out;
}
