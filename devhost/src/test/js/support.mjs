// What the Node test scripts share: one JSON result line, waits on conditions, the platform's HTTP API, and a TCP proxy
// that can cut sockets.
import net from "node:net";

/** Prints the result as one JSON line and exits (1 unless result.ok); also after deadlineMs with an error. */
export function reporter(deadlineMs) {
  const deadline = setTimeout(() => finish({ ok: false, error: `no result within ${deadlineMs} ms` }), deadlineMs);
  function finish(result) {
    clearTimeout(deadline);
    process.stdout.write(JSON.stringify(result) + "\n");
    process.exit(result.ok ? 0 : 1);
  }
  return finish;
}

/** call(method, path, token, body) against the platform at base: the parsed JSON answer; throws on a non-2xx status. */
export function api(base) {
  return async function call(method, path, token, body) {
    const response = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

/** Resolves when check() holds, re-checked on every notify(); rejects after stepMs. */
export function waiter(stepMs) {
  const pending = new Set();
  return {
    until(label, check) {
      if (check()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const entry = { check, resolve, timer: setTimeout(() => reject(new Error(`timed out waiting for ${label}`)), stepMs) };
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

/** A TCP proxy to target whose connections can be cut, and which refuses new ones until resumed. */
export function startProxy(target) {
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
        /** The same URL, reaching its host through this proxy. */
        via(url) {
          const proxied = new URL(url);
          proxied.host = `127.0.0.1:${server.address().port}`;
          return proxied.toString();
        },
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
