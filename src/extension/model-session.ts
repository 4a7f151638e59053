// The model as the host sees it: its state (unset, idle, loading, compiling, ready, error), loading
// and reloading it in the worker when the settings say so, the form defaults and limits it implies,
// and the token counts its tokenizer answers. The jobs waiting for it are the job runner's.

import * as vscode from 'vscode';
import { sameLoad, type FormDefaults, type HostToWebview, type ModelState, type WorkerToHost } from '../protocol/messages';
import { validateGeneration, type GenerationConfig, type Validated } from '../protocol/generation';
import { PendingReplies } from '../protocol/request-reply';
import { loadOptionsFrom, resolveFormDefaults, type PixArtSettings } from './settings';
import type { WorkerClient } from './worker-client';
import type { Log } from './log';

export interface TokenCount {
  tokens: number;
  max: number;
  truncated: boolean;
}

/** What the session needs from its surroundings (the controller wires these). */
export interface ModelSessionDeps {
  worker: Pick<WorkerClient, 'send' | 'started'>;
  /** Where compiled models may be cached (used when pixart.compiledModelCache is on). */
  cacheDir: string;
  settings(): PixArtSettings;
  post(msg: HostToWebview): void;
  /** The model state changed. */
  changed(): void;
  log: Log;
}

/** What a load failure of each kind is called, and the command that fixes it. */
const LOAD_FIXES = {
  'model-folder': { what: 'The model folder is not usable', button: 'Select Model Folder…', command: 'pixart.selectModelFolder' },
  runtime: { what: 'OpenVINO could not be started', button: 'Choose OpenVINO Library…', command: 'pixart.chooseOpenVinoLibrary' },
  other: { what: 'The model could not be loaded', button: 'Select Model Folder…', command: 'pixart.selectModelFolder' },
} as const;

/**
 * Why Generate is off in this state: without a model folder, and while the model is in error (a
 * job would only fail again; a new load, by Reload Model or a settings change, turns it back on).
 */
function generateBlocked(m: ModelState): string | undefined {
  if (m.state === 'unset') return 'Generate needs a model folder: select one first.';
  if (m.state === 'error') return 'Generate is off until the model loads: fix what the error says, then Reload Model (or select another model folder).';
  return undefined;
}

const TOKEN_REPLY_MS = 5000;
/** No count, and no limit yet: it depends on the model's family (α 120 tokens, Σ 300). */
const NO_COUNT: TokenCount = { tokens: -1, max: 0, truncated: false };

export class ModelSession {
  private model: ModelState;
  /** The last load failure as shown to the user (the real-VS-Code tests read it: notifications cannot be). */
  lastNotice: { text: string; buttons: string[]; command: string } | undefined;
  private readonly tokenReplies = new PendingReplies<TokenCount>(TOKEN_REPLY_MS, () => ({ ...NO_COUNT }));

  constructor(private readonly deps: ModelSessionDeps) {
    const modelPath = deps.settings().modelPath;
    this.model = modelPath ? { state: 'idle', modelPath } : { state: 'unset', generateBlocked: generateBlocked({ state: 'unset' }) };
    this.updateModelConfiguredContext();
  }

  get state(): ModelState {
    return this.model;
  }

  formDefaults(): FormDefaults {
    return resolveFormDefaults(this.deps.settings(), this.model.model);
  }

  /** Checks a generation against what this model can run (its sizes and steps). */
  validate(raw: unknown): Validated<GenerationConfig> {
    return validateGeneration(raw, { supportedSizes: this.model.model?.supportedSizes ?? [], maxSteps: this.model.model?.maxSteps });
  }

  postState(): void {
    this.deps.post({ type: 'modelState', model: this.model, defaults: this.formDefaults(), preview: this.deps.settings().preview });
  }

  private set(state: ModelState): void {
    this.model = { ...state, generateBlocked: generateBlocked(state) };
    this.postState();
    this.deps.changed();
  }

  private updateModelConfiguredContext(): void {
    void vscode.commands.executeCommand('setContext', 'pixart.modelConfigured', this.deps.settings().modelPath !== '');
  }

  /** Starts loading the model when a folder is set and it is not loaded (or loading) already. */
  ensure(): boolean {
    const modelPath = this.deps.settings().modelPath;
    if (!modelPath) {
      if (this.model.state !== 'unset') this.set({ state: 'unset' });
      return false;
    }
    if (['loading', 'compiling', 'ready'].includes(this.model.state) && this.model.modelPath === modelPath) return true;
    this.load();
    return true;
  }

  load(): void {
    const s = this.deps.settings();
    if (!s.modelPath) {
      this.ensure();
      return;
    }
    const options = loadOptionsFrom(s, this.deps.cacheDir);
    this.deps.log.info(`loading model ${options.modelDir} on ${options.device} (runtime ${options.runtime}, precision ${options.precision}${options.cacheDir ? ', cache on' : ''})`);
    this.set({ state: 'loading', modelPath: options.modelDir, devices: this.model.devices });
    this.deps.worker.send({ type: 'load', options });
  }

