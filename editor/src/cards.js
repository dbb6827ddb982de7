// Cards: the blocks of a story that are not running text (image, gallery, embed, bookmark,
// callout, button, divider, HTML, Markdown, code, the members-only divider). Each stores exactly
// Ghost's node shape, so a story moves between Ghost and Masthead unchanged, and is edited
// through labelled form fields inside the card. A card Ghost has and Masthead does not edit
// (a toggle, a product, a signup form...) is kept as it is (`PreservedNode`).

import { $applyNodeReplacement, $createNodeSelection, $getNodeByKey, $setSelection, DecoratorNode } from 'lexical';
import { escapeHtml, htmlToText, textToHtml } from './text.js';
import { pickImages, uploadImage } from './upload.js';

const EDITABLE = 'input, textarea, select, button';

// Keys and edits inside a card's fields belong to the field, not to the story's text: stop
// them before the editor (which listens on its root) treats them as typing in the story.
function isolate(element) {
  const events = ['keydown', 'keyup', 'keypress', 'beforeinput', 'input', 'paste', 'cut', 'copy', 'drop', 'dragover', 'compositionstart', 'compositionend'];
  for (const name of events) {
    element.addEventListener(name, (event) => {
      if (!event.target.closest || !event.target.closest(EDITABLE)) return;
      event.stopPropagation();
      // Enter in a one-line field would submit the story's form.
      if (name === 'keydown' && event.key === 'Enter' && event.target.tagName === 'INPUT') event.preventDefault();
    });
  }
}

function get(data, path) {
  return path.split('.').reduce((value, part) => (value == null ? undefined : value[part]), data);
}

function withPath(data, path, value) {
  const [head, ...rest] = path.split('.');
  const copy = { ...data };
  copy[head] = rest.length ? withPath(data[head] || {}, rest.join('.'), value) : value;
  return copy;
}

let fieldIds = 0;

// A labelled field bound to a property of the card's data. `html: true` fields hold HTML in the
// document (Ghost's captions) and are edited as text.
function field(spec, data, change) {
  const id = 'me-field-' + ++fieldIds;
  const wrapper = document.createElement('div');
  wrapper.className = 'me-field me-field--' + (spec.kind || 'text');
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = spec.label;
  let input;
  if (spec.kind === 'textarea' || spec.kind === 'code') {
    input = document.createElement('textarea');
    input.rows = spec.rows || 4;
    input.spellcheck = spec.kind !== 'code';
  } else if (spec.kind === 'select') {
    input = document.createElement('select');
    for (const [value, text] of spec.options) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = text;
      input.append(option);
    }
  } else {
    input = document.createElement('input');
    input.type = spec.kind === 'url' ? 'url' : 'text';
  }
  input.id = id;
  input.dataset.field = spec.name;
  if (spec.html) input.dataset.html = 'true';
  if (spec.placeholder) input.placeholder = spec.placeholder;
  input.value = shown(input, data);
  input.addEventListener(spec.kind === 'select' ? 'change' : 'input', () => {
    change(spec.name, input.dataset.html ? textToHtml(input.value) : input.value);
  });
  wrapper.append(label, input);
  return wrapper;
}

function shown(input, data) {
  const value = get(data, input.dataset.field);
  if (value == null) return input.tagName === 'SELECT' ? input.options[0].value : '';
  return input.dataset.html ? htmlToText(value) : String(value);
}

function button(text, label, onClick) {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = text;
  if (label) element.setAttribute('aria-label', label);
  element.addEventListener('click', onClick);
  return element;
}

// The card's frame: a labelled group with a heading, a remove button, the card's own preview
// and its fields.
// The button that takes the card `key` out of the story.
function removeButton(editor, key, label) {
  return button('Remove', label, () =>
    editor.update(() => {
      const current = $getNodeByKey(key);
      if (current) current.remove();
    }),
  );
}

function frame(spec, node, editor) {
  const key = node.getKey();
  const update = (patch) =>
    editor.update(() => {
      const current = $getNodeByKey(key);
      if (current) current.setData(patch(current.getData()));
    });
  const change = (path, value) => update((data) => withPath(data, path, value));
  const root = document.createElement('div');
  root.className = 'me-card me-card--' + spec.type;
  root.contentEditable = 'false';
  root.setAttribute('role', 'group');
  root.setAttribute('aria-label', spec.label);
  root.dataset.card = spec.type;
  isolate(root);
  const head = document.createElement('div');
  head.className = 'me-card__head';
  const title = document.createElement('span');
  title.className = 'me-card__label';
  title.textContent = spec.label;
  head.append(title, removeButton(editor, key, 'Remove ' + spec.label.toLowerCase()));
  root.append(head);
  // A click on the card (not on a field) selects it, so Backspace or Delete removes it.
  root.addEventListener('click', (event) => {
    if (event.target.closest(EDITABLE)) return;
    editor.update(() => {
      const selection = $createNodeSelection();
      selection.add(key);
      $setSelection(selection);
    });
  });
  const preview = document.createElement('div');
  preview.className = 'me-card__preview';
  root.append(preview);
  const context = { editor, key, update, change, preview, root };
  if (spec.preview) spec.preview(preview, node.__data, context);
  for (const fieldSpec of spec.fields || []) root.append(field(fieldSpec, node.__data, change));
  root.__context = context;
  return root;
}

