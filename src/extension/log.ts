// The "PixArt" output channel (a log channel: levels, timestamps, the user's log-level setting).

import * as vscode from 'vscode';

export type Log = vscode.LogOutputChannel;

export function createLog(): Log {
  return vscode.window.createOutputChannel('PixArt', { log: true });
}
