// Where the PixArt settings are edited in this window. Pure, unit-tested without VS Code.
// In a remote window (SSH, WSL, containers, code-server) pixart.modelPath and
// pixart.openvinoLibraryPath are paths on the remote machine (machine-overridable settings), kept on
// the Remote tab: the User tab would show them empty and a value typed there would be ignored.

/** The Settings editor's search for this extension's settings. */
export const SETTINGS_QUERY = '@ext:pixart-studio.pixart-studio';

/** The command (and its argument: both commands take `{ query }`) that opens the tab the settings live on. */
export function settingsTarget(remoteName: string | undefined): { command: string; args: { query: string } } {
  const command = remoteName ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings';
  return { command, args: { query: SETTINGS_QUERY } };
}
