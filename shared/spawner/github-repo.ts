/**
 * The GitHub repository a Workspace clones, and the REST API that serves it: github.com's
 * (api.github.com), or a GitHub Enterprise host's (`https://<host>/api/v3`), as Axon derives them.
 */
export interface GitHubRepo {
  owner: string;
  repo: string;
  /** `https://api.github.com`, or `https://<host>/api/v3`. */
  apiBase: string;
  /** `owner/repo`, lower-case: what a delivery's `repository.full_name` is compared with. */
  fullName: string;
}

/** Undefined when the URL names no owner/repo on a host. */
export function githubRepoOf(url: string): GitHubRepo | undefined {
  const scp = /^[\w.-]+@([^:/]+):([^/]+)\/(.+?)(?:\.git)?\/?$/.exec(url);
  let host: string;
  let owner: string;
  let repo: string;
  if (scp) [, host, owner, repo] = scp as unknown as [string, string, string, string];
  else {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    const parts = parsed.pathname.replace(/\.git\/?$/, '').split('/').filter(Boolean);
    if (parts.length < 2) return undefined;
    host = parsed.host;
    [owner, repo] = parts.slice(-2) as [string, string];
  }
  const apiBase = host === 'github.com' ? 'https://api.github.com' : `https://${host}/api/v3`;
  return { owner, repo, apiBase, fullName: `${owner}/${repo}`.toLowerCase() };
}
