/**
 * Keys a sink must refuse with `InvalidInput` before any I/O (reliability-security T28).
 * Each one breaks core's `objectKeyProblem` rule, the definition of a safe key.
 */
export const HOSTILE_KEYS: readonly { readonly label: string; readonly key: string }[] = [
  { label: 'parent traversal', key: '../x' },
  { label: 'inner parent traversal', key: 'a/../b' },
  { label: 'bare ..', key: '..' },
  { label: 'bare .', key: '.' },
  { label: 'absolute path', key: '/abs' },
  { label: 'empty segment', key: 'a//b' },
  { label: 'trailing slash', key: 'a/' },
  { label: 'dot segment', key: 'a/./b' },
  { label: 'backslash', key: 'a\\b' },
  { label: 'backslash traversal', key: '..\\x' },
  { label: 'NUL byte', key: 'a\0b' },
  { label: 'URL-encoded traversal', key: '%2e%2e/x' },
  { label: 'trailing newline', key: 'x\n' },
  { label: 'space', key: 'a b' },
  { label: 'key longer than 1024 bytes', key: `${'k'.repeat(200)}/`.repeat(5) + 'k'.repeat(100) },
  { label: 'Unicode lookalike (fullwidth a)', key: '\uff41' },
  { label: 'Unicode lookalike dots (one-dot leaders)', key: '\u2024\u2024/x' },
  { label: 'empty key', key: '' },
];

/** A realistic nested key (default template, CXAR extension) every sink must accept. */
export const NESTED_KEY = 't/2026/10/01/702100000001/contact.json.cxar';
