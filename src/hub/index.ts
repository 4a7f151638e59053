// The hub layer: a PixArt checkpoint from a Hugging Face repo id into the standard cache.
// Node only (no VS Code); the CLI's `pixart download-model` and the extension call downloadSnapshot.
export { downloadSnapshot, downloadSnapshots, type SharedDownloadOptions, type SnapshotRequest } from './download-snapshot';
export { DownloadCancelledError, HubError, type HubErrorKind } from './hub-errors';
export { hubSettings, DEFAULT_ENDPOINT, type HubSettings } from './hub-settings';
export { selectFiles } from './select-files';
export { formatBytes, formatDuration } from './units';
export type { DownloadOptions, DownloadProgress, RepoFile, Snapshot, SnapshotPart, Variant } from './types';
export { SIGMA_BASE_REPO, transformerOnlyRepo, type TransformerOnlyRepo } from './known-repos';
