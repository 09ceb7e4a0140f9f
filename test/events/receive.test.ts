import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent, HTTP } from 'cloudevents';
import { BadEventError, objectData, receiveCloudEvent } from '../../shared/events/receive.js';
import { toBinaryMessage } from '../../shared/events/to-http.js';

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

// The six ways the SDK-based receiver strayed from CloudEvents 1.0, each in both modes.
const attrs = { specversion: '1.0', id: 'e1', source: '/test', type: 'dev.example.thing' };
const structuredOf = (event: Record<string, unknown>, contentType = 'application/cloudevents+json') =>
  [{ 'content-type': contentType }, JSON.stringify(event)] as const;
const binaryOf = (event: Record<string, unknown>, body = '', contentType?: string) =>
  [{ ...Object.fromEntries(Object.entries(event).map(([k, v]) => [`ce-${k}`, String(v)])), ...(contentType ? { 'content-type': contentType } : {}) }, body] as const;
const refusal = (pattern: RegExp, status = 400) => (err: unknown) => err instanceof BadEventError && err.status === status && pattern.test(err.message);

test('a time that is not RFC 3339 is refused naming the attribute, never replaced', () => {
  for (const time of ['lunchtime', '2018-04-05T18:31Z', '2018-04-05T18:31:00+25:00', '2018-02-30T00:00:00Z', '2018-04-05 18:31:00Z']) {
    assert.throws(() => receiveCloudEvent(...structuredOf({ ...attrs, time })), refusal(/invalid CloudEvent: time .* is not an RFC 3339 timestamp/), time);
    assert.throws(() => receiveCloudEvent(...binaryOf({ ...attrs, time })), refusal(/invalid CloudEvent: ce-time .* is not an RFC 3339 timestamp/), time);
  }
  for (const time of ['2018-04-05T18:31:00+01:00', '2018-04-05t17:31:00.123456789z', '2016-12-31T23:59:60Z']) {
    assert.equal(receiveCloudEvent(...structuredOf({ ...attrs, time })).time, time);
    assert.equal(receiveCloudEvent(...binaryOf({ ...attrs, time })).time, time);
  }
});

test('an event without time has none: nothing is invented (nor an id)', () => {
  for (const event of [receiveCloudEvent(...structuredOf(attrs)), receiveCloudEvent(...binaryOf(attrs))]) {
    assert.equal(event.time, undefined);
    assert.deepEqual({ ...event }, attrs);
    assert.equal(JSON.parse(JSON.stringify(event)).time, undefined, 'serialising it invents nothing either');
  }
});

test('empty optional attributes are refused in both modes alike', () => {
  for (const name of ['subject', 'dataschema', 'datacontenttype']) {
    assert.throws(() => receiveCloudEvent(...structuredOf({ ...attrs, [name]: '' })), refusal(new RegExp(`${name} is empty`)), name);
  }
  assert.throws(() => receiveCloudEvent(...binaryOf({ ...attrs, subject: '' })), refusal(/ce-subject is empty/));
  assert.throws(() => receiveCloudEvent(...binaryOf({ ...attrs, dataschema: '' })), refusal(/ce-dataschema is empty/));
  assert.throws(() => receiveCloudEvent(...binaryOf(attrs, '{}', ' ')), refusal(/Content-Type .* is not an RFC 2046 media type/));
});

test('a datacontenttype that is not a media type is refused', () => {
  assert.throws(() => receiveCloudEvent(...structuredOf({ ...attrs, datacontenttype: 'xyz' })), refusal(/datacontenttype "xyz" is not an RFC 2046 media type/));
  assert.throws(() => receiveCloudEvent(...binaryOf(attrs, '{}', 'xyz')), refusal(/Content-Type "xyz" is not an RFC 2046 media type/));
});

test('data and data_base64 together are refused; data_base64 alone is bytes', () => {
  assert.throws(() => receiveCloudEvent(...structuredOf({ ...attrs, data: 'text', data_base64: 'eyAieHl6IjogMTIzIH0=' }), { anyData: true }), refusal(/data and data_base64 are both present/));
  const event = receiveCloudEvent(...structuredOf({ ...attrs, data_base64: 'TWE=' }), { anyData: true });
  assert.ok(event.data instanceof Uint8Array);
  assert.equal(Buffer.from(event.data as Uint8Array).toString('latin1'), 'Ma');
  assert.throws(() => receiveCloudEvent(...structuredOf({ ...attrs, data_base64: 'not base64!' }), { anyData: true }), refusal(/data_base64 must be a base64 string/));
  assert.throws(() => receiveCloudEvent(...structuredOf({ ...attrs, data_base64: 'TWE=' })), refusal(/unsupported content type/, 415), 'a JSON-only receiver refuses bytes');
});

