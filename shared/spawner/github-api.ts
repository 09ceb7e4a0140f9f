/**
 * GitHub's REST API as the spawner reads it: a repository's issues (pull requests included, as
 * GitHub lists them), paginated by the Link header, one issue, and an issue's comments. Every page is
 * asked for conditionally (If-None-Match with the ETag GitHub gave last time): an unchanged page
 * is a 304, which GitHub does not count against the rate limit, and its items come from the cache.
 */
import { PermanentError, TransientError } from '../errors.js';

export interface GitHubIssue {
  number: number;
  title: string;
  body: string | null;
  html_url: string;
  state: string;
  labels: Array<{ name: string } | string>;
  pull_request?: unknown;
}

export interface GitHubClientOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Most pages of issues read per listing (Axon's bound: 10 pages of 100). */
  maxPages?: number;
  /** Most pages the ETag cache keeps (and most issues remembered as absent). */
  cacheEntries?: number;
  /**
   * How long an issue GitHub answered 404 or 410 for is taken as absent without asking again
   * (default 60 s): deliveries naming made-up numbers must not spend the token's rate limit,
   * which a 404 does and a 304 does not. The listing still finds an issue that appears.
   */
  absentForMs?: number;
  /** ms since the epoch (tests move it). */
  now?: () => number;
}

export interface ListIssuesQuery {
  apiBase: string;
  owner: string;
  repo: string;
  state: string;
  labels: string[];
  token?: string;
}

/** Axon's bound on one issue's comments, added up. */
const MAX_COMMENT_BYTES = 64 * 1024;

function nextLink(header: string | null): string | undefined {
  return header ? /<([^>]+)>;\s*rel="next"/.exec(header)?.[1] : undefined;
}

export interface GitHubClient {
  listIssues(query: ListIssuesQuery): Promise<GitHubIssue[]>;
  /** One issue or pull request as GitHub has it now; null when there is none (404, or 410: deleted). */
  issue(query: IssueQuery, number: number): Promise<GitHubIssue | null>;
  /** The comments' bodies joined by `\n---\n`, at most 64 KiB (Axon's). */
  comments(query: IssueQuery, number: number): Promise<string>;
}

export type IssueQuery = Omit<ListIssuesQuery, 'state' | 'labels'>;

const issuesUrl = (query: IssueQuery) => `${query.apiBase}/repos/${encodeURIComponent(query.owner)}/${encodeURIComponent(query.repo)}/issues`;

export function createGitHubClient(options: GitHubClientOptions = {}): GitHubClient {
  const doFetch = options.fetch ?? fetch;
  const maxPages = options.maxPages ?? 10;
  const cacheEntries = options.cacheEntries ?? 1000;
  const cache = new Map<string, { etag: string; body: unknown; next?: string }>();
  const absentUntil = new Map<string, number>();
  const now = options.now ?? Date.now;
  const absentForMs = options.absentForMs ?? 60_000;

  /** One page, from the cache when GitHub says it has not changed. Never logs or returns the token. */
  async function page(url: string, token: string | undefined, read: { absentIsNull?: boolean } = {}): Promise<{ body: unknown; next?: string }> {
    const cached = cache.get(url);
    const headers: Record<string, string> = { accept: 'application/vnd.github+json', 'user-agent': 'dendrite-task-spawner' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (cached) headers['if-none-match'] = cached.etag;
    let response: Response;
    try {
      response = await doFetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
    } catch (err) {
      throw new TransientError(`GitHub API: ${new URL(url).pathname}: ${(err as Error).message}`);
    }
    const where = `GitHub API: GET ${new URL(url).pathname}`;
    if (response.status === 304 && cached) return cached;
    if (response.status === 403 || response.status === 429 || response.status >= 500) {
      const retry = Number(response.headers.get('retry-after'));
      throw new TransientError(`${where}: ${response.status}`, Number.isFinite(retry) && retry > 0 ? { retryAfterSeconds: retry } : undefined);
    }
    if (read.absentIsNull && (response.status === 404 || response.status === 410)) return { body: null };
    if (response.status !== 200) throw new PermanentError(`${where}: ${response.status} (check the repository and the token's access)`);
    const body: unknown = await response.json();
    const next = nextLink(response.headers.get('link'));
    const etag = response.headers.get('etag');
    if (etag) {
      if (cache.size >= cacheEntries) cache.delete(cache.keys().next().value!);
      cache.set(url, { etag, body, ...(next ? { next } : {}) });
    }
    return { body, ...(next ? { next } : {}) };
  }

  return {
    async listIssues(query) {
      const params = new URLSearchParams({ per_page: '100', state: query.state });
      if (query.labels.length > 0) params.set('labels', query.labels.join(','));
      let url: string | undefined = `${issuesUrl(query)}?${params}`;
      const issues: GitHubIssue[] = [];
      for (let n = 0; url && n < maxPages; n++) {
        const { body, next } = await page(url, query.token);
        if (!Array.isArray(body)) throw new PermanentError(`GitHub API: the issues of ${query.owner}/${query.repo} are not a list`);
        issues.push(...(body as GitHubIssue[]));
        url = next;
      }
      return issues;
    },
    async issue(query, number) {
      const url = `${issuesUrl(query)}/${number}`;
      if ((absentUntil.get(url) ?? 0) > now()) return null;
      absentUntil.delete(url);
      const { body } = await page(url, query.token, { absentIsNull: true });
      if (body === null) {
        if (absentUntil.size >= cacheEntries) absentUntil.delete(absentUntil.keys().next().value!);
        absentUntil.set(url, now() + absentForMs);
        return null;
      }
      const issue = body as Partial<GitHubIssue>;
      if (typeof issue !== 'object' || issue.number !== number) throw new PermanentError(`GitHub API: issue ${number} of ${query.owner}/${query.repo} is not an issue`);
      return { ...(issue as GitHubIssue), labels: issue.labels ?? [] };
    },
    async comments(query, number) {
      const url = `${issuesUrl(query)}/${number}/comments?per_page=100`;
      const { body } = await page(url, query.token);
      const parts: string[] = [];
      let total = 0;
      for (const comment of Array.isArray(body) ? (body as Array<{ body?: string }>) : []) {
        total += Buffer.byteLength(comment.body ?? '');
        if (total > MAX_COMMENT_BYTES) break;
        parts.push(comment.body ?? '');
      }
      return parts.join('\n---\n');
    },
  };
}
