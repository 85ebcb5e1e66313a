// The settings the server gets: only those the user set, in the shape of
// `[tool.docwright]` (`docwright.model.endpoint` -> `{ model: { endpoint } }`).
// VS Code's defaults are left out, so the project's pyproject.toml and the
// server's own defaults are not overridden by values nobody chose.

/** What `WorkspaceConfiguration.inspect` tells of one key. */
export interface Inspected {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/** The value set at the narrowest scope, or undefined when none is. */
export function chosen(inspected: Inspected | undefined): unknown {
  if (inspected === undefined) {
    return undefined;
  }
  for (const value of [inspected.workspaceFolderValue, inspected.workspaceValue, inspected.globalValue]) {
    if (value !== undefined && value !== null) {
      return value;
    }
  }
  return undefined;
}

/**
 * The server's settings object from the keys of the extension's server
 * section (`docwright.style`, `docwright.model.endpoint`, ...).
 */
export function serverSettings(keys: readonly string[], inspect: (key: string) => Inspected | undefined): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const key of keys) {
    const value = chosen(inspect(key));
    if (value === undefined) {
      continue;
    }
    const parts = key.split('.').slice(1);
    let table = settings;
    for (const part of parts.slice(0, -1)) {
      if (typeof table[part] !== 'object' || table[part] === null) {
        table[part] = {};
      }
      table = table[part] as Record<string, unknown>;
    }
    table[parts[parts.length - 1]] = value;
  }
  return settings;
}

/** The keys of the server's section of the extension's `package.json`. */
export function serverKeys(packageJson: unknown): string[] {
  const configuration = (packageJson as { contributes?: { configuration?: unknown } })?.contributes?.configuration;
  const sections = Array.isArray(configuration) ? configuration : [configuration];
  const server = sections.find((s) => (s as { id?: string })?.id === 'docwright.server') as
    | { properties?: Record<string, unknown> }
    | undefined;
  return Object.keys(server?.properties ?? {});
}

/** Settings whose change means starting the server again (its process or environment changes). */
export const RESTART_KEYS = ['docwright.path', 'docwright.model.apiKeyEnv', 'docwright.model.provider', 'docwright.model.endpoint'];
