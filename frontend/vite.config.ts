/// <reference types="vitest/config" />
import { defineConfig } from "vite";

export default defineConfig({
  // Wails serves the built files from the embedded dist folder.
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  // A generous timeout: the machine running make test may be busy.
  test: { environment: "happy-dom", include: ["src/**/*.test.ts"], testTimeout: 30_000 },
});
