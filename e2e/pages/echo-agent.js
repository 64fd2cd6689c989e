// An agent that answers with the user's message, unchanged, so that every payload is rendered both as user
// text and as agent text (the markdown subset applies to answers). The site key comes from `?key=`, so a
// test can point the widget at a site of its own.
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var tag = params.get('tag') || 'untagged';
  var n = 0;
  window.Backstop('init', {
    siteKey: params.get('key'),
    agent: function (message) {
      n += 1;
      return Promise.resolve({ id: tag + '-' + n, text: message, confidence: 0.9, topic: 'xss' });
    },
  });
})();
