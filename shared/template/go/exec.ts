/**
 * Evaluation of pipelines, mirroring Go 1.19 text/template's exec.go step by step: which node
 * is "current" when an error happens decides the message ("executing "prompt" at <...>"), and
 * the order of argument evaluation decides which error wins, so both follow Go.
 * Control flow (if/range/with, text, output) lives in the generated nunjucks template; it calls
 * into this module through the runtime in runtime.ts.
 */
import type { Budget } from '../budget.js';
import { TemplateError } from '../errors.js';
import type { ArgNode, ChainNode, CommandNode, FieldNode, IdentifierNode, Node, NumberNode, PipeNode, VariableNode } from './ast.js';
import { nodeString } from './ast.js';
import { callBuiltin, BuiltinError, BUILTINS, ParamType } from './builtins.js';
import { printOne, sprint } from './fmt.js';
import { quote, utf8Len } from './strconv.js';
import { GoComplex, GoMap, GoValue, Iface, NIL_IFACE, truth, typeName } from './values.js';
import { toFmtArg } from './fmt.js';

/** The "no final argument" marker (Go's missingVal). */
export const MISSING: unique symbol = Symbol('missing');
type Final = GoValue | typeof MISSING;

/** An execution error; `message` is Go's text. */
export class GoExecError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

/** Compile-time facts the evaluator needs about variables. */
export interface VarInfo {
  /** Slot of each variable use / assignment target, by node id; -1 = not declared at run time. */
  slotOf: Map<number, number>;
}

export class Exec {
  node: Node | null = null;

  constructor(
    readonly name: string,
    readonly text: string,
    readonly info: VarInfo,
    /** Variable slots; slot 0 is `$`. Shared with the runtime's fast paths. */
    readonly vars: GoValue[],
    readonly budget: Budget,
  ) {}

  at(n: Node): void {
    this.node = n;
  }

  errorf(msg: string): never {
    if (this.node === null) throw new GoExecError(`template: ${this.name}: ${msg}`, 0, 0);
    const [line, col] = location(this.text, this.node.pos);
    throw new GoExecError(`${this.context(line, col)}: ${msg}`, line, col);
  }

  /** A breached limit, placed like Go places an execution error. */
  limitf(e: TemplateError): never {
    if (this.node === null || e.message.startsWith('template: ')) throw e;
    const [line, col] = location(this.text, this.node.pos);
    throw new TemplateError(`${this.context(line, col)}: ${e.message}`, 'limit', { cause: e, line, column: col });
  }

  private context(line: number, col: number): string {
    return `template: ${this.name}:${line}:${col}: executing ${quote(this.name)} at <${nodeString(this.node!)}>`;
  }

  // ---- pipelines and commands ----

