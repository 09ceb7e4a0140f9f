/**
 * The DAG as SVG: a node per Task (name; type, phase, duration, tokens), an arrow per
 * dependency, panned by dragging, zoomed by the wheel or the buttons, fitted to the view.
 * Nodes are focusable buttons (Tab, Enter/Space open the Task), labelled for screen readers.
 */
import { s } from './dom.js';
import { durationOf, formatDuration, formatUsage, phaseClass } from './format.js';
import { NODE_HEIGHT, NODE_WIDTH, type Placed } from './shape.js';
import type { TaskView } from './wire.js';

interface NodeParts {
  g: SVGGElement;
  title: SVGTitleElement;
  name: SVGTextElement;
  meta: SVGTextElement;
  figures: SVGTextElement;
}

const MAX_NAME_CHARS = 24;
const clip = (text: string) => (text.length > MAX_NAME_CHARS ? `${text.slice(0, MAX_NAME_CHARS - 1)}…` : text);

/** Edges by their ends: from → to → path. */
type EdgeMap = Map<string, Map<string, SVGPathElement>>;

const pathData = (points: { x: number; y: number }[]) => points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');

export class GraphView {
  private readonly nodes = new Map<string, NodeParts>();
  private edges: EdgeMap = new Map();
  private placed: Placed = { nodes: new Map(), edges: [], width: 0, height: 0 };
  private view = { x: 0, y: 0, k: 1 };
  private selected: string | null = null;
  private query = '';
  private showNamespace = false;

  constructor(
    private readonly svg: SVGSVGElement,
    private readonly viewport: SVGGElement,
    private readonly edgeLayer: SVGGElement,
    private readonly nodeLayer: SVGGElement,
    private readonly onOpen: (key: string) => void,
  ) {
    this.enablePanZoom();
    // One listener for every node (a layout may bring a thousand).
    const keyOf = (e: Event) => (e.target as Element).closest<SVGGElement>('.node')?.dataset.key;
    nodeLayer.addEventListener('click', (e) => {
      const key = keyOf(e);
      if (key !== undefined) onOpen(key);
    });
    nodeLayer.addEventListener('keydown', (e) => {
      const key = keyOf(e);
      if (key !== undefined && (e.key === 'Enter' || e.key === ' ')) {
        e.preventDefault();
        onOpen(key);
      }
    });
  }

  /** How many Tasks are drawn. */
  get size(): number {
    return this.nodes.size;
  }

  /**
   * Draws a layout: nodes and edges already drawn move to their new places (a change of shape
   * after the first costs the page little), the rest are made or removed. Only the Tasks
   * still known are drawn: the layout may be of a shape that changed since (a newer layout is
   * then on its way).
   */
  render(tasks: Map<string, TaskView>, placed: Placed): void {
    this.placed = placed;
    const showNamespace = new Set([...tasks.values()].map((t) => t.namespace)).size > 1;
    const relabel = showNamespace !== this.showNamespace;
    this.showNamespace = showNamespace;
    const now = Date.now();

    const edges: EdgeMap = new Map();
    const newEdges = document.createDocumentFragment();
    for (const edge of placed.edges) {
      if (!tasks.has(edge.from) || !tasks.has(edge.to)) continue;
      const d = pathData(edge.points);
      let path = this.edges.get(edge.from)?.get(edge.to);
      if (path) {
        this.edges.get(edge.from)?.delete(edge.to);
        if (path.getAttribute('d') !== d) path.setAttribute('d', d);
      } else {
        path = s('path', { class: 'edge', d, 'marker-end': 'url(#arrow)', 'data-from': edge.from, 'data-to': edge.to });
        newEdges.append(path);
      }
      const from = edges.get(edge.from);
      if (from) from.set(edge.to, path);
      else edges.set(edge.from, new Map([[edge.to, path]]));
    }
    // What is left of the old edges is not in this layout.
    for (const gone of this.edges.values()) for (const path of gone.values()) path.remove();
    this.edges = edges;
    this.edgeLayer.append(newEdges);

    const kept = new Set<string>();
    const newNodes = document.createDocumentFragment();
    for (const [key, at] of placed.nodes) {
      const task = tasks.get(key);
      if (!task) continue;
      kept.add(key);
      let parts = this.nodes.get(key);
      if (!parts) {
        parts = this.make(key);
        this.nodes.set(key, parts);
        newNodes.append(parts.g);
        this.paint(key, task, now);
      } else if (relabel) {
        this.paint(key, task, now);
      }
      parts.g.setAttribute('transform', `translate(${at.x - NODE_WIDTH / 2},${at.y - NODE_HEIGHT / 2})`);
    }
    for (const [key, parts] of this.nodes) {
      if (kept.has(key)) continue;
      parts.g.remove();
      this.nodes.delete(key);
    }
    this.nodeLayer.append(newNodes);
    this.highlight();
  }

  private make(key: string): NodeParts {
    const title = s('title');
    const name = s('text', { class: 'name', x: 10, y: 22 });
    const meta = s('text', { class: 'meta', x: 10, y: 42 });
    const figures = s('text', { class: 'meta', x: 10, y: 59 });
    const g = s('g', { class: 'node', tabindex: 0, role: 'button', 'data-key': key }, title, s('rect', { width: NODE_WIDTH, height: NODE_HEIGHT }), name, meta, figures);
    return { g, title, name, meta, figures };
  }

