// The dashboard's one script (docs/dashboard.md). Every page is a frame rendered by the workspaces service; this fills
// it from the platform's own API, signed in by the HttpOnly session cookie, which this script never sees. Text goes
// into the page as text (textContent), never as markup, so nothing an API returns can run here.
"use strict";

const page = document.body.dataset.page;
const pageId = document.body.dataset.id;

/** An API error: the status and the API's own error_message. */
class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The longest wait for a rate limit's window to end before the request is given up with the API's message. */
const LONGEST_RATE_LIMIT_WAIT_S = 120;

async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response = await fetch(path, init);
  const reset = Number(response.headers.get("X-RateLimit-Reset"));
  const waitS = Math.ceil(reset - Date.now() / 1000);
  if (response.status === 429 && waitS > 0 && waitS <= LONGEST_RATE_LIMIT_WAIT_S) {
    // As the command line does: the limiter refused the request before anything ran, so it is sent again once
    // its window ends.
    showError(`Too many requests: waiting ${waitS} s for the rate limit's window to end`);
    await new Promise((resume) => setTimeout(resume, waitS * 1000 + 250));
    clearError();
    response = await fetch(path, init);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (ignored) {
    json = null;
  }
  if (!response.ok && response.status !== 207) {
    if (response.status === 401 && page !== "login") {
      location.assign("/ui/login?next=" + encodeURIComponent(location.pathname));
    }
    const message = (json && (json.error_message || json.result_message || json.message)) ||
      `${method} ${path} answered ${response.status}`;
    throw new ApiError(response.status, message);
  }
  return { status: response.status, json, text };
}

const get = (path) => api("GET", path).then((answer) => answer.json);

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function showError(error) {
  const banner = document.getElementById("error");
  banner.textContent = error instanceof Error ? error.message : String(error);
  banner.hidden = false;
}

function clearError() {
  document.getElementById("error").hidden = true;
}

/** Runs an action from a button or form: its error goes to the banner, never to a blank page. */
function guarded(action) {
  return async (event) => {
    if (event && event.preventDefault) event.preventDefault();
    clearError();
    try {
      await action(event);
    } catch (error) {
      showError(error);
    }
  };
}

/** A table of rows; each column is [heading, row => cell text or node]. */
function table(columns, rows, empty) {
  if (!rows.length) return el("p", { class: "empty" }, empty || "Nothing here yet.");
  return el("table", {},
    el("thead", {}, el("tr", {}, columns.map(([heading]) => el("th", {}, heading)))),
    el("tbody", {}, rows.map((row) => el("tr", {}, columns.map(([, cell]) => el("td", {}, cell(row) ?? ""))))));
}

