// The status bar item: the model's state (not set / loading / compiling / ready on CPU) and the
// running job; a click opens the generator.

import * as vscode from 'vscode';
import type { Controller } from './controller';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('pixart.status', vscode.StatusBarAlignment.Right, 100);
  private readonly sub: vscode.Disposable;

  constructor(private readonly controller: Controller) {
    this.item.name = 'PixArt';
    this.item.command = 'pixart.openGenerator';
    this.sub = controller.onDidChange(() => this.update());
    this.update();
    this.item.show();
  }

  update(): void {
    const m = this.controller.model.state;
    const running = this.controller.jobs.queue.running;
    const waiting = this.controller.jobs.queue.size - (running ? 1 : 0);
    const queued = waiting > 0 ? ` (+${waiting} queued)` : '';
    let text: string;
    let tip: string;
    this.item.backgroundColor = undefined;
    if (running) {
      text = running.step ? `$(loading~spin) PixArt ${running.step}/${running.steps}${queued}` : `$(loading~spin) PixArt starting${queued}`;
      tip = `Generating: ${running.label}`;
    } else {
      switch (m.state) {
        case 'unset':
          text = '$(circle-slash) PixArt';
          tip = 'No model folder set — click to open the generator';
          break;
        case 'idle':
          text = '$(sparkle) PixArt';
          tip = `Model not loaded yet: ${m.modelPath ?? ''}`;
          break;
        case 'loading':
          text = '$(loading~spin) PixArt: loading';
          tip = `Loading model ${m.modelPath ?? ''}`;
          break;
        case 'compiling':
          text = '$(loading~spin) PixArt: compiling';
          tip = 'Compiling the model for the device (cached after the first time)';
          break;
        case 'ready':
          text = `$(sparkle) PixArt: ${m.device ?? 'ready'}`;
          tip = `${m.model?.name ?? 'Model'} ready on ${m.device ?? '?'}${m.runtime ? ` with ${m.runtime}` : ''}`;
          break;
        case 'error':
          text = '$(error) PixArt';
          tip = `Model failed to load: ${m.error ?? ''}`;
          this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
          break;
      }
    }
    this.item.text = text;
    this.item.tooltip = tip;
    this.item.accessibilityInformation = { label: text.replace(/\$\([^)]*\)\s*/g, '') + '. ' + tip, role: 'button' };
  }

  dispose(): void {
    this.sub.dispose();
    this.item.dispose();
  }
}
