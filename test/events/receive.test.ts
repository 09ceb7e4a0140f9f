import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent, HTTP } from 'cloudevents';
import { BadEventError, objectData, receiveCloudEvent } from '../../shared/events/receive.js';

const binaryHeaders = {
  'ce-specversion': '1.0',
  'ce-id': 'e1',
  'ce-source': '/test',
  'ce-type': 'dev.example.thing',
  'content-type': 'application/json',
};

test('binary and structured events produced by the SDK round-trip', () => {
  const event = new CloudEvent({ type: 'dev.example.thing', source: '/test', id: 'abc', data: { a: 1 } });
  for (const message of [HTTP.binary(event), HTTP.structured(event)]) {
    const received = receiveCloudEvent(message.headers as Record<string, string>, message.body as string);
    assert.equal(received.id, 'abc');
    assert.deepEqual(received.data, { a: 1 });
  }
});

test('header names are matched case-insensitively', () => {
  const headers = Object.fromEntries(Object.entries(binaryHeaders).map(([k, v]) => [k.toUpperCase(), v]));
  assert.equal(receiveCloudEvent(headers, '{"x":1}').type, 'dev.example.thing');
});

const rejected: Array<{ name: string; headers: Record<string, string>; body: string; status: number; message: RegExp }> = [
  { name: 'plain JSON, not a CloudEvent', headers: { 'content-type': 'application/json' }, body: '{"a":1}', status: 400, message: /missing required attribute\(s\) ce-specversion, ce-id, ce-source, ce-type/ },
  { name: 'binary without ce-id', headers: { ...binaryHeaders, 'ce-id': '' }, body: '{}', status: 400, message: /ce-id/ },
  { name: 'structured without id', headers: { 'content-type': 'application/cloudevents+json' }, body: '{"specversion":"1.0","type":"t","source":"s"}', status: 400, message: /missing required attribute\(s\) id/ },
  { name: 'specversion 0.3', headers: { ...binaryHeaders, 'ce-specversion': '0.3' }, body: '{}', status: 400, message: /specversion "0.3"/ },
  { name: 'invalid JSON data', headers: binaryHeaders, body: '{bad', status: 400, message: /malformed CloudEvent/ },
  { name: 'invalid structured JSON', headers: { 'content-type': 'application/cloudevents+json' }, body: '{bad', status: 400, message: /not valid JSON/ },
  { name: 'structured body that is an array', headers: { 'content-type': 'application/cloudevents+json' }, body: '[1]', status: 400, message: /must be a JSON object/ },
  { name: 'wrong content type', headers: { ...binaryHeaders, 'content-type': 'text/plain' }, body: 'hello', status: 415, message: /unsupported content type "text\/plain"/ },
  { name: 'batch mode', headers: { 'content-type': 'application/cloudevents-batch+json' }, body: '[]', status: 415, message: /batched/ },
];

for (const c of rejected) {
  test(`rejects ${c.name}`, () => {
    assert.throws(
      () => receiveCloudEvent(c.headers, c.body),
      (err: unknown) => err instanceof BadEventError && err.status === c.status && c.message.test(err.message),
    );
  });
}

test('objectData refuses data that is not an object', () => {
  for (const body of ['[1,2]', '"text"', '42']) {
    const event = receiveCloudEvent(binaryHeaders, body);
    assert.throws(() => objectData(event, 'a Task object'), /must carry a Task object as a JSON object/);
  }
  assert.deepEqual(objectData(receiveCloudEvent(binaryHeaders, '{"k":"v"}'), 'x'), { k: 'v' });
});
