/**
 * The dashboard page: follows /api/events, keeps the Tasks (model.ts), lays the DAG out
 * (layout.ts) and draws it (graph.ts) once per animation frame at most, summarises the
 * phases in the header, and opens a Task's details on click or Enter (panel.ts).
 */
import { byId, h } from './dom.js';
import { GraphView } from './graph.js';
import { layoutTasks } from './layout.js';
import { TaskModel } from './model.js';
import { DetailPanel } from './panel.js';
import { follow } from './stream.js';
import type { TaskView } from './wire.js';

// `#token=…` (dendrite serve --token): sent as a bearer token, never put in a URL the server logs.
const token = new URLSearchParams(location.hash.slice(1)).get('token');
const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
const get = (path: string) => fetch(new URL(path, location.href), { headers, cache: 'no-store' });

const model = new TaskModel();
const graph = new GraphView(byId<SVGSVGElement>('canvas'), byId<SVGGElement>('viewport'), byId<SVGGElement>('edges'), byId<SVGGElement>('nodes'), (key) => openTask(key));
const panel = new DetailPanel({ root: byId('details'), get, unmet: (task) => model.unmet(task), onClose: () => graph.select(null) });
const summary = byId('summary');
const connection = byId('connection');
const empty = byId('empty');
let fitted = false;
let frame = 0;

function openTask(key: string): void {
  const task = model.tasks.get(key);
  if (!task) return;
  graph.select(key);
  panel.open(task);
}

function paintSummary(): void {
  const parts = model.counts().map(({ phase, count }) =>
    h('span', { class: `count phase-${phase === 'New' ? 'none' : phase}`, 'data-phase': phase }, `${phase} ${count}`),
  );
  const tokens = model.tokens();
  summary.replaceChildren(h('span', {}, `${model.tasks.size} Tasks`), ...parts, tokens > 0 ? h('span', {}, `${tokens.toLocaleString('en')} tokens`) : '');
}

function flush(): void {
  frame = 0;
  const started = performance.now();
  const batch = model.apply();
  if (batch.structural) {
    const placed = layoutTasks(model.tasks.values());
    document.body.dataset.lastLayoutMs = (performance.now() - started).toFixed(1);
    graph.render(model.tasks, placed);
    if (!fitted && model.tasks.size > 0) {
      graph.fit();
      fitted = true;
    }
  } else {
    graph.update(model.tasks, batch.changed);
  }
  empty.hidden = model.tasks.size > 0;
  paintSummary();
  const open = panel.key;
  const task = open ? model.tasks.get(open) : undefined;
  if (open && task) {
    const itself = batch.changed.has(open);
    if (itself || task.dependsOn.some((dep) => batch.changed.has(`${task.namespace}/${dep}`))) panel.changed(task, itself);
  }
  // For tests and the benchmark: how many batches, and how long the last one took.
  document.body.dataset.batches = String(Number(document.body.dataset.batches ?? 0) + 1);
  document.body.dataset.tasks = String(model.tasks.size);
  document.body.dataset.lastPaintMs = (performance.now() - started).toFixed(1);
}

// A change of shape costs a layout (seconds at 1,000 Tasks), so those batches wait for the
// stream to pause — a snapshot arrives in several chunks — for at most LAYOUT_MAX_WAIT_MS.
// Other changes (phases, figures) are painted at the next frame.
const LAYOUT_QUIET_MS = 60;
const LAYOUT_MAX_WAIT_MS = 1000;
let layoutTimer: ReturnType<typeof setTimeout> | undefined;
let layoutDue = 0;

function flushNow(): void {
  clearTimeout(layoutTimer);
  layoutTimer = undefined;
  layoutDue = 0;
  if (frame !== 0) cancelAnimationFrame(frame);
  frame = requestAnimationFrame(flush);
}

function schedule(): void {
  if (model.structuralPending) {
    const now = performance.now();
    if (layoutDue === 0) layoutDue = now + LAYOUT_MAX_WAIT_MS;
    clearTimeout(layoutTimer);
    layoutTimer = setTimeout(flushNow, Math.max(0, Math.min(LAYOUT_QUIET_MS, layoutDue - now)));
    return;
  }
  if (frame === 0 && layoutTimer === undefined) frame = requestAnimationFrame(flush);
}

follow(new URL('/api/events', location.href).href, headers, {
  onReset() {
    model.reset();
    schedule();
  },
  onMessage(event, data) {
    if (event === 'task') model.put(data as TaskView);
    else if (event === 'task-deleted') {
      const gone = data as { namespace: string; name: string };
      model.remove(gone.namespace, gone.name);
    } else return;
    schedule();
  },
  onState(state, detail) {
    connection.textContent = state === 'live' ? 'live' : state === 'refused' ? `refused: ${detail ?? ''}` : 'reconnecting…';
    connection.classList.toggle('live', state === 'live');
  },
});

// Running Tasks' durations move on by themselves.
setInterval(() => {
  const running = [...model.tasks.values()].filter((t) => t.phase === 'Running').map((t) => `${t.namespace}/${t.name}`);
  if (running.length > 0) graph.update(model.tasks, running);
}, 1000);

byId('fit').addEventListener('click', () => graph.fit());
byId('zoom-in').addEventListener('click', () => graph.zoomBy(1.25));
byId('zoom-out').addEventListener('click', () => graph.zoomBy(0.8));
const search = byId<HTMLInputElement>('search');
search.addEventListener('input', () => graph.search(search.value));
byId('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const [first] = graph.search(search.value);
  if (first) {
    graph.reveal(first);
    openTask(first);
  }
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && panel.key) panel.close();
});
