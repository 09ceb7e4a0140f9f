/**
 * The detail panel of one Task: phase and message, why it waits, the rendered prompt it
 * received, outputs, results, response, usage, its spec, its Kubernetes Events and the tail
 * of its agent's log (followed while it runs). Everything shown is text (dom.ts).
 */
import { h } from './dom.js';
import { durationOf, formatDuration, formatUsage, phaseClass } from './format.js';
import type { TaskDetail, TaskLog, TaskView } from './wire.js';

export interface PanelDeps {
  root: HTMLElement;
  get(path: string): Promise<Response>;
  /** The Task's dependencies that have not succeeded, as the page knows them. */
  unmet(task: TaskView): string[];
  onClose(): void;
}

const LOG_POLL_MS = 1500;

function section(title: string, ...body: (Node | string | null)[]): HTMLElement {
  return h('section', { 'aria-label': title }, h('h3', {}, title), ...body);
}

function pre(text: string, label: string): HTMLElement {
  return h('pre', { tabindex: '0', 'aria-label': label }, text);
}

const path = (task: { namespace: string; name: string }) => `/api/tasks/${encodeURIComponent(task.namespace)}/${encodeURIComponent(task.name)}`;

export class DetailPanel {
  private task: TaskView | null = null;
  private detail: TaskDetail | null = null;
  private log: TaskLog | null = null;
  private logError: string | null = null;
  private poll: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  constructor(private readonly deps: PanelDeps) {}

  get key(): string | null {
    return this.task ? `${this.task.namespace}/${this.task.name}` : null;
  }

  open(task: TaskView): void {
    this.task = task;
    this.detail = null;
    this.log = null;
    this.logError = null;
    this.deps.root.hidden = false;
    this.render();
    void this.refresh(task);
  }

  close(): void {
    this.task = null;
    this.generation++;
    clearTimeout(this.poll);
    this.deps.root.hidden = true;
    this.deps.root.replaceChildren();
    this.deps.onClose();
  }

  /**
   * The open Task changed (`itself`: fetch again what only the detail holds), or one of its
   * dependencies did (what it waits for): show the new view at once.
   */
  changed(task: TaskView, itself: boolean): void {
    if (this.key !== `${task.namespace}/${task.name}`) return;
    this.task = task;
    this.render();
    if (itself) void this.refresh(task);
  }

  private async refresh(task: TaskView): Promise<void> {
    const generation = ++this.generation;
    clearTimeout(this.poll);
    try {
      const [detail, log] = await Promise.all([this.deps.get(path(task)), this.deps.get(`${path(task)}/log`)]);
      if (generation !== this.generation) return;
      if (detail.ok) this.detail = (await detail.json()) as TaskDetail;
      if (log.ok) {
        this.log = (await log.json()) as TaskLog;
        this.logError = null;
      } else {
        this.logError = `the log could not be read (${log.status})`;
      }
    } catch {
      this.logError = 'the server could not be reached';
    }
    if (generation !== this.generation) return;
    this.render();
    if (this.task && (this.task.phase === 'Pending' || this.task.phase === 'Running')) {
      this.poll = setTimeout(() => this.task && void this.refresh(this.task), LOG_POLL_MS);
    }
  }

  private render(): void {
    const task = this.task;
    if (!task) return;
    const detail = this.detail;
    const prompt = detail?.task.prompt ?? task.prompt;
    const unmet = this.deps.unmet(task);
    const close = h('button', { type: 'button', class: 'close', 'aria-label': 'Close the details' }, 'Close');
    close.addEventListener('click', () => this.close());
    const phase = task.phase || 'New';
    const results = Object.entries(task.results);
    const waiting = task.phase === 'Waiting' || task.phase === '';
    const parts: (Node | string | null)[] = [
      close,
      h('h2', { id: 'detail-title' }, task.name),
      h(
        'p',
        {},
        h('span', { class: `badge ${phaseClass(task.phase)}`, 'data-testid': 'detail-phase' }, phase),
        ` ${task.type} · ${task.namespace}`,
        task.startTime ? ` · ${formatDuration(durationOf(task, Date.now()))}` : '',
      ),
      task.message ? h('p', { 'data-testid': 'detail-message' }, task.message) : null,
      waiting
        ? section(
            'Why it waits',
            unmet.length > 0
              ? h('ul', {}, ...unmet.map((dep) => h('li', {}, `${dep} — not succeeded yet`)))
              : h('p', { class: 'muted' }, task.dependsOn.length > 0 ? 'Every dependency has succeeded.' : 'It has no dependencies.'),
            // What else it waits for (a Workspace or AgentConfig to be created) the message above names.
          )
        : null,
      task.dependsOn.length > 0 ? section('Depends on', h('p', {}, task.dependsOn.join(', '))) : null,
      section('Prompt it received', prompt === null ? h('p', { class: 'muted' }, 'not rendered yet') : pre(prompt, 'Rendered prompt')),
      task.outputs.length > 0 ? section('Outputs', pre(task.outputs.join('\n'), 'Outputs')) : null,
      results.length > 0
        ? section('Results', h('table', {}, h('tbody', {}, ...results.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v))))))
        : null,
      task.response !== '' ? section('Response', pre(task.response, 'Response')) : null,
      task.usage ? section('Usage', h('p', {}, `${formatUsage(task.usage)} (in ${task.usage.inputTokens}, out ${task.usage.outputTokens})`)) : null,
      section(
        'Events',
        detail === null
          ? h('p', { class: 'muted' }, 'loading…')
          : detail.events.length === 0
            ? h('p', { class: 'muted' }, 'none')
            : h(
                'table',
                {},
                h('thead', {}, h('tr', {}, h('th', {}, 'type'), h('th', {}, 'reason'), h('th', {}, 'message'), h('th', {}, 'time'))),
                h('tbody', {}, ...detail.events.map((e) => h('tr', {}, h('td', {}, e.type), h('td', {}, e.reason), h('td', {}, `${e.message}${e.count > 1 ? ` (×${e.count})` : ''}`), h('td', {}, e.time ?? '')))),
              ),
      ),
      section(
        this.task?.phase === 'Running' ? 'Log (following)' : 'Log',
        this.log?.podName === null
          ? h('p', { class: 'muted' }, task.type === 'external' ? 'none: no agent runs an external Task' : 'none yet: no agent has run for this Task')
          : this.log
            ? pre(this.log.lines.join('\n') || '(empty)', 'Agent log')
            : h('p', { class: 'muted' }, this.logError ?? 'loading…'),
      ),
      detail ? section('Spec', pre(JSON.stringify(detail.spec, null, 2), 'Spec')) : null,
    ];
    this.deps.root.replaceChildren(...parts.filter((p): p is Node | string => p !== null));
  }
}
