export const JSON_MEDIA_TYPE = 'application/json';

export type ReportRendering = 'json' | 'csv' | 'html' | 'not-acceptable';

const RENDERINGS: readonly { rendering: Exclude<ReportRendering, 'not-acceptable'>; types: string[] }[] = [
  // In this order on equal weight: JSON for programs, the page for a browser's text/*, CSV last.
  { rendering: 'json', types: [JSON_MEDIA_TYPE, 'application/*', '*/*'] },
  { rendering: 'html', types: ['text/html', 'text/*', '*/*'] },
  { rendering: 'csv', types: ['text/csv', 'text/*', '*/*'] },
];

interface Preference {
  type: string;
  quality: number;
}

function preferences(accept: string): Preference[] {
  return accept
    .split(',')
    .map((entry) => entry.split(';').map((part) => part.trim().toLowerCase()))
    .filter(([type]) => type.includes('/'))
    .map(([type, ...parameters]) => {
      const q = parameters.find((parameter) => parameter.startsWith('q='));
      const quality = q === undefined ? 1 : Number(q.slice(2));
      return { type, quality: Number.isFinite(quality) ? Math.min(Math.max(quality, 0), 1) : 0 };
    });
}

/**
 * The report's representation for an Accept header (RFC 9110 §12.5.1): JSON when there is none;
 * else the one with the highest weight, an exact type outranking a wildcard that covers it
 * (`text/csv;q=0, text/*` is HTML, never CSV); 406 when none is acceptable.
 */
export function reportRendering(accept: string | undefined): ReportRendering {
  if (accept === undefined || accept.trim() === '') return 'json';
  const entries = preferences(accept);
  let best: { rendering: ReportRendering; quality: number } = { rendering: 'not-acceptable', quality: 0 };
  for (const { rendering, types } of RENDERINGS) {
    // The most specific entry that names this type decides its weight.
    const entry = types.map((type) => entries.find((candidate) => candidate.type === type)).find(Boolean);
    const quality = entry?.quality ?? 0;
    if (quality > best.quality) best = { rendering, quality };
  }
  return best.rendering;
}
