/**
 * The reference server: express, a JSON body parsed as job-status would parse it, 204.
 * Also the reference app for cold start (/healthz). PORT from the environment.
 */
import express from 'express';

const app = express();
app.disable('x-powered-by');
// Nothing to wait for: ready as soon as it is alive.
app.get(['/healthz', '/readyz'], (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/', express.json({ type: () => true, limit: '2mb' }), (req, res) => {
  if (typeof req.body !== 'object' || req.body === null) return res.status(400).end();
  res.status(204).end();
});
const server = app.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  process.stdout.write(`listening ${JSON.stringify(server.address())}\n`);
});
process.once('SIGTERM', () => server.close());
