// Image uploads with progress, to the newsroom's upload endpoint (the same one the Markdown
// editor and the feature image use). XMLHttpRequest because fetch reports no upload progress.

let status = null;

// The element that says what is being uploaded (a live region in the editor's status bar).
export function setUploadStatus(element) {
  status = element;
}

function say(text, fraction) {
  if (!status) return;
  status.hidden = !text;
  const label = status.querySelector('[data-upload-label]');
  const bar = status.querySelector('progress');
  if (label) label.textContent = text || '';
  if (bar) {
    if (fraction == null) bar.removeAttribute('value');
    else bar.value = fraction;
  }
}

export function isImage(file) {
  return /^image\/(jpeg|png|webp|gif)$/.test(file.type);
}

// Uploads one image; resolves with `{url, width, height}`.
export function uploadImage(file) {
  return new Promise((resolve, reject) => {
    if (!isImage(file)) {
      reject(new Error(file.name + ' is not a JPEG, PNG, WebP or GIF image'));
      return;
    }
    const data = new FormData();
    data.append('file', file);
    const request = new XMLHttpRequest();
    request.open('POST', '/admin/uploads/');
    request.setRequestHeader('Accept', 'application/json');
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) say('Uploading ' + file.name + '…', event.loaded / event.total);
    });
    request.addEventListener('load', () => {
      let json = {};
      try {
        json = JSON.parse(request.responseText);
      } catch (_) {
        json = {};
      }
      if (request.status >= 200 && request.status < 300 && json.url) {
        say('');
        measure(json.url).then((size) => resolve({ url: json.url, ...size }));
      } else {
        const message = json.error || 'Upload of ' + file.name + ' failed (' + request.status + ')';
        say(message);
        reject(new Error(message));
      }
    });
    request.addEventListener('error', () => {
      const message = 'Upload of ' + file.name + ' failed: the newsroom could not be reached';
      say(message);
      reject(new Error(message));
    });
    say('Uploading ' + file.name + '…', 0);
    request.send(data);
  });
}

// The picture's size, so the page keeps its room before the image loads.
function measure(url) {
  return new Promise((resolve) => {
    const image = new Image();
    image.onload = () => resolve({ width: image.naturalWidth, height: image.naturalHeight });
    image.onerror = () => resolve({});
    image.src = url;
  });
}

// Opens the file picker; resolves with the chosen files.
export function pickImages(multiple) {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = 'image/jpeg,image/png,image/webp,image/gif';
    input.multiple = !!multiple;
    input.addEventListener('change', () => resolve(Array.from(input.files || [])));
    input.click();
  });
}