  /** True when a model folder is set, asking the user to select one when none is. */
  async requireFolder(): Promise<boolean> {
    if (this.deps.settings().modelPath) return true;
    const pick = await vscode.window.showWarningMessage('PixArt: no model folder is set.', 'Select Model Folder…');
    if (pick) await vscode.commands.executeCommand('pixart.selectModelFolder');
    return this.deps.settings().modelPath !== '';
  }

  /** The settings changed from `before`: reloads when the load they ask for differs (the worker's own rule). */
  settingsChanged(before: PixArtSettings): void {
    const s = this.deps.settings();
    this.updateModelConfiguredContext();
    if (sameLoad(loadOptionsFrom(before, this.deps.cacheDir), loadOptionsFrom(s, this.deps.cacheDir))) {
      this.postState();
    } else if (!s.modelPath) {
      // Only a running worker has something to unload (sending would start one).
      if (this.deps.worker.started) this.deps.worker.send({ type: 'unload' });
      this.set({ state: 'unset' });
    } else if (this.model.state !== 'unset' || this.deps.worker.started) {
      this.load();
    } else {
      this.set({ state: 'idle', modelPath: s.modelPath });
    }
  }

  /** The worker's answers about the model (status, loaded, loadFailed, tokens). */
  onWorkerMessage(m: Extract<WorkerToHost, { type: 'status' | 'loaded' | 'loadFailed' | 'tokens' }>): void {
    // An answer to a load the settings have since replaced (the folder cleared or changed while it
    // was in flight) says nothing about the model asked for now: the next load's answers will.
    if (m.type !== 'tokens' && (this.model.state === 'unset' || (m.type === 'loaded' && m.model.modelDir !== this.deps.settings().modelPath))) return;
    switch (m.type) {
      case 'status':
        if (m.state !== 'ready') this.set({ ...this.model, state: m.state });
        return;
      case 'loaded':
        this.deps.log.info(`model ready: ${m.model.name} (${m.model.schedulerClass}) on ${m.device} via ${m.runtime}, ${m.engine} ${m.engineVersion}, in ${(m.loadMs / 1000).toFixed(1)} s; devices: ${m.devices.join(', ')}`);
        this.set({ state: 'ready', model: m.model, device: m.device, devices: m.devices, runtime: m.runtime, modelPath: m.model.modelDir });
        return;
      case 'loadFailed':
        this.loadFailed(m);
        return;
      case 'tokens':
        this.tokenReplies.resolve(m.requestId, { tokens: m.tokens, max: m.max, truncated: m.truncated });
        return;
    }
  }

  private loadFailed(m: Extract<WorkerToHost, { type: 'loadFailed' }>): void {
    this.deps.log.error(`model failed to load (${m.kind}): ${m.message}${m.detail ? `\n${m.detail}` : ''}`);
    this.set({ state: 'error', error: m.message, modelPath: this.deps.settings().modelPath, devices: this.model.devices });
    // One line that names the cause, and the action that fixes it as a button.
    const fix = LOAD_FIXES[m.kind];
    const text = `PixArt: ${m.kind === 'runtime' ? m.message : `${fix.what}: ${m.message}`}`;
    this.lastNotice = { text, buttons: [fix.button, 'Show Log'], command: fix.command };
    void vscode.window.showErrorMessage(text, fix.button, 'Show Log').then((pick) => {
      if (pick === fix.button) void vscode.commands.executeCommand(fix.command);
      if (pick === 'Show Log') this.deps.log.show();
    });
  }

  /**
   * The worker died. Restarting: the model is loading again. Not restarting (it keeps dying, e.g.
   * a native module cannot load): the model is in error, and the message for the jobs that cannot
   * run is returned (undefined when nothing changed).
   */
  workerCrashed(reason: string, restarting: boolean): string | undefined {
    if (this.model.state === 'unset') return undefined;
    const modelPath = this.deps.settings().modelPath;
    if (restarting) {
      this.set({ state: modelPath ? 'loading' : 'unset', modelPath, devices: this.model.devices });
      return undefined;
    }
    // Say so instead of "loading" forever.
    const message = `${reason} It stopped several times in a row; see the log, then use PixArt: Reload Model to try again.`;
    this.set({ state: 'error', error: message, modelPath, devices: this.model.devices });
    void vscode.window.showErrorMessage(`PixArt: ${message}`, 'Show Log').then((pick) => pick && this.deps.log.show());
    return message;
  }

  /** Tokens of `text` by the model's tokenizer; tokens −1 when unknown (no model, or no answer in time). */
  countTokens(text: string): Promise<TokenCount> {
    if (this.model.state !== 'ready') return Promise.resolve({ ...NO_COUNT, max: this.model.model?.maxTokens ?? NO_COUNT.max });
    return this.tokenReplies.request((requestId) => this.deps.worker.send({ type: 'countTokens', requestId, text }));
  }

  dispose(): void {
    this.tokenReplies.dispose();
  }
}
