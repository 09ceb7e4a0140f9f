/**
 * job-status as the load benchmark's server, in its own process: its app, the Redis
 * store on REDIS_URL, the in-process cluster holding TASKS launched leaf Tasks (uids
 * `uid-<i>`, names `task-<i>`, namespace `load`), and an emit that serialises each event as
 * the HTTP sink would get it and drops it. Logs at info to /dev/null. Prints `listening`.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { HTTP } from 'cloudevents';
import ioredis from 'ioredis';
import { createApp } from '../../functions/job-status/app.js';
import { MAX_SINGLE_ARGUMENT_BYTES } from '../../shared/flow/deps.js';
import { createRedisClient, type IoRedisModule } from '../../shared/runtime/redis-client.js';
import { readRedisSettings } from '../../shared/runtime/redis-config.js';
import { createRedisStore } from '../../shared/store/redis-store.js';
import { DEFAULT_RENDER_LIMITS } from '../../shared/template/index.js';
import { benchLogger } from '../support/engine.js';
import { isolatedRenderer } from '../../test/support/renderer.js';
import { MemoryCluster } from '../support/memory-cluster.js';
import { agentLog, completedJob, jobFor, loadTask, LOAD_NAMESPACE } from '../support/objects.js';

const tasks = Number(process.env.TASKS ?? 1000);
// The client exactly as the functions build it (shared/runtime/redis-client.ts).
const settings = readRedisSettings({ REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }, (message) => {
  throw new Error(message);
});
const redis = createRedisClient(ioredis as unknown as IoRedisModule, settings);
await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
const store = createRedisStore(redis);
const cluster = new MemoryCluster({ log: (_ns, job) => agentLog(job) });
for (let i = 0; i < tasks; i += 500) {
  await Promise.all(
    Array.from({ length: Math.min(500, tasks - i) }, async (_, j) => {
      const task = loadTask(i + j);
      cluster.putTask(task);
      cluster.putJob(completedJob(jobFor(task)));
      const { namespace, name, uid } = task.metadata;
      await store.register({ namespace, name, uid, dependsOn: [], template: task.spec.prompt, dialect: 'go' });
      await store.markLaunched(namespace, name, uid);
    }),
  );
}
let emitted = 0;
const app = createApp(
  {
    store,
    cluster,
    renderer: isolatedRenderer(),
    log: benchLogger('info').child({ function: 'job-status' }),
    emit: async (event) => {
      HTTP.binary(event);
      emitted++;
    },
    config: { source: '/dendrite/job-status', renderLimits: DEFAULT_RENDER_LIMITS, maxPromptBytes: MAX_SINGLE_ARGUMENT_BYTES },
    now: () => new Date(),
  },
  { logTailBytes: 64 * 1024 },
);
// PROFILE=<file>: a CPU profile of the serving phase only (setup excluded), written on SIGTERM.
const profile = process.env.PROFILE;
const session = profile ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const server = createServer(app).listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  process.stdout.write(`listening ${JSON.stringify(server.address())} in ${LOAD_NAMESPACE}\n`);
});
process.once('SIGTERM', async () => {
  if (session && profile) writeFileSync(profile, JSON.stringify((await session.post('Profiler.stop')).profile));
  process.stdout.write(`emitted ${emitted}\n`);
  server.close();
  server.closeAllConnections();
  void store.close();
});
