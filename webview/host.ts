// The webview's side of its link to the extension host: VS Code's webview API and message types.

import type { HostToWebview, WebviewToHost } from '../src/protocol/messages';

export interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** Posts a message to the host (which validates everything it receives). */
export type Send = (msg: WebviewToHost) => void;

/** One kind of host message. */
export type HostMessage<K extends HostToWebview['type']> = Extract<HostToWebview, { type: K }>;
