import { fileURLToPath } from 'node:url';

/** Where the server finds the static settings pages. */
export const publicDir = fileURLToPath(new URL('./public/', import.meta.url));
