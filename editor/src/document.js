// The stored document and the editor's state differ in three ways, undone on the way out:
// - Ghost's "extended" text nodes are Lexical's own nodes under another name;
// - a card the editor does not edit is wrapped, whole, in a `preserved` node;
// - a table's caption is kept in Lexical's node state while editing.

import { CARD_CLASSES } from './cards.js';

const BLOCKS = new Set(['paragraph', 'heading', 'quote', 'aside', 'list', 'table']);
const INLINES = new Set(['text', 'linebreak', 'tab', 'link', 'autolink', 'footnote']);
const RENAMED = { 'extended-text': 'text', 'extended-heading': 'heading', 'extended-quote': 'quote' };
const ELEMENT_DEFAULTS = { format: '', indent: 0, direction: null, children: [] };

function element(node, children) {
  return { ...ELEMENT_DEFAULTS, ...node, version: 1, children };
}

function textOf(node) {
  if (typeof node.text === 'string') return node.text;
  return (node.children || []).map(textOf).join('');
}

function inline(node) {
  const type = RENAMED[node.type] || node.type;
  if (type === 'zwnj') return null;
  if (type === 'text') return { detail: 0, format: 0, mode: 'normal', style: '', ...node, type, version: 1, text: node.text || '' };
  if (type === 'linebreak' || type === 'tab') return { ...node, type, version: 1 };
  if (type === 'link' || type === 'autolink' || type === 'footnote') {
    return element({ ...node, type, url: node.url || '' }, inlines(node.children));
  }
  if (type === 'list') return block(node);
  // Koenig's "to come" marker, mentions and anything else inline: their text.
  const text = textOf(node);
  return text ? { detail: 0, format: 0, mode: 'normal', style: '', type: 'text', version: 1, text } : null;
}

function inlines(children) {
  return (children || []).map(inline).filter(Boolean);
}

function block(node) {
  const type = RENAMED[node.type] || node.type;
  if (type === 'paragraph' || type === 'quote' || type === 'aside') return element({ ...node, type }, inlines(node.children));
  if (type === 'heading') return element({ ...node, type, tag: /^h[1-6]$/.test(node.tag) ? node.tag : 'h2' }, inlines(node.children));
  if (type === 'list') {
    const listType = node.listType || (node.tag === 'ol' ? 'number' : 'bullet');
    const items = (node.children || []).map((item, i) =>
      element({ ...item, type: 'listitem', value: item.value || i + 1, checked: undefined }, inlines(item.children)),
    );
    return element({ ...node, type, listType, start: node.start ?? 1, tag: listType === 'number' ? 'ol' : 'ul' }, items);
  }
  if (type === 'table') {
    const { caption, ...rest } = node;
    const rows = (node.children || []).map((row) =>
      element(
        { ...row, type: 'tablerow' },
        (row.children || []).map((cell) =>
          element(
            { headerState: 0, colSpan: 1, rowSpan: 1, backgroundColor: null, ...cell, type: 'tablecell' },
            (cell.children || []).map((child) => (BLOCKS.has(child.type) ? block(child) : element({ type: 'paragraph' }, inlines([child])))),
          ),
        ),
      ),
    );
    const table = element({ ...rest, type }, rows);
    if (caption) table.$ = { ...(rest.$ || {}), caption };
    return table;
  }
  if (CARD_CLASSES[type]) return { ...node, type, version: 1 };
  if (INLINES.has(type) || RENAMED[node.type]) return element({ type: 'paragraph' }, inlines([node]));
  return { type: 'preserved', version: 1, original: node };
}

// A stored document (JSON text) as the editor loads it.
export function toEditor(source) {
  const document = typeof source === 'string' ? JSON.parse(source) : source;
  const root = document.root || {};
  const children = (root.children || []).map(block);
  return { root: element({ ...root, type: 'root' }, children) };
}

function out(node) {
  if (node.type === 'preserved') return node.original;
  const copy = { ...node };
  if (copy.type === 'table' && copy.$ && copy.$.caption !== undefined) {
    const { caption, ...state } = copy.$;
    if (caption) copy.caption = caption;
    if (Object.keys(state).length) copy.$ = state;
    else delete copy.$;
  }
  if (Array.isArray(copy.children)) copy.children = copy.children.map(out);
  return copy;
}

// The editor's state as the document to store.
export function fromEditor(state) {
  const json = state.toJSON();
  return { root: out(json.root) };
}
