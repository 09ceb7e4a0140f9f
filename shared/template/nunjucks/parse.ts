/**
 * nunjucks's parser under the depth limit. It recurses once per nested block, parenthesised
 * (or bracketed) expression and prefix operator, so each of those is a level, checked as the
 * parser descends. The tree it built is then measured without recursion, the way the later
 * passes (sandbox, compiler) will walk it: a chain of `~`, `+`, `or` or `and` is one level,
 * since the sandbox flattens those (sandbox.ts); every other expression node is one more.
 */
import { lexer, nodes, NjkNode, NjkNodeList, parser } from './internals.js';

/** Deeper than the limit; 0-based position of where it happened. */
export class DepthExceeded extends Error {
  constructor(
    readonly lineno: number,
    readonly colno: number,
  ) {
    super('template nests deeper than the depth limit');
  }
}

class DepthParser extends parser.Parser {
  private depth = 0;
  deepest = 0;

  constructor(
    tokens: unknown,
    private readonly maxDepth: number,
  ) {
    super(tokens);
    this.extensions = [];
  }

  private nest<T>(parse: () => T): T {
    if (++this.depth > this.maxDepth) {
      const t = this.peekToken();
      throw new DepthExceeded(t?.lineno ?? 0, t?.colno ?? 0);
    }
    if (this.depth > this.deepest) this.deepest = this.depth;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  override parseExpression(): NjkNode {
    return this.nest(() => super.parseExpression());
  }

  override parseStatement(): NjkNode | null {
    // An if statement is counted by parseIf, which also recurses for each elif.
    const tok = this.peekToken();
    if (tok?.value === 'if' || tok?.value === 'ifAsync') return super.parseStatement();
    return this.nest(() => super.parseStatement());
  }

  override parseIf(): NjkNode {
    return this.nest(() => super.parseIf());
  }

  // The two below are nunjucks's own, with the recursive branch counted.
  override parseNot(): NjkNode {
    const tok = this.peekToken();
    if (this.skipSymbol('not')) return this.nest(() => new nodes.Not(tok.lineno, tok.colno, this.parseNot()));
    return this.parseIn();
  }

  override parseUnary(noFilters?: boolean): NjkNode {
    const tok = this.peekToken();
    let node: NjkNode;
    if (this.skipValue(lexer.TOKEN_OPERATOR, '-')) node = this.nest(() => new nodes.Neg(tok.lineno, tok.colno, this.parseUnary(true)));
    else if (this.skipValue(lexer.TOKEN_OPERATOR, '+')) node = this.nest(() => new nodes.Pos(tok.lineno, tok.colno, this.parseUnary(true)));
    else node = this.parsePrimary();
    if (!noFilters) node = this.parseFilter(node);
    return node;
  }
}

/** Operators whose left-nested chains the sandbox flattens. */
export const CHAINS = new Set(['Or', 'And', 'Concat', 'Add']);

/** Nodes that only group others: no level of their own. */
const STRUCTURAL = new Set(['Root', 'NodeList', 'Output', 'KeywordArgs', 'Pair', 'CompareOperand', 'Capture', 'TemplateData', 'Literal', 'Symbol']);

function isNode(v: unknown): v is NjkNode {
  return typeof v === 'object' && v !== null && typeof (v as NjkNode).typename === 'string';
}

/** Nesting depth of the tree, walked with an explicit stack; throws DepthExceeded past `max`. */
function treeDepth(root: NjkNode, max: number): number {
  const stack: [NjkNode, number][] = [[root, 0]];
  let deepest = 0;
  while (stack.length > 0) {
    const [n, base] = stack.pop()!;
    const depth = base + (STRUCTURAL.has(n.typename) ? 0 : 1);
    if (depth > max) throw new DepthExceeded(n.lineno, n.colno);
    if (depth > deepest) deepest = depth;
    for (const f of Array.isArray(n.fields) ? n.fields : []) {
      const v = n[f];
      const children = Array.isArray(v) ? v : [v];
      for (const c of children) {
        if (!isNode(c)) continue;
        // The left operand of a chain continues the chain: same level.
        const chained = f === 'left' && c.typename === n.typename && CHAINS.has(n.typename);
        stack.push([c, chained ? base : depth]);
      }
    }
  }
  return deepest;
}

export interface ParsedNunjucks {
  ast: NjkNodeList;
  /** The deeper of the parser's recursion and the tree's nesting. */
  depth: number;
}

/** Parse; throws nunjucks's own errors for bad syntax, DepthExceeded past `maxDepth`. */
export function parseNunjucks(text: string, maxDepth: number): ParsedNunjucks {
  const p = new DepthParser(lexer.lex(text, {}), maxDepth);
  const ast = p.parseAsRoot();
  return { ast, depth: Math.max(p.deepest, treeDepth(ast, maxDepth)) };
}
