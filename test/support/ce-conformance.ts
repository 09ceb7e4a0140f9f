/**
 * The public CloudEvents conformance cases (../shared/ce-conformance, beside the clone; read in
 * place, never copied) as HTTP requests in both content modes, each with what a conforming
 * receiver must make of it. Written from the spec, independently of shared/events: the JSON
 * event format for structured mode; the HTTP binding for binary mode (attributes as `ce-`
 * headers, percent-encoded; `datacontenttype` as Content-Type; the data as the body).
 *
 * A few invalid cases cannot be said in binary mode at all — a header value is always a string
 * (a numeric or object `id` becomes a valid one), header names are case-insensitive (an
 * upper-case extension name is a lower-case one), and the body is the data (no `data` beside
 * `data_base64`) — so they are structured-mode only; `inexpressible` names them and why.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';

export const CONFORMANCE_DIR = new URL('../../../../shared/ce-conformance/', import.meta.url);

export type Mode = 'structured' | 'binary';

export interface ConformanceRequest {
  /** `<file> <case id> (<mode>)`. */
  name: string;
  mode: Mode;
  headers: Record<string, string>;
  body: Buffer;
  /** What the receiver must hand on; undefined for a case that must be refused (4xx). */
  expect?: { attributes: Record<string, unknown>; data: unknown };
}

export interface ConformanceCases {
  requests: ConformanceRequest[];
  /** Invalid cases with no binary-mode form: case id → why. */
  inexpressible: Record<string, string>;
}

type Json = Record<string, unknown>;

const JSON_TYPE = /^(application\/json|text\/json|[^/]+\/[^;]+\+json)\s*(;|$)/i;
const TEXT_TYPE = /^(text\/|application\/xml|[^/]+\/[^;]+\+xml)|;\s*charset=/i;

function isJson(contentType: string | undefined): boolean {
  return contentType === undefined || JSON_TYPE.test(contentType);
}

/** HTTP binding §3.1.3.2: UTF-8 bytes outside printable ASCII, and space, `"`, `%`, as %XX. */
export function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const plain = byte >= 0x21 && byte <= 0x7e && byte !== 0x22 && byte !== 0x25;
    out += plain ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const withoutNulls = (event: Json): Json => Object.fromEntries(Object.entries(event).filter(([, v]) => v !== null));

function structured(name: string, event: Json, contentType = 'application/cloudevents+json', valid = true): ConformanceRequest {
  const { data, data_base64: base64, ...attributes } = withoutNulls(event);
  return {
    name: `${name} (structured)`,
    mode: 'structured',
    headers: { 'Content-Type': contentType },
    body: Buffer.from(JSON.stringify(event), 'utf8'),
    expect: valid ? { attributes, data: typeof base64 === 'string' ? Buffer.from(base64, 'base64') : data } : undefined,
  };
}

/** Why an event has no binary-mode form, or undefined when it has one. */
function whyNotBinary(event: Json): string | undefined {
  if ('data' in event && 'data_base64' in event) return 'the body is the data: data and data_base64 cannot both be sent';
  for (const [name, value] of Object.entries(event)) {
    if (name !== name.toLowerCase()) return `header names are case-insensitive: ${name} arrives as ${name.toLowerCase()}`;
    if (['id', 'source', 'type', 'specversion'].includes(name) && typeof value !== 'string' && value !== null) {
      return `a header value is a string: ${name} ${JSON.stringify(value)} arrives as the valid "${String(value)}"`;
    }
  }
  return undefined;
}

