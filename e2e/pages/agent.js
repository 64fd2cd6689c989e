// The host's own agent, passed to the widget with Backstop('init', { agent }). It answers at once, offline
// too, so the tests spend their time on delivery rather than on waiting. Answer ids start with the page's
// `?tag=` so each test can find the feedback on its own answers in the database.
(function () {
  'use strict';
  var tag = new URLSearchParams(location.search).get('tag') || 'untagged';
  var run = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  var n = 0;

  function confidenceFor(message) {
    if (/\blow\b/i.test(message)) return 0.2;
    if (/\bmedium\b/i.test(message)) return 0.6;
    return 0.9;
  }

  window.e2eAgent = function (message) {
    n += 1;
    return Promise.resolve({
      id: tag + '-' + run + '-' + n,
      text: 'Answer ' + n + ': you asked "' + message + '".',
      confidence: confidenceFor(message),
      traceId: 'e2e' + run + n,
      topic: 'e2e',
    });
  };
  window.Backstop('init', { agent: window.e2eAgent });
})();
