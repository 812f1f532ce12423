// A jsdom page at `url` whose window stands in for the browser's globals, so that
// analytics.js (and Segment's consent wrapper) run in Node as they do in a page.
const { JSDOM } = require('jsdom');

module.exports = function jsdomPage(url) {
  const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', {
    url, pretendToBeVisual: true, runScripts: 'outside-only',
  });
  for (const k of ['window', 'document', 'navigator', 'location', 'localStorage', 'sessionStorage',
    'HTMLElement', 'Element', 'Node', 'Event', 'CustomEvent', 'screen', 'history', 'self']) {
    try { Object.defineProperty(globalThis, k, { value: dom.window[k], configurable: true, writable: true }); } catch (e) {}
  }
  return dom;
};
