// The review page. Post text is only ever put on the page with textContent, never as HTML.
"use strict";

// What each Safe Harbor identifier means to a person writing a post, and what to do about it.
const ADVICE = {
  A: ["A person's name.",
      "Remove the patient's name (a first name too), or get their written authorisation."],
  B: ["A place smaller than a state (a town, street or ZIP code) tied to a person.",
      "Remove the place, or name only the state."],
  C: ["A date tied to a person (a birthday, admission or discharge), or an age over 89.",
      "Remove the day and month (the year alone is fine); say \"over 90\" for ages over 89."],
  D: ["A telephone number.",
      "Remove it, unless it is the hospital's own published number."],
  E: ["A fax number.", "Remove it, unless it is the hospital's own published number."],
  F: ["An email address.", "Remove it, unless it is the hospital's own public address."],
  G: ["A Social Security number.", "Remove it. Never publish one."],
  H: ["A medical record number.", "Remove it."],
  I: ["A health plan or insurance member number.", "Remove it."],
  J: ["An account number.", "Remove it."],
  K: ["A certificate or licence number.", "Remove it."],
  L: ["A vehicle identifier or licence plate.", "Remove it, or blur the plate in the photo."],
  M: ["A device identifier or serial number.", "Remove it."],
  N: ["A web address that could lead to a person.",
      "Remove it, unless it is the hospital's own site."],
  O: ["An IP address.", "Remove it."],
  P: ["A biometric identifier (a fingerprint, a voice print).", "Remove it."],
  Q: ["The caption describes a full-face photo or a comparable image of a person.",
      "Use the photo only with the person's written authorisation, or one where they " +
      "cannot be recognised."],
  R: ["Something that could identify one particular person (a rare condition, a unique " +
      "event, a reference to a specific patient).",
      "Make it general (\"a patient\"), or get the person's written authorisation."],
};
// Entities whose advice is more precise than their identifier's.
const ENTITY_ADVICE = {
  AGE_OVER_89: ["An exact age over 89.", "Say \"over 90\" instead of the exact age."],
  PATIENT_REF: ["A reference to one particular patient.",
                "Make it general (\"patients\", \"a patient\"), or get written authorisation."],
};
const ERROR_ADVICE = ["This post could not be fully checked.",
  "Do not publish it yet. Try again; if it keeps happening, tell whoever runs phiguard."];
const VERDICTS = {
  pass: ["OK to publish", "Nothing that identifies a person was found."],
  review: ["Check before publishing", "Something below may identify a person. Look at each " +
           "highlight and change it, or confirm it is fine."],
  block: ["Do not publish as it is", "The post identifies a person. Change each highlight " +
          "below, or get written authorisation."],
};
const FIELD_LABELS = { text: "Post text" };

const $ = (id) => document.getElementById(id);
let thresholds = { review: 0.4, block: 0.8 };
let tipOwner = null;

function advice(finding) {
  if (finding.entity === "DETECTOR_ERROR") return ERROR_ADVICE;
  if (ENTITY_ADVICE[finding.entity]) return ENTITY_ADVICE[finding.entity];
  return ADVICE[finding.identifier] || ADVICE.R;
}

function fieldLabel(field) {
  const match = /^captions\[(\d+)\]$/.exec(field);
  return match ? `Caption or alt text ${Number(match[1]) + 1}` : (FIELD_LABELS[field] || field);
}

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children) node.append(child);
  return node;
}

// ---- the form -------------------------------------------------------------------------------

function addCaption(value) {
  const list = $("caption-list");
  const index = list.children.length + 1;
  const id = `caption-${Date.now()}-${index}`;
  const area = el("textarea", { id, rows: 2, className: "caption" });
  area.value = value || "";
  const label = el("label", { htmlFor: id, className: "visually-hidden" });
  label.textContent = `Caption or alt text ${index}`;
  const remove = el("button", { type: "button", className: "secondary" });
  remove.textContent = "Remove";
  remove.setAttribute("aria-label", `Remove caption ${index}`);
  const item = el("li", {}, label, el("div", { className: "caption-item" }, area, remove));
  remove.addEventListener("click", () => { item.remove(); renumberCaptions(); $("add-caption").focus(); });
  list.append(item);
  return area;
}

