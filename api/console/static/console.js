// The support console of phonelookup serve. Every value from the API goes
// into the page as text (textContent, attributes), never as HTML.
"use strict";

const CLIENT = { "X-Phonelookup-Client": "console", Accept: "application/json" };
let current = 0; // the navigation whose answer the page may show

// el builds an element: attrs are attributes (on* are listeners), children
// strings become text nodes.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}

// when shows a time in the browser's locale and zone, UTC in the title.
function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return el("time", { datetime: iso, title: "UTC " + d.toISOString() },
    d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }));
}

const view = () => document.getElementById("view");

// show replaces the result area; focus moves to its heading after a user's
// action, so a keyboard or screen-reader user lands on the answer.
function show(node, focus) {
  view().replaceChildren(node);
  performance.mark("console-rendered");
  const h = view().querySelector("h2");
  if (focus && h) {
    h.setAttribute("tabindex", "-1");
    h.focus();
  }
}

function fieldError(msg) {
  const input = document.getElementById("phone");
  const p = document.getElementById("phone-error");
  p.textContent = msg || "";
  p.hidden = !msg;
  if (msg) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", "phone-error phone-hint");
  } else {
    input.removeAttribute("aria-invalid");
    input.setAttribute("aria-describedby", "phone-hint");
  }
}

// call fetches an API path: {ok, status, body} or {lost: true}.
async function call(method, path) {
  let res;
  try {
    res = await fetch(path, { method, headers: CLIENT, credentials: "omit", cache: "no-store" });
  } catch (e) {
    return { lost: true };
  }
  let body = null;
  if (res.status !== 204) {
    try { body = await res.json(); } catch (e) { body = null; }
  }
  return { ok: res.ok, status: res.status, body, retryAfter: res.headers.get("Retry-After") };
}

// failure renders a failed call: a lost connection, a busy store (503) with
// a retry, or the problem's title and requestId.
function failure(r, retry) {
  const box = el("div", { class: "problem", role: "alert" });
  if (r.lost) {
    box.append(el("h2", {}, "Lost connection to the server"),
      el("p", {}, "phonelookup serve did not answer: check that it is still running."));
  } else if (r.status === 503) {
    box.append(el("h2", {}, "The store is busy"),
      el("p", {}, (r.body && r.body.title ? r.body.title + ". " : "") +
        "Try again in " + (r.retryAfter || "a few") + " second(s)."));
  } else {
    const p = r.body || {};
    box.append(el("h2", {}, p.title || "Request failed (" + r.status + ")"));
    if (p.detail) box.append(el("p", {}, p.detail));
  }
  if (r.body && r.body.requestId) {
    box.append(el("p", {}, "Request id: ", el("code", {}, r.body.requestId)));
  }
  if (r.lost || r.status === 503) {
    box.append(el("button", { type: "button", onclick: retry }, "Retry"));
  }
  return box;
}

function loading(what) {
  return el("p", { class: "loading", role: "status" }, what);
}

function go(url, replace) {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  route(true);
}

function customerURL(id) {
  return "/?" + new URLSearchParams({ customer: id }).toString();
}

async function search(phone, region, focus) {
  const my = ++current;
  fieldError("");
  show(loading("Searching…"));
  const q = region ? "?" + new URLSearchParams({ region }).toString() : "";
  const r = await call("GET", "/v1/phones/" + encodeURIComponent(phone) + "/customers" + q);
  if (my !== current) return;
  if (!r.ok) {
    if (r.status === 400 && r.body && /invalid-phone$/.test(r.body.type || "")) {
      show(el("p", { class: "hint" }, "No search was run."));
      fieldError("This is not a phone number: write it with + and the country code, or choose its region.");
      document.getElementById("phone").focus();
      return;
    }
    show(failure(r, () => search(phone, region, true)), focus);
    return;
  }
  const a = r.body;
  if (a.customers.length === 0) {
    show(el("div", {}, el("h2", {}, "No customer has this number"),
      el("p", {}, "Searched: ", el("code", {}, a.phone))), focus);
  } else if (a.customers.length === 1 && !a.truncated) {
    // One customer, and no more beyond the list: straight to their page.
    // One shown of more (truncated) is a list, as resolveByPhone says.
    go(customerURL(a.customers[0].cognitoId), true);
  } else {
    show(selection(a), focus);
  }
}

