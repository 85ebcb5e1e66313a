// The VS Code extension: starts `docwright lsp` for Python files, passes it
// the settings the user chose and the API key from secret storage, and adds
// commands and a status-bar item. The server does the work; this file only
// wires VS Code to it.

import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
} from 'vscode-languageclient/node';

import { serverEnvironment, type KeyTarget } from './apiKey';
import { findBinary, here } from './binary';
import { RESTART_KEYS, serverKeys, serverSettings } from './settings';
import { statusText, type SessionStats } from './status';

/** Where the key is kept in VS Code's secret storage. */
const SECRET = 'docwright.apiKey';
/** How often the status bar asks the server for its figures. */
const STATUS_EVERY_MS = 5000;

class Session {
  private client: LanguageClient | undefined;
  private readonly output: vscode.LogOutputChannel = vscode.window.createOutputChannel('docwright', { log: true });
  private readonly status = vscode.window.createStatusBarItem('docwright.status', vscode.StatusBarAlignment.Right, 100);
  private timer: NodeJS.Timeout | undefined;
  private readonly keys: string[];

  constructor(private readonly context: vscode.ExtensionContext) {
    this.keys = serverKeys(context.extension.packageJSON);
    this.status.name = 'docwright';
    this.status.command = 'docwright.showSessionStats';
    context.subscriptions.push(this.output, this.status);
  }

  /** The settings the user chose, as the server reads them. */
  settings(scope?: vscode.Uri): Record<string, unknown> {
    const configuration = vscode.workspace.getConfiguration(undefined, scope);
    return serverSettings(this.keys, (key) => configuration.inspect(key));
  }

  async start(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const configured = vscode.workspace.getConfiguration('docwright').get<string>('path') ?? undefined;
    const found = findBinary(here(this.context.extensionPath, configured, folder));
    if ('error' in found) {
      this.showProblem(found.error);
      const choice = await vscode.window.showErrorMessage(`docwright: ${found.error}`, 'Open Settings');
      if (choice === 'Open Settings') {
        await vscode.commands.executeCommand('workbench.action.openSettings', 'docwright.path');
      }
      return;
    }
    this.output.appendLine(`docwright: starting ${found.path} (from ${found.source})`);
    const settings = this.settings();
    const key = await this.context.secrets.get(SECRET);
    const env = serverEnvironment(process.env, (settings.model ?? {}) as KeyTarget, key);
    const server: ServerOptions = { command: found.path, args: ['lsp'], options: { env } };
    const options: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'python' },
        { scheme: 'untitled', language: 'python' },
      ],
      outputChannel: this.output,
      initializationOptions: settings,
      middleware: {
        workspace: {
          // The server asks for section `docwright`: it gets what the user
          // set, not VS Code's defaults.
          configuration: (params, _token, next) => {
            if (params.items.every((item) => item.section === 'docwright')) {
              return params.items.map((item) =>
                this.settings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined),
              );
            }
            return next(params, _token);
          },
        },
      },
    };
    this.client = new LanguageClient('docwright', 'docwright', server, options);
    this.client.onDidChangeState((change) => {
      if (change.newState === State.Stopped) {
        this.showProblem('the server stopped; see the docwright output.');
      }
    });
    try {
      await this.client.start();
    } catch (error) {
      this.showProblem(`${error}`);
      void vscode.window.showErrorMessage(`docwright: the server did not start: ${error}`);
      return;
    }
    this.showStatus(statusText(undefined));
    this.timer = setInterval(() => void this.refreshStatus(), STATUS_EVERY_MS);
    await this.refreshStatus();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    const client = this.client;
    this.client = undefined;
    if (client !== undefined && client.state !== State.Stopped) {
      await client.stop();
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Runs one of the server's commands; undefined when there is no server. */
  async serverCommand(command: string, args: unknown[] = []): Promise<unknown> {
    if (this.client === undefined || this.client.state !== State.Running) {
      void vscode.window.showErrorMessage('docwright: the server is not running; see the docwright output.');
      return undefined;
    }
    return this.client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  async refreshStatus(): Promise<void> {
    if (this.client?.state !== State.Running) {
      return;
    }
    try {
      const stats = (await this.client.sendRequest(ExecuteCommandRequest.type, { command: 'docwright.stats' })) as SessionStats | null;
      this.showStatus(statusText(stats));
    } catch {
      // A busy or restarting server: the next tick tries again.
    }
  }

  settingsChanged(event: vscode.ConfigurationChangeEvent): void {
    if (RESTART_KEYS.some((key) => event.affectsConfiguration(key))) {
      this.output.info('docwright: settings changed; restarting the server');
      void this.restart();
    } else if (event.affectsConfiguration('docwright') && this.client?.state === State.Running) {
      this.output.info('docwright: settings changed; the server reads them again');
      // The server pulls the section again.
      void this.client.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    }
  }

  showDoctor(report: unknown): void {
    const text = (report as { text?: string } | undefined)?.text;
    if (text !== undefined) {
      this.output.appendLine('docwright doctor:');
      this.output.appendLine(text);
      this.output.show(true);
    }
  }

  /** The status bar's error mark, with what is wrong. */
  private showProblem(problem: string): void {
    this.showStatus({ text: '$(error) docwright', tooltip: `docwright: ${problem}` });
  }

  private showStatus(text: { text: string; tooltip: string }): void {
    this.status.text = text.text;
    this.status.tooltip = text.tooltip;
    this.status.show();
  }
}

let session: Session | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const current = new Session(context);
  session = current;
  const command = (name: string, run: () => Promise<unknown>) =>
    context.subscriptions.push(vscode.commands.registerCommand(name, run));
  command('docwright.generateForFile', async () => {
    const document = vscode.window.activeTextEditor?.document;
    if (document === undefined || document.languageId !== 'python') {
      void vscode.window.showWarningMessage('docwright: open a Python file first.');
      return;
    }
    await current.serverCommand('docwright.generateFile', [document.uri.toString()]);
  });
  command('docwright.generateForWorkspace', () => current.serverCommand('docwright.generateWorkspace'));
  command('docwright.showSessionStats', async () => {
    await current.serverCommand('docwright.showStats');
    await current.refreshStatus();
  });
  command('docwright.clearAnswerCache', async () => {
    await current.serverCommand('docwright.clearCache');
    await current.refreshStatus();
  });
  command('docwright.runDoctor', async () => current.showDoctor(await current.serverCommand('docwright.doctor')));
  command('docwright.setApiKey', async () => {
    const key = await vscode.window.showInputBox({
      title: 'docwright: API key',
      prompt: 'The key of your Azure OpenAI or OpenAI service. It is kept in VS Code\'s secret storage and given to the docwright server only.',
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined || key.trim() === '') {
      return;
    }
    await context.secrets.store(SECRET, key.trim());
    await current.restart();
    void vscode.window.showInformationMessage('docwright: API key saved; the server restarted with it.');
  });
  command('docwright.deleteApiKey', async () => {
    await context.secrets.delete(SECRET);
    await current.restart();
    void vscode.window.showInformationMessage('docwright: API key deleted.');
  });
  command('docwright.restartServer', () => current.restart());
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((event) => current.settingsChanged(event)));
  await current.start();
}

export async function deactivate(): Promise<void> {
  await session?.stop();
}
