// The real @azure/web-pubsub-client against the devhost's Web PubSub emulator.
// Usage: node webpubsub-client-conformance.mjs '{"subscriberUrl": "...", "publisherUrl": "..."}'
// The subscriber may join group A (not B) and reaches the emulator through a TCP proxy this script
// can cut; the publisher may send to group A. Prints one JSON line; exits 1 on any failure.
import net from "node:net";
import { WebPubSubClient } from "@azure/web-pubsub-client";

const DEADLINE_MS = 45_000;
const STEP_MS = 15_000;

const config = JSON.parse(process.argv[2]);
const deadline = setTimeout(() => finish({ ok: false, error: `no result within ${DEADLINE_MS} ms` }), DEADLINE_MS);

function finish(result) {
  clearTimeout(deadline);
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(result.ok ? 0 : 1);
}

/** Resolves when check() holds, re-checked on every notify(); rejects after STEP_MS. */
function waiter() {
  const pending = new Set();
  return {
    until(label, check) {
      if (check()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const entry = { check, resolve, timer: setTimeout(() => reject(new Error(`timed out waiting for ${label}`)), STEP_MS) };
        pending.add(entry);
      });
    },
    notify() {
      for (const entry of pending) {
        if (entry.check()) {
          clearTimeout(entry.timer);
          pending.delete(entry);
          entry.resolve();
        }
      }
    },
  };
}

/** A TCP proxy to the emulator whose connections can be cut, and which refuses new ones until resumed. */
function startProxy(target) {
  const sockets = new Set();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", drop);
      socket.on("close", drop);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: server.address().port,
        cut() {
          refusing = true;
          for (const socket of sockets) socket.destroy();
          sockets.clear();
        },
        resume() {
          refusing = false;
        },
        close() {
          server.close();
        },
      }),
    ),
  );
}

async function run() {
  const emulatorUrl = new URL(config.subscriberUrl);
  const proxy = await startProxy({ hostname: "127.0.0.1", port: emulatorUrl.port });
  const viaProxy = new URL(config.subscriberUrl);
  viaProxy.host = `127.0.0.1:${proxy.port}`;

  const noRetries = { messageRetryOptions: { maxRetries: 0 } };
  const subscriber = new WebPubSubClient(viaProxy.toString(), noRetries);
  const publisher = new WebPubSubClient(config.publisherUrl, noRetries);
  const events = [];
  const groupMessages = [];
  const serverMessages = [];
  const connections = [];
  const wait = waiter();
  subscriber.on("connected", (e) => {
    connections.push(e.connectionId);
    events.push("connected");
    wait.notify();
  });
  subscriber.on("disconnected", () => events.push("disconnected"));
  subscriber.on("group-message", (e) => {
    const data = typeof e.message.data === "string" ? e.message.data : JSON.stringify(e.message.data);
    groupMessages.push(data);
    events.push(`group:${data}`);
    wait.notify();
  });
  subscriber.on("server-message", (e) => {
    serverMessages.push(e.message.data);
    events.push(`server:${e.message.data}`);
    wait.notify();
  });

  await subscriber.start();
  await wait.until("the subscriber's connected event", () => connections.length === 1);
  await publisher.start();
  const result = { ok: true, connectionId: connections[0] };

  // Group membership and permissions: the token allows group A only.
  result.joinA = await subscriber.joinGroup("A");
  try {
    await subscriber.joinGroup("B");
    result.joinB = "accepted";
  } catch (error) {
    result.joinB = error.errorDetail ? error.errorDetail.name : String(error);
  }

  // Group messages and acks, including a resent ackId.
  result.firstSend = await publisher.sendToGroup("A", "m1", "text", { ackId: 1000 });
  result.resend = await publisher.sendToGroup("A", "m1", "text", { ackId: 1000 });
  await publisher.sendToGroup("A", { n: 2 }, "json");
  await wait.until("m1 and the json message", () => groupMessages.length >= 2);

  // Server messages: an event handler's reply, and a REST send the handler makes; both before the ack.
  events.push("send:echo");
  await subscriber.sendEvent("echo", "hi", "text");
  events.push("ack:echo");
  events.push("send:rest");
  await subscriber.sendEvent("rest", "please", "text");
  events.push("ack:rest");

  // Cut the subscriber's socket; what is published meanwhile must arrive once, in order, after recovery.
  proxy.cut();
  const whileCut = ["c1", "c2", "c3", "c4", "c5"];
  for (const text of whileCut) {
    await publisher.sendToGroup("A", text, "text");
  }
  proxy.resume();
  await wait.until("the messages sent while cut", () => whileCut.every((text) => groupMessages.includes(text)));
  await publisher.sendToGroup("A", "after", "text");
  await wait.until("the message after recovery", () => groupMessages.includes("after"));

  result.groupMessages = groupMessages;
  result.serverMessages = serverMessages;
  result.events = events;
  result.connections = connections;
  subscriber.stop();
  publisher.stop();
  proxy.close();
  finish(result);
}

run().catch((error) => finish({ ok: false, error: String(error && error.stack ? error.stack : error) }));
