/**
 * Translates a parsed Go template into nunjucks source. Text becomes nunjucks template data,
 * `if`/`with`/`range` become nunjucks `if`/`for` blocks, and every pipeline becomes a call into
 * the Go runtime (runtime.ts) by node id. Go variables are resolved here, at compile time, to
 * slots: without `template`/`define` Go's variable stack has a static shape, so a slot per
 * declaration reproduces Go's scoping (including assignment from inside a range).
 */
import type { BranchNode, ListNode, Node, PipeNode, ArgNode } from './ast.js';
import type { ParsedTemplate } from './parser.js';
import type { VarInfo } from './exec.js';
import { compileFast, Fast } from './fastpath.js';

export interface RangeMeta {
  /** Slot set to the element each iteration (-1: none). */
  elemSlot: number;
  /** Slot set to the index/key each iteration (-1: none). */
  keySlot: number;
  /** UTF-16 length of the body's literal text: a lower bound of one iteration's output. */
  bodyText: number;
  /** Body can break: the runtime hands out a private copy of the items it may cut short. */
  breaks: boolean;
  /**
   * No range variables, break or continue: iterations need no runtime call, the budget is
   * charged for the whole loop when it starts.
   */
  simple: boolean;
  /** Unconditional `{{.}}` in a simple body, printed without a runtime call. */
  dotPrints: number;
}

export interface CompiledGo {
  source: string;
  slotCount: number;
  info: VarInfo;
  ranges: (RangeMeta | undefined)[];
  /** Fast evaluators for action/if/with/range pipelines, by node id. */
  fast: (Fast | undefined)[];
}

/**
 * The ranges a break and a continue in the current list end (range node ids). In a range's
 * {{else}} either may be null: none there, and that range then may keep no loop state to ask.
 */
interface LoopCtx {
  brk: number | null;
  cnt: number | null;
}

interface Scope {
  stack: { name: string; slot: number }[];
}

class Compiler {
  private out: string[] = [];
  private slotCount = 1;
  readonly info: VarInfo = { slotOf: new Map() };
  readonly ranges: (RangeMeta | undefined)[] = [];
  readonly fast: (Fast | undefined)[] = [];
  private scope: Scope = { stack: [{ name: '$', slot: 0 }] };

  constructor(private readonly t: ParsedTemplate) {}

  compile(): CompiledGo {
    this.list(this.t.root, '__d0', null);
    return { source: this.out.join(''), slotCount: this.slotCount, info: this.info, ranges: this.ranges, fast: this.fast };
  }

  private emit(s: string): void {
    this.out.push(s);
  }

  /** Resolve every variable use inside a pipeline against the current stack. */
  private resolveUses(n: ArgNode | PipeNode): void {
    switch (n.kind) {
      case 'pipe':
        for (const c of n.cmds) for (const a of c.args) this.resolveUses(a);
        return;
      case 'variable':
        this.info.slotOf.set(n.id, this.lookup(n.ident[0]!));
        return;
      case 'chain':
        this.resolveUses(n.node);
        return;
    }
  }

  private lookup(name: string): number {
    const st = this.scope.stack;
    for (let i = st.length - 1; i >= 0; i--) if (st[i]!.name === name) return st[i]!.slot;
    return -1;
  }

  /** Resolve a pipeline, then declare (:=) or bind (=) its variables, as Go's evalPipeline does. */
  private pipeline(p: PipeNode, owner?: number): void {
    this.resolveUses(p);
    if (owner !== undefined && p.decl.length === 0) this.fast[owner] = compileFast(p, this.info) ?? undefined;
    for (const d of p.decl) {
      const name = d.ident[0]!;
      if (p.isAssign) this.info.slotOf.set(d.id, this.lookup(name));
      else {
        const slot = this.slotCount++;
        this.scope.stack.push({ name, slot });
        this.info.slotOf.set(d.id, slot);
      }
    }
  }

