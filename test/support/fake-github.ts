/**
 * A small fake of GitHub's REST API for the spawner's tests: a repository's issues (pull
 * requests among them, as GitHub lists them) filtered by state and labels, paginated with Link
 * headers, with ETags answered 304 on If-None-Match; an issue's comments. Records every request
 * (with its Authorization header), so tests can see conditional requests and the token.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeIssue {
  number: number;
  title: string;
  body?: string;
  state?: 'open' | 'closed';
  labels?: string[];
  pull?: boolean;
  comments?: string[];
}

export interface FakeGitHubRequest {
  path: string;
  query: Record<string, string>;
  authorization?: string;
  ifNoneMatch?: string;
  status: number;
}

export interface FakeGitHub {
  url: string;
  issues: FakeIssue[];
  requests: FakeGitHubRequest[];
  /** The next `times` requests get this status. */
  failNext(status: number, times?: number): void;
  close(): Promise<void>;
}

export function issueJson(owner: string, repo: string, issue: FakeIssue): Record<string, unknown> {
  return {
    number: issue.number,
    title: issue.title,
    body: issue.body ?? null,
    state: issue.state ?? 'open',
    html_url: `https://github.com/${owner}/${repo}/${issue.pull ? 'pull' : 'issues'}/${issue.number}`,
    labels: (issue.labels ?? []).map((name) => ({ name })),
    ...(issue.pull ? { pull_request: { url: `https://api.github.com/repos/${owner}/${repo}/pulls/${issue.number}` } } : {}),
  };
}

export async function startFakeGitHub(owner: string, repo: string, options: { perPage?: number } = {}): Promise<FakeGitHub> {
  const issues: FakeIssue[] = [];
  const requests: FakeGitHubRequest[] = [];
  let failures: { status: number; times: number } | undefined;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake-github');
    const record: FakeGitHubRequest = {
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      ifNoneMatch: req.headers['if-none-match'] as string | undefined,
      status: 200,
    };
    requests.push(record);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      const text = body === undefined ? '' : JSON.stringify(body);
      const etag = body === undefined ? undefined : `"${createHash('sha1').update(text).digest('hex')}"`;
      if (etag && record.ifNoneMatch === etag) {
        record.status = 304;
        res.writeHead(304, { etag }).end();
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json', ...(etag ? { etag } : {}), ...headers }).end(text);
    };
    if (failures && failures.times > 0) {
      failures.times--;
      return send(failures.status, { message: 'injected' });
    }
    const base = `/repos/${owner}/${repo}/issues`;
    const comments = new RegExp(`^${base}/(\\d+)/comments$`).exec(url.pathname);
    if (comments) {
      const issue = issues.find((i) => i.number === Number(comments[1]));
      if (!issue) return send(404, { message: 'Not Found' });
      return send(200, (issue.comments ?? []).map((body, i) => ({ id: i + 1, body })));
    }
    const single = new RegExp(`^${base}/(\\d+)$`).exec(url.pathname);
    if (single) {
      const issue = issues.find((i) => i.number === Number(single[1]));
      return issue ? send(200, issueJson(owner, repo, issue)) : send(404, { message: 'Not Found' });
    }
    if (url.pathname !== base) return send(404, { message: 'Not Found' });
    const state = url.searchParams.get('state') ?? 'open';
    const wanted = (url.searchParams.get('labels') ?? '').split(',').filter(Boolean);
    const matching = issues
      .filter((i) => state === 'all' || (i.state ?? 'open') === state)
      .filter((i) => wanted.every((l) => (i.labels ?? []).includes(l)))
      .sort((a, b) => b.number - a.number);
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), options.perPage ?? 100);
    const pageNumber = Number(url.searchParams.get('page') ?? 1);
    const pageItems = matching.slice((pageNumber - 1) * perPage, pageNumber * perPage);
    const headers: Record<string, string> = {};
    if (pageNumber * perPage < matching.length) {
      const next = new URL(url);
      next.searchParams.set('page', String(pageNumber + 1));
      headers.link = `<${address}${next.pathname}${next.search}>; rel="next"`;
    }
    send(200, pageItems.map((i) => issueJson(owner, repo, i)), headers);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: address,
    issues,
    requests,
    failNext(status, times = 1) {
      failures = { status, times };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
