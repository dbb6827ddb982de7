// The newsroom's rich-text story editor. It replaces the Markdown field of the story form when
// JavaScript runs (without it the form still works, in Markdown) and keeps the story, as a
// Lexical document in Ghost's node shapes, in the form's hidden `lexical` field; saving,
// autosave, the conflict warning and presence stay the form's.

import {
  $createParagraphNode,
  $createTextNode,
  $getNodeByKey,
  $getRoot,
  $getSelection,
  $isDecoratorNode,
  $isElementNode,
  $isNodeSelection,
  $isParagraphNode,
  $isRangeSelection,
  $isTextNode,
  $setSelection,
  COMMAND_PRIORITY_CRITICAL,
  COMMAND_PRIORITY_LOW,
  FORMAT_TEXT_COMMAND,
  KEY_ARROW_DOWN_COMMAND,
  KEY_ARROW_UP_COMMAND,
  KEY_BACKSPACE_COMMAND,
  KEY_DELETE_COMMAND,
  KEY_ENTER_COMMAND,
  KEY_ESCAPE_COMMAND,
  KEY_MODIFIER_COMMAND,
  KEY_TAB_COMMAND,
  REDO_COMMAND,
  SELECTION_CHANGE_COMMAND,
  UNDO_COMMAND,
  createEditor,
  createState,
  $getState,
  $setState,
} from 'lexical';
import { $createHeadingNode, $createQuoteNode, $isHeadingNode, $isQuoteNode, DRAG_DROP_PASTE, HeadingNode, QuoteNode, registerRichText } from '@lexical/rich-text';
import { $isListNode, INSERT_ORDERED_LIST_COMMAND, INSERT_UNORDERED_LIST_COMMAND, ListItemNode, ListNode, REMOVE_LIST_COMMAND, registerList } from '@lexical/list';
import { $isLinkNode, $toggleLink, AutoLinkNode, LinkNode } from '@lexical/link';
import { createEmptyHistoryState, registerHistory } from '@lexical/history';
import {
  $deleteTableColumnAtSelection,
  $deleteTableRowAtSelection,
  $insertTableColumnAtSelection,
  $insertTableRowAtSelection,
  $isTableNode,
  INSERT_TABLE_COMMAND,
  TableCellNode,
  TableNode,
  TableRowNode,
  registerTablePlugin,
  registerTableSelectionObserver,
} from '@lexical/table';
import { $generateNodesFromDOM } from '@lexical/html';
import { $setBlocksType } from '@lexical/selection';
import { $findMatchingParent, mergeRegister } from '@lexical/utils';
import { $createCard, CARD_NODES, ImageNode } from './cards.js';
import { $createAsideNode, $createFootnoteNode, AsideNode, FootnoteNode } from './nodes.js';
import { fromEditor, toEditor } from './document.js';
import { InsertMenu } from './menu.js';
import { wordCount, readingMinutes } from './text.js';
import { isImage, pickImages, setUploadStatus, uploadImage } from './upload.js';

const captionState = createState('caption', { parse: (value) => (typeof value === 'string' ? value : '') });

function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value == null) continue;
    if (name === 'className') element.className = value;
    else if (name === 'text') element.textContent = value;
    else element.setAttribute(name, value);
  }
  element.append(...children.filter(Boolean));
  return element;
}

