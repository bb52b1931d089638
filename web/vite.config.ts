import { defineConfig } from "vite";

// `npm run dev` serves the app with hot reload and forwards the API and the development identity
// provider to a devhost on its default port, so the browser sees one origin as with `./run-local`.
const devhost = process.env.MOZAIKS_DEVHOST ?? "http://localhost:7071";

export default defineConfig({
  build: {
    outDir: "dist",
    // Hashed names under assets/ are what lets the host cache them for good (see StaticFiles).
    assetsDir: "assets",
    sourcemap: true,
  },
  server: {
    proxy: {
      "/api": devhost,
      "/dev": devhost,
    },
  },
});
