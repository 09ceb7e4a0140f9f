/** One thing wrong with a manifest, where it is written, and how it is printed. */
import type { ManifestDoc, YamlPath } from '../../shared/local/manifests.js';

export interface Problem {
  file: string;
  line: number;
  col: number;
  /** The Task it is about, e.g. `synthesize-design` (or `default/synthesize-design`). */
  subject: string;
  message: string;
  /** Warnings are printed but do not fail validation. */
  severity: 'error' | 'warning';
  /** The field path, for de-duplication between checks. */
  path: string;
}

export function problemAt(
  doc: ManifestDoc,
  path: YamlPath,
  subject: string,
  message: string,
  severity: Problem['severity'] = 'error',
): Problem {
  const { line, col } = doc.positionOf(path);
  return { file: doc.file, line, col, subject, message, severity, path: path.join('.') };
}

export function formatProblem(problem: Problem): string {
  const tag = problem.severity === 'warning' ? 'warning: ' : '';
  return `${problem.file}:${problem.line}:${problem.col}: ${tag}${problem.subject}: ${problem.message}`;
}

/** `spec.dependsOn[2]: ...` → ['spec', 'dependsOn', 2]: where a message that starts with its field is about. */
export function leadingPath(message: string): YamlPath {
  const head = /^([A-Za-z][\w.[\]"-]*):\s/.exec(message)?.[1];
  if (!head) return [];
  const path: (string | number)[] = [];
  for (const part of head.matchAll(/([A-Za-z_][\w-]*)|\[(\d+)\]|\["([^"]*)"\]/g)) {
    if (part[1] !== undefined) path.push(part[1]);
    else if (part[2] !== undefined) path.push(Number(part[2]));
    else if (part[3] !== undefined) path.push(part[3]);
  }
  return path;
}
