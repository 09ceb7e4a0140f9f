/**
 * Parser for Go text/template, following Go 1.19's parse package closely enough that the same
 * templates are rejected with the same messages ("template: prompt:LINE: reason"), including
 * undefined functions in dead branches and undefined variables. `define`, `template` and
 * `block` are outside the supported language and are rejected with a clear message.
 */
import type {
  ArgNode,
  BranchNode,
  ChainNode,
  CommandNode,
  ElseNode,
  EndNode,
  ListNode,
  Node,
  PipeNode,
  VariableNode,
} from './ast.js';
import { nodeString } from './ast.js';
import { Item, itemString, lex, T } from './lexer.js';
import { NumberError, newNumber } from './number.js';
import { SyntaxError_, unquote, wellFormed } from './strconv.js';

export const BUILTIN_NAMES = new Set([
  'and',
  'call',
  'html',
  'index',
  'slice',
  'js',
  'len',
  'not',
  'or',
  'print',
  'printf',
  'println',
  'urlquery',
  'eq',
  'ge',
  'gt',
  'le',
  'lt',
  'ne',
]);

/** A parse failure; `line` is Go's reported line, `pos` the offending offset when known. */
export class GoParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly pos: number,
  ) {
    super(message);
  }
}

/** The template nests deeper than the depth limit; `line` is where. */
export class GoDepthError extends GoParseError {}

export interface ParsedTemplate {
  name: string;
  text: string;
  root: ListNode;
  /** Every node by id (ids are dense). */
  nodes: Node[];
  /** Deepest nesting of blocks and pipelines (see Parser.enter). */
  depth: number;
}

type WithoutId<N> = N extends unknown ? Omit<N, 'id'> : never;

const ZERO_ITEM: Item = { typ: T.Error, pos: 0, val: '', line: 0 };

class Parser {
  private items: Item[];
  private idx = 0;
  private token: [Item, Item, Item] = [ZERO_ITEM, ZERO_ITEM, ZERO_ITEM];
  private peekCount = 0;
  private vars: string[] = ['$'];
  private actionLine = 0;
  private rangeDepth = 0;
  private depth = 0;
  deepest = 0;
  readonly nodes: Node[] = [];

  constructor(
    readonly name: string,
    readonly text: string,
    private readonly maxDepth: number,
  ) {
    this.items = lex(text);
  }

  /**
   * One more level of nesting: a block's body or a pipeline (an action's, or a parenthesised
   * one). Checked as the parser descends, so the recursion here and in every later pass over
   * the tree (compiling, evaluating) stays bounded.
   */
  private enter(): void {
    if (++this.depth > this.maxDepth) {
      const line = this.token[0].line;
      throw new GoDepthError(`template: ${this.name}:${line}`, line, this.token[0].pos);
    }
    if (this.depth > this.deepest) this.deepest = this.depth;
  }

  private leave(): void {
    this.depth--;
  }

  private mk<N extends Node>(n: WithoutId<N>): N {
    const node = { ...n, id: this.nodes.length } as unknown as N;
    this.nodes.push(node);
    return node;
  }

  private lexNext(): Item {
    const it = this.items[this.idx];
    if (it === undefined) return ZERO_ITEM;
    this.idx++;
    return it;
  }