function fill(id, ...content) {
  const node = document.getElementById(id);
  node.replaceChildren(...content);
  return node;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
const onlineText = (online) => (online === true ? "online" : online === false ? "offline" : "unknown");
const badge = (text) => el("span", { class: "badge " + text.toLowerCase() }, text);
const link = (href, text) => el("a", { href }, text);

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/octet-stream" }));
  const anchor = el("a", { href: url, download: name });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Calls refresh now and every intervalMs while the page is open; its errors show in the banner. */
function every(intervalMs, refresh) {
  const run = () => refresh().then(clearError, showError);
  run();
  return setInterval(run, intervalMs);
}

// --- Pages ---------------------------------------------------------------------------------------------------

const pages = {};

pages.login = () => {
  document.getElementById("sign-in").addEventListener("submit", guarded(async (event) => {
    const form = new FormData(event.target);
    await api("POST", "/ui/session", { user: form.get("user"), password: form.get("password") });
    const next = new URLSearchParams(location.search).get("next");
    location.assign(next && next.startsWith("/ui/") ? next : "/ui/devices");
  }));
};

pages.devices = () => {
  every(5000, async () => {
    const [fleets, devices] = await Promise.all([get("/fleets"), get("/devices")]);
    const fleetNames = new Map(fleets.fleets.map((fleet) => [fleet.appId, fleet.name]));
    fill("fleets", table([
      ["Fleet", (f) => f.name],
      ["appId", (f) => f.appId],
      ["Target release", (f) => f.target_release ?? "—"],
      ["Devices", (f) => devices.devices.filter((d) => d.appId === f.appId).length],
    ], fleets.fleets, "No fleets."));
    fill("devices", table([
      ["Name", (d) => link("/ui/devices/" + encodeURIComponent(d.uuid), d.name || d.uuid)],
      ["Fleet", (d) => fleetNames.get(d.appId) ?? d.appId],
      ["State", (d) => badge(onlineText(d.online))],
      ["Last seen", (d) => when(d.last_seen)],
      ["Runs", (d) => (d.reported_state && (d.reported_state.commit || d.reported_state.status)) || "—"],
      ["Target", (d) => "version " + d.target_version + (d.pinned_release ? ", pinned to " + d.pinned_release : "")],
    ], devices.devices, "No devices yet: enrol one with a provisioning key (Owner)."));
  });
};

pages.device = () => {
  const uuid = pageId;
  let device = null;
  every(5000, async () => {
    device = await get("/devices/" + encodeURIComponent(uuid));
    document.querySelector("h1").textContent = device.name || device.uuid;
    fill("summary", el("dl", {},
      el("dt", {}, "UUID"), el("dd", {}, device.uuid),
      el("dt", {}, "State"), el("dd", {}, badge(onlineText(device.online))),
      el("dt", {}, "Last seen"), el("dd", {}, when(device.last_seen)),
      el("dt", {}, "Fleet"), el("dd", {}, device.appId),
      el("dt", {}, "Runs"), el("dd", {}, describeState(device.reported_state)),
      el("dt", {}, "Target"), el("dd", {}, "version " + device.target_version)));
    const audit = await get("/supervisor-commands?max_per_page=100");
    const mine = audit.commands.filter((command) => command.devices.some((d) => d.uuid === device.uuid));
    fill("audit", table([
      ["When", (c) => when(c.created_at)],
      ["Call", (c) => c.method + " " + c.url],
      ["Answer", (c) => c.devices.filter((d) => d.uuid === device.uuid).map((d) => d.statusCode + " " + d.outcome).join(", ")],
      ["Took", (c) => c.duration_ms + " ms"],
    ], mine, "No proxied commands yet."));
  });

  for (const button of document.querySelectorAll("[data-command]")) {
    button.addEventListener("click", guarded(async () => {
      const data = {};
      if (button.dataset.command === "/v1/restart") data.appId = device.appId;
      if (document.getElementById("force").checked) data.force = true;
      const result = document.getElementById("command-result");
      result.textContent = "Sending " + button.textContent + "…";
      const answer = await api("POST", "/supervisor" + button.dataset.command, { uuid, data })
        .catch((error) => {
          result.textContent = "";
          if (error.status === 423) {
            throw new ApiError(423, "The device's update lock is held (423): an app asked not to be interrupted."
              + " Tick Force to override it.");
          }
          throw error;
        });
      result.textContent = button.textContent + ": " + answer.status + " " + answer.text;
    }));
  }

  showStats(uuid).catch(showError);
  document.getElementById("open-terminal").addEventListener("click", guarded(() => openTerminal(uuid)));
};

/** What the device last reported, in words: its status, release, agent and system. */
function describeState(state) {
  if (!state) return "nothing reported yet";
  return [
    state.status,
    state.commit ? "release " + state.commit : null,
    state.agent_version,
    state.os_version,
    state.ip_address ? "at " + state.ip_address : null,
  ].filter(Boolean).join(" · ");
}

async function showStats(uuid) {
  const history = await get("/devices/" + encodeURIComponent(uuid) + "/stats");
  const points = history.stats;
  if (!points.length) {
    fill("stats", el("p", { class: "empty" }, "No stats reported in the last 24 hours."));
    return;
  }
  const times = points.map((p) => Date.parse(p.at) / 1000);
  const series = (key) => points.map((p) => p[key] ?? null);
  // rigfleet's agent counts its open streams (terminals, tunnels); Coder's agents report connections by protocol.
  const connections = points.map((p) => p.open_streams ?? Object.values(p.conns_by_proto || {}).reduce((sum, n) => sum + n, 0));
  const container = fill("stats");
  const now = Date.now() / 1000;
  new uPlot({
    width: Math.min(900, container.clientWidth || 900),
    height: 220,
    // The whole day, whatever part of it has samples.
    scales: { x: { time: true, range: () => [now - 86400, now] } },
    series: [
      {},
      { label: "received bytes", stroke: "#1f6feb" },
      { label: "sent bytes", stroke: "#d29922" },
      { label: "open streams", stroke: "#2da44e", scale: "count" },
    ],
    axes: [{}, { label: "bytes" }, { side: 1, scale: "count", label: "streams" }],
  }, [times, series("rx_bytes"), series("tx_bytes"), connections], container);
}

/** xterm.js over the PTY WebSocket; the session lives on the device, so a reconnect with the same id reattaches. */
function openTerminal(uuid) {
  const state = document.getElementById("terminal-state");
  const terminal = new Terminal({ cursorBlink: true, convertEol: false });
  const fit = new FitAddon.FitAddon();
  terminal.loadAddon(fit);
  terminal.open(fill("terminal"));
  fit.fit();
  document.getElementById("open-terminal").disabled = true;
  const reconnect = crypto.randomUUID();
  const command = document.getElementById("terminal-command").value.trim();
  let socket = null;
  let attempts = 0;
  const send = (frame) => socket && socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify(frame));
  terminal.onData((data) => send({ data }));
  terminal.onResize(({ cols, rows }) => send({ width: cols, height: rows }));
  window.addEventListener("resize", () => fit.fit());

  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const query = new URLSearchParams({ reconnect, width: terminal.cols, height: terminal.rows });
    if (command) query.set("command", command);
    socket = new WebSocket(`${scheme}//${location.host}/api/v2/workspaceagents/${encodeURIComponent(uuid)}/pty?${query}`);
    socket.binaryType = "arraybuffer";
    state.textContent = "connecting…";
    socket.onopen = () => {
      attempts = 0;
      state.textContent = "connected";
      terminal.focus();
    };
    socket.onmessage = (message) => terminal.write(new Uint8Array(message.data));
    socket.onclose = (closed) => {
      if (closed.code === 1000) {
        state.textContent = "ended" + (closed.reason ? ": " + closed.reason : "");
        document.getElementById("open-terminal").disabled = false;
        return;
      }
      attempts += 1;
      const delay = Math.min(10000, 500 * 2 ** attempts);
      state.textContent = `disconnected (${closed.reason || closed.code}); reconnecting in ${delay / 1000} s`;
      setTimeout(connect, delay);
    };
  };
  connect();
}

