// Where generated images go: pixart.outputFolder resolved against the workspace, the folder the
// user chose when no workspace is open (asked once, remembered for the session), and the consent
// to write into a workspace in Restricted Mode (asked once per session, before the first job).

import * as vscode from 'vscode';
import * as os from 'node:os';
import { realPathOf, resolveRealOutputFolder, type PixArtSettings } from './settings';

export class OutputFolder {
  private chosenFolder: string | undefined;
  private restrictedModeAccepted = false;

  /** `chosen` is called when the user picked a folder (the gallery shows another folder now). */
  constructor(private readonly settings: () => PixArtSettings, private readonly chosen: () => void) {}

  /** The workspace folder of the active editor, else the first one; file system folders only. */
  workspaceRoot(): string | undefined {
    const active = vscode.window.activeTextEditor?.document.uri;
    const folder = (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
    return folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
  }

  /** The output folder; with `ask`, asks the user where to save when no folder is open. */
  async resolve(ask: boolean): Promise<string | undefined> {
    return (await this.locate(ask))?.folder;
  }

  /** The output folder as set (`folder`) and where its files land (`real`, symbolic links resolved). */
  private async locate(ask: boolean): Promise<{ folder: string; real: string } | undefined> {
    const r = await resolveRealOutputFolder(this.settings().outputFolder, this.workspaceRoot(), os.homedir());
    if (r.ok) return r;
    if (r.reason === 'no-workspace') {
      const folder = this.chosenFolder ?? (ask ? await this.askForFolder() : undefined);
      return folder === undefined ? undefined : { folder, real: (await realPathOf(folder)) ?? folder };
    }
    if (ask) void vscode.window.showErrorMessage(`PixArt: ${r.message}`);
    return undefined;
  }

  private async askForFolder(): Promise<string | undefined> {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Save Images Here', title: 'PixArt: where should generated images go?' });
    if (!picked?.[0]) return undefined;
    this.chosenFolder = picked[0].fsPath;
    this.chosen();
    return this.chosenFolder;
  }

  /**
   * The folder a new job writes into (`folder`) and its real path (`real`, symbolic links
   * resolved: the job's save checks it again): resolved (asking when no folder is open), and in a
   * Restricted Mode workspace only once the user agreed to write there (shown the real target).
   * Undefined: the user backed out.
   */
  async forJob(): Promise<{ folder: string; real: string } | undefined> {
    const where = await this.locate(true);
    if (!where) return undefined;
    if (!vscode.workspace.isTrusted && !this.restrictedModeAccepted) {
      const through = where.real === where.folder ? '' : ` (through the link ${where.folder})`;
      const ok = await vscode.window.showWarningMessage(
        'This workspace is in Restricted Mode. Generate images and save them into it?',
        { modal: true, detail: `Images will be written to ${where.real}${through}. The model folder and OpenVINO settings come from your user settings only.` },
        'Generate',
      );
      if (ok !== 'Generate') return undefined;
      this.restrictedModeAccepted = true;
    }
    return where;
  }
}
