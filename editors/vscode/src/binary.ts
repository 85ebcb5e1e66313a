// Finding the `docwright` executable: the `docwright.path` setting, then a
// binary shipped inside the extension, then `PATH`. Pure, so it is tested
// without VS Code.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type Found = { path: string; source: 'setting' | 'bundled' | 'PATH' };
export type NotFound = { error: string };

export interface Where {
  /** The `docwright.path` setting, if set. */
  configured?: string;
  /** The extension's own folder. */
  extensionPath: string;
  /** The first workspace folder, for `${workspaceFolder}` in the setting. */
  workspaceFolder?: string;
  platform: NodeJS.Platform;
  arch: string;
  /** The `PATH` the server would be started with. */
  pathVariable?: string;
  home: string;
}

/** Whether `file` is a file this user may run. */
export function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    fs.accessSync(file, process.platform === 'win32' ? fs.constants.F_OK : fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function executableName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'docwright.exe' : 'docwright';
}

/** `~` and `${workspaceFolder}` expanded, as users write paths in settings. */
export function expand(configured: string, where: Pick<Where, 'home' | 'workspaceFolder'>): string {
  let expanded = configured.trim();
  if (expanded === '~' || expanded.startsWith('~/')) {
    expanded = path.join(where.home, expanded.slice(1));
  }
  if (where.workspaceFolder !== undefined) {
    expanded = expanded.split('${workspaceFolder}').join(where.workspaceFolder);
  }
  return expanded;
}

/** Where the extension ships its binary, if it ships one for this platform. */
export function bundledPath(where: Pick<Where, 'extensionPath' | 'platform' | 'arch'>): string {
  return path.join(where.extensionPath, 'bin', `${where.platform}-${where.arch}`, executableName(where.platform));
}

export function findBinary(where: Where, runnable: (file: string) => boolean = isExecutable): Found | NotFound {
  const name = executableName(where.platform);
  if (where.configured !== undefined && where.configured.trim() !== '') {
    const file = expand(where.configured, where);
    if (runnable(file)) {
      return { path: file, source: 'setting' };
    }
    // A setting the user wrote is never silently passed over.
    return { error: `docwright.path is set to "${where.configured}", but ${file} is not an executable file.` };
  }
  const bundled = bundledPath(where);
  if (runnable(bundled)) {
    return { path: bundled, source: 'bundled' };
  }
  const delimiter = where.platform === 'win32' ? ';' : ':';
  for (const folder of (where.pathVariable ?? '').split(delimiter)) {
    if (folder === '') {
      continue;
    }
    const file = path.join(folder, name);
    if (runnable(file)) {
      return { path: file, source: 'PATH' };
    }
  }
  return {
    error:
      `No docwright executable found: docwright.path is not set, this extension ships none for ` +
      `${where.platform}-${where.arch}, and there is no ${name} on PATH. Install it ` +
      '(`cargo install --locked --path .` in a clone of docwright) or set docwright.path to it.',
  };
}

/** The real machine's answers to `Where`, but for the setting and folders. */
export function here(extensionPath: string, configured?: string, workspaceFolder?: string): Where {
  return {
    configured,
    extensionPath,
    workspaceFolder,
    platform: process.platform,
    arch: process.arch,
    pathVariable: process.env.PATH,
    home: os.homedir(),
  };
}
