import { ApiError, type Page } from "../api";
import { h } from "../dom";

/** A trail back to the screens above this one. */
export function breadcrumbs(...trail: [label: string, href?: string][]): HTMLElement {
  const list = h("ol");
  for (const [label, href] of trail) {
    list.append(h("li", {}, href ? h("a", { href, "data-route": true }, label) : h("span", { "aria-current": "page" }, label)));
  }
  return h("nav", { class: "breadcrumbs", "aria-label": "Breadcrumbs" }, list);
}

/** The message to show for a failed request. */
export function describe(error: unknown): string {
  return error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
}

/**
 * A list filled page by page (`?limit=&cursor=`), with a "Show more" button while the API has more.
 * `empty` is shown when the first page has nothing.
 */
export function pagedList<T>(
  label: string,
  load: (cursor?: string) => Promise<Page<T>>,
  item: (value: T) => HTMLElement,
  empty: string,
): HTMLElement {
  const list = h("ul", { class: "list", "aria-label": label, "aria-busy": "true" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Show more");
  const status = h("p", { class: "notice", role: "status" });
  let cursor: string | undefined;
  const next = async () => {
    more.disabled = true;
    try {
      const page = await load(cursor);
      page.items.forEach((value) => list.append(item(value)));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      if (list.childElementCount === 0) {
        status.textContent = empty;
      }
    } catch (error) {
      status.textContent = describe(error);
    } finally {
      list.setAttribute("aria-busy", "false");
      more.disabled = false;
    }
  };
  more.addEventListener("click", next);
  void next();
  return h("div", {}, list, status, more);
}

export function query(cursor: string | undefined, limit: number): string {
  const params = new URLSearchParams({ limit: String(limit) });
  if (cursor) {
    params.set("cursor", cursor);
  }
  return params.toString();
}
