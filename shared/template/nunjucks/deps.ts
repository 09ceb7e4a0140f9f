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

/** Adds the names a node's Deps lookups name; throws ReachesAll. Children are returned. */
function visitNode(n: NjkNode, names: Set<string>): unknown[] {
  if (n.typename === 'Literal') return [];
  if (n.typename === 'LookupVal') {
    const target = n['target'];
    const val = n['val'];
    if (isNode(target) && target.typename === 'Symbol' && target['value'] === DEPS) {
      if (isNode(val) && val.typename === 'Literal' && typeof val['value'] === 'string') {
        names.add(val['value']);
        return [];
      }
      throw new ReachesAll();
    }
  }
  // Every node class lists its child slots in `fields` (NodeList: children).
  return (Array.isArray(n.fields) ? n.fields : []).map((f) => n[f]);
}

/** The dependency names the parsed template can read (first use first), or 'all'. */
export function nunjucksReferencedDependencies(root: NjkNode): string[] | 'all' {
  const names = new Set<string>();
  // An explicit stack, in reverse so names come out first use first: chains of `~` or `+` nest
  // the tree as deep as they are long.
  const stack: unknown[] = [root];
  try {
    while (stack.length > 0) {
      const v = stack.pop();
      if (v === DEPS) throw new ReachesAll(); // a Symbol named Deps, or any name field spelling it
      const children = Array.isArray(v) ? v : isNode(v) ? visitNode(v, names) : [];
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
  } catch (e) {
    if (e instanceof ReachesAll) return 'all';
    throw e;
  }
  return [...names];
}