// After undo or redo the node's data changes under its DOM: bring the fields and preview along.
function sync(spec, root, data) {
  for (const input of root.querySelectorAll('[data-field]')) {
    if (document.activeElement === input && input.dataset.html) continue;
    const value = shown(input, data);
    if (input.value !== value) input.value = value;
  }
  if (spec.preview && root.__context) spec.preview(root.querySelector('.me-card__preview'), data, root.__context);
}

export const CARD_CLASSES = {};

function defineCard(spec) {
  class Card extends DecoratorNode {
    static getType() {
      return spec.type;
    }
    static clone(node) {
      return new Card(node.__data, node.__key);
    }
    static importJSON(json) {
      // eslint-disable-next-line no-unused-vars
      const { type, version, ...data } = json;
      return $applyNodeReplacement(new Card(data));
    }
    static importDOM() {
      return spec.importDOM ? spec.importDOM((data) => $applyNodeReplacement(new Card(data))) : null;
    }
    constructor(data, key) {
      super(key);
      this.__data = { ...(spec.defaults || {}), ...(data || {}) };
    }
    exportJSON() {
      const data = spec.export ? spec.export(this.__data) : this.__data;
      return { type: spec.type, version: 1, ...data };
    }
    exportDOM() {
      return { element: null };
    }
    createDOM(_config, editor) {
      return frame(spec, this, editor);
    }
    updateDOM(_previous, dom) {
      sync(spec, dom, this.__data);
      return false;
    }
    decorate() {
      return null;
    }
    isInline() {
      return false;
    }
    getTextContent() {
      return spec.text ? spec.text(this.__data) + '\n\n' : '';
    }
    getData() {
      return this.getLatest().__data;
    }
    setData(data) {
      this.getWritable().__data = data;
    }
  }
  Object.defineProperty(Card, 'name', { value: spec.className });
  CARD_CLASSES[spec.type] = Card;
  return Card;
}

export function $createCard(type, data) {
  return $applyNodeReplacement(new CARD_CLASSES[type](data));
}

function imagePreview(preview, data, context, several) {
  preview.textContent = '';
  if (data.src) {
    const image = document.createElement('img');
    image.src = data.src;
    image.alt = data.alt || '';
    preview.append(image);
  }
  preview.append(
    button(data.src ? 'Replace image' : 'Choose image…', null, () =>
      pickImages(several).then((files) => {
        if (!files.length) return;
        uploadImage(files[0]).then(({ url, width, height }) =>
          context.update((current) => ({ ...current, src: url, width, height })),
        );
      }),
    ),
  );
}

export const ImageNode = defineCard({
  type: 'image',
  className: 'ImageCardNode',
  label: 'Image',
  defaults: { src: '', width: null, height: null, title: '', alt: '', caption: '', cardWidth: 'regular', href: '' },
  preview: (preview, data, context) => imagePreview(preview, data, context, false),
  fields: [
    { name: 'alt', label: 'Alt text (what it shows)' },
    { name: 'caption', label: 'Caption', html: true },
    { name: 'credit', label: 'Credit', placeholder: 'Photo: Name / Agency' },
    { name: 'cardWidth', label: 'Width', kind: 'select', options: [['regular', 'Text width'], ['wide', 'Wide'], ['full', 'Full width']] },
    { name: 'href', label: 'Link (optional)', kind: 'url' },
  ],
  text: (data) => [htmlToText(data.caption), data.credit].filter(Boolean).join(' '),
  // Pictures pasted from a web page or a document become image cards.
  importDOM: (create) => ({
    img: () => ({
      priority: 1,
      conversion: (element) => {
        const src = element.getAttribute('src') || '';
        if (!/^(https?:|\/|data:image\/)/.test(src)) return { node: null };
        return {
          node: create({
            src,
            alt: element.getAttribute('alt') || '',
            width: Number(element.getAttribute('width')) || null,
            height: Number(element.getAttribute('height')) || null,
          }),
        };
      },
    }),
  }),
});

