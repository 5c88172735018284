// `npm run build`, after tsc: the migrated PGlite template every new embedded database starts from
// (src/db/pglite-template.ts). Nothing to do when the one for the current migrations is there already.
import { ensureTemplate } from '../dist/db/pglite-template.js';

const { file, made } = await ensureTemplate();
if (made) console.log(`pglite template: ${file}`);
