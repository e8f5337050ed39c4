// The one Vite configuration of the web UI, used by `build.ts` (production assets in dist/web)
// and by `airlock dev` (dev server with HMR, which adds its proxy to the API).
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "/",
  plugins: [react()],
  // The UI works offline: no CDN, no web fonts, nothing fetched at run time but /api and /auth.
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL("../../dist/web", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    // Admin and audit pages are split out with React.lazy; the first page stays small.
    chunkSizeWarningLimit: 900,
  },
  clearScreen: false,
});
