// The ChatUI in a real browser (Debian's Chromium driven by playwright-core) against a running local
// platform. Each run signs in (the OIDC code flow through the dev IdP's authorize page), creates a
// tenant and an app, starts a chat and plays one scenario:
//   assistant: send a message and watch the reply stream in; send another and reload the page while
//              the chat answers it; read the transcript.
//   drop:      the network goes while the chat answers, a message is written offline, the network comes back.
//   tools:     tool_demo's server tool and its choose_option prompt, answered with a button; then cancel.
// Usage: node chatui-browser.mjs '{"scenario": "...", "baseUrl": "...", "chromium": "...", "user": "...",
//                                  "messages": ["first", "second"], "screenshot": "..."}'
// Prints one JSON line; exits 1 on any failure (leaving a screenshot of the failure beside the other).
import { chromium } from "playwright-core";

const DEADLINE_MS = 150_000;
const STEP_MS = 20_000;
const config = JSON.parse(process.argv[2]);
const [FIRST, SECOND] = config.messages;
const logs = [];
const deadline = setTimeout(() => finish({ ok: false, error: `no result within ${DEADLINE_MS} ms` }), DEADLINE_MS);

function finish(result) {
  clearTimeout(deadline);
  process.stdout.write(JSON.stringify({ ...result, logs }) + "\n");
  process.exit(result.ok ? 0 : 1);
}

/**
 * Signs in as the configured user through the development identity provider's authorize page (the
 * OIDC code flow with PKCE, as in Azure), creates a tenant and a pro app, and starts a chat of `workflow`.
 */
async function startChat(page, workflow) {
  await page.goto(config.baseUrl);
  await page.getByRole("button", { name: "Sign in" }).click();
  // The provider's own page (issuer localhost, while the ChatUI is on 127.0.0.1: another origin).
  await page.waitForURL(/\/dev\/authorize\?/);
  await page.getByLabel("User id").fill(config.user);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Back with a code, exchanged for a token; the callback gives way to the screen sign-in began on.
  await page.waitForURL((url) => url.pathname === "/" && url.origin === new URL(config.baseUrl).origin);
  await page.getByText(`Signed in as ${config.user}`).waitFor();
  await page.getByLabel("Tenant name").fill("Browser test tenant");
  await page.getByRole("button", { name: "Create tenant" }).click();
  await page.getByLabel("App name").fill("Browser test app");
  await page.getByLabel("Tier").selectOption("pro");
  await page.getByRole("button", { name: "Create app" }).click();
  await page.getByRole("button", { name: `Start ${workflow}` }).click();
  await page.waitForURL(/\/apps\/[^/]+\/chats\/[^/]+$/);
  const [, appId, chatId] = new URL(page.url()).pathname.match(/^\/apps\/([^/]+)\/chats\/([^/]+)$/).map(decodeURIComponent);
  await connected(page);
  await page.locator("ol.log > li[data-type='chat.input_request']").first().waitFor();
  return { appId, chatId, workflow };
}

/** Waits until the page holds a live connection and the transcript was rebuilt from the server. */
async function connected(page) {
  await page.locator(".connection[data-state='connected']").waitFor();
  await page.locator("ol.log[aria-busy='false']").waitFor();
}

async function send(page, text) {
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.getByRole("button", { name: "Send", exact: true }).click();
}

/** A stored reply of the offline model's echo to `text` (not the streaming bubble). */
function echo(page, text) {
  return page.locator("ol.log > li.message.from-agent[data-type='chat.text']", { hasText: `You said: "${text}"` });
}

/** Waits until the last event the page shows is of `type`: the turn has settled. */
function lastEventIs(page, type) {
  return page.waitForFunction((expected) => {
    const items = document.querySelectorAll("ol.log > li[data-seq]");
    return items[items.length - 1]?.dataset.type === expected;
  }, type, { timeout: STEP_MS });
}

/** The log as the page shows it: every persisted event's item, in document order. */
function transcript(page) {
  return page.$$eval("ol.log > li[data-seq]", (items) => items.map((item) => ({
    seq: Number(item.dataset.seq),
    type: item.dataset.type,
    agent: item.querySelector(".agent")?.textContent ?? null,
    content: item.querySelector(".content")?.textContent ?? null,
  })));
}

