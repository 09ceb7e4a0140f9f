/**
 * A received event as handlers see it: an SDK `CloudEvent` (same prototype, so its type and
 * methods hold) carrying exactly the attributes that were sent. The SDK's constructor cannot
 * be used for this: it fills in a missing `time` (and `id`) with its own, and its `toJSON`
 * rewrites `time` — an audit log would then record a time the producer never sent.
 */
import { CloudEvent } from 'cloudevents';

/** Binary data (`data_base64` in the JSON format, or a body that is neither JSON nor text). */
export type Bytes = Uint8Array;

function asJson(this: Record<string, unknown>): Record<string, unknown> {
  const { data, ...attributes } = this;
  if (data instanceof Uint8Array) return { ...attributes, data_base64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
  return data === undefined ? attributes : { ...attributes, data };
}

const RECEIVED: object = Object.create(CloudEvent.prototype, {
  toJSON: { value: asJson },
  toString: {
    value(this: object) {
      return JSON.stringify(this);
    },
  },
});

/** The attributes are taken as they are (already checked); `data` only when there is some. */
export function receivedEvent(attributes: Record<string, unknown>, data: unknown): CloudEvent<unknown> {
  const event = Object.assign(Object.create(RECEIVED) as Record<string, unknown>, attributes);
  if (data !== undefined) event.data = data;
  return Object.freeze(event) as unknown as CloudEvent<unknown>;
}
