/**
 * Documents of kinds Dendrite does not act on are said to be so, never dropped in silence: a
 * typo (`Taskk`), Kelos's group (`kelos.dev`), an Axon kind Dendrite does not know. In Axon's or Kelos's group, or close to a kind Dendrite knows, that is an
 * error (kubectl apply would refuse it, or it is a mistake); any other kind is a warning:
 * kubectl would apply it, and nothing here would use it.
 */
import type { ManifestDoc } from '../../shared/local/manifests.js';
import { problemAt, type Problem } from './problem.js';

const KNOWN = ['Task', 'Workspace', 'AgentConfig', 'TaskSpawner'];
const KNOWN_WITH_SECRET = [...KNOWN, 'Secret'];

/** Edit distance, small strings only. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

function closest(kind: string): string | undefined {
  return KNOWN_WITH_SECRET.find((k) => k !== kind && distance(kind, k) <= 2);
}

function labelOf(doc: ManifestDoc): string {
  const meta = doc.object.metadata as Record<string, unknown> | undefined;
  const name = typeof meta?.name === 'string' && meta.name ? meta.name : `#${doc.index + 1}`;
  return `${doc.kind || 'document'} ${name}`;
}

export function unknownKindProblems(others: readonly ManifestDoc[]): Problem[] {
  return others.map((doc) => {
    const apiVersion = typeof doc.object.apiVersion === 'string' ? doc.object.apiVersion : '';
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
    const label = labelOf(doc);
    if (!apiVersion || !doc.kind) {
      return problemAt(doc, [], label, 'a manifest needs apiVersion and kind — kubectl apply would refuse it');
    }
    const kind = `kind ${doc.kind} (${apiVersion})`;
    if (group === 'kelos.dev') {
      return problemAt(doc, ['apiVersion'], label, `${kind} is Kelos's group; Dendrite serves Axon's — use apiVersion: axon.io/v1alpha1`);
    }
    if (group === 'axon.io') {
      const why = `is not one Dendrite knows (${KNOWN.join(', ')})${closest(doc.kind) ? ` — did you mean ${closest(doc.kind)}?` : ''}`;
      return problemAt(doc, ['kind'], label, `${kind} ${why}`);
    }
    const near = closest(doc.kind);
    if (near) return problemAt(doc, ['kind'], label, `${kind} is not one Dendrite knows — did you mean ${near}?`);
    return problemAt(doc, ['kind'], label, `${kind} is not one Dendrite acts on: kubectl would apply it, and nothing here uses it`, 'warning');
  });
}
