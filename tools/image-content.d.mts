// Types of tools/image-content.mjs (plain JavaScript, run by node without TypeScript).
export const CACHE_ROOT: string;
export function contentBytes(path: string): number;
export function assembleImageContent(app: string, distRoot?: string, cacheRoot?: string): string;