function mount(form, container) {
  const source = document.getElementById('story-document');
  const hidden = form.querySelector('input[name=lexical]');
  const markdownBody = form.querySelector('.editor__body');
  let initial = null;
  try {
    const text = source ? source.textContent.trim() : '';
    initial = text && text !== '""' ? JSON.parse(text) : null;
  } catch (error) {
    container.hidden = false;
    container.textContent = 'This story could not be opened in the rich-text editor (' + error.message + '); it is shown in Markdown.';
    return;
  }

  // The parts of the editor, in reading order.
  const toolbar = h('div', { className: 'me-toolbar', role: 'toolbar', 'aria-label': 'Formatting', 'aria-controls': 'story-text' });
  const context = h('div', { className: 'me-context', hidden: '' });
  const shell = h('div', { className: 'me-shell' });
  const editable = h('div', {
    className: 'me-editable',
    id: 'story-text',
    contenteditable: 'true',
    role: 'textbox',
    'aria-multiline': 'true',
    'aria-label': 'Story',
    'aria-describedby': 'story-help',
    spellcheck: 'true',
  });
  const help = h('p', { className: 'me-help', id: 'story-help', text: 'Type / at the start of a line to insert an image, an embed, a table and more.' });
  const progress = h('p', { className: 'me-upload', role: 'status', hidden: '' }, h('span', { 'data-upload-label': '' }), h('progress', { max: '1' }));
  const count = h('p', { className: 'me-count', 'aria-live': 'polite' });
  shell.append(editable);
  // The toolbar stays in view under the form's own sticky bar (Save, Publish) while writing.
  const head = form.querySelector('.editor__head');
  const placeToolbar = () => {
    toolbar.style.top = (head ? head.offsetHeight : 0) + 'px';
  };
  placeToolbar();
  window.addEventListener('resize', placeToolbar);
  container.append(toolbar, context, shell, help, h('div', { className: 'me-status' }, count, progress));
  setUploadStatus(progress);

  const editor = createEditor({
    namespace: 'masthead-story',
    nodes: [HeadingNode, QuoteNode, ListNode, ListItemNode, LinkNode, AutoLinkNode, TableNode, TableRowNode, TableCellNode, AsideNode, FootnoteNode, ...CARD_NODES],
    theme: {
      paragraph: 'me-p',
      quote: 'me-quote',
      list: { nested: { listitem: 'me-nested' }, ol: 'me-ol', ul: 'me-ul' },
      link: 'me-link',
      table: 'me-table',
      tableCellHeader: 'me-th',
      tableScrollableWrapper: 'me-table-wrap',
      text: { bold: 'me-bold', italic: 'me-italic', underline: 'me-underline', strikethrough: 'me-strike', code: 'me-code' },
    },
    onError: (error) => {
      count.textContent = 'The editor met an error: ' + error.message;
    },
  });
  editor.setRootElement(editable);
  mergeRegister(registerRichText(editor), registerList(editor), registerHistory(editor, createEmptyHistoryState(), 500), registerTablePlugin(editor));
  registerTableSelectionObserver(editor, true);

  const load = (document) => editor.setEditorState(editor.parseEditorState(toEditor(document)));
  if (initial) {
    try {
      load(initial);
    } catch (error) {
      container.textContent = 'This story could not be opened in the rich-text editor (' + error.message + '); it is shown in Markdown.';
      return;
    }
  }
  markdownBody.hidden = true;
  container.hidden = false;
  form.classList.add('has-rich-editor');

  // The document goes into the form on every change; the form's autosave notices it.
  function store(state) {
    hidden.value = JSON.stringify(fromEditor(state));
  }
  store(editor.getEditorState());
  editor.registerUpdateListener(({ editorState, dirtyElements, dirtyLeaves }) => {
    if (!dirtyElements.size && !dirtyLeaves.size) return;
    store(editorState);
    hidden.dispatchEvent(new Event('input', { bubbles: true }));
  });

  // Word count and reading time, as the published story will say; and the invitation to
  // write while the story is empty.
  editor.registerUpdateListener(({ editorState }) => {
    editorState.read(() => {
      const root = $getRoot();
      const first = root.getFirstChild();
      const empty = root.getChildrenSize() === 1 && $isParagraphNode(first) && first.getTextContentSize() === 0;
      if (empty) editable.dataset.empty = 'true';
      else delete editable.dataset.empty;
      let images = 0;
      for (const node of root.getChildren()) {
        if (node.getType() === 'image') images += 1;
        if (node.getType() === 'gallery') images += node.getData().images.length;
      }
      const words = wordCount(root.getTextContent());
      count.textContent = words.toLocaleString('en') + (words === 1 ? ' word' : ' words') + ' · ' + readingMinutes(words, images) + ' min read';
    });
  });

  // Inserting cards. A card takes the place of the empty paragraph the caret is in, or goes
  // after the block the caret is in; there is always a paragraph after it to go on typing.
  function $insertBlock(node) {
    const selection = $getSelection();
    let anchor = null;
    if ($isRangeSelection(selection)) anchor = selection.anchor.getNode().getTopLevelElement();
    else if ($isNodeSelection(selection)) anchor = selection.getNodes()[0] && selection.getNodes()[0].getTopLevelElement();
    if (anchor && $isParagraphNode(anchor) && anchor.getTextContent().trim() === '' && !anchor.getChildren().some($isDecoratorNode)) {
      anchor.replace(node);
    } else if (anchor) {
      anchor.insertAfter(node);
    } else {
      $getRoot().append(node);
    }
    let next = node.getNextSibling();
    if (!next || !$isParagraphNode(next)) {
      next = $createParagraphNode();
      node.insertAfter(next);
    }
    return next;
  }

  function insertCard(type, data, focusField) {
    let key = null;
    editor.update(
      () => {
        const card = $createCard(type, data);
        const next = $insertBlock(card);
        key = card.getKey();
        if (!focusField) next.select();
      },
      {
        onUpdate: () => {
          if (!focusField) return editor.focus();
          const element = key && editor.getElementByKey(key);
          const field = element && element.querySelector('input, textarea, select');
          if (field) field.focus();
        },
      },
    );
  }

  function insertImages(files, several) {
    const images = files.filter(isImage);
    if (!images.length) return;
    if (several && images.length > 1) {
      Promise.all(images.map((file) => uploadImage(file).then((result) => ({ ...result, file })))).then((results) =>
        insertCard('gallery', { images: results.map(({ url, width, height, file }) => ({ src: url, width, height, fileName: file.name, alt: '', caption: '' })) }, true),
      );
      return;
    }
    images.reduce((done, file) => done.then(() => uploadImage(file).then(({ url, width, height }) => insertCard('image', { src: url, width, height }, true))), Promise.resolve());
  }

  function setBlock(create) {
    editor.update(() => {
      const selection = $getSelection();
      if ($isRangeSelection(selection)) $setBlocksType(selection, create);
    });
  }

  // Ghost's quote button: paragraph, then quote, then pull quote (aside), then paragraph.
  function cycleQuote() {
    editor.update(() => {
      const selection = $getSelection();
      if (!$isRangeSelection(selection)) return;
      const block = selection.anchor.getNode().getTopLevelElement();
      const next = $isQuoteNode(block) ? $createAsideNode : block && block.getType() === 'aside' ? $createParagraphNode : $createQuoteNode;
      $setBlocksType(selection, next);
    });
  }

  function toggleHeading(tag) {
    editor.update(() => {
      const selection = $getSelection();
      if (!$isRangeSelection(selection)) return;
      const block = selection.anchor.getNode().getTopLevelElement();
      $setBlocksType(selection, () => ($isHeadingNode(block) && block.getTag() === tag ? $createParagraphNode() : $createHeadingNode(tag)));
    });
  }

  function toggleList(kind) {
    let inList = false;
    editor.getEditorState().read(() => {
      const selection = $getSelection();
      if (!$isRangeSelection(selection)) return;
      const list = $findMatchingParent(selection.anchor.getNode(), $isListNode);
      inList = list && list.getListType() === kind;
    });
    editor.dispatchCommand(inList ? REMOVE_LIST_COMMAND : kind === 'number' ? INSERT_ORDERED_LIST_COMMAND : INSERT_UNORDERED_LIST_COMMAND, undefined);
  }

  // A footnote's text is asked for first (an inline note cannot start empty), then inserted at
  // the caret; it can be edited in place afterwards.
  function insertFootnote() {
    editor.getEditorState().read(() => {
      const selection = $getSelection();
      savedSelection = $isRangeSelection(selection) ? selection.clone() : null;
    });
    if (!savedSelection) return;
    context.textContent = '';
    const input = h('textarea', { id: 'me-footnote-text', rows: '2' });
    const apply = () => {
      const text = input.value.trim();
      if (text) {
        editor.update(() => {
          $setSelection(savedSelection.clone());
          const selection = $getSelection();
          if (!$isRangeSelection(selection)) return;
          const note = $createFootnoteNode();
          note.append($createTextNode(text));
          selection.insertNodes([note]);
          note.selectNext(0, 0);
        });
      }
      closeContext();
    };
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        apply();
      } else if (event.key === 'Escape') {
        event.preventDefault();
        closeContext();
      }
    });
    context.append(h('label', { for: 'me-footnote-text', text: 'Footnote text' }), input, button('Add footnote', apply), button('Cancel', closeContext));
    context.hidden = false;
    context.dataset.kind = 'footnote';
    input.focus();
  }

  function insertTable() {
    editor.dispatchCommand(INSERT_TABLE_COMMAND, { columns: '3', rows: '3', includeHeaders: { rows: true, columns: false } });
  }

  // Markdown card to rich text: the server renders the Markdown exactly as it publishes it, and
  // the editor reads that HTML as it reads a paste.
  container.addEventListener('me-convert-markdown', (event) => {
    const key = event.detail;
    let markdown = '';
    editor.getEditorState().read(() => {
      const node = $getNodeByKey(key);
      markdown = node ? node.getData().markdown : '';
    });
    const data = new URLSearchParams();
    data.append('markdown', markdown);
    fetch('/admin/preview/', { method: 'POST', body: data, credentials: 'same-origin' })
      .then((response) => {
        if (!response.ok) throw new Error('the preview answered ' + response.status);
        return response.text();
      })
      .then((html) => {
        const dom = new DOMParser().parseFromString(html, 'text/html');
        // A picture alone in a paragraph is an image card, not text.
        dom.querySelectorAll('p > img:only-child').forEach((image) => {
          if (image.parentElement.textContent.trim() === '') image.parentElement.replaceWith(image);
        });
        editor.update(() => {
          const card = $getNodeByKey(key);
          if (!card) return;
          let last = card;
          for (const node of $generateNodesFromDOM(editor, dom)) {
            let block = node;
            if (!$isElementNode(node) && !$isDecoratorNode(node)) {
              if ($isTextNode(node) && node.getTextContent().trim() === '') continue;
              block = $createParagraphNode().append(node);
            } else if ($isElementNode(node) && node.isInline()) {
              block = $createParagraphNode().append(node);
            }
            last.insertAfter(block);
            last = block;
          }
          card.remove();
        });
      })
      .catch((error) => {
        count.textContent = 'The Markdown could not be converted: ' + error.message;
      });
  });

  function relatedStory() {
    openStoryPicker(container, (story) =>
      insertCard(
        'bookmark',
        { url: story.url, metadata: { title: story.title, description: story.excerpt, thumbnail: story.image, publisher: story.publisher, author: story.author, icon: story.icon } },
        false,
      ),
    );
  }

  const commands = [
    { name: 'heading', label: 'Heading', keywords: ['h2', 'title'], run: () => toggleHeading('h2') },
    { name: 'subheading', label: 'Subheading', keywords: ['h3'], run: () => toggleHeading('h3') },
    { name: 'quote', label: 'Quote', keywords: ['blockquote'], run: () => setBlock($createQuoteNode) },
    { name: 'pullquote', label: 'Pull quote', keywords: ['aside'], run: () => setBlock($createAsideNode) },
    { name: 'list', label: 'Bulleted list', keywords: ['bullet', 'ul'], run: () => toggleList('bullet') },
    { name: 'numbered', label: 'Numbered list', keywords: ['ol', 'number'], run: () => toggleList('number') },
    { name: 'image', label: 'Image', keywords: ['photo', 'picture'], run: () => pickImages(false).then((files) => insertImages(files, false)) },
    { name: 'gallery', label: 'Gallery', keywords: ['photos', 'pictures'], run: () => pickImages(true).then((files) => insertImages(files, true)) },
    { name: 'embed', label: 'Embed (video, post, audio)', keywords: ['youtube', 'video', 'twitter', 'x', 'instagram', 'telegram', 'spotify', 'vimeo', 'tiktok', 'soundcloud'], run: () => insertCard('embed', {}, true) },
    { name: 'bookmark', label: 'Bookmark (a link as a card)', keywords: ['link', 'card'], run: () => insertCard('bookmark', {}, true) },
    { name: 'story', label: 'Related story from this site', keywords: ['related', 'read'], run: relatedStory },
    { name: 'callout', label: 'Callout', keywords: ['note', 'box'], run: () => insertCard('callout', {}, true) },
    { name: 'button', label: 'Button', keywords: ['cta'], run: () => insertCard('button', {}, true) },
    { name: 'divider', label: 'Divider', keywords: ['hr', 'line', 'rule'], run: () => insertCard('horizontalrule', {}, false) },
    { name: 'members', label: 'Members-only divider', keywords: ['paywall', 'public preview'], run: () => insertCard('paywall', {}, false) },
    { name: 'table', label: 'Table', keywords: ['grid'], run: insertTable },
    { name: 'footnote', label: 'Footnote', keywords: ['note', 'reference'], run: insertFootnote },
    { name: 'html', label: 'HTML', keywords: ['code', 'raw'], run: () => insertCard('html', {}, true) },
    { name: 'markdown', label: 'Markdown', keywords: ['md'], run: () => insertCard('markdown', {}, true) },
    { name: 'code', label: 'Code block', keywords: ['pre', 'snippet'], run: () => insertCard('codeblock', {}, true) },
  ];

  // The slash: `/query` alone in a paragraph, caret at its end.
  let slashKey = null;
  const menu = new InsertMenu(shell, commands, (command, origin) => {
    if (origin === 'slash') {
      editor.update(
        () => {
          const paragraph = slashKey && $getNodeByKey(slashKey);
          if (paragraph) {
            paragraph.clear();
            paragraph.select();
          }
        },
        { onUpdate: () => command.run() },
      );
    } else {
      editor.focus(() => command.run());
    }
  });
  menu.onActive = (id) => editable.setAttribute('aria-activedescendant', id);
  menu.onHide = () => {
    editable.removeAttribute('aria-activedescendant');
    editable.removeAttribute('aria-controls');
  };
  editor.registerUpdateListener(({ editorState }) => {
    let query = null;
    editorState.read(() => {
      const selection = $getSelection();
      if (!$isRangeSelection(selection) || !selection.isCollapsed()) return;
      const block = selection.anchor.getNode().getTopLevelElement();
      if (!$isParagraphNode(block)) return;
      const text = block.getTextContent();
      const match = /^\/([a-z-]*)$/i.exec(text);
      if (match && selection.anchor.offset === text.length) {
        query = match[1];
        slashKey = block.getKey();
      }
    });
    if (query === null) {
      if (menu.open && menu.origin === 'slash') menu.hide();
      return;
    }
    const range = window.getSelection().rangeCount ? window.getSelection().getRangeAt(0) : null;
    const rect = range && range.getBoundingClientRect().height ? range.getBoundingClientRect() : editable.getBoundingClientRect();
    editable.setAttribute('aria-controls', menu.element.id);
    menu.show(query, rect, 'slash');
  });
  const menuKey = (name) => (event) => {
    if (!menu.open || menu.origin !== 'slash') return false;
    if (menu.key(name)) {
      if (event) event.preventDefault();
      return true;
    }
    return false;
  };
  mergeRegister(
    editor.registerCommand(KEY_ARROW_DOWN_COMMAND, menuKey('ArrowDown'), COMMAND_PRIORITY_CRITICAL),
    editor.registerCommand(KEY_ARROW_UP_COMMAND, menuKey('ArrowUp'), COMMAND_PRIORITY_CRITICAL),
    editor.registerCommand(KEY_ENTER_COMMAND, menuKey('Enter'), COMMAND_PRIORITY_CRITICAL),
    editor.registerCommand(KEY_TAB_COMMAND, menuKey('Tab'), COMMAND_PRIORITY_CRITICAL),
    editor.registerCommand(KEY_ESCAPE_COMMAND, menuKey('Escape'), COMMAND_PRIORITY_CRITICAL),
  );

  // A selected card goes with Backspace or Delete.
  const removeSelectedCards = (event) => {
    const selection = editor.getEditorState().read(() => $getSelection());
    if (!$isNodeSelection(selection)) return false;
    if (event) event.preventDefault();
    editor.update(() => {
      const chosen = $getSelection();
      if ($isNodeSelection(chosen)) chosen.getNodes().forEach((node) => node.remove());
    });
    return true;
  };
  editor.registerCommand(KEY_BACKSPACE_COMMAND, removeSelectedCards, COMMAND_PRIORITY_LOW);
  editor.registerCommand(KEY_DELETE_COMMAND, removeSelectedCards, COMMAND_PRIORITY_LOW);

  // Pictures dropped or pasted: uploaded and inserted as image cards.
  editor.registerCommand(
    DRAG_DROP_PASTE,
    (files) => {
      insertImages(Array.from(files), false);
      return true;
    },
    COMMAND_PRIORITY_LOW,
  );
  // Pictures pasted from a word processor arrive inside the HTML as data: addresses; they are
  // uploaded like any other, so the story never carries them inline.
  editor.registerMutationListener(ImageNode, (mutations) => {
    for (const [key, mutation] of mutations) {
      if (mutation !== 'created') continue;
      const src = editor.getEditorState().read(() => {
        const node = $getNodeByKey(key);
        return node ? node.getData().src : '';
      });
      const file = dataUrlFile(src);
      if (!file) continue;
      uploadImage(file)
        .then(({ url, width, height }) =>
          editor.update(() => {
            const node = $getNodeByKey(key);
            if (node) node.setData({ ...node.getData(), src: url, width, height });
          }),
        )
        .catch(() => {});
    }
  });

  // Links: Ctrl+K or the toolbar's Link button edits the link of the selected text.
  let savedSelection = null;
  function linkBar() {
    let url = '';
    let hasText = false;
    editor.getEditorState().read(() => {
      const selection = $getSelection();
      if (!$isRangeSelection(selection)) return;
      const link = $findMatchingParent(selection.anchor.getNode(), $isLinkNode);
      url = link ? link.getURL() : '';
      hasText = !selection.isCollapsed() || !!link;
      savedSelection = selection.clone();
    });
    if (!hasText) {
      count.textContent = 'Select the words to link first.';
      return;
    }
    context.textContent = '';
    const input = h('input', { type: 'url', id: 'me-link-url', placeholder: 'https://', value: url });
    input.value = url;
    const apply = () => {
      const value = input.value.trim();
      editor.update(() => {
        if (savedSelection) $setSelection(savedSelection.clone());
        $toggleLink(value ? value : null);
      });
      closeContext();
    };
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        apply();
      } else if (event.key === 'Escape') {
        event.preventDefault();
        closeContext();
      }
    });
    context.append(
      h('label', { for: 'me-link-url', text: 'Link to' }),
      input,
      button('Apply', apply),
      url ? button('Remove link', () => {
        input.value = '';
        apply();
      }) : null,
      button('Cancel', closeContext),
    );
    context.hidden = false;
    context.dataset.kind = 'link';
    input.focus();
  }
  function closeContext() {
    context.hidden = true;
    context.textContent = '';
    delete context.dataset.kind;
    editor.focus();
  }

  // Inside a table: its caption, and rows and columns.
  function tableBar(tableKey, caption) {
    if (context.dataset.kind === 'table' && context.dataset.table === tableKey) return;
    context.textContent = '';
    const input = h('input', { type: 'text', id: 'me-table-caption' });
    input.value = caption;
    input.addEventListener('input', () =>
      editor.update(() => {
        const table = $getNodeByKey(tableKey);
        if (table) $setState(table, captionState, input.value);
      }),
    );
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') event.preventDefault();
    });
    const inTable = (action) => () => editor.update(() => {
      if (savedSelection) $setSelection(savedSelection.clone());
      action();
    });
    context.append(
      h('label', { for: 'me-table-caption', text: 'Table caption' }),
      input,
      button('Add row', inTable(() => $insertTableRowAtSelection(true))),
      button('Add column', inTable(() => $insertTableColumnAtSelection(true))),
      button('Delete row', inTable(() => $deleteTableRowAtSelection())),
      button('Delete column', inTable(() => $deleteTableColumnAtSelection())),
    );
    context.hidden = false;
    context.dataset.kind = 'table';
    context.dataset.table = tableKey;
  }

  // Captions show above their table while editing.
  editor.registerMutationListener(TableNode, (mutations) => {
    editor.getEditorState().read(() => {
      for (const [key, mutation] of mutations) {
        if (mutation === 'destroyed') continue;
        const node = $getNodeByKey(key);
        const element = editor.getElementByKey(key);
        if (!node || !element) continue;
        const caption = $getState(node, captionState);
        const target = element.closest('.me-table-wrap') || element;
        if (caption) target.dataset.caption = caption;
        else delete target.dataset.caption;
      }
    });
  });

  // The toolbar: one tab stop, arrows move between its buttons (the ARIA toolbar pattern).
  function button(text, onClick, attributes) {
    const element = h('button', { type: 'button', ...(attributes || {}) });
    element.textContent = text;
    element.addEventListener('click', onClick);
    return element;
  }
  const formats = {};
  const tools = [
    ['Bold', 'B', () => editor.dispatchCommand(FORMAT_TEXT_COMMAND, 'bold'), 'Ctrl+B', 'bold'],
    ['Italic', 'I', () => editor.dispatchCommand(FORMAT_TEXT_COMMAND, 'italic'), 'Ctrl+I', 'italic'],
    ['Link', 'Link', linkBar, 'Ctrl+K'],
    ['Heading', 'H2', () => toggleHeading('h2'), 'Ctrl+Alt+2'],
    ['Subheading', 'H3', () => toggleHeading('h3'), 'Ctrl+Alt+3'],
    ['Quote', '“ ”', cycleQuote, 'Ctrl+Alt+Q'],
    ['Bulleted list', '• List', () => toggleList('bullet'), 'Ctrl+Shift+8'],
    ['Numbered list', '1. List', () => toggleList('number'), 'Ctrl+Shift+7'],
    ['Footnote', 'Note¹', insertFootnote, 'Ctrl+Alt+F'],
    ['Members-only divider', 'Members only', () => insertCard('paywall', {}, false)],
    ['Undo', 'Undo', () => editor.dispatchCommand(UNDO_COMMAND, undefined), 'Ctrl+Z'],
    ['Redo', 'Redo', () => editor.dispatchCommand(REDO_COMMAND, undefined), 'Ctrl+Shift+Z'],
  ];
  tools.forEach(([label, text, run, shortcut, format], index) => {
    const element = button(text, run, {
      'aria-label': label,
      title: shortcut ? label + ' (' + shortcut + ')' : label,
      'aria-keyshortcuts': shortcut ? shortcut.replace('Ctrl', 'Control') : null,
      tabindex: index === 0 ? '0' : '-1',
      'data-tool': label.toLowerCase().replace(/[^a-z]+/g, '-'),
    });
    if (format) {
      element.setAttribute('aria-pressed', 'false');
      formats[format] = element;
    }
    toolbar.append(element);
  });
  const insertButton = button('Insert…', () => {
    if (menu.open) return menu.hide();
    insertButton.setAttribute('aria-expanded', 'true');
    menu.show('', insertButton.getBoundingClientRect(), 'button');
  }, { 'aria-haspopup': 'listbox', 'aria-expanded': 'false', tabindex: '-1', 'data-tool': 'insert' });
  toolbar.append(insertButton);
  const previousHide = menu.onHide;
  menu.onHide = () => {
    previousHide();
    insertButton.setAttribute('aria-expanded', 'false');
  };
  toolbar.addEventListener('mousedown', (event) => {
    // Keep the text selection when a button is clicked.
    if (event.target.closest('button')) event.preventDefault();
  });
  toolbar.addEventListener('keydown', (event) => {
    const buttons = Array.from(toolbar.querySelectorAll('button'));
    const at = buttons.indexOf(document.activeElement);
    if (at < 0) return;
    let next = null;
    if (event.key === 'ArrowRight') next = (at + 1) % buttons.length;
    else if (event.key === 'ArrowLeft') next = (at - 1 + buttons.length) % buttons.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = buttons.length - 1;
    if (next === null) return;
    event.preventDefault();
    buttons[at].tabIndex = -1;
    buttons[next].tabIndex = 0;
    buttons[next].focus();
  });

  // Shortcuts beyond Lexical's own (bold, italic, underline, undo and redo).
  editor.registerCommand(
    KEY_MODIFIER_COMMAND,
    (event) => {
      const ctrl = event.ctrlKey || event.metaKey;
      if (!ctrl) return false;
      const key = event.key.toLowerCase();
      const code = event.code;
      let run = null;
      if (key === 'k' && !event.altKey && !event.shiftKey) run = linkBar;
      else if (event.altKey && code === 'Digit2') run = () => toggleHeading('h2');
      else if (event.altKey && code === 'Digit3') run = () => toggleHeading('h3');
      else if (event.altKey && code === 'KeyQ') run = cycleQuote;
      else if (event.altKey && code === 'KeyF') run = insertFootnote;
      else if (event.shiftKey && code === 'Digit8') run = () => toggleList('bullet');
      else if (event.shiftKey && code === 'Digit7') run = () => toggleList('number');
      if (!run) return false;
      event.preventDefault();
      // After the browser's pending selection changes reach the editor (a fast Shift+arrow run
      // just before the shortcut would otherwise leave the last keys out of the selection).
      setTimeout(run);
      return true;
    },
    COMMAND_PRIORITY_LOW,
  );

  // Toolbar state and the context bar follow the selection.
  editor.registerCommand(
    SELECTION_CHANGE_COMMAND,
    () => {
      const selection = $getSelection();
      if (!$isRangeSelection(selection)) return false;
      for (const [format, element] of Object.entries(formats)) element.setAttribute('aria-pressed', String(selection.hasFormat(format)));
      const table = $findMatchingParent(selection.anchor.getNode(), $isTableNode);
      if (table) {
        savedSelection = selection.clone();
        const key = table.getKey();
        const caption = $getState(table, captionState);
        setTimeout(() => tableBar(key, caption));
      } else if (context.dataset.kind === 'table') {
        setTimeout(() => {
          context.hidden = true;
          context.textContent = '';
          delete context.dataset.kind;
        });
      }
      return false;
    },
    COMMAND_PRIORITY_LOW,
  );

  // Without a first paragraph a new story has nowhere to type.
  editor.update(() => {
    const root = $getRoot();
    if (root.getChildrenSize() === 0) root.append($createParagraphNode());
  });
  // For the browser tests: load a document as a story opens, and read what a save sends.
  return { editor, load, save: () => fromEditor(editor.getEditorState()) };
}