  private next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.lexNext();
    return this.token[this.peekCount]!;
  }
  private backup(): void {
    this.peekCount++;
  }
  private backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }
  private backup3(t2: Item, t1: Item): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }
  private peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1]!;
    this.peekCount = 1;
    this.token[0] = this.lexNext();
    return this.token[0];
  }
  private nextNonSpace(): Item {
    let t: Item;
    do t = this.next();
    while (t.typ === T.Space);
    return t;
  }
  private peekNonSpace(): Item {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  errorf(msg: string, pos?: number): never {
    const line = this.token[0].line;
    throw new GoParseError(`template: ${this.name}:${line}: ${msg}`, line, pos ?? this.token[0].pos);
  }

  private expect(expected: T, context: string): Item {
    const t = this.nextNonSpace();
    if (t.typ !== expected) this.unexpected(t, context);
    return t;
  }

  private unexpected(token: Item, context: string): never {
    if (token.typ === T.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.name}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${itemString(token)}${extra}`, token.pos);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`, token.pos);
  }

  parse(): ListNode {
    const root = this.mk<ListNode>({ kind: 'list', pos: this.peek().pos, nodes: [] });
    while (this.peek().typ !== T.EOF) {
      if (this.peek().typ === T.LeftDelim) {
        const delim = this.next();
        const t = this.nextNonSpace();
        if (t.typ === T.Define) this.errorf('{{define}} is not supported in prompt templates', t.pos);
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') this.errorf(`unexpected ${nodeString(n)}`, n.pos);
      root.nodes.push(n);
    }
    return root;
  }

  private itemList(): [ListNode, Node] {
    const list = this.mk<ListNode>({ kind: 'list', pos: this.peekNonSpace().pos, nodes: [] });
    while (this.peekNonSpace().typ !== T.EOF) {
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case T.Text:
        return this.mk({ kind: 'text', pos: token.pos, text: token.val });
      case T.LeftDelim: {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      case T.Comment:
        return this.mk({ kind: 'comment', pos: token.pos, text: token.val });
      default:
        this.unexpected(token, 'input');
    }
  }

  private action(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case T.Block:
        this.errorf('{{block}} is not supported in prompt templates', token.pos);
      // eslint-disable-next-line no-fallthrough
      case T.Break:
        return this.breakControl(token);
      case T.Continue:
        return this.continueControl(token);
      case T.Else:
        return this.elseControl();
      case T.End:
        return this.endControl();
      case T.If:
        return this.branch('if', true);
      case T.Range:
        return this.branch('range', false);
      case T.Template:
        this.errorf('{{template}} is not supported in prompt templates', token.pos);
      // eslint-disable-next-line no-fallthrough
      case T.With:
        return this.branch('with', false);
    }
    this.backup();
    const t = this.peek();
    const pipe = this.pipeline('command', T.RightDelim);
    return this.mk({ kind: 'action', pos: t.pos, line: t.line, pipe });
  }

  private breakControl(tok: Item): Node {
    const t = this.nextNonSpace();
    if (t.typ !== T.RightDelim) this.unexpected(t, '{{break}}');
    if (this.rangeDepth === 0) this.errorf('{{break}} outside {{range}}', tok.pos);
    return this.mk({ kind: 'break', pos: tok.pos });
  }

  private continueControl(tok: Item): Node {
    const t = this.nextNonSpace();
    if (t.typ !== T.RightDelim) this.unexpected(t, '{{continue}}');
    if (this.rangeDepth === 0) this.errorf('{{continue}} outside {{range}}', tok.pos);
    return this.mk({ kind: 'continue', pos: tok.pos });
  }

  private pipeline(context: string, end: T): PipeNode {
    this.enter();
    try {
      return this.pipelineBody(context, end);
    } finally {
      this.leave();
    }
  }

  private pipelineBody(context: string, end: T): PipeNode {
    const token = this.peekNonSpace();
    const pipe = this.mk<PipeNode>({ kind: 'pipe', pos: token.pos, line: token.line, isAssign: false, decl: [], cmds: [] });
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ === T.Variable) {
        this.next();
        const tokenAfterVariable = this.peek();
        const next = this.peekNonSpace();
        if (next.typ === T.Assign || next.typ === T.Declare) {
          pipe.isAssign = next.typ === T.Assign;
          this.nextNonSpace();
          pipe.decl.push(this.newVariable(v.pos, v.val));
          this.vars.push(v.val);
        } else if (next.typ === T.Char && next.val === ',') {
          this.nextNonSpace();
          pipe.decl.push(this.newVariable(v.pos, v.val));
          this.vars.push(v.val);
          if (context === 'range' && pipe.decl.length < 2) {
            const p = this.peekNonSpace().typ;
            if (p === T.Variable || p === T.RightDelim || p === T.RightParen) continue decls;
            this.errorf('range can only initialize variables');
          }
          this.errorf(`too many declarations in ${context}`);
        } else if (tokenAfterVariable.typ === T.Space) {
          this.backup3(v, tokenAfterVariable);
        } else {
          this.backup2(v);
        }
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      switch (token.typ) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case T.Bool:
        case T.CharConstant:
        case T.Complex:
        case T.Dot:
        case T.Field:
        case T.Identifier:
        case T.Number:
        case T.Nil:
        case T.RawString:
        case T.String:
        case T.Variable:
        case T.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    for (let i = 1; i < pipe.cmds.length; i++) {
      const k = pipe.cmds[i]!.args[0]!.kind;
      if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 1}`);
      }
    }
  }

  private branch(kind: 'if' | 'range' | 'with', allowElseIf: boolean): BranchNode {
    const mark = this.vars.length;
    this.enter();
    try {
      const pipe = this.pipeline(kind, T.RightDelim);
      if (kind === 'range') this.rangeDepth++;
      let [list, next] = this.itemList();
      if (kind === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.kind === 'else') {
        if (allowElseIf && this.peek().typ === T.If) {
          this.next();
          elseList = this.mk<ListNode>({ kind: 'list', pos: next.pos, nodes: [] });
          elseList.nodes.push(this.branch('if', true));
        } else {
          [elseList, next] = this.itemList();
          if (next.kind !== 'end') this.errorf(`expected end; found ${nodeString(next)}`, next.pos);
        }
      }
      return this.mk<BranchNode>({ kind, pos: pipe.pos, line: pipe.line, pipe, list, elseList });
    } finally {
      this.vars.length = mark;
      this.leave();
    }
  }

  private endControl(): EndNode {
    return this.mk({ kind: 'end', pos: this.expect(T.RightDelim, 'end').pos });
  }

  private elseControl(): ElseNode {
    const peek = this.peekNonSpace();
    if (peek.typ === T.If) return this.mk({ kind: 'else', pos: peek.pos, line: peek.line });
    const t = this.expect(T.RightDelim, 'else');
    return this.mk({ kind: 'else', pos: t.pos, line: t.line });
  }

  private command(): CommandNode {
    const cmd = this.mk<CommandNode>({ kind: 'command', pos: this.peekNonSpace().pos, args: [] });
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const token = this.next();
      if (token.typ === T.Space) continue;
      if (token.typ === T.RightDelim || token.typ === T.RightParen) this.backup();
      else if (token.typ !== T.Pipe) this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | null {
    let node = this.term();
    if (!node) return null;
    if (this.peek().typ === T.Field) {
      const chain = this.mk<ChainNode>({ kind: 'chain', pos: this.peek().pos, node, field: [] });
      while (this.peek().typ === T.Field) chain.field.push(this.next().val.slice(1));
      switch (node.kind) {
        case 'field':
          node = this.mk({ kind: 'field', pos: chain.pos, ident: nodeString(chain).slice(1).split('.') });
          break;
        case 'variable':
          node = this.newVariable(chain.pos, nodeString(chain));
          break;
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
        // eslint-disable-next-line no-fallthrough
        default:
          node = chain;
      }
    }
    return node;
  }

  private term(): ArgNode | null {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case T.Identifier:
        if (!BUILTIN_NAMES.has(token.val)) this.errorf(`function ${goQuote(token.val)} not defined`, token.pos);
        return this.mk({ kind: 'identifier', pos: token.pos, ident: token.val });
      case T.Dot:
        return this.mk({ kind: 'dot', pos: token.pos });
      case T.Nil:
        return this.mk({ kind: 'nil', pos: token.pos });
      case T.Variable:
        return this.useVar(token.pos, token.val);
      case T.Field:
        return this.mk({ kind: 'field', pos: token.pos, ident: token.val.slice(1).split('.') });
      case T.Bool:
        return this.mk({ kind: 'bool', pos: token.pos, value: token.val === 'true' });
      case T.CharConstant:
      case T.Complex:
      case T.Number: {
        try {
          const num = newNumber(token.val, token.typ === T.CharConstant ? 'char' : token.typ === T.Complex ? 'complex' : 'number');
          return this.mk({ kind: 'number', pos: token.pos, num });
        } catch (e) {
          if (e instanceof NumberError) this.errorf(e.message, token.pos);
          throw e;
        }
      }
      case T.LeftParen:
        return this.pipeline('parenthesized pipeline', T.RightParen);
      case T.String:
      case T.RawString: {
        let text: string;
        try {
          text = unquote(token.val);
        } catch (e) {
          if (e instanceof SyntaxError_) this.errorf('invalid syntax', token.pos);
          throw e;
        }
        return this.mk({ kind: 'string', pos: token.pos, quoted: token.val, text });
      }
    }
    this.backup();
    return null;
  }

  private newVariable(pos: number, ident: string): VariableNode {
    return this.mk({ kind: 'variable', pos, ident: ident.split('.') });
  }

  private useVar(pos: number, name: string): VariableNode {
    const v = this.newVariable(pos, name);
    if (this.vars.includes(v.ident[0]!)) return v;
    this.errorf(`undefined variable ${goQuote(v.ident[0]!)}`, pos);
  }
}

/** %q of an identifier-ish string (ASCII or letters; quoting only needs escapes for " and \). */
function goQuote(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/** Parse; throws GoParseError (GoDepthError beyond `maxDepth` levels of nesting). */
export function parseGo(source: string, name = 'prompt', maxDepth = Infinity): ParsedTemplate {
  // Go reads the template as UTF-8 bytes; unpaired surrogates have no UTF-8 form (same length).
  const text = wellFormed(source);
  const p = new Parser(name, text, maxDepth);
  const root = p.parse();
  return { name, text, root, nodes: p.nodes, depth: p.deepest };
}
