// Results as you type on the search page. Without this script the form works as it is: the
// server renders the same results for the same address.
(function () {
  "use strict";
  var form = document.querySelector("[data-search-form]");
  var results = document.getElementById("search-results");
  if (!form || !results || !window.fetch || !window.DOMParser) return;
  var timer = null;
  var latest = 0;

  function address() {
    var params = new URLSearchParams(new FormData(form));
    Array.from(params.keys()).forEach(function (name) {
      if (!params.get(name)) params.delete(name);
    });
    if (params.get("sort") === "relevance") params.delete("sort");
    return "/search/?" + params.toString();
  }

  function refresh() {
    var words = form.elements.q.value.trim();
    if (words.length < 2) return;
    var url = address();
    var mine = ++latest;
    fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (mine !== latest) return; // a newer search is on its way
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("search-results");
        if (!fresh) return;
        results.innerHTML = fresh.innerHTML;
        history.replaceState(null, "", url);
        document.title = page.title;
      })
      .catch(function () { /* the form still submits */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  form.addEventListener("change", function (event) {
    if (event.target.name !== "q") refresh();
  });
})();
