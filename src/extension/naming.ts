// File naming moved to src/image/naming.ts (the CLI's MCP server names files the same way); this
// re-export keeps the extension's imports as they were.
export * from '../image/naming';
