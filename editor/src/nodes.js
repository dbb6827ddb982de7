// The two text nodes Masthead adds to Lexical's own: Ghost's `aside` (the pull quote its quote
// button alternates with) and the footnote, an inline note the page numbers and lists at the
// end of the story.

import { $applyNodeReplacement, $createParagraphNode, ElementNode } from 'lexical';

export class AsideNode extends ElementNode {
  static getType() {
    return 'aside';
  }
  static clone(node) {
    return new AsideNode(node.__key);
  }
  static importJSON(json) {
    return $createAsideNode().updateFromJSON(json);
  }
  static importDOM() {
    return { aside: () => ({ priority: 1, conversion: () => ({ node: $createAsideNode() }) }) };
  }
  createDOM() {
    const element = document.createElement('aside');
    element.className = 'me-aside';
    return element;
  }
  updateDOM() {
    return false;
  }
  exportJSON() {
    return { ...super.exportJSON(), type: 'aside', version: 1 };
  }
  insertNewAfter(_selection, restoreSelection) {
    const paragraph = $createParagraphNode();
    this.insertAfter(paragraph, restoreSelection);
    return paragraph;
  }
  collapseAtStart() {
    const paragraph = $createParagraphNode();
    this.getChildren().forEach((child) => paragraph.append(child));
    this.replace(paragraph);
    return true;
  }
}

export function $createAsideNode() {
  return $applyNodeReplacement(new AsideNode());
}

export class FootnoteNode extends ElementNode {
  static getType() {
    return 'footnote';
  }
  static clone(node) {
    return new FootnoteNode(node.__key);
  }
  static importJSON(json) {
    return $createFootnoteNode().updateFromJSON(json);
  }
  createDOM() {
    const element = document.createElement('span');
    element.className = 'me-footnote';
    element.title = 'Footnote: numbered on the page and listed at the end of the story';
    return element;
  }
  updateDOM() {
    return false;
  }
  exportJSON() {
    return { ...super.exportJSON(), type: 'footnote', version: 1 };
  }
  isInline() {
    return true;
  }
  canInsertTextAfter() {
    return false;
  }
}

export function $createFootnoteNode() {
  return $applyNodeReplacement(new FootnoteNode());
}

export function $isFootnoteNode(node) {
  return node instanceof FootnoteNode;
}
