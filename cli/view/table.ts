/**
 * The live Task table, like `kubectl get tasks -w`: NAME, TYPE, PHASE, AGE. On a terminal it
 * is redrawn in place and other lines (agent logs, warnings) scroll above it; otherwise each
 * phase change prints one row, so a log file or CI shows every transition once.
 */
import type { Task } from '../../shared/task/model.js';
import { columnWidths, formatAge, padCells, painter, phaseColour, type Paint } from './format.js';

export interface TableOutput {
  write(text: string): unknown;
  columns?: number;
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
}

interface Row {
  key: string;
  name: string;
  type: string;
  phase: string;
  created: number;
}

const HEADER = ['NAME', 'TYPE', 'PHASE', 'AGE'];

export class TaskTable {
  private readonly rows = new Map<string, Row>();
  private readonly paint: Paint;
  private drawn = 0;
  private ticker?: NodeJS.Timeout;
  private headerPrinted = false;
  private stopped = false;

  constructor(private readonly options: TableOptions) {
    this.paint = painter(options.color);
  }

  /** Shows every Task (live mode) and starts the AGE ticker. */
  start(tasks: readonly Task[]): void {
    for (const task of tasks) this.rows.set(this.key(task), this.rowOf(task));
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
    this.rows.set(row.key, row);
    if (this.options.live) this.redraw();
    else if (row.phase && row.phase !== before?.phase) this.printRow(row);
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
    if (this.options.live) {
      this.redraw();
      this.options.out.write('\x1b[?25h');
    }
    this.stopped = true;
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

  /** Wide enough for every phase from the start, so rows printed over time line up. */
  private widths(): number[] {
    const widest = ['', '', 'Succeeded', '99m59s'];
    return columnWidths([HEADER, widest, ...[...this.rows.values()].map((r) => this.cells(r))]);
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

  private lines(): string[] {
    const widths = this.widths();
    const max = this.options.out.columns;
    const cut = (line: string) => (max && line.length > max ? line.slice(0, max) : line);
    const header = this.paint('bold', cut(padCells(HEADER, widths).join('   ')));
    // Rows are cut before colouring, so escape codes never count against the width.
    return [header, ...[...this.rows.values()].map((row) => {
      const cells = padCells(this.cells(row), widths);
      const plain = cells.join('   ');
      if (max && plain.length > max) return plain.slice(0, max);
      return this.format(row, widths);
    })];
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
    this.options.out.write(`${this.erase()}${this.draw()}`);
  }
}
