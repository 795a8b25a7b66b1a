/**
 * Whether an Accept header admits JSON. A missing header admits anything; a media range counts
 * when it matches application/json (or a +json type) with a non-zero quality.
 */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((range) => {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) return false;
    return (
      type === '*/*' || type === 'application/*' || type === 'application/json' || type.endsWith('+json')
    );
  });
}