function binary(name: string, event: Json, valid = true, transport: Record<string, string> = {}, rawBody?: string): ConformanceRequest {
  const { data, data_base64: base64, datacontenttype, ...rest } = withoutNulls(event);
  const headers: Record<string, string> = { ...transport };
  const attributes: Json = {};
  for (const [attribute, value] of Object.entries(rest)) {
    headers[`ce-${attribute}`] = percentEncode(String(value));
    attributes[attribute] = String(value);
  }
  let contentType = datacontenttype as string | undefined;
  let body = Buffer.alloc(0);
  let expected: unknown;
  if (rawBody !== undefined) {
    body = Buffer.from(rawBody, 'utf8');
    expected = contentType === undefined ? body : isJson(contentType) ? JSON.parse(rawBody) : TEXT_TYPE.test(contentType) ? rawBody : body;
  } else if (typeof base64 === 'string') {
    body = Buffer.from(base64, 'base64');
    expected = body;
  } else if (data !== undefined) {
    contentType ??= 'application/json';
    const text = isJson(contentType) ? JSON.stringify(data) : String(data);
    body = Buffer.from(text, 'utf8');
    expected = isJson(contentType) ? data : TEXT_TYPE.test(contentType) ? text : body;
  }
  if (contentType !== undefined) {
    headers['Content-Type'] = contentType;
    attributes.datacontenttype = contentType;
  }
  return { name: `${name} (binary)`, mode: 'binary', headers, body, expect: valid ? { attributes, data: expected } : undefined };
}

function jsonCases(file: string, valid: boolean, cases: ConformanceCases): void {
  const tests = (JSON.parse(readFileSync(new URL(file, CONFORMANCE_DIR), 'utf8')) as { tests: Array<{ id: string; event: Json }> }).tests;
  for (const { id, event } of tests) {
    cases.requests.push(structured(`${file} ${id}`, event, undefined, valid));
    const why = whyNotBinary(event);
    if (why === undefined) cases.requests.push(binary(`${file} ${id}`, event, valid));
    else if (valid) throw new Error(`valid case ${id} has no binary form: ${why}`);
    else cases.inexpressible[id] = why;
  }
}

/** Gherkin doc strings: the lines between `"""`, less the opening quotes' indentation. */
function docStrings(text: string): string[] {
  const out: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i]!.indexOf('"""');
    if (open < 0) continue;
    const body: string[] = [];
    for (i++; !lines[i]!.trim().startsWith('"""'); i++) body.push(lines[i]!.slice(Math.min(open, lines[i]!.search(/\S|$/))));
    out.push(body.join('\n'));
  }
  return out;
}

/** The rows of every Gherkin table in `text` (first row = header), cells trimmed. */
function tables(text: string): string[][][] {
  const out: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('|')) {
      current = undefined;
      continue;
    }
    if (!current) out.push((current = []));
    current.push(trimmed.slice(1, -1).split('|').map((cell) => cell.trim()));
  }
  return out;
}

/** The feature's scenario outlines, each example substituted: an HTTP request as written. */
function featureCases(cases: ConformanceCases): void {
  const text = readFileSync(new URL('http-protocol-binding.feature', CONFORMANCE_DIR), 'utf8');
  const scenarios = text.split(/\n\s*Scenario Outline:/).slice(1);
  for (const scenario of scenarios) {
    const title = scenario.split('\n')[0]!.trim();
    const [request, data] = docStrings(scenario) as [string, string];
    const [attributeTable, examples] = tables(scenario) as [string[][], string[][]];
    for (const [value] of examples.slice(1) as [string][]) {
      const fill = (s: string) => s.replaceAll('<contentType>', value);
      const [head, ...bodyLines] = fill(request).split('\n\n');
      const headers: Record<string, string> = {};
      for (const line of head!.split('\n').slice(1)) {
        const colon = line.indexOf(':');
        const header = line.slice(0, colon).trim();
        if (!['host', 'content-length'].includes(header.toLowerCase())) headers[header] = line.slice(colon + 1).trim();
      }
      const attributes = Object.fromEntries(attributeTable.slice(1).map(([k, v]) => [k!, fill(v!)]));
      cases.requests.push({
        name: `http-protocol-binding.feature ${fill(title)}`,
        mode: headers['Content-Type']!.toLowerCase().startsWith('application/cloudevents') ? 'structured' : 'binary',
        headers,
        body: Buffer.from(bodyLines.join('\n\n'), 'utf8'),
        expect: { attributes, data: JSON.parse(data) },
      });
    }
  }
}

