/**
 * Which dependencies a nunjucks template can read: `Deps["name"]` and `Deps.name` with a
 * string literal name its dependency; any other appearance of the name `Deps` (printed,
 * iterated, assigned, shadowed, indexed with a computed key, passed to a filter…) gives 'all'.
 */
import type { NjkNode } from './internals.js';

const DEPS = 'Deps';

class ReachesAll extends Error {}

function isNode(v: unknown): v is NjkNode {
  return typeof v === 'object' && v !== null && typeof (v as NjkNode).typename === 'string';
}

function walk(n: NjkNode, names: Set<string>): void {
  if (n.typename === 'Literal') return;
  if (n.typename === 'LookupVal') {
    const target = n['target'];
    const val = n['val'];
    if (isNode(target) && target.typename === 'Symbol' && target['value'] === DEPS) {
      if (isNode(val) && val.typename === 'Literal' && typeof val['value'] === 'string') {
        names.add(val['value']);
        return;
      }
      throw new ReachesAll();
    }
  }
  // Every node class lists its child slots in `fields` (NodeList: children).
  for (const f of Array.isArray(n.fields) ? n.fields : []) visit(n[f], names);
}

function visit(v: unknown, names: Set<string>): void {
  if (v === DEPS) throw new ReachesAll(); // a Symbol named Deps, or any name field spelling it
  if (Array.isArray(v)) for (const x of v) visit(x, names);
  else if (isNode(v)) walk(v, names);
}

/** The dependency names the parsed template can read (first use first), or 'all'. */
export function nunjucksReferencedDependencies(root: NjkNode): string[] | 'all' {
  const names = new Set<string>();
  try {
    visit(root, names);
  } catch (e) {
    if (e instanceof ReachesAll || e instanceof RangeError) return 'all';
    throw e;
  }
  return [...names];
}
