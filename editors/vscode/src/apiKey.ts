// The API key kept in VS Code's secret storage reaches the server through
// its environment, under the variable the server reads for the configured
// service. It is never written to a settings file.

export interface KeyTarget {
  provider?: string;
  endpoint?: string;
  apiKeyEnv?: string;
}

/**
 * The environment variables to set to `key`: `model.apiKeyEnv` when set;
 * else Azure's or OpenAI's variable by the provider (or an Azure endpoint);
 * both when nothing says which service (the server picks by the rest of its
 * environment).
 */
export function keyVariables(target: KeyTarget): string[] {
  if (target.apiKeyEnv !== undefined && target.apiKeyEnv.trim() !== '') {
    return [target.apiKeyEnv.trim()];
  }
  const provider = target.provider?.toLowerCase();
  if (provider === 'azure' || provider === 'azure-v1' || (provider === undefined && target.endpoint?.includes('.azure.com'))) {
    return ['AZURE_OPENAI_API_KEY'];
  }
  if (provider === 'openai' || provider === 'local' || target.endpoint !== undefined) {
    return ['OPENAI_API_KEY'];
  }
  return ['AZURE_OPENAI_API_KEY', 'OPENAI_API_KEY'];
}

/** The server's environment: this one, with the key under its variables. */
export function serverEnvironment(
  base: NodeJS.ProcessEnv,
  target: KeyTarget,
  key: string | undefined,
): NodeJS.ProcessEnv {
  const env = { ...base };
  if (key !== undefined && key !== '') {
    for (const name of keyVariables(target)) {
      env[name] = key;
    }
  }
  return env;
}
