/**
 * The live Task table, like `kubectl get tasks -w`: NAME, TYPE, PHASE, AGE. On a terminal it
 * is redrawn in place and other lines (agent logs, warnings) scroll above it; otherwise each
 * phase change prints one row, so a log file or CI shows every transition once.
 *
 * It keeps up with any number of Tasks: column widths are kept as rows arrive (not measured
 * over every row per change), redraws are at most one per `redrawMs`, and a table taller than
 * the terminal shows the unfinished Tasks first and counts the rest by phase.
 */
import type { Task } from '../../shared/task/model.js';
import { formatAge, padCells, painter, phaseColour, type Paint } from './format.js';

export interface TableOutput {
  write(text: string): unknown;
  columns?: number;
  /** The terminal's height: a live table never draws more lines than fit. */
  rows?: number;
}

export interface TableOptions {
  out: TableOutput;
  /** Redraw in place (a terminal) or print rows on change. */
  live: boolean;
  color: boolean;
  now: () => Date;
  /** Prefix names with their namespace (when Tasks span several). */
  showNamespace: boolean;
  /** Milliseconds between redraws that update AGE (live only). */
  tickMs?: number;
  /** Least milliseconds between two redraws on changes (live only); later changes are coalesced. */
  redrawMs?: number;
}

interface Row {
  key: string;
  name: string;
  type: string;
  phase: string;
  created: number;
}

const HEADER = ['NAME', 'TYPE', 'PHASE', 'AGE'];
/** Wide enough for every phase from the start, so rows printed over time line up. */
const PHASE_WIDTH = 'Succeeded'.length;

export class TaskTable {
  private readonly rows = new Map<string, Row>();
  private readonly paint: Paint;
  private drawn = 0;
  private ticker?: NodeJS.Timeout;
  private headerPrinted = false;
  private stopped = false;
  private nameWidth = HEADER[0]!.length;
  private typeWidth = HEADER[1]!.length;
  private lastRedraw = 0;
  private pendingRedraw?: NodeJS.Timeout;

  constructor(private readonly options: TableOptions) {
    this.paint = painter(options.color);
  }

  /** Shows every Task (live mode) and starts the AGE ticker. */
  start(tasks: readonly Task[]): void {
    for (const task of tasks) this.keep(this.rowOf(task));
    if (this.options.live) {
      this.options.out.write('\x1b[?25l'); // hide the cursor while redrawing
      this.redraw();
      this.ticker = setInterval(() => this.redraw(), this.options.tickMs ?? 1000);
      this.ticker.unref();
    }
  }

  update(task: Task): void {
    if (this.stopped) return;
    const row = this.rowOf(task);
    const before = this.rows.get(row.key);
    this.keep(row);
    if (this.options.live) this.redrawSoon();
    else if (row.phase && row.phase !== before?.phase) this.printRow(row);
  }

  /** The Task is gone (its ttlSecondsAfterFinished deleted it): its row goes, a note says so. */
  remove(task: Task, note: string): void {
    if (this.stopped) return;
    this.rows.delete(this.key(task));
    this.log(note);
  }

  /** A line shown above the table (or simply printed). */
  log(line: string): void {
    if (!this.options.live || this.stopped) {
      this.options.out.write(`${line}\n`);
      return;
    }
    // One write per change, so the terminal never shows a half-drawn table.
    this.options.out.write(`${this.erase()}${line}\n${this.draw()}`);
  }

  /** Final draw; the table stays on screen and the cursor comes back. */
  stop(): void {
    if (this.stopped) return;
    if (this.ticker) clearInterval(this.ticker);
    if (this.pendingRedraw) clearTimeout(this.pendingRedraw);
    if (this.options.live) {
      this.redraw();
      this.options.out.write('\x1b[?25h');
    }
    this.stopped = true;
  }

  private keep(row: Row): void {
    this.rows.set(row.key, row);
    this.nameWidth = Math.max(this.nameWidth, row.name.length);
    this.typeWidth = Math.max(this.typeWidth, row.type.length);
  }

  private key(task: Task): string {
    return `${task.metadata.namespace}/${task.metadata.name}`;
  }