// A picture from a data: address as a file to upload (decoded here: the newsroom's
// Content-Security-Policy does not let the page fetch data: addresses).
function dataUrlFile(src) {
  const match = /^data:(image\/(?:png|jpeg|webp|gif));base64,(.*)$/s.exec(src);
  if (!match) return null;
  try {
    const binary = atob(match[2]);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new File([bytes], 'pasted.' + match[1].split('/')[1].replace('jpeg', 'jpg'), { type: match[1] });
  } catch (_) {
    return null;
  }
}

// A search over the site's published stories, for the related-story card.
function openStoryPicker(container, onPick) {
  const dialog = h('div', { className: 'me-picker', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'me-picker-title' });
  const input = h('input', { type: 'search', id: 'me-picker-query', placeholder: 'Headline words' });
  const results = h('ul', { className: 'me-picker__results', role: 'listbox', 'aria-label': 'Stories' });
  const close = () => dialog.remove();
  const cancel = h('button', { type: 'button', text: 'Cancel' });
  cancel.addEventListener('click', close);
  dialog.append(h('h2', { id: 'me-picker-title', text: 'Related story' }), h('label', { for: 'me-picker-query', text: 'Find a published story' }), input, results, cancel);
  dialog.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
    }
    event.stopPropagation();
  });
  let timer = null;
  const search = () =>
    fetch('/admin/posts/related/?q=' + encodeURIComponent(input.value), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then((response) => response.json())
      .then((json) => {
        results.textContent = '';
        for (const story of json.stories || []) {
          const choose = h('button', { type: 'button' });
          choose.append(h('strong', { text: story.title }), h('small', { text: ' ' + (story.published || '') }));
          choose.addEventListener('click', () => {
            close();
            onPick(story);
          });
          results.append(h('li', { role: 'option' }, choose));
        }
        if (!results.children.length) results.append(h('li', { text: 'No published story matches.' }));
      });
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') event.preventDefault();
  });
  container.append(dialog);
  input.focus();
  search();
}

const form = document.querySelector('form.editor');
const container = document.querySelector('[data-rich-editor]');
if (form && container) window.mastheadEditor = mount(form, container);
