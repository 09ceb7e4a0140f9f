/**
 * The native nunjucks dialect's sandbox, applied to the parsed template before nunjucks
 * compiles it to JavaScript:
 *
 *  - only known node types are accepted (no include/extends/import, no extensions, no regex
 *    literals), and every name that nunjucks pastes into generated code (variables, filters,
 *    tests, blocks, macro arguments) must be a plain identifier — nunjucks does not escape
 *    those, so anything else could break out of its generated JavaScript;
 *  - names that lead to JavaScript internals (constructor, __proto__, prototype, process,
 *    Object.prototype members, ...) are refused statically;
 *  - every member access `a.b` / `a[b]` goes through `__lk`, which refuses the same names at
 *    run time and hands out only an allowlist of side-effect-free string/array methods;
 *  - loops and macro bodies report to the render budget (`__tk`, `__mc`/`__mx`, which also
 *    bound macro recursion), and every `{{ }}` output is measured (`__out`), so time, output
 *    and depth limits hold;
 *  - everything that builds strings or arrays goes through the runtime, which bounds it:
 *    `~` and `+` (`__cat`, `__add`; their left-nested chains flattened into one call),
 *    array literals (`__arr`), `{% set %}` captures (`__val`). Chains of `or`/`and` are
 *    rebalanced, so long ones do not nest the compiled code.
 */
import { TemplateError } from '../errors.js';
import { nodes, NjkNode, NjkNodeList } from './internals.js';
import { CHAINS } from './parse.js';

/** Reserved for the runtime: user templates may not use names starting with "__". */
export const RESERVED_PREFIX = '__';

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Property and variable names that lead to JavaScript internals, refused everywhere. */
const DENIED = new Set([
  'constructor',
  'prototype',
  'callee',
  'arguments',
  'apply',
  'call',
  'bind',
  'process',
  'global',
  'globalThis',
  'require',
  'module',
  'exports',
  'Function',
  'eval',
  'this',
  'self',
  'window',
  'import',
]);

export function deniedName(name: string): boolean {
  return name.startsWith(RESERVED_PREFIX) || DENIED.has(name) || name in Object.prototype;
}

/** Methods `__lk` hands out, by receiver kind. All are pure and linear in their input. */
export const STRING_METHODS = new Set([
  'toUpperCase',
  'toLowerCase',
  'trim',
  'trimStart',
  'trimEnd',
  'startsWith',
  'endsWith',
  'includes',
  'indexOf',
  'lastIndexOf',
  'slice',
  'substring',
  'charAt',
  'split',
  'replace',
  'replaceAll',
  'concat',
  'at',
]);
export const ARRAY_METHODS = new Set(['join', 'slice', 'indexOf', 'lastIndexOf', 'includes', 'concat', 'at']);
export const CYCLER_METHODS = new Set(['next', 'reset']);

const ALLOWED_NODES = new Set([
  'Root',
  'NodeList',
  'Output',
  'TemplateData',
  'Literal',
  'Symbol',
  'Group',
  'Array',
  'Pair',
  'Dict',
  'LookupVal',
  'If',
  'IfAsync',
  'InlineIf',
  'For',
  'AsyncEach',
  'AsyncAll',
  'Macro',
  'Caller',
  'FunCall',
  'Filter',
  'KeywordArgs',
  'Set',
  'Switch',
  'Case',
  'Capture',
  'Not',
  'Neg',
  'Pos',
  'In',
  'Is',
  'Or',
  'And',
  'Add',
  'Concat',
  'Sub',
  'Mul',
  'Div',
  'FloorDiv',
  'Mod',
  'Pow',
  'Compare',
  'CompareOperand',
  'Block',
]);

const FRIENDLY: Record<string, string> = {
  Include: '{% include %}',
  Extends: '{% extends %}',
  Import: '{% import %}',
  FromImport: '{% from ... import %}',
  Super: 'super()',
  CallExtension: 'extension tags',
  CallExtensionAsync: 'extension tags',
  FilterAsync: 'async filters',
};

export interface SandboxOptions {
  filters: Set<string>;
  tests: Set<string>;
}

function fail(n: NjkNode, msg: string): never {
  throw new TemplateError(`template: prompt:${n.lineno + 1}:${n.colno + 1}: ${msg}`, 'parse', {
    line: n.lineno + 1,
    column: n.colno,
  });
}

