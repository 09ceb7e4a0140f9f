/**
 * The dashboard page: follows /api/events, keeps the Tasks (model.ts) and paints what changed
 * at the next animation frame; when the graph's shape changes it has the DAG laid out off the
 * main thread (layout-scheduler.ts, layout-thread.ts) and draws each layout as it comes
 * (graph.ts), saying meanwhile what it does; it summarises the phases in the header and opens
 * a Task's details on click or Enter (panel.ts).
 */
import { byId, h } from './dom.js';
import { GraphView } from './graph.js';
import { LayoutScheduler } from './layout-scheduler.js';
import { LayoutThread } from './layout-thread.js';
import { TaskModel } from './model.js';
import { DetailPanel } from './panel.js';
import { shapeOf, type Placed } from './shape.js';
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
const graphSection = byId('graph');
const note = byId('note');
const data = document.body.dataset;
let fitted = false;
let frame = 0;
let layoutError: string | null = null;

// A change of shape waits for the stream to pause — a snapshot arrives in several chunks —
// for at most LAYOUT_MAX_WAIT_MS, so that it is laid out once.
const LAYOUT_QUIET_MS = 60;
const LAYOUT_MAX_WAIT_MS = 1000;

const layouts = new LayoutScheduler({
  run: (request) => thread.run(request),
  shape: () => shapeOf(model.tasks.values()),
  onPlaced: draw,
  onFailed(message) {
    layoutError = message;
  },
  onState: () => paintNote(),
  quietMs: LAYOUT_QUIET_MS,
  maxWaitMs: LAYOUT_MAX_WAIT_MS,
});
const thread = new LayoutThread({
  workerUrl: new URL('layout-worker.js', import.meta.url),
  moduleUrl: new URL('layout.js', import.meta.url),
  onAnswer: (answer) => layouts.answered(answer),
  onFallback(reason) {
    console.warn(`dendrite: the graph is laid out on the page's main thread (${reason})`);
    data.layoutPlace = thread.place;
    paintNote();
  },
});
data.layoutPlace = thread.place;

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

/** What the graph area says: nothing to show, a layout under way, or a layout that failed. */
function paintNote(): void {
  const count = model.tasks.size;
  const tasks = `${count.toLocaleString('en')} ${count === 1 ? 'Task' : 'Tasks'}`;
  let text: string | null = null;
  if (count === 0) text = 'No Tasks yet.';
  else if (layouts.busy) text = `Laying out ${tasks}…${thread.place === 'main thread' ? ' (on the page itself, which may not respond until it is done)' : ''}`;
  else if (layoutError !== null) text = `The layout failed: ${layoutError}`;
  note.hidden = text === null;
  note.textContent = text ?? '';
  // Over an empty graph it is the page's message; over a drawn one, a word in the corner.
  note.classList.toggle('corner', graph.size > 0);
  graphSection.setAttribute('aria-busy', String(layouts.busy));
  data.layout = layouts.state;
}

/** A layout came: draw it with the Tasks as they are now. */
function draw(placed: Placed, ms: number): void {
  const started = performance.now();
  layoutError = null;
  graph.render(model.tasks, placed);
  if (!fitted && graph.size > 0) {
    graph.fit();
    fitted = true;
  }
  // (The note follows from the scheduler's onState, once it has sent what is due next.)
  // For tests and the benchmark: how many Tasks are drawn, the layout's time, the drawing's.
  data.tasks = String(graph.size);
  data.layouts = String(Number(data.layouts ?? 0) + 1);
  data.lastLayoutMs = ms.toFixed(1);
  data.lastDrawMs = (performance.now() - started).toFixed(1);
}

function flush(): void {
  frame = 0;
  const started = performance.now();
  const batch = model.apply();
  if (batch.structural) {
    graph.prune(model.tasks);
    layouts.invalidate();
  }
  // Phases and figures show now, whether or not a layout is under way.
  graph.update(model.tasks, batch.changed);
  paintNote();
  paintSummary();
  const open = panel.key;
  const task = open ? model.tasks.get(open) : undefined;
  if (open && task) {
    const itself = batch.changed.has(open);
    if (itself || task.dependsOn.some((dep) => batch.changed.has(`${task.namespace}/${dep}`))) panel.changed(task, itself);
  }
  // For tests and the benchmark: how many batches, how many Tasks drawn, how long the last batch took.
  data.batches = String(Number(data.batches ?? 0) + 1);
  data.tasks = String(graph.size);
  data.lastPaintMs = (performance.now() - started).toFixed(1);
}

function schedule(): void {
  if (frame === 0) frame = requestAnimationFrame(flush);
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