pages.deployments = () => {
  every(5000, async () => {
    const listed = await get("/deployments?info=t");
    const rows = listed.workspace_deployments.map((id) => ({ id, ...listed.info[id] }));
    fill("deployments", table([
      ["Type", (d) => d.type],
      ["Region", (d) => d.region],
      ["Description", (d) => d.desc],
      ["Online", (d) => badge(onlineText(d.online))],
      ["Queue", (d) => d.queuelen],
      ["", (d) => el("button", { type: "button", onclick: guarded(() => newInstance(d.id, d.queuelen > 0)) },
        d.queuelen > 0 ? "Reserve" : "New instance")],
    ], rows, "No deployments in service."));
  });
};

async function newInstance(deployment, reserve) {
  const options = { vpn: document.getElementById("with-vpn").checked };
  if (reserve) options.reserve = true;
  const made = (await api("POST", "/new/" + encodeURIComponent(deployment), options)).json;
  if (!made.success) {
    fill("made", "Queued: reservation " + made.id + ". ", link("/ui/reservations", "See its place in the queue."));
    return;
  }
  // A generated key is not kept in the browser: the instance page downloads it from GET /instance/:id/sshkey.
  location.assign("/ui/instances/" + encodeURIComponent(made.id));
}

pages.instances = () => {
  const box = document.getElementById("include-ended");
  const refresh = async () => {
    const query = box.checked ? "?include_terminated&include_init_fail" : "";
    const listed = await get("/instances" + query);
    const instances = await Promise.all(listed.workspace_instances.map((id) => get("/instance/" + encodeURIComponent(id))));
    fill("instances", table([
      ["Instance", (i) => link("/ui/instances/" + encodeURIComponent(i.id), i.id)],
      ["Type", (i) => i.type],
      ["Status", (i) => badge(i.status)],
      ["Started", (i) => when(i.starttime)],
      ["fwd", (i) => (i.fwd && i.fwd.ipv4 ? i.fwd.ipv4 + ":" + i.fwd.port : "—")],
    ], instances, "No instances. Make one from Deployments."));
  };
  box.addEventListener("change", () => refresh().catch(showError));
  every(5000, refresh);
};

