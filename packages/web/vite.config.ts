import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The settings UI: built to dist/ (index.html + hashed files under /assets/), served by the server with an SPA
// fallback for /workspace/settings/*. public/ is copied as is (favicon, the plain CSS of the server's error pages).
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false },
  logLevel: 'warn',
});
