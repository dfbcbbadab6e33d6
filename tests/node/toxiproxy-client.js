// Drives the dashboard's toxiproxy API with toxiproxy's own Node client (toxiproxy-node-client 4.1),
// as a toxiproxy test suite would, and prints what it saw as one JSON object for the Pester test.
// Usage: node toxiproxy-client.js <api base, e.g. http://127.0.0.1:8474> <backend port> <existing proxy name>
// Every connection goes to loopback; every wait is bounded (a socket timeout of 20 s).
"use strict";
const net = require("net");
const { Toxiproxy } = require("toxiproxy-node-client");

const [api, backendPort, existingName] = process.argv.slice(2);
if (!api || !backendPort || !existingName) {
    console.error("usage: node toxiproxy-client.js <api base> <backend port> <existing proxy name>");
    process.exit(2);
}

// One request through host:port (the test backend answers a line and closes): the reply and the milliseconds it took.
function roundTrip(listen) {
    const cut = listen.lastIndexOf(":");
    const host = listen.slice(0, cut).replace(/^\[|\]$/g, "");
    const port = Number(listen.slice(cut + 1));
    return new Promise((resolve) => {
        const started = process.hrtime.bigint();
        const socket = net.connect({ host, port });
        let reply = "";
        socket.setTimeout(20000, () => socket.destroy(new Error("timed out after 20 s")));
        socket.on("connect", () => socket.end("hello\n"));
        socket.on("data", (chunk) => { reply += chunk.toString("utf8"); });
        socket.on("error", (error) => resolve({ error: error.code || error.message, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
        socket.on("close", () => resolve({ reply: reply.trim(), ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
}

async function status(promise) {
    try {
        await promise;
        return "ok";
    } catch (error) {
        return error.message;
    }
}

async function main() {
    const toxiproxy = new Toxiproxy(api);
    const seen = {};
    seen.version = await toxiproxy.getVersion();

    const proxy = await toxiproxy.createProxy({ name: "node_proxy", listen: "127.0.0.1:0", upstream: `127.0.0.1:${backendPort}` });
    seen.created = proxy.toJson();
    seen.duplicate = await status(toxiproxy.createProxy({ name: "node_proxy", listen: "127.0.0.1:0", upstream: `127.0.0.1:${backendPort}` }));
    seen.baseline = await roundTrip(proxy.listen);

    const toxic = await proxy.addToxic({ name: "slow", type: "latency", stream: "downstream", toxicity: 1, attributes: { latency: 1500, jitter: 0 } });
    seen.toxic = toxic.toJson();
    seen.delayed = await roundTrip(proxy.listen);
    seen.fetchedToxic = (await proxy.getToxic("slow")).toJson();
    seen.updatedToxic = (await toxic.update({ attributes: { latency: 1200 } })).toJson();
    await toxic.remove();
    seen.toxicsAfterRemove = (await toxiproxy.getApi().get(`${api}/proxies/node_proxy/toxics`)).data;
    seen.afterRemove = await roundTrip(proxy.listen);
    seen.missingToxic = await status(proxy.getToxic("slow"));
    seen.badToxic = await status(proxy.addToxic({ name: "bad", type: "no_such_type", stream: "downstream", toxicity: 1, attributes: {} }));

    const all = await toxiproxy.getAll();
    seen.listed = Object.keys(all).sort();
    seen.existing = all[existingName] ? all[existingName].toJson() : null;

    await proxy.addToxic({ name: "cut", type: "limit_data", stream: "downstream", toxicity: 1, attributes: { bytes: 0 } });
    seen.disabled = (await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream })).toJson();
    seen.whileDisabled = await roundTrip(proxy.listen);
    await toxiproxy.reset();
    seen.afterReset = (await toxiproxy.getApi().get(`${api}/proxies/node_proxy`)).data;
    seen.afterResetTrip = await roundTrip(proxy.listen);

    const populated = await toxiproxy.populate([
        { name: "node_proxy", listen: proxy.listen, upstream: proxy.upstream },
        { name: "node_populated", listen: "localhost:0", upstream: `127.0.0.1:${backendPort}` },
    ]);
    seen.populated = Object.keys(populated).sort();
    seen.populatedTrip = await roundTrip(populated.node_populated.listen);

    await proxy.remove();
    await populated.node_populated.remove();
    seen.removed = await status(toxiproxy.get("node_proxy"));
    seen.listedAfterRemove = Object.keys(await toxiproxy.getAll()).sort();
    console.log(JSON.stringify(seen));
}

main().catch((error) => {
    console.error(error && error.stack ? error.stack : String(error));
    process.exit(1);
});
