import assert from 'node:assert/strict';
import { test } from 'node:test';

import { keyVariables, serverEnvironment } from '../src/apiKey';

test('the key goes where the server looks for it', () => {
  assert.deepEqual(keyVariables({ apiKeyEnv: 'MY_KEY', provider: 'azure' }), ['MY_KEY']);
  assert.deepEqual(keyVariables({ provider: 'azure' }), ['AZURE_OPENAI_API_KEY']);
  assert.deepEqual(keyVariables({ provider: 'azure-v1' }), ['AZURE_OPENAI_API_KEY']);
  assert.deepEqual(keyVariables({ endpoint: 'https://team.openai.azure.com' }), ['AZURE_OPENAI_API_KEY']);
  assert.deepEqual(keyVariables({ provider: 'openai' }), ['OPENAI_API_KEY']);
  assert.deepEqual(keyVariables({ endpoint: 'http://localhost:11434/v1' }), ['OPENAI_API_KEY']);
  assert.deepEqual(keyVariables({}), ['AZURE_OPENAI_API_KEY', 'OPENAI_API_KEY']);
});

test('the environment keeps everything else and is a copy', () => {
  const base = { PATH: '/usr/bin', AZURE_OPENAI_ENDPOINT: 'https://x.openai.azure.com' };
  const env = serverEnvironment(base, { provider: 'azure' }, 'k-123');
  assert.deepEqual(env, { ...base, AZURE_OPENAI_API_KEY: 'k-123' });
  assert.equal((base as Record<string, string>).AZURE_OPENAI_API_KEY, undefined, 'the extension host keeps no key');
  assert.deepEqual(serverEnvironment(base, {}, undefined), base);
  assert.deepEqual(serverEnvironment(base, {}, ''), base);
});