pages.instance = () => {
  const id = pageId;
  const path = (route) => route + encodeURIComponent(id);
  let shownReady = false;
  const timer = every(2000, async () => {
    const instance = await get(path("/instance/"));
    const steps = ["INIT", "READY", "TERMINATING", "TERMINATED"];
    fill("progress", el("p", {}, "Status: ", badge(instance.status),
      instance.status_reason ? " — " + instance.status_reason : ""),
    el("ol", { class: "steps" }, steps.map((step) => el("li", { class: step === instance.status ? "current" : "" }, step))),
    el("p", {}, "Deployment ", instance.deployment, " (", instance.type, "), started ", when(instance.starttime)));
    const ended = ["INIT_FAIL", "TERMINATING", "TERMINATED"].includes(instance.status);
    document.getElementById("terminate").hidden = ended;
    if (ended) {
      for (const section of ["access", "firewall-section", "vpn-section"]) document.getElementById(section).hidden = true;
      clearInterval(timer);
      return;
    }
    if (instance.status === "READY" && !shownReady) {
      shownReady = true;
      showAccess(instance);
      showFirewall((await get(path("/firewall/"))).rules);
      document.getElementById("vpn-section").hidden = !instance.vpn;
    }
  });

  document.getElementById("download-key").addEventListener("click", guarded(async () => {
    const key = await get(path("/instance/") + "/sshkey");
    download("rigfleet-" + id + ".key", key.key);
  }));
  document.getElementById("firewall-add").addEventListener("submit", guarded(async (event) => {
    const form = new FormData(event.target);
    showFirewall((await api("POST", path("/firewall/"), { src: form.get("source"), action: form.get("action") })).json.rules);
    event.target.reset();
  }));
  document.getElementById("firewall-clear").addEventListener("click", guarded(async () => {
    await api("DELETE", path("/firewall/"));
    showFirewall((await api("POST", path("/firewall/"), { src: "0.0.0.0/0", action: "ACCEPT" })).json.rules);
  }));
  document.getElementById("vpn-new").addEventListener("click", guarded(async () => {
    const client = (await api("POST", path("/vpn/"))).json;
    download("rigfleet-" + id + "-" + client.client_id + ".ovpn", client.ovpn);
  }));
  document.getElementById("terminate").addEventListener("click", guarded(async () => {
    if (!confirm("Terminate instance " + id + "? Its connections end now.")) return;
    await api("POST", path("/terminate/"));
    location.reload();
  }));
};

/** The login as the command line makes it: the instance's host keys, checked strictly, and its key file. */
function showAccess(instance) {
  const { ipv4, port } = instance.fwd;
  const keyFile = `rigfleet-${instance.id}.key`;
  const knownHosts = `rigfleet-${instance.id}.known_hosts`;
  const host = port === 22 ? ipv4 : `[${ipv4}]:${port}`;
  fill("ssh-command", [
    `cat > ${knownHosts} <<'EOF'`,
    ...instance.hostkeys.map((key) => `${host} ${key}`),
    "EOF",
    `chmod 600 ${keyFile}`,
    `ssh -i ${keyFile} -o IdentitiesOnly=yes -o UserKnownHostsFile=${knownHosts} -o GlobalKnownHostsFile=/dev/null` +
      ` -o StrictHostKeyChecking=yes -p ${port} ${instance.rootuser || "root"}@${ipv4}`,
  ].join("\n"));
  fill("hostkeys", instance.hostkeys.join("\n"));
  document.getElementById("access").hidden = false;
}

function showFirewall(rules) {
  document.getElementById("firewall-section").hidden = false;
  fill("firewall", table([
    ["#", (rule) => rules.indexOf(rule) + 1],
    ["Source", (rule) => rule.source],
    ["Action", (rule) => rule.action],
  ], rules || [], "No rules: every connection is dropped."));
}

