// What run.sh hands the tests: the server's URL and the integration's keys.
const GhostContentAPI = require('@tryghost/content-api');
const GhostAdminAPI = require('@tryghost/admin-api');

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite through clients/run.sh`);
  return value;
}

const url = required('MASTHEAD_URL');
const contentKey = required('MASTHEAD_CONTENT_KEY');
const adminKey = required('MASTHEAD_ADMIN_KEY');

module.exports = {
  url,
  contentKey,
  adminKey,
  content: () => new GhostContentAPI({ url, key: contentKey, version: 'v6.0' }),
  admin: () => new GhostAdminAPI({ url, key: adminKey, version: 'v6.0' }),
  // The raw HTTP answer, for what the clients hide (status codes, headers, envelopes).
  raw: async (path, init = {}) => {
    const response = await fetch(`${url}${path}`, init);
    const text = await response.text();
    let body = null;
    try { body = JSON.parse(text); } catch { body = text; }
    return { status: response.status, headers: response.headers, body };
  },
};