const scenarios = {
  async assistant(page) {
    const chat = await startChat(page, "assistant");
    // Every state of the streaming bubble, as the page shows it, until its stored text replaces it.
    await page.evaluate(() => {
      window.__streamed = [];
      new MutationObserver(() => {
        for (const bubble of document.querySelectorAll(".streaming-area .streaming .content")) {
          window.__streamed.push(bubble.textContent);
        }
      }).observe(document.querySelector(".streaming-area"), { childList: true, subtree: true, characterData: true });
    });
    await send(page, FIRST);
    await echo(page, FIRST).waitFor();
    const streamed = await page.evaluate(() => window.__streamed);
    const firstReply = await echo(page, FIRST).locator(".content").textContent();

    // The second message leaves, and the page goes away while the chat answers it.
    await send(page, SECOND);
    // Sent (waiting in the outbox) or already in the log: the page goes now either way.
    await page.locator(".outbox li, ol.log > li.from-user", { hasText: SECOND }).first().waitFor({ state: "attached" });
    await page.reload();
    await connected(page);
    await echo(page, SECOND).waitFor();
    await lastEventIs(page, "chat.input_request");
    return { ...chat, streamed, firstReply, leftInOutbox: await page.locator(".outbox li").count() };
  },

  async drop(page) {
    const chat = await startChat(page, "assistant");
    // Every connection state the page shows, in order.
    await page.evaluate(() => {
      const connection = document.querySelector(".connection");
      window.__states = [connection.dataset.state];
      new MutationObserver(() => window.__states.push(connection.dataset.state))
        .observe(connection, { attributes: true, attributeFilter: ["data-state"] });
    });
    // The network goes while the chat answers the first message, and the second is written offline.
    await send(page, FIRST);
    await page.context().setOffline(true);
    await page.locator(".connection[data-state='offline']").waitFor();
    await send(page, SECOND);
    await page.locator(".outbox li", { hasText: SECOND }).waitFor();
    await page.context().setOffline(false);
    await page.locator(".connection[data-state='connected']").waitFor();
    await echo(page, SECOND).waitFor();
    await lastEventIs(page, "chat.input_request");
    return { ...chat, states: await page.evaluate(() => window.__states), leftInOutbox: await page.locator(".outbox li").count() };
  },

  async tools(page) {
    const chat = await startChat(page, "tool_demo");
    await send(page, "Remind me about the demo");
    await page.locator("ol.log > li.tool", { hasText: "Helper called current_time" }).waitFor();
    await page.locator("ol.log > li.tool", { hasText: "current_time answered" }).waitFor();
    const prompt = page.getByRole("group", { name: "When should I remind you?" });
    await prompt.getByRole("button", { name: "Tomorrow morning" }).click();
    await page.locator(".ui-prompt.answered").waitFor();
    await page.locator("ol.log > li.message", { hasText: "Noted. I will remind you at the time you chose." }).waitFor();
    await lastEventIs(page, "chat.input_request");

    await page.getByRole("button", { name: "Cancel run" }).click();
    await page.locator(".badge[data-status='cancelled']").waitFor();
    await lastEventIs(page, "chat.run_complete");
    return { ...chat, composerDisabled: await page.getByLabel("Message", { exact: true }).isDisabled() };
  },
};

async function run() {
  const browser = await chromium.launch({
    executablePath: config.chromium,
    timeout: STEP_MS,
    // As root in a closed network: no sandbox, no GPU, and none of Chromium's own calls home.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  let page;
  try {
    page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
    page.setDefaultTimeout(STEP_MS);
    page.on("console", (message) => logs.push(`console.${message.type()}: ${message.text()}`));
    page.on("pageerror", (error) => logs.push(`pageerror: ${error.message}`));
    const result = await scenarios[config.scenario](page);
    const connection = await page.locator(".connection").textContent();
    await page.screenshot({ path: config.screenshot, fullPage: true });
    return { ok: true, ...result, connection, transcript: await transcript(page), screenshot: config.screenshot };
  } catch (error) {
    // What the page showed when it went wrong, beside the screenshot a passing run leaves.
    await page?.screenshot({ path: config.screenshot.replace(/\.png$/, "-failure.png"), fullPage: true, timeout: 5_000 }).catch(() => {});
    throw error;
  } finally {
    await browser.close();
  }
}

run().then(finish, (error) => finish({ ok: false, error: String(error?.stack ?? error) }));
