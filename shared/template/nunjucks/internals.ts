/**
 * nunjucks's parser, compiler and node classes. They are public modules of the package but have
 * no type declarations, so the few members used here are typed locally.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface NjkNode {
  typename: string;
  lineno: number;
  colno: number;
  fields: string[];
  [field: string]: unknown;
}

export interface NjkNodeList extends NjkNode {
  children: NjkNode[];
}

type NodeCtor = new (lineno: number, colno: number, ...args: unknown[]) => NjkNode;

export const nodes = require('nunjucks/src/nodes') as {
  Node: NodeCtor;
  NodeList: new (lineno: number, colno: number, children?: NjkNode[]) => NjkNodeList;
  Symbol: NodeCtor;
  Literal: NodeCtor;
  FunCall: NodeCtor;
  Array: new (lineno: number, colno: number, children?: NjkNode[]) => NjkNodeList;
  Or: new (lineno: number, colno: number, left: NjkNode, right: NjkNode) => NjkNode;
  And: new (lineno: number, colno: number, left: NjkNode, right: NjkNode) => NjkNode;
  Not: NodeCtor;
  Neg: NodeCtor;
  Pos: NodeCtor;
  Output: new (lineno: number, colno: number, children?: NjkNode[]) => NjkNodeList;
};

/** A token from nunjucks's lexer; positions are 0-based. */
export interface NjkToken {
  type: string;
  value: string;
  lineno: number;
  colno: number;
}

/** The members of nunjucks's Parser that a subclass overrides or calls. */
export interface NjkParser {
  extensions: unknown[];
  parseAsRoot(): NjkNodeList;
  parseExpression(): NjkNode;
  parseStatement(): NjkNode | null;
  parseIf(): NjkNode;
  parseNot(): NjkNode;
  parseIn(): NjkNode;
  parseUnary(noFilters?: boolean): NjkNode;
  parsePrimary(): NjkNode;
  parseFilter(node: NjkNode): NjkNode;
  peekToken(): NjkToken;
  skipSymbol(value: string): boolean;
  skipValue(type: string, value: string): boolean;
}

export const parser = require('nunjucks/src/parser') as {
  parse(src: string, extensions: unknown[], opts: Record<string, unknown>): NjkNodeList;
  Parser: new (tokens: unknown) => NjkParser;
};

export const lexer = require('nunjucks/src/lexer') as {
  lex(src: string, opts: Record<string, unknown>): unknown;
  TOKEN_OPERATOR: string;
};

export const transformer = require('nunjucks/src/transformer') as {
  transform(ast: NjkNode, asyncFilters: string[], name: string): NjkNode;
};

export const compiler = require('nunjucks/src/compiler') as {
  Compiler: new (name: string, throwOnUndefined: boolean) => { compile(node: NjkNode): void; getCode(): string };
};

/** nunjucks's own error type carries 1-based lineno/colno. */
export interface NjkTemplateError extends Error {
  lineno?: number;
  colno?: number;
}

/** nunjucks's marked-safe string (what macros and the escape filter return). */
export interface NjkSafeString {
  val: string;
  length: number;
}

export const njkRuntime = require('nunjucks/src/runtime') as {
  SafeString: new (val: string) => NjkSafeString;
  /** A SafeString of `target` when `dest` is one, else `target` as a string. */
  copySafeness(dest: unknown, target: string): unknown;
};