// selection is the design's customer selection page.
function selection(a) {
  const rows = a.customers.map((c) => el("tr", {},
    el("th", { scope: "row" }, el("a", {
      href: customerURL(c.cognitoId),
      onclick: (ev) => { ev.preventDefault(); go(customerURL(c.cognitoId)); },
    }, c.cognitoId)),
    el("td", {}, c.lastOrderId || "—"),
    el("td", {}, when(c.lastSeenAt)),
    el("td", {}, c.brand || "—"),
    el("td", {}, c.sources.join(", ")),
    el("td", {}, c.via.join(", ")),
    el("td", {}, c.legacy ? "legacy record" : "")));
  return el("div", {},
    el("h2", {}, a.customers.length + " customers have " + a.phone),
    a.truncated ? el("p", { class: "notice" },
      "More customers have this number than are shown here (most recently seen first).") : null,
    el("table", { class: "list" },
      el("caption", {}, "Customers with " + a.phone + ", most recently seen first"),
      el("thead", {}, el("tr", {}, ["Customer", "Last order", "Last order date", "Brand", "Sources", "Via", "Record"]
        .map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows)));
}

// showingUnlinked is the state of "Show unlinked" on the page (false when
// it is not the customer's page).
function showingUnlinked() {
  const box = document.getElementById("show-unlinked");
  return box ? box.checked : false;
}

async function customer(id, focus, note, withUnlinked = showingUnlinked()) {
  const my = ++current;
  show(loading("Loading the customer…"));
  const r = await call("GET", "/v1/customers/" + encodeURIComponent(id) + "/phones" + (withUnlinked ? "?include=unlinked" : ""));
  if (my !== current) return;
  if (!r.ok) {
    show(failure(r, () => customer(id, true, undefined, withUnlinked)), focus);
    return;
  }
  show(customerPage(r.body, withUnlinked, note), focus);
}

function customerPage(a, withUnlinked, note) {
  const box = el("input", { type: "checkbox", id: "show-unlinked", checked: withUnlinked,
    onchange: () => customer(a.cognitoId, false) });
  const rows = a.phones.map((p) => el("tr", {},
    el("th", { scope: "row" }, p.phone),
    el("td", {}, p.international),
    el("td", {}, when(p.firstSeenAt)),
    el("td", {}, when(p.lastSeenAt)),
    el("td", {}, p.unlinkedAt ? ["Unlinked ", when(p.unlinkedAt)] : "Active"),
    el("td", {}, p.unlinkedAt ? "" : el("button", {
      type: "button", class: "danger", "aria-label": "Unlink " + p.international,
      onclick: (ev) => confirmUnlink(a.cognitoId, p, ev.currentTarget),
    }, "Unlink"))));
  return el("div", {},
    el("h2", {}, "Customer " + a.cognitoId),
    note ? el("p", { class: "notice", role: "status" }, note) : null,
    el("p", {}, box, " ", el("label", { for: "show-unlinked" }, "Show unlinked")),
    a.phones.length === 0 ? el("p", {}, "No phone number is linked to this customer.") :
      el("table", { class: "list" },
        el("caption", {}, "Phone numbers of " + a.cognitoId),
        el("thead", {}, el("tr", {}, ["Phone (E.164)", "International", "First seen", "Last seen", "Status", "Action"]
          .map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, rows)));
}

function confirmUnlink(id, p, button) {
  const dlg = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent =
    "Unlink " + p.international + " (" + p.phone + ") from customer " + id +
    "? Searches for this number will no longer find this customer.";
  dlg.returnValue = "";
  dlg.onclose = async () => {
    if (dlg.returnValue !== "unlink") {
      button.focus();
      return;
    }
    const my = ++current;
    const withUnlinked = showingUnlinked();
    show(loading("Unlinking…"));
    const r = await call("DELETE", "/v1/customers/" + encodeURIComponent(id) + "/phones/" + encodeURIComponent(p.phone));
    if (my !== current) return;
    if (!r.ok) {
      show(failure(r, () => customer(id, true, undefined, withUnlinked)), true);
      return;
    }
    customer(id, true, "Unlinked " + p.international + ".", withUnlinked);
  };
  dlg.showModal();
}

// route shows what the URL names: a customer, a search, or nothing.
function route(focus) {
  const q = new URLSearchParams(location.search);
  const phone = q.get("phone") || "";
  const region = (q.get("region") || "").toUpperCase();
  document.getElementById("phone").value = phone;
  const select = document.getElementById("region");
  if (region && ![...select.options].some((o) => o.value === region)) {
    select.append(el("option", { value: region }, region));
  }
  select.value = region;
  if (q.get("customer")) {
    customer(q.get("customer"), focus);
  } else if (phone) {
    search(phone, region, focus);
  } else {
    current++;
    fieldError("");
    show(el("p", { class: "hint" }, "Search for a phone number to see its customers."));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("search").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const phone = document.getElementById("phone").value.trim();
    const region = document.getElementById("region").value;
    if (!phone) {
      fieldError("Enter a phone number.");
      return;
    }
    const q = new URLSearchParams({ phone });
    if (region) q.set("region", region);
    go("/?" + q.toString());
  });
  window.addEventListener("popstate", () => route(false));
  route(false);
});
