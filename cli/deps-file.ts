/**
 * The dependency data `dendrite render --deps` takes: a YAML or JSON map from dependency name
 * to what that Task produced, either a list of output lines or `{outputs, results, response}`:
 *
 *   research-api-design:
 *     - GET /projects - list projects
 *   research-data-model:
 *     outputs: ["schema: Project(id, name) 1-n Task(id, project_id)"]
 *
 * As in a cluster, `key: value` output lines are also results, unless results are given.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { resultsOf } from '../shared/outputs/parse.js';
import type { DependencyRecord } from '../shared/store/store.js';

export class DepsFileError extends Error {
  override readonly name = 'DepsFileError';
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')) {
    throw new DepsFileError(`${where}: must be a list of lines (strings)`);
  }
  return value.map(String);
}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (!isObject(value)) throw new DepsFileError(`${where}: must be a map of key: value strings`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function pick(object: Json, key: string): unknown {
  return object[key] ?? object[key.charAt(0).toUpperCase() + key.slice(1)];
}

export function parseDeps(text: string, file: string): Map<string, DependencyRecord> {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new DepsFileError(`${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return new Map();
  if (!isObject(data)) throw new DepsFileError(`${file}: must map each dependency's name to its outputs`);
  const out = new Map<string, DependencyRecord>();
  for (const [name, value] of Object.entries(data)) {
    const where = `${file}: ${name}`;
    if (value === null) {
      // A dependency that succeeded without an output block.
      out.set(name, { name, outputs: null, results: null, response: '' });
    } else if (Array.isArray(value)) {
      const outputs = stringList(value, where);
      out.set(name, { name, outputs, results: resultsOf(outputs), response: '' });
    } else if (isObject(value)) {
      const rawOutputs = pick(value, 'outputs');
      const rawResults = pick(value, 'results');
      const results = rawResults === undefined ? undefined : stringMap(rawResults, `${where}.results`);
      const outputs =
        rawOutputs === undefined
          ? results
            ? Object.entries(results).map(([k, v]) => `${k}: ${v}`)
            : []
          : stringList(rawOutputs, `${where}.outputs`);
      const response = pick(value, 'response');
      if (response !== undefined && typeof response !== 'string') throw new DepsFileError(`${where}.response: must be a string`);
      out.set(name, { name, outputs, results: results ?? resultsOf(outputs), response: response ?? '' });
    } else {
      throw new DepsFileError(`${where}: give a list of output lines or {outputs, results, response}`);
    }
  }
  return out;
}

export function loadDeps(file: string): Map<string, DependencyRecord> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DepsFileError(`${file}: cannot read: ${(err as Error).message}`);
  }
  return parseDeps(text, file);
}
