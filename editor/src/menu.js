// The insert menu: opened by typing `/` at the start of an empty paragraph (the list filters as
// one types on; arrows choose, Enter inserts, Escape closes) or by the toolbar's Insert button.
// It is an ARIA listbox; from the slash, focus stays in the text and the listbox is its active
// descendant.

let menuIds = 0;

export class InsertMenu {
  constructor(container, commands, onChoose) {
    this.commands = commands;
    this.onChoose = onChoose;
    this.element = document.createElement('ul');
    this.element.className = 'me-menu';
    this.element.id = 'me-menu-' + ++menuIds;
    this.element.setAttribute('role', 'listbox');
    this.element.setAttribute('aria-label', 'Insert');
    this.element.tabIndex = -1;
    this.element.hidden = true;
    this.items = [];
    this.active = 0;
    this.query = null;
    container.append(this.element);
    this.element.addEventListener('mousedown', (event) => event.preventDefault());
    this.element.addEventListener('click', (event) => {
      const item = event.target.closest('[role=option]');
      if (item) this.choose(Number(item.dataset.index));
    });
    this.element.addEventListener('keydown', (event) => {
      if (this.key(event.key)) event.preventDefault();
    });
  }

  get open() {
    return !this.element.hidden;
  }

  // Shows the commands matching `query` below `rect` (a caret or a button's box).
  show(query, rect, origin) {
    const words = query.toLowerCase();
    this.items = this.commands.filter(
      (command) => !words || command.name.startsWith(words) || command.label.toLowerCase().includes(words) || (command.keywords || []).some((k) => k.startsWith(words)),
    );
    this.query = query;
    this.origin = origin;
    if (!this.items.length) {
      this.hide();
      return;
    }
    this.active = Math.min(this.active, this.items.length - 1);
    this.element.textContent = '';
    this.items.forEach((command, index) => {
      const item = document.createElement('li');
      item.id = this.element.id + '-' + index;
      item.setAttribute('role', 'option');
      item.dataset.index = String(index);
      item.dataset.command = command.name;
      const label = document.createElement('span');
      label.textContent = command.label;
      const hint = document.createElement('small');
      hint.textContent = '/' + command.name;
      item.append(label, hint);
      this.element.append(item);
    });
    const box = this.element.parentElement.getBoundingClientRect();
    this.element.style.top = rect.bottom - box.top + 4 + 'px';
    this.element.style.left = Math.max(0, rect.left - box.left) + 'px';
    this.element.hidden = false;
    this.highlight();
    if (origin === 'button') this.element.focus();
  }

  hide() {
    if (!this.open) return;
    this.element.hidden = true;
    this.active = 0;
    this.query = null;
    if (this.onHide) this.onHide();
  }

  highlight() {
    Array.from(this.element.children).forEach((item, index) => item.setAttribute('aria-selected', String(index === this.active)));
    const current = this.element.children[this.active];
    if (current) {
      current.scrollIntoView({ block: 'nearest' });
      if (this.onActive) this.onActive(current.id);
    }
  }

  // Handles a key while open; says whether it was used.
  key(name) {
    if (!this.open) return false;
    if (name === 'ArrowDown') this.active = (this.active + 1) % this.items.length;
    else if (name === 'ArrowUp') this.active = (this.active - 1 + this.items.length) % this.items.length;
    else if (name === 'Enter' || name === 'Tab') this.choose(this.active);
    else if (name === 'Escape') this.hide();
    else return false;
    if (this.open) this.highlight();
    return true;
  }

  choose(index) {
    const command = this.items[index];
    const origin = this.origin;
    this.hide();
    if (command) this.onChoose(command, origin);
  }
}