test('media types with parameters are matched case-insensitively in both modes, and JSON data is parsed', () => {
  const ready = { namespace: 'ns', name: 't', uid: 'u', prompt: 'p' };
  for (const type of ['application/cloudevents+json; charset=UTF-8', 'Application/CloudEvents+JSON;charset="utf-8"']) {
    const event = receiveCloudEvent(...structuredOf({ ...attrs, type: 'dev.dendrite.task.ready', data: ready }, type));
    assert.deepEqual(event.data, ready, type);
  }
  for (const type of ['application/json; charset=UTF-8', 'APPLICATION/JSON', 'application/vnd.example+json; v=2']) {
    const event = receiveCloudEvent(...binaryOf({ ...attrs, type: 'dev.dendrite.job.completed' }, '{"namespace":"ns","task":"t","succeeded":true}', type));
    assert.deepEqual(event.data, { namespace: 'ns', task: 't', succeeded: true }, type);
    assert.equal(event.datacontenttype, type, 'the content type is kept as sent');
  }
});

test('binary-mode header values are percent-decoded (UTF-8), and the encoder sends them so', () => {
  const subject = '/namespaces/default/tasks/任务 "100%"';
  const event = new CloudEvent({ ...attrs, subject, data: { a: 1 } });
  const message = toBinaryMessage(event);
  assert.equal(message.headers['ce-subject'], '/namespaces/default/tasks/%E4%BB%BB%E5%8A%A1%20%22100%25%22');
  assert.equal(receiveCloudEvent(message.headers, message.body as string).subject, subject);
  assert.equal(message.headers['ce-time'], event.time, 'time as it is');
  // A sender that did not encode: raw UTF-8 bytes arrive as latin1 characters.
  assert.equal(receiveCloudEvent({ ...binaryHeaders, 'ce-subject': Buffer.from('tâche', 'utf8').toString('latin1') }, '{}').subject, 'tâche');
  assert.equal(receiveCloudEvent({ ...binaryHeaders, 'ce-subject': '"quoted \\"old\\" style"' }, '{}').subject, 'quoted "old" style');
  assert.throws(() => receiveCloudEvent({ ...binaryHeaders, 'ce-subject': '%FF%FE' }, '{}'), refusal(/ce-subject is not UTF-8/));
});

test('with anyData, text stays text and other data stays bytes, exactly as sent', () => {
  const text = receiveCloudEvent(...binaryOf(attrs, 'plain words', 'text/plain; charset=utf-8'), { anyData: true });
  assert.equal(text.data, 'plain words');
  const latin = receiveCloudEvent(binaryOf(attrs, '', 'text/plain; charset=iso-8859-1')[0], Buffer.from([0x63, 0x61, 0x66, 0xe9]), { anyData: true });
  assert.equal(latin.data, 'café');
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
  const bytes = receiveCloudEvent(binaryOf(attrs, '', 'image/png')[0], png, { anyData: true });
  assert.ok(bytes.data instanceof Uint8Array && Buffer.from(bytes.data).equals(png));
  const forwarded = toBinaryMessage(bytes);
  assert.ok(Buffer.from(forwarded.body as Uint8Array).equals(png), 'forwarded as the same bytes');
  assert.equal(JSON.parse(JSON.stringify(bytes)).data_base64, png.toString('base64'));
});

test('attribute names and extension values follow the type system', () => {
  assert.throws(() => receiveCloudEvent(...structuredOf({ ...attrs, MyExtension: 'bad' })), refusal(/attribute name "MyExtension" is not allowed/));
  assert.throws(() => receiveCloudEvent({ ...binaryHeaders, 'ce-my.extension': 'bad' }, '{}'), refusal(/attribute name "ce-my.extension" is not allowed/));
  assert.throws(() => receiveCloudEvent(...structuredOf({ ...attrs, ext: 1.5 })), refusal(/ext has a value outside the CloudEvents type system/));
  assert.throws(() => receiveCloudEvent(...structuredOf({ ...attrs, ext: { a: 1 } })), refusal(/ext has a value outside/));
  assert.throws(() => receiveCloudEvent(...structuredOf({ ...attrs, id: 25 })), refusal(/id must be a string, got number 25/));
  const polluting = '{"specversion":"1.0","id":"x","source":"/s","type":"t","__proto__":{"polluted":true}}';
  assert.throws(() => receiveCloudEvent({ 'content-type': 'application/cloudevents+json' }, polluting), refusal(/attribute name "__proto__"/));
  const event = receiveCloudEvent(...structuredOf({ ...attrs, extinteger: 10, extboolean: true }));
  assert.equal((event as unknown as Record<string, unknown>).extinteger, 10);
  assert.equal((event as unknown as Record<string, unknown>).extboolean, true);
});
