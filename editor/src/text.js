// Small text helpers shared by the cards and the word count.

export function escapeHtml(text) {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

// A caption or callout is HTML in Ghost's documents; the card shows and edits its text.
export function htmlToText(html) {
  if (!html) return '';
  const doc = new DOMParser().parseFromString('<body>' + html.replace(/<br\s*\/?>/gi, '\n') + '</body>', 'text/html');
  return doc.body.textContent || '';
}

export function textToHtml(text) {
  return escapeHtml(text).replace(/\n/g, '<br>');
}

// Words as the server counts them for reading time (Ghost's rule): runs of Latin, Greek and
// Cyrillic letters, digits and `_`, and each CJK character.
const WORD = /[A-Za-z0-9_\u00C0-\u00FF\u0392-\u03C9\u0410-\u04F9]+|[\u4E00-\u9FFF\u3400-\u4DBF\uF900-\uFAFF\u3040-\u309F\uAC00-\uD7AF]/g;

export function wordCount(text) {
  const words = text.match(WORD);
  return words ? words.length : 0;
}

// Ghost's reading time: 275 words a minute, and 12 seconds for the first image, one second less
// for each next one down to 3; pages round a story under a minute up to 1.
export function readingMinutes(words, images) {
  let seconds = words / (275 / 60);
  for (let i = 0; i < images; i++) seconds += Math.max(12 - i, 3);
  return Math.max(1, Math.round(seconds / 60));
}
