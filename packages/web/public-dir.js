import { fileURLToPath } from 'node:url';

/** Where the server finds the built settings UI (`vite build` output: index.html, favicon, hashed /assets/). */
export const publicDir = fileURLToPath(new URL('./dist/', import.meta.url));
