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
