// The "Get Started" view shown while no model folder is set. It has no items: VS Code shows its
// welcome content (contributes.viewsWelcome in package.json) with the buttons and links.

import * as vscode from 'vscode';

export const WELCOME_VIEW_ID = 'pixart.welcome';

export class WelcomeViewProvider implements vscode.TreeDataProvider<never> {
  getTreeItem(element: never): vscode.TreeItem {
    return element;
  }

  getChildren(): never[] {
    return [];
  }
}