function renumberCaptions() {
  [...$("caption-list").children].forEach((item, i) => {
    item.querySelector("label").textContent = `Caption or alt text ${i + 1}`;
    item.querySelector("button").setAttribute("aria-label", `Remove caption ${i + 1}`);
  });
}

function readPost() {
  const kind = $("kind").value;
  const post = {
    text: $("post-text").value,
    captions: [...document.querySelectorAll("#caption-list textarea")].map((a) => a.value),
    kind,
  };
  if (kind !== "post" && $("in-reply-to").value.trim()) post.in_reply_to = $("in-reply-to").value;
  return post;
}

// ---- talking to the server ------------------------------------------------------------------

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const token = $("token").value.trim();
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit", cache: "no-store",
  });
  if (response.status === 401) {
    $("token-row").hidden = false;
    throw new Error("This server needs an access token: enter it above and try again.");
  }
  if (response.status === 503) throw new Error("The server is busy. Try again in a moment.");
  if (response.status === 413) throw new Error("The post is too long for this server.");
  if (!response.ok) throw new Error(`The server could not do it (error ${response.status}).`);
  return response.json();
}

async function withBusy(button, message, work) {
  const status = $("status");
  status.className = "";
  status.textContent = message;
  button.disabled = true;
  try {
    await work();
    status.textContent = "";
    loadPolicy();
  } catch (error) {
    status.className = "error";
    status.textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

// ---- showing a report ------------------------------------------------------------------------

function severity(finding) {
  return finding.entity === "DETECTOR_ERROR" || finding.score >= thresholds.block ? "block" : "review";
}

// Overlapping findings become one highlight that lists them all. Offsets count code points
// (as Python does), so the text is split into code points, not UTF-16 units.
function clusters(findings) {
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  const out = [];
  for (const finding of sorted) {
    const last = out[out.length - 1];
    if (last && finding.start < last.end) {
      last.end = Math.max(last.end, finding.end);
      last.findings.push(finding);
    } else {
      out.push({ start: finding.start, end: finding.end, findings: [finding] });
    }
  }
  return out;
}

function describe(findings) {
  const box = el("span");
  for (const finding of findings) {
    const [what, todo] = advice(finding);
    box.append(el("span", { className: "what", textContent: what + " " }),
               el("span", { className: "todo", textContent: todo }));
  }
  return box;
}

function showTip(mark, findings) {
  const tip = $("tip");
  tip.replaceChildren(describe(findings));
  tip.hidden = false;
  const box = mark.getBoundingClientRect();
  tip.style.left = `${Math.max(8, Math.min(box.left + window.scrollX,
    window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8))}px`;
  tip.style.top = `${box.bottom + window.scrollY + 6}px`;
  tipOwner = mark;
}

function hideTip() {
  $("tip").hidden = true;
  tipOwner = null;
}

function renderField(text, fieldClusters, serial) {
  const chars = Array.from(text);
  const view = el("div", { className: "field-view" });
  let at = 0;
  for (const cluster of fieldClusters) {
    view.append(chars.slice(at, cluster.start).join(""));
    const level = cluster.findings.some((f) => severity(f) === "block") ? "block" : "review";
    const mark = el("mark", { className: level, tabIndex: 0 });
    mark.textContent = chars.slice(cluster.start, cluster.end).join("");
    const id = `finding-${serial.next++}`;
    mark.setAttribute("aria-describedby", id);  // the list item below that explains it
    cluster.id = id;
    const show = () => showTip(mark, cluster.findings);
    mark.addEventListener("mouseenter", show);
    mark.addEventListener("focus", show);
    mark.addEventListener("mouseleave", () => { if (document.activeElement !== mark) hideTip(); });
    mark.addEventListener("blur", hideTip);
    view.append(mark);
    at = cluster.end;
  }
  view.append(chars.slice(at).join(""));
  return view;
}

function showReport(post, report) {
  const result = $("result");
  const [title, detail] = VERDICTS[report.verdict];
  result.className = report.verdict;
  $("verdict").textContent = `${report.verdict === "pass" ? "✓" : report.verdict === "review" ? "!" : "✕"} ${title}`;
  $("verdict-detail").textContent = detail;
  const flagged = report.findings.filter((f) => f.status === "flagged");
  const fields = $("fields");
  const list = $("findings");
  fields.replaceChildren();
  list.replaceChildren();
  const serial = { next: 0 };
  const texts = [["text", post.text], ...post.captions.map((c, i) => [`captions[${i}]`, c])];
  for (const [name, text] of texts) {
    const mine = flagged.filter((f) => f.field === name && f.end > f.start);
    if (!text && !mine.length) continue;
    const fieldClusters = clusters(mine);
    fields.append(el("div", { className: "field-name", textContent: fieldLabel(name) }),
                  renderField(text, fieldClusters, serial));
    for (const cluster of fieldClusters) {
      const chars = Array.from(text).slice(cluster.start, cluster.end).join("");
      const item = el("li", { id: cluster.id });
      item.append(el("strong", { textContent: `“${chars}” ` }),
                  el("span", { textContent: `in ${fieldLabel(name).toLowerCase()}: ` }),
                  describe(cluster.findings));
      list.append(item);
    }
  }
  for (const finding of flagged.filter((f) => f.end <= f.start)) {
    list.append(el("li", {}, describe([finding])));
  }
  for (const combination of report.combinations) {
    list.append(el("li", { textContent: `Together: ${combination.explanation}` }));
  }
  $("findings-title").hidden = list.children.length === 0;
  const notCounted = report.findings.filter((f) => f.status !== "flagged");
  $("not-counted").replaceChildren(...notCounted.map((f) => el("li", {
    textContent: `${fieldLabel(f.field)}: ${advice(f)[0]} ` +
      (f.status === "consented" ? "(covered by a written authorisation)" : "(allowed by the policy)"),
  })));
  $("not-counted-box").hidden = notCounted.length === 0;
  result.hidden = false;
  $("verdict").focus();
}

function copyButton(area) {
  const button = el("button", { type: "button", className: "secondary", textContent: "Copy" });
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(area.value);
    } catch {
      area.select();
      document.execCommand("copy");
    }
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy"; }, 1500);
  });
  return button;
}