  private list(l: ListNode, dot: string, loop: LoopCtx | null, direct: RangeMeta | null = null): void {
    const nodes = l.nodes;
    const ids = loop === null ? [] : [...new Set([loop.brk, loop.cnt])].filter((id) => id !== null);
    let guarded = false;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (direct && isPlainDot(n)) {
        // The element's own string conversion is Go's %v (see values.ts); the range charged its size.
        this.emit(`{{ ${dot} }}`);
        direct.dotPrints++;
      } else this.node(n, dot, loop);
      if (ids.length > 0 && i + 1 < nodes.length && interrupts(n)) {
        // After a break/continue the rest of this list must not run. One flat guard per
        // interruption (not nested ones), so many of them do not nest the nunjucks source.
        if (guarded) this.emit('{% endif %}');
        this.emit(`{% if ${ids.map((id) => `__on(${id})`).join(' and ')} %}`);
        guarded = true;
      }
    }
    if (guarded) this.emit('{% endif %}');
  }

  private node(n: Node, dot: string, loop: LoopCtx | null): void {
    switch (n.kind) {
      case 'text':
        this.emit(escapeText(n.text));
        return;
      case 'comment':
        return;
      case 'action': {
        const p = n.pipe;
        this.pipeline(p, n.id);
        if (isPlainDot(n)) {
          this.emit(`{{ __pd(${dot}) }}`);
        } else {
          this.emit(`{{ __a(${n.id}, ${dot}) }}`);
        }
        return;
      }
      case 'if':
      case 'with':
        return this.ifOrWith(n, dot, loop);
      case 'range':
        return this.range(n, dot, loop);
      case 'break':
        this.emit(`{{ __brk(${loop!.brk!}) }}`);
        return;
      case 'continue':
        this.emit(`{{ __cnt(${loop!.cnt!}) }}`);
        return;
      default:
        throw new Error(`unexpected node ${n.kind}`);
    }
  }

  private ifOrWith(n: BranchNode, dot: string, loop: LoopCtx | null): void {
    const mark = this.scope.stack.length;
    this.pipeline(n.pipe, n.id);
    const afterDecl = this.scope.stack.length;
    let inner = dot;
    if (n.kind === 'if') this.emit(`{% if __if(${n.id}, ${dot}) %}`);
    else {
      inner = `__d${n.id}`;
      this.emit(`{% set ${inner} = __with(${n.id}, ${dot}) %}{% if __t(${inner}) %}`);
    }
    this.list(n.list, inner, loop);
    this.scope.stack.length = afterDecl;
    if (n.elseList) {
      this.emit('{% else %}');
      this.list(n.elseList, dot, loop);
    }
    this.emit('{% endif %}');
    this.scope.stack.length = mark;
  }

  private range(n: BranchNode, dot: string, outer: LoopCtx | null): void {
    const mark = this.scope.stack.length;
    this.pipeline(n.pipe, n.id);
    const st = this.scope.stack;
    const top = (k: number): number => (st.length - k >= 0 ? st[st.length - k]!.slot : -2);
    const breaks = exits(n.list, 'break');
    const elseBreaks = n.elseList !== null && exits(n.elseList, 'break');
    const meta: RangeMeta = {
      elemSlot: n.pipe.decl.length > 0 ? top(1) : -1,
      keySlot: n.pipe.decl.length > 1 ? top(2) : -1,
      bodyText: textLength(n.list),
      breaks,
      simple: n.pipe.decl.length === 0 && !breaks && !exits(n.list, 'continue') && !elseBreaks,
      dotPrints: 0,
    };
    this.ranges[n.id] = meta;
    const afterDecl = st.length;
    const elem = `__d${n.id}`;
    const body: LoopCtx = { brk: n.id, cnt: n.id };
    if (meta.simple) {
      this.emit(`{% for ${elem} in __rng(${n.id}, ${dot}) %}`);
      this.list(n.list, elem, body, meta);
    } else {
      this.emit(`{% for ${elem} in __rng(${n.id}, ${dot}) %}{% if __it(${n.id}, loop.index0, ${elem}) %}`);
      this.list(n.list, elem, body);
      this.emit('{% endif %}');
    }
    st.length = afterDecl;
    if (n.elseList) {
      this.emit('{% else %}');
      // Go walks the {{else}} inside walkRange: a break there ends this range, a continue
      // goes on to the next iteration of the range around it.
      const cnt = exits(n.elseList, 'continue') ? outer!.cnt : null;
      this.list(n.elseList, dot, { brk: elseBreaks ? n.id : null, cnt });
    }
    this.emit('{% endfor %}');
    st.length = mark;
  }
}

/** `{{.}}`: print the dot, nothing else. */
function isPlainDot(n: Node): boolean {
  if (n.kind !== 'action') return false;
  const p = n.pipe;
  return p.decl.length === 0 && p.cmds.length === 1 && p.cmds[0]!.args.length === 1 && p.cmds[0]!.args[0]!.kind === 'dot';
}

/** Whether a statement may end the rest of the list it is in (by break or continue). */
function interrupts(n: Node): boolean {
  if (n.kind === 'break' || n.kind === 'continue') return true;
  if (n.kind === 'if' || n.kind === 'with') {
    return listInterrupts(n.list) || (n.elseList !== null && listInterrupts(n.elseList));
  }
  // A continue in a range's {{else}} leaves that range (see range()).
  if (n.kind === 'range') return n.elseList !== null && exits(n.elseList, 'continue');
  return false;
}

function listInterrupts(l: ListNode): boolean {
  return l.nodes.some(interrupts);
}

/** Whether the list holds a break/continue aimed at the range the list belongs to. */
function exits(l: ListNode, kind: 'break' | 'continue'): boolean {
  return l.nodes.some((n) => {
    if (n.kind === kind) return true;
    if (n.kind === 'if' || n.kind === 'with') return exits(n.list, kind) || (n.elseList !== null && exits(n.elseList, kind));
    // Only a continue passes through a nested range, from its {{else}}.
    if (n.kind === 'range') return kind === 'continue' && n.elseList !== null && exits(n.elseList, kind);
    return false;
  });
}

function textLength(l: ListNode): number {
  let n = 0;
  for (const x of l.nodes) if (x.kind === 'text') n += x.text.length;
  return n;
}

/**
 * Go text as nunjucks template data. nunjucks reacts to "{{", "{%", "{#" and "#}" in text, so a
 * "{" followed by one of "{%#", a "#" before "}", and either one ending the text (the next text
 * may follow directly when only a comment lies between them), are emitted as string expressions.
 */
export function escapeText(s: string): string {
  if (!s.includes('{') && !s.includes('#')) return s;
  return s.replace(/\{(?=[{%#]|$)|#(?=\}|$)/g, '{{ "$&" }}');
}

export function compileGo(t: ParsedTemplate): CompiledGo {
  return new Compiler(t).compile();
}
