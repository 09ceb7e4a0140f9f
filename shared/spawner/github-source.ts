/**
 * `when.githubIssues`: issues and pull requests of the repository the spawner's Workspace
 * clones. They arrive two ways — webhook deliveries (CloudEvents of Knative's GitHub source
 * types, or our receiver's) and a listing through the REST API on the resync tick, at most
 * every pollInterval, because webhooks can be missed — and either way an item that matches the
 * filters makes `<spawner>-<number>` once. The token is the installation's, never the event's.
 */
import type { Cluster } from '../cluster/cluster.js';
import { GITHUB_PULL_REQUEST } from '../events/types.js';
import { PermanentError } from '../errors.js';
import type { Workspace } from '../job/workspace.js';
import type { Discovery } from './cron-source.js';
import type { GitHubClient, GitHubIssue } from './github-api.js';
import { githubRepoOf, type GitHubRepo } from './github-repo.js';
import type { WorkItem } from './item.js';
import type { GitHubIssuesWhen, TaskSpawner } from './model.js';
import { spawnedName } from './spawn.js';

/** Knative's GitHub source types (our webhook receiver sends the same). */
export { GITHUB_ISSUES as GITHUB_ISSUES_EVENT, GITHUB_PULL_REQUEST as GITHUB_PULL_REQUEST_EVENT } from '../events/types.js';

export interface GitHubAccess {
  client: GitHubClient;
  /** Instead of the Workspace host's API (dendrite run --github-api, GitHub Enterprise behind a proxy). */
  apiBase?: string;
  /** The token to read the repository with; undefined reads it anonymously. */
  tokenFor(namespace: string, workspace: Workspace): Promise<string | undefined>;
}

export interface GitHubDeps {
  cluster: Pick<Cluster, 'getTask' | 'getWorkspace'>;
  github: GitHubAccess;
}

interface Target {
  repo: GitHubRepo;
  token?: string;
}

const labelNames = (issue: GitHubIssue) => issue.labels.map((l) => (typeof l === 'string' ? l : l.name));

/** Whether an item passes the spawner's filters (GitHub's own `labels` filter: every one given). */
export function matchesFilters(when: GitHubIssuesWhen, issue: GitHubIssue, isPull: boolean): boolean {
  const types = when.types && when.types.length > 0 ? when.types : ['issues'];
  if (!types.includes(isPull ? 'pulls' : 'issues')) return false;
  const state = when.state ?? 'open';
  if (state !== 'all' && issue.state !== state) return false;
  const labels = labelNames(issue);
  if (!(when.labels ?? []).every((l) => labels.includes(l))) return false;
  return !(when.excludeLabels ?? []).some((l) => labels.includes(l));
}

export function issueItem(issue: GitHubIssue, isPull: boolean, comments: string): WorkItem {
  return {
    id: String(issue.number),
    number: issue.number,
    title: issue.title,
    body: issue.body ?? '',
    url: issue.html_url,
    labels: labelNames(issue),
    comments,
    kind: isPull ? 'PR' : 'Issue',
  };
}

/** The repository and token of the spawner's Workspace; PermanentError when it names none GitHub serves. */
export async function targetOf(deps: GitHubDeps, spawner: TaskSpawner): Promise<Target> {
  const { namespace } = spawner.metadata;
  const name = spawner.spec.taskTemplate.workspaceRef?.name;
  if (!name) throw new PermanentError('githubIssues needs taskTemplate.workspaceRef: its repository is the one read');
  const workspace = await deps.cluster.getWorkspace(namespace, name);
  if (!workspace) throw new PermanentError(`Workspace "${name}" does not exist (yet): its repository is the one read`);
  const repo = githubRepoOf(String(workspace.spec?.repo ?? ''));
  if (!repo) throw new PermanentError(`Workspace "${name}": ${JSON.stringify(workspace.spec?.repo)} names no owner/repository`);
  return { repo: deps.github.apiBase ? { ...repo, apiBase: deps.github.apiBase } : repo, token: await deps.github.tokenFor(namespace, workspace) };
}

