// Emscripten JS library: the imports of wasm/host_file_system.cc.
//
// Each import calls the file host the embedder passed as
// `createShaleModule({ shaleHost })` (js/src/hosts/), catches anything it
// throws and returns a shale::Status::Code, so no JS exception ever unwinds
// through wasm frames. A thrown error's `shaleCode` picks the code
// (NotFound, NoSpace, ...), its `shaleReason` the shale::Status::Reason in
// the next byte; anything else is an IOError (4).

mergeInto(LibraryManager.library, {
  $shaleHostCall: function (fn) {
    try {
      fn(Module['shaleHost']);
      Module['shaleHostError'] = '';
      return 0;
    } catch (e) {
      Module['shaleHostError'] = String((e && e.message) || e);
      var code = e && e.shaleCode;
      var reason = (e && e.shaleReason) | 0;
      return typeof code === 'number' && code > 0 ? code | (reason << 8) : 4;
    }
  },

  $shalePath: function (ptr, len) {
    return UTF8ToString(ptr, len);
  },

  shale_host_error: function (dst, cap) {
    stringToUTF8(Module['shaleHostError'] || 'unknown host error', dst, cap);
  },

  shale_host_open__deps: ['$shaleHostCall', '$shalePath'],
  shale_host_open: function (path, pathLen, mode, fdPtr) {
    return shaleHostCall(function (host) {
      HEAP32[fdPtr >> 2] = host.open(shalePath(path, pathLen), mode);
    });
  },

  shale_host_read__deps: ['$shaleHostCall'],
  shale_host_read: function (fd, offset, dst, n, gotPtr) {
    return shaleHostCall(function (host) {
      HEAPU32[gotPtr >> 2] = host.read(fd, offset, HEAPU8.subarray(dst, dst + n));
    });
  },

  shale_host_write__deps: ['$shaleHostCall'],
  shale_host_write: function (fd, offset, src, n) {
    return shaleHostCall(function (host) {
      host.write(fd, offset, HEAPU8.subarray(src, src + n));
    });
  },

  shale_host_sync__deps: ['$shaleHostCall'],
  shale_host_sync: function (fd) {
    return shaleHostCall(function (host) { host.sync(fd); });
  },

  shale_host_truncate__deps: ['$shaleHostCall'],
  shale_host_truncate: function (fd, size) {
    return shaleHostCall(function (host) { host.truncate(fd, size); });
  },

  shale_host_size__deps: ['$shaleHostCall'],
  shale_host_size: function (fd, sizePtr) {
    return shaleHostCall(function (host) {
      HEAPF64[sizePtr >> 3] = host.size(fd);
    });
  },

  shale_host_close__deps: ['$shaleHostCall'],
  shale_host_close: function (fd) {
    return shaleHostCall(function (host) { host.close(fd); });
  },

  shale_host_remove__deps: ['$shaleHostCall', '$shalePath'],
  shale_host_remove: function (path, pathLen) {
    return shaleHostCall(function (host) { host.remove(shalePath(path, pathLen)); });
  },

  shale_host_rename__deps: ['$shaleHostCall', '$shalePath'],
  shale_host_rename: function (from, fromLen, to, toLen) {
    return shaleHostCall(function (host) { host.rename(shalePath(from, fromLen), shalePath(to, toLen)); });
  },

  shale_host_exists__deps: ['$shaleHostCall', '$shalePath'],
  shale_host_exists: function (path, pathLen) {
    return shaleHostCall(function (host) {
      if (!host.exists(shalePath(path, pathLen))) {
        var e = new Error('no such file');
        e.shaleCode = 1;
        throw e;
      }
    });
  },

  shale_host_file_size__deps: ['$shaleHostCall', '$shalePath'],
  shale_host_file_size: function (path, pathLen, sizePtr) {
    return shaleHostCall(function (host) {
      HEAPF64[sizePtr >> 3] = host.fileSize(shalePath(path, pathLen));
    });
  },

  shale_host_list__deps: ['$shaleHostCall', '$shalePath', 'malloc'],
  shale_host_list: function (dir, dirLen, namesPtr, lenPtr) {
    return shaleHostCall(function (host) {
      var joined = host.list(shalePath(dir, dirLen)).join('\n');
      var len = lengthBytesUTF8(joined);
      var buf = _malloc(len + 1);
      stringToUTF8(joined, buf, len + 1);
      HEAPU32[namesPtr >> 2] = buf;
      HEAPU32[lenPtr >> 2] = len;
    });
  },

  shale_host_create_dir__deps: ['$shaleHostCall', '$shalePath'],
  shale_host_create_dir: function (dir, dirLen) {
    return shaleHostCall(function (host) { host.createDir(shalePath(dir, dirLen)); });
  },

  shale_host_sync_dir__deps: ['$shaleHostCall', '$shalePath'],
  shale_host_sync_dir: function (dir, dirLen) {
    return shaleHostCall(function (host) { host.syncDir(shalePath(dir, dirLen)); });
  },

  shale_host_lock__deps: ['$shaleHostCall', '$shalePath'],
  shale_host_lock: function (path, pathLen, idPtr) {
    return shaleHostCall(function (host) {
      HEAP32[idPtr >> 2] = host.lock(shalePath(path, pathLen));
    });
  },

  shale_host_unlock__deps: ['$shaleHostCall'],
  shale_host_unlock: function (id) {
    return shaleHostCall(function (host) { host.unlock(id); });
  },
});
