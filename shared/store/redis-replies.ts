/**
 * Turns the scripts' JSON replies into the Store's types. Dependency data travels as the raw
 * JSON it was stored as, so cjson never re-encodes it (it would turn an empty array into {}).
 */
import type { TemplateDialect } from '../task/model.js';
import type { CompletionOutcome, FailedTask, ReadyTask, RegisterOutcome, TaskState } from './store.js';

interface RawReadyTask {
  n: string;
  u: string;
  tp: string;
  dl: string;
  d: unknown;
}

type RawFailed = [string, string, string];

interface RawRegister {
  k: 'ready' | 'waiting' | 'failed' | 'settled';
  t?: RawReadyTask;
  p?: unknown;
  g?: unknown;
  m?: string;
  c?: unknown;
  f?: unknown;
  s?: TaskState;
}

interface RawCompletion {
  s: CompletionOutcome['status'];
  r: unknown;
  f: unknown;
}

/** cjson encodes an empty Lua table as an object. */
function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function readyTask(raw: RawReadyTask): ReadyTask {
  return {
    name: raw.n,
    uid: raw.u,
    template: raw.tp,
    dialect: raw.dl as TemplateDialect,
    deps: list<[string, string, string, string]>(raw.d).map(([name, outputs, results, response]) => ({
      name,
      outputs: JSON.parse(outputs) as string[] | null,
      results: JSON.parse(results) as Record<string, string> | null,
      response: typeof response === 'string' ? response : '',
    })),
  };
}

function failedTasks(raw: unknown): FailedTask[] {
  return list<RawFailed>(raw).map(([name, uid, message]) => ({ name, uid, message }));
}

export function parseRegisterReply(reply: unknown): RegisterOutcome {
  const raw = JSON.parse(String(reply)) as RawRegister;
  switch (raw.k) {
    case 'ready':
      return { kind: 'ready', task: readyTask(raw.t as RawReadyTask) };
    case 'waiting': {
      const deleted = list<string>(raw.g);
      return deleted.length > 0 ? { kind: 'waiting', pending: list<string>(raw.p), deleted } : { kind: 'waiting', pending: list<string>(raw.p) };
    }
    case 'failed': {
      const outcome: RegisterOutcome = { kind: 'failed', message: raw.m ?? '', dependents: failedTasks(raw.f) };
      if (raw.c !== undefined) outcome.cycle = list<string>(raw.c);
      return outcome;
    }
    case 'settled':
      return { kind: 'settled', state: raw.s as 'launched' | 'succeeded' | 'failed' | 'deleted' };
    default:
      throw new Error(`unexpected register reply ${String(reply)}`);
  }
}

export function parseCompletionReply(reply: unknown): CompletionOutcome {
  const raw = JSON.parse(String(reply)) as RawCompletion;
  return { status: raw.s, ready: list<RawReadyTask>(raw.r).map(readyTask), failed: failedTasks(raw.f) };
}
