/** The seed example's Tasks, read from examples/05-orchestrator/tasks.yaml as a user applies them. */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const REPO = new URL('../../../', import.meta.url);

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec: { prompt: string; dependsOn?: string[] } & Record<string, unknown>;
}

export function seedTasks(): Manifest[] {
  const text = readFileSync(new URL('examples/05-orchestrator/tasks.yaml', REPO), 'utf8');
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as Manifest)
    .filter((doc) => doc?.kind === 'Task');
}

/**
 * What synthesize-design's agent must receive, worked out by hand from the seed's template
 * text (not by the template engine): the range block becomes one "- line\n" per output,
 * the index expression the schema result.
 */
export function expectedSynthesisPrompt(template: string, endpoints: string[], schema: string): string {
  const range = '{{ range (index .Deps "research-api-design" "Outputs") }}- {{ . }}\n{{ end }}';
  const index = '{{ index .Deps "research-data-model" "Results" "schema" }}';
  if (!template.includes(range) || !template.includes(index)) throw new Error('the seed template changed shape');
  return template.replace(range, endpoints.map((e) => `- ${e}\n`).join('')).replace(index, schema);
}