  private rowOf(task: Task): Row {
    return {
      key: this.key(task),
      name: this.options.showNamespace ? this.key(task) : task.metadata.name,
      type: task.spec?.type ?? '',
      phase: task.status?.phase ?? '',
      created: Date.parse(task.metadata.creationTimestamp ?? '') || this.options.now().getTime(),
    };
  }

  private cells(row: Row): string[] {
    return [row.name, row.type, row.phase, formatAge(this.options.now().getTime() - row.created)];
  }

  /** The last column (AGE) is not padded, so it needs no width. */
  private widths(): number[] {
    return [this.nameWidth, this.typeWidth, PHASE_WIDTH, 0];
  }

  private format(row: Row, widths: number[]): string {
    const cells = padCells(this.cells(row), widths);
    cells[2] = this.paint(phaseColour(row.phase), cells[2] as string);
    return cells.join('   ');
  }

  private printRow(row: Row): void {
    const widths = this.widths();
    if (!this.headerPrinted) {
      this.options.out.write(`${padCells(HEADER, widths).join('   ')}\n`);
      this.headerPrinted = true;
    }
    this.options.out.write(`${this.format(row, widths)}\n`);
  }

  /** The rows that fit on the terminal (unfinished first), and a count by phase of the rest. */
  private visibleRows(): { shown: Row[]; hidden: Map<string, number> } {
    const all = [...this.rows.values()];
    // Header and rows stay below the terminal's height, so the cursor can always go back up.
    const room = this.options.out.rows ? Math.max(2, this.options.out.rows - 2) : Infinity;
    const hidden = new Map<string, number>();
    if (all.length <= room) return { shown: all, hidden };
    const done = (row: Row) => row.phase === 'Succeeded' || row.phase === 'Failed';
    const shown = [...all.filter((row) => !done(row)), ...all.filter(done)].slice(0, room - 1);
    const visible = new Set(shown);
    for (const row of all) if (!visible.has(row)) hidden.set(row.phase || 'New', (hidden.get(row.phase || 'New') ?? 0) + 1);
    return { shown, hidden };
  }

  private lines(): string[] {
    const widths = this.widths();
    const max = this.options.out.columns;
    const cut = (line: string) => (max && line.length > max ? line.slice(0, max) : line);
    const header = this.paint('bold', cut(padCells(HEADER, widths).join('   ')));
    const { shown, hidden } = this.visibleRows();
    // Rows are cut before colouring, so escape codes never count against the width.
    const lines = [header, ...shown.map((row) => {
      const cells = padCells(this.cells(row), widths);
      const plain = cells.join('   ');
      if (max && plain.length > max) return plain.slice(0, max);
      return this.format(row, widths);
    })];
    if (hidden.size > 0) {
      const count = [...hidden.values()].reduce((a, b) => a + b, 0);
      const phases = [...hidden].map(([phase, n]) => `${n} ${phase}`).join(', ');
      lines.push(this.paint('gray', cut(`… and ${count} more: ${phases}`)));
    }
    return lines;
  }

  /** Moves up over the table drawn last and clears from there down. */
  private erase(): string {
    const text = this.drawn > 0 ? `\x1b[${this.drawn}A\r\x1b[J` : '';
    this.drawn = 0;
    return text;
  }

  private draw(): string {
    const lines = this.lines();
    this.drawn = lines.length;
    return `${lines.join('\n')}\n`;
  }

  private redraw(): void {
    if (this.stopped) return;
    if (this.pendingRedraw) clearTimeout(this.pendingRedraw);
    this.pendingRedraw = undefined;
    this.lastRedraw = performance.now();
    this.options.out.write(`${this.erase()}${this.draw()}`);
  }

  /** Now, or once `redrawMs` has passed since the last redraw (changes meanwhile are coalesced). */
  private redrawSoon(): void {
    const wait = this.lastRedraw + (this.options.redrawMs ?? 50) - performance.now();
    if (wait <= 0) return this.redraw();
    if (!this.pendingRedraw) {
      this.pendingRedraw = setTimeout(() => this.redraw(), wait);
      this.pendingRedraw.unref();
    }
  }
}
