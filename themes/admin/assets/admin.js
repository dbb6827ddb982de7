// Image upload by picking a file, for any admin form: `<input type=file data-upload="NAME">`
// sends the file to /admin/uploads/ and writes the returned address into the same form's
// `[data-upload-target=NAME]` field (the story's feature image, a guest's profile photo). A
// picker with no such field hands the address to `other` (the editor puts it into the text).
// Progress and errors show in `status`, when there is one. Without JavaScript the address is typed.
var adminUploads = (function () {
  'use strict';
  function upload(file, status) {
    var data = new FormData();
    data.append('file', file);
    if (status) status.textContent = 'Uploading ' + file.name + '…';
    return fetch('/admin/uploads/', { method: 'POST', body: data, credentials: 'same-origin', headers: { 'Accept': 'application/json' } }).then(function (r) {
      return r.json().then(function (json) {
        if (!r.ok) throw new Error(json.error || 'Upload failed');
        if (status) status.textContent = '';
        return json.url;
      });
    }).catch(function (error) {
      if (status) status.textContent = error.message;
      throw error;
    });
  }
  function bind(form, status, other) {
    form.querySelectorAll('input[type=file][data-upload]').forEach(function (input) {
      input.addEventListener('change', function () {
        if (!input.files.length) return;
        var name = input.dataset.upload;
        var file = input.files[0];
        input.value = '';
        upload(file, status).then(function (url) {
          var target = form.querySelector('[data-upload-target="' + name + '"]');
          if (target) target.value = url;
          else if (other) other(url, file);
        });
      });
    });
  }
  return { upload: upload, bind: bind };
})();

// Forms other than the story editor that take an upload (a guest contributor's profile photo, a
// live feed item's image).
(function () {
  'use strict';
  document.querySelectorAll('form[data-uploads]').forEach(function (form) {
    adminUploads.bind(form, form.querySelector('[data-upload-state]'));
  });
})();

// Progressive enhancement for the editor: formatting toolbar, live preview, image upload by
// picking, dragging or pasting, and autosave of drafts. Without JavaScript the form still works.
(function () {
  'use strict';
  var form = document.querySelector('form.editor');
  if (!form) return;
  var textarea = form.querySelector('textarea[name=markdown]');
  var preview = form.querySelector('[data-preview]');
  var body = form.querySelector('.editor__body');
  var toolbar = form.querySelector('.toolbar');
  var state = form.querySelector('.autosave-state');
  toolbar.hidden = false;
  preview.hidden = false;
  body.classList.add('has-preview');

  function post(url, data) {
    return fetch(url, { method: 'POST', body: data, credentials: 'same-origin', headers: { 'Accept': 'application/json' } });
  }

  var previewTimer = null;
  function refreshPreview() {
    var data = new URLSearchParams();
    data.append('markdown', textarea.value);
    post('/admin/preview/', data).then(function (r) { return r.ok ? r.text() : ''; }).then(function (html) {
      preview.innerHTML = html; // sanitised by the server
    });
  }
  textarea.addEventListener('input', function () {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 300);
  });
  refreshPreview();

  function insert(before, after, placeholder) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var selected = textarea.value.slice(start, end) || placeholder || '';
    textarea.setRangeText(before + selected + (after || ''), start, end, 'end');
    textarea.focus();
    textarea.dispatchEvent(new Event('input'));
  }
  var actions = {
    bold: function () { insert('**', '**', 'bold text'); },
    italic: function () { insert('_', '_', 'italic text'); },
    heading: function () { insert('\n## ', '\n', 'Heading'); },
    quote: function () { insert('\n> ', '\n', 'Quote'); },
    list: function () { insert('\n- ', '\n', 'Item'); },
    link: function () { insert('[', '](https://)', 'link text'); },
    // Ghost's members-only marker: readers who may not read the story see only what is above it.
    membersOnly: function () { insert('\n\n<!--members-only-->\n\n', '', ''); }
  };
  toolbar.addEventListener('click', function (event) {
    var button = event.target.closest('button[data-md]');
    if (button) actions[button.dataset.md]();
  });

  function upload(file) { return adminUploads.upload(file, state); }
  adminUploads.bind(form, state, function (url, file) {
    insert('![', '](' + url + ')', file.name.replace(/\.[^.]+$/, ''));
  });
  function uploadAll(files) {
    Array.prototype.forEach.call(files, function (file) {
      if (!/^image\//.test(file.type)) return;
      upload(file).then(function (url) { insert('\n![', '](' + url + ')\n', file.name.replace(/\.[^.]+$/, '')); });
    });
  }
  textarea.addEventListener('dragover', function (e) { e.preventDefault(); textarea.classList.add('dragging'); });
  textarea.addEventListener('dragleave', function () { textarea.classList.remove('dragging'); });
  textarea.addEventListener('drop', function (e) {
    textarea.classList.remove('dragging');
    if (e.dataTransfer && e.dataTransfer.files.length) { e.preventDefault(); uploadAll(e.dataTransfer.files); }
  });
  textarea.addEventListener('paste', function (e) {
    if (e.clipboardData && e.clipboardData.files.length) { e.preventDefault(); uploadAll(e.clipboardData.files); }
  });

  // Autosave drafts every 10 seconds when something changed.
  if (form.dataset.autosave === 'on') {
    var dirty = false;
    form.addEventListener('input', function () { dirty = true; });
    setInterval(function () {
      if (!dirty) return;
      dirty = false;
      var data = new URLSearchParams(new FormData(form));
      data.set('action', 'autosave');
      // The attribute, not `form.action`: the form's buttons are named "action" and shadow it.
      post(form.getAttribute('action'), data).then(function (r) { return r.json(); }).then(function (json) {
        if (json.updated_at) form.querySelector('input[name=updated_at]').value = json.updated_at;
        if (state) state.textContent = json.error ? json.error : 'Saved ' + new Date().toLocaleTimeString();
      }).catch(function () {
        // Tried again at the next tick.
        dirty = true;
        if (state) state.textContent = 'Not saved automatically yet: the newsroom did not answer';
      });
    }, 10000);
  }
})();