function showRedaction(result) {
  const box = $("redacted-fields");
  box.replaceChildren();
  const texts = [["text", result.post.text], ...result.post.captions.map((c, i) => [`captions[${i}]`, c])];
  for (const [name, text] of texts) {
    const id = `redacted-${name.replace(/\W/g, "-")}`;
    const area = el("textarea", { id, readOnly: true, rows: Math.min(8, text.split("\n").length + 1) });
    area.value = text;
    box.append(el("label", { htmlFor: id, textContent: fieldLabel(name) }),
               el("div", { className: "copy-row" }, area, copyButton(area)));
  }
  const needs = result.needs_human;
  $("needs-human").replaceChildren(...needs.map((f) => el("li", {}, describe([f]))));
  $("needs-human-box").hidden = needs.length === 0;
  $("redaction").hidden = false;
  $("redaction-title").focus();
}

// The policy's thresholds colour the highlights, and its strategies fill the menu. Loaded at
// start and, when the server wants a token, again once a token has worked.
let policyLoaded = false;

function loadPolicy() {
  if (policyLoaded) return;
  call("GET", "/v1/policy").then((policy) => {
    policyLoaded = true;
    thresholds = policy.thresholds;
    if (policy.strategies.includes("hash")) {
      $("strategy").append(el("option", { value: "hash", textContent: "keyed hashes" }));
    }
  }).catch(() => { /* the defaults stand until a call with a token works */ });
}

// ---- wiring ----------------------------------------------------------------------------------

function init() {
  $("kind").addEventListener("change", () => {
    $("answered-row").hidden = $("kind").value === "post";
  });
  $("add-caption").addEventListener("click", () => addCaption("").focus());
  $("post-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const post = readPost();
    withBusy($("check"), "Checking…", async () => {
      $("redaction").hidden = true;
      showReport(post, await call("POST", "/v1/check", post));
    });
  });
  $("redact").addEventListener("click", () => {
    const post = readPost();
    withBusy($("redact"), "Redacting…", async () => {
      const result = await call("POST", "/v1/redact", { post, strategy: $("strategy").value });
      showReport(post, result.report);
      showRedaction(result);
    });
  });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") hideTip(); });
  window.addEventListener("resize", () => { if (tipOwner) hideTip(); });
  loadPolicy();
}

document.addEventListener("DOMContentLoaded", init);
