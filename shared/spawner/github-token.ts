/**
 * Where the spawner's GitHub token comes from. In a cluster: a file the Secret `dendrite-github`
 * is mounted as (read each time, so a rotated token is picked up; absent means anonymous) — the
 * function reads no Secret through the API. In the local mode: the GITHUB_TOKEN of the
 * Workspace's own Secret, from the manifests given.
 */
import { readFile } from 'node:fs/promises';
import { GITHUB_TOKEN, type Workspace } from '../job/workspace.js';

export function mountedTokenFor(file: string): () => Promise<string | undefined> {
  return async () => {
    try {
      return (await readFile(file, 'utf8')).trim() || undefined;
    } catch {
      return undefined;
    }
  };
}

/** `secrets` maps `namespace/name` to the Secret's values. */
export function workspaceTokenFor(secrets: ReadonlyMap<string, ReadonlyMap<string, string>>) {
  return async (namespace: string, workspace: Workspace): Promise<string | undefined> => {
    const name = workspace.spec?.secretRef?.name;
    return name ? secrets.get(`${namespace}/${name}`)?.get(GITHUB_TOKEN) : undefined;
  };
}
