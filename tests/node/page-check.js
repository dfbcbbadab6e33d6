// Opens the dashboard's status page in a real headless Chromium and watches it over the DevTools
// protocol: console messages, uncaught exceptions and failed loads; the page's own counters as it
// updates itself (no reload); then a screenshot. Prints one JSON object for the Pester test.
// Usage: node [--experimental-websocket on Node 20] page-check.js <chromium> <page url> <screenshot.png> <seconds>
// Waits until every Up backend row's total has moved since the page first drew it, at most <seconds>.
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const [chromium, url, screenshot, seconds] = process.argv.slice(2);
if (!chromium || !url || !screenshot) {
    console.error("usage: node --experimental-websocket page-check.js <chromium> <page url> <screenshot.png> [seconds]");
    process.exit(2);
}
if (typeof WebSocket === "undefined") {
    console.error("this Node has no WebSocket: use Node 22, or Node 20 with --experimental-websocket");
    process.exit(2);
}
const deadline = Date.now() + 1000 * Number(seconds || 30);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "tcplb-chromium-"));
const browser = spawn(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
    "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", `--user-data-dir=${profile}`, "about:blank"], { stdio: "ignore", detached: true });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function devToolsUrl() {
    const file = path.join(profile, "DevToolsActivePort");
    while (Date.now() < deadline) {
        if (fs.existsSync(file)) {
            const [port, browserPath] = fs.readFileSync(file, "utf8").split("\n");
            if (port && browserPath) return `ws://127.0.0.1:${port}${browserPath}`;
        }
        await sleep(100);
    }
    throw new Error("Chromium did not open its DevTools port in time");
}

function connect(address) {
    return new Promise((resolve, reject) => {
        const socket = new WebSocket(address);
        let next = 1;
        const pending = new Map();
        const listeners = [];
        socket.onmessage = (event) => {
            const message = JSON.parse(event.data);
            if (message.id && pending.has(message.id)) {
                const { resolve: done, reject: fail } = pending.get(message.id);
                pending.delete(message.id);
                if (message.error) fail(new Error(JSON.stringify(message.error)));
                else done(message.result);
            } else if (message.method) {
                for (const listener of listeners) listener(message);
            }
        };
        socket.onerror = () => reject(new Error("DevTools connection failed"));
        socket.onopen = () => resolve({
            send(method, params, sessionId) {
                const id = next++;
                socket.send(JSON.stringify({ id, method, params: params || {}, sessionId }));
                return new Promise((done, fail) => pending.set(id, { resolve: done, reject: fail }));
            },
            on(listener) { listeners.push(listener); },
            close() { socket.close(); },
        });
    });
}

// What the page shows now, read from its DOM.
const readPage = `(() => ({
    updates: Number(document.body.getAttribute("data-updates")),
    balancers: [...document.querySelectorAll("section.balancer")].map((s) => s.getAttribute("data-balancer")),
    rows: [...document.querySelectorAll("tr.backend")].map((r) => ({
        balancer: r.closest("section.balancer").getAttribute("data-balancer"),
        backend: r.getAttribute("data-backend"), state: r.getAttribute("data-state"),
        first: Number(r.getAttribute("data-first-total")), total: Number(r.getAttribute("data-total")) })),
    chartSeries: document.querySelectorAll("#chart path.series").length,
    chartMarks: document.querySelectorAll("#chart line.mark").length,
    updated: document.getElementById("updated").textContent,
    background: getComputedStyle(document.body).backgroundColor,
    external: [...document.querySelectorAll("script[src], link[href]")].map((e) => e.src || e.href).filter((u) => !u.startsWith(location.origin) && !u.startsWith("data:")),
}))()`;

async function main() {
    const cdp = await connect(await devToolsUrl());
    const problems = [];
    cdp.on((message) => {
        if (message.method === "Runtime.consoleAPICalled") {
            problems.push(`console.${message.params.type}: ${message.params.args.map((a) => a.value ?? a.description).join(" ")}`);
        } else if (message.method === "Runtime.exceptionThrown") {
            problems.push(`exception: ${message.params.exceptionDetails.exception?.description ?? message.params.exceptionDetails.text}`);
        } else if (message.method === "Log.entryAdded") {
            problems.push(`log ${message.params.entry.level}: ${message.params.entry.text} ${message.params.entry.url ?? ""}`);
        }
    });
    const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
    const page = (method, params) => cdp.send(method, params, sessionId);
    await page("Runtime.enable");
    await page("Log.enable");
    await page("Page.enable");
    await page("Emulation.setDeviceMetricsOverride", { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });
    await page("Page.navigate", { url });

    let first = null, last = null;
    while (Date.now() < deadline) {
        await sleep(500);
        const { result } = await page("Runtime.evaluate", { expression: readPage, returnByValue: true });
        last = result.value;
        if (last.updates >= 1 && first === null) first = last;
        if (first !== null && last.updates >= first.updates + 3 && last.rows.length > 0 && last.rows.every((r) => r.state !== "Up" || r.total > r.first)) break;
    }
    const shot = await page("Page.captureScreenshot", { format: "png" });
    fs.writeFileSync(screenshot, Buffer.from(shot.data, "base64"));
    cdp.close();
    console.log(JSON.stringify({ first, last, problems }));
}

main()
    .catch((error) => {
        console.error(error && error.stack ? error.stack : String(error));
        process.exitCode = 1;
    })
    .finally(() => {
        // Chromium's own children (zygote, renderers) write into the profile too: end the whole
        // process group (spawned detached, so it is Chromium's own), then remove the profile,
        // retrying while the last writers go away. A profile that cannot be removed is said, not
        // failed: the page check's verdict is already printed.
        browser.once("exit", () => {
            try {
                fs.rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
            } catch (error) {
                console.error(`could not remove Chromium's profile ${profile}: ${error.message}`);
            }
        });
        try {
            process.kill(-browser.pid, "SIGKILL");
        } catch {
            browser.kill("SIGKILL");
        }
    });
