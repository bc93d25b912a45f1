// ESLint for the TypeScript package (js/src) and the JavaScript and
// TypeScript of the tests, in check mode (scripts/lint). A modest rule set:
// ESLint's and typescript-eslint's recommended rules, without type
// information (fast), with the globals of each place.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const node = {
  process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly',
  clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly',
  queueMicrotask: 'readonly', structuredClone: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly',
  performance: 'readonly', WebAssembly: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly',
  MessageChannel: 'readonly', BroadcastChannel: 'readonly', fetch: 'readonly', crypto: 'readonly',
  globalThis: 'readonly', SharedArrayBuffer: 'readonly', Atomics: 'readonly',
};
const browser = {
  self: 'readonly', window: 'readonly', document: 'readonly', navigator: 'readonly', location: 'readonly',
  Worker: 'readonly', postMessage: 'readonly', onmessage: 'writable', addEventListener: 'readonly',
  FileReaderSync: 'readonly', Blob: 'readonly', File: 'readonly', DOMException: 'readonly',
  FileSystemSyncAccessHandle: 'readonly', FileSystemFileHandle: 'readonly', FileSystemDirectoryHandle: 'readonly',
  importScripts: 'readonly', close: 'readonly', indexedDB: 'readonly',
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'build/**', 'dist/**', '.deps/**', 'web-demo/**', 'bench/**', 'wasm/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['js/src/**/*.ts', 'tests/**/*.{ts,js,mjs,cjs}', 'eslint.config.mjs', 'scripts/**/*.mjs'],
    languageOptions: { globals: { ...node, ...browser } },
    rules: {
      // The code's own habits: `_`-prefixed unused arguments, casts at the
      // host boundary, empty catch blocks that say why in a comment.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['tests/**/*.{js,mjs,cjs}', 'scripts/**/*.mjs', 'eslint.config.mjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Playwright fixtures that use no other fixture destructure nothing: `({}, use)`.
  { files: ['tests/browser/**/*.ts'], rules: { 'no-empty-pattern': 'off' } },
  // Emscripten's --pre-js runs inside the CommonJS module it generates.
  {
    files: ['tests/engine/wasm_node_pre.js'],
    languageOptions: { sourceType: 'commonjs', globals: { Module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
  { linterOptions: { reportUnusedDisableDirectives: 'off' } },
);