function call(n: NjkNode, fn: string, args: NjkNode[]): NjkNode {
  const list = new nodes.NodeList(n.lineno, n.colno, args);
  return new nodes.FunCall(n.lineno, n.colno, new nodes.Symbol(n.lineno, n.colno, fn), list);
}

/** The operands of a left-nested chain of `n`'s operator, collected without recursion. */
function chainOperands(n: NjkNode): NjkNode[] {
  const right: NjkNode[] = [];
  let x = n;
  while (x.typename === n.typename) {
    right.push(x.right as NjkNode);
    x = x.left as NjkNode;
  }
  right.push(x);
  return right.reverse();
}

/** `or`/`and` over operands as a balanced tree: same value (both are associative), log depth. */
function balanced(kind: 'Or' | 'And', ops: NjkNode[], lo: number, hi: number): NjkNode {
  if (hi - lo === 1) return ops[lo]!;
  const mid = (lo + hi) >> 1;
  const first = ops[lo]!;
  return new nodes[kind](first.lineno, first.colno, balanced(kind, ops, lo, mid), balanced(kind, ops, mid, hi));
}

class Sandboxer {
  constructor(private readonly opts: SandboxOptions) {}

  private chain(n: NjkNode): NjkNode {
    const ops = chainOperands(n).map((c) => this.visit(c));
    if (n.typename === 'Or' || n.typename === 'And') return balanced(n.typename, ops, 0, ops.length);
    const fn = n.typename === 'Concat' ? '__cat' : '__add';
    if (ops.length === 2) return call(n, fn, ops);
    return call(n, `${fn}s`, [new nodes.Array(n.lineno, n.colno, ops)]);
  }

  /** A name nunjucks pastes into generated code as a declared/looked-up variable. */
  private variableName(n: NjkNode, what: string): void {
    if (n.typename !== 'Symbol') fail(n, `${what} must be a plain name`);
    const name = String(n.value);
    if (!IDENT.test(name)) fail(n, `invalid name ${JSON.stringify(name)}`);
    if (deniedName(name)) fail(n, `access to "${name}" is not allowed in templates`);
  }

