/**
 * Which dependencies a parsed Go template can read. Constant-key lookups —
 * `.Deps.name…`, `$.Deps.name…`, `index .Deps "name" …` — name theirs; any other use of the
 * root or of `.Deps` (printed, ranged over, tested, passed to a function or piped on, stored in
 * a variable, looked up with a computed key, …) may reach every dependency, and gives 'all'.
 * Conservative by construction: whatever is not recognised gives 'all'.
 */
import type { ArgNode, CommandNode, ListNode, Node, PipeNode } from './ast.js';

/** What an expression's value may be: the root data, the Deps map, or something else. */
type Val = 'root' | 'deps' | 'other';

class ReachesAll extends Error {}

class Analysis {
  readonly names = new Set<string>();

  /** A value that must not reach this point whole (printed, passed on, tested, ranged over). */
  private sink(v: Val): void {
    if (v !== 'other') throw new ReachesAll();
  }

  private fields(v: Val, fields: string[]): Val {
    for (const f of fields) {
      if (v === 'root') {
        if (f !== 'Deps') throw new ReachesAll();
        v = 'deps';
      } else if (v === 'deps') {
        this.names.add(f);
        v = 'other';
      } else {
        return 'other';
      }
    }
    return v;
  }

  private arg(a: ArgNode, dot: Val): Val {
    switch (a.kind) {
      case 'dot':
        return dot;
      case 'field':
        return this.fields(dot, a.ident);
      case 'variable':
        // `$` is always the root. Other variables never hold the root or Deps: assigning
        // either to one gives 'all' (see pipe()).
        return this.fields(a.ident[0] === '$' ? 'root' : 'other', a.ident.slice(1));
      case 'chain':
        return this.fields(this.arg(a.node, dot), a.field);
      case 'pipe':
        return this.pipe(a, dot);
      case 'identifier':
      case 'nil':
      case 'bool':
      case 'number':
      case 'string':
        return 'other';
      default:
        throw new ReachesAll();
    }
  }

  /** The command's value; `piped` is the previous command's value, passed as the last argument. */
  private command(c: CommandNode, dot: Val, piped: Val | null): Val {
    const [head, ...rest] = c.args;
    if (!head) throw new ReachesAll();
    if (piped !== null) this.sink(piped);
    if (head.kind === 'identifier') {
      let args = rest;
      if (head.ident === 'index' && rest.length >= 2 && rest[1]!.kind === 'string' && this.arg(rest[0]!, dot) === 'deps') {
        this.names.add(rest[1].text);
        args = rest.slice(2);
      }
      for (const a of args) this.sink(this.arg(a, dot));
      return 'other';
    }
    for (const a of rest) this.sink(this.arg(a, dot));
    const v = this.arg(head, dot);
    // A field or value given arguments is a (failing) method call: not a plain lookup.
    if (rest.length > 0 || piped !== null) this.sink(v);
    return v;
  }

  private pipe(p: PipeNode, dot: Val): Val {
    let v: Val | null = null;
    for (const c of p.cmds) v = this.command(c, dot, v);
    if (v === null) throw new ReachesAll();
    if (p.decl.length > 0) this.sink(v);
    return v;
  }

  list(l: ListNode | null, dot: Val): void {
    if (!l) return;
    for (const n of l.nodes) this.node(n, dot);
  }

  private node(n: Node, dot: Val): void {
    switch (n.kind) {
      case 'text':
      case 'comment':
      case 'break':
      case 'continue':
        return;
      case 'list':
        return this.list(n, dot);
      case 'action':
        return this.sink(this.pipe(n.pipe, dot));
      case 'if':
      case 'range':
      case 'with': {
        const v = this.pipe(n.pipe, dot);
        this.sink(v);
        this.list(n.list, n.kind === 'if' ? dot : 'other');
        this.list(n.elseList, dot);
        return;
      }
      default:
        throw new ReachesAll();
    }
  }
}

/** The dependency names `root` can read (first use first), or 'all'. */
export function goReferencedDependencies(root: ListNode): string[] | 'all' {
  const a = new Analysis();
  try {
    a.list(root, 'root');
  } catch (e) {
    // Too deep to follow (the parser's own limit is checked first): assume the worst.
    if (e instanceof ReachesAll || e instanceof RangeError) return 'all';
    throw e;
  }
  return [...a.names];
}
