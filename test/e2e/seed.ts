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

/** What test/fixtures/e2e-agent.mjs answers (its Response: the text before its output block). */
export function e2eAgentAnswer(prompt: string): string {
  return `agent received ${Buffer.byteLength(prompt)} bytes of prompt`;
}

/** The research Tasks' answers when the e2e agent runs them (their prompts are their specs). */
function researchAnswers(): Record<string, string> {
  return Object.fromEntries(seedTasks().filter((t) => !t.spec.dependsOn).map((t) => [t.metadata.name, e2eAgentAnswer(t.spec.prompt)]));
}

/**
 * What synthesize-design's agent must receive, worked out by hand from the seed's template
 * text (not by the template engine): each Response expression becomes that research Task's
 * answer, the range block one "- line\n" per output, the index expression the schema result.
 */
export function expectedSynthesisPrompt(template: string, endpoints: string[], schema: string, answers = researchAnswers()): string {
  const range = '{{ range (index .Deps "research-api-design" "Outputs") }}- {{ . }}\n{{ end }}';
  const index = '{{ index .Deps "research-data-model" "Results" "schema" }}';
  const response = (name: string) => `{{ index .Deps "${name}" "Response" }}`;
  const names = ['research-api-design', 'research-data-model'];
  if (!template.includes(range) || !template.includes(index) || names.some((n) => !template.includes(response(n)))) {
    throw new Error('the seed template changed shape');
  }
  let out = template.replace(range, endpoints.map((e) => `- ${e}\n`).join('')).replace(index, schema);
  for (const name of names) out = out.replace(response(name), answers[name] ?? '');
  return out;
}
