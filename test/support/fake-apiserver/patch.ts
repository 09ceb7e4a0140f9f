/**
 * The two patch formats the fake API server applies: JSON Merge Patch (RFC 7386) and
 * JSON Patch (RFC 6902). Failures throw PatchError, which the server answers as 422 —
 * what the real API server does for a patch that cannot be applied.
 */

import { isDeepStrictEqual } from 'node:util';

export class PatchError extends Error {}

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7386: objects merge key by key, `null` deletes, anything else replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

interface Operation {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(container: Json[], token: string, forInsert: boolean): number {
  if (forInsert && token === '-') return container.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchError(`invalid array index ${JSON.stringify(token)}`);
  const index = Number(token);
  const max = forInsert ? container.length : container.length - 1;
  if (index > max) throw new PatchError(`array index ${index} out of range`);
  return index;
}

/** The parent container of the pointer's target and the last token. */
function locate(doc: Json, tokens: string[]): { parent: Json; key: string } {
  let current = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current)) current = current[arrayIndex(current, token, false)];
    else if (isObject(current) && token in current) current = current[token];
    else throw new PatchError(`path /${tokens.join('/')} does not exist`);
  }
  return { parent: current, key: tokens[tokens.length - 1] as string };
}

function getAt(doc: Json, pointer: string): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const { parent, key } = locate(doc, tokens);
  if (Array.isArray(parent)) return parent[arrayIndex(parent, key, false)];
  if (isObject(parent) && key in parent) return parent[key];
  throw new PatchError(`path ${pointer} does not exist`);
}

function removeAt(doc: Json, pointer: string): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new PatchError('cannot remove the whole document');
  const { parent, key } = locate(doc, tokens);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, false), 1)[0];
  if (isObject(parent) && key in parent) {
    const old = parent[key];
    delete parent[key];
    return old;
  }
  throw new PatchError(`path ${pointer} does not exist`);
}

function addAt(doc: Json, pointer: string, value: Json): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = locate(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else if (isObject(parent)) parent[key] = value;
  else throw new PatchError(`path ${pointer} has no parent object`);
  return doc;
}

/** RFC 6902, all six operations; the input document is not modified. */
export function applyJsonPatch(target: Json, patch: Json): Json {
  if (!Array.isArray(patch)) throw new PatchError('a JSON patch must be an array of operations');
  let doc = structuredClone(target);
  for (const raw of patch as Operation[]) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new PatchError('each JSON patch operation needs "op" and "path"');
    }
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, raw.path, structuredClone(raw.value));
        break;
      case 'remove':
        removeAt(doc, raw.path);
        break;
      case 'replace':
        if (parsePointer(raw.path).length === 0) doc = structuredClone(raw.value);
        else {
          removeAt(doc, raw.path);
          doc = addAt(doc, raw.path, structuredClone(raw.value));
        }
        break;
      case 'move': {
        const value = removeAt(doc, requireFrom(raw));
        doc = addAt(doc, raw.path, value);
        break;
      }
      case 'copy':
        doc = addAt(doc, raw.path, structuredClone(getAt(doc, requireFrom(raw))));
        break;
      case 'test':
        if (!isDeepStrictEqual(getAt(doc, raw.path), raw.value)) {
          throw new PatchError(`test operation failed at ${raw.path}`);
        }
        break;
      default:
        throw new PatchError(`unknown JSON patch operation ${JSON.stringify(raw.op)}`);
    }
  }
  return doc;
}

function requireFrom(op: Operation): string {
  if (typeof op.from !== 'string') throw new PatchError(`"${op.op}" needs "from"`);
  return op.from;
}
