// The status-bar item's text: the session's cache hit rate, tokens and cost,
// from the server's `docwright.stats`.

export interface SessionStats {
  model?: string;
  stats?: { requests?: number; usage?: { prompt_tokens?: number; completion_tokens?: number }; cost?: number };
  cache?: { hits?: number; misses?: number } | null;
}

export interface StatusText {
  text: string;
  tooltip: string;
}

/** 1234 -> "1.2k", 2500000 -> "2.5M". */
export function compact(n: number): string {
  if (n >= 1_000_000) {
    return `${(n / 1_000_000).toFixed(1)}M`;
  }
  if (n >= 1_000) {
    return `${(n / 1_000).toFixed(1)}k`;
  }
  return `${n}`;
}

export function statusText(stats: SessionStats | null | undefined): StatusText {
  if (stats === null || stats === undefined || stats.stats === undefined) {
    return {
      text: '$(book) docwright',
      tooltip: 'docwright: no model is configured; docstrings come from templates. Click for details.',
    };
  }
  const usage = stats.stats.usage ?? {};
  const tokens = (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0);
  const cost = stats.stats.cost ?? 0;
  const hits = stats.cache?.hits ?? 0;
  const misses = stats.cache?.misses ?? 0;
  const asked = hits + misses;
  const rate = asked === 0 ? '–' : `${Math.round((100 * hits) / asked)}%`;
  const parts = [`$(book) ${rate} cached`, `${compact(tokens)} tokens`, `$${cost.toFixed(2)}`];
  const cacheLine = stats.cache ? `cache: ${hits} hits, ${misses} misses` : 'cache: off';
  return {
    text: parts.join(' · '),
    tooltip: `docwright: ${stats.model ?? 'model'}\n${stats.stats.requests ?? 0} requests, ${tokens} tokens, about $${cost.toFixed(4)}\n${cacheLine}`,
  };
}
