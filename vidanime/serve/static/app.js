// vidanime's page: upload, preview one frame, convert with progress and cancel, download.
"use strict";
const $ = (id) => document.getElementById(id);
let upload = null;
let job = null;
let styles = [];

function showError(message) { $("error").textContent = message; $("error").hidden = !message; }

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.blob();
  if (!response.ok) throw new Error(body.error || body.detail || `request failed (${response.status})`);
  return body;
}

async function loadStyles(select) {
  styles = await api("/api/styles");
  $("style").innerHTML = styles.map((s) => `<option value="${s.name}">${s.name} (${s.source})</option>`).join("");
  if (select) $("style").value = select;
  showLicence();
}

function showLicence() {
  const s = styles.find((x) => x.name === $("style").value);
  $("licence").textContent = s ? `Licence: ${s.license}` : "";
}

function ready(info) {
  upload = info;
  $("input-info").textContent = `${info.name}: ${info.kind}, ${(info.size_bytes / 1e6).toFixed(1)} MB`;
  $("preview").disabled = false;
  $("convert").disabled = false;
  $("preview-figure").hidden = true;
  $("result").hidden = true;
  $("faces-choice").hidden = info.kind !== "image";  // drawn faces would flicker on video
  if (info.kind !== "image") $("faces").value = "keep";
}

async function sendFile(file) {
  showError("");
  $("input-info").textContent = `uploading ${file.name} ...`;
  const form = new FormData();
  form.append("file", file);
  try { ready(await api("/api/uploads", { method: "POST", body: form })); }
  catch (e) { $("input-info").textContent = ""; showError(e.message); }
}

$("file").addEventListener("change", (e) => { if (e.target.files[0]) sendFile(e.target.files[0]); });
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); if (e.dataTransfer.files[0]) sendFile(e.dataTransfer.files[0]); });
$("use-sample").addEventListener("click", async () => { showError(""); try { ready(await api("/api/uploads/sample", { method: "POST" })); } catch (e) { showError(e.message); } });
$("style").addEventListener("change", showLicence);
$("strength").addEventListener("input", () => { $("strength-value").textContent = Number($("strength").value).toFixed(2); });

$("preview").addEventListener("click", async () => {
  showError("");
  $("preview").disabled = true;
  $("preview").textContent = "Rendering ...";
  const q = new URLSearchParams({ style: $("style").value, quality: $("quality").value, strength: $("strength").value, faces: $("faces").value });
  try {
    const blob = await api(`/api/uploads/${upload.id}/preview?${q}`);
    $("preview-image").src = URL.createObjectURL(blob);
    $("preview-figure").hidden = false;
  } catch (e) { showError(e.message); }
  $("preview").disabled = false;
  $("preview").textContent = "Preview one frame";
});

function describe(state) {
  const p = state.progress;
  if (state.state === "queued") return `queued, position ${state.position}`;
  const total = p.total ? `/${p.total}` : "";
  const fps = p.fps ? ` · ${p.fps.toFixed(1)} fps` : "";
  const eta = p.eta_seconds != null ? ` · ETA ${Math.round(p.eta_seconds)} s` : "";
  return `${state.state}: ${p.frames}${total} frames${fps}${eta}`;
}

async function poll() {
  if (!job) return;
  let state;
  try { state = await api(`/api/jobs/${job}`); } catch (e) { showError(e.message); return; }
  $("progress-text").textContent = describe(state);
  $("bar").value = state.progress.total ? state.progress.frames / state.progress.total : 0;
  if (state.state === "queued" || state.state === "running") { setTimeout(poll, 500); return; }
  $("cancel").hidden = true;
  $("convert").disabled = false;
  if (state.state === "done") {
    $("bar").value = 1;
    $("download").href = state.result;
    const isVideo = state.kind === "video";
    $("result-video").hidden = !isVideo;
    $("result-image").hidden = isVideo;
    if (isVideo) $("result-video").src = state.result; else $("result-image").src = state.result;
    $("result").hidden = false;
    $("result").dataset.state = "done";
  } else if (state.state === "failed") {
    showError(state.error);
  }
  job = null;
}

$("convert").addEventListener("click", async () => {
  showError("");
  const form = new FormData();
  form.append("upload", upload.id);
  for (const key of ["style", "temporal", "quality", "strength", "faces"]) form.append(key, $(key).value);
  try {
    const created = await api("/api/jobs", { method: "POST", body: form });
    job = created.id;
    $("convert").disabled = true;
    $("cancel").hidden = false;
    $("progress").hidden = false;
    $("result").hidden = true;
    poll();
  } catch (e) { showError(e.message); }
});

$("cancel").addEventListener("click", async () => { if (job) await api(`/api/jobs/${job}`, { method: "DELETE" }); });

$("add-style").addEventListener("submit", async (e) => {
  e.preventDefault();
  showError("");
  try {
    const added = await api("/api/styles", { method: "POST", body: new FormData(e.target) });
    await loadStyles(added.name);
    e.target.reset();
  } catch (err) { showError(err.message); }
});

loadStyles().catch((e) => showError(e.message));
