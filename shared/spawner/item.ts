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

export function templateData(item: WorkItem): TemplateData {
  return {
    Deps: {},
    ID: item.id,
    Number: item.number ?? 0,
    Title: item.title ?? '',
    Body: item.body ?? '',
    URL: item.url ?? '',
    Labels: (item.labels ?? []).join(', '),
    Comments: item.comments ?? '',
    Kind: item.kind ?? 'Issue',
    Time: item.time ?? '',
    Schedule: item.schedule ?? '',
    ...(item.event ? { Event: item.event } : {}),
  };
}
