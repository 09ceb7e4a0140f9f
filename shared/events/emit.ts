/**
 * Sending CloudEvents. Functions depend on the `Emit` type only; production emits over HTTP to
 * the Broker named by K_SINK, the local mode hands events to its in-process broker.
 */
import { CloudEvent } from 'cloudevents';
import { TransientError } from '../errors.js';
import type { TokenSource } from './oidc-token.js';
import { toBinaryMessage } from './to-http.js';

export type Emit = (event: CloudEvent<unknown>) => Promise<void>;

export interface NewEvent<T> {
  type: string;
  /** Which function sends it, e.g. `/dendrite/job-status`. */
  source: string;
  /** `/namespaces/<ns>/tasks/<name>`. */
  subject: string;
  /**
   * Deterministic per fact (e.g. `<uid>/ready`), so a redelivered cause yields the same event id
   * and consumers can recognise the duplicate.
   */
  id: string;
  data: T;
  /** W3C trace context of the event that caused this one, carried along. */
  traceparent?: string;
  /** Extension attributes (names lowercase a–z and digits, as CloudEvents requires). */
  extensions?: Record<string, string>;
}

export function newEvent<T>(input: NewEvent<T>): CloudEvent<T> {
  const attributes: Record<string, unknown> = {
    specversion: '1.0',
    type: input.type,
    source: input.source,
    subject: input.subject,
    id: input.id,
    datacontenttype: 'application/json',
    data: input.data,
  };
  if (input.traceparent) attributes.traceparent = input.traceparent;
  for (const [name, value] of Object.entries(input.extensions ?? {})) attributes[name] = value;
  return new CloudEvent<T>(attributes as never);
}

export function taskSubject(namespace: string, name: string): string {
  return `/namespaces/${namespace}/tasks/${name}`;
}

export interface HttpEmitOptions {
  timeoutMs?: number;
  /** The sender's OIDC token, presented as a bearer token when there is one. */
  token?: TokenSource;
}

/**
 * POSTs each event in binary mode to `sink` and checks the status: the SDK's own transport
 * hides it, and a refused event must surface as a retryable failure of the handler.
 */
export function createHttpEmit(sink: string, options: HttpEmitOptions = {}): Emit {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async (event) => {
    const message = toBinaryMessage(event);
    const headers = message.headers;
    const token = await options.token?.();
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(sink, {
        method: 'POST',
        headers,
        body: message.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new TransientError(`could not send ${event.type} to the event sink`, { cause: err });
    }
    await response.arrayBuffer().catch(() => undefined);
    if (response.status < 200 || response.status > 299) {
      throw new TransientError(`event sink answered ${response.status} to ${event.type}`);
    }
  };
}
