/** The quality (RFC 9110 §12.5.1) an Accept header gives a media type; exact, `type/*` and `*\/*` ranges count. */
function quality(accept: string, type: string): number {
  const [major] = type.split('/');
  let best = -1;
  let bestSpecificity = -1;
  for (const range of accept.split(',')) {
    const [name = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const specificity = name === type ? 2 : name === `${major}/*` ? 1 : name === '*/*' ? 0 : -1;
    if (specificity < bestSpecificity || specificity < 0) continue;
    const q = params.find((p) => p.startsWith('q='));
    bestSpecificity = specificity;
    best = q ? Number(q.slice(2)) || 0 : 1;
  }
  return best;
}

/** Whether a client prefers JSON to HTML (a missing Accept header means HTML, as for a browser). */
export function prefersJson(accept: string | null | undefined): boolean {
  if (!accept) return false;
  return quality(accept, 'application/json') > Math.max(quality(accept, 'text/html'), 0);
}
