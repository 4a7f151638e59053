// The "Get Started" view shown while no model folder is set. It has no items: VS Code shows its
// welcome content (contributes.viewsWelcome in package.json) with the buttons and links. Its
// Settings link runs `pixart.openSettings` (settingsTarget), and "Learn about model folders" opens
// the user page docs/model-folders.md (modelHelpPage).

import * as vscode from 'vscode';
import { settingsTarget } from './settings-target';

export const WELCOME_VIEW_ID = 'pixart.welcome';

/** Opens the Settings editor on the PixArt settings, on the tab where they live in this window. */
export async function openPixArtSettings(): Promise<void> {
  const { command, args } = settingsTarget(vscode.env.remoteName);
  await vscode.commands.executeCommand(command, args);
}

/** The user page about model folders, shipped in the extension (docs/ is in the VSIX). */
export function modelHelpPage(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'docs', 'model-folders.md');
}

/** Opens docs/model-folders.md in the Markdown preview. */
export async function showModelHelp(extensionUri: vscode.Uri): Promise<void> {
  await vscode.commands.executeCommand('markdown.showPreview', modelHelpPage(extensionUri));
}

export class WelcomeViewProvider implements vscode.TreeDataProvider<never> {
  getTreeItem(element: never): vscode.TreeItem {
    return element;
  }

  getChildren(): never[] {
    return [];
  }
}
