import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { bundledPath, expand, findBinary, isExecutable, type Where } from '../src/binary';

const where = (over: Partial<Where> = {}): Where => ({
  extensionPath: '/ext',
  platform: 'linux',
  arch: 'x64',
  pathVariable: '/usr/local/bin:/usr/bin',
  home: '/home/ann',
  ...over,
});

test('the setting wins over the bundled binary and PATH', () => {
  const runnable = new Set(['/opt/dw/docwright', '/ext/bin/linux-x64/docwright', '/usr/bin/docwright']);
  assert.deepEqual(findBinary(where({ configured: '/opt/dw/docwright' }), (f) => runnable.has(f)), {
    path: '/opt/dw/docwright',
    source: 'setting',
  });
});

test('a setting naming nothing runnable is an error, not a silent fallback', () => {
  const found = findBinary(where({ configured: '~/bin/docwright' }), (f) => f === '/usr/bin/docwright');
  assert.ok('error' in found);
  assert.match(found.error, /docwright\.path is set to "~\/bin\/docwright", but \/home\/ann\/bin\/docwright is not an executable file/);
});

test('then the binary shipped for this platform, then PATH in order', () => {
  assert.deepEqual(findBinary(where(), (f) => f === '/ext/bin/linux-x64/docwright' || f === '/usr/bin/docwright'), {
    path: '/ext/bin/linux-x64/docwright',
    source: 'bundled',
  });
  assert.deepEqual(findBinary(where({ arch: 'arm64' }), (f) => f === '/ext/bin/linux-x64/docwright' || f === '/usr/bin/docwright'), {
    path: '/usr/bin/docwright',
    source: 'PATH',
  });
  assert.deepEqual(
    findBinary(where(), (f) => f === '/usr/local/bin/docwright' || f === '/usr/bin/docwright'),
    { path: '/usr/local/bin/docwright', source: 'PATH' },
  );
});

test('Windows looks for docwright.exe along a semicolon PATH', () => {
  const found = findBinary(where({ platform: 'win32', pathVariable: 'C:\\tools;C:\\bin', extensionPath: 'C:\\ext' }), (f) =>
    f.endsWith(`C:\\bin${path.sep}docwright.exe`),
  );
  assert.ok('path' in found && found.source === 'PATH', JSON.stringify(found));
  assert.equal(path.basename(bundledPath({ extensionPath: 'C:\\ext', platform: 'win32', arch: 'x64' })), 'docwright.exe');
});

test('none found says what was looked at and how to fix it', () => {
  const found = findBinary(where({ pathVariable: undefined }), () => false);
  assert.ok('error' in found);
  assert.match(found.error, /docwright\.path is not set/);
  assert.match(found.error, /ships none for linux-x64/);
  assert.match(found.error, /no docwright on PATH/);
  assert.match(found.error, /cargo install --locked --path \./);
});

test('~ and ${workspaceFolder} are expanded', () => {
  assert.equal(expand('~/x/docwright', { home: '/home/ann' }), path.join('/home/ann', 'x/docwright'));
  assert.equal(expand(' ${workspaceFolder}/target/debug/docwright ', { home: '/h', workspaceFolder: '/w' }), '/w/target/debug/docwright');
  assert.equal(expand('/a~b', { home: '/h' }), '/a~b');
});

test('isExecutable: a file with the execute bit, not a folder or a plain file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docwright-bin-'));
  try {
    const plain = path.join(dir, 'plain');
    const runnable = path.join(dir, 'runnable');
    fs.writeFileSync(plain, '');
    fs.writeFileSync(runnable, '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(isExecutable(runnable), true);
    assert.equal(isExecutable(dir), false);
    assert.equal(isExecutable(path.join(dir, 'missing')), false);
    if (process.platform !== 'win32' && process.getuid?.() !== 0) {
      assert.equal(isExecutable(plain), false);
    }
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