pages.reservations = () => {
  every(5000, async () => {
    const listed = await get("/reservations");
    fill("reservations", table([
      ["Reservation", (r) => r.id],
      ["For", (r) => r.desc],
      ["Made", (r) => when(r.created)],
      ["Place in queue", (r) => r.place ?? "—"],
      ["", (r) => el("button", { type: "button", onclick: guarded(async () => {
        await api("DELETE", "/reservation/" + encodeURIComponent(r.id));
        location.reload();
      }) }, "Cancel")],
    ], listed.reservations, "No reservations waiting."));
  });
};

pages.ci = () => {
  get("/ci/projects").then((projects) => {
    const rows = Object.entries(projects).map(([pid, project]) => ({ pid, ...project }));
    fill("projects", table([
      ["Project", (p) => p.pid],
      ["Repository", (p) => p.repo_url],
      ["Created", (p) => when(p.created)],
      ["", (p) => el("button", { type: "button", onclick: guarded(async () => {
        const branch = prompt("Run a job of which branch?", "main");
        if (!branch) return;
        const made = (await api("POST", "/ci/project/" + encodeURIComponent(p.pid) + "/job", { branch, commit: null })).json;
        location.assign("/ui/ci/" + encodeURIComponent(made.jid));
      }) }, "Run a job")],
    ], rows, "No projects yet: POST /ci/new or rigfleet ci run makes one."));
  }, showError);
  every(5000, async () => {
    const listed = await get("/ci/jobs");
    fill("jobs", table([
      ["Job", (j) => link("/ui/ci/" + encodeURIComponent(j.id), j.id)],
      ["Revision", (j) => j.revision || j.commit || j.branch || "—"],
      ["Status", (j) => badge(j.status)],
      ["Created", (j) => when(j.created)],
    ], listed.jobs, "No CI jobs yet: start one with POST /ci/new or rigfleet ci run."));
  });
};

pages.job = () => {
  const id = pageId;
  const path = "/ci/job/" + encodeURIComponent(id);
  const log = document.getElementById("log");
  const summary = async () => {
    const job = await get(path);
    fill("job-summary", el("dl", {},
      el("dt", {}, "Project"), el("dd", {}, job.pid),
      el("dt", {}, "Revision"), el("dd", {}, job.revision || job.commit || job.branch || "—"),
      el("dt", {}, "Instance"), el("dd", {}, job.instance ? link("/ui/instances/" + encodeURIComponent(job.instance), job.instance) : "—"),
      el("dt", {}, "Status"), el("dd", {}, badge(job.status), job.reason ? " — " + job.reason : "")));
    document.getElementById("cancel").hidden = ["passed", "failed", "error", "cancelled"].includes(job.status);
    return job;
  };
  const results = async () => {
    const found = await get(path + "/results");
    fill("results", el("p", {}, `${found.tests} tests, ${found.failures} failures, ${found.errors} errors, ${found.skipped} skipped`),
      table([
        ["Kind", (f) => f.kind],
        ["Test", (f) => f.classname + "." + f.name],
        ["Message", (f) => f.message || ""],
      ], found.failed || [], "Nothing failed."));
  };
  summary().catch(showError);
  // The log as it is written: same-origin server-sent events, signed in by the cookie.
  const events = new EventSource(path + "/log");
  events.addEventListener("line", (event) => {
    log.append(event.data + "\n");
    log.scrollTop = log.scrollHeight;
  });
  events.addEventListener("end", () => {
    events.close();
    summary().then(results).catch(showError);
  });
  events.onerror = () => {
    if (events.readyState === EventSource.CLOSED) summary().catch(showError);
  };
  document.getElementById("cancel").addEventListener("click", guarded(async () => {
    await api("POST", path + "/cancel");
    await summary();
  }));
};

