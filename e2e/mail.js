// Where one run of the browser tests keeps its files, and the mail the server sent.
//
// playwright.config.js requires this module first, in the runner process: that creates one
// temporary directory for the run and puts it in MASTHEAD_E2E_RUN_DIR. Worker processes inherit
// the runner's environment, so when they load the config (and the tests load this module) they
// find the same directory instead of making another.
//
//   <run dir>/data   the server's data directory (SQLite database, media)
//   <run dir>/mail   the SMTP sink's directory: 00000001.eml, ... and received.jsonl
const fs = require('fs');
const os = require('os');
const path = require('path');

if (!process.env.MASTHEAD_E2E_RUN_DIR) {
  process.env.MASTHEAD_E2E_RUN_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-e2e-'));
}
const runDir = process.env.MASTHEAD_E2E_RUN_DIR;
const dataDir = path.join(runDir, 'data');
const mailDir = path.join(runDir, 'mail');
fs.mkdirSync(dataDir, { recursive: true });
fs.mkdirSync(mailDir, { recursive: true });

const smtpPort = Number(process.env.MASTHEAD_E2E_SMTP_PORT || 18025);
const binary = process.env.MASTHEAD_BIN || path.join(__dirname, '..', 'target', 'debug', 'masthead');
const sinkBinary = process.env.MASTHEAD_SMTP_SINK_BIN || path.join(path.dirname(binary), 'masthead-smtp-sink');

// ---- reading what the sink received -------------------------------------------------------------

/** Every line of received.jsonl so far: {seq, rcpt_to, message_id, subject}. */
function receivedLog() {
  let text;
  try {
    text = fs.readFileSync(path.join(mailDir, 'received.jsonl'), 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
  // The sink writes each line in one write; a line without its newline is not complete yet.
  return text
    .split('\n')
    .slice(0, -1)
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
}

/** The highest sequence number received so far (0 before any mail): pass it as `after`. */
function lastSeq() {
  return receivedLog().reduce((max, entry) => Math.max(max, entry.seq), 0);
}

/** Splits a message (or a MIME part) into unfolded headers and its body. */
function splitMessage(raw) {
  const match = /\r?\n\r?\n/.exec(raw);
  const head = match ? raw.slice(0, match.index) : raw;
  const body = match ? raw.slice(match.index + match[0].length) : '';
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ||= []).push(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function header(headers, name) {
  const values = headers[name.toLowerCase()];
  return values ? values[0] : undefined;
}

/** A header parameter such as `boundary` or `charset` from a Content-Type value. */
function parameter(value, name) {
  const match = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value || '');
  return match ? match[1] ?? match[2] : undefined;
}

/** Quoted-printable: soft line breaks `=\r\n` go, `=XX` escapes become bytes. */
function decodeQuotedPrintable(text) {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function decodeBody(headers, body) {
  const encoding = (header(headers, 'content-transfer-encoding') || '7bit').toLowerCase();
  const charset = (parameter(header(headers, 'content-type'), 'charset') || 'utf-8').toLowerCase();
  let bytes;
  if (encoding === 'quoted-printable') bytes = decodeQuotedPrintable(body);
  else if (encoding === 'base64') bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else bytes = Buffer.from(body, 'utf8');
  return bytes.toString(charset === 'us-ascii' || charset === 'ascii' ? 'latin1' : 'utf8');
}

/** The leaf parts of a message: [{type, text}], multiparts walked depth first. */
function leafParts(headers, body) {
  const type = (header(headers, 'content-type') || 'text/plain').split(';')[0].trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = parameter(header(headers, 'content-type'), 'boundary');
    const pieces = body.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?\\n?`));
    // pieces[0] is the preamble, the last one the epilogue.
    return pieces
      .slice(1, -1)
      .filter((piece) => piece.trim())
      .flatMap((piece) => {
        const part = splitMessage(piece);
        return leafParts(part.headers, part.body);
      });
  }
  return [{ type, text: decodeBody(headers, body) }];
}

function decodeEntities(text) {
  return text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** Reads DIR/<seq>.eml: headers, the text/plain body, the HTML body (if any) and every link. */
function readMail(entry) {
  const file = path.join(mailDir, `${String(entry.seq).padStart(8, '0')}.eml`);
  const raw = fs.readFileSync(file, 'utf8');
  const { headers, body } = splitMessage(raw);
  const parts = leafParts(headers, body);
  const text = parts.filter((p) => p.type === 'text/plain').map((p) => p.text).join('\n');
  const html = parts.filter((p) => p.type === 'text/html').map((p) => p.text).join('\n');
  const links = new Set();
  for (const match of text.matchAll(/https?:\/\/[^\s<>"')\]]+/g)) links.add(match[0]);
  for (const match of html.matchAll(/href="(https?:\/\/[^"]+)"/g)) links.add(decodeEntities(match[1]));
  return {
    ...entry,
    file,
    raw,
    header: (name) => header(headers, name),
    headers,
    text,
    html,
    links: [...links],
  };
}

/**
 * Waits until the sink has a message to `to` whose subject contains `subjectContains`, with a
 * sequence number above `after`, and returns it decoded: {seq, subject, rcpt_to, text, html,
 * links, header(name), raw, file}.
 */
async function waitForMail(to, subjectContains, { after = 0, timeout = 30_000 } = {}) {
  const deadline = Date.now() + timeout;
  const wanted = to.toLowerCase();
  for (;;) {
    const log = receivedLog();
    const entry = log.find(
      (e) =>
        e.seq > after &&
        e.rcpt_to.some((r) => r.toLowerCase() === wanted) &&
        (e.subject || '').includes(subjectContains),
    );
    if (entry) return readMail(entry);
    if (Date.now() > deadline) {
      const seen = log.map((e) => `  ${e.seq}: to ${e.rcpt_to.join(', ')}: ${e.subject}`).join('\n') || '  (nothing)';
      throw new Error(
        `No mail to ${to} with a subject containing ${JSON.stringify(subjectContains)} after #${after} within ${timeout} ms. ` +
          `The sink (${mailDir}) received:\n${seen}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

module.exports = { runDir, dataDir, mailDir, smtpPort, binary, sinkBinary, receivedLog, lastSeq, waitForMail, readMail };
