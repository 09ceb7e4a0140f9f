/**
 * A work item — a cron tick, a GitHub issue or pull request, a CloudEvent — and the data its
 * prompt template sees: Axon's fields (`.ID .Number .Title .Body .URL .Labels .Comments .Kind
 * .Time .Schedule`) and, for a CloudEvent, `.Event` (its attributes and `data`).
 */
import type { TemplateData } from '../template/renderer.js';

export interface WorkItem {
  /** The part of the spawned Task's name after `<spawner>-`. */
  id: string;
  number?: number;
  title?: string;
  body?: string;
  url?: string;
  labels?: string[];
  comments?: string;
  /** `Issue` or `PR` for GitHub; `Issue` when absent, as in Axon. */
  kind?: string;
  /** A cron tick's time, RFC 3339. */
  time?: string;
  schedule?: string;
  /** A CloudEvent's attributes (extensions included) and `data`. */
  event?: Record<string, unknown>;
}

/** Axon's prompt when a TaskSpawner gives none. */
export const DEFAULT_PROMPT_TEMPLATE = `{{.Kind}} #{{.Number}}: {{.Title}}

{{.Body}}
{{- if .Comments}}

Comments:
{{.Comments}}
{{- end}}`;

/** `{{` as a Go template prints it: text that a second rendering shows as written. */
function inert(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('{{', '{{"{{"}}');
  if (Array.isArray(value)) return value.map(inert);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inert(v)]));
  return value;
}

/**
 * The data the prompt template sees. With `inertActions` (a spawned Task with dependsOn, whose
 * prompt is rendered again once its dependencies succeed) every `{{` the item carries is written
 * so that the second rendering prints it: an issue's text is data, never template code.
 */
export function templateData(item: WorkItem, options: { inertActions?: boolean } = {}): TemplateData {
  const text = (value: unknown) => (options.inertActions ? inert(value) : value);
  return {
    Deps: {},
    ID: item.id,
    Number: item.number ?? 0,
    Title: text(item.title ?? ''),
    Body: text(item.body ?? ''),
    URL: text(item.url ?? ''),
    Labels: text((item.labels ?? []).join(', ')),
    Comments: text(item.comments ?? ''),
    Kind: item.kind ?? 'Issue',
    Time: item.time ?? '',
    Schedule: item.schedule ?? '',
    ...(item.event ? { Event: text(item.event) } : {}),
  };
}
