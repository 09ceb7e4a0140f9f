/**
 * Kubernetes label selectors as the API server parses them for `?labelSelector=`:
 * `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, joined by commas.
 */

export class SelectorError extends Error {}

type Requirement = (labels: Record<string, string>) => boolean;

/** Split at commas that are not inside a parenthesised value set. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

function parseSet(text: string): Set<string> {
  const match = /^\((.*)\)$/.exec(text.trim());
  if (!match) throw new SelectorError(`expected a parenthesised value set, got ${JSON.stringify(text)}`);
  return new Set((match[1] ?? '').split(',').map((v) => v.trim()).filter((v) => v !== ''));
}

function parseTerm(term: string): Requirement {
  let m = /^([^\s!=,()]+)\s+(in|notin)\s+(\(.*\))$/.exec(term);
  if (m) {
    const [, key, op, set] = m as unknown as [string, string, string, string];
    const values = parseSet(set);
    return op === 'in'
      ? (labels) => key in labels && values.has(labels[key] as string)
      : (labels) => !(key in labels) || !values.has(labels[key] as string);
  }
  m = /^([^\s!=,()]+)\s*(==|=|!=)\s*([^\s!=,()]*)$/.exec(term);
  if (m) {
    const [, key, op, value] = m as unknown as [string, string, string, string];
    return op === '!='
      ? (labels) => labels[key] !== value
      : (labels) => labels[key] === value;
  }
  m = /^(!?)([^\s!=,()]+)$/.exec(term);
  if (m) {
    const [, not, key] = m as unknown as [string, string, string];
    return not ? (labels) => !(key in labels) : (labels) => key in labels;
  }
  throw new SelectorError(`unable to parse requirement ${JSON.stringify(term)}`);
}

/** A predicate over an object's labels; throws SelectorError for a malformed selector. */
export function parseLabelSelector(selector: string): (labels: Record<string, string> | undefined) => boolean {
  const requirements = splitTerms(selector).map(parseTerm);
  return (labels) => requirements.every((matches) => matches(labels ?? {}));
}
