// Stands in for `xmlbuilder` in the Lambda bundles. xml2js (under rss-parser) requires it at load
// time for its Builder, which writes XML; news-alerts only parses XML, so the 68 KB library would
// be dead weight in every cold start. Anything that does try to build XML fails loudly here.
'use strict';
module.exports = {
  create() {
    throw new Error('xmlbuilder is not bundled: news-alerts functions only parse XML');
  },
};
