/** The Secret manifests as the API server would take them (shared/local/secrets.ts's rules). */
import type { ManifestDoc } from '../../shared/local/manifests.js';
import { secretProblems } from '../../shared/local/secrets.js';
import { problemAt, type Problem } from './problem.js';

export function secretManifestProblems(docs: readonly ManifestDoc[]): Problem[] {
  return docs.flatMap((doc) => {
    const meta = doc.object.metadata as Record<string, unknown> | undefined;
    const label = `Secret ${typeof meta?.name === 'string' && meta.name ? meta.name : `#${doc.index + 1}`}`;
    return secretProblems(doc.object).map((problem) => problemAt(doc, problem.path, label, problem.message));
  });
}