  /** Validate and rewrite; returns the node to put in place of `n`. */
  visit(n: NjkNode): NjkNode {
    if (!ALLOWED_NODES.has(n.typename)) {
      fail(n, `${FRIENDLY[n.typename] ?? n.typename} is not allowed in prompt templates`);
    }
    if (CHAINS.has(n.typename)) return this.chain(n);
    switch (n.typename) {
      case 'Symbol':
        this.variableName(n, 'a variable');
        return n;
      case 'Array': {
        const list = n as NjkNodeList;
        list.children = list.children.map((c) => this.visit(c));
        return call(n, '__arr', [n]);
      }
      case 'Literal':
        if (n.value instanceof RegExp) fail(n, 'regular expressions are not allowed in templates');
        return n;
      case 'TemplateData':
        return n;
      case 'LookupVal': {
        const target = this.visit(n.target as NjkNode);
        const val = n.val as NjkNode;
        if (val.typename === 'Literal' && typeof val.value === 'string' && deniedName(val.value)) {
          fail(val, `access to "${val.value}" is not allowed in templates`);
        }
        return call(n, '__lk', [target, this.visit(val)]);
      }
      case 'Filter': {
        const name = n.name as NjkNode;
        if (name.typename !== 'Symbol' || !IDENT.test(String(name.value)) || !this.opts.filters.has(String(name.value))) {
          fail(name, `unknown filter ${JSON.stringify(String(name.value))}`);
        }
        n.args = this.visit(n.args as NjkNode);
        return n;
      }
      case 'FunCall': {
        // nunjucks pastes the callee's literal text into generated code: only expressions.
        let callee = n.name as NjkNode;
        while (callee.typename === 'FunCall') callee = callee.name as NjkNode;
        if (callee.typename === 'Literal' || callee.typename === 'TemplateData') fail(n, 'only functions can be called');
        n.name = this.visit(n.name as NjkNode);
        n.args = this.visit(n.args as NjkNode);
        return n;
      }
      case 'Is': {
        n.left = this.visit(n.left as NjkNode);
        const right = n.right as NjkNode;
        const test = right.typename === 'FunCall' ? (right.name as NjkNode) : right;
        if (test.typename !== 'Symbol' || !IDENT.test(String(test.value)) || !this.opts.tests.has(String(test.value))) {
          fail(right, `unknown test ${JSON.stringify(String(test.value))}`);
        }
        if (right.typename === 'FunCall') right.args = this.visit(right.args as NjkNode);
        return n;
      }
      case 'Pair': {
        // Dict keys are names or string literals; nunjucks compiles both as escaped strings.
        const key = n.key as NjkNode;
        if (key.typename === 'Symbol' && !IDENT.test(String(key.value))) fail(key, 'invalid key');
        if (key.typename !== 'Symbol' && !(key.typename === 'Literal' && typeof key.value === 'string')) fail(key, 'invalid key');
        const k = String(key.value);
        if (k === '__proto__') fail(key, 'access to "__proto__" is not allowed in templates');
        n.value = this.visit(n.value as NjkNode);
        return n;
      }
      case 'For':
      case 'AsyncEach':
      case 'AsyncAll': {
        const name = n.name as NjkNode;
        if (name.typename === 'Array') for (const c of (name as NjkNodeList).children) this.variableName(c, 'a loop variable');
        else this.variableName(name, 'a loop variable');
        n.arr = this.visit(n.arr as NjkNode);
        n.body = this.withTick(this.visit(n.body as NjkNode) as NjkNodeList);
        if (n.else_) n.else_ = this.visit(n.else_ as NjkNode);
        return n;
      }
      case 'Macro':
      case 'Caller': {
        this.variableName(n.name as NjkNode, 'a macro name');
        for (const a of (n.args as NjkNodeList).children) {
          if (a.typename === 'KeywordArgs') {
            for (const p of (a as NjkNodeList).children) {
              this.variableName(p.key as NjkNode, 'a macro argument');
              p.value = this.visit(p.value as NjkNode);
            }
          } else this.variableName(a, 'a macro argument');
        }
        n.body = this.withCallAccounting(this.visit(n.body as NjkNode) as NjkNodeList);
        return n;
      }
      case 'Set': {
        for (const t of (n.targets as NjkNodeList[] | NjkNode[])) this.variableName(t, 'an assignment target');
        if (n.value) n.value = this.visit(n.value as NjkNode);
        else if (n.body) {
          // A capture becomes a value like any other: __val accounts for the captured text.
          n.value = call(n, '__val', [this.visit(n.body as NjkNode)]);
          n.body = null;
        }
        return n;
      }
      case 'Block':
        this.variableName(n.name as NjkNode, 'a block name');
        n.body = this.visit(n.body as NjkNode);
        return n;
      case 'Output': {
        const out = n as NjkNodeList;
        out.children = out.children.map((c) => (c.typename === 'TemplateData' ? c : call(c, '__out', [this.visit(c)])));
        return n;
      }
    }
    // Generic: visit every child node (NodeList's children are its 'children' field).
    for (const f of n.fields) {
      const v = n[f];
      if (Array.isArray(v)) n[f] = v.map((c: NjkNode) => this.visit(c));
      else if (v && typeof v === 'object' && typeof (v as NjkNode).typename === 'string') n[f] = this.visit(v as NjkNode);
    }
    return n;
  }

  /** Prepend a budget tick to a loop body; it also accounts for the body's literal text. */
  private withTick(body: NjkNodeList): NjkNodeList {
    body.children.unshift(this.report(body, '__tk'));
    return body;
  }

  /** A macro body: the call is counted (depth, time, literal text) at the start, ended at the end. */
  private withCallAccounting(body: NjkNodeList): NjkNodeList {
    body.children.unshift(this.report(body, '__mc'));
    body.children.push(new nodes.Output(body.lineno, body.colno, [call(body, '__mx', [])]));
    return body;
  }

  private report(body: NjkNodeList, fn: string): NjkNode {
    let text = 0;
    for (const c of body.children) {
      if (c.typename !== 'Output') continue;
      for (const d of (c as NjkNodeList).children) if (d.typename === 'TemplateData') text += String(d.value ?? '').length;
    }
    return new nodes.Output(body.lineno, body.colno, [call(body, fn, [new nodes.Literal(body.lineno, body.colno, text)])]);
  }
}

/** Validate a parsed template and rewrite it for the sandboxed runtime (in place). */
export function sandbox(ast: NjkNodeList, opts: SandboxOptions): NjkNodeList {
  return new Sandboxer(opts).visit(ast) as NjkNodeList;
}
