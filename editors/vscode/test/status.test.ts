import assert from 'node:assert/strict';
import { test } from 'node:test';

import { compact, statusText } from '../src/status';

test('hit rate, tokens and cost', () => {
  const text = statusText({
    model: 'Azure OpenAI, deployment `gpt-4o`',
    stats: { requests: 4, usage: { prompt_tokens: 11000, completion_tokens: 1400 }, cost: 0.0412 },
    cache: { hits: 6, misses: 3 },
  });
  assert.equal(text.text, '$(book) 67% cached · 12.4k tokens · $0.04');
  assert.match(text.tooltip, /4 requests, 12400 tokens, about \$0\.0412/);
  assert.match(text.tooltip, /cache: 6 hits, 3 misses/);
});

test('before any docstring, and with the cache off', () => {
  assert.equal(statusText({ stats: { requests: 0 }, cache: { hits: 0, misses: 0 } }).text, '$(book) – cached · 0 tokens · $0.00');
  assert.match(statusText({ stats: { requests: 1 }, cache: null }).tooltip, /cache: off/);
});

test('without a model: templates', () => {
  assert.equal(statusText(null).text, '$(book) docwright');
  assert.match(statusText(null).tooltip, /templates/);
});

test('compact numbers', () => {
  assert.equal(compact(999), '999');
  assert.equal(compact(1234), '1.2k');
  assert.equal(compact(2_500_000), '2.5M');
});