export const GalleryNode = defineCard({
  type: 'gallery',
  className: 'GalleryCardNode',
  label: 'Gallery',
  defaults: { images: [], caption: '' },
  preview: (preview, data, context) => {
    preview.textContent = '';
    const list = document.createElement('ul');
    list.className = 'me-gallery';
    data.images.forEach((image, index) => {
      const item = document.createElement('li');
      const picture = document.createElement('img');
      picture.src = image.src;
      picture.alt = image.alt || '';
      item.append(
        picture,
        button('Remove', 'Remove picture ' + (index + 1), () =>
          context.update((current) => ({ ...current, images: current.images.filter((_, i) => i !== index) })),
        ),
      );
      list.append(item);
    });
    preview.append(
      list,
      button('Add pictures…', null, () =>
        pickImages(true).then((files) =>
          files.reduce(
            (done, file) =>
              done.then(() =>
                uploadImage(file).then(({ url, width, height }) =>
                  context.update((current) => ({
                    ...current,
                    images: [...current.images, { src: url, width, height, fileName: file.name, alt: '', caption: '' }],
                  })),
                ),
              ),
            Promise.resolve(),
          ),
        ),
      ),
    );
  },
  fields: [{ name: 'caption', label: 'Caption', html: true }],
  // Ghost lays a gallery out three pictures to a row.
  export: (data) => ({ ...data, images: data.images.map((image, i) => ({ ...image, row: Math.floor(i / 3) })) }),
  text: (data) => htmlToText(data.caption),
});