/** The items not yet spawned, each with its comments (read only for those). */
async function newItems(deps: GitHubDeps, spawner: TaskSpawner, target: Target, found: Array<{ issue: GitHubIssue; isPull: boolean }>): Promise<WorkItem[]> {
  const items: WorkItem[] = [];
  const query = { apiBase: target.repo.apiBase, owner: target.repo.owner, repo: target.repo.repo, token: target.token };
  for (const { issue, isPull } of found) {
    const id = String(issue.number);
    if (await deps.cluster.getTask(spawner.metadata.namespace, spawnedName(spawner, { id }))) continue;
    items.push(issueItem(issue, isPull, await deps.github.client.comments(query, issue.number)));
  }
  return items;
}

/** The listing: every matching item, level-triggered. */
export async function discoverGitHubIssues(deps: GitHubDeps, spawner: TaskSpawner, now: Date): Promise<Discovery> {
  const when = spawner.spec.when.githubIssues!;
  let target: Target;
  try {
    target = await targetOf(deps, spawner);
  } catch (err) {
    if (err instanceof PermanentError) return { items: [], note: err.message, broken: true };
    throw err;
  }
  const issues = await deps.github.client.listIssues({
    apiBase: target.repo.apiBase,
    owner: target.repo.owner,
    repo: target.repo.repo,
    state: when.state ?? 'open',
    labels: when.labels ?? [],
    token: target.token,
  });
  const found = issues.map((issue) => ({ issue, isPull: issue.pull_request !== undefined && issue.pull_request !== null })).filter((f) => matchesFilters(when, f.issue, f.isPull));
  return { items: await newItems(deps, spawner, target, found), discovered: found.length, discoveredAt: now.toISOString() };
}

export interface Delivery {
  /** `owner/repo`, lower-case. */
  fullName: string;
  issue: GitHubIssue;
  isPull: boolean;
}

/** What a delivery carries, or undefined when it is not an issue or pull request event. */
export function readDelivery(type: string, data: unknown): Delivery | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const payload = data as Record<string, unknown>;
  const isPull = type === GITHUB_PULL_REQUEST;
  const issue = (isPull ? payload.pull_request : payload.issue) as GitHubIssue | undefined;
  const repository = payload.repository as { full_name?: unknown } | undefined;
  if (!issue || typeof issue.number !== 'number' || typeof repository?.full_name !== 'string') return undefined;
  // An issues event about a pull request (GitHub sends those too) is a pull request.
  return { fullName: repository.full_name.toLowerCase(), issue: { ...issue, labels: issue.labels ?? [] }, isPull: isPull || Boolean(issue.pull_request) };
}

/**
 * A delivery, for one spawner: the item when it is this spawner's repository's and passes its
 * filters. The delivery only says which issue to look at: anyone who can post to the Broker can
 * send one (github-webhook's signature check is not on that path), so the issue — its title,
 * body, labels and state, all of which reach the prompt or the filters — is read from GitHub.
 */
export async function discoverDelivery(deps: GitHubDeps, spawner: TaskSpawner, delivery: Delivery): Promise<Discovery | undefined> {
  const when = spawner.spec.when.githubIssues!;
  let target: Target;
  try {
    target = await targetOf(deps, spawner);
  } catch (err) {
    if (err instanceof PermanentError) return undefined; // the tick's listing says why in the status
    throw err;
  }
  // What the delivery says may rule the item out (a lie can only make it skip one, which the
  // listing makes up for); only GitHub's own record can rule it in.
  if (target.repo.fullName !== delivery.fullName || !matchesFilters(when, delivery.issue, delivery.isPull)) return undefined;
  const query = { apiBase: target.repo.apiBase, owner: target.repo.owner, repo: target.repo.repo, token: target.token };
  const issue = await deps.github.client.issue(query, delivery.issue.number);
  if (!issue) return undefined;
  const isPull = issue.pull_request !== undefined && issue.pull_request !== null;
  if (!matchesFilters(when, issue, isPull)) return undefined;
  return { items: await newItems(deps, spawner, target, [{ issue, isPull }]), discovered: 1 };
}
