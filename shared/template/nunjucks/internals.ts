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
  Output: new (lineno: number, colno: number, children?: NjkNode[]) => NjkNodeList;
};

export const parser = require('nunjucks/src/parser') as {
  parse(src: string, extensions: unknown[], opts: Record<string, unknown>): NjkNodeList;
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