const PROVIDERS = [
  [/^https?:\/\/(www\.|m\.)?(youtube\.com|youtu\.be)\//, 'YouTube'],
  [/^https?:\/\/(www\.)?vimeo\.com\//, 'Vimeo'],
  [/^https?:\/\/(www\.|mobile\.)?(twitter\.com|x\.com)\//, 'X'],
  [/^https?:\/\/(www\.)?instagram\.com\//, 'Instagram'],
  [/^https?:\/\/t\.me\//, 'Telegram'],
  [/^https?:\/\/open\.spotify\.com\//, 'Spotify'],
  [/^https?:\/\/(www\.|m\.)?soundcloud\.com\//, 'SoundCloud'],
  [/^https?:\/\/(www\.)?tiktok\.com\//, 'TikTok'],
];

export function providerOf(url) {
  const found = PROVIDERS.find(([pattern]) => pattern.test(url || ''));
  return found ? found[1] : null;
}

export const EmbedNode = defineCard({
  type: 'embed',
  className: 'EmbedCardNode',
  label: 'Embed',
  defaults: { url: '', embedType: '', html: '', metadata: {}, caption: '' },
  preview: (preview, data) => {
    const provider = providerOf(data.url);
    preview.textContent = !data.url
      ? 'Paste the address of a video, a post or a track.'
      : provider
        ? provider + ': shown as the provider’s player on the published story.'
        : 'Not a provider Masthead embeds: readers get a link to it.';
  },
  fields: [
    { name: 'url', label: 'Address (YouTube, Vimeo, X, Instagram, Telegram, Spotify, SoundCloud, TikTok)', kind: 'url' },
    { name: 'caption', label: 'Caption', html: true },
  ],
  text: (data) => htmlToText(data.caption),
});

export const BookmarkNode = defineCard({
  type: 'bookmark',
  className: 'BookmarkCardNode',
  label: 'Bookmark',
  defaults: { url: '', metadata: {}, caption: '' },
  preview: (preview, data) => {
    preview.textContent = '';
    if (data.metadata && data.metadata.thumbnail) {
      const image = document.createElement('img');
      image.src = data.metadata.thumbnail;
      image.alt = '';
      preview.append(image);
    }
  },
  fields: [
    { name: 'url', label: 'Address', kind: 'url' },
    { name: 'metadata.title', label: 'Title' },
    { name: 'metadata.description', label: 'Description', kind: 'textarea', rows: 2 },
    { name: 'metadata.publisher', label: 'Publisher' },
    { name: 'metadata.author', label: 'Author' },
    { name: 'caption', label: 'Caption', html: true },
  ],
  text: (data) => [data.metadata.title, data.metadata.description, data.metadata.publisher].filter(Boolean).join(' '),
});

export const CalloutNode = defineCard({
  type: 'callout',
  className: 'CalloutCardNode',
  label: 'Callout',
  defaults: { calloutText: '', calloutEmoji: '💡', backgroundColor: 'grey' },
  fields: [
    { name: 'calloutText', label: 'Text', kind: 'textarea', rows: 3, html: true },
    { name: 'calloutEmoji', label: 'Emoji (leave empty for none)' },
    {
      name: 'backgroundColor',
      label: 'Colour',
      kind: 'select',
      options: [['grey', 'Grey'], ['white', 'White'], ['blue', 'Blue'], ['green', 'Green'], ['yellow', 'Yellow'], ['red', 'Red'], ['pink', 'Pink'], ['purple', 'Purple'], ['accent', 'Accent']],
    },
  ],
  text: (data) => htmlToText(data.calloutText),
});

export const ButtonNode = defineCard({
  type: 'button',
  className: 'ButtonCardNode',
  label: 'Button',
  defaults: { buttonText: '', buttonUrl: '', alignment: 'center' },
  fields: [
    { name: 'buttonText', label: 'Button text' },
    { name: 'buttonUrl', label: 'Link', kind: 'url' },
    { name: 'alignment', label: 'Alignment', kind: 'select', options: [['center', 'Centre'], ['left', 'Left']] },
  ],
  text: (data) => data.buttonText,
});

export const DividerNode = defineCard({
  type: 'horizontalrule',
  className: 'DividerCardNode',
  label: 'Divider',
  preview: (preview) => {
    if (!preview.firstChild) preview.append(document.createElement('hr'));
  },
  importDOM: (create) => ({ hr: () => ({ priority: 1, conversion: () => ({ node: create({}) }) }) }),
});

export const PaywallNode = defineCard({
  type: 'paywall',
  className: 'PaywallCardNode',
  label: 'Members only below',
  preview: (preview) => {
    preview.textContent = 'Everyone reads what is above this line; what is below is for the readers the story’s access allows.';
  },
  // The members-only marker of a Markdown story, as the preview shows it.
  importDOM: (create) => ({
    p: (element) =>
      element.classList.contains('members-only-divider') ? { priority: 4, conversion: () => ({ node: create({}) }) } : null,
  }),
});

export const HtmlNode = defineCard({
  type: 'html',
  className: 'HtmlCardNode',
  label: 'HTML',
  defaults: { html: '' },
  fields: [{ name: 'html', label: 'HTML (cleaned of scripts and styles when published)', kind: 'code', rows: 6 }],
  text: (data) => htmlToText(data.html),
});

export const MarkdownNode = defineCard({
  type: 'markdown',
  className: 'MarkdownCardNode',
  label: 'Markdown',
  defaults: { markdown: '' },
  preview: (preview, data, context) => {
    if (preview.firstChild) return;
    preview.append(
      button('Convert to rich text', null, () => context.root.dispatchEvent(new CustomEvent('me-convert-markdown', { bubbles: true, detail: context.key }))),
    );
  },
  fields: [{ name: 'markdown', label: 'Markdown', kind: 'code', rows: 10 }],
  text: (data) => data.markdown,
});

export const CodeNode = defineCard({
  type: 'codeblock',
  className: 'CodeCardNode',
  label: 'Code',
  defaults: { code: '', language: '', caption: '' },
  fields: [
    { name: 'code', label: 'Code', kind: 'code', rows: 6 },
    { name: 'language', label: 'Language' },
    { name: 'caption', label: 'Caption', html: true },
  ],
  text: (data) => data.code,
});

// A card from Ghost that this editor does not edit: kept exactly as it came.
export class PreservedNode extends DecoratorNode {
  static getType() {
    return 'preserved';
  }
  static clone(node) {
    return new PreservedNode(node.__original, node.__key);
  }
  static importJSON(json) {
    return new PreservedNode(json.original);
  }
  constructor(original, key) {
    super(key);
    this.__original = original;
  }
  exportJSON() {
    return { type: 'preserved', version: 1, original: this.__original };
  }
  createDOM(_config, editor) {
    const root = document.createElement('div');
    root.className = 'me-card me-card--preserved';
    root.contentEditable = 'false';
    root.setAttribute('role', 'group');
    root.setAttribute('aria-label', 'Kept card');
    const text = document.createElement('p');
    text.textContent = 'A “' + this.__original.type + '” card from Ghost, kept as it is. It can be moved or removed here, and edited in Ghost.';
    const key = this.__key;
    root.append(text, removeButton(editor, key, 'Remove kept card'));
    return root;
  }
  updateDOM() {
    return false;
  }
  decorate() {
    return null;
  }
  isInline() {
    return false;
  }
}

export const CARD_NODES = [ImageNode, GalleryNode, EmbedNode, BookmarkNode, CalloutNode, ButtonNode, DividerNode, PaywallNode, HtmlNode, MarkdownNode, CodeNode, PreservedNode];

export { escapeHtml };
