// The dashboard's build: plain ES modules and one CSS file, no inline
// script (kesu serve sends a CSP without 'unsafe-inline'), no data: URLs.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    target: 'es2020',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