// Working together: the editor says every few seconds that it has the story open, and shows
// who else has it open. Closing the page says so at once.
(function () {
  'use strict';
  var form = document.querySelector('form.editor[data-presence]');
  if (!form || !window.fetch) return;
  var url = form.getAttribute('data-presence');
  var banner = form.querySelector('.presence');
  var shown = '';
  function names(others) {
    var list = others.map(function (o) { return o.name; });
    if (list.length < 2) return list.join('');
    return list.slice(0, -1).join(', ') + ' and ' + list[list.length - 1];
  }
  function beat() {
    fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (json) {
        if (!json) return;
        var text = json.others.length
          ? names(json.others) + (json.others.length === 1 ? ' also has' : ' also have') + ' this story open. Saving over each other is refused: the later save is asked to reload first.'
          : '';
        if (text !== shown) {
          shown = text;
          banner.textContent = text;
          banner.hidden = !text;
        }
        setTimeout(beat, (json.every_seconds || 10) * 1000);
      })
      .catch(function () { setTimeout(beat, 30000); });
  }
  beat();
  window.addEventListener('pagehide', function () {
    if (navigator.sendBeacon) navigator.sendBeacon(url + 'leave/');
  });
})();

// Upload progress for large files (the Ghost import): the form still works without JavaScript.
(function () {
  'use strict';
  var form = document.querySelector('form[data-upload-progress]');
  if (!form || !window.XMLHttpRequest) return;
  var bar = form.querySelector('progress');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open('POST', form.getAttribute('action'));
    bar.hidden = false;
    request.upload.addEventListener('progress', function (e) {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    request.addEventListener('load', function () {
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.send(new FormData(form));
  });
})();

// The live feed composer: Ctrl+Enter (⌘+Enter) posts from any field and deleting asks first (its
// image is uploaded as any admin form's, above). Without JavaScript the forms still work.
(function () {
  'use strict';
  document.querySelectorAll('form[data-shortcut-submit]').forEach(function (form) {
    form.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (form.reportValidity()) form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    });
  });
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault();
    });
  });
})();

// Goal campaigns: the preview follows the form as it is typed in (the server renders it with
// the site's theme). Without JavaScript the form's "Preview" button shows it.
(function () {
  'use strict';
  document.querySelectorAll('form[data-campaign-preview]').forEach(function (form) {
    var output = document.querySelector('[data-campaign-preview-output]');
    if (!output) return;
    var timer = null;
    var asked = 0;
    function refresh() {
      var ask = ++asked;
      var body = new URLSearchParams(new FormData(form));
      body.delete('action');
      fetch(form.getAttribute('data-campaign-preview'), { method: 'POST', body: body, credentials: 'same-origin' })
        .then(function (r) { if (!r.ok) throw new Error('preview failed'); return r.text(); })
        .then(function (html) { if (ask === asked) output.innerHTML = html; })
        .catch(function () {});
    }
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 250);
    }
    form.addEventListener('input', later);
    form.addEventListener('change', later);
  });
})();
