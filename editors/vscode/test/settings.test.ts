import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { chosen, serverKeys, serverSettings, type Inspected } from '../src/settings';

const packageJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));

test('only values the user set reach the server, nested as in pyproject.toml', () => {
  const set: Record<string, Inspected> = {
    'docwright.style': { globalValue: 'numpy' },
    'docwright.width': { globalValue: 100, workspaceValue: 72 },
    'docwright.model.endpoint': { workspaceFolderValue: 'http://localhost:11434/v1', workspaceValue: 'https://x' },
    'docwright.model.budget': { globalValue: { perRun: 2 } },
    'docwright.cache.backend': { workspaceValue: 'memory' },
    'docwright.private': {},
  };
  const keys = serverKeys(packageJson);
  assert.deepEqual(
    serverSettings(keys, (key) => set[key]),
    {
      style: 'numpy',
      width: 72,
      model: { endpoint: 'http://localhost:11434/v1', budget: { perRun: 2 } },
      cache: { backend: 'memory' },
    },
  );
});

test('nothing set sends nothing, so pyproject.toml and the server defaults stand', () => {
  const keys = serverKeys(packageJson);
  assert.deepEqual(serverSettings(keys, () => ({})), {});
  assert.deepEqual(serverSettings(keys, () => undefined), {});
});

test('the narrowest scope wins and null means unset', () => {
  assert.equal(chosen({ globalValue: 'a', workspaceValue: 'b', workspaceFolderValue: 'c' }), 'c');
  assert.equal(chosen({ globalValue: 'a', workspaceValue: null }), 'a');
  assert.equal(chosen({ globalValue: false }), false);
  assert.equal(chosen(undefined), undefined);
});

test("the server's section lists every server key, and none of the extension's own", () => {
  const keys = serverKeys(packageJson);
  for (const key of ['docwright.style', 'docwright.missingDocstrings', 'docwright.model.provider', 'docwright.model.endpoint',
    'docwright.model.deployment', 'docwright.model.apiVersion', 'docwright.model.concurrency', 'docwright.model.budget',
    'docwright.cache.backend']) {
    assert.ok(keys.includes(key), key);
  }
  assert.ok(!keys.includes('docwright.path'));
  assert.ok(!keys.includes('docwright.model'), 'tables are split into their keys');
  assert.ok(!keys.some((key) => /apiKey$/i.test(key)), 'no setting holds a key');
});