  /** Removes at once the nodes (and their edges) of Tasks that are gone, without waiting for a layout. */
  prune(tasks: Map<string, TaskView>): void {
    for (const [key, parts] of this.nodes) {
      if (tasks.has(key)) continue;
      parts.g.remove();
      this.nodes.delete(key);
      if (key === this.selected) this.selected = null;
    }
    for (const [from, out] of this.edges) {
      for (const [to, path] of out) {
        if (tasks.has(from) && tasks.has(to)) continue;
        path.remove();
        out.delete(to);
      }
      if (out.size === 0) this.edges.delete(from);
    }
  }

  /** Repaints these Tasks' nodes in place (phase, duration, tokens). */
  update(tasks: Map<string, TaskView>, keys: Iterable<string>): void {
    const now = Date.now();
    for (const key of keys) {
      const task = tasks.get(key);
      if (task) this.paint(key, task, now);
    }
    this.highlight();
  }

  private paint(key: string, task: TaskView, now: number): void {
    const parts = this.nodes.get(key);
    if (!parts) return;
    const label = this.showNamespace ? `${task.namespace}/${task.name}` : task.name;
    const phase = task.phase || 'New';
    const meta = `${phase} · ${task.type}`;
    const figures = [formatDuration(durationOf(task, now)), formatUsage(task.usage)].filter((p) => p !== '').join(' · ');
    parts.name.textContent = clip(label);
    parts.meta.textContent = meta;
    parts.figures.textContent = figures;
    const said = figures === '' ? meta : `${meta} · ${figures}`;
    parts.title.textContent = `${label}\n${said}${task.message ? `\n${task.message}` : ''}`;
    parts.g.setAttribute('aria-label', `Task ${label}: ${said}`);
    parts.g.setAttribute('class', `node ${phaseClass(task.phase)}${key === this.selected ? ' selected' : ''}`);
    parts.g.dataset.phase = phase;
  }

  select(key: string | null): void {
    this.nodes.get(this.selected ?? '')?.g.classList.remove('selected');
    this.selected = key;
    this.nodes.get(key ?? '')?.g.classList.add('selected');
  }

  /** Marks the nodes whose name holds `query`, dims the rest; returns the keys that match. */
  search(query: string): string[] {
    this.query = query.trim().toLowerCase();
    return this.highlight();
  }

  private highlight(): string[] {
    const matches: string[] = [];
    for (const [key, parts] of this.nodes) {
      const hit = this.query !== '' && key.slice(key.indexOf('/') + 1).toLowerCase().includes(this.query);
      if (hit) matches.push(key);
      parts.g.classList.toggle('match', hit);
      parts.g.classList.toggle('dim', this.query !== '' && !hit);
    }
    return matches;
  }

  /** Scales and moves the whole graph into view. */
  fit(): void {
    const { width, height } = this.svg.getBoundingClientRect();
    if (this.placed.width === 0 || width === 0) return;
    const k = Math.min(1.2, Math.max(0.02, Math.min(width / this.placed.width, height / this.placed.height) * 0.95));
    this.view = { k, x: (width - this.placed.width * k) / 2, y: (height - this.placed.height * k) / 2 };
    this.apply();
  }

  /** Centres a node, at a zoom where it is readable. */
  reveal(key: string): void {
    const at = this.placed.nodes.get(key);
    if (!at) return;
    const { width, height } = this.svg.getBoundingClientRect();
    const k = Math.max(this.view.k, 0.8);
    this.view = { k, x: width / 2 - at.x * k, y: height / 2 - at.y * k };
    this.apply();
    this.nodes.get(key)?.g.focus({ preventScroll: true });
  }

  zoomBy(factor: number, cx?: number, cy?: number): void {
    const rect = this.svg.getBoundingClientRect();
    const x = cx ?? rect.width / 2;
    const y = cy ?? rect.height / 2;
    const k = Math.min(4, Math.max(0.02, this.view.k * factor));
    const f = k / this.view.k;
    this.view = { k, x: x - (x - this.view.x) * f, y: y - (y - this.view.y) * f };
    this.apply();
  }

  private apply(): void {
    const { x, y, k } = this.view;
    this.viewport.setAttribute('transform', `translate(${x.toFixed(1)},${y.toFixed(1)}) scale(${k.toFixed(4)})`);
  }

  private enablePanZoom(): void {
    let drag: { x: number; y: number; vx: number; vy: number } | null = null;
    this.svg.addEventListener('pointerdown', (e) => {
      if ((e.target as Element).closest('.node')) return;
      drag = { x: e.clientX, y: e.clientY, vx: this.view.x, vy: this.view.y };
      this.svg.setPointerCapture(e.pointerId);
      this.svg.classList.add('panning');
    });
    this.svg.addEventListener('pointermove', (e) => {
      if (!drag) return;
      this.view = { ...this.view, x: drag.vx + e.clientX - drag.x, y: drag.vy + e.clientY - drag.y };
      this.apply();
    });
    const end = () => {
      drag = null;
      this.svg.classList.remove('panning');
    };
    this.svg.addEventListener('pointerup', end);
    this.svg.addEventListener('pointercancel', end);
    this.svg.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const rect = this.svg.getBoundingClientRect();
        this.zoomBy(Math.exp(-e.deltaY * 0.0015), e.clientX - rect.left, e.clientY - rect.top);
      },
      { passive: false },
    );
  }
}