pages.owner = async () => {
  const fleets = (await get("/fleets")).fleets;
  fill("key-fleet", ...fleets.map((fleet) => el("option", { value: fleet.appId }, fleet.name)));
  const refreshKeys = async () => {
    const rows = [];
    for (const fleet of fleets) {
      const keys = await get(`/fleets/${fleet.appId}/provisioning-keys`);
      for (const key of keys.provisioning_keys) rows.push({ fleet, key });
    }
    fill("keys", table([
      ["Fleet", (r) => r.fleet.name],
      ["Key", (r) => r.key.id],
      ["Description", (r) => r.key.description],
      ["Uses", (r) => r.key.uses + " of " + r.key.max_uses],
      ["Expires", (r) => when(r.key.expires_at)],
      ["Revoked", (r) => (r.key.revoked_at ? when(r.key.revoked_at) : "—")],
      ["", (r) => r.key.revoked_at ? "" : el("button", { type: "button", class: "danger", onclick: guarded(async () => {
        await api("DELETE", `/fleets/${r.fleet.appId}/provisioning-keys/${encodeURIComponent(r.key.id)}`);
        await refreshKeys();
      }) }, "Revoke")],
    ], rows, "No provisioning keys."));
  };
  document.getElementById("key-new").addEventListener("submit", guarded(async (event) => {
    const fleet = new FormData(event.target).get("fleet");
    const made = (await api("POST", `/fleets/${fleet}/provisioning-keys`, {})).json;
    const shown = document.getElementById("key-made");
    shown.textContent = "New key (shown once): " + made.provisioning_key + " (key " + made.details.id + ")";
    shown.hidden = false;
    await refreshKeys();
  }));

  const refreshDeployments = async () => {
    const listed = await get("/deployments");
    const details = await Promise.all(listed.workspace_deployments.map((id) => get("/deployment/" + encodeURIComponent(id))));
    // Only its owner (and admins) are shown a deployment's owner and host.
    const owned = details.filter((d) => d.owner !== undefined);
    fill("owned", table([
      ["Deployment", (d) => d.id],
      ["Type", (d) => d.type],
      ["Host", (d) => link("/ui/devices/" + encodeURIComponent(d.host), d.host)],
      ["Held by", (d) => (d.holder ? d.holder.user + " since " + when(d.holder.since) : "—")],
      ["Queue", (d) => d.queuelen],
      ["Locked out", (d) => (d.lockout ? "yes" : "no")],
      ["", (d) => el("button", { type: "button", onclick: guarded(async () => {
        await api(d.lockout ? "DELETE" : "POST", "/deployment/" + encodeURIComponent(d.id) + "/lockout");
        await refreshDeployments();
      }) }, d.lockout ? "Let in" : "Lock out")],
      ["", (d) => el("button", { type: "button", onclick: guarded(() => showRules(d.id)) }, "Rules")],
    ], owned, "You own no deployments."));
  };
  document.getElementById("deployment-new").addEventListener("submit", guarded(async (event) => {
    const form = new FormData(event.target);
    await api("POST", "/deployments", { type: form.get("type"), host: form.get("devices") });
    event.target.reset();
    await refreshDeployments();
  }));
  await Promise.all([refreshKeys(), refreshDeployments()]);
};

/** Who may instantiate the deployment: its rules, to add to and delete from. */
async function showRules(deployment) {
  const path = "/deployment/" + encodeURIComponent(deployment);
  const rules = (await get(path + "/rules")).rules;
  document.getElementById("rules-section").hidden = false;
  fill("rules-title", "Access rules of " + deployment);
  fill("rules", table([
    ["#", (r) => r.id],
    ["Capability", (r) => r.capability],
    ["User", (r) => r.user],
    ["", (r) => el("button", { type: "button", class: "danger", onclick: guarded(async () => {
      await api("DELETE", path + "/rule/" + r.id);
      await showRules(deployment);
    }) }, "Delete")],
  ], rules, "No rules: anyone may instantiate it."));
  const form = document.getElementById("rule-new");
  form.onsubmit = guarded(async (event) => {
    const fields = new FormData(event.target);
    const rule = { cap: fields.get("cap") };
    if (fields.get("user")) rule.user = fields.get("user");
    await api("POST", path + "/rule", rule);
    event.target.reset();
    await showRules(deployment);
  });
}

// --- Every page ----------------------------------------------------------------------------------------------

async function signedIn() {
  const who = await get("/actor/v1/whoami");
  document.getElementById("whoami").textContent = who.username;
  const current = document.querySelector(`[data-nav="${page === "device" ? "devices" : page === "instance" ? "instances" : page === "job" ? "ci" : page}"]`);
  if (current) current.setAttribute("aria-current", "page");
  document.getElementById("sign-out").addEventListener("click", guarded(async () => {
    await api("DELETE", "/ui/session");
    location.assign("/ui/login");
  }));
}

(async () => {
  try {
    if (page !== "login") await signedIn();
    await pages[page]();
  } catch (error) {
    showError(error);
  }
})();
