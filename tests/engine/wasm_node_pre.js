// --pre-js of the Emscripten test binary. Emscripten 3.1.6 loads the wasm
// with fetch() whenever fetch exists, and Node 18+ has a fetch that cannot
// read file paths: hand it the bytes instead.
if (typeof process === 'object' && !Module['wasmBinary']) {
  Module['wasmBinary'] = require('fs').readFileSync(require('path').join(__dirname, 'shale_tests.wasm'));
}
