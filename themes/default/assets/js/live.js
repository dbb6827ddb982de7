// The live news feed: new, edited and deleted items reach open pages without reloading.
//
// Pages work without this script (every list is rendered on the server, "More news" is a
// link). With it, the page listens on /news/events (Server-Sent Events) from the revision it
// was rendered at, so nothing is missed between the page and the stream; browsers that cannot
// hold a stream poll /news/updates.json every ten seconds instead. A reader who has scrolled
// into or past the feed is not moved: new items wait behind an "N new updates" button.
(function () {
  'use strict';

  var lists = document.querySelectorAll('[data-live-feed], [data-live-older]');
  if (!lists.length) return;
  var live = document.querySelector('[data-live-feed]');
  var pinnedList = document.querySelector('[data-live-pinned]');
  var noticeBar = document.querySelector('[data-live-notice-bar]');
  var noticeButton = document.querySelector('[data-live-notice]');
  var title = document.title;
  var pending = [];
  var last = Infinity;
  lists.forEach(function (list) {
    last = Math.min(last, parseInt(list.getAttribute('data-revision') || '0', 10) || 0);
  });

  function parse(html) {
    var template = document.createElement('template');
    template.innerHTML = (html || '').trim();
    return template.content.firstElementChild;
  }

  function itemsWithId(id) {
    return Array.prototype.filter.call(document.querySelectorAll('[data-feed-item]'), function (el) {
      return el.getAttribute('data-feed-item') === id;
    });
  }

  function published(el) {
    return Date.parse(el.getAttribute('data-published') || '') || 0;
  }

  // Newest first; a list with a limit (the block on home and article pages) keeps its length.
  function insertSorted(list, el) {
    var before = Array.prototype.find.call(list.children, function (child) {
      return published(child) < published(el) ||
        (published(child) === published(el) && child.getAttribute('data-feed-item') < el.getAttribute('data-feed-item'));
    });
    list.insertBefore(el, before || null);
    var limit = parseInt(list.getAttribute('data-limit') || '0', 10);
    while (limit && list.children.length > limit) list.removeChild(list.lastElementChild);
  }

  function showPinned(el) {
    if (!pinnedList) return false;
    while (pinnedList.firstChild) pinnedList.removeChild(pinnedList.firstChild);
    pinnedList.appendChild(el);
    pinnedList.hidden = false;
    return true;
  }

  function hidePinnedIfEmpty() {
    if (pinnedList && !pinnedList.children.length) pinnedList.hidden = true;
  }

  // Inserting at the top of the list would move what the reader is looking at.
  function readerHasScrolled() {
    return live.getBoundingClientRect().top < 0;
  }

  function updateNotice() {
    if (!noticeBar || !noticeButton) return;
    if (!pending.length) {
      noticeBar.hidden = true;
      document.title = title;
      return;
    }
    noticeButton.textContent = pending.length === 1 ? '1 new update' : pending.length + ' new updates';
    noticeBar.hidden = false;
    document.title = '(' + pending.length + ') ' + title;
  }

  function revealPending() {
    pending.forEach(function (entry) { insertSorted(live, entry.el); });
    pending = [];
    updateNotice();
    live.scrollIntoView({ block: 'start' });
  }

  if (noticeButton) noticeButton.addEventListener('click', revealPending);

  function apply(kind, data) {
    if (typeof data.revision === 'number') {
      if (data.revision <= last) return;
      last = data.revision;
    }
    if (kind === 'reload') {
      window.location.reload();
      return;
    }
    pending = pending.filter(function (entry) {
      if (entry.id !== data.id) return true;
      if (kind === 'item' && data.html) entry.el = parse(data.html);
      return kind !== 'delete';
    });
    var existing = itemsWithId(data.id);
    if (kind === 'delete') {
      existing.forEach(function (el) { el.parentNode.removeChild(el); });
      hidePinnedIfEmpty();
      updateNotice();
      return;
    }
    if (!data.html) return;
    if (existing.length) {
      existing.forEach(function (el) {
        var fresh = parse(data.html);
        var wasPinned = pinnedList && pinnedList.contains(el);
        if (data.pinned && !wasPinned && pinnedList) {
          el.parentNode.removeChild(el);
          showPinned(fresh);
        } else if (!data.pinned && wasPinned) {
          el.parentNode.removeChild(el);
          if (live) insertSorted(live, fresh);
        } else {
          el.parentNode.replaceChild(fresh, el);
        }
      });
      hidePinnedIfEmpty();
      return;
    }
    if (!live || pending.some(function (entry) { return entry.id === data.id; })) return;
    var el = parse(data.html);
    if (data.pinned && showPinned(el)) return;
    if (readerHasScrolled()) {
      pending.push({ id: data.id, el: el });
      updateNotice();
    } else {
      insertSorted(live, el);
    }
  }

  function handler(kind) {
    return function (event) {
      try {
        apply(kind, JSON.parse(event.data || '{}'));
      } catch (e) {
        // A malformed event is skipped; the next one carries on.
      }
    };
  }

  // Polling, for browsers without EventSource or a network that will not hold a stream.
  function poll() {
    var since = Math.floor(Date.now() / 10000) * 10 - 10;
    function tick() {
      fetch('/news/updates.json?since=' + since, { credentials: 'omit' })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (!body) return;
          body.items.forEach(function (item) { apply(item.kind, item); });
          since = body.next - 10;
        })
        .catch(function () {})
        .then(function () { setTimeout(tick, 10000); });
    }
    tick();
  }

  var delay = 1000;
  var failures = 0;
  function connect() {
    if (!window.EventSource) {
      poll();
      return;
    }
    var source = new EventSource('/news/events?after=' + (isFinite(last) ? last : 0));
    source.addEventListener('item', handler('item'));
    source.addEventListener('delete', handler('delete'));
    source.addEventListener('reload', handler('reload'));
    source.onopen = function () {
      delay = 1000;
      failures = 0;
    };
    source.onerror = function () {
      // The browser retries by itself while it can; once it gives up, back off and start again
      // from the last revision seen. After many failures in a row, poll instead.
      if (source.readyState !== EventSource.CLOSED) return;
      source.close();
      failures += 1;
      if (failures > 8) {
        poll();
        return;
      }
      setTimeout(connect, delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 60000);
    };
  }
  connect();

  // "More news": load the next page below this one instead of leaving it.
  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('[data-more-news]');
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
    var list = live || document.querySelector('[data-live-older]');
    if (!list || !window.fetch || !window.DOMParser) return;
    event.preventDefault();
    link.setAttribute('aria-busy', 'true');
    fetch(link.href)
      .then(function (response) {
        if (!response.ok) throw new Error('status ' + response.status);
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, 'text/html');
        page.querySelectorAll('.feed-list--page [data-feed-item]').forEach(function (item) {
          if (!itemsWithId(item.getAttribute('data-feed-item')).length) list.appendChild(document.importNode(item, true));
        });
        var next = page.querySelector('[data-more-news]');
        if (next) {
          link.href = next.getAttribute('href');
          link.removeAttribute('aria-busy');
        } else {
          link.parentNode.removeChild(link);
        }
      })
      .catch(function () {
        window.location.href = link.href;
      });
  });
})();
