import { podNamespace } from '../../shared/runtime/pod-namespace.js';
import { startFunction } from '../../shared/runtime/start.js';

/** The render process's script, beside this one in the build (and in the bundle). */
const RENDER_PROCESS = { renderEntry: new URL('../../shared/template/isolated/child.js', import.meta.url) };

// The name is FUNCTION_NAME of app.ts, written out: app.ts loads after the server listens.
// Not awaited at the top level (the image runs a CommonJS bundle): a failure to start is an
// unhandled rejection, which ends the process with its error, as an awaited one would.
void startFunction('task-spawner', async () => {
  const [{ createApp }, { DEFAULT_MAX_CATCH_UP }, { loadDefaultKubeConfig }, { createKubernetesSpawners }, { createGitHubClient }, { mountedTokenFor }] = await Promise.all([
    import('./app.js'),
    import('./handler.js'),
    // Not client-node's namespace object: it would keep every API class in the bundle.
    import('../../shared/cluster/kube-config.js'),
    import('../../shared/cluster/kubernetes-spawners.js'),
    import('../../shared/spawner/github-api.js'),
    import('../../shared/spawner/github-token.js'),
  ]);
  const { createRedisSlots } = await import('../../shared/spawner/redis-slots.js');
  const namespaces = (process.env.DENDRITE_SPAWNER_NAMESPACES ?? podNamespace() ?? 'default').split(',').map((n) => n.trim()).filter(Boolean);
  const maxCatchUp = Number(process.env.DENDRITE_SPAWNER_MAX_CATCH_UP || DEFAULT_MAX_CATCH_UP);
  const spawners = createKubernetesSpawners(loadDefaultKubeConfig());
  // The token GitHub is read with: a file from the Secret dendrite-github (knative/github.yaml), never the API's Secrets.
  const github = {
    client: createGitHubClient(),
    apiBase: process.env.DENDRITE_GITHUB_API_URL || undefined,
    tokenFor: mountedTokenFor(process.env.DENDRITE_GITHUB_TOKEN_FILE || '/var/run/secrets/dendrite/github/token'),
  };
  return (deps, config, { redis }) => createApp(deps, { spawners, github, slots: createRedisSlots(redis, config.redis.keyPrefix) }, { namespaces, maxCatchUp: Number.isInteger(maxCatchUp) && maxCatchUp > 0 ? maxCatchUp : DEFAULT_MAX_CATCH_UP });
}, RENDER_PROCESS);
