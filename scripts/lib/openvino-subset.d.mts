// Types of openvino-subset.mjs for the TypeScript tests.
export function classifyLib(name: string, os: string): { keep?: string; reason?: string };
export function systemLib(name: string, os: string): string | undefined;
export function checkNeeds(
  files: Map<string, { needed: string[]; rpath: string[]; delayNeeded?: string[] }>,
  os: string,
): { problems: string[]; system: Record<string, string> };
