/* Autocomplete on the search box: the ARIA 1.2 combobox pattern over GET /api/v1/suggest.
 *
 * Progressive enhancement: the search box is a plain form field and works without this script. With it,
 * typing shows up to 8 completions (titles, providers, skills) in a listbox below the field; the arrow
 * keys move through them (aria-activedescendant, so the focus stays in the field), Enter takes the one
 * shown as active and searches it, Escape closes the list. A polite live region says how many
 * completions there are. Every text comes from the page (data-* attributes), translated by the server.
 */
(function () {
  "use strict";

  var DELAY_MS = 150; // wait for a pause in typing rather than asking the server on every key
  var MIN_LENGTH = 2;
  var SIZE = 8;

  function setUp(input) {
    var form = input.form;
    var data = input.dataset;
    var list = document.createElement("ul");
    var status = document.createElement("div");
    var items = [];
    var active = -1;
    var timer = null;
    var asked = 0; // the number of the last request: an older answer arriving late is dropped

    list.id = input.id + "-suggestions";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", data.suggestLabel);
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    input.parentNode.classList.add("has-suggestions");
    input.parentNode.appendChild(list);
    input.parentNode.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
      } else {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      }
    }

    function choose(index) {
      input.value = items[index].dataset.value;
      close();
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    }

    function show(suggestions) {
      list.textContent = "";
      items = suggestions.map(function (s, i) {
        var item = document.createElement("li");
        var kind = document.createElement("span");
        item.id = list.id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.dataset.value = s.text;
        item.appendChild(document.createTextNode(s.text));
        kind.className = "kind";
        kind.textContent = data["kind" + s.kind.charAt(0).toUpperCase() + s.kind.slice(1)] || "";
        item.appendChild(kind);
        item.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the field
          choose(i);
        });
        list.appendChild(item);
        return item;
      });
      active = -1;
      if (items.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        var many = items.length === 1 ? data.suggestOne : data.suggestMany;
        status.textContent = many.replace("{n}", String(items.length));
      } else {
        close();
        status.textContent = data.suggestNone;
      }
    }

    function ask() {
      var text = input.value.trim();
      if (text.length < MIN_LENGTH) {
        close();
        status.textContent = "";
        return;
      }
      var number = ++asked;
      var url = data.suggestUrl + "?" + new URLSearchParams({ q: text, size: String(SIZE) });
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { suggestions: [] };
        })
        .then(function (answer) {
          if (number === asked && document.activeElement === input) {
            show(answer.suggestions || []);
          }
        })
        .catch(function () {
          close(); // no completions is the plain form, which still works
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && items.length > 0;
      if (event.key === "ArrowDown" && open) {
        event.preventDefault();
        highlight(active + 1 < items.length ? active + 1 : 0);
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(active > 0 ? active - 1 : items.length - 1);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  document.querySelectorAll("input[data-suggest-url]").forEach(setUp);
})();