interface YamlEvent {
  Mode?: string;
  ContextAttributes: Record<string, unknown> & { Extensions?: Record<string, string> };
  TransportExtensions?: Record<string, string>;
  Data?: string;
}

/** The conformance tool's YAML events (every scalar a string, as the tool reads them). */
function yamlCases(file: string, cases: ConformanceCases): void {
  const text = readFileSync(new URL(file, CONFORMANCE_DIR), 'utf8');
  const docs = parseAllDocuments(text, { schema: 'failsafe' });
  if (!Array.isArray(docs)) throw new Error(`${file}: no YAML documents`);
  docs.forEach((doc, index) => {
    const { Mode: mode, ContextAttributes: context, TransportExtensions: transport, Data: data } = doc.toJS() as YamlEvent;
    const { Extensions: extensions, ...core } = context;
    const attributes: Json = { ...core, ...extensions };
    const name = `${file} #${index + 1} ${String(attributes.id)}`;
    if (mode === undefined || mode === 'structured') {
      const type = attributes.datacontenttype as string | undefined;
      const event = data === undefined ? attributes : { ...attributes, data: isJson(type) ? JSON.parse(data) : data };
      cases.requests.push({ ...structured(name, event), headers: { ...transport, 'Content-Type': 'application/cloudevents+json' } });
    }
    if (mode === undefined || mode === 'binary') cases.requests.push(binary(name, attributes, true, transport, data));
  });
}

/** Every case, or null when the folder is not there (the caller says the test did not run). */
export function loadConformanceCases(): ConformanceCases | null {
  if (!existsSync(CONFORMANCE_DIR)) return null;
  const cases: ConformanceCases = { requests: [], inexpressible: {} };
  jsonCases('valid-events.json', true, cases);
  jsonCases('invalid-events.json', false, cases);
  featureCases(cases);
  yamlCases('v1_minimum.yaml', cases);
  yamlCases('v1.yaml', cases);
  return cases;
}

export interface Check {
  what: string;
  ok: boolean;
  detail?: string;
}

function sameData(actual: unknown, expected: unknown): boolean {
  if (expected instanceof Uint8Array) return actual instanceof Uint8Array && Buffer.from(actual).equals(Buffer.from(expected));
  return isDeepStrictEqual(actual, expected);
}

const show = (value: unknown) => (value instanceof Uint8Array ? `bytes ${Buffer.from(value).toString('base64')}` : JSON.stringify(value));

/**
 * What one answer must be: a valid case accepted (2xx) with each attribute as sent, no
 * attribute that was not sent (no invented `time`), and the data as sent; an invalid one
 * refused with 4xx. `received` is the event the handler got (its own enumerable members).
 */
export function checksFor(request: ConformanceRequest, status: number, received: Record<string, unknown> | undefined): Check[] {
  if (!request.expect) return [{ what: 'refused with 4xx', ok: status >= 400 && status < 500, detail: `answered ${status}` }];
  const checks: Check[] = [{ what: 'accepted (2xx)', ok: status >= 200 && status < 300 && received !== undefined, detail: `answered ${status}` }];
  const got = Object.fromEntries(Object.entries(received ?? {}).filter(([name, value]) => name !== 'data' && value !== undefined));
  for (const [name, value] of Object.entries(request.expect.attributes)) {
    checks.push({ what: `attribute ${name} as sent`, ok: isDeepStrictEqual(got[name], value), detail: `sent ${show(value)}, got ${show(got[name])}` });
  }
  const extra = Object.keys(got).filter((name) => !(name in request.expect!.attributes));
  checks.push({ what: 'no attribute that was not sent', ok: extra.length === 0, detail: extra.map((n) => `${n}=${show(got[n])}`).join(', ') });
  checks.push({ what: 'data as sent', ok: sameData(received?.data, request.expect.data), detail: `sent ${show(request.expect.data)}, got ${show(received?.data)}` });
  return checks;
}
