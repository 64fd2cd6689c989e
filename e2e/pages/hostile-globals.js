// A host page that patches the globals a widget leans on: `?patch=` names the patches (comma-separated) and
// `?when=before` applies them before widget.js runs (the hard case: the widget never sees the originals),
// `?when=after` once it has started. Every patch stays in place for the rest of the page's life.
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var names = (params.get('patch') || '').split(',').filter(Boolean);
  var nativeFetch = window.fetch;
  var NativePromise = Promise;
  var PATCHES = {
    // A mock or a blocker that refuses every request.
    'fetch-throws': function () {
      window.fetch = function () {
        throw new TypeError('fetch is disabled on this page');
      };
    },
    // An "analytics" wrapper that replaces every request body.
    'fetch-rewrites': function () {
      window.fetch = function (input, init) {
        if (init && init.body) init = Object.assign({}, init, { body: '{"rewritten":true}' });
        return nativeFetch.call(window, input, init);
      };
    },
    // Serialisation replaced by versions that fail or lie.
    json: function () {
      JSON.stringify = function () {
        throw new Error('JSON.stringify is patched');
      };
      JSON.parse = function () {
        return { patched: true };
      };
    },
    // Old-library style: enumerable additions, and the methods replaced by hand-rolled versions (no `thisArg`,
    // `includes` by indexOf, so NaN is never found) that count their calls.
    array: function () {
      var calls = 0;
      var define = function (name, fn) {
        Array.prototype[name] = fn; // assignment keeps them enumerable, as those libraries did
      };
      define('last', function () {
        return this[this.length - 1];
      });
      define('map', function (fn) {
        calls++;
        var out = new Array(this.length);
        for (var i = 0; i < this.length; i++) if (i in this) out[i] = fn(this[i], i, this);
        return out;
      });
      define('filter', function (fn) {
        calls++;
        var out = [];
        for (var i = 0; i < this.length; i++) if (i in this && fn(this[i], i, this)) out[out.length] = this[i];
        return out;
      });
      define('push', function () {
        calls++;
        for (var i = 0; i < arguments.length; i++) this[this.length] = arguments[i];
        return this.length;
      });
      define('includes', function (x) {
        calls++;
        return this.indexOf(x) !== -1;
      });
      window.arrayPatchCalls = function () {
        return calls;
      };
    },
    // zone.js style: the global replaced by a wrapper constructor whose instances are still real promises.
    'promise-wrapper': function () {
      function Wrapped(executor) {
        return new NativePromise(executor);
      }
      Wrapped.prototype = NativePromise.prototype;
      ['resolve', 'reject', 'all', 'allSettled', 'race', 'any'].forEach(function (k) {
        Wrapped[k] = function () {
          return NativePromise[k].apply(NativePromise, arguments);
        };
      });
      window.Promise = Wrapped;
    },
    // A page that removed server-sent events (or replaced them with a stub that never connects).
    eventsource: function () {
      window.EventSource = function () {
        throw new Error('EventSource is disabled on this page');
      };
    },
  };
  function apply() {
    names.forEach(function (n) {
      if (!PATCHES[n]) throw new Error('unknown patch ' + n);
      PATCHES[n]();
    });
    window.patchesApplied = names;
  }
  if (params.get('when') === 'after') {
    var timer = setInterval(function () {
      if (window.Backstop && window.Backstop.loaded) {
        clearInterval(timer);
        apply();
      }
    }, 5);
  } else apply();
})();