  evalPipeline(dot: GoValue, pipe: PipeNode): GoValue {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      if (value instanceof Iface) value = value.v === null ? undefined : value.v;
    }
    const v = value as GoValue;
    for (const d of pipe.decl) {
      const slot = this.info.slotOf.get(d.id) ?? -1;
      if (slot < 0) this.errorf(`undefined variable: ${d.ident[0]}`);
      this.vars[slot] = v;
    }
    return v;
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  evalCommand(dot: GoValue, cmd: CommandNode, final: Final): GoValue {
    const first = cmd.args[0]!;
    switch (first.kind) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      // eslint-disable-next-line no-fallthrough
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  idealConstant(c: NumberNode): GoValue {
    this.at(c);
    const n = c.num;
    if (n.isComplex) return new GoComplex(n.complex[0], n.complex[1]);
    if (n.isFloat && !isHexInt(n.text) && !isRuneInt(n.text) && /[.eEpP]/.test(n.text)) return n.float64;
    if (n.isInt) return n.int64;
    if (n.isUint) this.errorf(`${n.text} overflows int`);
    return undefined;
  }

  evalFieldNode(dot: GoValue, field: FieldNode, args: ArgNode[] | null, final: Final): GoValue {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  evalChainNode(dot: GoValue, chain: ChainNode, args: ArgNode[] | null, final: Final): GoValue {
    this.at(chain);
    if (chain.field.length === 0) this.errorf('internal error: no fields in evalChainNode');
    if (chain.node.kind === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, null, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  evalVariableNode(dot: GoValue, v: VariableNode, args: ArgNode[] | null, final: Final): GoValue {
    this.at(v);
    const value = this.varValue(v);
    if (v.ident.length === 1) {
      this.notAFunction(args ?? [], final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private varValue(v: VariableNode): GoValue {
    const slot = this.info.slotOf.get(v.id) ?? -1;
    if (slot < 0) this.errorf(`undefined variable: ${v.ident[0]}`);
    return this.vars[slot];
  }

  private evalFieldChain(dot: GoValue, receiver: GoValue, node: Node, ident: string[], args: ArgNode[] | null, final: Final): GoValue {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i]!, node, null, MISSING, receiver);
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver);
  }

  evalField(_dot: GoValue, fieldName: string, _node: Node, args: ArgNode[] | null, final: Final, receiver: GoValue): GoValue {
    if (receiver === undefined) this.errorf(`nil data; no entry for key ${quote(fieldName)}`);
    const typ = typeName(receiver);
    let r: GoValue = receiver;
    if (r instanceof Iface) {
      if (r.v === null) this.errorf(`nil pointer evaluating ${typ}.${fieldName}`);
      r = r.v;
    }
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    if (r instanceof GoMap) {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      const result = r.mapIndex(fieldName);
      if (result === undefined) this.errorf(`map has no entry for key ${quote(fieldName)}`);
      return result;
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typ}`);
  }

  evalFunction(dot: GoValue, node: IdentifierNode, cmd: Node, args: ArgNode[] | null, final: Final): GoValue {
    this.at(node);
    const name = node.ident;
    if (!Object.hasOwn(BUILTINS, name)) this.errorf(`${quote(name)} is not a defined function`);
    return this.evalCall(dot, name, cmd, args, final);
  }

  private evalCall(dot: GoValue, name: string, node: Node, argsIn: ArgNode[] | null, final: Final): GoValue {
    const sig = BUILTINS[name]!;
    const args = argsIn !== null ? argsIn.slice(1) : [];
    let numIn = args.length;
    if (final !== MISSING) numIn++;
    let numFixed = args.length;
    const nParams = sig.params.length;
    if (sig.variadic) {
      numFixed = nParams - 1;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${nParams - 1} got ${args.length}`);
    } else if (numIn !== nParams) {
      this.errorf(`wrong number of args for ${name}: want ${nParams} got ${numIn}`);
    }
    if (name === 'and' || name === 'or') {
      const argType = sig.params[0]!;
      let v: GoValue = undefined;
      for (const arg of args) {
        v = this.evalArg(dot, argType, arg);
        if (truth(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = this.validateType(final, argType);
      return v;
    }
    const argv: GoValue[] = new Array(numIn);
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv[i] = this.evalArg(dot, sig.params[i]!, args[i]!);
    if (sig.variadic) {
      const argType = sig.params[nParams - 1]!;
      for (; i < args.length; i++) argv[i] = this.evalArg(dot, argType, args[i]!);
    }
    if (final !== MISSING) {
      let t = sig.params[nParams - 1]!;
      if (sig.variadic && numIn - 1 < numFixed) t = sig.params[numIn - 1]!;
      argv[i] = this.validateType(final, t);
    }
    try {
      return callBuiltin(name, argv, this.budget);
    } catch (e) {
      if (e instanceof BuiltinError) {
        this.at(node);
        this.errorf(`error calling ${name}: ${e.message}`);
      }
      if (e instanceof TemplateError && e.stage === 'limit') {
        this.at(node);
        this.limitf(e);
      }
      throw e;
    }
  }

  /** validateType for the three parameter types builtins have (null: Go's untyped nil type). */
  validateType(value: GoValue | typeof MISSING, typ: ParamType | null): GoValue {
    if (value === MISSING) return undefined;
    if (value === undefined) {
      if (typ === null) return undefined;
      if (typ === 'value') return undefined;
      if (typ === 'any') return NIL_IFACE;
      this.errorf(`invalid value; expected ${typ}`);
    }
    if (typ === 'string' && typeof value !== 'string') {
      let v: GoValue = value;
      if (v instanceof Iface && v.v !== null) {
        v = v.v;
        if (typeof v === 'string') return v;
      }
      this.errorf(`wrong type for value; expected string; got ${typeName(v)}`);
    }
    return value;
  }

  evalArg(dot: GoValue, typ: ParamType | null, n: ArgNode): GoValue {
    this.at(n);
    switch (n.kind) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ === 'value') return undefined;
        if (typ === 'any') return NIL_IFACE;
        this.errorf(`cannot assign nil to ${typ}`);
      // eslint-disable-next-line no-fallthrough
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), typ);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, null, MISSING), typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, null, MISSING), typ);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, null, MISSING), typ);
    }
    if (typ === null) {
      // Go would call typ.Kind() on a nil type here; that cannot be reached from the parser.
      this.errorf(`can't handle ${nodeString(n)} for arg of type <nil>`);
    }
    if (typ === 'string') {
      this.at(n);
      if (n.kind === 'string') return n.text;
      this.errorf(`expected string; found ${nodeString(n)}`);
    }
    this.at(n);
    switch (n.kind) {
      case 'bool':
        return n.value;
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return n.text;
    }
  }

  // ---- statements used by the generated template ----

  /** Value printed by {{pipeline}}: printableValue + fmt.Fprint. */
  printValue(v: GoValue): string {
    if (v === undefined) return '<no value>';
    return printOne(toFmtArg(v));
  }
}

function isRuneInt(s: string): boolean {
  return s.length > 0 && s[0] === "'";
}

function isHexInt(s: string): boolean {
  return s.length > 2 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X') && !/[pP]/.test(s);
}

/** Go's ErrorContext location: 1-based line, 0-based byte column. */
export function location(text: string, pos: number): [number, number] {
  const before = text.slice(0, pos);
  const nl = before.lastIndexOf('\n');
  let line = 1;
  for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 10) line++;
  const col = nl < 0 ? utf8Len(before) : utf8Len(before.slice(nl + 1));
  return [line, col];
}

export { sprint };
